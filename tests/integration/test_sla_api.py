"""SLA clocks against real PostgreSQL: the calendar admin API, the views (JSON and CSV), the
warning task, and the SLA views equal after a rebuild of the projection from position 1.

Upstream facts are appended to their own streams and projected with the projection's `project()`,
in log order, as the `reporting-projection` consumer does. Every test that changes the calendar
or reads a month gets a database of its own. Times are WIB unless they end in Z.
"""

from __future__ import annotations

import contextlib
import csv
import io
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from penghubung.db import connect
from penghubung.events import Actor, Event, Role
from penghubung.events.catalog import (
    Outcome,
    ReportArchived,
    ReportWritten,
    RequestResubmitted,
    RequestReturned,
    RequestSubmitted,
)
from penghubung.events.sla import ClockPaused, PauseReason
from penghubung.runtime.service import ServiceContext
from penghubung.sop import Channel, Difficulty, Priority, Step
from penghubung.testing.beds import serving, without_consumers
from penghubung.testing.histories import (
    AGENCY,
    APPLICANT,
    KABID,
    KADIS,
    PETUGAS,
    PRAKOM,
    Histories,
    actor,
    analysis,
    form,
    new_ticket,
)
from penghubung.testing.upstream import Upstream
from penghubung.web.auth import mint_token
from reporting.bootstrap import build
from reporting.projections.projector import project
from reporting.settings import ReportingSettings
from reporting.sla.app.handlers import Sla

pytestmark = pytest.mark.integration

WIB = ZoneInfo("Asia/Jakarta")
TABLES = {
    "calendar_versions": "version",
    "sla_requests": "ticket_id",
    "sla_facts": "global_position",
    "sla_recalculations": "global_position",
    "sla_warnings": "global_position",
}
"""The SLA tables of the projection and their order."""


def wib(month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=WIB)


def iso(moment: datetime) -> str:
    """A WIB time as the views write it."""
    return moment.isoformat()


