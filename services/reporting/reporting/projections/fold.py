"""A rebuild in memory: the log folded into the projection's tables held as dicts, then COPY.

The same rules as the live appliers: each live applier (`apply.APPLIERS`, `sla.projection.
SLA_APPLIERS`) has its counterpart here (`FOLDERS`), which builds the same rows with the same
pure functions (`request_row`, `progress_changes`, `timeline_row`, `sla_fact_row`, ...) and
the same moves (`progress.advance`), and keeps them in memory instead of writing a statement
per row. A live applier without a counterpart stops a rebuild (`Unfoldable`) rather than leave
its rows out; a test holds the two side by side on random histories, table by table.

The rows whose tables only grow (the timeline, the facts, the registers) are written with COPY
whenever enough are pending; the rows that later events change (a request, its report, its SLA
row) are written at the end.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import operator
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg

from penghubung.db import plain_jsonb
from penghubung.events import Envelope, catalog
from penghubung.workcal import CalendarSpec, WorkingCalendar
from reporting.projections import apply, documents, survey
from reporting.projections.progress import Progress, advance
from reporting.projections.rows import Row, columns, defaults
from reporting.projections.tables import PROJECTED
from reporting.sla import projection
from reporting.sla.domain import calendar
from reporting.sla.domain.clocks import fact_of, intake_day

GROWING = (
    "timeline",
    "sla_facts",
    "agenda_book",
    "berita_acara",
    "calendar_versions",
    "sla_recalculations",
)
"""The tables whose rows no later event changes: written (and let go) as they fill."""


class Unfoldable(RuntimeError):
    """A live applier has no in-memory counterpart: the rebuild would miss its rows."""


def _key(table: str) -> Callable[[Row], Any]:
    names = PROJECTED[table]
    if len(names) == 1:
        (name,) = names
        return lambda row: row[name]
    return lambda row: tuple(row[n] for n in names)


_KEYS = {table: _key(table) for table in PROJECTED}


@dataclass
class Folded:
    """The projection's tables in memory, and what the appliers read back from them."""

    tables: dict[str, dict[Any, Row]] = field(
        default_factory=lambda: {table: {} for table in PROJECTED}
    )
    progress: dict[str, Progress] = field(default_factory=dict)
    """Where each request stands (what the live applier reads back from its row)."""
    calendar: tuple[int, CalendarSpec] = (1, calendar.BASE)
    """The latest calendar version and its spec (version 1 is the migrations', not written)."""
    intakes: Counter[date] = field(default_factory=Counter)
    """How many requests each intake day has taken (the next one's rank)."""
    loaded: dict[str, dict[Any, tuple[Any, Row]]] = field(default_factory=dict)
    """The rows `load` took from a snapshot's tables and left there, by table and key: where
    each is in its table (its `ctid`) and a copy of it as it was (`write` writes again only
    those the fold changed)."""
    _calendars: dict[int, WorkingCalendar] = field(default_factory=dict)

    def put(self, table: str, row: Row) -> None:
        """Insert a row (a key already there is a broken log, as it is for the live tables)."""
        rows = self.tables[table]
        key = _KEYS[table](row)
        if key in rows:
            raise ValueError(f"{table}: a second row with the key {key!r}")
        rows[key] = row

    def put_new(self, table: str, row: Row) -> None:
        """Insert a row unless its key is there (`ON CONFLICT DO NOTHING`)."""
        self.tables[table].setdefault(_KEYS[table](row), row)

    def change(self, table: str, key: Any, changes: Row) -> None:
        """Change some columns of a row; no row, no change (an UPDATE that matches none)."""
        row = self.tables[table].get(key)
        if row is not None:
            row.update(changes)

    def working_calendar(self) -> WorkingCalendar:
        """The latest calendar version, as the clocks use it."""
        version, spec = self.calendar
        found = self._calendars.get(version)
        if found is None:
            found = self._calendars[version] = WorkingCalendar(spec)
        return found

    def pending(self) -> int:
        """Rows of the growing tables not yet written."""
        return sum(len(self.tables[t]) for t in GROWING)

    def apply(self, envelope: Envelope) -> None:
        """Fold one event in, as `apply.apply_event` writes it."""
        for folder in _folders(envelope.type):
            folder(self, envelope)


