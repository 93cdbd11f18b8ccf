"""The automated actors of the journeys benchmark, run in a process of their own.

`python -m penghubung.bench.actors` reads its orders as JSON on stdin (the services' URLs, a
token per role, how many actors, for how long), drives complete SOP journeys with the demo's
`Desk` — applicant, kadis, kabid, prakom, petugas — back to back, and prints one JSON report:
journeys completed per second, each command's latency, and a baseline (GET /health/live at
the same concurrency through the same clients).

The desk here keeps one HTTP client per service and role (the demo opens one per call), and
waits for a ticket by asking about that ticket (the demo reads the first page of an inbox,
which a crowd of tickets overflows).
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

from penghubung.bench.common import spread
from penghubung.demo import Desk, Journey, StepFailed, feasibility

_TICKET = re.compile(r"SC05-\d{4}-\d{5}")
_AGENCY = "Dinas Kesehatan"
"""The demo applicant's agency (an applicant submits for their own agency only)."""


class TimedDesk(Desk):
    """The demo's desk with kept-alive clients, per-ticket waits and a stopwatch on each call."""

    def __init__(self, urls: dict[str, str], tokens: dict[str, str], *, poll: float) -> None:
        super().__init__(urls=urls, tokens=tokens, timeout=30.0)
        self.poll = poll
        self.recording = False
        self.commands: dict[str, list[float]] = defaultdict(list)
        self.reads: list[float] = []
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        self._clients = {
            (service, role): httpx.AsyncClient(
                base_url=url,
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
                limits=limits,
            )
            for service, url in urls.items()
            for role, token in tokens.items()
        }

    async def close(self) -> None:
        """Close every client."""
        for client in self._clients.values():
            await client.aclose()

    async def request(
        self, service: str, role: str, method: str, path: str, **kw: Any
    ) -> httpx.Response:
        """One timed request."""
        begun = time.perf_counter()
        response = await self._clients[service, role].request(method, path, **kw)
        elapsed = time.perf_counter() - begun
        if self.recording:
            if method == "GET":
                self.reads.append(elapsed)
            elif response.status_code < 400:
                self.commands[f"{method} {service} {_TICKET.sub('{ticket}', path)}"].append(elapsed)
        return response

    async def call(
        self, service: str, role: str, method: str, path: str, *, expect: int = 200, **kw: Any
    ) -> Any:
        """One HTTP call; `StepFailed` with the answer when the status is not `expect`."""
        response = await self.request(service, role, method, path, **kw)
        if response.status_code != expect:
            raise StepFailed(f"{method} {service}{path}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    async def until(self, what: str, check: Any) -> Any:
        """Poll every `poll` seconds until `check` gives something truthy."""
        deadline = time.monotonic() + self.timeout
        while True:
            value = await check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise StepFailed(f"{what}: not seen within {self.timeout:.0f} s")
            await asyncio.sleep(self.poll)

    async def in_inbox(self, role: str, ticket: str) -> None:
        """Wait until the ticket is held by the role."""

        async def held() -> bool:
            path = f"/requests/{ticket}/dispositions"
            response = await self.request("disposition", role, "GET", path)
            if response.status_code != 200:
                return False
            return bool(response.json()["request"]["holder_role"] == role)

        await self.until(f"{ticket} held by {role}", held)

    async def analyse(self, ticket: str, *, feasible: bool) -> None:
        """Once the work item is the petugas', the feasibility analysis."""

        async def assigned() -> bool:
            response = await self.request("integration", "petugas", "GET", f"/work-items/{ticket}")
            return response.status_code == 200

        await self.until(f"{ticket} as the petugas' work item", assigned)
        await self.call(
            "integration",
            "petugas",
            "POST",
            f"/requests/{ticket}/feasibility",
            expect=201,
            json=feasibility(feasible=feasible),
        )

    async def archive(self, ticket: str) -> dict[str, Any]:
        """Once reporting wrote the report, the petugas archives it."""

        async def written() -> bool:
            path = f"/requests/{ticket}/report"
            return (await self.request("reporting", "petugas", "GET", path)).status_code == 200

        await self.until(f"the report of {ticket}", written)
        archived: dict[str, Any] = await self.call(
            "reporting", "petugas", "POST", f"/requests/{ticket}/archive", expect=201
        )
        return archived


async def _actor(
    desk: TimedDesk, rng: random.Random, until: float, done: list[tuple[float, float]]
) -> list[str]:
    """Journeys back to back until `until`; each finished one as (end, duration)."""
    errors: list[str] = []
    while time.monotonic() < until:
        agency = _AGENCY
        journey = rng.choices(
            (desk.integrated_journey, desk.not_feasible_journey, desk.returned_journey),
            weights=(7, 2, 1),
        )[0]
        begun = time.monotonic()
        try:
            finished: Journey = await journey(agency)
        except (StepFailed, httpx.HTTPError, KeyError) as exc:
            errors.append(f"{type(exc).__name__}: {exc}"[:300])
            continue
        if finished.types[-1:] == ["ReportArchived"]:
            done.append((time.monotonic(), time.monotonic() - begun))
    return errors


async def _health(desk: TimedDesk, actors: int, seconds: float) -> dict[str, Any]:
    """The HTTP floor: GET /health/live round the services, as many at once as actors."""
    services = list(desk.urls)
    latencies: list[float] = []
    until = time.monotonic() + seconds

    async def one(k: int) -> None:
        i = k
        while time.monotonic() < until:
            begun = time.perf_counter()
            await desk.request(services[i % len(services)], "auditor", "GET", "/health/live")
            latencies.append(time.perf_counter() - begun)
            i += 1

    begun = time.monotonic()
    await asyncio.gather(*(one(k) for k in range(actors)))
    elapsed = time.monotonic() - begun
    return {"requests": len(latencies), "rate": len(latencies) / elapsed, "ms": spread(latencies)}


async def drive(orders: dict[str, Any]) -> dict[str, Any]:
    """Run the actors as ordered; the report."""
    desk = TimedDesk(orders["urls"], orders["tokens"], poll=orders.get("poll", 0.1))
    actors, seconds, warmup = orders["actors"], orders["seconds"], orders["warmup"]
    try:
        baseline = await _health(desk, actors, orders["baseline_seconds"])
        start = time.monotonic()
        measured_from = start + warmup
        until = measured_from + seconds
        done: list[tuple[float, float]] = []

        async def record_after_warmup() -> None:
            await asyncio.sleep(warmup)
            desk.recording = True

        recorder = asyncio.create_task(record_after_warmup())
        tasks = [
            asyncio.create_task(_actor(desk, random.Random(k), until, done)) for k in range(actors)
        ]
        await asyncio.wait(tasks, timeout=until - time.monotonic())
        desk.recording = False
        ended = time.monotonic()
        for task in tasks:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        await recorder
    finally:
        await desk.close()
    errors = [e for r in results if isinstance(r, list) for e in r]
    counted = [d for end, d in done if measured_from <= end <= ended]
    window = ended - measured_from
    commands = sum(len(v) for v in desk.commands.values())
    return {
        "actors": actors,
        "window_seconds": window,
        "journeys": len(counted),
        "rate": len(counted) / window,
        "journey_seconds": spread(counted, scale=1.0),
        "commands": {k: spread(v) for k, v in sorted(desk.commands.items())},
        "commands_per_second": commands / window,
        "reads": spread(desk.reads),
        "reads_per_second": len(desk.reads) / window,
        "failures": len(errors),
        "first_errors": errors[:5],
        "baseline": baseline,
    }


def main() -> int:
    """Read the orders from stdin, write the report where they say."""
    orders = json.loads(sys.stdin.read())
    report = asyncio.run(drive(orders))
    Path(orders["report"]).write_text(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
