"""Reporting's background tasks against real servers: the availability sampler (real local HTTP
servers that answer 200, 503, nothing at all, or are not there) and the warning task, each run
by the service itself from its start to its stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from penghubung.events import Actor, Metadata, NewEvent, Role
from penghubung.events.catalog import RequestSubmitted
from penghubung.eventstore.store import ANY_VERSION
from penghubung.forms import (
    Applicant,
    ApplicationInfo,
    Echelon,
    Mechanism,
    MechanismChoice,
    ServiceRequestForm,
)
from penghubung.runtime.service import ServiceContext, ServiceParts, running_service
from penghubung.sop import Channel, Impact, Priority, Urgency
from penghubung.testing.upstream import upstream
from penghubung.web.auth import mint_token
from reporting.bootstrap import build
from reporting.projections.projector import project
from reporting.settings import ReportingSettings
from reporting.sla.app.availability import AvailabilitySampler

pytestmark = pytest.mark.integration

WIB = ZoneInfo("Asia/Jakarta")


def wib(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=WIB)


class Server:
    """A real HTTP server on a local port whose readiness answer a test sets."""

    def __init__(self, status: int | None) -> None:
        self.status = status
        """The status `/health/ready` answers; None: it accepts and never answers."""
        self.calls = 0
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def __aenter__(self) -> Server:
        self._server = await asyncio.start_server(self._answer, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 1)

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            self.calls += 1
            assert head.startswith(b"GET /health/ready HTTP/1.1")
            if self.status is None:
                await asyncio.sleep(30)  # never answers in time
                return
            body = b'{"status":"ready"}' if self.status == 200 else b'{"status":"not_ready"}'
            writer.write(
                f"HTTP/1.1 {self.status} X\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


async def closed_port() -> str:
    """A local URL nothing listens on (a port bound, then released)."""
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    return f"http://127.0.0.1:{port}"


async def eventually(done: Callable[[], Awaitable[object]], *, seconds: float = 10) -> None:
    """Wait until `done()` is truthy; fail after `seconds`."""
    async with asyncio.timeout(seconds):
        for _ in range(10**6):
            if await done():
                return
            await asyncio.sleep(0.05)


@dataclass
class Bed:
    client: httpx.AsyncClient
    ctx: ServiceContext
    settings: ReportingSettings

    def at(self, moment: datetime) -> None:
        self.ctx.clock = lambda: moment

    def sampler(self, urls: dict[str, str], *, timeout: float = 0.3) -> AvailabilitySampler:
        return AvailabilitySampler(
            pool=self.ctx.pool,
            clock=lambda: self.ctx.clock(),
            urls=urls,
            interval_seconds=60,
            timeout_seconds=timeout,
        )

    async def samples(self) -> list[dict[str, Any]]:
        async with self.ctx.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT * FROM reporting.availability_samples ORDER BY round_at, service"
            )
        return [dict(r) for r in rows]

    async def get(self, path: str, **params: Any) -> httpx.Response:
        token = mint_token(self.settings, role=Role.AUDITOR, name="Auditor")
        return await self.client.get(
            path, params=params, headers={"Authorization": f"Bearer {token}"}
        )


NewBed = Callable[..., contextlib.AbstractAsyncContextManager[Bed]]


@pytest.fixture
def new_bed(new_database: Callable[[], Awaitable[str]], nats_url: str, run_id: str) -> NewBed:
    """A reporting service on a fresh database; its tasks as the settings say."""

    @contextlib.asynccontextmanager
    async def make(**overrides: Any) -> AsyncIterator[Bed]:
        settings = ReportingSettings(
            database_url=await new_database(),
            nats_url=nats_url,
            relay_enabled=False,
            stream_name=f"SLATASKS_{run_id}",
            subject_prefix=f"t{run_id}.slatasks",
            **{"sla_warnings_enabled": False, **overrides},
        )

        def parts(ctx: ServiceContext) -> ServiceParts:
            ctx.clock = lambda: wib(10, 6, 10)  # a Tuesday in service hours, until a test says
            return replace(build(ctx), subscriptions=())

        async with (
            running_service("reporting", settings, build=parts) as (app, ctx),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://reporting"
            ) as client,
        ):
            yield Bed(client=client, ctx=ctx, settings=settings)

    return make


# --- availability -------------------------------------------------------------------------------


async def test_a_sampling_round_calls_every_service_with_a_timeout(new_bed: NewBed) -> None:
    async with (
        new_bed() as bed,
        Server(200) as ready,
        Server(503) as failing,
        Server(None) as silent,
    ):
        urls = {
            "intake": ready.url,
            "disposition": failing.url,
            "integration": silent.url,
            "reporting": await closed_port(),
        }
        bed.at(wib(10, 6, 10, 0))
        started = asyncio.get_running_loop().time()
        assert await bed.sampler(urls).sample() == 4
        assert asyncio.get_running_loop().time() - started < 2  # the silent one timed out

        found = {s["service"]: s for s in await bed.samples()}
        assert {k: (v["up"], v["status_code"], v["error"]) for k, v in found.items()} == {
            "intake": (True, 200, None),
            "disposition": (False, 503, "status 503"),
            "integration": (False, None, "timeout"),
            "reporting": (False, None, "ConnectError"),
        }
        assert {s["round_at"] for s in found.values()} == {wib(10, 6, 10)}
        assert found["integration"]["latency_ms"] >= 300

        # The same round sampled again (a second reporting process) adds nothing.
        await bed.sampler(urls).sample()
        assert len(await bed.samples()) == 4

        # Outside service hours nothing is sampled: 16:00 closing, a Saturday, a holiday.
        for closed in (wib(10, 6, 16), wib(10, 10, 10), wib(12, 25, 10)):
            bed.at(closed)
            assert await bed.sampler(urls).sample() == 0
        assert ready.calls == 2


async def test_monthly_availability_per_service_and_overall_against_the_target(
    new_bed: NewBed,
) -> None:
    async with new_bed() as bed, Server(200) as a, Server(200) as b, Server(200) as c:
        urls = {"intake": a.url, "disposition": b.url, "integration": c.url}
        # Ten rounds on Tue 10-06 from 10:00, one a minute. Intake is always up; disposition
        # is down in round 3 (9 of 10, 90 %: meets the target); integration is down in rounds
        # 3, 5 and 7 (7 of 10, 70 %). All three up: every round but 3, 5, 7 → 7 of 10.
        for minute in range(10):
            b.status = 503 if minute == 3 else 200
            c.status = 503 if minute in (3, 5, 7) else 200
            bed.at(wib(10, 6, 10, minute))
            assert await bed.sampler(urls).sample() == 3
        bed.at(wib(10, 6, 10, 10))  # the ten rounds due since sampling began were all taken

        response = await bed.get("/sla/availability", month="2026-10")
        assert response.status_code == 200, response.text
        assert response.json() == {
            "month": "2026-10",
            "target_percent": 90,
            "services": [
                {
                    "service": "disposition",
                    "samples": 10,
                    "up": 9,
                    "expected": 10,
                    "missing": 0,
                    "availability_percent": "90.00",
                    "meets_target": True,
                },
                {
                    "service": "intake",
                    "samples": 10,
                    "up": 10,
                    "expected": 10,
                    "missing": 0,
                    "availability_percent": "100.00",
                    "meets_target": True,
                },
                {
                    "service": "integration",
                    "samples": 10,
                    "up": 7,
                    "expected": 10,
                    "missing": 0,
                    "availability_percent": "70.00",
                    "meets_target": False,
                },
            ],
            "overall": {
                "service": "semua",
                "samples": 10,
                "up": 7,
                "expected": 10,
                "missing": 0,
                "availability_percent": "70.00",
                "meets_target": False,
            },
        }
        as_csv = await bed.get("/sla/availability", month="2026-10", format="csv")
        rows = list(csv.DictReader(io.StringIO(as_csv.text)))
        assert [(r["service"], r["percent"], r["meets_target"]) for r in rows] == [
            ("disposition", "90.00", "True"),
            ("intake", "100.00", "True"),
            ("integration", "70.00", "False"),
            ("semua", "70.00", "False"),
        ]
        empty = (await bed.get("/sla/availability", month="2026-09")).json()
        assert empty["services"] == []
        assert empty["overall"]["availability_percent"] is None

        # A round in November does not count for October; October's rounds after the last
        # sample, never taken, are unknown and count as down.
        bed.at(wib(11, 2, 10))
        await bed.sampler(urls).sample()
        later = {
            line["service"]: line
            for line in (await bed.get("/sla/availability", month="2026-10")).json()["services"]
        }
        intake = later["intake"]
        assert (intake["samples"], intake["up"]) == (10, 10)
        assert intake["missing"] == intake["expected"] - 10 > 1000
        assert intake["meets_target"] is False


async def test_rounds_missed_while_the_sampler_was_away_count_as_down(new_bed: NewBed) -> None:
    async with new_bed() as bed, Server(200) as a:
        # Rounds 4, 5 and 6 were never taken (the reporting process was down); intake answered
        # every round that was: 7 of the 10 rounds due found it up.
        for minute in (0, 1, 2, 3, 7, 8, 9):
            bed.at(wib(10, 6, 10, minute))
            assert await bed.sampler({"intake": a.url}).sample() == 1
        bed.at(wib(10, 6, 10, 10))

        view = (await bed.get("/sla/availability", month="2026-10")).json()

        [intake] = view["services"]
        assert intake == {
            "service": "intake",
            "samples": 7,
            "up": 7,
            "expected": 10,
            "missing": 3,
            "availability_percent": "70.00",
            "meets_target": False,
        }
        assert view["overall"]["missing"] == 3


async def test_a_configured_service_never_sampled_is_shown_with_every_round_missing(
    new_bed: NewBed,
) -> None:
    async with new_bed(service_urls={"intake": "http://127.0.0.1:1"}) as bed, Server(200) as a:
        bed.at(wib(10, 6, 10, 0))
        await bed.sampler({"disposition": a.url}).sample()
        bed.at(wib(10, 6, 10, 5))

        view = (await bed.get("/sla/availability", month="2026-10")).json()

        lines = {line["service"]: line for line in view["services"]}
        assert (lines["intake"]["samples"], lines["intake"]["missing"]) == (0, 5)
        assert lines["intake"]["availability_percent"] == "0.00"
        assert (lines["disposition"]["samples"], lines["disposition"]["missing"]) == (1, 4)


async def test_the_service_samples_in_the_background_until_it_stops(new_bed: NewBed) -> None:
    async with Server(200) as ready:
        async with new_bed(
            service_urls={"intake": ready.url}, availability_interval_seconds=0.05
        ) as bed:
            await eventually(bed.samples)
            assert (await bed.samples())[0]["up"] is True
        assert not [t for t in asyncio.all_tasks() if t.get_name() == "availability"]
        calls = ready.calls
        await asyncio.sleep(0.2)
        assert ready.calls == calls  # stopped with the service


# --- the warning task ---------------------------------------------------------------------------


async def test_the_service_raises_warnings_in_the_background(new_bed: NewBed) -> None:
    async with new_bed(sla_warnings_enabled=True, sla_warning_interval_seconds=0.05) as bed:
        ticket = f"SC05-2026-{uuid.uuid4().int % 10**8:08d}"
        form = ServiceRequestForm(
            applicant=Applicant(
                name="Dr. Siti Aminah",
                nip="197001012000032001",
                position="Kepala Bidang",
                work_unit="Bidang Pelayanan",
                office_address="Jl. Pulau Bangka, Pangkalpinang",
                mobile_phone="0821-8064-0997",
                email="siti@dinkes.babelprov.go.id",
                echelon=Echelon.III_A,
                agency="Dinas Kesehatan",
            ),
            application=ApplicationInfo(name="SIMPUS", description="Sistem informasi puskesmas"),
            mechanism_available=True,
            mechanism=MechanismChoice(kind=Mechanism.GSB),
            impact=Impact.HIGH,
            urgency=Urgency.MEDIUM,
        )
        # Received Tue 10-06 09:00 by the portal; the service's clock says 10:00: the kadis's
        # 30 min are gone, all three warnings are due.
        submitted = RequestSubmitted(
            ticket_id=ticket,
            form=form,
            channel=Channel.PORTAL,
            received_at=wib(10, 6, 9),
            priority=Priority.P2,
        )
        meta = Metadata(
            event_id=uuid.uuid4(),
            occurred_at=wib(10, 6, 9),
            actor=Actor(name="Dr. Siti Aminah", role=Role.PEMOHON),
            correlation_id=ticket,
        )
        async with upstream(bed.settings.database_url) as others:
            await others.append(
                f"intake-{ticket}",
                expected_version=ANY_VERSION,
                events=[NewEvent(event=submitted, meta=meta)],
            )
        async for envelope in bed.ctx.store.read_all():
            async with bed.ctx.pool.acquire() as conn, conn.transaction():
                await project(conn, envelope, store=bed.ctx.store)

        async def warnings() -> bool:
            return len((await bed.ctx.store.read_stream(f"reporting-{ticket}")).events) >= 3

        await eventually(warnings)
        await asyncio.sleep(0.3)  # more rounds: still three, once each
        stream = (await bed.ctx.store.read_stream(f"reporting-{ticket}")).events
        assert [e.event.threshold_percent for e in stream] == [50, 75, 100]  # type: ignore[attr-defined]
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "sla-warnings"]