Folder = Callable[[Folded, Envelope], None]


# --- the requests and their timeline (`apply.py`) -----------------------------------------------


def _submitted(f: Folded, envelope: Envelope) -> None:
    event = envelope.event
    assert isinstance(event, catalog.RequestSubmitted)
    progress = advance(None, event, at=envelope.occurred_at)
    assert progress is not None
    f.progress[event.ticket_id] = progress
    f.put("requests", apply.request_row(envelope, event, progress))
    f.put("timeline", apply.timeline_row(envelope, event.ticket_id))


def _resubmitted(f: Folded, envelope: Envelope) -> None:
    event = envelope.event
    assert isinstance(event, catalog.RequestResubmitted)
    f.change("requests", event.ticket_id, apply.resubmission_changes(event))
    _advance(f, envelope, event.ticket_id)


def _step_taken(f: Folded, envelope: Envelope) -> None:
    _advance(f, envelope, apply.ticket_of(envelope))


def _report_written(f: Folded, envelope: Envelope) -> None:
    event = envelope.event
    assert isinstance(event, catalog.ReportWritten)
    f.put("reports", apply.report_row(envelope, event))
    f.change("requests", event.ticket_id, {"outcome": event.outcome.value})
    _advance(f, envelope, event.ticket_id)


def _report_revised(f: Folded, envelope: Envelope) -> None:
    event = envelope.event
    assert isinstance(event, catalog.ReportRevised)
    f.change("reports", event.ticket_id, apply.revision_changes(envelope, event))
    f.put("timeline", apply.timeline_row(envelope, event.ticket_id))


def _survey(f: Folded, envelope: Envelope) -> None:
    f.put_new("survey_answers", survey.survey_row(envelope))
    f.put("timeline", apply.timeline_row(envelope, apply.ticket_of(envelope)))


def _number_reserved(f: Folded, envelope: Envelope) -> None:
    event = envelope.event
    assert isinstance(event, catalog.BeritaAcaraNumberReserved)
    f.put("berita_acara", apply.berita_acara_row(envelope, event))
    for table in ("reports", "requests"):
        f.change(table, event.ticket_id, {"berita_acara_number": event.number})
    _advance(f, envelope, event.ticket_id)


def _archived(f: Folded, envelope: Envelope) -> None:
    event = envelope.event
    assert isinstance(event, catalog.ReportArchived)
    f.put("agenda_book", apply.agenda_row(envelope, event))
    f.change("reports", event.ticket_id, apply.archive_changes(envelope, event))
    f.change("requests", event.ticket_id, {"agenda_code": event.agenda_code})
    _advance(f, envelope, event.ticket_id)


def _timeline_only(f: Folded, envelope: Envelope) -> None:
    f.put("timeline", apply.timeline_row(envelope, apply.ticket_of(envelope)))


def _notification(f: Folded, envelope: Envelope) -> None:
    ticket = apply.notified_ticket(envelope)
    if ticket is not None:
        f.put("timeline", apply.timeline_row(envelope, ticket))


def _issued_document(f: Folded, envelope: Envelope) -> None:
    f.put_new("documents", documents.document_row(envelope))
    f.put("timeline", apply.timeline_row(envelope, envelope.correlation_id))


def _signed_berita_acara(f: Folded, envelope: Envelope) -> None:
    row = documents.berita_acara_return_row(envelope)
    f.tables["berita_acara_returns"][row["ticket_id"]] = row  # the latest copy counts
    f.change("requests", row["ticket_id"], documents.returned_changes(envelope))
    f.put("timeline", apply.timeline_row(envelope, apply.ticket_of(envelope)))


def _advance(f: Folded, envelope: Envelope, ticket_id: str) -> None:
    progress = advance(f.progress.get(ticket_id), envelope.event, at=envelope.occurred_at)
    if progress is not None:
        f.progress[ticket_id] = progress
        f.change("requests", ticket_id, apply.progress_changes(progress, envelope))
    f.put("timeline", apply.timeline_row(envelope, ticket_id))


