"""The consumer base: durable pull subscribers on faststream, exactly-once effects, dead letters.

Every message goes through `handle_message`, one at a time per consumer:

- a type the subscription does not want is acked without calling the handler and without an
  inbox row (it had no effect to guard, and a row per foreign event would cost a write each);
- it is decoded with `wire.decode`: an unknown type or a bad payload is dead-lettered at once;
- ONE transaction inserts `messaging.inbox(consumer, event_id)` and runs the handler on that same
  connection; an event already in the inbox is a duplicate, acked without calling the handler;
- the handler raising `Rejected` or a `penghubung.refusals` refusal (the message is wrong and
  always will be; an `Unavailable` or `TooMany` refusal is retried like a fault) dead-letters it at
  once; any other exception is a fault: the message is redelivered after a doubling delay and
  dead-lettered once JetStream has delivered it `max_attempts` times.

The acknowledgement is ours, never faststream's (whose default terminates a message on any
exception): ack when handled, duplicate or skipped; term when dead-lettered (the dead letter
holds it now; JetStream never redelivers it and advises MSG_TERMINATED); nak with a delay to
retry. A re-drive sends a dead letter through the same path, so the inbox makes it once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from uuid import UUID

import asyncpg
from faststream import AckPolicy  # not faststream.nats.AckPolicy: that is JetStream's enum
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.message import NatsMessage
from nats.aio.msg import Msg
from nats.js.errors import NotFoundError

from penghubung import logs
from penghubung.bus import wire
from penghubung.bus.deadletters import REDRIVE_CHANNEL
from penghubung.bus.topology import ConsumerSpec, consumer_config
from penghubung.events.base import Envelope
from penghubung.events.registry import EventRegistry, UnknownEventType, registry
from penghubung.refusals import Kind, Refused
from penghubung.settings import NatsSettings

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 30.0
"""The longest a failed message waits before its next delivery."""

REDRIVE_POLL_SECONDS = 5.0
"""How often the re-drive loop looks for requests when no notification arrives."""

_REASON_LIMIT = 4000

Handler = Callable[[asyncpg.Connection, Envelope], Awaitable[None]]
"""Applies one event's effects on the given connection, inside the transaction of its inbox row."""


class Rejected(Exception):
    """The handler's verdict that a message is wrong and will never succeed (a client mistake)."""

    def __init__(self, reason: str, *, code: str = "rejected") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


TRANSIENT: frozenset[Kind] = frozenset({"unavailable", "too_many"})
"""Refusals that may pass if the message is tried again later: retried like a fault."""


class ConsumerNotDeclared(RuntimeError):
    """A subscription's durable consumer does not exist: the bootstrap step has not declared it."""


class Outcome(StrEnum):
    """What became of one message."""

    HANDLED = "handled"
    DUPLICATE = "duplicate"
    SKIPPED = "skipped"
    DEAD_LETTERED = "dead_lettered"
    RETRY = "retry"


@dataclass(frozen=True)
class Subscription:
    """A durable consumer, its handler, and the event types it wants (None: every type)."""

    spec: ConsumerSpec
    handler: Handler
    types: frozenset[str] | None = None

    @property
    def consumer(self) -> str:
        """The consumer's name in the inbox and the dead letters: its durable name."""
        return self.spec.durable

    def wants(self, event_type: str) -> bool:
        """Whether the handler is called for events of this type."""
        return self.types is None or event_type in self.types


@dataclass(frozen=True)
class Delivery:
    """One message as it reached a consumer: its bytes, where from, and its delivery count."""

    data: bytes
    subject: str
    headers: Mapping[str, str] = field(default_factory=dict)
    attempt: int = 1
    """JetStream's `num_delivered`; for a re-drive, the dead letter's attempts + 1."""
    stream_sequence: int | None = None

    @classmethod
    def of(cls, msg: Msg) -> Delivery:
        """A JetStream message as a delivery."""
        meta = msg.metadata
        return cls(
            data=msg.data,
            subject=msg.subject,
            headers=dict(msg.headers or {}),
            attempt=meta.num_delivered,
            stream_sequence=meta.sequence.stream,
        )