@dataclass
class Bed:
    """The reporting service on a database of its own, its clock stopped where a test says."""

    client: httpx.AsyncClient
    ctx: ServiceContext
    settings: ReportingSettings
    upstream: Upstream
    """Appends each category's events as its own service would (under its database role)."""

    def at(self, moment: datetime) -> None:
        """Stop the service's clock at `moment`."""
        self.ctx.clock = lambda: moment

    @property
    def sla(self) -> Sla:
        """The SLA use cases on this service's log and clock (the warning task's round)."""
        return Sla(
            store=self.ctx.store,
            clock=lambda: self.ctx.clock(),
            new_id=uuid.uuid4,
            capacity=self.settings.sla_daily_capacity,
            percents=self.settings.sla_warning_percents,
        )

    def auth(self, role: Role, *, agency: str | None = None) -> dict[str, str]:
        token = mint_token(self.settings, role=role, name=f"Pengguna {role.value}", agency=agency)
        return {"Authorization": f"Bearer {token}"}

    async def call(
        self, method: str, path: str, role: Role = Role.AUDITOR, **kwargs: Any
    ) -> httpx.Response:
        agency = kwargs.pop("agency", None)
        headers = {**self.auth(role, agency=agency), **kwargs.pop("headers", {})}
        return await self.client.request(method, path, headers=headers, **kwargs)

    async def get(self, path: str, role: Role = Role.AUDITOR, **params: Any) -> Any:
        response = await self.call("GET", path, role, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    async def csv(self, path: str, **params: Any) -> list[dict[str, str]]:
        response = await self.call("GET", path, params={**params, "format": "csv"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        return list(csv.DictReader(io.StringIO(response.text)))

    async def admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.call(method, path, Role.ADMIN, **kwargs)

    # --- the log ----------------------------------------------------------------------------

    @property
    def history(self) -> Histories:
        """The upstream services' facts of SOP histories."""
        return Histories(self.upstream)

    async def append(self, category: str, event: Event, *, by: Actor, at: datetime) -> None:
        await self.history.append(category, event, by=by, at=at)

    async def project(self) -> None:
        """Apply every position after the checkpoint, each in its own transaction."""
        async with self.ctx.pool.acquire() as conn:
            after: int = await conn.fetchval("SELECT position FROM reporting.checkpoint")
        async for envelope in self.ctx.store.read_all(after=after):
            async with self.ctx.pool.acquire() as conn, conn.transaction():
                assert (await project(conn, envelope, store=self.ctx.store)).applied

    # --- a request's history ----------------------------------------------------------------

    async def submit(
        self,
        received: datetime,
        *,
        ticket: str | None = None,
        agency: str = AGENCY,
        channel: Channel = Channel.PORTAL,
    ) -> str:
        ticket = ticket or new_ticket()
        event = RequestSubmitted(
            ticket_id=ticket,
            form=form(agency),
            channel=channel,
            received_at=received,
            registered_by=None if channel is Channel.PORTAL else PETUGAS,
            priority=Priority.P2,
        )
        await self.append("intake", event, by=actor(APPLICANT, Role.PEMOHON), at=received)
        return ticket

    async def dispose(self, ticket: str, by: Role, at: datetime) -> None:
        await self.history.dispose(ticket, by, at)

    async def chain(self, ticket: str, *times: datetime) -> None:
        await self.history.chain(ticket, *times)

    async def request(self, received: datetime, *times: datetime, agency: str = AGENCY) -> str:
        ticket = await self.submit(received, agency=agency)
        await self.chain(ticket, *times)
        return ticket

    async def analyse(
        self, ticket: str, at: datetime, difficulty: Difficulty = Difficulty.MEDIUM
    ) -> None:
        event = analysis(
            ticket,
            feasible=True,
            difficulty=difficulty,
            description="Aplikasi puskesmas",
            recommendations=(),
        )
        await self.append("integration", event, by=actor(PETUGAS, Role.PETUGAS), at=at)

    async def pause(self, ticket: str, step: Step, at: datetime, reason: PauseReason) -> None:
        event = ClockPaused(ticket_id=ticket, step=step, reason=reason)
        await self.append("integration", event, by=actor(PETUGAS, Role.PETUGAS), at=at)

    async def resume(self, ticket: str, step: Step, at: datetime) -> None:
        await self.history.resume(ticket, step, at)

    async def finish(
        self, ticket: str, integrated: datetime, report: datetime, archive: datetime
    ) -> None:
        await self.history.integrate(ticket, integrated)
        written = ReportWritten(ticket_id=ticket, outcome=Outcome.INTEGRATED, summary="Laporan")
        await self.append("reporting", written, by=Actor.system("reporting"), at=report)
        archived = ReportArchived(
            ticket_id=ticket,
            agenda_year=2026,
            agenda_number=random.randrange(1, 10**6),
            agenda_code=f"{random.randrange(1, 10**6):03d}/AG-LIA/SC-05/DISKOMINFO/2026",
            report_ref="laporan.pdf",
        )
        await self.append("reporting", archived, by=actor(PETUGAS, Role.PETUGAS), at=archive)

    async def clocks(self, ticket: str) -> dict[str, dict[str, Any]]:
        body = await self.get(f"/requests/{ticket}/sla")
        return {c["step"]: c for c in body["clocks"]}


NewBed = Callable[..., contextlib.AbstractAsyncContextManager[Bed]]


@pytest.fixture(scope="module")
def new_bed(new_database: Callable[[], Awaitable[str]], nats_url: str, run_id: str) -> NewBed:
    """A reporting service on a fresh database (settings overridable), without its tasks."""

    @contextlib.asynccontextmanager
    async def make(database_url: str | None = None, **overrides: Any) -> AsyncIterator[Bed]:
        settings = ReportingSettings(
            database_url=database_url or await new_database(),
            nats_url=nats_url,
            relay_enabled=False,
            stream_name=f"SLA_{run_id}",
            subject_prefix=f"t{run_id}.sla",
            sla_warnings_enabled=False,
            **overrides,
        )
        served = serving("reporting", settings, without_consumers(build))
        async with served as (client, ctx, others):
            yield Bed(client=client, ctx=ctx, settings=settings, upstream=others)

    return make


@pytest.fixture
async def bed(new_bed: NewBed) -> AsyncIterator[Bed]:
    """A database of the test's own (it changes the calendar or reads a whole month)."""
    async with new_bed() as made:
        yield made


@pytest.fixture(scope="module")
async def shared(new_bed: NewBed) -> AsyncIterator[Bed]:
    """One database for the tests that change nothing (refusals, bad input, tokens)."""
    async with new_bed() as made:
        yield made


def answer(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


# --- the calendar, administered ----------------------------------------------------------------


async def test_an_admin_adds_lists_and_removes_days_off_each_a_new_version(bed: Bed) -> None:
    added = answer(
        await bed.admin(
            "POST", "/calendar/days-off", json={"day": "2026-07-08", "name": "Hari Jadi Provinsi"}
        ),
        201,
    )
    assert added["version"] == 2
    assert added["type"] == "CalendarDayOffAdded"
    assert added["change"] == {"version": 2, "day": "2026-07-08", "name": "Hari Jadi Provinsi"}
    assert added["changed_by"]["name"] == "Pengguna admin"

    ramadan = {
        "first_day": "2026-02-19",
        "last_day": "2026-03-19",
        "closing": "15:00:00",
        "friday_closing": "15:30:00",
        "name": "Ramadan 1447 H",
    }
    reduced = answer(await bed.admin("POST", "/calendar/reduced-hours", json=ramadan), 201)
    assert (reduced["version"], reduced["change"]["opening"]) == (3, "08:00:00")
    removed = answer(
        await bed.admin(
            "DELETE", "/calendar/days-off/2026-05-15", params={"reason": "Kantor tetap buka"}
        ),
        200,
    )
    assert (removed["version"], removed["type"]) == (4, "CalendarDayOffRemoved")

    calendar = await bed.get("/calendar", Role.PEMOHON, agency=AGENCY)
    assert calendar["version"] == 4
    assert [c["version"] for c in calendar["changes"]] == [2, 3, 4]
    assert calendar["spec"]["added_days_off"] == [
        {"day": "2026-07-08", "name": "Hari Jadi Provinsi"}
    ]
    assert calendar["spec"]["removed_days_off"] == ["2026-05-15"]

    days = await bed.get("/calendar/days-off", year=2026)
    listed = {d["day"]: (d["name"], d["source"]) for d in days["days_off"]}
    assert listed["2026-07-08"] == ("Hari Jadi Provinsi", "admin")
    assert listed["2026-03-20"] == ("Cuti Bersama Hari Raya Idul Fitri", "nasional")
    assert "2026-03-21" not in listed  # a Saturday: outside the service week anyway
    assert "2026-05-15" not in listed
    assert days["reopened"] == ["2026-05-15"]
    before = await bed.get("/calendar/days-off", year=2026, version=1)
    assert "2026-05-15" in {d["day"] for d in before["days_off"]}
    assert "2026-07-08" not in {d["day"] for d in before["days_off"]}

    assert (await bed.get("/calendar/versions/1"))["added_days_off"] == []
    assert len((await bed.get("/calendar/versions/3"))["reduced_hours"]) == 1
    missing = await bed.call("GET", "/calendar/versions/9")
    assert answer(missing, 404)["code"] == "calendar_version_not_found"

    await bed.project()
    async with bed.ctx.pool.acquire() as conn:
        versions = await conn.fetch("SELECT version, change_type FROM reporting.calendar_versions")
    assert [(v["version"], v["change_type"]) for v in versions] == [
        (1, None),
        (2, "CalendarDayOffAdded"),
        (3, "CalendarHoursReduced"),
        (4, "CalendarDayOffRemoved"),
    ]


async def test_a_change_the_calendar_refuses_is_a_conflict_and_writes_nothing(bed: Bed) -> None:
    day_off = {"day": "2026-07-08", "name": "Hari Jadi Provinsi"}
    answer(await bed.admin("POST", "/calendar/days-off", json=day_off), 201)
    again = answer(await bed.admin("POST", "/calendar/days-off", json=day_off), 409)
    assert (again["code"], again["field"]) == ("already_day_off", "day")
    holiday = {"day": "2026-03-20", "name": "Libur"}
    assert answer(await bed.admin("POST", "/calendar/days-off", json=holiday), 409)["code"] == (
        "already_day_off"
    )
    saturday = {"day": "2026-07-11", "name": "Libur"}
    assert answer(await bed.admin("POST", "/calendar/days-off", json=saturday), 409)["code"] == (
        "weekend"
    )
    working = await bed.admin("DELETE", "/calendar/days-off/2026-07-09", params={"reason": "x"})
    assert answer(working, 409)["code"] == "not_a_day_off"
    assert (await bed.get("/calendar"))["version"] == 2


@pytest.mark.parametrize(
    "role", [Role.KADIS, Role.KABID, Role.PRAKOM, Role.PETUGAS, Role.AUDITOR, Role.PEMOHON]
)
async def test_only_an_admin_changes_the_calendar_or_recalculates(shared: Bed, role: Role) -> None:
    for method, path, kwargs in (
        ("POST", "/calendar/days-off", {"json": {"day": "2026-07-08", "name": "x"}}),
        ("DELETE", "/calendar/days-off/2026-05-15", {"params": {"reason": "x"}}),
        (
            "POST",
            "/calendar/reduced-hours",
            {
                "json": {
                    "first_day": "2026-02-19",
                    "last_day": "2026-03-19",
                    "closing": "15:00",
                    "name": "x",
                }
            },
        ),
        ("POST", "/sla/recalculations", {"json": {"scope": "all", "reason": "x"}}),
    ):
        response = await shared.call(method, path, role, agency=AGENCY, **kwargs)
        assert answer(response, 403)["code"] == "role_not_allowed", path
    assert (await shared.get("/calendar"))["version"] == 1


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "field"),
    [
        ("POST", "/calendar/days-off", {"json": {"day": "2026-13-01", "name": "x"}}, "day"),
        ("POST", "/calendar/days-off", {"json": {"day": "2026-07-08"}}, "name"),
        ("POST", "/calendar/days-off", {"json": {"day": "2026-07-08", "name": " "}}, "name"),
        ("POST", "/calendar/days-off", {"json": {"day": "2026-07-08", "name": "x", "x": 1}}, "x"),
        (
            "POST",
            "/calendar/reduced-hours",
            {
                "json": {
                    "first_day": "2026-03-19",
                    "last_day": "2026-02-19",
                    "closing": "15:00",
                    "name": "x",
                }
            },
            "last_day",
        ),
        (
            "POST",
            "/calendar/reduced-hours",
            {
                "json": {
                    "first_day": "2026-02-19",
                    "last_day": "2026-03-19",
                    "closing": "07:00",
                    "name": "x",
                }
            },
            "closing",
        ),
        (
            "POST",
            "/calendar/reduced-hours",
            {
                "json": {
                    "first_day": "2026-02-19",
                    "last_day": "2026-03-19",
                    "closing": "15:00",
                    "friday_closing": "25:00",
                    "name": "x",
                }
            },
            "friday_closing",
        ),
        ("DELETE", "/calendar/days-off/2026-07-08", {}, "reason"),
        ("DELETE", "/calendar/days-off/kemarin", {"params": {"reason": "x"}}, "day"),
        ("POST", "/sla/recalculations", {"json": {"scope": "month", "reason": "x"}}, "month"),
        ("POST", "/sla/recalculations", {"json": {"scope": "ticket", "reason": "x"}}, "ticket_id"),
        (
            "POST",
            "/sla/recalculations",
            {"json": {"scope": "month", "month": "2026-3", "reason": "x"}},
            "month",
        ),
        ("POST", "/sla/recalculations", {"json": {"scope": "all"}}, "reason"),
        ("POST", "/sla/recalculations", {"json": {"scope": "year", "reason": "x"}}, "scope"),
    ],
)
async def test_a_bad_change_names_the_field(
    shared: Bed, method: str, path: str, kwargs: dict[str, Any], field: str
) -> None:
    body = answer(await shared.admin(method, path, **kwargs), 422)
    assert body["field"] == field
    assert body["message"].startswith(f"{field}: ")
    assert (await shared.get("/calendar"))["version"] == 1


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/sla/compliance", {"month": "2026-3"}, "month"),
        ("/sla/compliance", {"month": "2026-07", "by": "role"}, "by"),
        ("/sla/breaches", {"month": "26-07"}, "month"),
        ("/sla/disposition-times", {"month": "2026-00"}, "month"),
        ("/sla/availability", {"month": "2026-07", "format": "xml"}, "format"),
        ("/calendar/days-off", {"year": "1999"}, "year"),
        ("/requests/SC05-2026-1/sla", {}, "ticket_id"),
    ],
)
async def test_a_bad_query_names_the_field(
    shared: Bed, path: str, params: dict[str, str], field: str
) -> None:
    assert answer(await shared.call("GET", path, params=params), 422)["field"] == field


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/calendar"),
        ("GET", "/calendar/days-off?year=2026"),
        ("GET", "/calendar/versions/1"),
        ("POST", "/calendar/days-off"),
        ("DELETE", "/calendar/days-off/2026-07-08?reason=x"),
        ("POST", "/calendar/reduced-hours"),
        ("POST", "/sla/recalculations"),
        ("GET", "/requests/SC05-2026-00001/sla"),
        ("GET", "/sla/compliance"),
        ("GET", "/sla/breaches"),
        ("GET", "/sla/disposition-times"),
        ("GET", "/sla/availability"),
    ],
)
async def test_every_sla_endpoint_needs_a_valid_token(shared: Bed, method: str, path: str) -> None:
    assert answer(await shared.client.request(method, path), 401)["code"] == "token_missing"


