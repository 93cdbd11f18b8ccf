"""One service under test on a database of its own, fed by hand as the bus would feed it.

`serving` runs the service (without an HTTP server: an `httpx` client on its application) with
an `Upstream` on the same database for the other services' facts; `deliver` hands a stored event
to one of its subscriptions through the consumer base, as the bus would.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import httpx

from penghubung.bus import wire
from penghubung.bus.consumer import Delivery, Outcome, Subscription, handle_message
from penghubung.bus.topology import subject
from penghubung.eventstore import EventStore
from penghubung.runtime.service import ServiceContext, ServiceParts, running_service
from penghubung.settings import ServiceSettings
from penghubung.testing.upstream import Upstream, upstream


def without_consumers(
    build: Callable[[ServiceContext], ServiceParts],
) -> Callable[[ServiceContext], ServiceParts]:
    """The service `build` makes, without its bus consumers: the tests hand it the events."""

    def parts(ctx: ServiceContext) -> ServiceParts:
        return replace(build(ctx), subscriptions=())

    return parts


@contextlib.asynccontextmanager
async def serving(
    name: str, settings: ServiceSettings, build: Callable[[ServiceContext], ServiceParts]
) -> AsyncIterator[tuple[httpx.AsyncClient, ServiceContext, Upstream]]:
    """The service `name` running on `settings`, a client on its API (`http://<name>`), and an
    `Upstream` appending the other services' facts to its database."""
    async with (
        running_service(name, settings, build=build) as (app, ctx),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=f"http://{name}"
        ) as client,
        upstream(settings.database_url) as others,
    ):
        yield client, ctx, others


async def stored_row(store: EventStore, position: int) -> Any:
    """The row of the log at `position`, as the relay reads it."""
    rows = [
        r async for batch in store.read_all_rows(after=position - 1, until=position) for r in batch
    ]
    return rows[0]


async def deliver(
    ctx: ServiceContext, settings: ServiceSettings, subscription: Subscription, position: int
) -> Outcome:
    """The stored event at `position` as the bus would hand it to `subscription`."""
    row = await stored_row(ctx.store, position)
    data, headers = wire.encode(row)
    delivery = Delivery(
        data=data,
        subject=subject(settings, wire.category_of(row), row["type"]),
        headers=headers,
    )
    async with ctx.pool.acquire() as conn:
        return await handle_message(conn, subscription, delivery, max_attempts=3)
