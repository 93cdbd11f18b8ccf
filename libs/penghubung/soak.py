"""`make soak`: thousands of requests through the whole SOP, then the log, bus and views must agree.

`python -m penghubung.soak` is the load's own process. It starts a system for the run — on
PENGHUBUNG_DATABASE_URL / PENGHUBUNG_NATS_URL when they are set (in a new database and a new
stream, both removed afterwards), else on embedded servers under a temporary folder — and
drives `--requests` requests, `--concurrency` at a time, from the submission to the agenda
book over HTTP. Then it waits until every consumer is done and checks that the counts agree
exactly: the log, the stream and every durable's acknowledgements, each consumer's inbox,
the reporting projection (every request archived, one timeline row per logged event) and
the hash chain. It prints requests per second, each step's latency (p50/p95/p99) and the
events in all; the exit status is 0 only when everything agrees.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import nats

from penghubung.audit.verdict import verify_chain
from penghubung.db import connect
from penghubung.demo import OFFICER, PDF, feasibility, implementation, request_form
from penghubung.runtime.nats import EmbeddedNats
from penghubung.runtime.postgres import EmbeddedPostgres
from penghubung.services import service_module
from penghubung.settings import NatsSettings
from penghubung.testing.system import System, SystemConfig
from penghubung.testing.tally import Tally, settled_tally

AGENCIES = (
    "Dinas Kesehatan",
    "Dinas Pendidikan",
    "Dinas Perhubungan",
    "Badan Pendapatan Daerah",
    "Dinas Kependudukan dan Pencatatan Sipil",
)
STEPS = ("submit", "kadis", "kabid", "prakom", "feasibility", "implementation", "archive")
"""The SOP's commands, in order; each but the first waits for the bus to bring the request."""

SOP_EVENTS: Mapping[str, int] = {
    "RequestSubmitted": 1,
    "Disposed": 3,
    "FeasibilityDone": 1,
    "Integrated": 1,
    "ReportWritten": 1,
    "BeritaAcaraNumberReserved": 1,
    "ReportArchived": 1,
}
"""What the log holds for one integrated request, and nothing more of these types."""

_POLL_FIRST, _POLL_MAX = 0.02, 0.25


class StepFailed(AssertionError):
    """A step got an answer it did not expect, or its request did not arrive in time."""


@dataclass
class Latencies:
    """Seconds per step: the command's round trip, and the wait for the request to arrive."""

    command: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    handover: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def lines(self) -> list[str]:
        """A table of p50/p95/p99 per step, in milliseconds."""
        out = [f"{'step':<15}{'command p50/p95/p99 ms':>26}{'hand-over p50/p95/p99 ms':>28}"]
        for step in STEPS:
            out.append(
                f"{step:<15}{_percentiles(self.command.get(step, [])):>26}"
                f"{_percentiles(self.handover.get(step, [])):>28}"
            )
        return out


def _percentiles(values: Sequence[float]) -> str:
    if len(values) < 2:
        return "-" if not values else f"{values[0] * 1000:.0f}"
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return "/".join(f"{cuts[p - 1] * 1000:.0f}" for p in (50, 95, 99))


