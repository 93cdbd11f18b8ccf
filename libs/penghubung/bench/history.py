"""Realistic SOP histories made of the real event classes, as events to append or as log rows.

A ticket goes one of three ways: integrated (9 events), found not feasible (8), or returned by
the kadis and resubmitted before being integrated (11). Each event is an instance of its class
in `penghubung.events.catalog`, validated once per kind as a template; a ticket's own events
are copies of the templates with its ticket id, dates and numbers.

`LogWriter` turns the same histories into rows of `eventstore.events` with a correct hash chain,
fast enough for a million events: the payload of each template is serialised once, with
placeholders for what differs per ticket, and the canonical bytes are assembled from those
pieces (checked against `canonical_bytes` on a sample).
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import itertools
import json
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg

from penghubung.demo import OFFICER, feasibility, implementation, request_form
from penghubung.events import Actor, Event, Metadata, NewEvent, Role, registry
from penghubung.events.canonical import GENESIS_HASH, canonical_bytes, canonical_time
from penghubung.events.catalog import (
    BeritaAcaraNumberReserved,
    ClosureReason,
    Disposed,
    FeasibilityDone,
    Integrated,
    Outcome,
    ReportArchived,
    ReportSection,
    ReportWritten,
    RequestClosed,
    RequestResubmitted,
    RequestReturned,
    RequestSubmitted,
)
from penghubung.events.sla import (
    CALENDAR_STREAM,
    RECALCULATION_STREAM,
    CalendarDayOffAdded,
    ClockPaused,
    ClockResumed,
    PauseReason,
    RecalculationScope,
    SlaRecalculated,
    SlaWarningRaised,
)
from penghubung.forms import (
    Attachment,
    AttachmentKind,
    Officer,
    ServiceRequestForm,
    format_berita_acara_number,
    format_ticket_id,
)
from penghubung.sop import Channel, DocumentKind, Priority, Step

AGENCIES = (
    "Dinas Kesehatan",
    "Dinas Pendidikan",
    "Dinas Perhubungan",
    "Badan Pendapatan Daerah",
    "Dinas Kependudukan dan Pencatatan Sipil",
    "Dinas Sosial",
    "Badan Kepegawaian Daerah",
    "Dinas Pariwisata",
)

_WIB = timedelta(hours=7)
_TICKET = "SC05-2026-00001"
"""The ticket id of the templates, replaced by each ticket's own."""

PATHS = ("integrated",) * 7 + ("not_feasible",) * 3 + ("returned",) * 2
"""How tickets go, in proportion (7 : 3 : 2)."""


def _actor(role: Role, name: str, nip: str | None, agency: str | None = None) -> Actor:
    return Actor(nip=nip, name=name, role=role, agency=agency)


KADIS = _actor(Role.KADIS, "Ahmad Fauzi", "197003152000031002")
KABID = _actor(Role.KABID, "Dewi Lestari", "197506202001122001")
PRAKOM = _actor(Role.PRAKOM, "Budi Santoso", "198802142012011003")
PETUGAS = _actor(Role.PETUGAS, OFFICER["name"], OFFICER["nip"])
REPORTER = Actor.system("reporting")
ADMIN = _actor(Role.ADMIN, "Rina Marlina", "198103082006042002")


def applicant(agency: str) -> Actor:
    """The applicant of an agency."""
    return _actor(Role.PEMOHON, "Siti Rahmawati", "198501012010011001", agency)


@dataclass(frozen=True)
class Step_:
    """One event of a ticket's history: its stream, its event, who, when."""

    stream_id: str
    ticket_id: str
    template: Event
    update: dict[str, Any]
    actor: Actor
    occurred_at: datetime
    payload: dict[str, Any]
    """`event.payload()`, made from the template's without serialising the whole event again."""

    @property
    def event(self) -> Event:
        """The event: a copy of its template with this ticket's values."""
        if "ticket_id" not in type(self.template).model_fields:  # the calendar's, say
            return self.template.model_copy(update=self.update)
        return self.template.model_copy(update={"ticket_id": self.ticket_id, **self.update})


def _letter() -> Attachment:
    return Attachment(
        kind=AttachmentKind.REQUEST_LETTER,
        filename="surat-permohonan.pdf",
        content_type="application/pdf",
        size_bytes=4096,
        sha256="0" * 64,
        storage_key="attachments/bench/surat-permohonan.pdf",
    )


