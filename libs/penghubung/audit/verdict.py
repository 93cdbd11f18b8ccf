"""Recompute the hash chain from the stored rows and name the first position that breaks it.

A summary over the auditor's walk (`chain.py`), kept for callers that want the verdict only;
the auditor's report (checkpoints, bundles, what each problem is) is `verify.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from penghubung.audit.chain import ChainWalker, read_head, walk_database


@dataclass(frozen=True)
class ChainReport:
    """The outcome of a verification: how far it got and, if broken, where and why."""

    checked: int
    head_position: int
    head_hash: str
    first_bad_position: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """True when every link checked out."""
        return self.first_bad_position is None


async def verify_chain(conn: asyncpg.Connection, *, batch_size: int = 5000) -> ChainReport:
    """Walk the log from position 1: gapless positions, each prev_hash linked, each hash right."""
    walker = ChainWalker(in_position_order=True)
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        await walk_database(conn, walker, batch_size=batch_size)
        head = await read_head(conn)
    walk = walker.finish(head=head)
    finding = walk.finding
    return ChainReport(
        checked=walk.checked,
        head_position=walk.last_position or 0,
        head_hash=walk.last_hash.hex(),
        first_bad_position=None if finding is None else finding.position,
        problem=None if finding is None else f"{finding.problem.value}: {finding.message}",
    )
