"""The edges of a service's HTTP port, tried as an attacker would, on loopback with raw sockets.

Headers too large or too many, headers and bodies trickled in, more connections than a process
holds, JSON built to break the parser, PostgreSQL lost inside a transaction, tokens that live
for decades — and the headers every answer carries.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import jwt
import pytest
import uvicorn
from fastapi import FastAPI

from penghubung.db import create_pool
from penghubung.events.base import Role
from penghubung.settings import HttpSettings
from penghubung.testing.apis import ServiceApi, service_apis
from penghubung.web import errors
from penghubung.web.headers import API_POLICY, DOCS_POLICY
from penghubung.web.server import uvicorn_config

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def apis(
    new_database: Callable[[], Awaitable[str]], nats_url: str, run_id: str
) -> AsyncIterator[dict[str, ServiceApi]]:
    async with service_apis(await new_database(), nats_url, run_id=f"{run_id}he") as found:
        yield found


Serve = Callable[..., contextlib.AbstractAsyncContextManager[int]]


@pytest.fixture
def serve(apis: dict[str, ServiceApi]) -> Serve:
    """Serve intake's application through the production uvicorn configuration on a free port."""

    @contextlib.asynccontextmanager
    async def running(**limits: Any) -> AsyncIterator[int]:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
        settings = HttpSettings(http_port=port, **limits)
        server = uvicorn.Server(uvicorn_config(apis["intake"].app, settings, lifespan="off"))
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:  # noqa: ASYNC110 - uvicorn's server offers no event to wait on
            await asyncio.sleep(0.02)
        try:
            yield port
        finally:
            server.should_exit = True
            await task
            sock.close()

    return running