# --- one request's clocks ----------------------------------------------------------------------


async def test_a_requests_clocks_with_a_pause_in_json_and_csv(bed: Bed) -> None:
    ticket = await bed.request(wib(7, 6, 8), wib(7, 6, 8, 10), wib(7, 6, 8, 20), wib(7, 6, 8, 30))
    await bed.pause(ticket, Step.FEASIBILITY, wib(7, 8, 14), PauseReason.AGENCY_DOCUMENTS)
    await bed.resume(ticket, Step.FEASIBILITY, wib(7, 9, 10))
    await bed.project()
    bed.at(wib(7, 9, 12))

    body = await bed.get(f"/requests/{ticket}/sla")
    assert (body["status"], body["current_step"], body["calendar_version"]) == (
        "assigned",
        "feasibility",
        1,
    )
    # Who holds it since when: the petugas ordered by the prakom at 08:30 WIB (01:30Z).
    assert body["holder"] == {
        "role": "petugas",
        "officer": PETUGAS.model_dump(),
        "since": "2026-07-06T08:30:00+07:00",
    }
    assert body["measured_at"] == iso(wib(7, 9, 12))
    clocks = {c["step"]: c for c in body["clocks"]}
    assert list(clocks) == [
        "submit",
        "dispose_kabid",
        "dispose_prakom",
        "dispose_petugas",
        "feasibility",
    ]
    # The portal registers at once; each disposition took 10 min of its 30/15/15.
    assert (clocks["submit"]["state"], clocks["submit"]["used_seconds"]) == ("met", 0)
    kadis = clocks["dispose_kabid"]
    assert (kadis["start"], kadis["due"], kadis["end"]) == (
        iso(wib(7, 6, 8)),
        iso(wib(7, 6, 8, 30)),
        iso(wib(7, 6, 8, 10)),
    )
    assert (kadis["used_seconds"], kadis["state"], kadis["judged"]) == (600, "met", True)
    assert kadis["officer"] == KADIS.model_dump()
    assert clocks["dispose_prakom"]["due"] == iso(wib(7, 6, 8, 25))  # 08:10 + 15 min
    # Feasibility ("sedang" assumed, 4 days) from Mon 08:30: due Fri 07-10 16:00 without the
    # pause; budget Mon 7.5 h + 4 × 8 h = 39.5 h. Paused Wed 14:00 → Thu 10:00 (2 h + 2 h):
    # due Mon 07-13 12:00. Used: Mon 7.5 + Tue 8 + Wed 6 + Thu 2 = 23.5 h; 16 h remain.
    feasibility = clocks["feasibility"]
    assert {
        k: feasibility[k]
        for k in (
            "start",
            "due",
            "end",
            "used_seconds",
            "paused_seconds",
            "budget_seconds",
            "remaining_seconds",
            "state",
            "standard_assumed",
            "judged",
        )
    } == {
        "start": iso(wib(7, 6, 8, 30)),
        "due": iso(wib(7, 13, 12)),
        "end": None,
        "used_seconds": 84600,
        "paused_seconds": 14400,
        "budget_seconds": 142200,
        "remaining_seconds": 57600,
        "state": "running",
        "standard_assumed": True,
        "judged": False,
    }
    assert feasibility["standard"] == {"minutes": None, "days": 4, "label": "4 hari kerja"}
    assert feasibility["pauses"] == [
        {
            "reason": "agency_documents",
            "reason_label": "menunggu dokumen dari perangkat daerah",
            "start": iso(wib(7, 8, 14)),
            "end": iso(wib(7, 9, 10)),
            "working_seconds": 14400,
            "note": None,
        }
    ]

    rows = await bed.csv(f"/requests/{ticket}/sla")
    assert [r["step"] for r in rows] == list(clocks)
    assert rows[-1]["due"] == iso(wib(7, 13, 12))
    assert (rows[-1]["used_seconds"], rows[-1]["paused_seconds"], rows[-1]["state"]) == (
        "84600",
        "14400",
        "running",
    )
    by_accept = await bed.call("GET", f"/requests/{ticket}/sla", headers={"Accept": "text/csv"})
    assert by_accept.headers["content-disposition"] == f'attachment; filename="sla-{ticket}.csv"'
    assert by_accept.text.splitlines()[0].startswith("ticket_id,step,state,start,due,end")

    # The pause and the resumption are in the timeline, in words.
    timeline = await bed.get(f"/requests/{ticket}/timeline")
    assert [e["summary"] for e in timeline["entries"]][-2:] == [
        "Jam layanan analisis kelayakan dijeda (menunggu dokumen dari perangkat daerah)",
        "Jam layanan analisis kelayakan berjalan kembali",
    ]