@dataclass(frozen=True)
class _Failure:
    code: str
    reason: str


async def handle_message(
    conn: asyncpg.Connection,
    subscription: Subscription,
    delivery: Delivery,
    *,
    max_attempts: int,
    events: EventRegistry = registry,
    redrive_of: int | None = None,
) -> Outcome:
    """Handle one delivery exactly once; dead-letter it when it is wrong or has failed too often.

    With `redrive_of`, the delivery re-drives that dead letter (locked by the caller's open
    transaction): success marks it redriven, and any failure puts it back to dead at once with
    one attempt more; a re-drive never asks for a retry.
    """
    decoded = _decode(delivery, subscription, events)
    if decoded is None:
        return await _done(conn, Outcome.SKIPPED, redrive_of)
    if isinstance(decoded, _Failure):
        return await _dead_letter(conn, subscription, delivery, decoded, redrive_of)
    envelope = decoded
    cid = logs.correlation_id.set(envelope.correlation_id)  # the ticket on every log line
    try:
        return await _handle_decoded(
            conn, subscription, delivery, envelope, max_attempts, redrive_of
        )
    finally:
        logs.correlation_id.reset(cid)


async def _handle_decoded(
    conn: asyncpg.Connection,
    subscription: Subscription,
    delivery: Delivery,
    envelope: Envelope,
    max_attempts: int,
    redrive_of: int | None,
) -> Outcome:
    try:
        async with conn.transaction():
            fresh = await _enter_inbox(conn, subscription.consumer, envelope)
            if fresh:
                await subscription.handler(conn, envelope)
            if redrive_of is not None:
                await _mark_redriven(conn, redrive_of)
    except Rejected as exc:
        failure = _Failure(exc.code, exc.reason)
        return await _dead_letter(conn, subscription, delivery, failure, redrive_of)
    except Refused as exc:
        if exc.kind not in TRANSIENT:  # the domain refused the message: it always will
            failure = _Failure(exc.code, exc.message)
            return await _dead_letter(conn, subscription, delivery, failure, redrive_of)
        return await _fault(conn, subscription, delivery, envelope, exc, max_attempts, redrive_of)
    except Exception as exc:  # a fault: retried until the attempts run out, then dead-lettered
        return await _fault(conn, subscription, delivery, envelope, exc, max_attempts, redrive_of)
    return Outcome.HANDLED if fresh else Outcome.DUPLICATE


async def _fault(
    conn: asyncpg.Connection,
    subscription: Subscription,
    delivery: Delivery,
    envelope: Envelope,
    exc: Exception,
    max_attempts: int,
    redrive_of: int | None,
) -> Outcome:
    """A fault: retried until the attempts run out, then dead-lettered."""
    if redrive_of is None and delivery.attempt < max_attempts:
        log.warning(
            "consumer %s: %s failed (attempt %d of %d), will retry: %s",
            subscription.consumer,
            envelope.event_id,
            delivery.attempt,
            max_attempts,
            _describe(exc),
            exc_info=exc,
        )
        return Outcome.RETRY
    code = "too_many_attempts" if redrive_of is None else "redrive_failed"
    failure = _Failure(code, _describe(exc))
    return await _dead_letter(conn, subscription, delivery, failure, redrive_of)


def _decode(
    delivery: Delivery, subscription: Subscription, events: EventRegistry
) -> Envelope | _Failure | None:
    """The delivery's envelope, why it cannot be had, or None if the subscription skips its type.

    The type header is trusted for skipping only, so an unwanted event is never even parsed.
    """
    header_type = delivery.headers.get(wire.TYPE)
    if header_type is not None and not subscription.wants(header_type):
        return None
    try:
        envelope = wire.decode(delivery.data, events=events)
    except UnknownEventType as exc:
        return _Failure("unknown_event_type", f"unknown event type: {exc}")
    except Exception as exc:  # any failure to decode is a property of the bytes: never retried
        return _Failure("invalid_payload", _describe(exc))
    return envelope if subscription.wants(envelope.type) else None


