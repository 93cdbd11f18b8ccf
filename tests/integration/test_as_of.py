"""Reporting's views `as_of` a past position or time, and the auditors' timeline from the log.

The history's facts carry real times (minutes before the test runs), so a view as of a position,
whose clocks run to the moment that position was recorded, and the live view, measured now,
are both about the same hour. Upstream facts are appended to their own streams and handed to
reporting's consumers through the consumer base, as the bus would.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest

from penghubung.bus.consumer import Outcome
from penghubung.db import connect
from penghubung.dbroles import role_of
from penghubung.events import Role
from penghubung.runtime.service import ServiceContext
from penghubung.testing.beds import deliver, serving, without_consumers
from penghubung.testing.histories import AGENCY, KADIS, PLH, Histories, new_ticket
from penghubung.web.auth import mint_token
from penghubung.workcal import CalendarSpec, WorkingCalendar
from reporting.adapters import rebuild_db
from reporting.adapters.subscribers import subscriptions
from reporting.app.as_of import Snapshots
from reporting.bootstrap import build
from reporting.projections.tables import PROJECTED
from reporting.settings import ReportingSettings

pytestmark = pytest.mark.integration

PROJECTION, REACTIONS = "reporting-projection", "reporting-reactions"
POSITION = "penghubung-as-of-position"
WIB = ZoneInfo("Asia/Jakarta")


@dataclass
class Bed:
    """The reporting service on a database of its own, fed by hand as the bus would."""

    client: httpx.AsyncClient
    ctx: ServiceContext
    settings: ReportingSettings
    history: Histories

    async def call(
        self,
        path: str,
        role: Role = Role.AUDITOR,
        *,
        agency: str | None = None,
        name: str | None = None,
        **params: Any,
    ) -> httpx.Response:
        name = name or f"Pengguna {role.value}"
        token = mint_token(self.settings, role=role, name=name, agency=agency)
        headers = {"Authorization": f"Bearer {token}"}
        return await self.client.get(path, params=params, headers=headers)

    async def get(self, path: str, role: Role = Role.AUDITOR, **params: Any) -> Any:
        response = await self.call(path, role, **params)
        assert response.status_code == 200, response.text
        return response.json()

    async def post(self, path: str, role: Role, body: dict[str, Any]) -> Any:
        token = mint_token(self.settings, role=role, name=f"Pengguna {role.value}")
        response = await self.client.post(
            path, json=body, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 201, response.text
        return response.json()

    async def deliver(self, consumer: str, position: int) -> Outcome:
        found = {s.consumer: s for s in subscriptions(self.ctx)}
        return await deliver(self.ctx, self.settings, found[consumer], position)

    async def catch_up(self) -> int:
        """Every position after the checkpoint to both consumers, in order; the head."""
        while True:
            async with self.ctx.pool.acquire() as conn:
                position: int = await conn.fetchval("SELECT position FROM reporting.checkpoint")
            if position >= await self.ctx.store.head():
                return position
            assert await self.deliver(PROJECTION, position + 1) is Outcome.HANDLED
            assert await self.deliver(REACTIONS, position + 1) in (
                Outcome.HANDLED,
                Outcome.SKIPPED,
            )

    async def recorded_at(self, position: int) -> datetime:
        async with self.ctx.pool.acquire() as conn:
            moment: datetime = await conn.fetchval(
                "SELECT recorded_at FROM eventstore.events WHERE global_position = $1", position
            )
        return moment


NewBed = Callable[..., contextlib.AbstractAsyncContextManager[Bed]]


@pytest.fixture(scope="module")
def new_bed(new_database: Callable[[], Awaitable[str]], nats_url: str, run_id: str) -> NewBed:
    @contextlib.asynccontextmanager
    async def make(**changes: Any) -> AsyncIterator[Bed]:
        settings = ReportingSettings(
            database_url=await new_database(),
            nats_url=nats_url,
            relay_enabled=False,
            stream_name=f"ASOF_{run_id}",
            subject_prefix=f"t{run_id}.asof",
            sla_warnings_enabled=False,
            # these tests ask for many positions as one auditor; the limit has its own test
            **{"as_of_rebuilds_per_person": 1000, **changes},
        )
        served = serving("reporting", settings, without_consumers(build))
        async with served as (client, ctx, others):
            yield Bed(client=client, ctx=ctx, settings=settings, history=Histories(others))

    return make


@dataclass(frozen=True)
class Story:
    """One request through the whole SOP, its positions, and a second request after it."""

    ticket: str
    submitted: int
    by_kadis: int
    assigned: int
    integrated: int
    reported: int
    archived: int
    second: str
    second_submitted: int


@pytest.fixture(scope="module")
async def story(new_bed: NewBed) -> AsyncIterator[tuple[Bed, Story]]:
    """Submitted 20 minutes ago, disposed (the kadis by a Plh) 15, 14 and 13 minutes ago,
    analysed, integrated, reported and archived; a second request submitted after all that."""
    async with new_bed() as bed:
        h = bed.history
        start = datetime.now(UTC) - timedelta(minutes=20)
        minutes = [start + timedelta(minutes=n) for n in range(20)]
        ticket = new_ticket()
        submitted = await h.submit(ticket, minutes[0])
        by_kadis = await h.dispose(ticket, Role.KADIS, minutes[5], stand_in=True)
        await h.dispose(ticket, Role.KABID, minutes[6])
        assigned = await h.dispose(ticket, Role.PRAKOM, minutes[7])
        await h.analyse(ticket, minutes[8])
        integrated = await h.integrate(ticket, minutes[9])
        await bed.catch_up()
        reported = await bed.ctx.store.head()  # the Berita Acara number, after the report
        await bed.post(f"/requests/{ticket}/archive", Role.PETUGAS, {})
        archived = await bed.catch_up()
        second = new_ticket()
        second_submitted = await h.submit(second, minutes[19])
        await bed.catch_up()
        yield (
            bed,
            Story(
                ticket,
                submitted,
                by_kadis,
                assigned,
                integrated,
                reported,
                archived,
                second,
                second_submitted,
            ),
        )


# --- the request views ---------------------------------------------------------------------------


async def test_a_status_as_of_a_position_before_a_disposition_is_the_earlier_state(
    story: tuple[Bed, Story],
) -> None:
    bed, s = story
    now = await bed.get(f"/requests/{s.ticket}")
    assert now["status"] == "archived"

    before = await bed.call(f"/requests/{s.ticket}", as_of=s.by_kadis - 1)
    assert before.status_code == 200
    assert before.headers[POSITION] == str(s.by_kadis - 1)
    then = before.json()
    assert (then["status"], then["current_step"], then["holder_role"]) == (
        "submitted",
        "dispose_kabid",
        "kadis",
    )
    after = await bed.get(f"/requests/{s.ticket}", as_of=s.assigned)
    assert (after["status"], after["current_step"]) == ("assigned", "feasibility")
    assert after["last_position"] == s.assigned
    # Before its submission the request did not exist.
    missing = await bed.call(f"/requests/{s.ticket}", as_of=s.submitted - 1)
    assert (missing.status_code, missing.json()["code"]) == (404, "request_not_found")


async def test_a_time_stands_for_the_last_position_recorded_by_then(
    story: tuple[Bed, Story],
) -> None:
    bed, s = story
    recorded = await bed.recorded_at(s.by_kadis)
    for moment in (recorded, recorded + timedelta(microseconds=1)):
        answer = await bed.call(f"/requests/{s.ticket}", as_of=moment.isoformat())
        assert answer.headers[POSITION] == str(s.by_kadis), moment
        assert answer.json()["status"] == "in_disposition"
    earlier = await bed.call(
        f"/requests/{s.ticket}", as_of=(recorded - timedelta(microseconds=1)).isoformat()
    )
    assert earlier.headers[POSITION] == str(s.by_kadis - 1)
    assert earlier.json()["status"] == "submitted"
    # In WIB, and with the '+' of the zone left unencoded in the URL (it arrives as a space).
    wib = recorded.astimezone(WIB).isoformat()
    assert "+07:00" in wib
    token = mint_token(bed.settings, role=Role.AUDITOR, name="Auditor")
    same = await bed.client.get(
        f"/requests/{s.ticket}?as_of={wib}", headers={"Authorization": f"Bearer {token}"}
    )
    assert same.headers[POSITION] == str(s.by_kadis)
    # Before the first event: nothing was known yet.
    empty = await bed.get("/requests", as_of="2000-01-01T00:00:00Z")
    assert empty["total"] == 0


async def test_the_list_as_of_a_position_leaves_out_later_requests(
    story: tuple[Bed, Story],
) -> None:
    bed, s = story
    now = {r["ticket_id"] for r in (await bed.get("/requests"))["items"]}
    assert now == {s.ticket, s.second}
    then = await bed.get("/requests", as_of=s.second_submitted - 1)
    assert [r["ticket_id"] for r in then["items"]] == [s.ticket]
    assert then["total"] == 1
    filtered = await bed.get("/requests", as_of=s.by_kadis, status="in_disposition")
    assert [r["ticket_id"] for r in filtered["items"]] == [s.ticket]
    # An applicant as of then: their own agency's only, as live.
    own = await bed.call("/requests", Role.PEMOHON, agency=AGENCY, as_of=s.by_kadis)
    assert own.json()["total"] == 1
    other = await bed.call("/requests", Role.PEMOHON, agency="Dinas Lain", as_of=s.by_kadis)
    assert other.json()["total"] == 0


async def test_the_timeline_as_of_a_position_is_cut_there(story: tuple[Bed, Story]) -> None:
    bed, s = story
    full = (await bed.get(f"/requests/{s.ticket}/timeline"))["entries"]
    cut = (await bed.get(f"/requests/{s.ticket}/timeline", as_of=s.assigned))["entries"]
    assert cut == [e for e in full if e["position"] <= s.assigned]
    assert [e["type"] for e in cut] == ["RequestSubmitted", "Disposed", "Disposed", "Disposed"]
    assert cut[1]["actor"]["on_behalf_of_name"] == KADIS.name


async def test_the_report_and_the_agenda_book_as_of_before_they_were_written(
    story: tuple[Bed, Story],
) -> None:
    bed, s = story
    unwritten = await bed.call(f"/requests/{s.ticket}/report", as_of=s.integrated)
    assert (unwritten.status_code, unwritten.json()["code"]) == (404, "report_not_found")
    reported = await bed.get(f"/requests/{s.ticket}/report", as_of=s.reported)
    assert reported["berita_acara_number"] is not None
    assert (reported["agenda_code"], reported["archived_at"]) == (None, None)
    archived = await bed.get(f"/requests/{s.ticket}/report")
    assert archived["agenda_code"] is not None
    year = archived["agenda_year"]
    assert (await bed.get("/agenda-book", year=year, as_of=s.reported))["entries"] == []
    book = await bed.get("/agenda-book", year=year, as_of=s.archived)
    assert [e["ticket_id"] for e in book["entries"]] == [s.ticket]


async def test_beyond_the_head_is_the_head(story: tuple[Bed, Story]) -> None:
    bed, s = story
    head = await bed.ctx.store.head()
    far = await bed.call(f"/requests/{s.ticket}/timeline", as_of=head + 1000)
    at_head = await bed.call(f"/requests/{s.ticket}/timeline", as_of=head)
    assert far.headers[POSITION] == str(head)
    assert far.json() == at_head.json() == await bed.get(f"/requests/{s.ticket}/timeline")
    future = await bed.call("/requests", as_of="2100-12-31T23:00:00+07:00")
    assert future.headers[POSITION] == str(head)


@pytest.mark.parametrize(
    "bad",
    ["kemarin", "2026-07-01T10:00:00", "2026-07-01", "-5", "1.5", "", "2026-02-30T10:00:00Z"],
)
@pytest.mark.parametrize(
    "path",
    [
        "/requests",
        "/requests/{t}",
        "/requests/{t}/timeline",
        "/requests/{t}/report",
        "/requests/{t}/sla",
        "/agenda-book",
        "/sla/compliance",
        "/sla/breaches",
        "/sla/disposition-times",
        "/calendar",
        "/audit/tickets/{t}/events",
    ],
)
async def test_a_bad_as_of_is_422_naming_the_field(
    story: tuple[Bed, Story], path: str, bad: str
) -> None:
    bed, s = story
    answer = await bed.call(path.format(t=s.ticket), as_of=bad)
    assert answer.status_code == 422, answer.text
    assert (answer.json()["code"], answer.json()["field"]) == ("validation_failed", "as_of")


# --- the SLA views -------------------------------------------------------------------------------


async def test_a_clock_as_of_then_is_running_where_now_it_is_met(
    story: tuple[Bed, Story],
) -> None:
    bed, s = story
    live = {c["step"]: c for c in (await bed.get(f"/requests/{s.ticket}/sla"))["clocks"]}
    assert live["dispose_kabid"]["state"] == "met"
    answer = await bed.call(f"/requests/{s.ticket}/sla", as_of=s.submitted)
    then = answer.json()
    clocks = {c["step"]: c for c in then["clocks"]}
    assert list(clocks) == ["submit", "dispose_kabid"]
    assert clocks["dispose_kabid"]["state"] == "running"
    assert clocks["dispose_kabid"]["end"] is None
    # Measured at the moment the position was recorded, not now.
    recorded = await bed.recorded_at(s.submitted)
    assert datetime.fromisoformat(then["measured_at"]) == recorded
    assert answer.headers["penghubung-as-of"] == recorded.isoformat()
    csv = await bed.call(f"/requests/{s.ticket}/sla", as_of=s.submitted, format="csv")
    assert csv.headers[POSITION] == str(s.submitted)
    assert [line.split(",")[1] for line in csv.text.splitlines()[1:]] == list(clocks)


async def test_the_monthly_views_as_of_before_the_dispositions_count_none(
    story: tuple[Bed, Story],
) -> None:
    bed, s = story
    disposed = (await bed.recorded_at(s.assigned)).astimezone(WIB).strftime("%Y-%m")
    live = await bed.get("/sla/disposition-times", month=disposed)
    assert sum(e["count"] for e in live["echelons"]) == 3
    then = await bed.get("/sla/disposition-times", month=disposed, as_of=s.submitted)
    assert sum(e["count"] for e in then["echelons"]) == 0
    # Without a month: the month (WIB) of the moment asked for.
    moment = (await bed.recorded_at(s.submitted)).astimezone(WIB).strftime("%Y-%m")
    assert (await bed.get("/sla/breaches", as_of=s.submitted))["month"] == moment
    compliance_then = await bed.get("/sla/compliance", month=disposed, as_of=s.submitted)
    compliance_now = await bed.get("/sla/compliance", month=disposed)
    assert compliance_then["total"]["total"] < compliance_now["total"]["total"]


async def test_the_clocks_as_of_then_use_the_calendar_in_force_then(new_bed: NewBed) -> None:
    """A day off added later moves a running due time now, not as of before the change."""
    async with new_bed() as bed:
        h = bed.history
        ticket = new_ticket()
        ordered = datetime.now(UTC) - timedelta(minutes=10)
        await h.submit(ticket, ordered - timedelta(minutes=3))
        await h.chain(
            ticket, *(ordered - timedelta(minutes=m) for m in (2, 1)), ordered
        )  # feasibility runs from the order
        before = await bed.catch_up()
        base = WorkingCalendar(CalendarSpec(version=1))
        start = base.next_opening(ordered)
        day = base.next_working_day(start.date())
        await bed.post("/calendar/days-off", Role.ADMIN, {"day": day.isoformat(), "name": "Perda"})
        await bed.catch_up()

        def feasibility(body: dict[str, Any]) -> dict[str, Any]:
            found: dict[str, Any] = next(c for c in body["clocks"] if c["step"] == "feasibility")
            return found

        now = await bed.get(f"/requests/{ticket}/sla")
        then = await bed.get(f"/requests/{ticket}/sla", as_of=before)
        assert (now["calendar_version"], then["calendar_version"]) == (2, 1)
        assert feasibility(then)["state"] == feasibility(now)["state"] == "running"
        assert feasibility(now)["due"] > feasibility(then)["due"]
        assert feasibility(then)["calendar_version"] == 1
        calendar_then = await bed.get("/calendar", as_of=before)
        assert (calendar_then["version"], calendar_then["changes"]) == (1, [])
        assert (await bed.get("/calendar"))["version"] == 2
        gone = await bed.call("/calendar/versions/2", as_of=before)
        assert gone.status_code == 404


# --- the auditors' timeline from the log --------------------------------------------------------


async def test_the_auditors_see_every_event_of_a_ticket_from_the_log(
    story: tuple[Bed, Story],
) -> None:
    bed, s = story
    body = await bed.get(f"/audit/tickets/{s.ticket}/events")
    events = body["events"]
    timeline = (await bed.get(f"/requests/{s.ticket}/timeline"))["entries"]
    assert [e["position"] for e in events] == [e["position"] for e in timeline]
    assert [e["type"] for e in events] == [e["type"] for e in timeline]
    assert all(e["hash_valid"] and e["linked"] for e in events)
    async with bed.ctx.pool.acquire() as conn:
        stored = await conn.fetchrow(
            "SELECT hash, prev_hash, recorded_at, occurred_at, stream_id, stream_version"
            " FROM eventstore.events WHERE global_position = $1",
            s.by_kadis,
        )
    by_kadis = next(e for e in events if e["position"] == s.by_kadis)
    assert by_kadis["hash"] == bytes(stored["hash"]).hex()
    assert by_kadis["prev_hash"] == bytes(stored["prev_hash"]).hex()
    assert (by_kadis["stream_id"], by_kadis["stream_version"]) == (
        stored["stream_id"],
        stored["stream_version"],
    )
    assert datetime.fromisoformat(by_kadis["recorded_at"]) == stored["recorded_at"]
    assert datetime.fromisoformat(by_kadis["occurred_at"]) == stored["occurred_at"]
    assert by_kadis["actor"] == {
        "name": PLH.name,
        "role": "kadis",
        "nip": PLH.nip,
        "agency": None,
        "on_behalf_of_name": KADIS.name,
        "on_behalf_of_nip": KADIS.nip,
    }
    assert by_kadis["payload"]["stand_in"] == "plh"
    assert {e["stream_id"].split("-")[0] for e in events} == {
        "intake",
        "disposition",
        "integration",
        "reporting",
    }

    cut = await bed.call(f"/audit/tickets/{s.ticket}/events", as_of=s.assigned)
    assert cut.headers[POSITION] == str(s.assigned)
    assert cut.json()["events"] == [e for e in events if e["position"] <= s.assigned]
    assert cut.json()["log_position"] == s.assigned
    unknown = await bed.call(f"/audit/tickets/{new_ticket()}/events")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "request_not_found")
    before = await bed.call(f"/audit/tickets/{s.second}/events", as_of=s.second_submitted - 1)
    assert before.status_code == 404
    for role in (Role.PETUGAS, Role.PEMOHON, Role.KADIS):
        refused = await bed.call(f"/audit/tickets/{s.ticket}/events", role, agency=AGENCY)
        assert (refused.status_code, refused.json()["code"]) == (403, "role_not_allowed")
    assert (await bed.call(f"/audit/tickets/{s.ticket}/events", Role.ADMIN)).status_code == 200


async def test_a_tampered_event_shows_in_the_auditors_timeline(new_bed: NewBed) -> None:
    async with new_bed() as bed:
        ticket = new_ticket()
        at = datetime.now(UTC) - timedelta(minutes=5)
        await bed.history.submit(ticket, at)
        changed = await bed.history.dispose(ticket, Role.KADIS, at + timedelta(minutes=1))
        await bed.history.dispose(ticket, Role.KABID, at + timedelta(minutes=2))
        conn = await connect(bed.settings.database_url)  # the owner, as a tamperer would be
        try:
            await conn.execute("ALTER TABLE eventstore.events DISABLE TRIGGER USER")
            await conn.execute(
                "UPDATE eventstore.events SET payload = jsonb_set(payload, '{instruction}',"
                " '\"Tolak\"') WHERE global_position = $1",
                changed,
            )
            await conn.execute("ALTER TABLE eventstore.events ENABLE TRIGGER USER")
        finally:
            await conn.close()
        events = (await bed.get(f"/audit/tickets/{ticket}/events"))["events"]
        assert [(e["position"], e["hash_valid"], e["linked"]) for e in events] == [
            (changed - 1, True, True),
            (changed, False, True),
            (changed + 1, True, True),
        ]
        assert events[1]["payload"]["instruction"] == "Tolak"


# --- the copies behind the views ----------------------------------------------------------------


async def test_copies_are_built_once_per_position_and_the_least_recently_used_dropped(
    story: tuple[Bed, Story],
) -> None:
    bed, s = story

    snapshots = copies(bed, size=2, max_events=s.archived + s.assigned)

    async def status(position: int) -> str:
        async with snapshots.at(position) as conn:
            found: str = await conn.fetchval(
                "SELECT status FROM pg_temp.requests WHERE ticket_id = $1", s.ticket
            )
        return found

    try:
        assert await asyncio.gather(*(status(s.assigned) for _ in range(5))) == ["assigned"] * 5
        assert (snapshots.builds, snapshots.positions) == (1, [s.assigned])
        assert await status(s.by_kadis) == "in_disposition"
        assert await status(s.assigned) == "assigned"  # kept: no build
        assert (snapshots.builds, snapshots.positions) == (2, [s.by_kadis, s.assigned])
        assert await status(s.integrated) == "integrated"  # beyond 2 copies: by_kadis dropped
        assert snapshots.positions == [s.assigned, s.integrated]
        assert await status(s.archived) == "archived"  # beyond the events: both others dropped
        assert snapshots.positions == [s.archived]
        assert snapshots.builds == 4

        # A copy whose connection is lost (a database restart) is built again.
        async with snapshots.at(s.archived) as conn:
            pid = conn.get_server_pid()
        owner = await connect(bed.settings.database_url)
        try:
            assert await owner.fetchval("SELECT pg_terminate_backend($1)", pid)
        finally:
            await owner.close()
        with contextlib.suppress(Exception):
            await status(s.archived)  # the view that meets the loss fails (a 503 over HTTP)
        assert await status(s.archived) == "archived"
        assert snapshots.builds == 5
    finally:
        await snapshots.close()
    assert snapshots.positions == []


async def test_the_copies_kept_are_bounded_by_their_bytes_too(story: tuple[Bed, Story]) -> None:
    bed, s = story

    snapshots = copies(bed, size=10, max_events=10**9, max_bytes=1)
    try:
        async with snapshots.at(s.assigned):
            pass
        assert snapshots.positions == [s.assigned]  # the latest is always kept
        assert snapshots.size > 0
        async with snapshots.at(s.integrated):
            pass
        assert snapshots.positions == [s.integrated]  # beyond the bytes: the older one dropped
        assert snapshots.builds == 2
    finally:
        await snapshots.close()


async def test_a_person_asking_for_too_many_rebuilds_is_told_to_wait(new_bed: NewBed) -> None:
    async with new_bed(as_of_rebuilds_per_person=2, as_of_rebuild_window_seconds=600) as bed:
        h = bed.history
        ticket = new_ticket()
        start = datetime.now(UTC) - timedelta(minutes=10)
        first = await h.submit(ticket, start)
        second = await h.dispose(ticket, Role.KADIS, start + timedelta(minutes=1))
        third = await h.dispose(ticket, Role.KABID, start + timedelta(minutes=2))
        await bed.catch_up()
        path = f"/requests/{ticket}"

        assert (await bed.call(path, as_of=first)).status_code == 200
        assert (await bed.call(path, as_of=second)).status_code == 200
        refused = await bed.call(path, as_of=third)
        assert refused.status_code == 429
        body = refused.json()
        assert (body["code"], body["field"]) == ("too_many_rebuilds", "as_of")
        assert 0 < int(refused.headers["retry-after"]) <= 600
        # A kept position needs no rebuild: not counted, not refused.
        assert (await bed.call(path, as_of=first)).status_code == 200
        # Another person has their own count; the live view is never limited.
        assert (await bed.call(path, as_of=third, name="Auditor Lain")).status_code == 200
        assert (await bed.call(path)).status_code == 200


async def test_an_applicant_sees_only_their_agency_as_of_a_past_position(
    story: tuple[Bed, Story],
) -> None:
    bed, s = story
    mine = await bed.call(f"/requests/{s.ticket}", Role.PEMOHON, agency=AGENCY, as_of=s.assigned)
    assert mine.status_code == 200
    other = "Dinas Pariwisata"
    theirs = await bed.call(f"/requests/{s.ticket}", Role.PEMOHON, agency=other, as_of=s.assigned)
    assert (theirs.status_code, theirs.json()["code"]) == (404, "request_not_found")
    timeline = await bed.call(
        f"/requests/{s.ticket}/timeline", Role.PEMOHON, agency=other, as_of=s.assigned
    )
    assert timeline.status_code == 404
    listed = await bed.call("/requests", Role.PEMOHON, agency=other, as_of=s.archived)
    assert listed.json()["total"] == 0
    listed = await bed.call("/requests", Role.PEMOHON, agency=AGENCY, as_of=s.archived)
    assert {r["ticket_id"] for r in listed.json()["items"]} >= {s.ticket}


async def test_a_copy_starts_from_the_nearest_snapshot_and_equals_a_whole_rebuild(
    story: tuple[Bed, Story],
) -> None:
    bed, s = story

    snapped, whole = (
        copies(bed, size=4, max_events=10**9, snapshot_every=1, snapshots_kept=4),
        copies(bed, size=4, max_events=10**9),
    )
    try:
        async with snapped.at(s.assigned):
            pass  # kept as a snapshot: nothing nearer before it
        async with snapped.at(s.archived) as conn:
            from_snapshot = await digests(conn)
        async with whole.at(s.archived) as conn:
            rebuilt = await digests(conn)
        kept = await snapshot_positions(bed)
    finally:
        await snapped.close()
        await whole.close()
    assert snapped.started_from[s.archived] == s.assigned
    assert {s.assigned, s.archived} <= set(kept)
    assert from_snapshot == rebuilt
    assert rebuilt["timeline"].rows > 0


def copies(bed: Bed, **options: Any) -> Snapshots:
    """`as_of` copies made as the reporting service makes them, on its own role."""

    async def open_connection() -> asyncpg.Connection:
        return await connect(bed.settings.database_url, role=role_of("reporting"))

    return Snapshots(store=bed.ctx.store, connect=open_connection, **options)


async def digests(conn: asyncpg.Connection) -> dict[str, rebuild_db.Digest]:
    """Each projected table of a copy, digested for comparison."""
    async with conn.transaction():
        return {
            t: await rebuild_db.digest(conn, "pg_temp", t, names=await rebuild_db.columns(conn, t))
            for t in PROJECTED
        }


async def snapshot_positions(bed: Bed) -> list[int]:
    async with bed.ctx.pool.acquire() as conn:
        rows = await conn.fetch("SELECT position FROM reporting.as_of_snapshots ORDER BY 1")
    return [r[0] for r in rows]


async def test_a_snapshot_that_cannot_be_kept_leaves_the_view_whole(
    story: tuple[Bed, Story],
) -> None:
    bed, s = story

    snapshots = copies(
        bed,
        size=4,
        max_events=10**9,
        snapshot_every=1,
    )
    owner = await connect(bed.settings.database_url)
    grant = f"ON reporting.as_of_snapshot_tables TO {role_of('reporting')}"
    try:
        await owner.execute(f"REVOKE INSERT {grant.replace(' TO ', ' FROM ')}")
        async with snapshots.at(s.integrated) as conn:
            status = await conn.fetchval(
                "SELECT status FROM pg_temp.requests WHERE ticket_id = $1", s.ticket
            )
        assert status == "integrated"
        assert s.integrated not in await snapshot_positions(bed)
    finally:
        await owner.execute(f"GRANT INSERT {grant}")
        await owner.close()
        await snapshots.close()


async def test_copies_right_after_a_snapshot_and_right_before_the_next_equal_whole_rebuilds(
    story: tuple[Bed, Story],
) -> None:
    """The timeline and the SLA facts up to a snapshot are read where the snapshots share them;
    a copy one position after a snapshot, and one position before the next, is still exactly a
    rebuild from position 1."""
    bed, s = story

    assert s.assigned + 1 < s.archived - 1
    making = copies(bed, size=8, max_events=10**9, snapshot_every=1, snapshots_kept=8)
    try:
        async with making.at(s.assigned):
            pass
        async with making.at(s.archived):
            pass
    finally:
        await making.close()
    async with bed.ctx.pool.acquire() as conn:
        shared_upto = await conn.fetchval("SELECT upto FROM reporting.as_of_rows")
        shared = await conn.fetchval(
            "SELECT count(*) FROM reporting.as_of_timeline WHERE global_position <= $1",
            s.archived,
        )
    assert shared_upto >= s.archived
    assert shared > 0
    # No more snapshots: each copy starts from the nearest one kept above.
    kept = await snapshot_positions(bed)
    reading, whole = (
        copies(bed, size=8, max_events=10**9, snapshot_every=10**9),
        copies(bed, size=8, max_events=10**9),
    )
    try:
        for position in (s.assigned + 1, s.archived - 1):
            start = max(p for p in kept if p <= position)
            async with reading.at(position) as conn:
                from_snapshot = await digests(conn)
                kinds = dict(
                    await conn.fetch(
                        "SELECT c.relname, c.relkind::text FROM pg_class c WHERE c.relnamespace"
                        " = pg_my_temp_schema() AND c.relname IN ('timeline', 'sla_facts')"
                    )
                )
            async with whole.at(position) as conn:
                rebuilt = await digests(conn)
            assert reading.started_from[position] == start
            assert kinds == {"timeline": "v", "sla_facts": "v"}
            assert from_snapshot == rebuilt, position
            assert rebuilt["timeline"].rows > 0
    finally:
        await reading.close()
        await whole.close()


async def test_the_shared_rows_tables_have_the_live_tables_columns(
    story: tuple[Bed, Story],
) -> None:
    bed, _ = story
    described = (
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
        " WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
    )
    async with bed.ctx.pool.acquire() as conn:
        for table, shared in rebuild_db.SHARED.items():
            live = await conn.fetch(described, f"reporting.{table}")
            kept = await conn.fetch(described, f"reporting.{shared}")
            assert [tuple(r) for r in kept] == [tuple(r) for r in live]


async def test_shared_rows_of_other_rules_are_never_read_and_are_made_again(
    story: tuple[Bed, Story],
) -> None:
    """After the rules change (a new release), the rows the snapshots shared are of no use: no
    snapshot is started from, and the next one kept makes them again by the new rules."""
    bed, s = story

    async with bed.ctx.pool.acquire() as conn:
        await conn.execute("UPDATE reporting.as_of_rows SET rules = 'made by other rules'")
        await conn.execute("UPDATE reporting.as_of_timeline SET summary = 'stale'")
    made = copies(
        bed,
        size=4,
        max_events=10**9,
        snapshot_every=1,
        snapshots_kept=8,
    )
    try:
        async with made.at(s.reported):
            pass
        assert made.started_from[s.reported] == 0  # the snapshots' shared rows are not theirs
        async with made.at(s.archived) as conn:
            stale = await conn.fetchval(
                "SELECT count(*) FROM pg_temp.timeline WHERE summary = 'stale'"
            )
    finally:
        await made.close()
    assert made.started_from[s.archived] == s.reported
    assert stale == 0
    async with bed.ctx.pool.acquire() as conn:
        kept = await conn.fetchrow("SELECT rules, upto FROM reporting.as_of_rows")
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM reporting.as_of_timeline WHERE summary = 'stale'"
            )
            == 0
        )
    assert kept["rules"] != "made by other rules"
    assert kept["upto"] >= s.archived