async def test_an_applicant_sees_only_their_own_agencys_clocks(bed: Bed) -> None:
    ticket = await bed.request(wib(7, 6, 8), wib(7, 6, 8, 10))
    await bed.project()
    own = await bed.call("GET", f"/requests/{ticket}/sla", Role.PEMOHON, agency=AGENCY.upper())
    assert answer(own, 200)["ticket_id"] == ticket
    other = await bed.call("GET", f"/requests/{ticket}/sla", Role.PEMOHON, agency="Dinas Lain")
    assert answer(other, 404)["code"] == "request_not_found"
    none = await bed.call("GET", f"/requests/{ticket}/sla", Role.PEMOHON)
    assert answer(none, 403)["code"] == "agency_missing"
    unknown = await bed.call("GET", f"/requests/{new_ticket()}/sla")
    assert answer(unknown, 404)["code"] == "request_not_found"
    for path in ("/sla/compliance", "/sla/breaches", "/sla/disposition-times", "/sla/availability"):
        refused = await bed.call("GET", path, Role.PEMOHON, agency=AGENCY)
        assert answer(refused, 403)["code"] == "role_not_allowed"


async def test_an_added_holiday_moves_a_running_due_time_and_a_recalculation_rejudges(
    bed: Bed,
) -> None:
    running = await bed.request(wib(7, 6, 8), wib(7, 6, 8, 10), wib(7, 6, 9), wib(7, 6, 10))
    finished = await bed.request(wib(7, 6, 8), wib(7, 6, 8, 10), wib(7, 6, 9), wib(7, 6, 10))
    await bed.analyse(finished, wib(7, 9, 15), Difficulty.LOW)
    await bed.project()
    bed.at(wib(7, 9, 15, 30))
    # Feasibility ("sedang" assumed) from Mon 07-06 10:00: Tue, Wed, Thu, Fri → 07-10 16:00.
    before = (await bed.clocks(running))["feasibility"]
    assert (before["due"], before["calendar_version"]) == (iso(wib(7, 10, 16)), 1)

    day_off = {"day": "2026-07-08", "name": "Hari Jadi Provinsi"}
    answer(await bed.admin("POST", "/calendar/days-off", json=day_off), 201)
    await bed.project()
    # Wednesday is off now: Tue, Thu, Fri, Mon → due Mon 07-13 16:00, on version 2; used Mon 6
    # h + Tue 8 h + Thu 7.5 h = 21.5 h.
    after = (await bed.clocks(running))["feasibility"]
    assert (after["due"], after["calendar_version"], after["used_seconds"]) == (
        iso(wib(7, 13, 16)),
        2,
        77400,
    )
    # The analysis (rendah, 3 days) that ended Thu 15:00 was judged on version 1 and keeps it:
    # used Mon 6 + Tue 8 + Wed 8 + Thu 7 = 29 h, due Thu 07-09 16:00, met.
    judged = (await bed.clocks(finished))["feasibility"]
    assert (judged["calendar_version"], judged["used_seconds"], judged["due"], judged["state"]) == (
        1,
        104400,
        iso(wib(7, 9, 16)),
        "met",
    )

    recalculation = {"scope": "ticket", "ticket_id": finished, "reason": "Hari Jadi Provinsi"}
    event = answer(await bed.admin("POST", "/sla/recalculations", json=recalculation), 201)
    assert event == {
        "calendar_version": 2,
        "scope": "ticket",
        "month": None,
        "ticket_id": finished,
        "reason": "Hari Jadi Provinsi",
    }
    await bed.project()
    # Judged again on version 2: Wednesday counts nothing, 21 h used, due Fri 07-10 16:00.
    again = (await bed.clocks(finished))["feasibility"]
    assert (again["calendar_version"], again["used_seconds"], again["due"]) == (
        2,
        75600,
        iso(wib(7, 10, 16)),
    )
    # The other request's finished dispositions are not in the recalculation's scope.
    assert (await bed.clocks(running))["dispose_kabid"]["calendar_version"] == 1


