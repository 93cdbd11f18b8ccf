"""The consumer base against real PostgreSQL and NATS: once-only effects, retries, dead letters."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

import asyncpg
import nats
import pytest
from nats.aio.client import Client as NatsClient

import penghubung.bus.consumer as consumer_module
from penghubung.bus import wire
from penghubung.bus.consumer import (
    ConsumerNotDeclared,
    Delivery,
    Outcome,
    Rejected,
    RunningConsumers,
    Subscription,
    backoff_seconds,
    handle_batch,
    handle_message,
    serve_consumers,
)
from penghubung.bus.deadletters import dead_letters_command, list_dead_letters, request_redrive
from penghubung.bus.topology import ConsumerSpec, bootstrap, subject
from penghubung.db import create_pool
from penghubung.events import Actor, Envelope, Event, EventRegistry, Role
from penghubung.refusals import NotFound, Refused, Unavailable
from penghubung.settings import NatsSettings

pytestmark = pytest.mark.integration

events = EventRegistry()


@events.register
class Noted(Event):
    """A test fact whose text says how the test handler treats it."""

    type: Literal["Noted"] = "Noted"
    schema_version: int = 1
    category: ClassVar[str] = "intake"
    text: str


@events.register
class Ignored(Event):
    """A test fact the test subscriptions may leave out."""

    type: Literal["Ignored"] = "Ignored"
    schema_version: int = 1
    category: ClassVar[str] = "intake"
    text: str


_positions = itertools.count(1)


def stored_row(text: str, *, event_id: uuid.UUID | None = None, type: str = "Noted") -> Any:
    """A row as the relay reads it from the log."""
    now = datetime.now(UTC)
    return {
        "event_id": event_id or uuid.uuid4(),
        "stream_id": f"intake-{uuid.uuid4()}",
        "stream_version": 1,
        "global_position": next(_positions),
        "type": type,
        "schema_version": 1,
        "occurred_at": now,
        "recorded_at": now,
        "actor": Actor(name="test", role=Role.SYSTEM).model_dump(mode="json"),
        "correlation_id": "T-1",
        "causation_id": None,
        "payload": {"text": text},
        "hash": bytes(32),
    }


class Handler:
    """The test handler: writes an effect, then faults or rejects as the test says."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.faults: dict[str, int] = {}
        """Text → how many first calls fault."""
        self.broken = False
        """Every call faults while set."""
        self.rejected: set[str] = set()
        self.refused: dict[str, Refused] = {}
        """Text → the refusal its first call raises (a domain's refusal, raised as it is)."""
        self.gates: dict[str, asyncio.Event] = {}
        """Text → an event its call waits for after writing its effect (its transaction open)."""

    async def __call__(self, conn: asyncpg.Connection, envelope: Envelope) -> None:
        text: str = envelope.event.text  # type: ignore[attr-defined]
        self.calls[text] += 1
        # Written before failing, to show that a failure leaves nothing half-written.
        await conn.execute(
            "INSERT INTO test_effects (event_id, text) VALUES ($1, $2)", envelope.event_id, text
        )
        if text in self.gates:
            await self.gates[text].wait()
        if text in self.rejected:
            raise Rejected(f"{text} names no known ticket", code="ticket_unknown")
        if text in self.refused:
            raise self.refused.pop(text)
        if self.broken or self.calls[text] <= self.faults.get(text, 0):
            raise RuntimeError(f"{text}: the database of record is having a bad day")


