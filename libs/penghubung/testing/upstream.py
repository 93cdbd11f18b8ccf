"""Other services' events for a service's tests, appended as those services would append them.

A service under test works as its own database role and may append only its own category; the
facts it reacts to (intake's submissions for disposition, disposition's orders for integration,
…) are appended here under the role of the service that owns their category.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence

from penghubung.db import create_pool
from penghubung.dbroles import role_of
from penghubung.events.base import NewEvent, stream_category
from penghubung.eventstore import EventStore
from penghubung.eventstore.store import AppendResult
from penghubung.services import SERVICES


class Upstream:
    """Appends each stream under the database role of the service that owns its category."""

    def __init__(self, stores: dict[str, EventStore]) -> None:
        self._stores = stores

    async def append(
        self, stream_id: str, *, expected_version: int, events: Sequence[NewEvent]
    ) -> AppendResult:
        """Append as the owner of the stream's category would."""
        store = self._stores[stream_category(stream_id)]
        return await store.append(stream_id, expected_version=expected_version, events=events)


@contextlib.asynccontextmanager
async def upstream(database_url: str) -> AsyncIterator[Upstream]:
    """An `Upstream` on one database, with a small pool per service role."""
    async with contextlib.AsyncExitStack() as stack:
        stores: dict[str, EventStore] = {}
        for service in SERVICES:
            pool = await stack.enter_async_context(
                create_pool(database_url, size=2, role=role_of(service))
            )
            stores[service] = EventStore(pool)
        yield Upstream(stores)
