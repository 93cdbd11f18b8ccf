"""The directory service's HTTP contract as the portal uses it: sign-in, roles, people."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx
from pydantic import BaseModel, ConfigDict

from portal.clients.services import ApiRefusal, ServiceUnreachable, refusal_of
from portal.session import Choice, Person


class SignedIn(BaseModel):
    """What `POST /sessions` answers."""

    model_config = ConfigDict(extra="ignore")

    session_token: str
    expires_at: datetime
    must_change_password: bool = False
    person: Person


class AccessToken(BaseModel):
    """What `POST /tokens` answers."""

    model_config = ConfigDict(extra="ignore")

    access_token: str
    expires_at: datetime


class Directory:
    """The directory at `PENGHUBUNG_DIRECTORY_URL` (see CONTRACT-directory)."""

    def __init__(self, http: httpx.AsyncClient, url: str) -> None:
        self._http = http
        self._url = url.rstrip("/")

    async def _call(
        self,
        method: str,
        path: str,
        *,
        bearer: str | None = None,
        client: str | None = None,
        **kw: Any,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        if client is not None:
            # The person's address, so the directory throttles them, not the portal (it trusts
            # the header only from a proxy in its PENGHUBUNG_TRUSTED_PROXIES)
            headers["X-Forwarded-For"] = client
        try:
            response = await self._http.request(method, self._url + path, headers=headers, **kw)
        except httpx.HTTPError as error:
            raise ServiceUnreachable("directory", type(error).__name__) from error
        if response.status_code >= 500:
            raise ServiceUnreachable("directory", f"HTTP {response.status_code}")
        if response.status_code >= 400:
            raise refusal_of(response)
        return response

    async def sign_in(self, nip: str, password: str, *, client: str | None = None) -> SignedIn:
        """Password sign-in for the person at `client` (their address); `ApiRefusal` 401
        credentials_invalid, 429 sign_in_throttled."""
        body = {"nip": nip, "password": password}
        response = await self._call("POST", "/sessions", json=body, client=client)
        return SignedIn.model_validate(response.json())

    async def change_password(self, session_token: str, *, current: str, new: str) -> None:
        """Change the session's person's password; `ApiRefusal` 401 credentials_invalid, 422
        password_weak (field `new_password`)."""
        body = {"current_password": current, "new_password": new}
        await self._call("POST", "/sessions/current/password", bearer=session_token, json=body)

    async def sso_enabled(self) -> bool:
        """Whether the province's identity provider (OIDC) signs people in."""
        try:
            return bool((await self._call("GET", "/oidc")).json().get("enabled"))
        except (ApiRefusal, ServiceUnreachable):
            return False

    def sso_url(self, return_to: str) -> str:
        """Where the browser goes to sign in at the identity provider."""
        return f"{self._url}/oidc/login?{urlencode({'return_to': return_to})}"

    async def redeem(self, grant: str, *, client: str | None = None) -> SignedIn:
        """The session for the one-time code the identity provider's sign-in came back with."""
        body = {"grant": grant}
        response = await self._call("POST", "/sessions/grants", json=body, client=client)
        return SignedIn.model_validate(response.json())

    async def choices(self, session_token: str) -> list[Choice]:
        """The roles (and delegations) the signed-in person may act in."""
        body = (await self._call("GET", "/sessions/current", bearer=session_token)).json()
        return [Choice.model_validate(c) for c in body.get("choices", [])]

    async def token(self, session_token: str, choice: Choice) -> AccessToken:
        """A short-lived access token for one choice."""
        body = {"role": choice.role, "delegation_id": choice.delegation_id}
        response = await self._call("POST", "/tokens", bearer=session_token, json=body)
        return AccessToken.model_validate(response.json())

    async def sign_out(self, session_token: str) -> None:
        """End the directory session (a refusal means it had ended already)."""
        try:
            await self._call("DELETE", "/sessions/current", bearer=session_token)
        except ApiRefusal:
            return

    async def people(self, access_token: str, *, role: str) -> list[Person]:
        """The people holding a role (the prakom picks a petugas from them)."""
        response = await self._call("GET", "/people", bearer=access_token, params={"role": role})
        return [Person.model_validate(p) for p in response.json().get("items", [])]
