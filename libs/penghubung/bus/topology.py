"""The JetStream stream and durable consumers, declared once by the bootstrap step."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import nats
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

from penghubung.services import SERVICES, service_module
from penghubung.settings import NatsSettings

log = logging.getLogger(__name__)


def subject(settings: NatsSettings, category: str, event_type: str) -> str:
    """`<prefix>.<category>.<EventType>`: the subject an event is published on."""
    return f"{settings.subject_prefix}.{category}.{event_type}"


@dataclass(frozen=True)
class ConsumerSpec:
    """A durable pull consumer: its name and the subjects it filters on (one, or all)."""

    durable: str
    filter: str = ">"
    """Subject filter below the prefix: `>` for all, `intake.>` for one category."""
    max_ack_pending: int = 256
    ack_wait_seconds: int = 30

    def filter_subject(self, settings: NatsSettings) -> str:
        """The full subject filter."""
        return f"{settings.subject_prefix}.{self.filter}"


def stream_config(settings: NatsSettings) -> StreamConfig:
    """File storage, kept forever, explicit duplicate window, deletes and purges denied."""
    return StreamConfig(
        name=settings.stream_name,
        subjects=[f"{settings.subject_prefix}.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        duplicate_window=float(settings.duplicate_window_seconds),
        deny_delete=True,
        deny_purge=True,
        num_replicas=settings.stream_replicas,
    )


def consumer_config(spec: ConsumerSpec, settings: NatsSettings) -> ConsumerConfig:
    """Durable, pull, explicit ack, finite deliveries (a safety net over our own counting)."""
    return ConsumerConfig(
        durable_name=spec.durable,
        filter_subject=spec.filter_subject(settings),
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        max_deliver=settings.max_deliver,
        ack_wait=float(spec.ack_wait_seconds),
        max_ack_pending=spec.max_ack_pending,
    )


async def declare_stream(js: JetStreamContext, settings: NatsSettings) -> None:
    """Create the stream, or bring its mutable settings up to date."""
    config = stream_config(settings)
    try:
        await js.stream_info(settings.stream_name)
    except NotFoundError:
        await js.add_stream(config)
        log.info("stream declared", extra={"stream": settings.stream_name})
        return
    await js.update_stream(config)


async def declare_consumer(
    js: JetStreamContext, spec: ConsumerSpec, settings: NatsSettings
) -> None:
    """Create a durable consumer, or update it (binding to it later never changes it)."""
    config = consumer_config(spec, settings)
    try:
        await js.consumer_info(settings.stream_name, spec.durable)
    except NotFoundError:
        await js.add_consumer(settings.stream_name, config)
        return
    # add_consumer with an existing durable name updates the mutable fields.
    await js.add_consumer(settings.stream_name, config)


def service_consumers() -> list[ConsumerSpec]:
    """Every durable consumer the services declare in `<service>.adapters.subscribers.CONSUMERS`."""
    specs: list[ConsumerSpec] = []
    for name in SERVICES:
        module = service_module(name, "adapters.subscribers")
        if module is not None:
            specs.extend(getattr(module, "CONSUMERS", []))
    return specs


async def bootstrap(settings: NatsSettings, consumers: list[ConsumerSpec]) -> None:
    """Declare the stream and the given consumers."""
    nc = await nats.connect(settings.nats_servers, connect_timeout=5, max_reconnect_attempts=3)
    try:
        js = nc.jetstream()
        await declare_stream(js, settings)
        for spec in consumers:
            await declare_consumer(js, spec, settings)
    finally:
        await nc.close()


async def bootstrap_command() -> int:
    """`penghubung bootstrap`: declare the stream and every service's durable consumers."""
    settings = NatsSettings()
    consumers = service_consumers()
    await bootstrap(settings, consumers)
    print(f"stream {settings.stream_name} on {settings.subject_prefix}.> declared")
    for spec in consumers:
        print(f"consumer {spec.durable} on {spec.filter_subject(settings)} declared")
    return 0
