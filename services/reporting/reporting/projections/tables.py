"""The projection's tables: which of reporting's tables the log determines, and in which schema.

The appliers and the read queries name their tables through a schema: `reporting` for the live
projection, another one for a rebuild (`reporting_rebuild_<stamp>`), or `pg_temp` for a
connection's own temporary copy (a view "as of" a past position). The same functions write and
read them all.
"""

from __future__ import annotations

import re

LIVE = "reporting"
"""The schema of the live projection (and of reporting's tables that are not projected)."""

TEMPORARY = "pg_temp"
"""A connection's own temporary schema: tables that vanish with the connection."""

PROJECTED: dict[str, tuple[str, ...]] = {
    "requests": ("ticket_id",),
    "timeline": ("global_position",),
    "reports": ("ticket_id",),
    "agenda_book": ("year", "number"),
    "berita_acara": ("year", "sequence"),
    "calendar_versions": ("version",),
    "sla_requests": ("ticket_id",),
    "sla_facts": ("global_position",),
    "sla_recalculations": ("global_position",),
    "sla_warnings": ("ticket_id", "step", "threshold_percent"),
    "documents": ("code",),
    "berita_acara_returns": ("ticket_id",),
    "survey_answers": ("ticket_id",),
}
"""Every table the log determines, with its key: a rebuild from position 1 gives the same rows."""

NOT_PROJECTED: dict[str, str] = {
    "checkpoint": "the projection's own position (a rebuild has its own; its updated_at is a"
    " wall-clock time)",
    "gaps": "the history of the live consumer's deliveries, not a fact of the log",
    "counters": "the commands' yearly numbers, taken before the events that carry them",
    "availability_samples": "measurements of this installation, not facts of the log",
    "scans": "the bytes of signed Berita Acara scans; the log holds their hashes",
    "as_of_snapshots": "a cache of the projection as of past positions, for `as_of` views",
    "as_of_snapshot_tables": "the tables of those snapshots",
    "as_of_rows": "which rows of the growing tables the snapshots share, and by which rules",
    "as_of_timeline": "the timeline's rows shared by those snapshots",
    "as_of_sla_facts": "the SLA facts' rows shared by those snapshots",
}
"""reporting's other tables, and why a rebuild neither makes nor compares nor swaps them."""

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def schema_name(name: str) -> str:
    """`name` if it is a plain lower-case SQL identifier (it is put into SQL text as it is)."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a plain schema name: {name!r}")
    return name
