"""The reporting service against real PostgreSQL: its projection, its reactions and its HTTP API.

Upstream facts are appended to the log directly (intake-, disposition-, integration- streams),
read back and handed to reporting's subscriptions through the consumer base, as the bus would.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import nats
import pytest

from penghubung.bus.consumer import Outcome, Subscription
from penghubung.bus.topology import bootstrap
from penghubung.db import connect
from penghubung.events import Actor, Envelope, Event, Role
from penghubung.events.catalog import (
    BeritaAcaraNumberReserved,
    Disposed,
    ReportArchived,
    ReportWritten,
    RequestSubmitted,
)
from penghubung.forms import StandIn
from penghubung.runtime.service import ServiceContext, running_service
from penghubung.settings import ServiceSettings
from penghubung.sop import Channel, DocumentKind, Priority
from penghubung.testing.beds import deliver, serving, stored_row, without_consumers
from penghubung.testing.histories import (
    AGENCY,
    KABID,
    KADIS,
    PETUGAS,
    PLH,
    PRAKOM,
    Histories,
    actor,
    analysis,
    form,
    new_ticket,
)
from penghubung.testing.upstream import Upstream, upstream
from penghubung.web.auth import mint_token
from reporting.adapters.subscribers import CONSUMERS, subscriptions
from reporting.bootstrap import build
from reporting.projections.projector import project

pytestmark = pytest.mark.integration

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
PROJECTION = "reporting-projection"
REACTIONS = "reporting-reactions"


def unique_agency() -> str:
    return f"Dinas Uji {uuid.uuid4().hex[:8]}"


@dataclass
class Bed:
    """The running service, its HTTP client and its event log."""

    client: httpx.AsyncClient
    ctx: ServiceContext
    settings: ServiceSettings
    upstream: Upstream
    """Appends each category's events as its own service would."""

    @property
    def history(self) -> Histories:
        """The upstream services' facts of SOP histories."""
        return Histories(self.upstream)

    @property
    def subscriptions(self) -> dict[str, Subscription]:
        return {s.consumer: s for s in subscriptions(self.ctx)}

    def auth(self, role: Role, *, agency: str | None = None, name: str = "") -> dict[str, str]:
        token = mint_token(
            self.settings, role=role, name=name or f"Pengguna {role.value}", agency=agency
        )
        return {"Authorization": f"Bearer {token}"}

    async def get(self, path: str, role: Role = Role.AUDITOR, **params: Any) -> Any:
        agency = params.pop("as_agency", AGENCY if role is Role.PEMOHON else None)
        response = await self.client.get(
            path, params=params, headers=self.auth(role, agency=agency)
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def archive(self, ticket: str, **body: Any) -> httpx.Response:
        headers = self.auth(Role.PETUGAS, name=PETUGAS.name)
        return await self.client.post(f"/requests/{ticket}/archive", json=body, headers=headers)

    # --- the log --------------------------------------------------------------------------

    async def append(self, category: str, event: Event, *, by: Actor, at: datetime) -> Envelope:
        """An upstream fact in its own category's stream, read back as stored."""
        return await self.envelope(await self.history.append(category, event, by=by, at=at))

    async def row(self, position: int) -> Any:
        return await stored_row(self.ctx.store, position)

    async def envelope(self, position: int) -> Envelope:
        return self.ctx.store.envelope(await self.row(position))

    async def deliver(self, consumer: str, position: int) -> Outcome:
        """The stored event at `position` as the bus would hand it to a consumer."""
        return await deliver(self.ctx, self.settings, self.subscriptions[consumer], position)

    async def checkpoint(self) -> int:
        async with self.ctx.pool.acquire() as conn:
            position: int = await conn.fetchval("SELECT position FROM reporting.checkpoint")
        return position

    async def catch_up(self) -> None:
        """Deliver every position after the checkpoint to the projection, in order."""
        head = await self.ctx.store.head()
        for position in range(await self.checkpoint() + 1, head + 1):
            assert await self.deliver(PROJECTION, position) is Outcome.HANDLED

    async def reporting_events(self, ticket: str) -> list[Event]:
        return [e.event for e in (await self.ctx.store.read_stream(f"reporting-{ticket}")).events]

    # --- a request's history ----------------------------------------------------------------

    async def submit(
        self, ticket: str, *, agency: str = AGENCY, received_at: datetime = START
    ) -> Envelope:
        submitted = RequestSubmitted(
            ticket_id=ticket,
            form=form(agency),
            channel=Channel.LETTER,
            received_at=received_at,
            registered_by=PETUGAS,
            priority=Priority.P2,
        )
        return await self.append(
            "intake", submitted, by=actor(PETUGAS, Role.PETUGAS), at=received_at
        )

    async def dispose_to_petugas(self, ticket: str, *, at: datetime = START) -> list[Envelope]:
        """The three hand-downs, the first by a Plh standing in for the kadis."""
        letter, by_kadis, by_kabid = list(DocumentKind)
        plh = actor(PLH, Role.KADIS, on_behalf_of_nip=KADIS.nip, on_behalf_of_name=KADIS.name)
        steps = [
            (
                Disposed(
                    ticket_id=ticket,
                    from_role=Role.KADIS,
                    to_role=Role.KABID,
                    instruction="Mohon diproses",
                    documents=(letter,),
                    stand_in=StandIn.PLH,
                ),
                plh,
            ),
            (
                Disposed(
                    ticket_id=ticket,
                    from_role=Role.KABID,
                    to_role=Role.PRAKOM,
                    instruction="Teruskan ke petugas",
                    documents=(letter, by_kadis),
                ),
                actor(KABID, Role.KABID),
            ),
            (
                Disposed(
                    ticket_id=ticket,
                    from_role=Role.PRAKOM,
                    to_role=Role.PETUGAS,
                    instruction="Analisis kelayakan",
                    to_officer=PETUGAS,
                    documents=(letter, by_kadis, by_kabid),
                ),
                actor(PRAKOM, Role.PRAKOM),
            ),
        ]
        return [
            await self.append("disposition", event, by=who, at=at + (n + 1) * HOUR)
            for n, (event, who) in enumerate(steps)
        ]

    async def analyse(self, ticket: str, *, feasible: bool, at: datetime) -> Envelope:
        return await self.append(
            "integration",
            analysis(
                ticket,
                feasible=feasible,
                description="Aplikasi puskesmas",
                network_ip="10.10.1.0/24",
                dbms=("PostgreSQL",),
            ),
            by=actor(PETUGAS, Role.PETUGAS),
            at=at,
        )

    async def integrate(self, ticket: str, *, at: datetime) -> Envelope:
        notes = "Layanan simpus-pasien aktif di GSB"
        return await self.envelope(await self.history.integrate(ticket, at, notes=notes))

    async def close(self, ticket: str, *, at: datetime) -> Envelope:
        return await self.envelope(await self.history.close(ticket, at))

    async def integrated(
        self,
        *,
        agency: str = AGENCY,
        received_at: datetime = START,
        done_at: datetime | None = None,
    ) -> tuple[str, Envelope]:
        """A request through the whole chain up to `Integrated` (not yet reacted to)."""
        ticket = new_ticket()
        await self.submit(ticket, agency=agency, received_at=received_at)
        await self.dispose_to_petugas(ticket, at=received_at)
        await self.analyse(ticket, feasible=True, at=received_at + 24 * HOUR)
        done = await self.integrate(ticket, at=done_at or received_at + 72 * HOUR)
        return ticket, done

    async def reported(self, *, agency: str = AGENCY, done_at: datetime | None = None) -> str:
        """An integrated request whose report and Berita Acara number are written and projected."""
        ticket, done = await self.integrated(agency=agency, done_at=done_at)
        assert await self.deliver(REACTIONS, done.global_position) is Outcome.HANDLED
        await self.catch_up()
        return ticket

    @contextlib.contextmanager
    def clock_at(self, moment: datetime) -> Iterator[None]:
        """The service's clock stopped at `moment` for the block."""
        real = self.ctx.clock
        self.ctx.clock = lambda: moment
        try:
            yield
        finally:
            self.ctx.clock = real


@pytest.fixture(scope="module")
async def bed(
    new_database: Callable[[], Awaitable[str]], nats_url: str, run_id: str
) -> AsyncIterator[Bed]:
    """The service on a database of this module's own (random tickets, never truncated)."""
    settings = ServiceSettings(
        database_url=await new_database(),
        database_pool_size=30,
        nats_url=nats_url,
        relay_enabled=False,
        stream_name=f"REPORTING_{run_id}",
        subject_prefix=f"test{run_id}.reporting",
    )
    async with serving("reporting", settings, without_consumers(build)) as (client, ctx, others):
        yield Bed(client=client, ctx=ctx, settings=settings, upstream=others)


def error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def table_counts(bed: Bed) -> dict[str, int]:
    async with bed.ctx.pool.acquire() as conn:
        return {
            table: await conn.fetchval(f"SELECT count(*) FROM reporting.{table}")
            for table in ("requests", "timeline", "reports", "agenda_book", "berita_acara", "gaps")
        }


# --- the projection ----------------------------------------------------------------------------


async def test_a_full_history_shows_in_the_status_and_the_timeline(bed: Bed) -> None:
    ticket = new_ticket()
    await bed.submit(ticket)
    await bed.dispose_to_petugas(ticket)
    await bed.catch_up()

    status = await bed.get(f"/requests/{ticket}")
    assert status["status"] == "assigned"
    assert status["current_step"] == "feasibility"
    assert status["holder_role"] == "petugas"
    assert status["holder_officer"] == PETUGAS.model_dump()
    assert status["since"] == "2026-03-02T11:00:00+07:00"

    await bed.analyse(ticket, feasible=True, at=START + 24 * HOUR)
    await bed.integrate(ticket, at=START + 72 * HOUR)
    await bed.catch_up()

    status = await bed.get(f"/requests/{ticket}")
    assert {k: status[k] for k in ("ticket_id", "agency", "application_name", "channel")} == {
        "ticket_id": ticket,
        "agency": AGENCY,
        "application_name": "SIMPUS",
        "channel": "surat",
    }
    assert (status["status"], status["current_step"]) == ("integrated", "report")
    assert status["received_at"] == "2026-03-02T08:00:00+07:00"
    assert status["since"] == "2026-03-05T08:00:00+07:00"
    assert status["outcome"] is None

    timeline = await bed.get(f"/requests/{ticket}/timeline")
    entries = timeline["entries"]
    assert [e["type"] for e in entries] == [
        "RequestSubmitted",
        "Disposed",
        "Disposed",
        "Disposed",
        "FeasibilityDone",
        "Integrated",
    ]
    assert [e["position"] for e in entries] == sorted(e["position"] for e in entries)
    assert entries[0]["summary"] == (
        f"Permohonan integrasi aplikasi SIMPUS dari {AGENCY} diterima melalui surat"
        f" (prioritas P2 – tinggi), dicatat oleh {PETUGAS.name}"
    )
    assert entries[1]["actor"] == {
        "name": PLH.name,
        "role": "kadis",
        "nip": PLH.nip,
        "on_behalf_of_name": KADIS.name,
        "on_behalf_of_nip": KADIS.nip,
    }
    assert entries[1]["summary"] == (
        "Disposisi Kepala Dinas Kominfo oleh Plh kepada Kabid eGov: Mohon diproses"
    )
    assert entries[4]["summary"] == "Analisis kelayakan selesai: layak, tingkat kesulitan sedang"
    assert entries[5]["occurred_at"] == "2026-03-05T08:00:00+07:00"


async def test_a_gap_is_filled_from_the_log_never_skipped_and_recorded(
    bed: Bed, caplog: pytest.LogCaptureFixture
) -> None:
    await bed.catch_up()
    before = await table_counts(bed)
    first, second = new_ticket(), new_ticket()
    missed = await bed.submit(first)
    delivered = await bed.submit(second)
    assert delivered.global_position == missed.global_position + 1

    with caplog.at_level(logging.WARNING, logger="reporting.projections.projector"):
        outcome = await bed.deliver(PROJECTION, delivered.global_position)

    assert outcome is Outcome.HANDLED
    assert await bed.checkpoint() == delivered.global_position
    assert (await bed.get(f"/requests/{first}"))["status"] == "submitted"
    assert (await bed.get(f"/requests/{second}"))["status"] == "submitted"
    assert f"positions {missed.global_position}..{missed.global_position}" in caplog.text
    async with bed.ctx.pool.acquire() as conn:
        gap = await conn.fetchrow("SELECT * FROM reporting.gaps ORDER BY id DESC LIMIT 1")
    assert (gap["first_missing"], gap["last_missing"]) == (missed.global_position,) * 2
    assert (gap["delivered_position"], gap["filled"]) == (delivered.global_position, 1)
    assert gap["delivered_event_id"] == delivered.event_id

    # The missed message arrives at last: already applied, it changes nothing.
    assert await bed.deliver(PROJECTION, missed.global_position) is Outcome.HANDLED
    after = await table_counts(bed)
    assert after == {
        **before,
        "requests": before["requests"] + 2,
        "timeline": before["timeline"] + 2,
        "gaps": before["gaps"] + 1,
    }

    projection = await bed.get("/projection")
    assert projection["checkpoint"] >= delivered.global_position
    assert projection["gaps_total"] == after["gaps"]
    assert projection["recent_gaps"][0]["first_missing"] == missed.global_position


async def test_a_duplicate_delivery_changes_nothing(bed: Bed) -> None:
    ticket = new_ticket()
    submitted = await bed.submit(ticket)
    await bed.catch_up()
    before = await table_counts(bed)
    status = await bed.get(f"/requests/{ticket}")

    again = await bed.deliver(PROJECTION, submitted.global_position)

    assert again is Outcome.DUPLICATE
    assert await table_counts(bed) == before
    assert await bed.get(f"/requests/{ticket}") == status


async def test_the_checkpoint_alone_turns_away_a_position_already_applied(bed: Bed) -> None:
    ticket = new_ticket()
    submitted = await bed.submit(ticket)
    await bed.catch_up()
    before = await table_counts(bed)

    # Straight to the projector, past the inbox: as a position read while filling a gap would.
    async with bed.ctx.pool.acquire() as conn, conn.transaction():
        projected = await project(conn, submitted, store=bed.ctx.store)

    assert (projected.applied, projected.filled) == (False, ())
    assert await table_counts(bed) == before


async def test_the_projection_stops_rather_than_skip_a_position_the_log_lacks(bed: Bed) -> None:
    await bed.catch_up()
    submitted = await bed.submit(new_ticket())
    beyond = submitted.model_copy(update={"global_position": submitted.global_position + 5})

    async with bed.ctx.pool.acquire() as conn:
        with pytest.raises(RuntimeError, match="expected in the log"):
            async with conn.transaction():
                await project(conn, beyond, store=bed.ctx.store)

    assert await bed.checkpoint() == submitted.global_position - 1
    await bed.catch_up()


# --- the reactions: report and Berita Acara -----------------------------------------------------


async def test_an_integration_gets_its_report_and_berita_acara_number(bed: Bed) -> None:
    ticket, done = await bed.integrated(done_at=datetime(2031, 5, 4, 2, 0, tzinfo=UTC))

    assert await bed.deliver(REACTIONS, done.global_position) is Outcome.HANDLED

    written, reserved = (await bed.ctx.store.read_stream(f"reporting-{ticket}")).events
    assert isinstance(written.event, ReportWritten)
    assert written.event.outcome == "integrated"
    assert written.event.summary == (
        f"Integrasi aplikasi SIMPUS untuk permohonan {ticket} telah selesai melalui"
        " Government Service Bus (GSB). Layanan simpus-pasien aktif di GSB"
    )
    assert [s.title for s in written.event.sections] == [
        "Analisis kelayakan",
        "Uji kerentanan",
        "Uji beban",
        "Implementasi integrasi sistem",
        "Saran dan rekomendasi",
    ]
    assert isinstance(reserved.event, BeritaAcaraNumberReserved)
    assert reserved.event.number == "001/BA-LIA/SC-05/DISKOMINFO/2031"
    for stored in (written, reserved):
        assert stored.causation_id == str(done.event_id)
        assert stored.correlation_id == ticket
        assert stored.actor.role is Role.SYSTEM

    await bed.catch_up()
    report = await bed.get(f"/requests/{ticket}/report")
    assert report["outcome"] == "integrated"
    assert report["summary"] == written.event.summary
    assert report["sections"][0]["body"].startswith("Hasil: layak. Tingkat kesulitan: sedang.")
    assert report["berita_acara_number"] == "001/BA-LIA/SC-05/DISKOMINFO/2031"
    assert report["agenda_code"] is None
    status = await bed.get(f"/requests/{ticket}")
    assert (status["status"], status["current_step"]) == ("integrated", "archive")
    assert status["outcome"] == "integrated"
    assert status["berita_acara_number"] == "001/BA-LIA/SC-05/DISKOMINFO/2031"
    timeline = await bed.get(f"/requests/{ticket}/timeline")
    assert [e["summary"] for e in timeline["entries"][-2:]] == [
        "Laporan dibuat (hasil: terintegrasi)",
        "Nomor Berita Acara 001/BA-LIA/SC-05/DISKOMINFO/2031 dicadangkan",
    ]


async def test_a_closed_request_gets_a_not_feasible_report_and_no_berita_acara(bed: Bed) -> None:
    ticket = new_ticket()
    await bed.submit(ticket)
    await bed.dispose_to_petugas(ticket)
    await bed.analyse(ticket, feasible=False, at=START + 24 * HOUR)
    closed = await bed.close(ticket, at=START + 24 * HOUR)

    assert await bed.deliver(REACTIONS, closed.global_position) is Outcome.HANDLED

    [written] = await bed.reporting_events(ticket)
    assert isinstance(written, ReportWritten)
    assert written.outcome == "not_feasible"
    assert written.summary == (
        f"Permohonan {ticket} ditutup: integrasi aplikasi SIMPUS tidak layak dilanjutkan."
        " Rekomendasi: Perbarui server aplikasi terlebih dulu"
    )
    await bed.catch_up()
    report = await bed.get(f"/requests/{ticket}/report")
    assert report["outcome"] == "not_feasible"
    assert report["berita_acara_number"] is None
    assert report["sections"][-1] == {
        "title": "Rekomendasi",
        "body": "- Perbarui server aplikasi terlebih dulu\n- Lengkapi dokumen UAT",
    }
    status = await bed.get(f"/requests/{ticket}")
    assert (status["status"], status["current_step"], status["outcome"]) == (
        "closed",
        "archive",
        "not_feasible",
    )


async def test_the_reactions_ignore_the_analysis_and_write_once_per_event(bed: Bed) -> None:
    ticket, done = await bed.integrated(done_at=datetime(2032, 1, 5, 2, 0, tzinfo=UTC))
    [analysed] = [
        e
        for e in (await bed.ctx.store.read_stream(f"integration-{ticket}")).events
        if e.type == "FeasibilityDone"
    ]

    skipped = await bed.deliver(REACTIONS, analysed.global_position)
    first = await bed.deliver(REACTIONS, done.global_position)
    again = await bed.deliver(REACTIONS, done.global_position)

    assert (skipped, first, again) == (Outcome.SKIPPED, Outcome.HANDLED, Outcome.DUPLICATE)
    assert len(await bed.reporting_events(ticket)) == 2


async def test_a_second_integration_of_a_reported_request_is_dead_lettered_and_takes_no_number(
    bed: Bed,
) -> None:
    year_day = datetime(2033, 6, 1, 2, 0, tzinfo=UTC)
    ticket, done = await bed.integrated(done_at=year_day)
    assert await bed.deliver(REACTIONS, done.global_position) is Outcome.HANDLED
    second = await bed.integrate(ticket, at=year_day + HOUR)

    outcome = await bed.deliver(REACTIONS, second.global_position)

    assert outcome is Outcome.DEAD_LETTERED
    assert len(await bed.reporting_events(ticket)) == 2
    async with bed.ctx.pool.acquire() as conn:
        letter = await conn.fetchrow(
            "SELECT error_code, reason FROM messaging.dead_letters WHERE event_id = $1",
            second.event_id,
        )
    assert letter["error_code"] == "report_already_written"
    assert ticket in letter["reason"]
    # The refused reaction gave its Berita Acara number back: the next one follows on.
    other, other_done = await bed.integrated(done_at=year_day + 2 * HOUR)
    assert await bed.deliver(REACTIONS, other_done.global_position) is Outcome.HANDLED
    [_, reserved] = await bed.reporting_events(other)
    assert isinstance(reserved, BeritaAcaraNumberReserved)
    assert reserved.number == "002/BA-LIA/SC-05/DISKOMINFO/2033"
    await bed.catch_up()


async def test_berita_acara_numbers_are_gap_free_under_concurrent_reactions(bed: Bed) -> None:
    done_at = datetime(2034, 2, 2, 2, 0, tzinfo=UTC)
    finished = [await bed.integrated(done_at=done_at) for _ in range(8)]

    outcomes = await asyncio.gather(
        *(bed.deliver(REACTIONS, done.global_position) for _, done in finished)
    )

    assert set(outcomes) == {Outcome.HANDLED}
    numbers = []
    for ticket, _ in finished:
        [_, reserved] = await bed.reporting_events(ticket)
        assert isinstance(reserved, BeritaAcaraNumberReserved)
        numbers.append((reserved.sequence, reserved.number))
    assert sorted(n for n, _ in numbers) == list(range(1, 9))
    assert {f"{n:03d}/BA-LIA/SC-05/DISKOMINFO/2034" for n, _ in numbers} == {t for _, t in numbers}
    await bed.catch_up()


# --- archive (SOP step 7) ----------------------------------------------------------------------


async def test_archiving_enters_the_report_in_the_agenda_book(bed: Bed) -> None:
    ticket = await bed.reported()
    archived_at = datetime(2035, 4, 6, 3, 0, tzinfo=UTC)

    with bed.clock_at(archived_at):
        response = await bed.archive(ticket)

    body = error(response, 201)
    report_version = 1
    assert body == {
        "ticket_id": ticket,
        "agenda_year": 2035,
        "agenda_number": 1,
        "agenda_code": "001/AG-LIA/SC-05/DISKOMINFO/2035",
        "report_ref": f"reporting-{ticket}@{report_version}",
    }
    stored = (await bed.ctx.store.read_stream(f"reporting-{ticket}")).events[-1]
    assert isinstance(stored.event, ReportArchived)
    assert (stored.actor.name, stored.actor.role) == (PETUGAS.name, Role.PETUGAS)
    assert stored.occurred_at == archived_at

    await bed.catch_up()
    report = await bed.get(f"/requests/{ticket}/report")
    assert re.fullmatch(r"\d{3}/BA-LIA/SC-05/DISKOMINFO/\d{4}", report["berita_acara_number"])
    book = await bed.get("/agenda-book", role=Role.PETUGAS, year=2035)
    assert book == {
        "year": 2035,
        "entries": [
            {
                "number": 1,
                "code": "001/AG-LIA/SC-05/DISKOMINFO/2035",
                "archived_at": "2035-04-06T10:00:00+07:00",
                # The columns a clerk keeps: perihal, agency, application, Berita Acara number.
                "subject": f"Laporan integrasi aplikasi SIMPUS ({AGENCY}), tiket {ticket}",
                "agency": AGENCY,
                "application_name": "SIMPUS",
                "berita_acara_number": report["berita_acara_number"],
                "archived_by": PETUGAS.name,
                "ticket_id": ticket,
                "report_ref": f"reporting-{ticket}@1",
            }
        ],
    }
    report = await bed.get(f"/requests/{ticket}/report")
    assert (report["agenda_year"], report["agenda_number"]) == (2035, 1)
    assert report["archived_at"] == "2035-04-06T10:00:00+07:00"
    status = await bed.get(f"/requests/{ticket}")
    assert (status["status"], status["current_step"], status["holder_role"]) == (
        "archived",
        None,
        None,
    )
    assert status["agenda_code"] == "001/AG-LIA/SC-05/DISKOMINFO/2035"
    with bed.clock_at(archived_at):
        assert (await bed.get("/agenda-book", role=Role.KADIS))["year"] == 2035


async def test_a_stored_document_of_the_report_may_be_named(bed: Bed) -> None:
    ticket = await bed.reported()
    response = await bed.archive(ticket, report_ref="arsip/laporan-ttd.pdf")
    assert error(response, 201)["report_ref"] == "arsip/laporan-ttd.pdf"


async def test_archiving_before_the_report_is_written_is_409_report_missing(bed: Bed) -> None:
    ticket, _ = await bed.integrated()  # no reaction yet: no report

    body = error(await bed.archive(ticket), 409)

    assert body["code"] == "report_missing"
    assert ticket in body["message"]
    assert await bed.reporting_events(ticket) == []


async def test_archiving_twice_is_409_already_archived_and_takes_no_number(bed: Bed) -> None:
    first, second = await bed.reported(), await bed.reported()
    with bed.clock_at(datetime(2036, 7, 1, 2, 0, tzinfo=UTC)):
        assert error(await bed.archive(first), 201)["agenda_number"] == 1
        again = error(await bed.archive(first), 409)
        missing = error(await bed.archive(new_ticket()), 409)
        next_one = error(await bed.archive(second), 201)

    assert again["code"] == "already_archived"
    assert "001/AG-LIA/SC-05/DISKOMINFO/2036" in again["message"]
    assert missing["code"] == "report_missing"
    assert next_one["agenda_number"] == 2
    assert len(await bed.reporting_events(first)) == 3


async def test_two_concurrent_archives_of_one_request_exactly_one_wins(bed: Bed) -> None:
    ticket = await bed.reported()
    with bed.clock_at(datetime(2037, 1, 9, 2, 0, tzinfo=UTC)):
        responses = await asyncio.gather(bed.archive(ticket), bed.archive(ticket))

    assert sorted(r.status_code for r in responses) == [201, 409]
    [lost] = [r for r in responses if r.status_code == 409]
    assert lost.json()["code"] == "already_archived"
    archived = [e for e in await bed.reporting_events(ticket) if isinstance(e, ReportArchived)]
    assert [e.agenda_number for e in archived] == [1]


async def test_agenda_numbers_are_gap_free_under_concurrent_archives(bed: Bed) -> None:
    tickets = [await bed.reported() for _ in range(8)]
    with bed.clock_at(datetime(2038, 3, 3, 2, 0, tzinfo=UTC)):
        # The refused archive comes first: had it kept its number, the others would start at 2.
        responses = await asyncio.gather(
            bed.archive(new_ticket()), *(bed.archive(t) for t in tickets)
        )

    refused, *archived = responses
    assert error(refused, 409)["code"] == "report_missing"
    numbers = [error(r, 201)["agenda_number"] for r in archived]
    assert sorted(numbers) == list(range(1, 9))
    await bed.catch_up()
    book = await bed.get("/agenda-book", year=2038)
    assert [e["number"] for e in book["entries"]] == list(range(1, 9))
    assert {e["ticket_id"] for e in book["entries"]} == set(tickets)


async def test_an_archive_retried_with_its_key_gets_the_first_number(bed: Bed) -> None:
    ticket = await bed.reported()
    headers = {**bed.auth(Role.PETUGAS, name=PETUGAS.name), "Idempotency-Key": f"arsip-{ticket}"}
    url = f"/requests/{ticket}/archive"

    first = await bed.client.post(url, json={}, headers=headers)
    again = await bed.client.post(url, json={}, headers=headers)
    other = await bed.client.post(url, json={"report_ref": "dok-9"}, headers=headers)

    assert error(again, 201) == error(first, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert error(other, 409)["code"] == "idempotency_key_reused"
    assert [e.type for e in await bed.reporting_events(ticket)][-1] == "ReportArchived"
    assert len(await bed.reporting_events(ticket)) == 3


@pytest.mark.parametrize("role", [Role.PEMOHON, Role.KADIS, Role.PRAKOM, Role.AUDITOR])
async def test_only_a_petugas_archives(bed: Bed, role: Role) -> None:
    ticket = await bed.reported()
    headers = bed.auth(role, agency=AGENCY)

    response = await bed.client.post(f"/requests/{ticket}/archive", headers=headers)

    assert error(response, 403)["code"] == "role_not_allowed"
    assert len(await bed.reporting_events(ticket)) == 2


async def test_a_bad_archive_names_the_field(bed: Bed) -> None:
    ticket = await bed.reported()

    bad_ticket = error(await bed.archive("SC05-26-1"), 422)
    empty_ref = error(await bed.archive(ticket, report_ref="  "), 422)
    unknown = error(await bed.archive(ticket, nomor=5), 422)

    assert bad_ticket["field"] == "ticket_id"
    assert "SC05-TTTT-NNNNN" in bad_ticket["message"]
    assert empty_ref["field"] == "report_ref"
    assert unknown["field"] == "nomor"
    assert len(await bed.reporting_events(ticket)) == 2


# --- reading ------------------------------------------------------------------------------------


async def test_the_list_filters_by_agency_status_step_and_receipt_date_page_by_page(
    bed: Bed,
) -> None:
    agency = unique_agency()
    day = timedelta(days=1)
    received = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
    tickets = [new_ticket() for _ in range(4)]
    for n, ticket in enumerate(tickets):
        await bed.submit(ticket, agency=agency, received_at=received + n * day)
    await bed.dispose_to_petugas(tickets[0], at=received)
    await bed.catch_up()

    everything = await bed.get("/requests", agency=agency)
    assert everything["total"] == 4
    assert [i["ticket_id"] for i in everything["items"]] == tickets[::-1]  # newest first

    assigned = await bed.get("/requests", agency=agency, status="assigned")
    at_kadis = await bed.get("/requests", agency=agency, current_step="dispose_kabid")
    assert [i["ticket_id"] for i in assigned["items"]] == [tickets[0]]
    assert {i["ticket_id"] for i in at_kadis["items"]} == set(tickets[1:])

    # 2 June 08:00 WIB to 3 June 08:00 WIB: received on those two office days.
    dated = await bed.get(
        "/requests", agency=agency, received_from="2026-06-02", received_to="2026-06-03"
    )
    assert [i["ticket_id"] for i in dated["items"]] == [tickets[2], tickets[1]]

    first = await bed.get("/requests", agency=agency, limit=3)
    second = await bed.get("/requests", agency=agency, limit=3, offset=3)
    assert (first["total"], first["limit"], first["offset"]) == (4, 3, 0)
    assert [i["ticket_id"] for i in first["items"] + second["items"]] == tickets[::-1]


async def test_an_applicant_sees_only_their_own_agency(bed: Bed) -> None:
    mine, theirs = unique_agency(), unique_agency()
    own, other = new_ticket(), new_ticket()
    await bed.submit(own, agency=mine)
    await bed.submit(other, agency=theirs)
    await bed.catch_up()

    listed = await bed.get("/requests", role=Role.PEMOHON, as_agency=mine, agency=theirs)
    assert [i["ticket_id"] for i in listed["items"]] == [own]
    assert (await bed.get(f"/requests/{own}", role=Role.PEMOHON, as_agency=mine))["agency"] == mine
    headers = bed.auth(Role.PEMOHON, agency=mine)
    for path in (f"/requests/{other}", f"/requests/{other}/timeline", f"/requests/{other}/report"):
        body = error(await bed.client.get(path, headers=headers), 404)
        assert body["code"] == "request_not_found"
    # The agency is compared as intake compares it: without regard to case or spacing.
    spelled = f"  {mine.upper().replace(' ', '   ')} "
    assert (await bed.get(f"/requests/{own}", role=Role.PEMOHON, as_agency=spelled))[
        "agency"
    ] == mine
    listed = await bed.get("/requests", role=Role.PEMOHON, as_agency=spelled)
    assert [i["ticket_id"] for i in listed["items"]] == [own]
    assert (await bed.get("/requests", agency=mine.lower()))["total"] == 1
    # Staff and auditors see every agency.
    for role in (Role.KADIS, Role.PETUGAS, Role.AUDITOR, Role.ADMIN):
        assert (await bed.get(f"/requests/{other}", role=role))["agency"] == theirs


async def test_an_applicant_token_without_an_agency_is_forbidden(bed: Bed) -> None:
    response = await bed.client.get("/requests", headers=bed.auth(Role.PEMOHON))
    assert error(response, 403)["code"] == "agency_missing"


async def test_an_applicant_may_not_read_the_agenda_book_nor_the_projection(bed: Bed) -> None:
    headers = bed.auth(Role.PEMOHON, agency=AGENCY)
    for path in ("/agenda-book", "/projection"):
        assert error(await bed.client.get(path, headers=headers), 403)["code"] == "role_not_allowed"
    staff = bed.auth(Role.PETUGAS)
    assert error(await bed.client.get("/projection", headers=staff), 403)["code"] == (
        "role_not_allowed"
    )


async def test_an_unknown_request_and_an_unwritten_report_are_404(bed: Bed) -> None:
    ticket = new_ticket()
    await bed.submit(ticket)
    await bed.catch_up()
    headers = bed.auth(Role.AUDITOR)

    unknown = error(await bed.client.get(f"/requests/{new_ticket()}", headers=headers), 404)
    unwritten = error(await bed.client.get(f"/requests/{ticket}/report", headers=headers), 404)

    assert unknown["code"] == "request_not_found"
    assert unwritten["code"] == "report_not_found"


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/requests", {"received_from": "2026-06-03", "received_to": "2026-06-02"}, "received_to"),
        ("/requests", {"received_from": "3 Juni"}, "received_from"),
        ("/requests", {"status": "selesai"}, "status"),
        ("/requests", {"current_step": "rapat"}, "current_step"),
        ("/requests", {"limit": 0}, "limit"),
        ("/requests", {"limit": 500}, "limit"),
        ("/requests", {"offset": -1}, "offset"),
        ("/requests/SC05-2026-1", {}, "ticket_id"),
        ("/agenda-book", {"year": 1999}, "year"),
    ],
)
async def test_a_bad_query_names_the_field(
    bed: Bed, path: str, params: dict[str, Any], field: str
) -> None:
    response = await bed.client.get(path, params=params, headers=bed.auth(Role.AUDITOR))
    body = error(response, 422)
    assert body["field"] == field
    assert body["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/requests"),
        ("GET", "/requests/SC05-2026-00001"),
        ("GET", "/requests/SC05-2026-00001/timeline"),
        ("GET", "/requests/SC05-2026-00001/report"),
        ("GET", "/agenda-book"),
        ("GET", "/projection"),
        ("POST", "/requests/SC05-2026-00001/archive"),
    ],
)
async def test_every_endpoint_needs_a_valid_token(bed: Bed, method: str, path: str) -> None:
    missing = await bed.client.request(method, path)
    forged = await bed.client.request(method, path, headers={"Authorization": "Bearer x.y.z"})
    assert error(missing, 401)["code"] == "token_missing"
    assert error(forged, 401)["code"] == "token_invalid"


