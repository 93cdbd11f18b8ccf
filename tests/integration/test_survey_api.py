"""The satisfaction survey over HTTP: the applicant answers an archived request once, reads it
back; the leaders read the month's IKM in JSON and CSV; a rebuild gives the same answers."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from penghubung.bus.consumer import Outcome
from penghubung.events import Role
from penghubung.runtime.service import ServiceContext
from penghubung.settings import ServiceSettings
from penghubung.sop import Channel
from penghubung.testing.beds import deliver, serving, without_consumers
from penghubung.testing.histories import AGENCY, Histories, new_ticket
from penghubung.testing.upstream import Upstream
from penghubung.web.auth import mint_token
from reporting.adapters.subscribers import subscriptions
from reporting.app.replay import Options, replay_reporting
from reporting.bootstrap import build

pytestmark = pytest.mark.integration

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # a Monday, 08:00 WIB
HOUR = timedelta(hours=1)
PROJECTION = "reporting-projection"
REACTIONS = "reporting-reactions"
THREES = {f"u{n}": 3 for n in range(1, 10)}


@dataclass
class Bed:
    """Reporting without its consumers: the tests hand it the log's events."""

    client: httpx.AsyncClient
    ctx: ServiceContext
    settings: ServiceSettings
    upstream: Upstream

    def auth(self, role: Role, *, agency: str | None = None) -> dict[str, str]:
        token = mint_token(
            self.settings,
            role=role,
            name=f"Pengguna {role.value}",
            nip="198001012005011001",
            agency=agency,
        )
        return {"Authorization": f"Bearer {token}"}

    def applicant(self, agency: str = AGENCY) -> dict[str, str]:
        return self.auth(Role.PEMOHON, agency=agency)

    async def catch_up(self) -> None:
        async with self.ctx.pool.acquire() as conn:
            done: int = await conn.fetchval("SELECT position FROM reporting.checkpoint")
        subscription = {s.consumer: s for s in subscriptions(self.ctx)}[PROJECTION]
        for position in range(done + 1, await self.ctx.store.head() + 1):
            outcome = await deliver(self.ctx, self.settings, subscription, position)
            assert outcome is Outcome.HANDLED

    async def reported(self) -> str:
        """A request integrated and reported, not yet archived."""
        history, ticket = Histories(self.upstream), new_ticket()
        await history.submit(ticket, START, channel=Channel.LETTER)
        await history.chain(ticket, START, START + HOUR, START + 2 * HOUR)
        await history.analyse(ticket, START + 24 * HOUR)
        done = await history.integrate(ticket, START + 72 * HOUR)
        reactions = {s.consumer: s for s in subscriptions(self.ctx)}[REACTIONS]
        assert await deliver(self.ctx, self.settings, reactions, done) is Outcome.HANDLED
        await self.catch_up()
        return ticket

    async def archived(self) -> str:
        ticket = await self.reported()
        petugas = self.auth(Role.PETUGAS)
        answer = await self.client.post(f"/requests/{ticket}/archive", json={}, headers=petugas)
        assert answer.status_code == 201, answer.text
        await self.catch_up()
        return ticket

    async def answer(
        self, ticket: str, scores: dict[str, int] | None = None, **more: Any
    ) -> httpx.Response:
        headers = {**self.applicant(more.pop("agency", AGENCY)), **more.pop("headers", {})}
        body = {"scores": scores or THREES, **more}
        return await self.client.post(f"/requests/{ticket}/survey", json=body, headers=headers)


@pytest.fixture(scope="module")
async def bed(
    new_database: Callable[[], Awaitable[str]], nats_url: str, run_id: str
) -> AsyncIterator[Bed]:
    settings = ServiceSettings(
        database_url=await new_database(),
        nats_url=nats_url,
        relay_enabled=False,
        stream_name=f"SURVEY_{run_id}",
        subject_prefix=f"test{run_id}.survey",
    )
    async with serving("reporting", settings, without_consumers(build)) as (client, ctx, others):
        yield Bed(client=client, ctx=ctx, settings=settings, upstream=others)


def at(bed: Bed, moment: datetime) -> None:
    """The service's clock stands at `moment` (the month the answers count in)."""
    bed.ctx.clock = lambda: moment


