"""The automated actors of the journeys benchmark, run in a process of their own.

`python -m penghubung.bench.actors` reads its orders as JSON on stdin (the services' URLs, a
token per role, the rates to search and the bound), and drives complete SOP journeys with the
demo's `Desk` — applicant, kadis, kabid, prakom, petugas — open-loop: journeys start on a
schedule, `rate` a second for `step_seconds`, whether or not the earlier ones have finished.
A step passes when the p95 of its journeys' durations is within `bound` seconds, a journey
that fails or has not finished `wait` seconds after the last start counting as infinitely long.
The rates are searched as the hop's are (`common.search_capacity`: bracket, then bisect). It
writes one JSON report: each step's journeys, durations, command latencies and window (on the
machine's monotonic clock, for the CPU meter of the parent), and a baseline (GET /health/live
through the same clients).

The desk here keeps one HTTP client per service and role (the demo opens one per call), and
waits for a ticket by asking about that ticket (the demo reads the first page of an inbox,
which a crowd of tickets overflows), first at once, then after `poll` seconds, each wait half
as long again as the one before, up to `poll_max`: few reads, since a read is a request that
the services serve beside the commands.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

from penghubung.bench.common import search_capacity, spread
from penghubung.demo import Desk, Journey, StepFailed, feasibility

_TICKET = re.compile(r"SC05-\d{4}-\d{5}")
_AGENCY = "Dinas Kesehatan"
"""The demo applicant's agency (an applicant submits for their own agency only)."""


class TimedDesk(Desk):
    """The demo's desk with kept-alive clients, per-ticket waits and a stopwatch on each call."""

    def __init__(
        self, urls: dict[str, str], tokens: dict[str, str], *, poll: float, poll_max: float
    ) -> None:
        super().__init__(urls=urls, tokens=tokens, timeout=30.0)
        self.poll = poll
        self.poll_max = poll_max
        self.recording = False
        self.commands: dict[str, list[float]] = defaultdict(list)
        self.reads: list[float] = []
        # Idle connections are let go before the services' own keep-alive (5 s) closes them,
        # so that a request never goes out on a connection the server is closing.
        limits = httpx.Limits(
            max_connections=200, max_keepalive_connections=200, keepalive_expiry=2.0
        )
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
        """Ask until `check` gives something truthy: at once, then after `poll` seconds, each
        wait half as long again as the one before, up to `poll_max`."""
        deadline = time.monotonic() + self.timeout
        wait = self.poll
        while True:
            value = await check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise StepFailed(f"{what}: not seen within {self.timeout:.0f} s")
            await asyncio.sleep(wait)
            wait = min(wait * 1.5, self.poll_max)

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


async def _journey(desk: TimedDesk, rng: random.Random, errors: list[str]) -> float:
    """One complete journey, integrated, not feasible or returned (7 : 2 : 1); its duration in
    seconds, or infinity when it failed."""
    journey = rng.choices(
        (desk.integrated_journey, desk.not_feasible_journey, desk.returned_journey),
        weights=(7, 2, 1),
    )[0]
    begun = time.monotonic()
    try:
        finished: Journey = await journey(_AGENCY)
    except (StepFailed, httpx.HTTPError, KeyError) as exc:
        errors.append(f"{type(exc).__name__}: {exc}"[:300])
        return math.inf
    if finished.types[-1:] != ["ReportArchived"]:
        errors.append(f"ended with {finished.types[-1:]}")
        return math.inf
    return time.monotonic() - begun


async def step(
    desk: TimedDesk, rate: float, orders: dict[str, Any], rng: random.Random
) -> dict[str, Any]:
    """Journeys started `rate` a second for `step_seconds` (open loop); waited for at most
    `wait` seconds after the last start, the rest cancelled and counted infinitely long."""
    desk.commands.clear()
    desk.reads.clear()
    errors: list[str] = []
    count = max(1, round(rate * orders["step_seconds"]))
    loop = asyncio.get_running_loop()
    start = time.monotonic()
    begun = loop.time()
    desk.recording = True
    tasks: list[asyncio.Task[float]] = []
    lateness = 0.0
    for i in range(count):
        delay = begun + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            lateness = max(lateness, -delay)
        tasks.append(asyncio.create_task(_journey(desk, rng, errors)))
    done, pending = await asyncio.wait(tasks, timeout=orders["wait"])
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    desk.recording = False
    end = time.monotonic()
    durations = [t.result() for t in done]
    finished = [d for d in durations if math.isfinite(d)]
    failed = len(durations) - len(finished)
    journey_seconds = spread(finished, scale=1.0, lost=failed + len(pending))
    commands = sum(len(v) for v in desk.commands.values())
    if pending:  # what they left on the bus is let through before the next step
        await asyncio.sleep(orders["pause"])
    return {
        "rate": rate,
        "started": count,
        "finished": len(finished),
        "failed": failed,
        "unfinished": len(pending),
        "passed": journey_seconds["p95"] <= orders["bound"],
        "journey_seconds": journey_seconds,
        "window": [start, end],
        "schedule_lateness_seconds": lateness,
        "commands": {k: spread(v) for k, v in sorted(desk.commands.items())},
        "commands_per_second": commands / (end - start),
        "reads": spread(desk.reads),
        "reads_per_journey": len(desk.reads) / count,
        "first_errors": errors[:5],
    }


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
    return {
        "concurrency": actors,
        "requests": len(latencies),
        "rate": len(latencies) / elapsed,
        "ms": spread(latencies),
    }


async def drive(orders: dict[str, Any]) -> dict[str, Any]:
    """Search the rates as ordered; the report."""
    desk = TimedDesk(
        orders["urls"], orders["tokens"], poll=orders["poll"], poll_max=orders["poll_max"]
    )
    rng = random.Random(7)
    steps: list[dict[str, Any]] = []

    async def tries(rate: float) -> bool:
        steps.append(done := await step(desk, rate, orders, rng))
        p95 = done["journey_seconds"]["p95"]
        lost = done["failed"] + done["unfinished"]
        print(
            f"{time.strftime('%H:%M:%S')} journeys: {rate:.3g}/s → p95"
            f" {'∞' if math.isinf(p95) else f'{p95:.1f}'} s, {lost} of {done['started']} not"
            f" finished {'ok' if done['passed'] else 'over'}",
            file=sys.stderr,
            flush=True,
        )
        return bool(done["passed"])

    try:
        baseline = await _health(desk, orders["concurrency"], orders["baseline_seconds"])
        warmup = [_journey(desk, rng, []) for _ in range(orders["warmup_journeys"])]
        await asyncio.gather(*warmup)
        found = await search_capacity(
            tries,
            orders["start_rate"],
            lowest=orders["lowest"],
            highest=orders["highest"],
            steps=orders["steps"],
        )
    finally:
        await desk.close()
    return {"baseline": baseline, "search": found.as_json(), "steps": steps}


def main() -> int:
    """Read the orders from stdin, write the report where they say."""
    orders = json.loads(sys.stdin.read())
    report = asyncio.run(drive(orders))
    Path(orders["report"]).write_text(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