async def test_the_api_documents_its_routes(bed: Bed) -> None:
    spec = (await bed.client.get("/openapi.json")).json()
    assert set(spec["paths"]) >= {
        "/requests",
        "/requests/{ticket_id}",
        "/requests/{ticket_id}/timeline",
        "/requests/{ticket_id}/report",
        "/requests/{ticket_id}/archive",
        "/agenda-book",
        "/projection",
    }
    assert set(spec["paths"]["/requests/{ticket_id}/archive"]["post"]["responses"]) >= {
        "201",
        "401",
        "403",
        "409",
        "422",
    }


async def test_the_projection_rebuilt_from_position_one_equals_the_live_one(
    bed: Bed, new_database: Callable[[], Awaitable[str]]
) -> None:
    """An auditor's replay: the same apply functions over the whole log give the same rows."""
    await bed.catch_up()
    head = await bed.ctx.store.head()
    url = await new_database()
    replica = await connect(url)
    try:
        async for envelope in bed.ctx.store.read_all():
            async with replica.transaction():
                projected = await project(replica, envelope, store=bed.ctx.store)
            assert projected.applied
        for table, order in (
            ("requests", "ticket_id"),
            ("timeline", "global_position"),
            ("reports", "ticket_id"),
            ("agenda_book", "year, number"),
            ("berita_acara", "year, sequence"),
        ):
            sql = f"SELECT * FROM reporting.{table} ORDER BY {order}"
            async with bed.ctx.pool.acquire() as live:
                expected = [dict(r) for r in await live.fetch(sql)]
            assert [dict(r) for r in await replica.fetch(sql)] == expected, table
        assert await replica.fetchval("SELECT position FROM reporting.checkpoint") == head
    finally:
        await replica.close()


