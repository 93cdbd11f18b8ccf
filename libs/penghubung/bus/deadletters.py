"""Dead letters: what the consumers could not handle, listed for operators and re-driven on request.

A re-drive request sets a dead letter's status to `redrive_requested` and notifies
`penghubung_redrive`; the process running that consumer sends it through the consumer's
handler once more (the inbox keeps it from being applied twice) and marks it `redriven`, or
puts it back to `dead` with the new reason and one attempt more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

import asyncpg

if TYPE_CHECKING:
    from rich.console import Console

REDRIVE_CHANNEL = "penghubung_redrive"
"""Channel notified (at commit) with the consumer's name when a re-drive is requested."""

STATUSES = ("dead", "redrive_requested", "redriven")


@dataclass(frozen=True)
class DeadLetter:
    """One message a consumer could not handle, without its raw bytes."""

    id: int
    consumer: str
    event_id: UUID | None
    subject: str
    event_type: str | None
    global_position: int | None
    reason: str
    error_code: str
    attempts: int
    status: str
    first_failed_at: datetime
    last_failed_at: datetime
    redriven_at: datetime | None


async def list_dead_letters(
    conn: asyncpg.Connection, consumer: str | None = None, *, status: str | None = None
) -> list[DeadLetter]:
    """Dead letters, oldest first: of one consumer or all, of one status or all."""
    if status is not None and status not in STATUSES:
        raise ValueError(f"unknown status {status!r}; one of {', '.join(STATUSES)}")
    rows = await conn.fetch(
        "SELECT id, consumer, event_id, subject, event_type, global_position, reason, error_code,"
        " attempts, status, first_failed_at, last_failed_at, redriven_at"
        " FROM messaging.dead_letters"
        " WHERE ($1::text IS NULL OR consumer = $1) AND ($2::text IS NULL OR status = $2)"
        " ORDER BY id",
        consumer,
        status,
    )
    return [DeadLetter(**dict(row)) for row in rows]


async def request_redrive(
    conn: asyncpg.Connection, ids: Sequence[int] | None = None, consumer: str | None = None
) -> int:
    """Ask for dead letters to be re-driven: those `ids` (None: all) of `consumer` (None: all).

    Only letters in status `dead` are requested; returns how many were.
    """
    async with conn.transaction():
        rows = await conn.fetch(
            "UPDATE messaging.dead_letters SET status = 'redrive_requested'"
            " WHERE status = 'dead' AND ($1::bigint[] IS NULL OR id = ANY($1))"
            " AND ($2::text IS NULL OR consumer = $2) RETURNING consumer",
            None if ids is None else list(ids),
            consumer,
        )
        for name in sorted({row["consumer"] for row in rows}):
            await conn.execute("SELECT pg_notify($1, $2)", REDRIVE_CHANNEL, name)
    return len(rows)


async def dead_letters_command(action: str, consumer: str | None, ids: list[int]) -> int:
    """`penghubung dead-letters list|redrive`: against PENGHUBUNG_DATABASE_URL."""
    from rich.console import Console

    from penghubung.db import connect
    from penghubung.dbroles import AUDITOR_ROLE
    from penghubung.operate import operator_role, redact
    from penghubung.settings import DatabaseSettings

    console = Console()
    # Listing only reads (the auditor's role); a re-drive updates the letters (the services').
    role = operator_role(AUDITOR_ROLE if action == "list" else "penghubung_service")
    url = DatabaseSettings().database_url
    conn = await connect(url, role=role)
    console.print(f"[dim]{redact(url)} as {role or 'the login role'}[/dim]", highlight=False)
    try:
        if action == "list":
            letters = await list_dead_letters(conn, consumer)
            if ids:
                letters = [letter for letter in letters if letter.id in set(ids)]
            _print_table(console, letters)
            return 0
        if action == "redrive":
            wanted = sorted(set(ids)) or None
            count = await request_redrive(conn, wanted, consumer)
            console.print(f"{count} dead letter(s) queued for re-drive")
            if wanted is not None and count < len(wanted):
                console.print(
                    f"{len(wanted) - count} of the given ids are not dead letters in status"
                    " 'dead' (unknown, of another consumer, or already re-driven)"
                )
                return 1
            return 0
        raise ValueError(f"unknown action {action!r}")
    finally:
        await conn.close()


def _print_table(console: Console, letters: list[DeadLetter]) -> None:
    from rich.table import Table

    if not letters:
        console.print("no dead letters")
        return
    table = Table(title=f"{len(letters)} dead letter(s)")
    for column in ("id", "consumer", "type", "position", "attempts", "code", "reason", "status"):
        table.add_column(column, overflow="fold")
    table.add_column("last failure", no_wrap=True)
    for letter in letters:
        table.add_row(
            str(letter.id),
            letter.consumer,
            letter.event_type or "-",
            "-" if letter.global_position is None else str(letter.global_position),
            str(letter.attempts),
            letter.error_code,
            letter.reason,
            letter.status,
            letter.last_failed_at.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z"),
        )
    console.print(table)