@dataclass
class Bed:
    """One test's stream, consumer and handler, over the module's database."""

    settings: NatsSettings
    spec: ConsumerSpec
    pool: asyncpg.Pool
    nc: NatsClient
    handler: Handler = field(default_factory=Handler)

    @property
    def consumer(self) -> str:
        return self.spec.durable

    def subscription(self, types: frozenset[str] | None = None) -> Subscription:
        return Subscription(self.spec, self.handler, types)

    def serve(self) -> contextlib.AbstractAsyncContextManager[RunningConsumers]:
        return serve_consumers(
            pool=self.pool,
            settings=self.settings,
            subscriptions=[self.subscription()],
            events=events,
            redrive_poll_seconds=0.2,
        )

    async def publish(
        self, text: str, *, event_id: uuid.UUID | None = None, type: str = "Noted"
    ) -> uuid.UUID:
        row = stored_row(text, event_id=event_id, type=type)
        data, headers = wire.encode(row)
        # A fresh Nats-Msg-Id: JetStream's duplicate window must not hide a second copy.
        headers[wire.MSG_ID] = str(uuid.uuid4())
        await self.nc.jetstream().publish(
            subject(self.settings, "intake", type), data, headers=headers
        )
        event: uuid.UUID = row["event_id"]
        return event

    async def publish_raw(self, data: bytes) -> None:
        await self.nc.jetstream().publish(subject(self.settings, "intake", "Garbled"), data)

    async def effects(self, text: str) -> int:
        async with self.pool.acquire() as conn:
            count: int = await conn.fetchval(
                "SELECT count(*) FROM test_effects WHERE text = $1", text
            )
        return count

    async def inbox(self, event_id: uuid.UUID) -> int:
        async with self.pool.acquire() as conn:
            count: int = await conn.fetchval(
                "SELECT count(*) FROM messaging.inbox WHERE consumer = $1 AND event_id = $2",
                self.consumer,
                event_id,
            )
        return count

    async def pending(self) -> tuple[int, int, int]:
        """The durable's messages not delivered, not acked, and redelivered but not acked."""
        info = await self.nc.jetstream().consumer_info(self.settings.stream_name, self.consumer)
        return info.num_pending or 0, info.num_ack_pending or 0, info.num_redelivered or 0

    async def dead_letters(self) -> list[asyncpg.Record]:
        async with self.pool.acquire() as conn:
            return list(
                await conn.fetch(
                    "SELECT * FROM messaging.dead_letters WHERE consumer = $1 ORDER BY id",
                    self.consumer,
                )
            )


async def until(check: Callable[[], Awaitable[bool]], *, seconds: float = 30.0) -> None:
    """Poll a condition until it holds; fail when the deadline passes."""
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached before the deadline")
        await asyncio.sleep(0.05)


@pytest.fixture(scope="module")
async def database(new_database: Callable[[], Awaitable[str]]) -> str:
    url = await new_database()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE TABLE test_effects (event_id uuid NOT NULL, text text NOT NULL)")
    finally:
        await conn.close()
    return url


@pytest.fixture(scope="module")
async def pool(database: str) -> AsyncIterator[asyncpg.Pool]:
    async with create_pool(database, size=8) as p:
        yield p


@pytest.fixture
async def bed(pool: asyncpg.Pool, nats_url: str, run_id: str) -> AsyncIterator[Bed]:
    suffix = uuid.uuid4().hex[:8]
    settings = NatsSettings(
        nats_url=nats_url,
        stream_name=f"T_{run_id}_{suffix}",
        subject_prefix=f"t{run_id}{suffix}.events",
        retry_backoff_seconds=0.05,
        max_attempts=3,
        graceful_timeout_seconds=5,
    )
    spec = ConsumerSpec(durable=f"consumer_{suffix}", ack_wait_seconds=10)
    await bootstrap(settings, [spec])
    nc = await nats.connect(nats_url)
    try:
        yield Bed(settings, spec, pool, nc)
    finally:
        with contextlib.suppress(Exception):
            await nc.jetstream().delete_stream(settings.stream_name)
        await nc.close()


async def test_an_event_delivered_twice_has_one_effect(bed: Bed) -> None:
    event_id = await bed.publish("twice")
    await bed.publish("twice", event_id=event_id)
    await bed.publish("after")

    async with bed.serve():
        # One message at a time, in order: once "after" is handled, both copies were.
        await until(lambda: _positive(bed.effects("after")))

    assert await bed.effects("twice") == 1
    assert bed.handler.calls["twice"] == 1
    assert await bed.inbox(event_id) == 1


async def test_a_fault_is_retried_with_backoff_and_then_has_one_effect(bed: Bed) -> None:
    bed.handler.faults["flaky"] = 1
    event_id = await bed.publish("flaky")

    async with bed.serve():
        await until(lambda: _positive(bed.effects("flaky")))

    assert bed.handler.calls["flaky"] == 2
    assert await bed.effects("flaky") == 1  # the failed attempt's write was rolled back
    assert await bed.inbox(event_id) == 1
    assert await bed.dead_letters() == []