# --- over the real bus ------------------------------------------------------------------------


async def test_the_live_consumers_project_and_react_over_the_bus(
    new_database: Callable[[], Awaitable[str]], nats_url: str, run_id: str
) -> None:
    """Relay → JetStream → `reporting-projection` and `reporting-reactions`, no hand delivery."""
    settings = ServiceSettings(
        database_url=await new_database(),
        nats_url=nats_url,
        relay_enabled=True,
        relay_poll_seconds=0.2,
        stream_name=f"REPORTING_BUS_{run_id}",
        subject_prefix=f"test{run_id}.reportingbus",
    )
    await bootstrap(settings, CONSUMERS)
    try:
        async with (
            running_service("reporting", settings) as (app, ctx),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://reporting"
            ) as client,
            upstream(settings.database_url) as others,
        ):
            live = Bed(client=client, ctx=ctx, settings=settings, upstream=others)
            ticket, _ = await live.integrated()

            # The report and the Berita Acara number are two events: wait for the second.
            reported = await until(
                live,
                ticket,
                lambda r: r["current_step"] == "archive" and r["berita_acara_number"] is not None,
            )
            assert reported["berita_acara_number"] == "001/BA-LIA/SC-05/DISKOMINFO/2026"
            assert error(await live.archive(ticket), 201)["agenda_number"] == 1
            archived = await until(live, ticket, lambda r: r["status"] == "archived")
            timeline = await live.get(f"/requests/{ticket}/timeline")
            assert [e["type"] for e in timeline["entries"]][-4:] == [
                "Integrated",
                "ReportWritten",
                "BeritaAcaraNumberReserved",
                "ReportArchived",
            ]
            assert archived["agenda_code"] == "001/AG-LIA/SC-05/DISKOMINFO/2026"
            assert await live.checkpoint() == await ctx.store.head()
    finally:
        nc = await nats.connect(nats_url)
        with contextlib.suppress(Exception):
            await nc.jetstream().delete_stream(settings.stream_name)
        await nc.close()


async def until(
    bed: Bed, ticket: str, done: Callable[[dict[str, Any]], bool], *, seconds: float = 30
) -> dict[str, Any]:
    """The request's status once `done` holds for it; fails after `seconds`."""
    headers = bed.auth(Role.AUDITOR)
    async with asyncio.timeout(seconds):
        while True:
            response = await bed.client.get(f"/requests/{ticket}", headers=headers)
            if response.status_code == 200 and done(body := response.json()):
                return body  # type: ignore[no-any-return]
            await asyncio.sleep(0.1)