async def test_overload_starts_the_clocks_of_a_request_beyond_capacity_the_next_day(
    new_bed: NewBed,
) -> None:
    async with new_bed(sla_daily_capacity=2) as bed:
        # Three requests on Mon 08-03 (the 1st, 2nd and 3rd of the day), and one on Saturday
        # 08-08, whose intake day is Monday 08-10.
        tickets = [await bed.submit(wib(8, 3, 9, n)) for n in range(3)]
        await bed.project()
        bed.at(wib(8, 3, 10))
        first = await bed.get(f"/requests/{tickets[0]}/sla")
        third = await bed.get(f"/requests/{tickets[2]}/sla")
        assert (first["overloaded"], third["overloaded"]) == (False, True)
        assert first["intake_day"] == third["intake_day"] == "2026-08-03"
        # The third starts at the next working day's opening, Tue 08:00, due 08:30.
        kadis = {c["step"]: c for c in third["clocks"]}["dispose_kabid"]
        assert (kadis["start"], kadis["due"], kadis["overloaded"], kadis["state"]) == (
            iso(wib(8, 4, 8)),
            iso(wib(8, 4, 8, 30)),
            True,
            "running",
        )
        assert {c["step"]: c for c in first["clocks"]}["dispose_kabid"]["due"] == iso(
            wib(8, 3, 9, 30)
        )


