"""The consumer base: durable pull subscribers, exactly-once effects, dead letters.

Each subscription pulls up to `nats_consumer_batch` messages at once and handles them in their
order, in one transaction (`handle_batch`):

- a type the subscription does not want is acked without calling the handler and without an
  inbox row (it had no effect to guard, and a row per foreign event would cost a write each);
- it is decoded with `wire.decode`: an unknown type or a bad payload is dead-lettered at once;
- ONE statement inserts `messaging.inbox(consumer, event_id)` for every event of the batch and
  tells which were new; the handler of each new one runs on that same connection, in order, in
  the same transaction; an event already in the inbox is a duplicate, acked without calling the
  handler. Only after the commit are the messages acknowledged;
- the handler raising `Rejected` or a `penghubung.refusals` refusal (the message is wrong and
  always will be; an `Unavailable` or `TooMany` refusal is retried like a fault) dead-letters it at
  once; any other exception is a fault: the message is redelivered after a doubling delay and
  dead-lettered once JetStream has delivered it `max_attempts` times. A handler that raises
  splits its batch: the messages before it are handled again without it, it is settled alone,
  and the ones after it go on. Any other failure of a batch falls back to `handle_message`, one
  message and one transaction at a time.

The acknowledgement is ours, never a framework's (faststream's default terminates a message on
any exception): ack when handled, duplicate or skipped; term when dead-lettered (the dead letter
holds it now; JetStream never redelivers it and advises MSG_TERMINATED); nak with a delay to
retry. A re-drive sends a dead letter through the same path, so the inbox makes it once.

The pull itself is nats-py's: a fetch of up to a batch that returns as soon as any message is
there (JetStream's one-shot pull with `no_wait` and an expiry). faststream's batch subscriber
instead waits for its whole timeout unless the batch fills, and its one-message subscriber runs
the messages of a larger pull concurrently, out of order.
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
import nats
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from penghubung import logs
from penghubung.bus import wire
from penghubung.bus.deadletters import REDRIVE_CHANNEL
from penghubung.bus.topology import ConsumerSpec
from penghubung.events.base import Envelope
from penghubung.events.registry import EventRegistry, UnknownEventType, registry
from penghubung.refusals import Kind, Refused
from penghubung.settings import NatsSettings

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 30.0
"""The longest a failed message waits before its next delivery."""

REDRIVE_POLL_SECONDS = 5.0
"""How often the re-drive loop looks for requests when no notification arrives."""

FETCH_WAIT_SECONDS = 1.0
"""How long one pull waits for a first message before it is asked again. Also the longest a pull
that got some messages waits for more when the durable's `max_ack_pending` is reached (JetStream
then holds the pull open instead of ending it): kept short."""

PULL_RETRY_SECONDS = 1.0
"""How long a subscriber waits after a pull failed for another reason than an empty stream."""

_REASON_LIMIT = 4000

Handler = Callable[[asyncpg.Connection, Envelope], Awaitable[None]]
"""Applies one event's effects on the given connection, inside the transaction of its inbox row."""

BatchHandler = Callable[[asyncpg.Connection, Sequence[Envelope]], Awaitable[None]]
"""Applies several new events' effects in their order, in the transaction of their inbox rows."""


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
    """A durable consumer, its handler, and the event types it wants (None: every type).

    With `batch_handler`, a batch's new events go to it at once (in order; a failure of it sends
    the batch through `handler` one message at a time); without, `handler` takes each in turn.
    """

    spec: ConsumerSpec
    handler: Handler
    types: frozenset[str] | None = None
    batch_handler: BatchHandler | None = None

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
    except Exception as exc:
        return await _failed(conn, subscription, delivery, envelope, exc, max_attempts, redrive_of)
    return Outcome.HANDLED if fresh else Outcome.DUPLICATE


async def _failed(
    conn: asyncpg.Connection,
    subscription: Subscription,
    delivery: Delivery,
    envelope: Envelope,
    exc: Exception,
    max_attempts: int,
    redrive_of: int | None = None,
) -> Outcome:
    """A handler's failure: a verdict on the message is dead-lettered, a fault is retried."""
    if isinstance(exc, Rejected):
        failure = _Failure(exc.code, exc.reason)
        return await _dead_letter(conn, subscription, delivery, failure, redrive_of)
    if isinstance(exc, Refused) and exc.kind not in TRANSIENT:
        # the domain refused the message: it always will
        failure = _Failure(exc.code, exc.message)
        return await _dead_letter(conn, subscription, delivery, failure, redrive_of)
    return await _fault(conn, subscription, delivery, envelope, exc, max_attempts, redrive_of)


