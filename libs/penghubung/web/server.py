"""The HTTP server of a service process: uvicorn on h11, with the edges an open port needs.

uvicorn alone reads a request header of any size for as long as the sender takes, and keeps any
number of connections open: one 100 MB header grew a process by 100 MB, and connections trickling
a header line every few seconds stayed open for good. Here:

- the request line and headers may take `http_max_header_bytes` at most (431 above, then close);
- they must arrive within `http_header_timeout_seconds` of the connection opening, or of the
  previous response (408, then close);
- a body must arrive whole within `http_body_timeout_seconds` of its headers (the connection is
  closed; the application sees the client go away);
- a process holds `http_max_connections` connections at most: one more is answered 503 with
  Retry-After and closed at once.

The answers are JSON in the services' error body. h11 is the parser (httptools, uvicorn's default
when installed, has no header size limit of its own).
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from penghubung.settings import HttpSettings
from penghubung.web.errors import RETRY_AFTER_SECONDS, ErrorBody


@dataclass(frozen=True)
class ServerLimits:
    """How much, how slowly and how many: what one process accepts from the network."""

    max_header_bytes: int
    header_timeout_seconds: float
    body_timeout_seconds: float
    max_connections: int

    @classmethod
    def from_settings(cls, settings: HttpSettings) -> ServerLimits:
        """The limits a service's settings name."""
        return cls(
            max_header_bytes=settings.http_max_header_bytes,
            header_timeout_seconds=settings.http_header_timeout_seconds,
            body_timeout_seconds=settings.http_body_timeout_seconds,
            max_connections=settings.http_max_connections,
        )


def uvicorn_config(app: Any, settings: HttpSettings, **options: Any) -> uvicorn.Config:
    """uvicorn's configuration for a service's application, with the limits of its settings."""
    limits = ServerLimits.from_settings(settings)
    return uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        http=_protocol(limits),
        h11_max_incomplete_event_size=limits.max_header_bytes,
        # uvicorn's own default trusts X-Forwarded-For from 127.0.0.1; the application trusts
        # only PENGHUBUNG_TRUSTED_PROXIES (`runtime/service.py`)
        proxy_headers=False,
        **options,
    )


def _protocol(limits: ServerLimits) -> type[H11Protocol]:
    class Protocol(GuardedH11Protocol):
        pass

    Protocol.limits = limits
    return Protocol


def _answer(status: int, reason: str, body: ErrorBody, headers: dict[str, str]) -> bytes:
    """A whole HTTP/1.1 response that closes the connection, written without h11's state."""
    content = json.dumps(body.model_dump()).encode()
    lines = [
        f"HTTP/1.1 {status} {reason}",
        "content-type: application/json",
        f"content-length: {len(content)}",
        "connection: close",
        "x-content-type-options: nosniff",
        "cache-control: no-store",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + content


_TOO_MANY_CONNECTIONS = _answer(
    503,
    "Service Unavailable",
    ErrorBody(
        code="too_many_connections",
        message="terlalu banyak koneksi terbuka ke layanan ini; coba lagi sebentar lagi",
    ),
    {"retry-after": str(RETRY_AFTER_SECONDS)},
)
_HEADER_TIMEOUT = _answer(
    408,
    "Request Timeout",
    ErrorBody(
        code="request_timeout", message="header permintaan tidak selesai dikirim tepat waktu"
    ),
    {},
)
_HEADER_TOO_LARGE = _answer(
    431,
    "Request Header Fields Too Large",
    ErrorBody(code="header_too_large", message="header permintaan melebihi batas ukuran"),
    {},
)
_BAD_REQUEST = _answer(
    400,
    "Bad Request",
    ErrorBody(code="bad_request", message="permintaan HTTP tidak dapat dibaca"),
    {},
)


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a header deadline, a body deadline and a connection cap."""

    limits: ServerLimits

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Count the connection; refuse it at once when the process already holds its cap."""
        self._deadline: asyncio.TimerHandle | None = None
        if len(self.connections) >= self.limits.max_connections:
            transport.write(_TOO_MANY_CONNECTIONS)
            transport.close()
            self.transport = transport
            return
        super().connection_made(transport)
        self._await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the deadline with the connection."""
        self._cancel_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Feed h11, then move the deadline to the stage the request has reached."""
        super().data_received(data)
        state = self.conn.their_state
        if self.transport.is_closing():
            self._cancel_deadline()
        elif state is h11.SEND_BODY:
            if self._stage != "body":
                self._arm("body", self.limits.body_timeout_seconds)
        elif state is not h11.IDLE:
            self._cancel_deadline()  # the whole request is in: the application has the time

    def on_response_complete(self) -> None:
        """After a response the next request's headers have their own deadline."""
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._await_headers()

    def send_400_response(self, msg: str) -> None:
        """A request h11 cannot read: 431 when its headers are too large, else 400; JSON."""
        error = sys.exc_info()[1]
        status = getattr(error, "error_status_hint", 400)
        self.logger.warning("refused an unreadable request (%d): %s", status, error or msg)
        self._cancel_deadline()
        self.transport.write(_HEADER_TOO_LARGE if status == 431 else _BAD_REQUEST)
        self.transport.close()

    # --- deadlines ---------------------------------------------------------------------------

    _stage: str = ""

    def _await_headers(self) -> None:
        self._arm("headers", self.limits.header_timeout_seconds)

    def _arm(self, stage: str, seconds: float) -> None:
        self._cancel_deadline()
        self._stage = stage
        self._deadline = self.loop.call_later(seconds, self._expire, stage)

    def _cancel_deadline(self) -> None:
        deadline = getattr(self, "_deadline", None)
        if deadline is not None:
            deadline.cancel()
        self._deadline = None
        self._stage = ""

    def _expire(self, stage: str) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if stage == "headers" and self.conn.their_state is h11.IDLE:
            self.logger.warning("closed a connection whose request headers came too slowly")
            self.transport.write(_HEADER_TIMEOUT)
            self.transport.close()
        elif stage == "body" and self.conn.their_state is h11.SEND_BODY:
            self.logger.warning("closed a connection whose request body came too slowly")
            self.transport.close()