# --- monthly figures ----------------------------------------------------------------------------


async def test_the_monthly_figures_in_json_and_csv(bed: Bed) -> None:
    # A (Kesehatan) Mon 09-07: kadis 10 min (met), kabid 30 of 15 min (late), prakom 5 min;
    # B (Pendidikan) Tue 09-08: kadis 45 of 30 min (late), kabid 5, prakom 10 min. Both
    # feasibility clocks ("sedang" assumed) run past their due times (Fri 09-11, Mon 09-14).
    a = await bed.request(wib(9, 7, 9), wib(9, 7, 9, 10), wib(9, 7, 9, 40), wib(9, 7, 9, 45))
    b = await bed.request(
        wib(9, 8, 9), wib(9, 8, 9, 45), wib(9, 8, 9, 50), wib(9, 8, 10), agency="Dinas Pendidikan"
    )
    await bed.project()
    bed.at(wib(9, 30, 12))

    by_step = await bed.get("/sla/compliance", month="2026-09")
    assert [
        (x["key"], x["met"], x["breached"], x["compliance_percent"]) for x in by_step["lines"]
    ] == [
        ("submit", 2, 0, "100.00"),
        ("dispose_kabid", 1, 1, "50.00"),
        ("dispose_prakom", 1, 1, "50.00"),
        ("dispose_petugas", 2, 0, "100.00"),
        ("feasibility", 0, 2, "0.00"),
    ]
    assert by_step["total"] == {
        "key": "total",
        "label": "semua",
        "met": 6,
        "breached": 4,
        "total": 10,
        "compliance_percent": "60.00",
        "taken_over": 0,
        "handed_on": 0,
    }
    by_agency = await bed.get("/sla/compliance", month="2026-09", by="agency")
    assert [(x["key"], x["met"], x["breached"]) for x in by_agency["lines"]] == [
        ("Dinas Kesehatan", 3, 2),
        ("Dinas Pendidikan", 3, 2),
    ]
    by_officer = await bed.get("/sla/compliance", month="2026-09", by="officer")
    assert [(x["key"], x["met"], x["breached"]) for x in by_officer["lines"]] == [
        (KADIS.nip, 1, 1),
        (KABID.nip, 1, 1),
        (PRAKOM.nip, 2, 0),
        (PETUGAS.nip, 0, 2),
        ("office", 2, 0),  # portal submissions: registered by the system, not a person
    ]
    assert (await bed.get("/sla/compliance", month="2026-08"))["lines"] == []
    rows = await bed.csv("/sla/compliance", month="2026-09", by="step")
    assert [(r["key"], r["percent"]) for r in rows][-2:] == [
        ("feasibility", "0.00"),
        ("total", "60.00"),
    ]

    breaches = (await bed.get("/sla/breaches", month="2026-09"))["breaches"]
    found = sorted((x["ticket_id"], x["clock"]["step"]) for x in breaches)
    assert found == sorted(
        [(a, "dispose_prakom"), (a, "feasibility"), (b, "dispose_kabid"), (b, "feasibility")]
    )
    late = next(x for x in breaches if x["clock"]["step"] == "dispose_prakom")
    assert late["agency"] == AGENCY
    assert late["reasons"] == [
        {
            "code": "late",
            "message": "melewati baku mutu 15 menit kerja sebesar 15 menit waktu kerja",
        }
    ]
    rows = await bed.csv("/sla/breaches", month="2026-09")
    assert sorted((r["ticket_id"], r["step"]) for r in rows) == found
    # A's feasibility: due Fri 09-11 16:00 on a budget of Mon 6 h 15 min + 4 × 8 h = 38 h 15 min;
    # by Wed 09-30 12:00 it used Mon 6 h 15 min + 16 working days (09-08 … 09-29) + 4 h
    # = 138 h 15 min: 100 h over.
    row = next(r for r in rows if (r["ticket_id"], r["step"]) == (a, "feasibility"))
    assert row["reasons"] == (
        "belum selesai dan sudah melewati baku mutu 4 hari kerja sebesar 100 jam; tingkat"
        " kesulitan belum diketahui; baku mutu tingkat sedang dipakai"
    )
    assert (row["due"], row["overdue_seconds"], row["end"]) == (iso(wib(9, 11, 16)), "360000", "")

    times = (await bed.get("/sla/disposition-times", month="2026-09"))["echelons"]
    assert [
        (
            t["role"],
            t["count"],
            t["mean_seconds"],
            t["median_seconds"],
            t["max_seconds"],
            t["breached"],
        )
        for t in times
    ] == [
        ("kadis", 2, 1650, 600, 2700, 1),
        ("kabid", 2, 1050, 300, 1800, 1),
        ("prakom", 2, 450, 300, 600, 0),
    ]
    rows = await bed.csv("/sla/disposition-times", month="2026-09")
    assert [(r["echelon"], r["mean_seconds"]) for r in rows] == [
        ("Kepala Dinas (eselon II)", "1650"),
        ("Kepala Bidang (eselon III)", "1050"),
        ("Pranata Komputer (jabatan fungsional)", "450"),
    ]


