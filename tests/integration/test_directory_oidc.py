"""Single sign-on against an OpenID Connect provider this test starts on loopback, speaking the
real protocol over HTTP: discovery, authorization with PKCE (S256) and a nonce, the code
exchanged at the token endpoint with client authentication, an RS256 ID token checked against
the provider's JWKS. The directory maps the `nip` claim to a person and hands a one-time grant
back, which becomes a session."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import secrets
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from directory.settings import DirectorySettings
from penghubung.runtime.service import running_service
from penghubung.web.auth import mint_token

pytestmark = pytest.mark.integration

CLIENT_ID = "penghubung-directory"
CLIENT_SECRET = "rahasia-klien-uji-0123456789"
REDIRECT_URI = "http://directory/oidc/callback"
PORTAL = "http://portal.example"


@dataclass
class Provider:
    """A minimal OpenID provider: one signed-in user at a time, codes kept in memory."""

    issuer: str = ""
    user_nip: str = ""
    key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
    )
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    token_requests: int = 0

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/jwks", self.jwks),
            ]
        )

    async def discovery(self, _: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        if (
            q.get("response_type") != "code"
            or q.get("client_id") != CLIENT_ID
            or q.get("code_challenge_method") != "S256"
            or not q.get("code_challenge")
            or "openid" not in (q.get("scope") or "").split()
        ):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "challenge": q["code_challenge"],
            "nonce": q.get("nonce", ""),
            "redirect_uri": q["redirect_uri"],
            "nip": self.user_nip,
        }
        return RedirectResponse(
            f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}", 302
        )

    async def token(self, request: Request) -> Response:
        self.token_requests += 1
        form = await request.form()
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {basic}":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        issued = self.codes.pop(str(form.get("code")), None)
        verifier = str(form.get("code_verifier", ""))
        digest = hashlib.sha256(verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if (
            issued is None
            or form.get("grant_type") != "authorization_code"
            or challenge != issued["challenge"]
            or form.get("redirect_uri") != issued["redirect_uri"]
        ):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": f"user-{issued['nip']}",
            "nip": issued["nip"],
            "nonce": issued["nonce"],
            "iat": now,
            "exp": now + 300,
        }
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "id_token": id_token,
            }
        )

    async def jwks(self, _: Request) -> Response:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})


@contextlib.asynccontextmanager
async def served(app: Any) -> AsyncIterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class Bed:
    app: FastAPI
    settings: DirectorySettings
    provider: Provider

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://directory"
        )

    async def register(self, nip: str) -> None:
        admin = mint_token(self.settings, role="admin", name="Admin", nip="198001012005011001")
        async with self.client() as client:
            response = await client.post(
                "/people",
                json={
                    "nip": nip,
                    "name": "Pegawai SSO",
                    "position": "Kepala Bidang",
                    "agency": "diskominfo",
                    "roles": ["kabid"],
                    "initial_password": "Awal-Sandi-2026",
                },
                headers={"Authorization": f"Bearer {admin}"},
            )
        assert response.status_code == 201, response.text

    async def sign_on(self, nip: str) -> httpx.Response:
        """Through the provider and back: the directory's answer to the callback."""
        self.provider.user_nip = nip
        async with self.client() as client:
            login = await client.get("/oidc/login", params={"return_to": f"{PORTAL}/masuk"})
            assert login.status_code == 302, login.text
            async with httpx.AsyncClient(timeout=10) as browser:
                at_provider = await browser.get(login.headers["location"])
            assert at_provider.status_code == 302, at_provider.text
            back = urlsplit(at_provider.headers["location"])
            assert f"{back.scheme}://{back.netloc}{back.path}" == REDIRECT_URI
            return await client.get(f"/oidc/callback?{back.query}")


@pytest.fixture(scope="module")
async def bed(
    new_database: Callable[[], Awaitable[str]], nats_url: str, run_id: str
) -> AsyncIterator[Bed]:
    provider = Provider()
    async with served(provider.app()) as issuer:
        provider.issuer = issuer
        settings = DirectorySettings(
            database_url=await new_database(),
            nats_url=nats_url,
            relay_enabled=False,
            stream_name=f"OIDC_{run_id}",
            subject_prefix=f"t{run_id}.oidc",
            oidc_issuer=issuer,
            oidc_client_id=CLIENT_ID,
            oidc_client_secret=CLIENT_SECRET,
            oidc_redirect_uri=REDIRECT_URI,
            oidc_return_origins=[PORTAL],
        )
        async with running_service("directory", settings) as (app, _):
            yield Bed(app, settings, provider)


def grant_of(response: httpx.Response) -> str:
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{PORTAL}/masuk"
    [grant] = parse_qs(location.query)["grant"]
    return grant


async def test_a_person_signs_on_at_the_provider_and_gets_a_session(bed: Bed) -> None:
    nip = "198703032011011004"
    await bed.register(nip)
    async with bed.client() as client:
        assert (await client.get("/oidc")).json() == {"enabled": True}
        login = await client.get("/oidc/login", params={"return_to": f"{PORTAL}/masuk"})
    query = parse_qs(urlsplit(login.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["client_id"] == [CLIENT_ID]
    assert query["nonce"][0]
    grant = grant_of(await bed.sign_on(nip))
    async with bed.client() as client:
        session = await client.post("/sessions/grants", json={"grant": grant})
        assert session.status_code == 201, session.text
        assert session.json()["person"]["nip"] == nip
        assert session.json()["must_change_password"] is False
        headers = {"Authorization": f"Bearer {session.json()['session_token']}"}
        token = await client.post("/tokens", json={"role": "kabid"}, headers=headers)
        assert token.status_code == 201, token.text
        again = await client.post("/sessions/grants", json={"grant": grant})
    assert (again.status_code, again.json()["code"]) == (401, "grant_invalid")


async def test_a_person_the_directory_does_not_know_is_refused(bed: Bed) -> None:
    refused = await bed.sign_on("199909092020091009")
    assert (refused.status_code, refused.json()["code"]) == (403, "oidc_person_unknown")


async def test_a_state_is_used_once_and_a_forged_code_is_refused(bed: Bed) -> None:
    nip = "198804042012011005"
    await bed.register(nip)
    bed.provider.user_nip = nip
    async with bed.client() as client:
        login = await client.get("/oidc/login", params={"return_to": f"{PORTAL}/masuk"})
        state = parse_qs(urlsplit(login.headers["location"]).query)["state"][0]
        before = bed.provider.token_requests
        forged = await client.get("/oidc/callback", params={"code": "palsu", "state": state})
        assert (forged.status_code, forged.json()["code"]) == (401, "oidc_failed")
        assert bed.provider.token_requests == before + 1  # the provider itself said no
        reused = await client.get("/oidc/callback", params={"code": "palsu", "state": state})
        assert (reused.status_code, reused.json()["code"]) == (401, "oidc_state_invalid")
        unknown = await client.get("/oidc/callback", params={"code": "x", "state": "tidak-ada"})
        assert unknown.json()["code"] == "oidc_state_invalid"


async def test_return_to_only_goes_back_to_an_allowed_origin(bed: Bed) -> None:
    async with bed.client() as client:
        refused = await client.get("/oidc/login", params={"return_to": "https://evil.example/x"})
    assert (refused.status_code, refused.json()["code"], refused.json()["field"]) == (
        422,
        "return_to_not_allowed",
        "return_to",
    )