async def test_the_applicant_answers_the_survey_of_an_archived_request(bed: Bed) -> None:
    at(bed, datetime(2026, 4, 10, 3, 0, tzinfo=UTC))
    ticket = await bed.archived()
    scores = {**THREES, "u4": 4, "u8": 2}
    answer = await bed.answer(ticket, scores, saran="  Dokumentasi API mohon dilengkapi.  ")
    assert answer.status_code == 201, answer.text
    assert answer.json()["scores"] == scores
    assert answer.json()["saran"] == "Dokumentasi API mohon dilengkapi."
    await bed.catch_up()

    read = await bed.client.get(f"/requests/{ticket}/survey", headers=bed.applicant())
    assert read.status_code == 200, read.text
    got = read.json()
    assert (got["scores"], got["agency"], got["month"]) == (scores, AGENCY, "2026-04")
    assert got["answered_at"].endswith("+07:00")
    staff = await bed.client.get(f"/requests/{ticket}/survey", headers=bed.auth(Role.KADIS))
    assert staff.json() == got
    timeline = await bed.client.get(f"/requests/{ticket}/timeline", headers=bed.applicant())
    last = timeline.json()["entries"][-1]
    assert last["type"] == "SatisfactionSurveyAnswered"
    assert "Survei kepuasan masyarakat diisi" in last["summary"]


async def test_a_request_not_yet_archived_has_no_survey_to_answer(bed: Bed) -> None:
    ticket = await bed.reported()
    answer = await bed.answer(ticket)
    assert answer.status_code == 409
    assert answer.json()["code"] == "survey_not_open"
    unanswered = await bed.client.get(f"/requests/{ticket}/survey", headers=bed.applicant())
    assert unanswered.status_code == 404
    assert unanswered.json()["code"] == "survey_not_found"


async def test_a_second_answer_is_refused_and_a_retry_with_its_key_is_not(bed: Bed) -> None:
    ticket = await bed.archived()
    key = {"Idempotency-Key": f"survei-{uuid.uuid4()}"}
    first = await bed.answer(ticket, headers=key)
    again = await bed.answer(ticket, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    second = await bed.answer(ticket, {**THREES, "u1": 1})
    assert second.status_code == 409
    assert second.json()["code"] == "survey_already_answered"
    events = await bed.ctx.store.read_stream(f"reporting-{ticket}")
    assert [e.type for e in events.events].count("SatisfactionSurveyAnswered") == 1


async def test_answers_sent_at_once_make_one_answer_and_refusals(bed: Bed) -> None:
    ticket = await bed.archived()
    answers = await asyncio.gather(*(bed.answer(ticket) for _ in range(6)))
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409, 409, 409]
    codes = {a.json()["code"] for a in answers if a.status_code == 409}
    assert codes == {"survey_already_answered"}


async def test_another_agency_meets_an_unknown_request(bed: Bed) -> None:
    ticket = await bed.archived()
    other = bed.applicant("Dinas Pendidikan")
    answer = await bed.answer(ticket, agency="Dinas Pendidikan")
    assert answer.status_code == 404
    assert answer.json()["code"] == "request_not_found"
    assert (await bed.answer(ticket)).status_code == 201
    await bed.catch_up()
    read = await bed.client.get(f"/requests/{ticket}/survey", headers=other)
    assert read.status_code == 404
    assert read.json()["code"] == "request_not_found"


@pytest.mark.parametrize(
    ("scores", "field"),
    [({**THREES, "u5": 5}, "scores.u5"), ({**THREES, "u9": 0}, "scores.u9")],
)
async def test_a_score_outside_1_to_4_is_refused_naming_its_element(
    bed: Bed, scores: dict[str, int], field: str
) -> None:
    ticket = await bed.archived()
    answer = await bed.answer(ticket, scores)
    assert answer.status_code == 422
    assert answer.json()["field"] == field
    assert [e["field"] for e in answer.json()["errors"]] == [field]
    missing = await bed.answer(ticket, {k: v for k, v in THREES.items() if k != "u3"})
    assert missing.status_code == 422
    assert missing.json()["field"] == "scores.u3"