class Templates:
    """One validated event of each kind (per agency for the forms), for a placeholder ticket."""

    def __init__(self) -> None:
        at = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
        officer = Officer(**OFFICER)
        self.forms = {a: ServiceRequestForm.model_validate(request_form(a)) for a in AGENCIES}
        self.submitted = {
            a: RequestSubmitted(
                ticket_id=_TICKET,
                form=form,
                channel=Channel.PORTAL,
                received_at=at,
                attachments=(_letter(),),
                priority=Priority.P2,
            )
            for a, form in self.forms.items()
        }
        self.returned = RequestReturned(
            ticket_id=_TICKET,
            step=Step.DISPOSE_KABID,
            reasons=("Surat permohonan belum ditandatangani pejabat eselon III",),
        )
        self.resubmitted = {
            a: RequestResubmitted(
                ticket_id=_TICKET,
                form=form,
                channel=Channel.PORTAL,
                received_at=at,
                attachments=(_letter(),),
                priority=Priority.P2,
                resubmission=1,
                answer="Surat sudah ditandatangani Kepala Dinas",
            )
            for a, form in self.forms.items()
        }
        papers = [DocumentKind.REQUEST_LETTER]
        self.disposed: list[Disposed] = []
        for from_role, to_role, extra in (
            (Role.KADIS, Role.KABID, DocumentKind.KADIS_DISPOSITION),
            (Role.KABID, Role.PRAKOM, DocumentKind.KABID_DISPOSITION),
            (Role.PRAKOM, Role.PETUGAS, None),
        ):
            self.disposed.append(
                Disposed(
                    ticket_id=_TICKET,
                    from_role=from_role,
                    to_role=to_role,
                    instruction=f"Mohon ditindaklanjuti ({from_role.value})",
                    to_officer=officer if to_role is Role.PETUGAS else None,
                    documents=tuple(papers),
                )
            )
            if extra is not None:
                papers.append(extra)
        self.feasible = FeasibilityDone.model_validate(
            {"ticket_id": _TICKET, **feasibility(feasible=True)}
        )
        self.not_feasible = FeasibilityDone.model_validate(
            {"ticket_id": _TICKET, **feasibility(feasible=False)}
        )
        self.integrated = Integrated.model_validate({"ticket_id": _TICKET, **implementation()})
        self.closed = RequestClosed(
            ticket_id=_TICKET,
            reason=ClosureReason.NOT_FEASIBLE,
            recommendation="Perbarui sistem operasi server; lengkapi dokumen UAT",
        )
        sections = (
            ReportSection(title="Analisis kelayakan", body="Server dan basis data diperiksa."),
            ReportSection(title="Implementasi", body="Layanan diterbitkan di GSB."),
        )
        self.report = {
            outcome: ReportWritten(
                ticket_id=_TICKET,
                outcome=outcome,
                summary=f"Laporan permohonan {_TICKET}: {outcome.value}",
                sections=sections,
            )
            for outcome in Outcome
        }
        self.berita_acara = BeritaAcaraNumberReserved(
            ticket_id=_TICKET, year=2026, sequence=1, number=format_berita_acara_number(2026, 1)
        )
        self.paused = ClockPaused(
            ticket_id=_TICKET,
            step=Step.FEASIBILITY,
            reason=PauseReason.AGENCY_DOCUMENTS,
            note="Menunggu dokumen topologi jaringan dari OPD",
        )
        self.resumed = ClockResumed(
            ticket_id=_TICKET, step=Step.FEASIBILITY, note="Dokumen topologi diterima"
        )
        self.warning = SlaWarningRaised(
            ticket_id=_TICKET,
            step=Step.FEASIBILITY,
            threshold_percent=75,
            reached_at=at,
            due_at=at,
            used_seconds=64_800,
            budget_seconds=86_400,
            calendar_version=1,
        )
        self.day_off = CalendarDayOffAdded(
            version=2, day=date(2026, 3, 20), name="Cuti bersama daerah (keputusan gubernur)"
        )
        self.recalculated = SlaRecalculated(
            calendar_version=2,
            scope=RecalculationScope.MONTH,
            month="2026-03",
            reason="Cuti bersama daerah ditetapkan sesudah bulan berjalan",
        )
        self.archived = ReportArchived(
            ticket_id=_TICKET,
            agenda_year=2026,
            agenda_number=1,
            agenda_code="001/AG-LIA/SC-05/DISKOMINFO/2026",
            report_ref=f"reports/{_TICKET}.pdf",
        )