@dataclass(frozen=True)
class _Item:
    """A delivery of a batch and what its bytes are: an event, a failure, or None (skipped)."""

    delivery: Delivery
    decoded: Envelope | _Failure | None


class _HandlerFailed(Exception):
    """A handler of a batch raised: the batch's messages before `index` are not to blame."""

    def __init__(self, index: int, envelope: Envelope, cause: Exception) -> None:
        super().__init__(f"the handler of message {index} of a batch failed: {cause!r}")
        self.index = index
        self.envelope = envelope
        self.cause = cause


async def handle_batch(
    conn: asyncpg.Connection,
    subscription: Subscription,
    deliveries: Sequence[Delivery],
    *,
    max_attempts: int,
    events: EventRegistry = registry,
) -> list[Outcome]:
    """Handle deliveries in their order, exactly once each, in as few transactions as they allow.

    One transaction enters every event in the inbox with one statement, runs the handler of each
    new one (in order, on this connection) and dead-letters what does not decode. When a handler
    raises, the messages before it are handled again without it, it is settled as
    `handle_message` settles that failure (the handler is not called again), and the messages
    after it go on. Any other failure (the inbox statement, the commit, the connection) hands
    every message not yet committed to `handle_message`, one transaction each.
    """
    rest = [_Item(d, _decode(d, subscription, events)) for d in deliveries]
    outcomes: list[Outcome] = []
    while rest:
        try:
            done, failed = await _committed_prefix(conn, subscription, rest)
        except Exception as exc:  # not a handler's: one message and one transaction at a time
            log.warning(
                "consumer %s: a batch of %d failed (%s); handling its messages one at a time",
                subscription.consumer,
                len(rest),
                _describe(exc),
            )
            for item in rest:
                outcomes.append(await _one(conn, subscription, item, max_attempts, events))
            return outcomes
        outcomes += done
        rest = rest[len(done) :]
        if failed is not None:
            culprit = rest.pop(0)
            outcomes.append(
                await _failed(
                    conn,
                    subscription,
                    culprit.delivery,
                    failed.envelope,
                    failed.cause,
                    max_attempts,
                )
            )
    return outcomes


async def _committed_prefix(
    conn: asyncpg.Connection, subscription: Subscription, items: Sequence[_Item]
) -> tuple[list[Outcome], _HandlerFailed | None]:
    """Commit as many leading items as succeed together; the failure of the next one, if any."""
    upto, failed = len(items), None
    while upto:
        try:
            return await _batch_transaction(conn, subscription, items[:upto]), failed
        except _HandlerFailed as exc:
            upto, failed = exc.index, exc
    return [], failed


async def _batch_transaction(
    conn: asyncpg.Connection, subscription: Subscription, items: Sequence[_Item]
) -> list[Outcome]:
    """One transaction for the items: inbox rows, handlers in order, dead letters; the outcomes."""
    envelopes = [i.decoded for i in items if isinstance(i.decoded, Envelope)]
    if not envelopes and not any(isinstance(i.decoded, _Failure) for i in items):
        return [Outcome.SKIPPED] * len(items)
    outcomes: list[Outcome] = []
    async with conn.transaction():
        new = await _enter_inbox_many(conn, subscription.consumer, envelopes)
        fresh: list[Envelope] = []
        for index, item in enumerate(items):
            decoded = item.decoded
            if decoded is None:
                outcomes.append(Outcome.SKIPPED)
            elif isinstance(decoded, _Failure):
                outcomes.append(await _dead_letter(conn, subscription, item.delivery, decoded))
            elif decoded.event_id in new:
                new.discard(decoded.event_id)  # a second copy in the same batch is a duplicate
                fresh.append(decoded)
                if subscription.batch_handler is None:
                    await _apply(conn, subscription, decoded, index)
                outcomes.append(Outcome.HANDLED)
            else:
                outcomes.append(Outcome.DUPLICATE)
        if subscription.batch_handler is not None and fresh:
            await subscription.batch_handler(conn, fresh)
    return outcomes


