"""The calendar asked "what if", against real PostgreSQL: decreed working days through the admin
API and the projection, the calculator, and the simulator — whose answer is what the clocks show
once the change is really made, and which writes nothing.

Upstream facts are appended to their own streams and projected with the projection's `project()`,
in log order. Times are WIB.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from penghubung.events import Actor, Role
from penghubung.events.catalog import Outcome, ReportArchived, ReportWritten
from penghubung.events.sla import CALENDAR_STREAM
from penghubung.runtime.service import ServiceContext
from penghubung.sop import Difficulty
from penghubung.testing.beds import serving, without_consumers
from penghubung.testing.histories import AGENCY, PETUGAS, Histories, actor, new_ticket
from penghubung.testing.upstream import Upstream
from penghubung.web.auth import mint_token
from reporting.bootstrap import build
from reporting.projections.projector import project
from reporting.settings import ReportingSettings

pytestmark = pytest.mark.integration

WIB = ZoneInfo("Asia/Jakarta")


def wib(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=WIB)


def iso(moment: datetime) -> str:
    return moment.isoformat()


@dataclass
class Bed:
    """The reporting service on a database of its own, its clock stopped where a test says."""

    client: httpx.AsyncClient
    ctx: ServiceContext
    settings: ReportingSettings
    upstream: Upstream

    def at(self, moment: datetime) -> None:
        self.ctx.clock = lambda: moment

    async def call(
        self, method: str, path: str, role: Role = Role.ADMIN, **kwargs: Any
    ) -> httpx.Response:
        token = mint_token(self.settings, role=role, name=f"Pengguna {role.value}", agency=AGENCY)
        headers = {"Authorization": f"Bearer {token}"}
        return await self.client.request(method, path, headers=headers, **kwargs)

    @property
    def history(self) -> Histories:
        return Histories(self.upstream)

    async def project(self) -> None:
        async with self.ctx.pool.acquire() as conn:
            after: int = await conn.fetchval("SELECT position FROM reporting.checkpoint")
        async for envelope in self.ctx.store.read_all(after=after):
            async with self.ctx.pool.acquire() as conn, conn.transaction():
                assert (await project(conn, envelope, store=self.ctx.store)).applied

    async def request(self, received: datetime, *chain: datetime) -> str:
        ticket = new_ticket()
        await self.history.submit(ticket, received)
        await self.history.chain(ticket, *chain)
        return ticket

    async def finish(self, ticket: str, at: datetime) -> None:
        """The report written and archived at `at`: the request is closed."""
        written = ReportWritten(ticket_id=ticket, outcome=Outcome.INTEGRATED, summary="Laporan")
        await self.history.append("reporting", written, by=Actor.system("reporting"), at=at)
        archived = ReportArchived(
            ticket_id=ticket,
            agenda_year=2026,
            agenda_number=1,
            agenda_code="001/AG-LIA/SC-05/DISKOMINFO/2026",
            report_ref="laporan.pdf",
        )
        await self.history.append("reporting", archived, by=actor(PETUGAS, Role.PETUGAS), at=at)

    async def clocks(self, ticket: str) -> dict[str, dict[str, Any]]:
        body = answer(await self.call("GET", f"/requests/{ticket}/sla", Role.AUDITOR), 200)
        return {c["step"]: c for c in body["clocks"]}

    async def head(self) -> int:
        async with self.ctx.pool.acquire() as conn:
            head: int = await conn.fetchval(
                "SELECT coalesce(max(global_position), 0) FROM eventstore.events"
            )
        return head


def answer(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


NewBed = Callable[[], contextlib.AbstractAsyncContextManager[Bed]]


@pytest.fixture(scope="module")
def new_bed(new_database: Callable[[], Awaitable[str]], nats_url: str, run_id: str) -> NewBed:
    @contextlib.asynccontextmanager
    async def make() -> AsyncIterator[Bed]:
        settings = ReportingSettings(
            database_url=await new_database(),
            nats_url=nats_url,
            relay_enabled=False,
            stream_name=f"WHATIF_{run_id}",
            subject_prefix=f"t{run_id}.whatif",
            sla_warnings_enabled=False,
        )
        async with serving("reporting", settings, without_consumers(build)) as (c, ctx, up):
            yield Bed(client=c, ctx=ctx, settings=settings, upstream=up)

    return make


@pytest.fixture
async def bed(new_bed: NewBed) -> AsyncIterator[Bed]:
    async with new_bed() as made:
        yield made


@pytest.fixture(scope="module")
async def shared(new_bed: NewBed) -> AsyncIterator[Bed]:
    """One database for the tests that change nothing."""
    async with new_bed() as made:
        yield made


# --- decreed working days ----------------------------------------------------------------------

DECREE = {"day": "2026-03-28", "name": "Keputusan Gubernur 7/2026: Sabtu masuk"}


async def test_an_admin_decrees_a_saturday_a_working_day_and_the_clocks_count_it(bed: Bed) -> None:
    # A portal request Fri 03-27 15:30: the kadis's 30 min run out at Fri 16:00.
    ticket = await bed.request(wib(3, 27, 15, 30))
    decreed = answer(await bed.call("POST", "/calendar/working-days", json=DECREE), 201)
    assert (decreed["version"], decreed["type"]) == (2, "CalendarWorkingDayDecreed")
    assert decreed["change"] == {**DECREE, "version": 2}
    await bed.project()
    calendar = answer(await bed.call("GET", "/calendar", Role.PEMOHON), 200)
    assert calendar["spec"]["decreed_working_days"] == [DECREE]
    # At Sat 08:10 the kadis's clock used 30 min on Friday and 10 on the decreed Saturday.
    bed.at(wib(3, 28, 8, 10))
    kadis = (await bed.clocks(ticket))["dispose_kabid"]
    assert (kadis["used_seconds"], kadis["state"], kadis["calendar_version"]) == (
        2400,
        "breached",
        2,
    )

    withdrawn = await bed.call(
        "DELETE", "/calendar/working-days/2026-03-28", params={"reason": "Keputusan dicabut"}
    )
    assert (answer(withdrawn, 200)["version"], withdrawn.json()["type"]) == (
        3,
        "CalendarWorkingDayWithdrawn",
    )
    await bed.project()
    # Saturday counts nothing again: 30 min used, within the standard.
    kadis = (await bed.clocks(ticket))["dispose_kabid"]
    assert (kadis["used_seconds"], kadis["state"], kadis["calendar_version"]) == (
        1800,
        "running",
        3,
    )


async def test_a_decree_the_calendar_refuses_is_a_conflict_and_writes_nothing(bed: Bed) -> None:
    head = await bed.head()
    thursday = await bed.call(
        "POST", "/calendar/working-days", json={"day": "2026-03-26", "name": "x"}
    )
    assert (answer(thursday, 409)["code"], thursday.json()["field"]) == (
        "already_working_day",
        "day",
    )
    nothing = await bed.call("DELETE", "/calendar/working-days/2026-03-28", params={"reason": "x"})
    assert answer(nothing, 409)["code"] == "not_a_decreed_working_day"
    assert await bed.head() == head
    stream = await bed.ctx.store.read_stream(CALENDAR_STREAM)
    assert stream.events == ()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"day": "28-03-2026", "name": "x"}, "day"),
        ({"day": "2026-03-28", "name": ""}, "name"),
        ({"day": "2026-03-28"}, "name"),
        ({"day": "2026-03-28", "name": "x", "extra": 1}, "extra"),
    ],
)
async def test_a_bad_decree_names_the_field(shared: Bed, body: dict[str, Any], field: str) -> None:
    refused = answer(await shared.call("POST", "/calendar/working-days", json=body), 422)
    assert field in [e["field"] for e in refused["errors"]]


# --- the calculator ------------------------------------------------------------------------------


async def test_an_applicant_asks_the_due_time_before_filing(bed: Bed) -> None:
    question = {"start": "2026-03-27T15:30:00+07:00", "standard": {"unit": "minutes", "amount": 60}}
    plain = answer(
        await bed.call("POST", "/calendar/calculations", Role.PEMOHON, json=question), 200
    )
    # Base calendar: 30 min on Friday, 30 from Mon 03-30 08:00.
    assert plain == {
        "start": "2026-03-27T15:30:00+07:00",
        "normalised_start": "2026-03-27T15:30:00+07:00",
        "due": "2026-03-30T08:30:00+07:00",
        "standard": {"minutes": 60, "days": None, "label": "1 jam kerja"},
        "budget_seconds": 3600,
        "paused_seconds": 0,
        "end": None,
        "working_seconds": None,
        "used_seconds": None,
        "remaining_seconds": None,
        "overdue_seconds": None,
        "state": None,
        "calendar_version": 1,
    }
    answer(await bed.call("POST", "/calendar/working-days", json=DECREE), 201)
    decreed = answer(
        await bed.call("POST", "/calendar/calculations", Role.PEMOHON, json=question), 200
    )
    assert (decreed["due"], decreed["calendar_version"]) == ("2026-03-28T08:30:00+07:00", 2)
    # On version 1, asked by name, the answer is the plain one.
    again = await bed.call(
        "POST", "/calendar/calculations", Role.AUDITOR, json={**question, "calendar_version": 1}
    )
    assert answer(again, 200) == plain
    unknown = await bed.call(
        "POST", "/calendar/calculations", json={**question, "calendar_version": 3}
    )
    assert (answer(unknown, 422)["code"], unknown.json()["field"]) == (
        "calendar_version_not_found",
        "calendar_version",
    )


async def test_an_auditor_rederives_a_clock_with_its_pauses(shared: Bed) -> None:
    question = {
        "start": "2026-07-06T09:00:00+07:00",
        "standard": {"unit": "working_days", "amount": 3},
        "pauses": [{"start": "2026-07-07T10:00:00+07:00", "end": "2026-07-07T14:00:00+07:00"}],
        "end": "2026-07-10T04:00:00Z",
    }
    found = answer(
        await shared.call("POST", "/calendar/calculations", Role.AUDITOR, json=question), 200
    )
    # 3 days from Mon 07-06 09:00: Thu 16:00, budget 7 + 24 = 31 h; the pause holds 4 h → due
    # Fri 12:00. To Fri 11:00 WIB (04:00Z): 34 h of working time, 30 h used, 1 h left, met.
    assert (found["due"], found["budget_seconds"], found["paused_seconds"]) == (
        "2026-07-10T12:00:00+07:00",
        31 * 3600,
        4 * 3600,
    )
    assert (
        found["working_seconds"],
        found["used_seconds"],
        found["remaining_seconds"],
        found["overdue_seconds"],
        found["state"],
    ) == (34 * 3600, 30 * 3600, 3600, 0, "met")
    hours = {**question, "standard": {"unit": "hours", "amount": 3}, "pauses": [], "end": None}
    assert answer(
        await shared.call("POST", "/calendar/calculations", Role.PETUGAS, json=hours), 200
    )["due"] == ("2026-07-06T12:00:00+07:00")


GOOD = {"start": "2026-07-06T09:00:00+07:00", "standard": {"unit": "minutes", "amount": 30}}


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({**GOOD, "start": "2026-07-06T09:00:00"}, "start", "timezone_aware"),
        ({**GOOD, "start": "1999-12-31T09:00:00+07:00"}, "start", "invalid_value"),
        ({**GOOD, "start": "2100-01-01T09:00:00+07:00"}, "start", "invalid_value"),
        ({**GOOD, "start": 1}, "start", "invalid_value"),
        ({**GOOD, "standard": {"unit": "weeks", "amount": 1}}, "standard.unit", "enum"),
        (
            {**GOOD, "standard": {"unit": "minutes", "amount": -1}},
            "standard.amount",
            "greater_than_equal",
        ),
        (
            {**GOOD, "standard": {"unit": "minutes", "amount": 124_801}},
            "standard.amount",
            "less_than_equal",
        ),
        (
            {**GOOD, "standard": {"unit": "working_days", "amount": 261}},
            "standard.amount",
            "invalid_value",
        ),
        (
            {**GOOD, "standard": {"unit": "hours", "amount": 2_081}},
            "standard.amount",
            "invalid_value",
        ),
        ({**GOOD, "standard": {"unit": "minutes"}}, "standard.amount", "missing"),
        ({**GOOD, "calendar_version": 0}, "calendar_version", "greater_than_equal"),
        ({**GOOD, "calendar_version": 10**7}, "calendar_version", "less_than_equal"),
        ({**GOOD, "end": "2026-07-06T08:00:00+07:00"}, "end", "end_before_start"),
        ({**GOOD, "end": "2040-07-06T08:00:00+07:00"}, "end", "beyond_horizon"),
        (
            {
                **GOOD,
                "pauses": [
                    {"start": "2026-07-06T10:00:00+07:00", "end": "2026-07-06T10:00:00+07:00"}
                ],
            },
            "pauses.0.end",
            "pause_end_not_after_start",
        ),
        (
            {
                **GOOD,
                "pauses": [
                    {"start": "2026-07-06T08:00:00+07:00", "end": "2026-07-06T10:00:00+07:00"}
                ],
            },
            "pauses.0.start",
            "pause_out_of_order",
        ),
        (
            {**GOOD, "pauses": [{"start": "2026-07-06T10:00:00+07:00"}]},
            "pauses.0.end",
            "missing",
        ),
        (
            {
                **GOOD,
                "pauses": [
                    {"start": "2026-07-06T10:00:00+07:00", "end": "2026-07-06T10:01:00+07:00"}
                ]
                * 101,
            },
            "pauses",
            "too_long",
        ),
        ({**GOOD, "also": True}, "also", "extra_forbidden"),
        ({"start": GOOD["start"]}, "standard", "missing"),
    ],
)
async def test_a_bad_calculation_names_the_field(
    shared: Bed, body: dict[str, Any], field: str, code: str
) -> None:
    refused = answer(await shared.call("POST", "/calendar/calculations", json=body), 422)
    found = {(e["field"], e["code"]) for e in refused["errors"]}
    assert (field, code) in found, found


# --- the simulator -------------------------------------------------------------------------------

HARI_JADI = {"kind": "day_off_added", "day": "2026-07-08", "name": "Hari Jadi Provinsi"}


async def test_the_simulation_is_what_the_clocks_show_once_the_change_is_made(bed: Bed) -> None:
    # Running: feasibility ("sedang" assumed) from Mon 07-06 10:00, due Fri 07-10 16:00.
    running = await bed.request(wib(7, 6, 8), wib(7, 6, 8, 10), wib(7, 6, 9), wib(7, 6, 10))
    # Finished: the analysis (rendah) ended Thu 07-09 15:00, due Thu 16:00 on version 1.
    finished = await bed.request(wib(7, 6, 8), wib(7, 6, 8, 10), wib(7, 6, 9), wib(7, 6, 10))
    await bed.history.analyse(finished, wib(7, 9, 15), difficulty=Difficulty.LOW)
    # Untouched: submitted in August.
    await bed.request(wib(8, 3, 9))
    await bed.project()
    bed.at(wib(7, 9, 15, 30))
    head = await bed.head()

    simulated = answer(
        await bed.call("POST", "/calendar/simulations", json={"change": HARI_JADI}), 200
    )
    assert await bed.head() == head  # nothing written
    assert simulated["proposed"] == {
        "type": "CalendarDayOffAdded",
        "change": {"version": 2, "day": "2026-07-08", "name": "Hari Jadi Provinsi"},
    }
    assert (
        simulated["calendar_version_before"],
        simulated["calendar_version_after"],
        simulated["month"],
        simulated["measured_at"],
    ) == (1, 2, "2026-07", iso(wib(7, 9, 15, 30)))
    assert (simulated["requests_examined"], simulated["open_requests"]) == (3, 3)
    moved = {(c["ticket_id"], c["step"]): c for c in simulated["changes"]}
    assert set(moved) == {(running, "feasibility"), (finished, "feasibility")}
    at_once = moved[(running, "feasibility")]
    assert (at_once["effect"], at_once["request_open"], at_once["step_label"]) == (
        "at_once",
        True,
        "analisis kelayakan",
    )
    assert (at_once["before"]["due"], at_once["after"]["due"]) == (
        iso(wib(7, 10, 16)),
        iso(wib(7, 13, 16)),
    )
    later = moved[(finished, "feasibility")]
    assert later["effect"] == "on_recalculation"
    assert (later["before"]["due"], later["after"]["due"]) == (
        iso(wib(7, 9, 16)),
        iso(wib(7, 10, 16)),
    )

    # Now made for real: the running clock shows the simulated "after" at once …
    day_off = {"day": HARI_JADI["day"], "name": HARI_JADI["name"]}
    answer(await bed.call("POST", "/calendar/days-off", json=day_off), 201)
    await bed.project()
    clock = (await bed.clocks(running))["feasibility"]
    after = at_once["after"]
    assert (clock["due"], clock["state"], clock["used_seconds"], clock["calendar_version"]) == (
        after["due"],
        after["state"],
        after["used_seconds"],
        after["calendar_version"],
    )
    # … and the finished one keeps its version until a recalculation, which gives the "after".
    assert (await bed.clocks(finished))["feasibility"]["due"] == later["before"]["due"]
    recalculation = {"scope": "ticket", "ticket_id": finished, "reason": "Hari Jadi Provinsi"}
    answer(await bed.call("POST", "/sla/recalculations", json=recalculation), 201)
    await bed.project()
    clock = (await bed.clocks(finished))["feasibility"]
    assert (clock["due"], clock["state"], clock["calendar_version"]) == (
        later["after"]["due"],
        later["after"]["state"],
        later["after"]["calendar_version"],
    )


async def test_the_month_s_closed_requests_are_simulated_too(bed: Bed) -> None:
    ticket = await bed.request(wib(7, 6, 8), wib(7, 6, 8, 10), wib(7, 6, 9), wib(7, 6, 10))
    history = bed.history
    await history.analyse(ticket, wib(7, 9, 15), difficulty=Difficulty.LOW)
    await history.integrate(ticket, wib(7, 15, 10))
    await bed.finish(ticket, wib(7, 15, 11))
    await bed.project()
    bed.at(wib(8, 3, 9))
    body = {"change": HARI_JADI, "month": "2026-07"}
    july = answer(await bed.call("POST", "/calendar/simulations", Role.AUDITOR, json=body), 200)
    assert (july["requests_examined"], july["open_requests"]) == (1, 0)
    assert [(c["ticket_id"], c["step"], c["request_open"]) for c in july["changes"]] == [
        (ticket, "feasibility", False)
    ]
    # The month by default is the month of now (August): the July request is not looked at.
    august = answer(
        await bed.call("POST", "/calendar/simulations", json={"change": HARI_JADI}), 200
    )
    assert (august["month"], august["requests_examined"], august["changes"]) == ("2026-08", 0, [])


async def test_each_kind_of_change_can_be_simulated(bed: Bed) -> None:
    await bed.request(wib(3, 27, 15, 30))
    await bed.project()
    bed.at(wib(3, 30, 8, 10))
    kinds = [
        {"kind": "working_day_decreed", **DECREE},
        {"kind": "day_off_added", "day": "2026-03-30", "name": "Libur daerah"},
        {
            "kind": "hours_reduced",
            "first_day": "2026-03-27",
            "last_day": "2026-03-27",
            "closing": "15:45",
            "name": "Jumat pendek",
        },
    ]
    moved = []
    for change in kinds:
        found = answer(
            await bed.call("POST", "/calendar/simulations", json={"change": change}), 200
        )
        moved.append(
            [
                (c["step"], c["effect"], c["before"]["due"], c["after"]["due"], c["after"]["state"])
                for c in found["changes"]
            ]
        )
    # A portal request Fri 15:30, measured Mon 03-30 08:10. submit (3 h, met at once): 30 min
    # Friday + 150 min from Mon 08:00 → due Mon 10:30. dispose_kabid (30 min): due Fri 16:00;
    # at Mon 08:10 it used 30 + 10 = 40 min, breached.
    # - Saturday decreed: submit's 150 min run on Saturday → due Sat 10:30 (met, a finished
    #   clock: on a recalculation); the kadis's clock is due Fri 16:00 still, and breached.
    # - Monday off: submit due Tue 03-31 10:30; the kadis's clock used 30 min only, exactly its
    #   standard: running again, due Fri 16:00 as before.
    # - Friday closing at 15:45: submit has 15 min Friday, 165 from Mon 08:00 → 10:45; the
    #   kadis's clock 15 + 10 = 25 min, running, due Mon 08:15.
    submit, kadis = "on_recalculation", "at_once"
    assert moved == [
        [("submit", submit, iso(wib(3, 30, 10, 30)), iso(wib(3, 28, 10, 30)), "met")],
        [
            ("submit", submit, iso(wib(3, 30, 10, 30)), iso(wib(3, 31, 10, 30)), "met"),
            ("dispose_kabid", kadis, iso(wib(3, 27, 16)), iso(wib(3, 27, 16)), "running"),
        ],
        [
            ("submit", submit, iso(wib(3, 30, 10, 30)), iso(wib(3, 30, 10, 45)), "met"),
            ("dispose_kabid", kadis, iso(wib(3, 27, 16)), iso(wib(3, 30, 8, 15)), "running"),
        ],
    ]
    removed = {"kind": "day_off_removed", "day": "2026-03-23", "name": "Kantor buka"}
    answer(await bed.call("POST", "/calendar/simulations", json={"change": removed}), 200)
    answer(await bed.call("POST", "/calendar/working-days", json=DECREE), 201)
    withdrawn = {"kind": "working_day_withdrawn", **DECREE}
    answer(await bed.call("POST", "/calendar/simulations", json={"change": withdrawn}), 200)


async def test_a_change_the_calendar_would_refuse_is_refused_by_the_simulator(shared: Bed) -> None:
    head = await shared.head()
    cuti = {"kind": "day_off_added", "day": "2026-03-23", "name": "x"}
    refused = await shared.call("POST", "/calendar/simulations", json={"change": cuti})
    assert (answer(refused, 409)["code"], refused.json()["field"]) == ("already_day_off", "day")
    saturday = {"kind": "day_off_added", "day": "2026-03-28", "name": "x"}
    refused = await shared.call("POST", "/calendar/simulations", json={"change": saturday})
    assert answer(refused, 409)["code"] == "weekend"
    assert await shared.head() == head


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"change": {"kind": "holiday", "day": "2026-07-08", "name": "x"}}, "change"),
        ({"change": {"kind": "day_off_added", "day": "2026-07-08"}}, "change.day_off_added.name"),
        (
            {
                "change": {
                    "kind": "hours_reduced",
                    "first_day": "2026-07-08",
                    "last_day": "2026-07-01",
                    "closing": "15:00",
                    "name": "x",
                }
            },
            "change.hours_reduced.last_day",
        ),
        ({"change": HARI_JADI, "month": "2026-13"}, "month"),
        ({}, "change"),
    ],
)
async def test_a_bad_simulation_names_the_field(
    shared: Bed, body: dict[str, Any], field: str
) -> None:
    refused = answer(await shared.call("POST", "/calendar/simulations", json=body), 422)
    assert field in [e["field"] for e in refused["errors"]], refused


async def test_only_admins_and_auditors_simulate(shared: Bed) -> None:
    for role in (Role.PEMOHON, Role.KADIS, Role.PETUGAS):
        refused = await shared.call(
            "POST", "/calendar/simulations", role, json={"change": HARI_JADI}
        )
        assert answer(refused, 403)["code"] == "role_not_allowed"
    unsigned = await shared.client.post("/calendar/calculations", json=GOOD)
    assert answer(unsigned, 401)["code"] == "token_missing"