@dataclass
class Numbers:
    """The yearly counters of tickets, Berita Acara numbers and agenda-book entries."""

    tickets: dict[int, int]
    berita_acara: dict[int, int]
    agenda: dict[int, int]

    @classmethod
    def fresh(cls) -> Numbers:
        """All counters at zero."""
        return cls({}, {}, {})

    @staticmethod
    def take(counter: dict[int, int], year: int) -> int:
        """The next number of a yearly series."""
        counter[year] = counter.get(year, 0) + 1
        return counter[year]


def working_days(start: date) -> Iterator[date]:
    """Monday to Friday from `start` on (holidays do not matter to a benchmark)."""
    day = start
    while True:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=1)


def _at(day: date, hour: float) -> datetime:
    """A time on a working day, in WIB, as UTC."""
    local = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour)
    return local - _WIB


class Histories:
    """Tickets' histories, day by day, each event a copy of its template."""

    def __init__(self, *, seed: int = 7, first_day: date = date(2016, 1, 4)) -> None:
        self.templates = Templates()
        self._payloads: dict[int, dict[str, Any]] = {}
        self.numbers = Numbers.fresh()
        self._rng = random.Random(seed)
        self._days = working_days(first_day)
        self.calendar_version = 1

    def ticket(self, day: date, start_hour: float) -> list[Step_]:
        """One ticket's whole history, submitted on `day` at `start_hour` (WIB)."""
        t, rng, n = self.templates, self._rng, self.numbers
        year = day.year
        ticket = format_ticket_id(year, n.take(n.tickets, year))
        agency = rng.choice(AGENCIES)
        path = rng.choice(PATHS)
        received = _at(day, start_hour)
        clock = received

        def later(hours: float) -> datetime:
            nonlocal clock
            clock = clock + timedelta(hours=hours)
            return clock

        steps: list[Step_] = []

        def step(category: str, template: Event, actor: Actor, at: datetime, **update: Any) -> None:
            payload = {**self._payload(template), "ticket_id": ticket}
            if update:
                event = template.model_copy(update=update)
                payload.update(event.model_dump(mode="json", include=set(update)))
            stream = f"{category}-{ticket}"
            steps.append(Step_(stream, ticket, template, update, actor, at, payload))

        step("intake", t.submitted[agency], applicant(agency), received, received_at=received)
        if path == "returned":
            step("disposition", t.returned, KADIS, later(0.4))
            again = later(20)
            step("intake", t.resubmitted[agency], applicant(agency), again, received_at=again)
        for disposed, actor in zip(t.disposed, (KADIS, KABID, PRAKOM), strict=True):
            step("disposition", disposed, actor, later(0.3))
        if rng.random() < 0.3:  # the petugas waits for the agency's papers
            step("integration", t.paused, PETUGAS, later(6))
            step("integration", t.resumed, PETUGAS, later(rng.uniform(20, 120)))
        if rng.random() < 0.2:  # the clock neared its standard
            reached = later(30)
            step(
                "reporting",
                t.warning,
                REPORTER,
                reached,
                reached_at=reached,
                due_at=reached + timedelta(hours=8),
                calendar_version=self.calendar_version,
            )
        feasible = path != "not_feasible"
        step("integration", t.feasible if feasible else t.not_feasible, PETUGAS, later(72))
        if feasible:
            step("integration", t.integrated, PETUGAS, later(170))
        else:
            step("integration", t.closed, PETUGAS, later(0.1))
        outcome = Outcome.INTEGRATED if feasible else Outcome.NOT_FEASIBLE
        summary = f"Laporan permohonan {ticket}: {outcome.value}"
        step("reporting", t.report[outcome], REPORTER, later(0.01), summary=summary)
        if feasible:
            sequence = n.take(n.berita_acara, year)
            number = format_berita_acara_number(year, sequence)
            step(
                "reporting",
                t.berita_acara,
                REPORTER,
                later(0.01),
                year=year,
                sequence=sequence,
                number=number,
            )
        entry = n.take(n.agenda, year)
        step(
            "reporting",
            t.archived,
            PETUGAS,
            later(0.5),
            agenda_year=year,
            agenda_number=entry,
            agenda_code=f"{entry:03d}/AG-LIA/SC-05/DISKOMINFO/{year:04d}",
            report_ref=f"reports/{ticket}.pdf",
        )
        return steps

    def _payload(self, template: Event) -> dict[str, Any]:
        """The template's payload, serialised once."""
        found = self._payloads.get(id(template))
        if found is None:
            found = self._payloads[id(template)] = template.payload()
        return found

    def calendar_change(self, day: date) -> list[Step_]:
        """An administrator closes a working day ahead, and the month's clocks are judged again."""
        t = self.templates
        self.calendar_version += 1
        version = self.calendar_version
        closed = day + timedelta(days=10)
        change = t.day_off.model_copy(update={"version": version, "day": closed})
        recalculation = t.recalculated.model_copy(
            update={"calendar_version": version, "month": f"{day.year:04d}-{day.month:02d}"}
        )
        at = _at(day, 7.5)
        return [
            Step_(CALENDAR_STREAM, "calendar", t.day_off, {}, ADMIN, at, change.payload()),
            Step_(
                RECALCULATION_STREAM,
                "sla-recalculation",
                t.recalculated,
                {},
                ADMIN,
                at + timedelta(minutes=5),
                recalculation.payload(),
            ),
        ]

    def over_time(self, per_day: int, *, calendar_every: int = 20) -> Iterator[list[Step_]]:
        """Day after day, the events that happened that day, in time order: a ticket stays open
        for weeks (analysis, waits, implementation) while new ones arrive, and every
        `calendar_every` working days the calendar changes and a month is recalculated."""
        waiting: list[tuple[datetime, int, Step_]] = []
        order = itertools.count()
        for number, day in enumerate(self._days, start=1):
            today: list[Step_] = []
            if number % calendar_every == 0:
                today.extend(self.calendar_change(day))
            for i in range(per_day):
                for s in self.ticket(day, 8 + 7 * i / per_day):
                    heapq.heappush(waiting, (s.occurred_at, next(order), s))
            tomorrow = _at(day + timedelta(days=1), 0)
            while waiting and waiting[0][0] < tomorrow:
                today.append(heapq.heappop(waiting)[2])
            yield today

    def days(self, per_day: int) -> Iterator[list[Step_]]:
        """Day after day, the events of that day's tickets in waves (every first step, …)."""
        for day in self._days:
            tickets = [self.ticket(day, 8 + 7 * i / per_day) for i in range(per_day)]
            waves: list[Step_] = []
            for k in range(max(len(h) for h in tickets)):
                waves.extend(h[k] for h in tickets if k < len(h))
            yield waves


