"""The largest request body a service reads: 413 before reading it, or as soon as it grows too big.

A body that declares its size (`Content-Length`) over the limit is refused before a byte of it is
read. A body without one (chunked) is counted as it streams in, and refused the moment it passes
the limit; whatever the application began to answer to the cut body is dropped for the 413.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from penghubung.web.errors import ErrorBody


@dataclass(frozen=True)
class BodyLimit:
    """A body size limit with the code and the message of its 413."""

    max_bytes: int
    code: str = "body_too_large"
    message: str = ""
    field: str | None = None

    def refusal(self) -> ErrorBody:
        """The 413's body."""
        message = self.message or f"isi permintaan melebihi batas {self.max_bytes} bita"
        return ErrorBody(code=self.code, message=message, field=self.field)


class _TooLarge(Exception):
    """Raised into the application when the body it reads passes the limit."""


class BodySizeLimit:
    """ASGI middleware: 413 for a body over the limit of its path (or the default limit)."""

    def __init__(
        self, app: ASGIApp, *, default: BodyLimit, per_path: Mapping[str, BodyLimit] | None = None
    ) -> None:
        self._app = app
        self._default = default
        self._per_path = dict(per_path or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        limit = self._per_path.get(scope["path"], self._default)
        declared = _content_length(scope)
        if declared is not None and declared > limit.max_bytes:
            await _refuse(limit, scope, receive, send)
            return
        guard = _Guard(limit.max_bytes, receive, send)
        try:
            await self._app(scope, guard.receive, guard.send)
        except Exception:
            if not guard.exceeded:
                raise
        if guard.exceeded and not guard.started:
            await _refuse(limit, scope, receive, send)


class _Guard:
    """Counts the body as the application reads it; silences the application once it is cut."""

    def __init__(self, max_bytes: int, receive: Receive, send: Send) -> None:
        self._max_bytes = max_bytes
        self._receive = receive
        self._send = send
        self.received = 0
        self.exceeded = False
        self.started = False

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self._max_bytes:
                self.exceeded = True
                raise _TooLarge
        return message

    async def send(self, message: Message) -> None:
        if self.exceeded:
            return  # the application's answer to a cut body (e.g. "cannot parse"): the 413 wins
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


async def _refuse(limit: BodyLimit, scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse(
        limit.refusal().model_dump(), status_code=413, headers={"Connection": "close"}
    )
    await response(scope, receive, send)