async def test_the_breach_list_has_no_row_cap(bed: Bed) -> None:
    # 250 requests (more than one batch of 200) whose kadis never disposed: each kadis clock
    # (30 min from 09:00) is breached at 09:30 on Thu 10-01.
    for n in range(250):
        await bed.submit(wib(10, 1, 9, 0, n % 60))
    await bed.project()
    bed.at(wib(10, 30, 9))
    rows = await bed.csv("/sla/breaches", month="2026-10")
    assert len(rows) == 250
    assert {r["step"] for r in rows} == {"dispose_kabid"}
    assert len((await bed.get("/sla/breaches", month="2026-10"))["breaches"]) == 250
    compliance = await bed.get("/sla/compliance", month="2026-10")
    assert compliance["total"]["breached"] == 250
    assert compliance["total"]["met"] == 250  # the 250 portal submissions


# --- warnings ----------------------------------------------------------------------------------


async def test_warnings_are_raised_once_and_only_in_service_hours(bed: Bed) -> None:
    ticket = await bed.submit(wib(10, 6, 15, 30))
    await bed.project()
    # 50 % at 15:45, 75 % at 15:52:30, 100 % exactly at 16:00 (closing).
    bed.at(wib(10, 6, 16, 5))
    assert await bed.sla.raise_warnings() == 0  # closed
    bed.at(wib(10, 7, 8))
    assert await bed.sla.raise_warnings() == 3  # the next opening
    assert await bed.sla.raise_warnings() == 0  # not yet projected: the stream says they exist
    stream = (await bed.ctx.store.read_stream(f"reporting-{ticket}")).events
    assert [(e.event.threshold_percent, e.event.reached_at) for e in stream] == [  # type: ignore[attr-defined]
        (50, wib(10, 6, 15, 45)),
        (75, wib(10, 6, 15, 52, 30)),
        (100, wib(10, 6, 16)),
    ]
    assert {(e.actor.name, e.occurred_at, e.correlation_id) for e in stream} == {
        ("reporting-sla", wib(10, 7, 8), ticket)
    }
    await bed.project()
    bed.at(wib(10, 7, 9))
    assert await bed.sla.raise_warnings() == 0
    async with bed.ctx.pool.acquire() as conn:
        count = await conn.fetchval(
            "SELECT count(*) FROM reporting.sla_warnings WHERE ticket_id = $1", ticket
        )
    assert count == 3
    timeline = await bed.get(f"/requests/{ticket}/timeline")
    assert timeline["entries"][-1]["summary"] == (
        "Peringatan SLA: disposisi Kepala Dinas ke Kabid telah memakai 100% baku mutu;"
        " batas waktu 06-10-2026 16:00 WIB"
    )