def new_events(steps: Sequence[Step_]) -> list[tuple[str, NewEvent]]:
    """The steps as events to append: each with its metadata, caused by the one before."""
    out: list[tuple[str, NewEvent]] = []
    cause: str | None = None
    for step in steps:
        event_id = uuid.uuid4()
        meta = Metadata(
            event_id=event_id,
            occurred_at=step.occurred_at,
            actor=step.actor,
            correlation_id=step.ticket_id,
            causation_id=cause,
        )
        out.append((step.stream_id, NewEvent(event=step.event, meta=meta)))  # a real copy
        cause = str(event_id)
    return out


# --- rows of the log -----------------------------------------------------------------------------

COLUMNS = (
    "global_position",
    "event_id",
    "stream_id",
    "stream_version",
    "type",
    "schema_version",
    "occurred_at",
    "recorded_at",
    "actor",
    "correlation_id",
    "causation_id",
    "payload",
    "prev_hash",
    "hash",
)

Row = tuple[Any, ...]


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class LogWriter:
    """Rows of `eventstore.events` for histories, chained from the log's current head.

    Payloads and actors are serialised once per template (sorted keys, as the canonical form
    wants) and copied per event: only their ticket-specific fields are serialised again.
    """

    def __init__(self, *, position: int = 0, prev_hash: bytes = GENESIS_HASH) -> None:
        self.position = position
        self.prev_hash = prev_hash
        self._versions: dict[str, int] = {}
        self._actors: dict[Actor, str] = {}
        self._checked = 0
        self._last: dict[str, str] = {}

    def rows(self, steps: Sequence[Step_]) -> list[Row]:
        """One row per step, in order, each caused by the one before of the same ticket."""
        out: list[Row] = []
        for step in steps:
            row = self._row(step, self._last.get(step.ticket_id))
            self._last[step.ticket_id] = str(row[1])
            out.append(row)
        return out

    def _row(self, step: Step_, cause: str | None) -> Row:
        event = step.template
        self.position += 1
        version = self._versions.get(step.stream_id, 0) + 1
        self._versions[step.stream_id] = version
        event_id = uuid.uuid4()
        ticket = step.ticket_id
        actor = self._actors.get(step.actor)
        if actor is None:
            actor = self._actors[step.actor] = _dumps(step.actor.model_dump(mode="json"))
        payload = _dumps(step.payload)
        at = canonical_time(step.occurred_at)
        caused = "null" if cause is None else f'"{cause}"'
        # Ticket ids, stream ids and types need no escaping (checked on a sample below).
        canonical = (
            f'{{"actor":{actor},"causation_id":{caused},"correlation_id":"{ticket}",'
            f'"event_id":"{event_id}","global_position":{self.position},"occurred_at":"{at}",'
            f'"payload":{payload},"recorded_at":"{at}","schema_version":{event.schema_version},'
            f'"stream_id":"{step.stream_id}","stream_version":{version},'
            f'"type":"{event.type}"}}'
        ).encode()
        digest = hashlib.sha256(self.prev_hash + canonical).digest()
        row = (
            self.position,
            event_id,
            step.stream_id,
            version,
            event.type,
            event.schema_version,
            step.occurred_at,
            step.occurred_at,
            actor,
            ticket,
            cause,
            payload,
            self.prev_hash,
            digest,
        )
        if self._checked < 50 or self.position % 10_000 == 0:  # assembled bytes are canonical
            self._check(row, canonical)
        self.prev_hash = digest
        return row

    def _check(self, row: Row, canonical: bytes) -> None:
        record = dict(zip(COLUMNS[:12], row[:12], strict=True))
        record["actor"] = json.loads(row[8])
        record["payload"] = json.loads(row[11])
        if canonical_bytes(record) != canonical:
            raise AssertionError(f"canonical bytes differ at position {row[0]}")
        loaded = registry.load(row[4], row[5], record["payload"])  # a valid event of its class
        if loaded.payload() != record["payload"]:
            raise AssertionError(f"payload of position {row[0]} is not its event's")
        self._checked += 1