class Sop:
    """The SOP driven over HTTP with kept-alive connections; each step waits for its request."""

    def __init__(
        self,
        urls: Mapping[str, str],
        tokens: Mapping[str, str],
        *,
        timeout: float = 120.0,
        connections: int = 32,
        latencies: Latencies | None = None,
    ) -> None:
        self._urls = urls
        self._tokens = tokens
        self._timeout = timeout
        self._connections = connections
        self._http: dict[str, httpx.AsyncClient] = {}
        self.latencies = latencies or Latencies()

    async def __aenter__(self) -> Sop:
        limits = httpx.Limits(max_connections=self._connections, max_keepalive_connections=32)
        for service, url in self._urls.items():
            self._http[service] = httpx.AsyncClient(base_url=url, timeout=30.0, limits=limits)
        return self

    async def __aexit__(self, *exc: object) -> None:
        for client in self._http.values():
            await client.aclose()

    async def request(
        self, service: str, role: str, method: str, path: str, **kw: Any
    ) -> httpx.Response:
        """One call as `role`."""
        headers = {"Authorization": f"Bearer {self._tokens[role]}", **kw.pop("headers", {})}
        return await self._http[service].request(method, path, headers=headers, **kw)

    async def command(
        self,
        step: str,
        service: str,
        role: str,
        path: str,
        *,
        expect: int = 201,
        retry: bool = False,
        **kw: Any,
    ) -> Any:
        """A POST whose answer must be `expect`; its round trip counts for `step`.

        With `retry`, a lost connection or a 5xx is tried again (backing off, within the
        timeout), as a client does with a command that carries an Idempotency-Key.
        """
        started = time.monotonic()
        pause = _POLL_FIRST
        while True:
            try:
                response: httpx.Response | None = await self.request(
                    service, role, "POST", path, **kw
                )
            except httpx.TransportError as exc:
                if not retry:
                    raise StepFailed(f"{step} {path}: {exc!r}") from exc
                response = None
            unanswered = response is None or response.status_code >= 500
            if not (retry and unanswered) or time.monotonic() - started > self._timeout:
                break
            await asyncio.sleep(pause)
            pause = min(pause * 2, 1.0)
        self.latencies.command[step].append(time.monotonic() - started)
        if response is None or response.status_code != expect:
            answer = "no answer" if response is None else f"{response.status_code} {response.text}"
            raise StepFailed(f"{step} {path}: {answer[:500]}")
        return response.json()

    async def until(self, step: str, what: str, check: Callable[[], Awaitable[Any]]) -> Any:
        """Poll `check` (backing off) until it gives something; the wait counts for `step`."""
        started = time.monotonic()
        pause = _POLL_FIRST
        while True:
            found = await check()
            if found:
                self.latencies.handover[step].append(time.monotonic() - started)
                return found
            if time.monotonic() - started > self._timeout:
                raise StepFailed(f"{what}: not seen within {self._timeout:.0f} s")
            await asyncio.sleep(pause)
            pause = min(pause * 1.5, _POLL_MAX)

    async def submit(
        self,
        agency: str,
        *,
        application: str = "SIMPUS",
        key: str | None = None,
        retry: bool = True,
    ) -> str:
        """Upload the request letter and submit the form as an applicant of `agency`; the ticket.

        With `retry` (the default), a lost answer or a 5xx is sent again with the same key.
        """
        applicant = f"pemohon:{agency}" if f"pemohon:{agency}" in self._tokens else "pemohon"
        letter = await self.command(
            "submit",
            "intake",
            applicant,
            "/attachments",
            retry=retry,
            files={"file": ("surat-permohonan.pdf", PDF, "application/pdf")},
            data={"kind": "surat_permohonan"},
        )
        created = await self.command(
            "submit",
            "intake",
            applicant,
            "/requests",
            retry=retry,
            json={
                "form": request_form(agency, application),
                "channel": "portal",
                "attachment_ids": [letter["attachment_id"]],
            },
            headers={"Idempotency-Key": key or str(uuid.uuid4())},
        )
        ticket: str = created["ticket_id"]
        return ticket

    async def holder(self, ticket: str) -> str | None:
        """Who holds the request in the disposition chain (None: disposition does not know it)."""
        response = await self.request(
            "disposition", "auditor", "GET", f"/requests/{ticket}/dispositions"
        )
        if response.status_code != 200:
            return None
        role: str = response.json()["request"]["holder_role"]
        return role

    async def wait_holder(self, ticket: str, role: str, *, step: str | None = None) -> None:
        """Wait until `role` holds the request."""

        async def holds() -> bool:
            return await self.holder(ticket) == role

        await self.until(step or role, f"{ticket} held by {role}", holds)

    async def dispose(self, ticket: str, role: str) -> None:
        """The holder hands the request one level down, with the papers the SOP asks for."""
        documents = {
            "kadis": ["surat_permohonan"],
            "kabid": ["surat_permohonan", "disposisi_kadis"],
            "prakom": ["surat_permohonan", "disposisi_kadis", "disposisi_kabid"],
        }[role]
        body: dict[str, Any] = {"instruction": f"Mohon ditindaklanjuti ({role})"}
        body["documents"] = documents
        if role == "prakom":
            body["to_officer"] = OFFICER
        await self.command(role, "disposition", role, f"/requests/{ticket}/dispositions", json=body)

    async def analyse(self, ticket: str) -> None:
        """Once the work item is the petugas's, the feasibility analysis (feasible)."""

        async def assigned() -> bool:
            response = await self.request("integration", "petugas", "GET", f"/work-items/{ticket}")
            return response.status_code == 200

        await self.until("feasibility", f"the work item of {ticket}", assigned)
        await self.command(
            "feasibility",
            "integration",
            "petugas",
            f"/requests/{ticket}/feasibility",
            json=feasibility(feasible=True),
        )

    async def implement(self, ticket: str) -> None:
        """The integration as built."""
        await self.command(
            "implementation",
            "integration",
            "petugas",
            f"/requests/{ticket}/implementation",
            json=implementation(),
        )

    async def archive(self, ticket: str) -> None:
        """Once reporting wrote the report, it goes into the agenda book."""

        async def written() -> bool:
            response = await self.request(
                "reporting", "petugas", "GET", f"/requests/{ticket}/report"
            )
            return response.status_code == 200

        await self.until("archive", f"the report of {ticket}", written)
        await self.command("archive", "reporting", "petugas", f"/requests/{ticket}/archive")

    async def journey(self, agency: str) -> str:
        """One request from submission to the agenda book; its ticket."""
        ticket = await self.submit(agency)
        for role in ("kadis", "kabid", "prakom"):
            await self.wait_holder(ticket, role)
            await self.dispose(ticket, role)
        await self.analyse(ticket)
        await self.implement(ticket)
        await self.archive(ticket)
        return ticket

    async def submit_many(self, count: int, *, concurrency: int, agency: str) -> list[str]:
        """`count` submissions, `concurrency` at a time; the tickets, in order of submission."""
        return await run_bounded(count, concurrency, lambda _: self.submit(agency))


