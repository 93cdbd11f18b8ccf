"""Calls to the SOP services' HTTP APIs, made with the signed-in person's access token."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class FieldProblem:
    """One field the API refused, by its dotted path."""

    field: str
    code: str
    message: str


@dataclass(eq=False)
class ApiRefusal(Exception):
    """A service answered 4xx: its status, stable code, message and the fields at fault."""

    status: int
    code: str
    message: str
    field: str | None = None
    errors: list[FieldProblem] = dataclasses.field(default_factory=list)


class ServiceUnreachable(Exception):
    """A service did not answer in time, or answered 5xx."""

    def __init__(self, service: str, detail: str) -> None:
        super().__init__(f"{service}: {detail}")
        self.service = service


class SignInAgain(Exception):
    """The access token was refused (expired, revoked): the person must sign in again."""


def refusal_of(response: httpx.Response) -> ApiRefusal:
    """The refusal an error response carries."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    problems = [
        FieldProblem(str(e.get("field", "")), str(e.get("code", "")), str(e.get("message", "")))
        for e in body.get("errors") or []
        if isinstance(e, dict)
    ]
    return ApiRefusal(
        status=response.status_code,
        code=str(body.get("code", "http_error")),
        message=str(body.get("message", "permintaan ditolak")),
        field=body.get("field"),
        errors=problems,
    )


class Services:
    """The SOP services as one person sees them (their token on every call)."""

    def __init__(self, http: httpx.AsyncClient, urls: dict[str, str], token: str | None) -> None:
        self._http = http
        self._urls = urls
        self._token = token

    async def call(self, service: str, method: str, path: str, **kw: Any) -> httpx.Response:
        """One call; `ApiRefusal` for 4xx, `SignInAgain` for 401, `ServiceUnreachable` else."""
        response = await self._send(service, method, path, stream=False, **kw)
        return self._checked(service, response)

    async def stream(self, service: str, path: str) -> httpx.Response:
        """A GET whose body is read as it arrives (close it when done); refused as `call`."""
        response = await self._send(service, "GET", path, stream=True)
        if response.status_code >= 400:
            await response.aread()
            await response.aclose()
        return self._checked(service, response)

    async def _send(
        self, service: str, method: str, path: str, *, stream: bool, **kw: Any
    ) -> httpx.Response:
        base = self._urls.get(service)
        if base is None:
            raise ServiceUnreachable(service, "alamat layanan belum diatur")
        headers = dict(kw.pop("headers", None) or {})
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        request = self._http.build_request(method, base + path, headers=headers, **kw)
        try:
            try:
                return await self._http.send(request, stream=stream)
            except httpx.RemoteProtocolError:
                # A kept-alive connection the service closed as it was reused: a read may be
                # asked again on a fresh one; a write is not repeated.
                if method != "GET":
                    raise
                return await self._http.send(request, stream=stream)
        except httpx.HTTPError as error:
            raise ServiceUnreachable(service, type(error).__name__) from error

    @staticmethod
    def _checked(service: str, response: httpx.Response) -> httpx.Response:
        if response.status_code == 401:
            raise SignInAgain()
        if response.status_code >= 500:
            raise ServiceUnreachable(service, f"HTTP {response.status_code}")
        if response.status_code >= 400:
            raise refusal_of(response)
        return response

    async def get(self, service: str, path: str, **params: Any) -> Any:
        """GET a JSON answer."""
        clean = {k: v for k, v in params.items() if v is not None}
        return (await self.call(service, "GET", path, params=clean)).json()

    async def find(self, service: str, path: str) -> Any | None:
        """GET a JSON answer, or None when the service says 404."""
        try:
            return await self.get(service, path)
        except ApiRefusal as refused:
            if refused.status == 404:
                return None
            raise

    async def post(self, service: str, path: str, body: Any = None, **kw: Any) -> Any:
        """POST JSON; the JSON answer (None for an empty one)."""
        response = await self.call(service, "POST", path, json=body, **kw)
        return response.json() if response.content else None
