"""Headers every answer carries, and the count of headers a request may carry.

An API's answers are data, never pages to be framed, sniffed into HTML or kept in a shared
cache: every response says so (`nosniff`, no framing, no referrer, a Content-Security-Policy
that allows nothing, `Cache-Control: no-store` unless the route chose otherwise — most answers
hold personal data). The interactive documentation is the one set of pages: it keeps a policy
that lets its own scripts and styles load, and nothing else.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from penghubung.web.errors import ErrorBody

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
"""The Content-Security-Policy of every JSON, CSV, spreadsheet and PDF answer."""

DOCS_POLICY = (
    "default-src 'none'; "
    "script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; "
    "connect-src 'self'; worker-src blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
"""The policy of /docs: Swagger UI's script and style come from the service itself
(`/docs-assets`), with the page's one inline start-up script; nothing from another site."""

DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect"})

_ALWAYS = (
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("cross-origin-opener-policy", "same-origin"),
)


class SecurityHeaders:
    """ASGI middleware: the headers above on every response; 431 for too many request headers."""

    def __init__(self, app: ASGIApp, *, max_headers: int = 100) -> None:
        self._app = app
        self._max_headers = max_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        policy = DOCS_POLICY if scope["path"] in DOCS_PATHS else API_POLICY

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _ALWAYS:
                    headers[name] = value
                headers["content-security-policy"] = policy
                headers.setdefault("cache-control", "no-store")
            await send(message)

        if len(scope.get("headers", ())) > self._max_headers:
            body = ErrorBody(
                code="too_many_headers",
                message=f"permintaan membawa lebih dari {self._max_headers} header",
            )
            response = JSONResponse(body.model_dump(), status_code=431)
            await response(scope, receive, send_with_headers)
            return
        await self._app(scope, receive, send_with_headers)