async def run_bounded(
    count: int, concurrency: int, work: Callable[[int], Awaitable[str]]
) -> list[str]:
    """Run `work(0..count-1)` with at most `concurrency` at once; the results in index order."""
    results: list[str | None] = [None] * count
    queue = iter(range(count))

    async def worker() -> None:
        for index in queue:
            results[index] = await work(index)

    async with asyncio.TaskGroup() as group:
        for _ in range(min(concurrency, count)):
            group.create_task(worker())
    return [r for r in results if r is not None]


# --------------------------------------------------------------------------- the run


@dataclass
class SoakResult:
    """What a soak did and found."""

    requests: int
    seconds: float
    settle_seconds: float
    """From the last archive until every count agreed (or the wait ran out)."""
    tally: Tally
    problems: list[str]
    latencies: Latencies

    @property
    def ok(self) -> bool:
        """Whether every count agreed."""
        return not self.problems


def timeline_types() -> frozenset[str]:
    """The event types the reporting projection puts on a timeline, asked of the reporting
    service the soak runs (its routing table, `reporting.projections.apply.APPLIERS`)."""
    module = service_module("reporting", "projections.apply")
    if module is None:
        raise RuntimeError("the soak needs the reporting service installed")
    handled: frozenset[str] = module.APPLIERS.handled
    return handled