async def test_poison_and_rejected_messages_are_dead_lettered_and_the_consumer_goes_on(
    bed: Bed,
) -> None:
    bed.handler.rejected.add("refused")
    await bed.publish_raw(b"\xff not json at all")
    unknown = await bed.publish("from the future", type="NotYetInvented")
    refused = await bed.publish("refused")
    await bed.publish("next")

    async with bed.serve():
        await until(lambda: _positive(bed.effects("next")))
        await until(lambda: _at_least(bed.dead_letters(), 3))

    garbled, future, rejected = await bed.dead_letters()
    assert (garbled["error_code"], garbled["event_id"], garbled["event_type"]) == (
        "invalid_payload",
        None,
        None,
    )
    assert garbled["data"] == b"\xff not json at all"
    assert "JSONDecodeError" in garbled["reason"] or "UnicodeDecodeError" in garbled["reason"]
    assert garbled["subject"].endswith(".intake.Garbled")
    assert future["error_code"] == "unknown_event_type"
    assert (future["event_id"], future["event_type"]) == (unknown, "NotYetInvented")
    assert "NotYetInvented" in future["reason"]
    assert future["headers"][wire.TYPE] == "NotYetInvented"
    assert (rejected["error_code"], rejected["event_id"]) == ("ticket_unknown", refused)
    assert rejected["reason"] == "refused names no known ticket"
    assert [d["attempts"] for d in (garbled, future, rejected)] == [1, 1, 1]
    assert {d["status"] for d in (garbled, future, rejected)} == {"dead"}
    assert bed.handler.calls["refused"] == 1  # a rejection is never retried
    assert await bed.effects("refused") == 0
    assert await bed.inbox(refused) == 0


async def test_a_domain_refusal_is_dead_lettered_with_its_code_and_never_retried(
    bed: Bed,
) -> None:
    bed.handler.refused["unknown ticket"] = NotFound("tiket tidak dikenal", code="ticket_unknown")
    refused = await bed.publish("unknown ticket")
    await bed.publish("next")

    async with bed.serve():
        await until(lambda: _positive(bed.effects("next")))
        await until(lambda: _at_least(bed.dead_letters(), 1))

    [dead] = await bed.dead_letters()
    assert (dead["error_code"], dead["event_id"], dead["attempts"]) == (
        "ticket_unknown",
        refused,
        1,
    )
    assert dead["reason"] == "tiket tidak dikenal"
    assert bed.handler.calls["unknown ticket"] == 1
    assert await bed.effects("unknown ticket") == 0


async def test_an_unavailable_refusal_is_retried_like_a_fault(bed: Bed) -> None:
    bed.handler.refused["busy"] = Unavailable()
    event_id = await bed.publish("busy")

    async with bed.serve():
        await until(lambda: _positive(bed.effects("busy")))

    assert bed.handler.calls["busy"] == 2
    assert await bed.inbox(event_id) == 1
    assert await bed.dead_letters() == []


async def test_a_message_that_always_faults_is_dead_lettered_after_max_attempts(
    bed: Bed,
) -> None:
    bed.handler.broken = True
    event_id = await bed.publish("doomed")

    async with bed.serve():
        await until(lambda: _at_least(bed.dead_letters(), 1))
        bed.handler.broken = False
        await bed.publish("next")
        await until(lambda: _positive(bed.effects("next")))

    (letter,) = await bed.dead_letters()
    assert letter["error_code"] == "too_many_attempts"
    assert letter["attempts"] == bed.settings.max_attempts == 3
    assert letter["event_id"] == event_id
    assert "RuntimeError: doomed" in letter["reason"]
    assert bed.handler.calls["doomed"] == 3
    assert await bed.effects("doomed") == 0
    assert await bed.inbox(event_id) == 0


