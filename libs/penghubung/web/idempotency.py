"""The Idempotency-Key as every command route takes it (the mechanism: `penghubung.idempotency`).

async def dispose(ticket_id: str, body: DispositionIn, once: Idempotent) -> dict[str, Any]:
    async def run(conn: asyncpg.Connection) -> DispositionOut: ...
    return await once.run(pool, "disposition", actor, body, run, ticket_id=ticket_id)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Header, Response
from pydantic import BaseModel

from penghubung.events.base import Actor
from penghubung.idempotency import HEADER, HELP, Once, answer_once

IdempotencyKey = Annotated[
    str | None, Header(alias=HEADER, min_length=1, max_length=200, description=HELP)
]
"""A command route's `Idempotency-Key` parameter."""


class CommandOnce:
    """A command route's key and response: runs the command once per key, in one transaction."""

    def __init__(self, response: Response, key: IdempotencyKey = None) -> None:
        self.response = response
        self.key = key

    async def run(
        self,
        pool: asyncpg.Pool,
        service: str,
        actor: Actor,
        sent: BaseModel | Mapping[str, Any],
        command: Callable[[asyncpg.Connection], Awaitable[BaseModel | Mapping[str, Any]]],
        **more: object,
    ) -> dict[str, Any]:
        """The command's answer (`sent` and `more` bind the key): the stored one for a retry,
        with `Idempotent-Replayed: true`."""
        answer = await answer_once(pool, Once.of(service, actor, self.key, sent, **more), command)
        self.response.headers.update(answer.headers)
        return answer.body


Idempotent = Annotated[CommandOnce, Depends(CommandOnce)]
"""The parameter of a command route that takes an Idempotency-Key."""