async def test_only_an_applicant_answers(bed: Bed) -> None:
    ticket = await bed.archived()
    for role in (Role.PETUGAS, Role.KADIS, Role.AUDITOR):
        body = {"scores": THREES}
        answer = await bed.client.post(
            f"/requests/{ticket}/survey", json=body, headers=bed.auth(role)
        )
        assert answer.status_code == 403


async def test_the_month_ikm_per_element_with_its_class_in_json_and_csv(bed: Bed) -> None:
    # three answers in May 2026 (hand-computed in tests/unit/reporting/test_ikm.py):
    # Σ U1..U9 = 11 10 8 12 10 10 11 8 8 → IKM 2200/27 = 81.48, B (Baik)
    at(bed, datetime(2026, 5, 20, 2, 0, tzinfo=UTC))
    rows = [
        (4, 4, 3, 4, 3, 3, 4, 2, 3),
        (3, 3, 2, 4, 3, 3, 3, 3, 3),
        (4, 3, 3, 4, 4, 4, 4, 3, 2),
    ]
    for row in rows:
        ticket = await bed.archived()
        scores = {f"u{n}": s for n, s in enumerate(row, start=1)}
        assert (await bed.answer(ticket, scores)).status_code == 201
    await bed.catch_up()

    kadis = bed.auth(Role.KADIS)
    answer = await bed.client.get("/sla/ikm", params={"month": "2026-05"}, headers=kadis)
    assert answer.status_code == 200, answer.text
    ikm = answer.json()
    assert (ikm["respondents"], ikm["ikm"], ikm["quality"]) == (3, "81.48", "B")
    assert ikm["quality_label"] == "Baik"
    assert [e["score_sum"] for e in ikm["elements"]] == [11, 10, 8, 12, 10, 10, 11, 8, 8]
    assert [e["nrr"] for e in ikm["elements"]][:4] == ["3.67", "3.33", "2.67", "4.00"]
    assert {e["respondents"] for e in ikm["elements"]} == {3}
    assert ikm["elements"][0]["name"] == "Persyaratan"

    by_default = await bed.client.get("/sla/ikm", headers=bed.auth(Role.AUDITOR))
    assert by_default.json()["month"] == "2026-05"  # the service's clock's month

    sheet = await bed.client.get(
        "/sla/ikm", params={"month": "2026-05", "format": "csv"}, headers=kadis
    )
    assert sheet.status_code == 200
    assert sheet.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(sheet.text)))
    assert [line["element"] for line in lines] == [f"U{n}" for n in range(1, 10)]
    assert lines[2]["nrr"] == "2.67"
    assert {line["ikm"] for line in lines} == {"81.48"}
    assert {line["quality"] for line in lines} == {"Baik"}

    empty = await bed.client.get("/sla/ikm", params={"month": "2025-01"}, headers=kadis)
    assert (empty.json()["respondents"], empty.json()["ikm"]) == (0, None)
    bad = await bed.client.get("/sla/ikm", params={"month": "2026-13"}, headers=kadis)
    assert bad.status_code == 422
    refused = await bed.client.get("/sla/ikm", headers=bed.auth(Role.PETUGAS))
    assert refused.status_code == 403


async def test_a_replay_from_position_one_gives_the_same_answers(bed: Bed) -> None:
    await bed.catch_up()
    report = await replay_reporting(bed.settings.database_url, Options(), stamp="survey")
    assert report.equal, [t for t in report.tables if not t.equal]
    answers = next(t for t in report.tables if t.table == "survey_answers")
    assert answers.live.rows >= 5


async def test_the_ikm_as_of_a_past_position_counts_what_was_answered_then(bed: Bed) -> None:
    at(bed, datetime(2026, 6, 3, 2, 0, tzinfo=UTC))
    ticket = await bed.archived()
    before = await bed.ctx.store.head()
    assert (await bed.answer(ticket, {**THREES, "u1": 4})).status_code == 201
    await bed.catch_up()
    kadis = bed.auth(Role.KADIS)
    now = await bed.client.get("/sla/ikm", params={"month": "2026-06"}, headers=kadis)
    then = await bed.client.get(
        "/sla/ikm", params={"month": "2026-06", "as_of": str(before)}, headers=kadis
    )
    assert now.json()["respondents"] == 1
    assert then.json()["respondents"] == 0
    assert then.headers["penghubung-as-of-position"] == str(before)