async def copy_rows(conn: asyncpg.Connection, rows: Sequence[Row]) -> None:
    """COPY rows into the log (a connection without the JSON codecs: jsonb given as text)."""
    await conn.copy_records_to_table(
        "events", schema_name="eventstore", columns=list(COLUMNS), records=rows
    )


_SECONDARY = (
    "SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint"
    " WHERE conrelid = $1::regclass AND contype = 'u'"
)


async def write_log(
    url: str,
    events: int,
    *,
    per_day: int = 40,
    chunk: int = 20_000,
    realistic: bool = False,
    seed: int = 7,
    calendar_every: int = 20,
) -> int:
    """Fill an empty log with about `events` events of whole tickets (`realistic`: of tickets
    open for weeks among others, with calendar changes, `Histories.over_time`); the count written.

    Rows are made in a thread while the previous chunk is being copied, so that Python and
    PostgreSQL work at the same time.
    """
    histories = Histories(seed=seed)
    writer = LogWriter()
    days = (
        histories.over_time(per_day, calendar_every=calendar_every)
        if realistic
        else histories.days(per_day)
    )

    def next_chunk() -> list[Row]:
        rows: list[Row] = []
        while len(rows) < chunk and writer.position < events:
            rows.extend(writer.rows(next(days)))
        return rows

    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            # Secondary keys are built once at the end rather than row by row (same names and
            # definitions as the migration's).
            definitions = await conn.fetch(_SECONDARY, "eventstore.events")
            for d in definitions:
                await conn.execute(f"ALTER TABLE eventstore.events DROP CONSTRAINT {d['name']}")
            await conn.execute("DROP INDEX IF EXISTS eventstore.events_correlation_idx")
            rows = await asyncio.to_thread(next_chunk)
            while rows:
                copying = asyncio.create_task(copy_rows(conn, rows))
                rows = await asyncio.to_thread(next_chunk)
                await copying
            for d in definitions:
                await conn.execute(
                    f"ALTER TABLE eventstore.events ADD CONSTRAINT {d['name']} {d['definition']}"
                )
            await conn.execute(
                "CREATE INDEX events_correlation_idx ON eventstore.events"
                " (correlation_id, global_position)"
            )
            await conn.execute(
                "UPDATE eventstore.head SET position = $1, hash = $2",
                writer.position,
                writer.prev_hash,
            )
        await conn.execute("ANALYZE eventstore.events")
    finally:
        await conn.close()
    return writer.position