async def _enter_inbox(conn: asyncpg.Connection, consumer: str, envelope: Envelope) -> bool:
    """Insert the inbox row; False when the event was already handled (or is being handled)."""
    inserted: bool | None = await conn.fetchval(
        "INSERT INTO messaging.inbox (consumer, event_id, global_position) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING RETURNING true",
        consumer,
        envelope.event_id,
        envelope.global_position,
    )
    return bool(inserted)


async def _done(conn: asyncpg.Connection, outcome: Outcome, redrive_of: int | None) -> Outcome:
    if redrive_of is not None:
        await _mark_redriven(conn, redrive_of)
    return outcome


async def _mark_redriven(conn: asyncpg.Connection, dead_letter_id: int) -> None:
    await conn.execute(
        "UPDATE messaging.dead_letters SET status = 'redriven', redriven_at = now() WHERE id = $1",
        dead_letter_id,
    )


async def _dead_letter(
    conn: asyncpg.Connection,
    subscription: Subscription,
    delivery: Delivery,
    failure: _Failure,
    redrive_of: int | None = None,
) -> Outcome:
    """Record the failure: a new (or the event's open) dead letter, or the re-driven one again."""
    log.warning(
        "consumer %s dead-letters a message on %s: %s: %s",
        subscription.consumer,
        delivery.subject,
        failure.code,
        failure.reason,
    )
    if redrive_of is not None:
        await conn.execute(
            "UPDATE messaging.dead_letters SET status = 'dead', reason = $2, error_code = $3,"
            " attempts = attempts + 1, last_failed_at = now() WHERE id = $1",
            redrive_of,
            failure.reason,
            failure.code,
        )
        return Outcome.DEAD_LETTERED
    event_id, event_type, position = _identify(delivery)
    # A lost ack redelivers a dead-lettered message: it lands on the same open dead letter.
    await conn.execute(
        "INSERT INTO messaging.dead_letters (consumer, event_id, subject, event_type,"
        " global_position, stream_sequence, data, headers, reason, error_code, attempts)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb, $9, $10, $11)"
        " ON CONFLICT (consumer, event_id) WHERE status IN ('dead', 'redrive_requested')"
        " DO UPDATE SET reason = excluded.reason, error_code = excluded.error_code,"
        " attempts = greatest(messaging.dead_letters.attempts + 1, excluded.attempts),"
        " last_failed_at = now()",
        subscription.consumer,
        event_id,
        delivery.subject,
        event_type,
        position,
        delivery.stream_sequence,
        delivery.data,
        json.dumps(dict(delivery.headers), ensure_ascii=False),
        failure.reason,
        failure.code,
        delivery.attempt,
    )
    return Outcome.DEAD_LETTERED


def _identify(delivery: Delivery) -> tuple[UUID | None, str | None, int | None]:
    """Best effort: the event id, type and position of a message that may not decode."""
    try:
        body = json.loads(delivery.data)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {}
    try:
        event_id = UUID(str(body["event_id"]))
    except (KeyError, ValueError):
        event_id = None
    event_type = body.get("type")
    if not isinstance(event_type, str):
        event_type = delivery.headers.get(wire.TYPE)
    position = body.get("global_position", delivery.headers.get(wire.POSITION))
    try:
        position = int(position) if position is not None else None
    except (TypeError, ValueError):
        position = None
    return event_id, event_type, position


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:_REASON_LIMIT]


def backoff_seconds(settings: NatsSettings, attempt: int) -> float:
    """How long a message that failed its `attempt`-th delivery waits: doubling, capped at 30 s."""
    return min(settings.retry_backoff_seconds * 2.0 ** (attempt - 1), MAX_BACKOFF_SECONDS)


