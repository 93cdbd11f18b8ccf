"""`penghubung replay reporting` against real PostgreSQL: equal after a varied history, a
corrupted live row named with its key, the swap (and the projection working on after it), a
partial replay, and the command itself.

The history: the three SOP journeys (integrated with a pause and a Plh's disposition; not
feasible; returned and resubmitted), a request still open, calendar changes, a recalculation and
warnings. Upstream facts are appended to their own streams; every position is handed to
reporting's two consumers through the consumer base, as the bus would (the reactions write the
reports and Berita Acara numbers); archives, calendar changes and the recalculation go through
reporting's HTTP API, warnings through the warning round.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from penghubung.bus.consumer import Outcome
from penghubung.db import connect
from penghubung.events import Role
from penghubung.runtime.service import ServiceContext
from penghubung.sop import Channel, Difficulty, Step
from penghubung.testing.beds import deliver, serving, without_consumers
from penghubung.testing.histories import Histories, new_ticket
from penghubung.web.auth import mint_token
from reporting.adapters.subscribers import subscriptions
from reporting.app.replay import EXIT_DIFFERENT, EXIT_EQUAL, Options, replay_reporting
from reporting.bootstrap import build
from reporting.projections.projector import project
from reporting.projections.tables import NOT_PROJECTED, PROJECTED
from reporting.settings import ReportingSettings
from reporting.sla.app.handlers import Sla

pytestmark = pytest.mark.integration

WIB = ZoneInfo("Asia/Jakarta")
PROJECTION, REACTIONS = "reporting-projection", "reporting-reactions"


def wib(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=WIB)


@dataclass
class Bed:
    """The reporting service on a database of its own, fed by hand as the bus would."""

    client: httpx.AsyncClient
    ctx: ServiceContext
    settings: ReportingSettings
    history: Histories

    @property
    def url(self) -> str:
        return self.settings.database_url

    def at(self, moment: datetime) -> None:
        self.ctx.clock = lambda: moment

    async def call(
        self, method: str, path: str, role: Role = Role.AUDITOR, **kwargs: Any
    ) -> httpx.Response:
        token = mint_token(self.settings, role=role, name=f"Pengguna {role.value}")
        headers = {"Authorization": f"Bearer {token}"}
        return await self.client.request(method, path, headers=headers, **kwargs)

    async def ok(self, method: str, path: str, role: Role = Role.AUDITOR, **kw: Any) -> Any:
        response = await self.call(method, path, role, **kw)
        assert response.status_code in (200, 201), response.text
        return response.json()

    async def deliver(self, consumer: str, position: int) -> Outcome:
        """The stored event at `position` as the bus hands it to a consumer."""
        found = {s.consumer: s for s in subscriptions(self.ctx)}
        return await deliver(self.ctx, self.settings, found[consumer], position)

    async def checkpoint(self) -> int:
        async with self.ctx.pool.acquire() as conn:
            position: int = await conn.fetchval("SELECT position FROM reporting.checkpoint")
        return position

    async def catch_up(self) -> None:
        """Every position after the checkpoint to both consumers, in order (the reactions'
        events included)."""
        while (position := await self.checkpoint()) < await self.ctx.store.head():
            assert await self.deliver(PROJECTION, position + 1) is Outcome.HANDLED
            assert await self.deliver(REACTIONS, position + 1) in (Outcome.HANDLED, Outcome.SKIPPED)

    async def archive(self, ticket: str, at: datetime) -> None:
        self.at(at)
        await self.ok("POST", f"/requests/{ticket}/archive", Role.PETUGAS, json={})


NewBed = Callable[[], contextlib.AbstractAsyncContextManager[Bed]]


@pytest.fixture(scope="module")
def new_bed(new_database: Callable[[], Awaitable[str]], nats_url: str, run_id: str) -> NewBed:
    @contextlib.asynccontextmanager
    async def make() -> AsyncIterator[Bed]:
        settings = ReportingSettings(
            database_url=await new_database(),
            nats_url=nats_url,
            relay_enabled=False,
            stream_name=f"REPLAY_{run_id}",
            subject_prefix=f"t{run_id}.replay",
            sla_warnings_enabled=False,
        )
        served = serving("reporting", settings, without_consumers(build))
        async with served as (client, ctx, others):
            yield Bed(client=client, ctx=ctx, settings=settings, history=Histories(others))

    return make


@dataclass(frozen=True)
class Story:
    """The tickets of the varied history."""

    integrated: str
    not_feasible: str
    returned: str
    still_open: str


async def varied_history(bed: Bed) -> Story:
    """The three journeys (one reassigned, its implementation corrected after the report), an
    open request, calendar changes, a recalculation, warnings."""
    h = bed.history
    bed.at(wib(6, 30, 9))
    await bed.ok("POST", "/calendar/days-off", Role.ADMIN, json={"day": "2026-07-08", "name": "x"})

    integrated = new_ticket()
    await h.submit(integrated, wib(7, 1, 9), channel=Channel.LETTER)
    await h.chain(integrated, wib(7, 1, 9, 5), wib(7, 1, 9, 10), wib(7, 1, 9, 20), stand_in=True)
    await h.reassign(integrated, wib(7, 2, 10))  # the clock goes on; the officer changes
    await h.analyse(integrated, wib(7, 3, 10), difficulty=Difficulty.LOW)
    await h.pause(integrated, Step.IMPLEMENTATION, wib(7, 6, 14))
    await h.resume(integrated, Step.IMPLEMENTATION, wib(7, 7, 10))
    await h.integrate(integrated, wib(7, 10, 10))

    not_feasible = new_ticket()
    await h.submit(not_feasible, wib(7, 2, 9), agency="Dinas Pendidikan", application="SIPD")
    await h.chain(not_feasible, wib(7, 2, 9, 5), wib(7, 2, 9, 10), wib(7, 2, 9, 20))
    await h.analyse(not_feasible, wib(7, 6, 10), feasible=False)
    await h.close(not_feasible, wib(7, 6, 10, 5))

    returned = new_ticket()
    await h.submit(returned, wib(7, 6, 9), channel=Channel.LETTER, agency="Dinas Sosial")
    await h.dispose(returned, Role.KADIS, wib(7, 6, 9, 10))
    await h.give_back(returned, Step.DISPOSE_PRAKOM, wib(7, 6, 9, 20))
    await h.resubmit(returned, wib(7, 9, 10), agency="Dinas Sosial")
    await h.chain(returned, wib(7, 9, 10, 5), wib(7, 9, 10, 15), wib(7, 9, 10, 20))
    await h.analyse(returned, wib(7, 10, 9), difficulty=Difficulty.HIGH)
    await h.pause(returned, Step.IMPLEMENTATION, wib(7, 10, 14))
    await h.resume(returned, Step.IMPLEMENTATION, wib(7, 13, 9))
    await h.integrate(returned, wib(7, 14, 10))

    still_open = new_ticket()
    await h.submit(still_open, wib(7, 13, 15, 30))
    await h.dispose(still_open, Role.KADIS, wib(7, 13, 15, 40))
    await bed.catch_up()
    await h.correct_implementation(integrated, wib(7, 10, 10, 30))  # after its report: revised
    await bed.catch_up()

    for ticket, at in ((integrated, wib(7, 10, 11)), (not_feasible, wib(7, 6, 11))):
        await bed.archive(ticket, at)
    await bed.archive(returned, wib(7, 14, 11))
    bed.at(wib(7, 15, 9))
    await bed.ok(
        "POST", "/sla/recalculations", Role.ADMIN, json={"scope": "all", "reason": "Hari Jadi"}
    )
    await bed.ok(
        "POST",
        "/calendar/reduced-hours",
        Role.ADMIN,
        json={"first_day": "2026-07-20", "last_day": "2026-07-24", "closing": "15:00", "name": "x"},
    )
    for saturday in ("2026-07-18", "2026-07-25"):
        decree = {"day": saturday, "name": "Sabtu masuk"}
        await bed.ok("POST", "/calendar/working-days", Role.ADMIN, json=decree)
    withdrawn = {"reason": "Keputusan dicabut"}
    await bed.ok("DELETE", "/calendar/working-days/2026-07-25", Role.ADMIN, params=withdrawn)
    await bed.catch_up()
    bed.at(wib(7, 16, 9))
    sla = Sla(
        store=bed.ctx.store,
        clock=lambda: bed.ctx.clock(),
        new_id=uuid.uuid4,
        capacity=bed.settings.sla_daily_capacity,
        percents=bed.settings.sla_warning_percents,
    )
    assert await sla.raise_warnings() > 0
    await bed.catch_up()
    return Story(integrated, not_feasible, returned, still_open)


@pytest.fixture
async def story(new_bed: NewBed) -> AsyncIterator[tuple[Bed, Story]]:
    async with new_bed() as bed:
        yield bed, await varied_history(bed)


async def schemas(url: str, prefix: str) -> list[str]:
    conn = await connect(url)
    try:
        rows = await conn.fetch(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE $1 ORDER BY nspname", prefix + "%"
        )
    finally:
        await conn.close()
    return [r["nspname"] for r in rows]


# --- equal ---------------------------------------------------------------------------------------


async def test_a_replay_of_a_varied_history_equals_the_live_projection(
    story: tuple[Bed, Story],
) -> None:
    bed, tickets = story
    head = await bed.ctx.store.head()
    ticks: list[tuple[int, int]] = []

    @contextlib.contextmanager
    def progress(total: int) -> Any:
        assert total == head
        yield lambda count, last: ticks.append((count, last))

    report = await replay_reporting(bed.url, Options(), progress=progress, stamp="t1")

    assert report.equal, [t for t in report.tables if not t.equal]
    assert report.exit_code == EXIT_EQUAL
    assert (report.position, report.replayed, report.head) == (head, head, head)
    assert ticks
    assert ticks[-1][1] == head
    assert sum(c for c, _ in ticks) == head
    rows = {t.table: t.live.rows for t in report.tables}
    assert set(rows) == set(PROJECTED)
    assert rows["requests"] == rows["sla_requests"] >= 4
    assert rows["reports"] == 3
    assert rows["agenda_book"] == 3
    assert rows["berita_acara"] == 2
    assert rows["calendar_versions"] == 6
    assert rows["sla_recalculations"] == 1
    assert rows["sla_warnings"] >= 1
    assert rows["sla_facts"] > 20
    assert all(t.live.sha256 == t.rebuilt.sha256 for t in report.tables)
    # The rebuild is dropped once compared.
    assert await schemas(bed.url, "reporting_rebuild") == []
    # The history is what it claims to be.
    statuses = {
        t: (await bed.ok("GET", f"/requests/{t}"))["status"]
        for t in (tickets.integrated, tickets.not_feasible, tickets.returned, tickets.still_open)
    }
    revised = await bed.ok("GET", f"/requests/{tickets.integrated}/report")
    assert (revised["revision"], revised["revision_reason"]) == (1, "Operasi kedua terlupa dicatat")
    assert statuses == {
        tickets.integrated: "archived",
        tickets.not_feasible: "archived",
        tickets.returned: "archived",
        tickets.still_open: "in_disposition",
    }


async def test_every_table_of_the_reporting_schema_is_either_projected_or_said_not_to_be(
    new_database: Callable[[], Awaitable[str]],
) -> None:
    """A table added by a later migration must be placed: compared and swapped, or not."""
    conn = await connect(await new_database())
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'reporting'")
    finally:
        await conn.close()
    tables = {r["tablename"] for r in rows}
    assert tables == set(PROJECTED) | set(NOT_PROJECTED)
    assert not set(PROJECTED) & set(NOT_PROJECTED)


# --- different, then swapped ---------------------------------------------------------------------


async def test_a_corrupted_live_row_is_named_with_its_key_and_a_swap_repairs_it(
    story: tuple[Bed, Story],
) -> None:
    bed, tickets = story
    conn = await connect(bed.url)  # the owner: the service's own role may not do this either
    try:
        await conn.execute(
            "UPDATE reporting.requests SET status = 'closed', holder_role = 'kadis'"
            " WHERE ticket_id = $1",
            tickets.integrated,
        )
        lost: int = await conn.fetchval(
            "DELETE FROM reporting.timeline WHERE ticket_id = $1 AND event_type = 'Integrated'"
            " RETURNING global_position",
            tickets.returned,
        )
        await conn.execute(
            'UPDATE reporting.sla_facts SET fact = fact || \'{"at": "2020-01-01T00:00:00Z"}\''
            " WHERE global_position = $1",
            lost,
        )
    finally:
        await conn.close()

    report = await replay_reporting(bed.url, Options(show=5), stamp="t2")

    assert report.exit_code == EXIT_DIFFERENT
    different = {t.table: t for t in report.tables if not t.equal}
    assert set(different) == {"requests", "timeline", "sla_facts"}
    (changed,) = different["requests"].differences
    assert (changed.key, changed.kind) == ({"ticket_id": tickets.integrated}, "changed")
    assert changed.columns == {"status": ("closed", "archived"), "holder_role": ("kadis", None)}
    (missing,) = different["timeline"].differences
    assert (missing.key, missing.kind) == ({"global_position": lost}, "only_rebuilt")
    (fact,) = different["sla_facts"].differences
    assert fact.key == {"global_position": lost}
    assert list(fact.columns) == ["fact.at"]  # the key of the jsonb that differs
    live_at, rebuilt_at = fact.columns["fact.at"]
    assert live_at == "2020-01-01T00:00:00Z" != rebuilt_at
    assert different["timeline"].live.rows == different["timeline"].rebuilt.rows - 1

    swapped = await replay_reporting(bed.url, Options(swap=True), stamp="t3")

    assert swapped.exit_code == EXIT_EQUAL
    assert swapped.backup == "reporting_backup_t3"
    assert {t.table for t in swapped.tables if not t.equal} == set(different)
    assert await schemas(bed.url, "reporting_rebuild") == []
    conn = await connect(bed.url)
    try:
        kept = await conn.fetchval(
            "SELECT status FROM reporting_backup_t3.requests WHERE ticket_id = $1",
            tickets.integrated,
        )
        assert kept == "closed"  # the old tables are kept
        grants = await conn.fetchrow(
            "SELECT has_table_privilege('penghubung_auditor', 'reporting.requests', 'SELECT') a,"
            " has_table_privilege('penghubung_auditor', 'reporting.requests', 'INSERT') b,"
            " has_table_privilege('penghubung_reporting', 'reporting.timeline', 'INSERT') c"
        )
        assert tuple(grants) == (True, False, True)
    finally:
        await conn.close()

    # The live service reads the swapped tables (its pooled connections too) …
    assert (await bed.ok("GET", f"/requests/{tickets.integrated}"))["status"] == "archived"
    timeline = await bed.ok("GET", f"/requests/{tickets.returned}/timeline")
    assert lost in [e["position"] for e in timeline["entries"]]
    # … and the projection goes on writing them.
    later = new_ticket()
    await bed.history.submit(later, wib(7, 20, 9))
    await bed.history.dispose(later, Role.KADIS, wib(7, 20, 9, 10))
    await bed.catch_up()
    assert (await bed.ok("GET", f"/requests/{later}"))["status"] == "in_disposition"
    again = await replay_reporting(bed.url, Options(), stamp="t4")
    assert again.equal
    assert again.position == await bed.ctx.store.head()


async def test_a_swap_waits_for_the_projection_transaction_in_flight(
    story: tuple[Bed, Story],
) -> None:
    """The swap locks the checkpoint row every projection transaction locks first."""
    bed, _ = story
    later = new_ticket()
    position = await bed.history.submit(later, wib(7, 20, 9))
    envelope = await anext(bed.ctx.store.read_all(after=position - 1, until=position))
    async with bed.ctx.pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        assert (await project(conn, envelope, store=bed.ctx.store)).applied
        swap = asyncio.create_task(replay_reporting(bed.url, Options(swap=True), stamp="t5"))
        await asyncio.sleep(1.0)
        assert not swap.done()  # held at the checkpoint's lock
        await transaction.commit()
    report = await asyncio.wait_for(swap, 30)
    assert report.position == position
    assert report.equal
    assert (await bed.ok("GET", f"/requests/{later}"))["status"] == "submitted"


async def test_a_swap_over_a_live_projection_that_lags_moves_its_checkpoint(
    story: tuple[Bed, Story],
) -> None:
    """Nothing to compare with (the live tables stand before the rebuild): swapped all the same,
    and the projection goes on from the rebuild's position."""
    bed, _ = story
    behind = await bed.checkpoint()
    later = new_ticket()
    await bed.history.submit(later, wib(7, 20, 9))
    head = await bed.history.dispose(later, Role.KADIS, wib(7, 20, 9, 10))

    report = await replay_reporting(bed.url, Options(swap=True), stamp="t7")

    assert (report.compared, report.live, report.position, report.exit_code) == (
        False,
        behind,
        head,
        EXIT_EQUAL,
    )
    assert await bed.checkpoint() == head
    assert (await bed.ok("GET", f"/requests/{later}"))["status"] == "in_disposition"
    # The bus's late deliveries of those positions change nothing.
    assert await bed.deliver(PROJECTION, head) is Outcome.HANDLED
    again = await replay_reporting(bed.url, Options(), stamp="t8")
    assert again.equal
    assert again.position == head


