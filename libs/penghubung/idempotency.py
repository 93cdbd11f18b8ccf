"""One Idempotency-Key mechanism for every command of every service.

A client that sends `Idempotency-Key: <its own unique text>` with a command and loses the answer
(a timeout, a dropped connection) sends the same command with the same key again and gets the
first answer again — status and body, with `Idempotent-Replayed: true` — and nothing is done
twice. The key is

- **scoped to the caller**: one person in one role of one agency (`caller_of`); another
  caller's same key is another key, so nobody can learn or replay someone else's answer;
- **bound to what was sent**: the SHA-256 of the command as parsed (`fingerprint`); the same
  key with another command is refused, 409 `idempotency_key_reused`;
- **kept in the service's own transaction**: the answer is stored in
  `messaging.idempotency_keys` (per service) by the transaction that writes the command's
  events and rows, so a replay answers exactly what was committed, and a command that failed
  left no key behind. Concurrent retries wait for each other on a transaction-scoped advisory
  lock of the key.

A refusal is not stored: a retry of a refused command is decided again. Without the header a
command is simply done (a retry may then be refused as out of order, or done twice where the
rules allow it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg
from pydantic import BaseModel, TypeAdapter

from penghubung.events.base import Actor
from penghubung.refusals import Conflict

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
HELP = (
    "Your own unique text for this command (at most 200 characters). Sending the same command"
    " again with the same key returns the first answer (header Idempotent-Replayed: true) and"
    " does nothing twice; the same key with another command is refused (409"
    " idempotency_key_reused). Keys are yours alone: another caller's same key is another key."
)
"""The header's description, the same in every service's OpenAPI."""

_JSON = TypeAdapter[Any](Any)
_LOCKS = 0x49444D  # "IDM": the two-key advisory lock space of Idempotency-Keys


class IdempotencyKeyReused(Conflict):
    """The caller used this key for another command: its answer cannot be this one's."""

    code = "idempotency_key_reused"
    message = "Idempotency-Key ini sudah dipakai untuk perintah lain; gunakan kunci baru"
    field = HEADER


def caller_of(actor: Actor) -> str:
    """Whose keys these are: one person in one role of one agency (and for whom they act)."""
    on_behalf = actor.on_behalf_of_nip or ""
    return f"{actor.role.value}:{actor.nip or actor.name}:{actor.agency or ''}:{on_behalf}"


def fingerprint(command: BaseModel | Mapping[str, Any], **more: object) -> str:
    """SHA-256 of a command as parsed (and of `more`, e.g. the path's ticket), so a retry
    matches whatever its JSON's formatting."""
    body = command.model_dump(mode="json") if isinstance(command, BaseModel) else dict(command)
    text = json.dumps({"command": body, **more}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Once:
    """A command's key: which service's, whose, and bound to what."""

    service: str
    caller: str
    key: str
    fingerprint: str

    @classmethod
    def of(
        cls,
        service: str,
        actor: Actor,
        key: str | None,
        command: BaseModel | Mapping[str, Any],
        **more: object,
    ) -> Once | None:
        """The key of a command as sent, or None when no key came with it."""
        if key is None:
            return None
        return cls(service, caller_of(actor), key, fingerprint(command, **more))


@dataclass(frozen=True)
class Answer:
    """What a command answered: its body, and whether it is a stored answer given again."""

    body: dict[str, Any]
    replayed: bool = False

    @property
    def headers(self) -> dict[str, str]:
        """`Idempotent-Replayed: true` for a replay."""
        return {REPLAYED_HEADER: "true"} if self.replayed else {}


async def replayed(conn: asyncpg.Connection, once: Once | None) -> dict[str, Any] | None:
    """The answer stored under this key, if any; `IdempotencyKeyReused` if it was another
    command's. Holds the key's lock until the transaction ends."""
    if once is None:
        return None
    scoped = f"{once.service}\n{once.caller}\n{once.key}"
    await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", _LOCKS, scoped)
    row = await conn.fetchrow(
        "SELECT fingerprint, response FROM messaging.idempotency_keys"
        " WHERE service = $1 AND caller = $2 AND key = $3",
        once.service,
        once.caller,
        once.key,
    )
    if row is None:
        return None
    if row["fingerprint"] != once.fingerprint:
        raise IdempotencyKeyReused()
    response: dict[str, Any] = row["response"]
    return response


async def remember(conn: asyncpg.Connection, once: Once | None, body: dict[str, Any]) -> None:
    """Keep a command's answer under its key, in the command's own transaction."""
    if once is None:
        return
    await conn.execute(
        "INSERT INTO messaging.idempotency_keys (service, caller, key, fingerprint, response)"
        " VALUES ($1, $2, $3, $4, $5)",
        once.service,
        once.caller,
        once.key,
        once.fingerprint,
        body,
    )


async def answer_once(
    pool: asyncpg.Pool,
    once: Once | None,
    command: Callable[[asyncpg.Connection], Awaitable[BaseModel | Mapping[str, Any]]],
) -> Answer:
    """Run a command in one transaction with its key: the stored answer if the key was used
    for it already, else the command's answer, stored under the key as it commits."""
    async with pool.acquire() as conn, conn.transaction():
        stored = await replayed(conn, once)
        if stored is not None:
            return Answer(stored, replayed=True)
        result = await command(conn)
        body = _JSON.dump_python(result, mode="json")
        await remember(conn, once, body)
    return Answer(body)