async def redrive_requested(
    pool: asyncpg.Pool,
    subscriptions: Mapping[str, Subscription],
    *,
    events: EventRegistry = registry,
) -> int:
    """Send each dead letter of these consumers whose re-drive was requested through once more."""
    async with pool.acquire() as conn:
        ids = await conn.fetch(
            "SELECT id FROM messaging.dead_letters WHERE status = 'redrive_requested'"
            " AND consumer = ANY($1::text[]) ORDER BY id",
            list(subscriptions),
        )
    done = 0
    for (dead_letter_id,) in ids:
        async with pool.acquire() as conn, conn.transaction():
            # Locked until commit, so another process of the same consumer skips it.
            row = await conn.fetchrow(
                "SELECT id, consumer, subject, data, headers::text AS headers, attempts,"
                " stream_sequence FROM messaging.dead_letters"
                " WHERE id = $1 AND status = 'redrive_requested' FOR UPDATE SKIP LOCKED",
                dead_letter_id,
            )
            if row is None:
                continue
            delivery = Delivery(
                data=bytes(row["data"]),
                subject=row["subject"],
                headers=json.loads(row["headers"]),
                attempt=row["attempts"] + 1,
                stream_sequence=row["stream_sequence"],
            )
            outcome = await handle_message(
                conn,
                subscriptions[row["consumer"]],
                delivery,
                max_attempts=delivery.attempt,
                events=events,
                redrive_of=row["id"],
            )
        log.info("dead letter %d of %s re-driven: %s", row["id"], row["consumer"], outcome)
        done += 1
    return done


@dataclass
class RunningConsumers:
    """The consumers `serve_consumers` runs: their broker, and a way to hurry the re-drive loop."""

    broker: NatsBroker
    consumers: tuple[str, ...]
    _wake: asyncio.Event

    def redrive_now(self) -> None:
        """Look for requested re-drives now rather than at the next poll."""
        self._wake.set()

    async def ping(self, within: float = 1.0) -> bool:
        """Whether the broker's connection to NATS is up (for readiness)."""
        return await self.broker.ping(within)


@contextlib.asynccontextmanager
async def serve_consumers(
    *,
    pool: asyncpg.Pool,
    settings: NatsSettings,
    subscriptions: Sequence[Subscription],
    events: EventRegistry = registry,
    redrive_poll_seconds: float = REDRIVE_POLL_SECONDS,
) -> AsyncIterator[RunningConsumers]:
    """Run the subscriptions and their re-drive loop for the block; stop gracefully at its end.

    The stream and the durable consumers must have been declared by the bootstrap step
    (`ConsumerNotDeclared` otherwise). The pool must come from `penghubung.db.create_pool`; the
    re-drive loop holds one of its connections to LISTEN on `penghubung_redrive`.
    """
    by_consumer = _by_consumer(subscriptions)
    broker = build_broker(pool=pool, settings=settings, subscriptions=subscriptions, events=events)
    try:
        await _check_declared(broker, settings, by_consumer)
        await broker.start()
        wake = asyncio.Event()
        loop = asyncio.create_task(
            _redrive_loop(pool, by_consumer, events=events, wake=wake, every=redrive_poll_seconds)
        )
        try:
            yield RunningConsumers(broker, tuple(by_consumer), wake)
        finally:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop
    finally:
        await broker.stop()


def build_broker(
    *,
    pool: asyncpg.Pool,
    settings: NatsSettings,
    subscriptions: Sequence[Subscription],
    events: EventRegistry = registry,
) -> NatsBroker:
    """A faststream broker with one durable pull subscriber per subscription, not yet started."""
    broker = NatsBroker(
        settings.nats_servers,
        graceful_timeout=settings.graceful_timeout_seconds,
        # faststream logs "Received" and "Processed" per message at this level: a third of the
        # throughput at INFO. At DEBUG they cost nothing unless someone is debugging.
        logger=logging.getLogger("penghubung.bus.faststream"),
        log_level=logging.DEBUG,
        # The receiver takes the message itself; no dependency injection, no JSON guessing.
        apply_types=False,
    )
    stream = JStream(settings.stream_name, declare=False)  # the bootstrap step declares it
    for subscription in subscriptions:
        subscriber = broker.subscriber(
            subscription.spec.filter_subject(settings),
            durable=subscription.spec.durable,
            # Only used if the durable vanished between the check and the bind.
            config=consumer_config(subscription.spec, settings),
            stream=stream,
            # One message at a time: a batch, or more workers, would run handlers concurrently.
            pull_sub=PullSub(batch_size=1),
            max_workers=1,
            ack_policy=AckPolicy.MANUAL,
            decoder=_undecoded,
        )
        subscriber(_receiver(pool, subscription, settings, events))
    return broker