async def read_answer(
    reader: asyncio.StreamReader, prefix: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP response: status, headers (lower-case names), body; the connection then closed."""
    raw = prefix + await asyncio.wait_for(reader.read(), timeout=30)
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


async def trickle(
    writer: asyncio.StreamWriter, reader: asyncio.StreamReader, piece: bytes, *, pause: float
) -> tuple[int, bytes]:
    """Send `piece` again and again until the server answers or closes: the count sent, and
    what the server said."""
    sent = 0
    while sent < 10_000:
        try:
            writer.write(piece)
            await writer.drain()
        except ConnectionError:
            break
        sent += 1
        try:
            answer = await asyncio.wait_for(reader.read(65536), timeout=pause)
        except TimeoutError:
            continue
        except ConnectionError:
            break
        return sent, answer
    return sent, b""


async def test_a_huge_header_is_refused_with_431_before_it_is_read(serve: Serve) -> None:
    async with serve(http_max_header_bytes=8192) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /health/live HTTP/1.1\r\nHost: x\r\n")
        sent, said = await trickle(writer, reader, b"X-Besar: " + b"a" * 1014 + b"\r\n", pause=0.05)
        status, headers, body = await read_answer(reader, said)
        writer.close()
    print(f"server answered after {sent} KiB of a header meant to be 100 MB")
    assert status == 431
    assert json.loads(body)["code"] == "header_too_large"
    assert headers["connection"] == "close"
    assert sent < 64, "the server read far past its header limit"


async def test_a_header_trickled_in_is_cut_with_408(serve: Serve) -> None:
    async with serve(http_header_timeout_seconds=1) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /health/live HTTP/1.1\r\nHost: x\r\n")
        sent, said = await trickle(writer, reader, b"X-Pelan: a\r\n", pause=0.25)
        status, _, body = await read_answer(reader, said)
        writer.close()
    print(f"header lines trickled before the server cut the connection: {sent}")
    assert status == 408
    assert json.loads(body)["code"] == "request_timeout"
    assert sent < 1000


async def test_an_idle_connection_that_never_sends_is_closed(serve: Serve) -> None:
    async with serve(http_header_timeout_seconds=1) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        status, _, _ = await read_answer(reader)
        writer.close()
    assert status == 408


async def test_a_body_trickled_in_is_cut(serve: Serve) -> None:
    async with serve(http_body_timeout_seconds=1) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /requests HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100000\r\n\r\n{"
        )
        sent, said = await trickle(writer, reader, b" ", pause=0.25)
        rest = said + await asyncio.wait_for(reader.read(), timeout=30)
        writer.close()
    print(f"body bytes trickled before the server cut the connection: {sent}")
    assert sent < 1000
    assert reader.at_eof()
    assert rest == b"" or not rest.startswith(b"HTTP/1.1 2")


async def test_a_request_sent_whole_and_a_second_on_the_same_connection_are_answered(
    serve: Serve,
) -> None:
    async with (
        serve(http_header_timeout_seconds=5) as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client,
    ):
        first = await client.get("/health/live")
        second = await client.get("/health/live")
    assert (first.status_code, second.status_code) == (200, 200)


async def test_one_connection_over_the_cap_is_refused_with_503(serve: Serve) -> None:
    async with serve(http_max_connections=4, http_header_timeout_seconds=60) as port:
        held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(4)]
        await asyncio.sleep(0.2)  # let the server accept all four before the fifth
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        status, headers, body = await read_answer(reader)
        writer.close()
        for _, held_writer in held:
            held_writer.close()
            await held_writer.wait_closed()
        await asyncio.sleep(0.2)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            again = await client.get("/health/live")
    assert status == 503
    assert json.loads(body)["code"] == "too_many_connections"
    assert headers["retry-after"].isdigit()
    assert again.status_code == 200


async def test_too_many_header_fields_are_refused_with_431(apis: dict[str, ServiceApi]) -> None:
    headers = [(f"x-{i}", "a") for i in range(101)]
    response = await apis["intake"].client.get("/health/live", headers=headers)
    assert response.status_code == 431
    assert response.json()["code"] == "too_many_headers"


# --- malformed JSON ----------------------------------------------------------------------------

COMMANDS = {
    "intake": ("/requests", Role.PEMOHON),
    "disposition": ("/requests/SC05-2026-00001/dispositions", Role.KADIS),
    "integration": ("/requests/SC05-2026-00001/feasibility", Role.PETUGAS),
    "reporting": ("/requests/SC05-2026-00001/archive", Role.PETUGAS),
}

HOSTILE_JSON = {
    "nested 100k deep": b"[" * 100_000 + b"]" * 100_000,
    "object nested 100k deep": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "a 100k-digit number": b'{"form": ' + b"9" * 100_000 + b"}",
}


@pytest.mark.parametrize("service", COMMANDS)
@pytest.mark.parametrize("kind", HOSTILE_JSON)
async def test_json_built_to_break_the_parser_is_422_validation_failed(
    apis: dict[str, ServiceApi], service: str, kind: str
) -> None:
    api = apis[service]
    path, role = COMMANDS[service]
    headers = {**api.auth(role), "Content-Type": "application/json"}
    response = await api.client.post(path, content=HOSTILE_JSON[kind], headers=headers)
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["code"], body["field"]) == ("validation_failed", "body")
    assert body["errors"][0]["code"] == "json_invalid"


# --- security headers --------------------------------------------------------------------------


@pytest.mark.parametrize("service", COMMANDS)
async def test_every_answer_carries_the_security_headers(
    apis: dict[str, ServiceApi], service: str
) -> None:
    api = apis[service]
    path, role = COMMANDS[service]
    answers = [
        await api.client.get("/health/live"),
        await api.client.get("/tidak-ada"),
        await api.client.get(path, headers=api.auth(role)),
        await api.client.post(path, json=[], headers=api.auth(role)),
        await api.client.get("/requests", headers=api.auth(Role.AUDITOR)),
    ]
    for response in answers:
        assert response.headers["x-content-type-options"] == "nosniff", response
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["content-security-policy"] == API_POLICY
        assert response.headers["cache-control"] == "no-store"


async def test_the_documentation_keeps_a_policy_that_lets_swagger_load(
    apis: dict[str, ServiceApi],
) -> None:
    response = await apis["intake"].client.get("/docs")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert policy == DOCS_POLICY
    assert "https:" not in policy  # nothing from another site: the page works offline
    assert "/docs-assets/swagger-ui-bundle.js" in response.text
    assert "cdn.jsdelivr.net" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    assert (await apis["intake"].client.get("/openapi.json")).status_code == 200


# --- PostgreSQL lost mid-transaction -----------------------------------------------------------


async def test_postgresql_lost_inside_a_transaction_is_503_with_retry_after(
    database_url: str,
) -> None:
    async with create_pool(database_url, size=2) as pool:
        app = FastAPI()
        errors.install(app)

        @app.post("/tulis")
        async def write() -> dict[str, str]:
            async with pool.acquire() as conn, conn.transaction():
                pid = await conn.fetchval("SELECT pg_backend_pid()")
                killer = await asyncpg.connect(database_url)
                try:
                    await killer.execute("SELECT pg_terminate_backend($1)", pid)
                finally:
                    await killer.close()
                await conn.execute("SELECT 1")
            return {"status": "tersimpan"}

        @app.post("/baca")
        async def read() -> dict[str, str]:
            async with pool.acquire() as conn:
                pid = await conn.fetchval("SELECT pg_backend_pid()")
                killer = await asyncpg.connect(database_url)
                try:
                    await killer.execute("SELECT pg_terminate_backend($1)", pid)
                finally:
                    await killer.close()
                await conn.fetchval("SELECT 1")
            return {"status": "terbaca"}

        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            answers = [await client.post("/tulis"), await client.post("/baca")]
    for response in answers:
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == str(errors.RETRY_AFTER_SECONDS)
        body = response.json()
        assert body["code"] == "service_unavailable"
        assert body["message"]


# --- token lifetime ----------------------------------------------------------------------------


def token(api: ServiceApi, *, lives: timedelta) -> dict[str, str]:
    settings = api.ctx.settings
    now = datetime.now(UTC)
    claims = {
        "sub": "198001012005011001",
        "name": "Pengguna Uji",
        "role": "auditor",
        "aud": settings.jwt_audience,
        "iss": settings.jwt_issuer,
        "iat": now,
        "exp": now + lives,
    }
    return {"Authorization": "Bearer " + jwt.encode(claims, settings.jwt_secret, "HS256")}


@pytest.mark.parametrize(
    ("lives", "status"),
    [
        (timedelta(hours=1), 200),
        (timedelta(hours=23), 200),
        (timedelta(hours=25), 401),
        (timedelta(seconds=10**9), 401),
    ],
)
async def test_a_token_living_longer_than_the_cap_is_refused(
    apis: dict[str, ServiceApi], lives: timedelta, status: int
) -> None:
    api = apis["reporting"]
    response = await api.client.get("/requests", headers=token(api, lives=lives))
    assert response.status_code == status, response.text
    if status == 401:
        assert response.json()["code"] == "token_invalid"


# --- writes per person -------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def limited(
    new_database: Callable[[], Awaitable[str]], nats_url: str, run_id: str
) -> AsyncIterator[dict[str, ServiceApi]]:
    async with service_apis(
        await new_database(),
        nats_url,
        run_id=f"{run_id}rl",
        http_write_rate_per_minute=6,
        http_write_burst=3,
    ) as found:
        yield found


async def test_a_person_writing_too_fast_gets_429_with_retry_after(
    limited: dict[str, ServiceApi],
) -> None:
    api = limited["disposition"]
    path = "/requests/SC05-2026-00001/dispositions"
    kadis = api.auth(Role.KADIS, nip="197003152000031002")
    other = api.auth(Role.KADIS, nip="197506202001122001")

    answers = [await api.client.post(path, json={}, headers=kadis) for _ in range(4)]
    someone_else = await api.client.post(path, json={}, headers=other)
    reads = [await api.client.get("/health/live") for _ in range(5)]

    assert [a.status_code for a in answers[:3]] == [422, 422, 422]  # taken, refused on content
    refused = answers[3]
    assert refused.status_code == 429
    assert refused.json()["code"] == "too_many_writes"
    assert refused.json()["message"]
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["x-content-type-options"] == "nosniff"
    assert someone_else.status_code == 422  # another person has a bucket of their own
    assert {r.status_code for r in reads} == {200}


async def test_writes_without_a_valid_token_are_counted_by_address(
    limited: dict[str, ServiceApi],
) -> None:
    api = limited["intake"]
    forged = {"Authorization": "Bearer bukan.token.sah"}
    answers = [await api.client.post("/requests", json={}, headers=forged) for _ in range(4)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]


def test_the_bucket_refills_at_the_rate() -> None:
    from penghubung.web.ratelimit import WriteRateLimit

    now = [0.0]

    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("not called")

    limit = WriteRateLimit(app, per_minute=60, burst=2, person=lambda _: "x", clock=lambda: now[0])
    assert [limit._take("p") for _ in range(2)] == [None, None]
    assert limit._take("p") == pytest.approx(1.0)
    now[0] = 0.5
    assert limit._take("p") == pytest.approx(0.5)
    now[0] = 1.0
    assert limit._take("p") is None