async def drive(system: System, *, requests: int, concurrency: int, within: float) -> SoakResult:
    """Push `requests` requests through the SOP on a running system and check the counts."""
    latencies = Latencies()
    started = time.monotonic()
    tokens = {**system.tokens, **{f"pemohon:{a}": system.applicant_token(a) for a in AGENCIES}}
    async with Sop(
        system.urls, tokens, connections=concurrency * 2 + 8, latencies=latencies
    ) as sop:
        done = 0

        async def one(index: int) -> str:
            nonlocal done
            ticket = await sop.journey(AGENCIES[index % len(AGENCIES)])
            done += 1
            if done % max(requests // 10, 1) == 0:
                rate = done / (time.monotonic() - started)
                print(f"  {done}/{requests} archived ({rate:.1f} requests/s)", flush=True)
            return ticket

        tickets = await run_bounded(requests, concurrency, one)
    seconds = time.monotonic() - started
    tally = await settled_tally(
        system.config.database_url, system.nats, within=within, timeline_types=timeline_types()
    )
    settle_seconds = time.monotonic() - started - seconds
    problems = tally.problems()
    problems += await _check_tickets(system.config.database_url, tickets)
    return SoakResult(requests, seconds, settle_seconds, tally, problems, latencies)


async def _check_tickets(database_url: str, tickets: Sequence[str]) -> list[str]:
    """Each ticket archived, with exactly the SOP's events; the hash chain intact."""
    problems: list[str] = []
    conn = await connect(database_url)
    try:
        archived = await conn.fetchval(
            "SELECT count(*) FROM reporting.requests WHERE status = 'archived'"
            " AND ticket_id = ANY($1::text[])",
            list(tickets),
        )
        if archived != len(tickets):
            problems.append(f"{archived} of {len(tickets)} requests archived in reporting")
        wrong = await conn.fetch(
            "SELECT correlation_id, type, count(*) AS n FROM eventstore.events"
            " WHERE correlation_id = ANY($1::text[]) AND type = ANY($2::text[])"
            " GROUP BY 1, 2 HAVING count(*) <> ($3::jsonb ->> type)::int LIMIT 10",
            list(tickets),
            list(SOP_EVENTS),
            dict(SOP_EVENTS),
        )
        kinds = await conn.fetchval(
            "SELECT count(*) FROM (SELECT DISTINCT correlation_id, type FROM eventstore.events"
            " WHERE correlation_id = ANY($1::text[]) AND type = ANY($2::text[])) AS pairs",
            list(tickets),
            list(SOP_EVENTS),
        )
        if wrong or kinds != len(tickets) * len(SOP_EVENTS):
            problems.append(f"tickets without exactly the SOP's events: {[dict(r) for r in wrong]}")
        chain = await verify_chain(conn)
        if not chain.ok:
            problems.append(f"hash chain broken at {chain.first_bad_position}: {chain.problem}")
        elif chain.checked != await conn.fetchval("SELECT position FROM eventstore.head"):
            problems.append(f"hash chain verified {chain.checked} events, not the whole log")
    finally:
        await conn.close()
    return problems


def report(result: SoakResult) -> list[str]:
    """The figures of a soak, as lines to print."""
    tally = result.tally
    lines = [
        f"requests: {result.requests} through the whole SOP in {result.seconds:.1f} s"
        f" = {result.requests / result.seconds:.1f} requests/s"
        f" ({tally.log_events / result.seconds:.0f} events/s); every count agreed"
        f" {result.settle_seconds:.1f} s after the last archive",
        f"events in the log: {tally.log_events} ("
        + ", ".join(f"{t} {n}" for t, n in sorted(tally.log_by_type.items()))
        + ")",
        f"stream: {tally.stream_messages} messages, last position {tally.stream_last_position};"
        f" relay checkpoint {tally.relay_checkpoint}",
        *(
            f"durable {s.name}: delivered {s.delivered}, ack floor {s.ack_floor},"
            f" pending {s.pending}, redelivered {s.redelivered}; inbox"
            f" {tally.inbox.get(s.name, 0)} of {tally.inbox_expected.get(s.name, 0)} expected"
            for s in tally.durables.values()
        ),
        f"reporting: checkpoint {tally.projection_checkpoint}, timeline {tally.timeline_rows}"
        f" rows for {tally.timeline_expected} events",
        "latency per step (command = the HTTP call; hand-over = waiting for the bus to bring it):",
        *("  " + line for line in result.latencies.lines()),
    ]
    if result.ok:
        lines.append("every count agrees and the hash chain verifies")
    else:
        lines += ["PROBLEMS:", *("  " + p for p in result.problems)]
    return lines


# --------------------------------------------------------------------------- servers


@dataclass(frozen=True)
class Servers:
    """The database and NATS a soak runs on, and the stream to remove afterwards."""

    database_url: str
    nats_url: str


@contextlib.asynccontextmanager
async def soak_servers(
    folder: Path, *, database_url: str | None, nats_url: str | None, run_id: str, keep: bool
) -> AsyncIterator[Servers]:
    """The environment's servers (a new database of the run's) or embedded ones in `folder`."""
    with contextlib.ExitStack() as stack:
        if database_url is None:
            postgres = stack.enter_context(EmbeddedPostgres(folder))
            database_url = postgres.url
        if nats_url is None:
            nats_url = stack.enter_context(EmbeddedNats(folder)).url
        name = f"penghubung_soak_{run_id}"
        await _admin(database_url, f'CREATE DATABASE "{name}"')
        try:
            yield Servers(database_url=_with_database(database_url, name), nats_url=nats_url)
        finally:
            if not keep:
                await _admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _delete_stream(settings: NatsSettings) -> None:
    nc = await nats.connect(settings.nats_url, connect_timeout=5, max_reconnect_attempts=1)
    try:
        await nc.jetstream().delete_stream(settings.stream_name)
    finally:
        await nc.close()


async def soak(args: argparse.Namespace) -> int:
    """Start a system, drive it, check it, print the figures; 0 when everything agrees."""
    run_id = uuid.uuid4().hex[:8]
    env_db = args.database_url or os.environ.get("PENGHUBUNG_DATABASE_URL") or None
    env_nats = args.nats_url or os.environ.get("PENGHUBUNG_NATS_URL") or None
    folder = Path(args.data_dir or tempfile.mkdtemp(prefix="penghubung-soak-"))
    print(
        f"soak {run_id}: {args.requests} requests, {args.concurrency} at a time; data in {folder}"
    )
    async with soak_servers(
        folder, database_url=env_db, nats_url=env_nats, run_id=run_id, keep=args.keep
    ) as servers:
        config = SystemConfig(
            database_url=servers.database_url,
            nats_url=servers.nats_url,
            log_dir=folder / "logs",
            run_id=run_id,
            settings={"PENGHUBUNG_LOG_LEVEL": args.log_level},
        )
        system = System(config)
        try:
            async with system:
                print(f"system up; logs in {config.log_dir}", flush=True)
                result = await drive(
                    system,
                    requests=args.requests,
                    concurrency=args.concurrency,
                    within=args.settle_timeout,
                )
        finally:
            if not args.keep:
                with contextlib.suppress(Exception):
                    await _delete_stream(system.nats)
    for line in report(result):
        print(line)
    if result.ok and not args.data_dir and not args.keep:
        shutil.rmtree(folder, ignore_errors=True)  # a failed run keeps its logs to be read
    return 0 if result.ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m penghubung.soak [--requests N] [--concurrency C]`."""
    parser = argparse.ArgumentParser(prog="penghubung.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests through the SOP")
    parser.add_argument("--concurrency", type=int, default=24, help="requests at once")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to make the run's database on (default: PENGHUBUNG_DATABASE_URL,"
        " else embedded)",
    )
    parser.add_argument(
        "--nats-url",
        help="a NATS server with JetStream (default: PENGHUBUNG_NATS_URL, else embedded)",
    )
    parser.add_argument("--data-dir", help="folder for embedded servers and logs")
    parser.add_argument("--settle-timeout", type=float, default=300.0, help="seconds to agree")
    parser.add_argument("--log-level", default="INFO", help="the services' log level")
    parser.add_argument("--keep", action="store_true", help="keep the database and stream")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.concurrency < 1:
        parser.error("--requests and --concurrency must be at least 1")
    return asyncio.run(soak(args))


if __name__ == "__main__":
    sys.exit(main())
