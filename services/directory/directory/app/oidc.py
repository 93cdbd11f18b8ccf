"""Single sign-on with OpenID Connect: authorization code with PKCE (S256), through authlib.

`/oidc/login` remembers a state (PKCE verifier, nonce, where to go back) and sends the browser to
the provider; `/oidc/callback` takes the state once, exchanges the code (with the verifier) for
tokens at the provider's token endpoint, verifies the ID token against the provider's JWKS
(issuer, audience, nonce, expiry), maps the configured claim (`nip`) to an active person, and
sends the browser back with a one-time grant that `POST /sessions/grants` turns into a session.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from directory.adapters import db
from directory.app.handlers import GRANT_MINUTES, Directory, _open_session, token_hash
from directory.app.views import SessionCreated
from directory.domain.errors import (
    GrantInvalid,
    ReturnToRefused,
    SsoDisabled,
    SsoFailed,
    SsoPersonUnknown,
    SsoStateInvalid,
)

HTTP_TIMEOUT = 10.0
STATE_MINUTES = 10


@dataclass
class Provider:
    """The provider's endpoints and keys, read from its discovery document once."""

    directory: Directory
    _discovery: dict[str, Any] = field(default_factory=dict)

    async def discovery(self) -> dict[str, Any]:
        """`<issuer>/.well-known/openid-configuration`."""
        if not self._discovery:
            issuer = (self.directory.settings.oidc_issuer or "").rstrip("/")
            async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
                response = await http.get(f"{issuer}/.well-known/openid-configuration")
                response.raise_for_status()
                self._discovery = response.json()
        return self._discovery

    async def keys(self) -> KeySet:
        """The provider's public keys."""
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
            response = await http.get((await self.discovery())["jwks_uri"])
            response.raise_for_status()
            return KeySet.import_key_set(response.json())

    def client(self) -> AsyncOAuth2Client:
        """An authlib OAuth 2 client with PKCE (S256)."""
        settings = self.directory.settings
        secret = settings.oidc_client_secret
        return AsyncOAuth2Client(
            client_id=settings.oidc_client_id,
            client_secret=secret.get_secret_value() if secret else None,
            scope=settings.oidc_scope,
            redirect_uri=settings.oidc_redirect_uri,
            code_challenge_method="S256",
            timeout=HTTP_TIMEOUT,
        )


def _enabled(directory: Directory) -> None:
    if not directory.settings.oidc_enabled:
        raise SsoDisabled()


def _check_return_to(directory: Directory, return_to: str) -> None:
    parts = urlsplit(return_to)
    origin = f"{parts.scheme}://{parts.netloc}"
    if (
        parts.scheme not in ("http", "https")
        or origin not in directory.settings.oidc_return_origins
    ):
        raise ReturnToRefused()


async def login_url(return_to: str, *, provider: Provider) -> str:
    """Where to send the browser: the provider's authorization endpoint, with PKCE and a nonce."""
    directory = provider.directory
    _enabled(directory)
    _check_return_to(directory, return_to)
    state, verifier, nonce = (secrets.token_urlsafe(32) for _ in range(3))
    async with directory.pool.acquire() as conn:
        await db.insert_oidc_state(
            conn,
            state,
            code_verifier=verifier,
            nonce=nonce,
            return_to=return_to,
            expires_at=directory.clock() + timedelta(minutes=STATE_MINUTES),
        )
    endpoint = (await provider.discovery())["authorization_endpoint"]
    async with provider.client() as client:
        url, _ = client.create_authorization_url(
            endpoint, state=state, code_verifier=verifier, nonce=nonce
        )
    return str(url)


async def callback(code: str, state: str, *, provider: Provider) -> str:
    """The code exchanged and the person found: where to send the browser, with a grant."""
    directory = provider.directory
    _enabled(directory)
    async with directory.pool.acquire() as conn:
        found = await db.take_oidc_state(conn, state, now=directory.clock())
    if found is None:
        raise SsoStateInvalid()
    verifier, nonce, return_to = found
    endpoint = (await provider.discovery())["token_endpoint"]
    try:
        async with provider.client() as client:
            token = await client.fetch_token(endpoint, code=code, code_verifier=verifier)
    except Exception as error:  # authlib raises its OAuthError, httpx its own: both a refusal
        raise SsoFailed() from error
    nip = await _verified_nip(token.get("id_token"), nonce=nonce, provider=provider)
    grant = secrets.token_urlsafe(32)
    async with directory.pool.acquire() as conn:
        if not await db.is_active(conn, nip):
            raise SsoPersonUnknown()
        expires = directory.clock() + timedelta(minutes=GRANT_MINUTES)
        await db.insert_grant(conn, token_hash(grant), nip=nip, expires_at=expires)
    separator = "&" if urlsplit(return_to).query else "?"
    return f"{return_to}{separator}{urlencode({'grant': grant})}"


async def _verified_nip(id_token: object, *, nonce: str, provider: Provider) -> str:
    settings = provider.directory.settings
    if not isinstance(id_token, str):
        raise SsoFailed()
    try:
        decoded = jwt.decode(id_token, await provider.keys())
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": (await provider.discovery())["issuer"]},
            aud={"essential": True, "value": settings.oidc_client_id or ""},
            nonce={"essential": True, "value": nonce},
            exp={"essential": True},
        ).validate(decoded.claims)
    except (JoseError, ValueError) as error:
        raise SsoFailed() from error
    nip = decoded.claims.get(settings.oidc_claim)
    if not isinstance(nip, str) or not nip:
        raise SsoPersonUnknown()
    return nip


async def redeem_grant(grant: str, *, address: str, directory: Directory) -> SessionCreated:
    """A session for the person of a one-time grant."""
    async with directory.pool.acquire() as conn, conn.transaction():
        nip = await db.use_grant(conn, token_hash(grant), now=directory.clock())
        if nip is None:
            raise GrantInvalid()
        # Signed in by the provider: the directory's own initial password does not block.
        return await _open_session(
            conn, directory, nip, must_change=False, address=address, via_sso=True
        )