# --- partial -------------------------------------------------------------------------------------


async def test_a_partial_replay_is_kept_and_stands_at_its_position(
    story: tuple[Bed, Story],
) -> None:
    bed, tickets = story
    async with bed.ctx.pool.acquire() as conn:
        until: int = await conn.fetchval(
            "SELECT global_position FROM reporting.timeline WHERE ticket_id = $1"
            " AND event_type = 'Integrated'",
            tickets.integrated,
        )
    report = await replay_reporting(bed.url, Options(until=until), stamp="t6")

    assert (report.compared, report.kept, report.position, report.exit_code) == (
        False,
        True,
        until,
        EXIT_EQUAL,
    )
    conn = await connect(bed.url)
    try:
        status = await conn.fetchval(
            "SELECT status FROM reporting_rebuild_t6.requests WHERE ticket_id = $1",
            tickets.integrated,
        )
        last = await conn.fetchval("SELECT max(global_position) FROM reporting_rebuild_t6.timeline")
        assert (status, last) == ("integrated", until)
        await conn.execute("DROP SCHEMA reporting_rebuild_t6 CASCADE")
    finally:
        await conn.close()


# --- the command ---------------------------------------------------------------------------------


def penghubung(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PENGHUBUNG_DATABASE_URL": url}
    command = [sys.executable, "-m", "penghubung.cli", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


async def test_the_command_reports_equal_then_different_with_its_exit_codes(
    story: tuple[Bed, Story],
) -> None:
    bed, tickets = story
    done = await asyncio.to_thread(penghubung, bed.url, "replay", "reporting", "--json")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert (body["result"], body["position"]) == ("equal", await bed.ctx.store.head())
    assert "replaying:" in done.stderr  # a progress line when not on a terminal
    assert "events/s" in done.stderr

    conn = await connect(bed.url)
    try:
        await conn.execute(
            "UPDATE reporting.agenda_book SET archived_by = 'x' WHERE ticket_id = $1",
            tickets.not_feasible,
        )
    finally:
        await conn.close()
    differs = await asyncio.to_thread(penghubung, bed.url, "replay", "reporting")
    assert differs.returncode == 1, differs.stderr
    assert "agenda_book year=2026, number=" in differs.stdout
    assert 'archived_by: live "x"' in differs.stdout
    assert "different: agenda_book" in differs.stdout

    usage = await asyncio.to_thread(
        penghubung, bed.url, "replay", "reporting", "--swap", "--until", "3"
    )
    assert usage.returncode == 2
    bad = await asyncio.to_thread(penghubung, bed.url, "replay", "reporting", "--until", "zero")
    assert bad.returncode == 2