# --- the SLA's rows (`sla/projection.py`) -------------------------------------------------------


def _sla_fact(f: Folded, envelope: Envelope) -> None:
    fact = fact_of(envelope)
    if fact is None:
        return
    event = envelope.event
    if isinstance(event, catalog.RequestSubmitted):
        day = intake_day(f.working_calendar(), event.received_at)
        rank = f.intakes[day]
        f.intakes[day] += 1
        version = f.calendar[0]
        f.put(
            "sla_requests",
            projection.sla_request_row(envelope, event, version=version, day=day, rank=rank),
        )
    row = projection.sla_fact_row(envelope, fact)
    f.put("sla_facts", row)
    request = f.tables["sla_requests"].get(row["ticket_id"])
    if request is not None:
        request["last_event_at"] = max(request["last_event_at"], fact.at)
        request["last_position"] = envelope.global_position
        request["open"] = request["open"] and projection.keeps_open(envelope)


def _calendar_change(f: Folded, envelope: Envelope) -> None:
    changed = calendar.evolve(f.calendar[1], envelope.event)
    f.put("calendar_versions", projection.calendar_version_row(envelope, changed))
    f.calendar = (changed.version, changed)


def _recalculated(f: Folded, envelope: Envelope) -> None:
    f.put("sla_recalculations", projection.recalculation_row(envelope))


def _warning_raised(f: Folded, envelope: Envelope) -> None:
    f.put_new("sla_warnings", projection.warning_row(envelope))


FOLDERS: dict[object, Folder] = {
    apply.apply_request_submitted: _submitted,
    apply.apply_request_resubmitted: _resubmitted,
    apply.apply_step_taken: _step_taken,
    apply.apply_report_written: _report_written,
    apply.apply_report_revised: _report_revised,
    apply.apply_survey: _survey,
    apply.apply_berita_acara_number_reserved: _number_reserved,
    apply.apply_report_archived: _archived,
    apply.apply_timeline_only: _timeline_only,
    apply.apply_notification: _notification,
    apply.apply_issued_document: _issued_document,
    apply.apply_signed_berita_acara: _signed_berita_acara,
    projection.apply_sla_fact: _sla_fact,
    projection.apply_calendar_change: _calendar_change,
    projection.apply_sla_recalculated: _recalculated,
    projection.apply_sla_warning_raised: _warning_raised,
}
"""The in-memory counterpart of each live applier."""

_BY_TYPE: dict[str, tuple[Folder, ...]] = {}


def _folders(type_name: str) -> tuple[Folder, ...]:
    """The counterparts of the live appliers of an event type, in the live order."""
    found = _BY_TYPE.get(type_name)
    if found is None:
        appliers = [apply.APPLIERS.get(type_name), projection.SLA_APPLIERS.get(type_name)]
        missing = [a for a in appliers if a is not None and a not in FOLDERS]
        if missing:
            raise Unfoldable(f"{type_name}: no in-memory counterpart of {missing}")
        found = _BY_TYPE[type_name] = tuple(FOLDERS[a] for a in appliers if a is not None)
    return found


def unfoldable() -> set[str]:
    """The live appliers without an in-memory counterpart (should be none)."""
    appliers = [h for _, h in apply.APPLIERS.items()] + [
        h for _, h in projection.SLA_APPLIERS.items()
    ]
    return {getattr(a, "__name__", repr(a)) for a in appliers if a not in FOLDERS}


# --- starting from a snapshot ----------------------------------------------------------------

CHANGING = tuple(t for t in PROJECTED if t not in GROWING)
"""The tables whose rows later events change: held in memory whole while folding."""

_RULES = (
    "reporting.projections.apply",
    "reporting.projections.documents",
    "reporting.projections.fold",
    "reporting.projections.progress",
    "reporting.projections.rows",
    "reporting.projections.summaries",
    "reporting.projections.survey",
    "reporting.domain.labels",
    "reporting.sla.projection",
    "reporting.sla.domain.clocks",
    "reporting.sla.domain.calendar",
    "penghubung.workcal",
    "penghubung.workcal_changes",
)


