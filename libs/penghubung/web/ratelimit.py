"""A per-person limit on writes: 429 with Retry-After once a person's bucket is empty.

Every POST, PUT, PATCH and DELETE takes a token from the caller's bucket: `burst` tokens at
most, refilled at `per_minute`. The caller is the person a valid bearer token names (its `sub`);
a request without one is counted by its client address (it is refused with 401 anyway, but the
refusal must not be free either). Reads are not limited here. The buckets live in the process:
with N replicas a person may write N times the rate — a bound on abuse, not a quota.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from penghubung.refusals import Refused
from penghubung.web.errors import ErrorBody

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_MAX_BUCKETS = 10_000
"""Past this many callers, the full (idle) buckets are forgotten."""


@dataclass
class _Bucket:
    tokens: float
    at: float


class WriteRateLimit:
    """ASGI middleware: at most `burst` writes at once and `per_minute` on average per person."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        per_minute: float,
        burst: int,
        person: Callable[[str], str | None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._app = app
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._person = person
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITES:
            await self._app(scope, receive, send)
            return
        wait = self._take(self._key(scope))
        if wait is None:
            await self._app(scope, receive, send)
            return
        seconds = max(1, math.ceil(wait))
        body = ErrorBody(
            code="too_many_writes",
            message=f"terlalu banyak perubahan dalam waktu singkat; coba lagi {seconds} detik lagi",
        )
        response = JSONResponse(
            body.model_dump(), status_code=429, headers={"Retry-After": str(seconds)}
        )
        await response(scope, receive, send)

    def _key(self, scope: Scope) -> str:
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                scheme, _, token = value.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer" and token:
                    person = self._person(token.strip())
                    if person is not None:
                        return f"person:{person}"
                break
        client = scope.get("client")
        return f"address:{client[0] if client else 'unknown'}"

    def _take(self, key: str) -> float | None:
        """Take a token from `key`'s bucket: None when there was one, else the seconds to wait."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= _MAX_BUCKETS:
                self._forget_idle(now)
            bucket = self._buckets[key] = _Bucket(self._burst, now)
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.at) * self._rate)
        bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return (1.0 - bucket.tokens) / self._rate

    def _forget_idle(self, now: float) -> None:
        full = [
            key
            for key, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.at) * self._rate >= self._burst
        ]
        for key in full:
            del self._buckets[key]


def person_of(verify: Callable[[str], object]) -> Callable[[str], str | None]:
    """The person a bearer token names (nip, else sub, else name), or None for a bad token."""

    def person(token: str) -> str | None:
        try:
            principal = verify(token)
        except Refused:
            return None
        nip = getattr(principal, "nip", None)
        return str(nip or getattr(principal, "name", "")) or None

    return person