async def _apply(
    conn: asyncpg.Connection, subscription: Subscription, envelope: Envelope, index: int
) -> None:
    cid = logs.correlation_id.set(envelope.correlation_id)
    try:
        await subscription.handler(conn, envelope)
    except Exception as exc:
        raise _HandlerFailed(index, envelope, exc) from exc
    finally:
        logs.correlation_id.reset(cid)


async def _one(
    conn: asyncpg.Connection,
    subscription: Subscription,
    item: _Item,
    max_attempts: int,
    events: EventRegistry,
) -> Outcome:
    """`handle_message` for one item of a failed batch; RETRY if not even that can be recorded."""
    try:
        return await handle_message(
            conn, subscription, item.delivery, max_attempts=max_attempts, events=events
        )
    except Exception:
        log.exception("consumer %s could not record a message's outcome", subscription.consumer)
        return Outcome.RETRY


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


async def _enter_inbox_many(
    conn: asyncpg.Connection, consumer: str, envelopes: Sequence[Envelope]
) -> set[UUID]:
    """Insert the inbox rows of a batch in one statement; the ids that were not there before."""
    if not envelopes:
        return set()
    ids = list({e.event_id: e.global_position for e in envelopes}.items())
    rows = await conn.fetch(
        "INSERT INTO messaging.inbox (consumer, event_id, global_position)"
        " SELECT $1, e.event_id, e.global_position"
        " FROM unnest($2::uuid[], $3::bigint[]) AS e (event_id, global_position)"
        " ON CONFLICT DO NOTHING RETURNING event_id",
        consumer,
        [i for i, _ in ids],
        [p for _, p in ids],
    )
    return {r["event_id"] for r in rows}


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
    """The consumers `serve_consumers` runs: their connection, and a way to hurry the re-drive."""

    nc: NatsClient
    consumers: tuple[str, ...]
    _wake: asyncio.Event

    def redrive_now(self) -> None:
        """Look for requested re-drives now rather than at the next poll."""
        self._wake.set()

    async def ping(self, within: float = 1.0) -> bool:
        """Whether the connection to NATS is up and answers (for readiness)."""
        if not self.nc.is_connected:
            return False
        try:
            await asyncio.wait_for(self.nc.flush(), within)
        except (TimeoutError, nats.errors.Error):
            return False
        return True


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
    re-drive loop holds one of its connections to LISTEN on `penghubung_redrive`. At the end of
    the block no new batch is pulled, and the batches in flight are given up to
    `graceful_timeout_seconds` to commit and be acknowledged.
    """
    by_consumer = _by_consumer(subscriptions)
    nc = await nats.connect(
        settings.nats_servers, max_reconnect_attempts=-1, reconnect_time_wait=0.5
    )
    stopping = asyncio.Event()
    pullers: list[asyncio.Task[None]] = []
    try:
        js = nc.jetstream()
        declared = await _check_declared(js, settings, by_consumer)
        for durable, subscription in by_consumer.items():
            puller = _Puller(
                pool=pool,
                subscription=subscription,
                settings=settings,
                events=events,
                pull=await js.pull_subscribe_bind(durable, stream=settings.stream_name),
                ack_wait=declared[durable].ack_wait,
                # No more than JetStream will hand out: a pull asking more waits for its expiry.
                batch=min(settings.nats_consumer_batch, declared[durable].max_ack_pending),
            )
            pullers.append(asyncio.create_task(puller.run(stopping), name=f"consume-{durable}"))
        wake = asyncio.Event()
        loop = asyncio.create_task(
            _redrive_loop(pool, by_consumer, events=events, wake=wake, every=redrive_poll_seconds)
        )
        try:
            yield RunningConsumers(nc, tuple(by_consumer), wake)
        finally:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop
    finally:
        stopping.set()
        await _finish(pullers, settings.graceful_timeout_seconds)
        await nc.close()


async def _finish(tasks: Sequence[asyncio.Task[None]], within: float) -> None:
    """Let the pullers end their batches in flight; cancel what is left after the timeout."""
    if not tasks:
        return
    _, late = await asyncio.wait(tasks, timeout=within)
    for task in late:
        log.warning("%s did not finish its batch in %.1f s: cancelled", task.get_name(), within)
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


@dataclass
class _Puller:
    """One subscription's loop: pull a batch, handle it in one transaction, settle each message."""

    pool: asyncpg.Pool
    subscription: Subscription
    settings: NatsSettings
    events: EventRegistry
    pull: JetStreamContext.PullSubscription
    ack_wait: float
    batch: int

    async def run(self, stopping: asyncio.Event) -> None:
        """Until `stopping`: a batch in flight is always finished, a pull is given up."""
        while not stopping.is_set():
            messages = await self._next_batch(stopping)
            if messages:
                await self._handle(messages)

    async def _next_batch(self, stopping: asyncio.Event) -> list[Msg]:
        """Up to a batch, as soon as there is one message at least (JetStream's one-shot pull)."""
        fetch = asyncio.ensure_future(self.pull.fetch(self.batch, timeout=FETCH_WAIT_SECONDS))
        stop = asyncio.ensure_future(stopping.wait())
        try:
            await asyncio.wait({fetch, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
        if not fetch.done():  # stopping: whatever this pull brings comes back after the ack wait
            fetch.cancel()
            with contextlib.suppress(BaseException):
                await fetch
            return []
        try:
            return fetch.result()
        except TimeoutError:  # nothing to take (or NATS is away and the client reconnecting)
            return []
        except Exception as exc:
            log.warning("consumer %s cannot pull: %s", self.subscription.consumer, _describe(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), PULL_RETRY_SECONDS)
            return []

    async def _handle(self, messages: list[Msg]) -> None:
        deliveries = [Delivery.of(m) for m in messages]
        keep_alive = asyncio.create_task(self._in_progress(messages))
        try:
            async with self.pool.acquire() as conn:
                outcomes = await handle_batch(
                    conn,
                    self.subscription,
                    deliveries,
                    max_attempts=self.settings.max_attempts,
                    events=self.events,
                )
        except Exception:
            # Not even a dead letter could be written (PostgreSQL unreachable?): redeliver later.
            log.exception(
                "consumer %s could not record a batch's outcome", self.subscription.consumer
            )
            outcomes = [Outcome.RETRY] * len(messages)
        finally:
            keep_alive.cancel()
        for message, delivery, outcome in zip(messages, deliveries, outcomes, strict=True):
            await _settle(message, outcome, delay=backoff_seconds(self.settings, delivery.attempt))

    async def _in_progress(self, messages: list[Msg]) -> None:
        """While a batch takes long, tell JetStream so that it does not send it again meanwhile."""
        while True:
            await asyncio.sleep(self.ack_wait / 3)
            for message in messages:
                with contextlib.suppress(Exception):
                    await message.in_progress()


async def _settle(message: Msg, outcome: Outcome, *, delay: float) -> None:
    """Acknowledge (after the commit), terminate a dead letter's message, or ask again later."""
    try:
        if outcome is Outcome.RETRY:
            await message.nak(delay=delay)
        elif outcome is Outcome.DEAD_LETTERED:
            await message.term()  # the dead letter holds it now
        else:
            await message.ack()
    except Exception as exc:  # the ack wait sends it again; the inbox makes that harmless
        log.warning("could not settle a message (%s): %s", outcome, _describe(exc))


def _by_consumer(subscriptions: Sequence[Subscription]) -> dict[str, Subscription]:
    by_consumer: dict[str, Subscription] = {}
    for subscription in subscriptions:
        if subscription.consumer in by_consumer:
            raise ValueError(f"consumer {subscription.consumer!r} subscribed twice")
        by_consumer[subscription.consumer] = subscription
    return by_consumer


@dataclass(frozen=True)
class _Declared:
    """What the consumers loop needs to know of a durable as the bootstrap step declared it."""

    ack_wait: float
    max_ack_pending: int


async def _check_declared(
    js: JetStreamContext, settings: NatsSettings, consumers: Mapping[str, Subscription]
) -> dict[str, _Declared]:
    """Fail fast when a durable is missing (only bootstrap declares them); how each is declared."""
    declared: dict[str, _Declared] = {}
    for durable in consumers:
        try:
            info = await js.consumer_info(settings.stream_name, durable)
        except NotFoundError:
            raise ConsumerNotDeclared(
                f"consumer {durable!r} of stream {settings.stream_name!r} is not declared:"
                " run `penghubung bootstrap`"
            ) from None
        declared[durable] = _Declared(
            ack_wait=float(info.config.ack_wait or 30.0),
            max_ack_pending=int(info.config.max_ack_pending or 1000),
        )
    return declared


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