@functools.cache
def rules() -> str:
    """The SHA-256 of the projection's rules (the modules that make its rows): a snapshot made
    by other rules is not used."""
    summed = hashlib.sha256()
    for name in _RULES:
        summed.update(Path(str(importlib.import_module(name).__file__)).read_bytes())
    return summed.hexdigest()


async def load(conn: asyncpg.Connection, schema: str) -> Folded:
    """The state held in `schema`'s tables (a snapshot restored there), to fold on from: the
    changing tables are taken into memory, and left in their tables (`Folded.loaded`: `write`
    replaces there only the rows the fold changes; in the caller's transaction)."""
    folded = Folded()
    async with plain_jsonb(conn):  # jsonb as its text, as the rows built here hold it
        for table in CHANGING:
            key = _KEYS[table]
            rows = folded.tables[table]
            loaded = folded.loaded[table] = {}
            for record in await conn.fetch(f"SELECT ctid AS {_CTID}, * FROM {schema}.{table}"):
                row = dict(record)
                at = row.pop(_CTID)
                # the values are of immutable types (no arrays): a shallow copy keeps them
                loaded[key(row)] = (at, dict(row))
                rows[key(row)] = row
        latest = await conn.fetchrow(
            f"SELECT version, spec FROM {schema}.calendar_versions ORDER BY version DESC LIMIT 1"
        )
    assert latest is not None  # version 1 is in every snapshot
    folded.calendar = (latest["version"], CalendarSpec.model_validate_json(latest["spec"]))
    for ticket, row in folded.tables["requests"].items():
        progress = apply.progress_of(row)
        assert progress is not None
        folded.progress[ticket] = progress
    folded.intakes.update(r["intake_day"] for r in folded.tables["sla_requests"].values())
    return folded


# --- writing ----------------------------------------------------------------------------------


def take(folded: Folded, tables: Iterable[str]) -> dict[str, dict[Any, Row]]:
    """The rows held for `tables`, handed over: `folded` holds none of them after."""
    taken = {}
    for table in tables:
        if folded.tables[table]:
            taken[table], folded.tables[table] = folded.tables[table], {}
    return taken


_CTID = "loaded_from_ctid"


async def write(
    conn: asyncpg.Connection, schema: str, folded: Folded, *, tables: Iterable[str] = PROJECTED
) -> int:
    """COPY the rows held for `tables` into `schema`'s and let them go; how many were written.
    A row `load` left in its table stays there if the fold left it as it was, else is deleted
    there and written again (as is a new row)."""
    await _keep_unchanged(conn, schema, folded)
    return await write_rows(conn, schema, take(folded, tables))


async def _keep_unchanged(conn: asyncpg.Connection, schema: str, folded: Folded) -> None:
    for table, loaded in folded.loaded.items():
        rows = folded.tables[table]
        stale = []
        for key, (at, before) in loaded.items():
            row = rows.get(key)
            if row is not None and row == before:
                del rows[key]  # in its table already, as it is
            else:
                stale.append(at)
        if stale:
            await conn.execute(f"DELETE FROM {schema}.{table} WHERE ctid = ANY($1::tid[])", stale)
    folded.loaded = {}


async def write_rows(
    conn: asyncpg.Connection, schema: str, tables: dict[str, dict[Any, Row]]
) -> int:
    """COPY each table's rows into `schema`'s (binary); how many were written."""
    written = 0
    async with plain_jsonb(conn):
        for table, rows in tables.items():
            names = await columns(conn, table)
            # a column a row leaves out takes its default, as with an INSERT (else NULL)
            blank = dict.fromkeys(names)
            blank.update(await defaults(conn, table))
            values = operator.itemgetter(*names)
            records = [_record(values, blank, row) for row in rows.values()]
            await conn.copy_records_to_table(
                table, schema_name=schema, columns=names, records=records
            )
            written += len(records)
    return written


def _record(values: Callable[[Row], tuple[Any, ...]], blank: Row, row: Row) -> tuple[Any, ...]:
    """The row's values in the table's order (a column it leaves out: from `blank`)."""
    try:
        return values(row)
    except KeyError:
        return values({**blank, **row})