async def _undecoded(message: NatsMessage) -> NatsMessage:
    """faststream's "decoded body": the message itself (wire.decode does the decoding)."""
    return message


def _receiver(
    pool: asyncpg.Pool,
    subscription: Subscription,
    settings: NatsSettings,
    events: EventRegistry,
) -> Callable[[NatsMessage], Awaitable[None]]:
    async def receive(message: NatsMessage) -> None:
        delivery = Delivery.of(message.raw_message)
        try:
            async with pool.acquire() as conn:
                outcome = await handle_message(
                    conn,
                    subscription,
                    delivery,
                    max_attempts=settings.max_attempts,
                    events=events,
                )
        except Exception:
            # Not even a dead letter could be written (PostgreSQL unreachable?): redeliver later.
            log.exception("consumer %s could not record a message's outcome", subscription.consumer)
            outcome = Outcome.RETRY
        await _settle(message, outcome, delay=backoff_seconds(settings, delivery.attempt))

    receive.__name__ = f"receive_{subscription.consumer}"
    return receive


async def _settle(message: NatsMessage, outcome: Outcome, *, delay: float) -> None:
    if outcome is Outcome.RETRY:
        await message.nack(delay=delay)
    elif outcome is Outcome.DEAD_LETTERED:
        await message.reject()  # term: the dead letter holds it now
    else:
        await message.ack()


def _by_consumer(subscriptions: Sequence[Subscription]) -> dict[str, Subscription]:
    by_consumer: dict[str, Subscription] = {}
    for subscription in subscriptions:
        if subscription.consumer in by_consumer:
            raise ValueError(f"consumer {subscription.consumer!r} subscribed twice")
        by_consumer[subscription.consumer] = subscription
    return by_consumer


async def _check_declared(
    broker: NatsBroker, settings: NatsSettings, consumers: Mapping[str, Subscription]
) -> None:
    """Fail fast when a durable is missing: binding would declare it, which only bootstrap does."""
    js = (await broker.connect()).jetstream()
    for durable in consumers:
        try:
            await js.consumer_info(settings.stream_name, durable)
        except NotFoundError:
            raise ConsumerNotDeclared(
                f"consumer {durable!r} of stream {settings.stream_name!r} is not declared:"
                " run `penghubung bootstrap`"
            ) from None


async def _redrive_loop(
    pool: asyncpg.Pool,
    subscriptions: Mapping[str, Subscription],
    *,
    events: EventRegistry,
    wake: asyncio.Event,
    every: float,
) -> None:
    """Re-drive requested dead letters when notified, and every `every` seconds regardless."""
    async with _listening(pool, wake):
        while True:
            wake.clear()
            try:
                await redrive_requested(pool, subscriptions, events=events)
            except Exception:
                # The requests stay in the table; the next round takes them up again.
                log.exception("re-drive round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), every)


@contextlib.asynccontextmanager
async def _listening(pool: asyncpg.Pool, wake: asyncio.Event) -> AsyncIterator[None]:
    """LISTEN for re-drive requests on a pooled connection; without one, polling alone serves."""

    def notified(*_: Any) -> None:
        wake.set()

    conn: asyncpg.Connection | None = None
    try:
        conn = await pool.acquire()
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        log.warning("re-drive loop cannot LISTEN, polling only: %s", exc)
    if conn is None:
        yield
        return
    try:
        await conn.add_listener(REDRIVE_CHANNEL, notified)
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                await conn.remove_listener(REDRIVE_CHANNEL, notified)
    finally:
        await pool.release(conn)