async def test_a_redriven_dead_letter_is_handled_exactly_once(bed: Bed) -> None:
    bed.handler.broken = True
    event_id = await bed.publish("stuck")

    async with bed.serve():
        await until(lambda: _at_least(bed.dead_letters(), 1))
        (letter,) = await bed.dead_letters()

        # Re-driven while still broken: back to dead, one attempt more, nothing applied.
        async with bed.pool.acquire() as conn:
            assert await request_redrive(conn, ids=[letter["id"]]) == 1
        await until(lambda: _letter(bed, status="dead", attempts=4))
        (failed,) = await bed.dead_letters()
        assert failed["error_code"] == "redrive_failed"
        assert await bed.effects("stuck") == 0

        # Fixed, then re-driven (by consumer, woken by NOTIFY): handled once.
        bed.handler.broken = False
        async with bed.pool.acquire() as conn:
            assert await request_redrive(conn, consumer=bed.consumer) == 1
        await until(lambda: _letter(bed, status="redriven"))
        assert await bed.effects("stuck") == 1
        calls = bed.handler.calls["stuck"]

        # Re-driving again asks nothing: it is no longer dead.
        async with bed.pool.acquire() as conn:
            assert await request_redrive(conn, ids=[letter["id"]]) == 0
            # Even a request forced past that check is not applied twice: the inbox has it.
            first = await conn.fetchval(
                "UPDATE messaging.dead_letters SET status = 'redrive_requested' WHERE id = $1"
                " RETURNING redriven_at",
                letter["id"],
            )
        await until(lambda: _letter(bed, status="redriven", redriven_after=first))

    assert await bed.effects("stuck") == 1
    assert bed.handler.calls["stuck"] == calls
    assert await bed.inbox(event_id) == 1


async def test_a_batch_with_a_rejected_message_lands_the_others_once_and_acks_after_commit(
    bed: Bed,
) -> None:
    """Five messages pulled as one batch; the third is refused by its handler, the last waits."""
    bed.handler.rejected.add("b-refused")
    gate = bed.handler.gates["b-last"] = asyncio.Event()
    texts = ["b-first", "b-second", "b-refused", "b-fourth", "b-last"]
    ids = {text: await bed.publish(text) for text in texts}

    async with bed.serve():
        await until(lambda: _true(bed.handler.calls["b-last"] == 1))
        # The last transaction is open: its effects are not visible, and nothing is acked yet.
        held = (await bed.effects("b-fourth"), await bed.pending())
        gate.set()
        await until(lambda: _positive(bed.effects("b-last")))
        await until(lambda: _equal(bed.pending(), (0, 0, 0)))

    assert held == (0, (0, 5, 0))
    assert [await bed.effects(t) for t in texts] == [1, 1, 0, 1, 1]
    assert [await bed.inbox(ids[t]) for t in texts] == [1, 1, 0, 1, 1]
    (letter,) = await bed.dead_letters()
    assert (letter["event_id"], letter["error_code"], letter["attempts"]) == (
        ids["b-refused"],
        "ticket_unknown",
        1,
    )
    assert letter["reason"] == "b-refused names no known ticket"
    assert bed.handler.calls["b-refused"] == 1  # its verdict stands: it is not called again
    # Two transactions: the messages before the refused one, and the ones after it.
    async with bed.pool.acquire() as conn:
        transactions = await conn.fetchval(
            "SELECT count(DISTINCT handled_at) FROM messaging.inbox WHERE consumer = $1",
            bed.consumer,
        )
    assert transactions == 2


async def test_a_fault_in_a_batch_retries_that_message_alone(bed: Bed) -> None:
    bed.handler.faults["b-flaky"] = 1
    texts = ("b-before", "b-flaky", "b-after")
    ids = [await bed.publish(text) for text in texts]

    async with bed.serve():
        await until(lambda: _positive(bed.effects("b-flaky")))
        await until(lambda: _equal(bed.pending(), (0, 0, 0)))

    assert [await bed.effects(t) for t in texts] == [1, 1, 1]
    assert [await bed.inbox(i) for i in ids] == [1, 1, 1]
    # "b-before" ran twice: in the batch the fault rolled back, then in the batch without it.
    assert [bed.handler.calls[t] for t in texts] == [2, 2, 1]
    assert await bed.dead_letters() == []


