"""Reads of the satisfaction survey's answers (the projection's `survey_answers`)."""

from __future__ import annotations

import asyncpg

from reporting.projections.tables import LIVE


async def answer(
    conn: asyncpg.Connection, ticket_id: str, *, schema: str = LIVE
) -> asyncpg.Record | None:
    """One request's answer, if given."""
    row: asyncpg.Record | None = await conn.fetchrow(
        f"SELECT * FROM {schema}.survey_answers WHERE ticket_id = $1", ticket_id
    )
    return row


async def month_answers(
    conn: asyncpg.Connection, month: str, *, schema: str = LIVE
) -> list[asyncpg.Record]:
    """The answers given in a month (YYYY-MM, WIB), in the order they came."""
    rows: list[asyncpg.Record] = await conn.fetch(
        f"SELECT * FROM {schema}.survey_answers WHERE month = $1 ORDER BY global_position", month
    )
    return rows
