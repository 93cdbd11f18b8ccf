"""What `penghubung up` shows once the system runs: where everything is, and tokens to try it."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from rich.console import Console
from rich.table import Table

from penghubung.runtime.nats import EmbeddedNats
from penghubung.runtime.postgres import EmbeddedPostgres
from penghubung.runtime.supervisor import ServiceProcess, cli_command


@dataclass(frozen=True)
class DemoUser:
    """Someone to try the system as: `penghubung up` prints a token for each."""

    role: str
    name: str
    nip: str
    agency: str | None = None


DEMO_USERS = (
    DemoUser("pemohon", "Siti Rahmawati", "198501012010011001", "Dinas Kesehatan"),
    DemoUser("kadis", "Ahmad Fauzi", "197003152000031002"),
    DemoUser("kabid", "Dewi Lestari", "197506202001122001"),
    DemoUser("prakom", "Budi Santoso", "198802142012011003"),
    DemoUser("petugas", "Rina Wulandari", "199207082019032004"),
    DemoUser("auditor", "Hendra Gunawan", "198009092005011005"),
    DemoUser("admin", "Yusuf Maulana", "198612122011011006"),
)


def redact(url: str) -> str:
    """A URL fit to print: its password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def mint_tokens(env: dict[str, str]) -> list[tuple[DemoUser, str, bool]]:
    """A token per demo user from `penghubung token`: (user, token or error, whether it worked)."""
    running: list[tuple[DemoUser, subprocess.Popen[str]]] = []
    for user in DEMO_USERS:
        args = ["token", "--role", user.role, "--name", user.name, "--nip", user.nip]
        if user.agency:
            args += ["--agency", user.agency]
        process = subprocess.Popen(
            cli_command(*args),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        running.append((user, process))
    results: list[tuple[DemoUser, str, bool]] = []
    for user, process in running:
        try:
            out, err = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            err = "timed out"
        lines = [line for line in out.splitlines() if line.strip()]
        if process.returncode == 0 and lines:
            results.append((user, lines[-1].strip(), True))
        else:
            reason = (err.strip() or out.strip() or f"exit {process.returncode}").splitlines()
            results.append((user, reason[-1], False))
    return results


def write_service_urls(folder: Path, services: Sequence[ServiceProcess]) -> None:
    """`<data>/services.env`: where each service answers, for `make demo` and other tools."""
    lines = [f"URL_{service.name.upper()}={service.url}" for service in services]
    (folder / "services.env").write_text("\n".join(lines) + "\n")


def summary(
    services: Sequence[ServiceProcess],
    *,
    env: dict[str, str],
    folder: Path,
    postgres: EmbeddedPostgres | None,
    nats: EmbeddedNats | None,
) -> Table:
    table = Table(title="Penghubung", caption=f"data in {folder}, logs in {folder / 'logs'}")
    table.add_column("what", style="bold", no_wrap=True)
    table.add_column("URL (services: API docs)", overflow="fold")
    table.add_column("log", overflow="fold")
    for service in services:
        where = service.url if service.name == "portal" else f"{service.url}/docs"
        table.add_row(service.name, where, service.log_path.name)
    table.add_section()
    for what, url, server in (
        ("PostgreSQL", env["PENGHUBUNG_DATABASE_URL"], postgres),
        ("NATS", env["PENGHUBUNG_NATS_URL"], nats),
    ):
        table.add_row(what, redact(url), server.log_path.name if server else "(external)")
    return table


def print_tokens(
    console: Console, tokens: list[tuple[DemoUser, str, bool]], *, folder: Path
) -> None:
    console.print("[bold]People[/] to sign in as at the portal, and their API tokens")
    console.print("(Authorization: Bearer …), valid 12 hours:")
    lines: list[str] = []
    for user, token, ok in tokens:
        who = f"{user.role}: {user.name}, NIP {user.nip}" + (
            f", {user.agency}" if user.agency else ""
        )
        if ok:
            console.print(f"  [cyan]{who}[/]", highlight=False)
            lines.append(f"TOKEN_{user.role.upper()}={token}")
            # Plain print: rich would wrap the token and break copy-and-paste.
            print(f"  TOKEN_{user.role.upper()}={token}", flush=True)
        else:
            console.print(f"  [red]{who}: no token — {token}[/]", highlight=False)
    if lines:
        path = folder / "tokens.env"
        path.touch(mode=0o600)
        path.write_text("\n".join(lines) + "\n")
        console.print(f"  (also in {path})")