async def test_a_batch_redelivered_after_a_crash_before_its_ack_has_its_effects_once(
    bed: Bed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process commits its batch and dies before acking it: JetStream sends it again."""
    bed.spec = ConsumerSpec(durable=f"{bed.consumer}_crash", ack_wait_seconds=1)
    await bootstrap(bed.settings, [bed.spec])
    texts = ["c-one", "c-two", "c-three"]
    ids = [await bed.publish(text) for text in texts]

    async def die_before_settling(*_: Any, **__: Any) -> None:
        return None

    with monkeypatch.context() as patched:
        patched.setattr(consumer_module, "_settle", die_before_settling)
        async with bed.serve():
            await until(lambda: _positive(bed.effects("c-three")))
    assert await bed.pending() == (0, 3, 0)

    async with bed.serve():  # the same three again, after the ack wait: acked as duplicates
        await until(lambda: _equal(bed.pending(), (0, 0, 0)))

    assert [await bed.effects(t) for t in texts] == [1, 1, 1]
    assert [await bed.inbox(i) for i in ids] == [1, 1, 1]
    assert bed.handler.calls == Counter({"c-one": 1, "c-two": 1, "c-three": 1})


async def test_a_durable_that_hands_out_one_message_at_a_time_is_served_in_order(bed: Bed) -> None:
    """`max_ack_pending=1` (notices): each pull asks for one, so none waits for a pull's expiry."""
    bed.spec = ConsumerSpec(durable=f"{bed.consumer}_single", max_ack_pending=1)
    await bootstrap(bed.settings, [bed.spec])
    texts = [f"e-{n}" for n in range(20)]
    for text in texts:
        await bed.publish(text)
    seen: list[str] = []

    async def in_order(conn: asyncpg.Connection, envelope: Envelope) -> None:
        await bed.handler(conn, envelope)
        seen.append(envelope.event.text)  # type: ignore[attr-defined]

    async with serve_consumers(
        pool=bed.pool,
        settings=bed.settings,
        subscriptions=[Subscription(bed.spec, in_order)],
        events=events,
    ):
        await until(lambda: _positive(bed.effects("e-19")), seconds=15)

    assert seen == texts


async def test_handle_batch_enters_a_batch_once_and_a_copy_in_it_is_a_duplicate(bed: Bed) -> None:
    wanted = bed.subscription(types=frozenset({"Noted"}))
    noted = _delivery(stored_row("d-kept"))
    other = _delivery(stored_row("d-also kept"))
    ignored = _delivery(stored_row("left", type="Ignored"))
    garbled = Delivery(b"{not json", subject="t.events.intake.Garbled")

    async with bed.pool.acquire() as conn:
        first = await handle_batch(
            conn, wanted, [noted, ignored, noted, garbled, other], max_attempts=3, events=events
        )
        again = await handle_batch(conn, wanted, [other, noted], max_attempts=3, events=events)

    assert first == [
        Outcome.HANDLED,
        Outcome.SKIPPED,
        Outcome.DUPLICATE,
        Outcome.DEAD_LETTERED,
        Outcome.HANDLED,
    ]
    assert again == [Outcome.DUPLICATE, Outcome.DUPLICATE]
    assert bed.handler.calls == Counter({"d-kept": 1, "d-also kept": 1})
    assert [d["error_code"] for d in await bed.dead_letters()] == ["invalid_payload"]


async def test_a_batch_costs_one_inbox_statement_and_one_commit(bed: Bed) -> None:
    """Ten new events: BEGIN, one inbox INSERT, the ten handlers' own statements, COMMIT."""
    deliveries = [_delivery(stored_row(f"f-{n}")) for n in range(10)]
    statements: list[str] = []

    async with bed.pool.acquire() as conn:
        # Once, so that asyncpg has looked up the array types already (it does so once).
        warm = [_delivery(stored_row("f-warm"))]
        await handle_batch(conn, bed.subscription(), warm, max_attempts=3, events=events)
        with conn.query_logger(lambda record: statements.append(record.query)):
            outcomes = await handle_batch(
                conn, bed.subscription(), deliveries, max_attempts=3, events=events
            )
            await asyncio.sleep(0)  # the logger is called soon after each statement

    assert outcomes == [Outcome.HANDLED] * 10
    effects = [q for q in statements if q.startswith("INSERT INTO test_effects")]
    rest = [q.split()[0].rstrip(";") for q in statements if q not in effects]
    assert (len(effects), rest) == (10, ["BEGIN", "INSERT", "COMMIT"])


async def test_dead_letters_command_lists_and_requests_redrive(
    bed: Bed, database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with bed.pool.acquire() as conn:
        outcome = await handle_message(
            conn,
            bed.subscription(),
            Delivery(b"{not json", subject="t.events.intake.Garbled"),
            max_attempts=3,
            events=events,
        )
        (letter,) = await list_dead_letters(conn, bed.consumer)
    assert outcome is Outcome.DEAD_LETTERED
    monkeypatch.setenv("PENGHUBUNG_DATABASE_URL", database)
    monkeypatch.setenv("COLUMNS", "250")

    assert await dead_letters_command("list", bed.consumer, []) == 0
    listed = capsys.readouterr().out
    assert bed.consumer in listed
    assert "invalid_payload" in listed
    assert "JSONDecodeError" in listed
    assert "dead" in listed

    assert await dead_letters_command("redrive", bed.consumer, [letter.id]) == 0
    assert "1 dead letter(s) queued for re-drive" in capsys.readouterr().out
    assert await dead_letters_command("list", bed.consumer, []) == 0
    assert "redrive_requested" in capsys.readouterr().out

    assert await dead_letters_command("redrive", bed.consumer, [letter.id]) == 1
    assert await dead_letters_command("list", "no-such-consumer", []) == 0
    assert "no dead letters" in capsys.readouterr().out


async def test_handle_message_skips_unwanted_types_and_dedupes(bed: Bed) -> None:
    wanted = bed.subscription(types=frozenset({"Noted"}))
    noted = _delivery(stored_row("kept"))
    ignored = _delivery(stored_row("left", type="Ignored"))
    no_header = Delivery(ignored.data, ignored.subject)

    async with bed.pool.acquire() as conn:
        outcomes = [
            await handle_message(conn, wanted, d, max_attempts=3, events=events)
            for d in (noted, noted, ignored, no_header)
        ]

    assert outcomes == [Outcome.HANDLED, Outcome.DUPLICATE, Outcome.SKIPPED, Outcome.SKIPPED]
    assert bed.handler.calls == Counter({"kept": 1})


async def test_serve_consumers_refuses_a_consumer_bootstrap_did_not_declare(bed: Bed) -> None:
    undeclared = Subscription(ConsumerSpec(durable=f"{bed.consumer}_missing"), bed.handler)

    with pytest.raises(ConsumerNotDeclared, match="penghubung bootstrap"):
        async with serve_consumers(
            pool=bed.pool, settings=bed.settings, subscriptions=[undeclared], events=events
        ):
            pass

    info = await bed.nc.jetstream().stream_info(bed.settings.stream_name)
    assert info.state.consumer_count == 1


def test_backoff_doubles_and_is_capped() -> None:
    settings = NatsSettings(retry_backoff_seconds=0.5)

    assert [backoff_seconds(settings, n) for n in (1, 2, 3, 8)] == [0.5, 1.0, 2.0, 30.0]


def _delivery(row: Any) -> Delivery:
    data, headers = wire.encode(row)
    return Delivery(data, f"t.events.intake.{row['type']}", headers)


async def _positive(count: Awaitable[int]) -> bool:
    return await count > 0


async def _true(value: bool) -> bool:
    return value


async def _equal(value: Awaitable[Any], expected: Any) -> bool:
    return await value == expected


async def _at_least(rows: Awaitable[list[Any]], n: int) -> bool:
    return len(await rows) >= n


async def _letter(
    bed: Bed,
    *,
    status: str,
    attempts: int | None = None,
    redriven_after: datetime | None = None,
) -> bool:
    (letter,) = await bed.dead_letters()
    return (
        letter["status"] == status
        and (attempts is None or letter["attempts"] == attempts)
        and (redriven_after is None or letter["redriven_at"] > redriven_after)
    )
