"""The verifier's report for people (rich) — programs take `AuditReport.to_dict()` as JSON."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from penghubung.audit.verify import AuditReport, CheckpointResult


def render_report(report: AuditReport, console: Console) -> None:
    """Print the verdict, the first bad position and what is wrong, the checkpoints, the notes."""
    console.print(Panel(_summary(report), title=_title(report), border_style=_colour(report)))
    if report.findings:
        console.print(_findings(report))
    if report.checkpoints:
        console.print(_checkpoints(report.checkpoints))
    for note in report.notes:
        console.print(Text(f"• {note}", style="dim"))


def _title(report: AuditReport) -> Text:
    if report.ok:
        return Text("OK — the chain verifies", style="bold green")
    first = report.findings[0]
    where = f" at position {first.position}" if first.position is not None else ""
    return Text(f"TAMPERED — {first.problem.value}{where}", style="bold red")


def _colour(report: AuditReport) -> str:
    return "green" if report.ok else "red"


def _summary(report: AuditReport) -> Group:
    walk = report.walk
    lines = [Text.assemble(("source   ", "bold"), report.source)]
    if report.unreadable:
        return Group(*lines, Text(report.findings[0].message, style="red"))
    kind = "the whole chain" if walk.complete else "events checked one by one (partial export)"
    if walk.complete and walk.start.position:
        kind = f"the chain after signed position {walk.start.position}"
    span = (
        f" (positions {walk.first_position}..{walk.last_position})"
        if walk.first_position is not None
        else ""
    )
    lines += [
        Text.assemble(("scope    ", "bold"), kind),
        Text.assemble(("checked  ", "bold"), f"{walk.checked} events{span}"),
    ]
    if report.ok and walk.complete:
        end = walk.last_position or walk.start.position
        lines.append(
            Text.assemble(("head     ", "bold"), f"position {end}  {walk.last_hash.hex()}")
        )
    elif report.head is not None:
        head = report.head
        lines.append(
            Text.assemble(("head row ", "bold"), f"position {head.position}  {head.hash.hex()}")
        )
    signed = report.signed_through
    if signed is not None:
        lines.append(Text.assemble(("signed   ", "bold"), f"through position {signed}"))
    if report.keys:
        keys = ", ".join(k[:16] + "…" for k in report.keys)
        source = _KEY_SOURCES.get(report.key_source, report.key_source)
        lines.append(Text.assemble(("key      ", "bold"), f"{keys} ({source})"))
    return Group(*lines)


_KEY_SOURCES = {
    "given": "given with --public-key",
    "settings": "read from PENGHUBUNG_AUDIT_PUBLIC_KEY",
    "bundle": "the bundle's own copy",
}


def _findings(report: AuditReport) -> Table:
    table = Table(title="What is wrong", title_style="bold red", show_lines=True)
    table.add_column("problem", style="red")
    table.add_column("position", justify="right")
    table.add_column("where")
    table.add_column("what", overflow="fold")
    for f in report.findings:
        position = "-" if f.position is None else str(f.position)
        where = f.where or ""
        if f.event_id:
            where = f"{where}\nevent {f.event_id}".strip()
        table.add_row(f.problem.value, position, where, f.message)
    return table


def _checkpoints(results: tuple[CheckpointResult, ...]) -> Table:
    table = Table(title="Signed checkpoints", title_style="bold")
    table.add_column("position", justify="right")
    table.add_column("signed at (UTC)")
    table.add_column("key")
    table.add_column("signature")
    table.add_column("chain")
    table.add_column("found in", overflow="fold")
    for r in results:
        cp = r.checkpoint
        style = "green" if r.proven else ("red" if not r.ok else "yellow")
        table.add_row(
            str(cp.position),
            f"{cp.signed_at:%Y-%m-%d %H:%M:%S}",
            cp.key_id[:16] + "…",
            Text(r.signature.value, style=style),
            Text(r.chain.value, style=style),
            "\n".join(r.sources),
        )
    return table