# --- rebuild --------------------------------------------------------------------------------------


async def test_the_sla_views_are_equal_after_a_rebuild_from_position_one(
    bed: Bed, new_bed: NewBed, new_database: Callable[[], Awaitable[str]]
) -> None:
    """An auditor's replay: every SLA table and every SLA view is the same."""
    # A varied history: calendar changes, a return and a resubmission, a pause, a finished
    # request, a recalculation and warnings.
    answer(
        await bed.admin(
            "POST", "/calendar/days-off", json={"day": "2026-07-08", "name": "Hari Jadi"}
        ),
        201,
    )
    done = await bed.request(wib(7, 1, 9), wib(7, 1, 9, 5), wib(7, 1, 9, 10), wib(7, 1, 9, 20))
    await bed.analyse(done, wib(7, 3, 10), Difficulty.LOW)
    await bed.finish(done, wib(7, 10, 10), wib(7, 10, 10, 1), wib(7, 10, 11))
    returned = await bed.submit(wib(7, 6, 9), agency="Dinas Pendidikan", channel=Channel.LETTER)
    await bed.dispose(returned, Role.KADIS, wib(7, 6, 9, 10))
    await bed.append(
        "disposition",
        RequestReturned(
            ticket_id=returned, step=Step.DISPOSE_PRAKOM, reasons=("Surat belum ditandatangani",)
        ),
        by=actor(KABID, Role.KABID),
        at=wib(7, 6, 9, 20),
    )
    await bed.append(
        "intake",
        RequestResubmitted(
            ticket_id=returned,
            form=form("Dinas Pendidikan"),
            channel=Channel.PORTAL,
            received_at=wib(7, 9, 10),
            priority=Priority.P2,
            resubmission=1,
            answer="Surat sudah ditandatangani",
        ),
        by=actor(APPLICANT, Role.PEMOHON),
        at=wib(7, 9, 10),
    )
    await bed.chain(returned, wib(7, 9, 10, 5), wib(7, 9, 10, 15), wib(7, 9, 10, 20))
    await bed.pause(returned, Step.FEASIBILITY, wib(7, 10, 14), PauseReason.IP_ALLOCATION)
    await bed.submit(wib(7, 13, 15, 30))
    await bed.project()
    answer(
        await bed.admin(
            "POST",
            "/sla/recalculations",
            json={"scope": "month", "month": "2026-07", "reason": "Hari Jadi"},
        ),
        201,
    )
    bed.at(wib(7, 14, 9))
    assert await bed.sla.raise_warnings() > 0
    answer(
        await bed.admin(
            "POST",
            "/calendar/reduced-hours",
            json={
                "first_day": "2026-07-20",
                "last_day": "2026-07-24",
                "closing": "15:00",
                "name": "x",
            },
        ),
        201,
    )
    await bed.project()
    head = await bed.ctx.store.head()

    replica_url = await new_database()
    replica = await connect(replica_url)
    try:
        async for envelope in bed.ctx.store.read_all():
            async with replica.transaction():
                assert (await project(replica, envelope, store=bed.ctx.store)).applied
        assert await replica.fetchval("SELECT position FROM reporting.checkpoint") == head
        for table, order in TABLES.items():
            sql = f"SELECT * FROM reporting.{table} ORDER BY {order}"
            async with bed.ctx.pool.acquire() as live:
                expected = [dict(r) for r in await live.fetch(sql)]
            assert [dict(r) for r in await replica.fetch(sql)] == expected, table
    finally:
        await replica.close()

    tickets = [done, returned]
    views = [f"/requests/{t}/sla" for t in tickets] + [
        "/sla/compliance?month=2026-07&by=step",
        "/sla/compliance?month=2026-07&by=agency",
        "/sla/compliance?month=2026-07&by=officer",
        "/sla/breaches?month=2026-07",
        "/sla/disposition-times?month=2026-07",
    ]
    async with new_bed(database_url=replica_url) as rebuilt:
        for moment in (wib(7, 14, 9), wib(7, 31, 12)):
            bed.at(moment)
            rebuilt.at(moment)
            for path in views:
                live = await bed.call("GET", path)
                again = await rebuilt.call("GET", path)
                assert answer(again, 200) == answer(live, 200), path
                live_csv = await bed.call("GET", path, params={"format": "csv"})
                again_csv = await rebuilt.call("GET", path, params={"format": "csv"})
                assert again_csv.text == live_csv.text, path
        assert (await bed.get(f"/requests/{returned}/sla"))["clocks"]  # not trivially empty
