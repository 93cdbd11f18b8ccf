"""The directory over HTTP on a real database: sign-in (good, bad, throttled, must-change),
sessions, access tokens for roles and delegations, the admin's work, and key rotation verified
through the JWKS served over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import jwt
import pytest
import uvicorn
from fastapi import FastAPI

from directory.bootstrap import build
from directory.settings import DirectorySettings
from penghubung.eventstore import EventStore
from penghubung.refusals import Unauthenticated as HttpUnauthenticated
from penghubung.runtime.service import ServiceContext, ServiceParts, running_service
from penghubung.settings import AuthSettings
from penghubung.web.auth import AuthNotConfigured, TokenVerifier

pytestmark = pytest.mark.integration

WIB = ZoneInfo("Asia/Jakarta")
ADMIN_NIP = "198001012005011001"
ADMIN_PASSWORD = "Awal-Admin-2026"
PROXY_NETWORK = "10.9.0.0/24"
"""Where the reverse proxy runs (PENGHUBUNG_TRUSTED_PROXIES of the bed)."""
PROXY = "10.9.0.2"
NEW_PASSWORD = "Sandi-Baru-2026"


class MovableClock:
    """The real time, moved forward by the test when it needs to."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class Bed:
    app: FastAPI
    ctx: ServiceContext
    settings: DirectorySettings
    clock: MovableClock

    def client(self, address: str = "127.0.0.1") -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(address, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://directory")

    async def sign_in(
        self,
        nip: str,
        password: str,
        *,
        address: str = "127.0.0.1",
        forwarded_for: str | None = None,
    ) -> httpx.Response:
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        async with self.client(address) as client:
            return await client.post(
                "/sessions", json={"nip": nip, "password": password}, headers=headers
            )

    async def session(self, nip: str, password: str) -> str:
        response = await self.sign_in(nip, password, address=f"10.1.{_n()}.1")
        assert response.status_code == 201, response.text
        token: str = response.json()["session_token"]
        return token

    async def token(
        self, session: str, role: str, delegation_id: str | None = None
    ) -> httpx.Response:
        async with self.client() as client:
            return await client.post(
                "/tokens",
                json={"role": role, "delegation_id": delegation_id},
                headers=bearer(session),
            )

    async def access(self, session: str, role: str, delegation_id: str | None = None) -> str:
        response = await self.token(session, role, delegation_id)
        assert response.status_code == 201, response.text
        token: str = response.json()["access_token"]
        return token

    async def admin(self) -> str:
        """An admin access token (the seeded admin, password changed once)."""
        session = await self.session(ADMIN_NIP, NEW_PASSWORD)
        return await self.access(session, "admin")

    async def call(self, method: str, path: str, token: str, body: Any = None) -> httpx.Response:
        async with self.client() as client:
            return await client.request(method, path, json=body, headers=bearer(token))

    async def person(
        self, roles: list[str], *, agency: str = "diskominfo", password: str = "Awal-Sandi-2026"
    ) -> tuple[str, str]:
        """A new person with `roles` and a changed password: (nip, password)."""
        nip = new_nip()
        body = {
            "nip": nip,
            "name": f"Pegawai {nip[-4:]}",
            "position": "Pranata Komputer Ahli Muda",
            "agency": agency,
            "roles": roles,
            "initial_password": password,
            "email": "pegawai@babelprov.go.id",
            "mobile": "0812-7000-1234",
        }
        response = await self.call("POST", "/people", await self.admin(), body)
        assert response.status_code == 201, response.text
        session = await self.session(nip, password)
        async with self.client() as client:
            changed = await client.post(
                "/sessions/current/password",
                json={"current_password": password, "new_password": NEW_PASSWORD},
                headers=bearer(session),
            )
        assert changed.status_code == 204, changed.text
        return nip, NEW_PASSWORD


_counter = iter(range(1, 10**6))


def _n() -> int:
    return next(_counter) % 250 + 1


_nips = itertools.count(uuid.uuid4().int % 1000)


def new_nip() -> str:
    """A well-formed NIP no other test of this run uses: drawn at random, two of a module's few
    dozen met now and then (a 409 for the second person), so they are counted instead; 335,664
    before one comes back."""
    number = next(_nips) % (999 * 12 * 28)
    sequence = number % 999 + 1
    month = number // 999 % 12 + 1
    day = number // (999 * 12) + 1
    return f"1985{month:02d}{day:02d}2010{month:02d}1{sequence:03d}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
async def bed(
    new_database: Callable[[], Awaitable[str]], nats_url: str, run_id: str
) -> AsyncIterator[Bed]:
    settings = DirectorySettings(
        database_url=await new_database(),
        nats_url=nats_url,
        relay_enabled=False,
        stream_name=f"DIRECTORY_{run_id}",
        subject_prefix=f"t{run_id}.directory",
        directory_admin_password=ADMIN_PASSWORD,
        sign_in_account_limit=3,
        sign_in_address_limit=5,
        trusted_proxies=[PROXY_NETWORK],
    )
    clock = MovableClock()

    def with_clock(ctx: ServiceContext) -> ServiceParts:
        return build(replace(ctx, clock=clock))

    async with running_service("directory", settings, build=with_clock) as (app, ctx):
        found = Bed(app, ctx, settings, clock)
        # The admin's first sign-in: the initial password must be changed first.
        first = await found.sign_in(ADMIN_NIP, ADMIN_PASSWORD, address="10.0.0.1")
        assert first.status_code == 201, first.text
        assert first.json()["must_change_password"] is True
        session = first.json()["session_token"]
        refused = await found.token(session, "admin")
        assert refused.status_code == 403
        assert refused.json()["code"] == "password_change_required"
        async with found.client() as client:
            changed = await client.post(
                "/sessions/current/password",
                json={"current_password": ADMIN_PASSWORD, "new_password": NEW_PASSWORD},
                headers=bearer(session),
            )
        assert changed.status_code == 204, changed.text
        yield found


# --- sign-in ---------------------------------------------------------------------------------


async def test_sign_in_gives_a_session_of_eight_hours_with_the_person(bed: Bed) -> None:
    nip, password = await bed.person(["petugas"])
    response = await bed.sign_in(nip, password, address="10.2.0.1")
    assert response.status_code == 201
    body = response.json()
    assert body["session_token"].startswith("phs_")
    assert body["must_change_password"] is False
    assert body["person"]["nip"] == nip
    assert body["person"]["roles"] == ["petugas"]
    expires = datetime.fromisoformat(body["expires_at"])
    assert expires.utcoffset() == timedelta(hours=7)
    assert timedelta(hours=7, minutes=59) < expires - bed.clock() <= timedelta(hours=8)
    async with bed.client() as client:
        current = await client.get("/sessions/current", headers=bearer(body["session_token"]))
    assert current.status_code == 200
    assert current.json()["choices"] == [
        {"role": "petugas", "agency": None, "delegation_id": None, "label": "Petugas Service Desk"}
    ]


async def test_a_wrong_password_and_an_unknown_nip_get_the_same_answer(bed: Bed) -> None:
    nip, _ = await bed.person(["petugas"])
    wrong = await bed.sign_in(nip, "Salah-Sandi-2026", address="10.3.0.1")
    unknown = await bed.sign_in(new_nip(), "Salah-Sandi-2026", address="10.3.0.2")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "credentials_invalid"


async def test_bad_sign_in_bodies_name_the_field(bed: Bed) -> None:
    async with bed.client() as client:
        response = await client.post("/sessions", json={"nip": "198001012005011001"})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert response.json()["field"] == "password"


async def test_failed_sign_ins_are_throttled_per_account(bed: Bed) -> None:
    nip, password = await bed.person(["petugas"])
    first_failure = bed.clock()
    for attempt in range(3):
        failed = await bed.sign_in(nip, "Salah-Sandi-2026", address=f"10.4.0.{attempt + 1}")
        assert failed.status_code == 401
    # Even the right password, from yet another address, waits now.
    throttled = await bed.sign_in(nip, password, address="10.4.0.9")
    elapsed = (bed.clock() - first_failure).total_seconds()
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "sign_in_throttled"
    assert "15 menit" in throttled.json()["message"]
    # The wait is what is left of the 15-minute window opened by the first failure (+1 s).
    window = bed.settings.sign_in_window_seconds
    assert window - elapsed <= int(throttled.headers["Retry-After"]) <= window + 1
    bed.clock.offset += timedelta(minutes=16)
    try:
        assert (await bed.sign_in(nip, password, address="10.4.0.9")).status_code == 201
    finally:
        bed.clock.offset -= timedelta(minutes=16)


async def test_failed_sign_ins_are_throttled_per_address(bed: Bed) -> None:
    nip, password = await bed.person(["petugas"])
    for _ in range(5):
        failed = await bed.sign_in(new_nip(), "Salah-Sandi-2026", address="10.5.0.1")
        assert failed.status_code == 401
    throttled = await bed.sign_in(nip, password, address="10.5.0.1")
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "sign_in_throttled"
    assert (await bed.sign_in(nip, password, address="10.5.0.2")).status_code == 201


async def test_behind_a_trusted_proxy_each_forwarded_address_is_throttled_on_its_own(
    bed: Bed,
) -> None:
    nip, password = await bed.person(["petugas"])
    for _ in range(5):
        failed = await bed.sign_in(
            new_nip(), "Salah-Sandi-2026", address=PROXY, forwarded_for="203.0.113.7"
        )
        assert failed.status_code == 401
    # The proxy's one address carries both people: only the one who failed waits.
    throttled = await bed.sign_in(nip, password, address=PROXY, forwarded_for="203.0.113.7")
    assert (throttled.status_code, throttled.json()["code"]) == (429, "sign_in_throttled")
    other = await bed.sign_in(nip, password, address=PROXY, forwarded_for="203.0.113.8")
    assert other.status_code == 201, other.text
    # The rightmost hop the proxy saw counts, not what the client wrote before it.
    spoofed = await bed.sign_in(
        nip, password, address=PROXY, forwarded_for="198.51.100.1, 203.0.113.7"
    )
    assert spoofed.status_code == 429


async def test_a_forged_forwarded_address_from_an_untrusted_peer_is_ignored(bed: Bed) -> None:
    nip, password = await bed.person(["petugas"])
    for attempt in range(5):
        forged = f"198.51.100.{attempt + 1}"  # a new "address" each time: the throttle must hold
        failed = await bed.sign_in(
            new_nip(), "Salah-Sandi-2026", address="10.70.0.1", forwarded_for=forged
        )
        assert failed.status_code == 401
    throttled = await bed.sign_in(nip, password, address="10.70.0.1", forwarded_for="198.51.100.99")
    assert (throttled.status_code, throttled.json()["code"]) == (429, "sign_in_throttled")


async def test_an_initial_password_must_be_changed_and_a_weak_one_is_refused(bed: Bed) -> None:
    nip = new_nip()
    body = {
        "nip": nip,
        "name": "Pegawai Baru",
        "position": "Kepala Bidang",
        "agency": "diskominfo",
        "roles": ["kabid"],
        "initial_password": "Awal-Sandi-2026",
    }
    assert (await bed.call("POST", "/people", await bed.admin(), body)).status_code == 201
    session = await bed.session(nip, "Awal-Sandi-2026")
    refused = await bed.token(session, "kabid")
    assert refused.status_code == 403
    assert refused.json()["code"] == "password_change_required"
    async with bed.client() as client:
        current = await client.get("/sessions/current", headers=bearer(session))
        assert current.json()["must_change_password"] is True
        weak = await client.post(
            "/sessions/current/password",
            json={"current_password": "Awal-Sandi-2026", "new_password": "pendek"},
            headers=bearer(session),
        )
        assert weak.status_code == 422
        assert (weak.json()["code"], weak.json()["field"]) == ("password_weak", "new_password")
        wrong = await client.post(
            "/sessions/current/password",
            json={"current_password": "Bukan-Sandi-2026", "new_password": NEW_PASSWORD},
            headers=bearer(session),
        )
        assert wrong.status_code == 401
        assert wrong.json()["code"] == "credentials_invalid"
        done = await client.post(
            "/sessions/current/password",
            json={"current_password": "Awal-Sandi-2026", "new_password": NEW_PASSWORD},
            headers=bearer(session),
        )
        assert done.status_code == 204
    assert (await bed.token(session, "kabid")).status_code == 201
    # The old password no longer signs in; the new one does.
    assert (await bed.sign_in(nip, "Awal-Sandi-2026", address="10.6.0.1")).status_code == 401
    assert (await bed.sign_in(nip, NEW_PASSWORD, address="10.6.0.1")).status_code == 201


async def test_an_admin_reset_asks_for_a_change_again_and_ends_sessions(bed: Bed) -> None:
    nip, password = await bed.person(["petugas"])
    session = await bed.session(nip, password)
    reset = await bed.call(
        "POST",
        f"/people/{nip}/password",
        await bed.admin(),
        {"initial_password": "Reset-Sandi-2026"},
    )
    assert reset.status_code == 204
    async with bed.client() as client:
        assert (await client.get("/sessions/current", headers=bearer(session))).status_code == 401
    again = await bed.sign_in(nip, "Reset-Sandi-2026", address="10.7.0.1")
    assert again.json()["must_change_password"] is True


async def test_sign_out_ends_the_session(bed: Bed) -> None:
    nip, password = await bed.person(["petugas"])
    session = await bed.session(nip, password)
    async with bed.client() as client:
        assert (
            await client.delete("/sessions/current", headers=bearer(session))
        ).status_code == 204
        gone = await client.get("/sessions/current", headers=bearer(session))
    assert gone.status_code == 401
    assert gone.json()["code"] == "session_invalid"
    assert (await bed.token(session, "petugas")).status_code == 401


async def test_the_log_records_that_a_credential_changed_but_never_the_secret(bed: Bed) -> None:
    nip, _ = await bed.person(["petugas"])
    stream = await EventStore(bed.ctx.pool).read_stream(f"directory-person-{nip}")
    kinds = [(e.type, e.event.payload().get("change")) for e in stream.events]
    assert kinds[-1] == ("CredentialChanged", "changed")
    assert ("CredentialChanged", "initial") in kinds
    async with bed.ctx.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT payload::text AS p FROM eventstore.events WHERE stream_id = $1",
            f"directory-person-{nip}",
        )
        stored = await conn.fetchval(
            "SELECT password_hash FROM directory.credentials WHERE nip = $1", nip
        )
    assert stored.startswith("$argon2id$")
    for row in rows:
        assert "Sandi" not in row["p"]
        assert "argon2" not in row["p"]


# --- tokens ----------------------------------------------------------------------------------


def decoded(bed: Bed, token: str) -> dict[str, Any]:
    verifier = bed.app.state.token_verifier
    assert isinstance(verifier, TokenVerifier)
    verifier.verify(token)  # the directory accepts its own tokens
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


async def test_an_access_token_is_eddsa_with_a_kid_and_lives_fifteen_minutes(bed: Bed) -> None:
    nip, password = await bed.person(["pemohon"], agency="dinkes")
    session = await bed.session(nip, password)
    response = await bed.token(session, "pemohon")
    assert response.status_code == 201
    body = response.json()
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 900)
    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "EdDSA"
    assert header["kid"]
    claims = decoded(bed, body["access_token"])
    assert claims["exp"] - claims["iat"] == 900
    assert (claims["sub"], claims["nip"], claims["role"]) == (nip, nip, "pemohon")
    assert claims["agency"] == "Dinas Kesehatan"
    assert (claims["aud"], claims["iss"]) == ("penghubung", "penghubung")
    refused = await bed.token(session, "kadis")
    assert refused.status_code == 403
    assert refused.json()["code"] == "role_not_held"


async def test_a_stand_in_gets_a_token_with_both_names_while_the_delegation_runs(bed: Bed) -> None:
    kadis, _ = await bed.person(["kadis"])
    plt, password = await bed.person(["kabid"])
    today = bed.clock().astimezone(WIB).date()
    admin = await bed.admin()
    granted = await bed.call(
        "POST",
        "/delegations",
        admin,
        {
            "position": "kadis",
            "holder_nip": kadis,
            "delegate_nip": plt,
            "kind": "plt",
            "starts_on": str(today - timedelta(days=1)),
            "ends_on": str(today + timedelta(days=5)),
            "decree_number": "800/123/BKPSDM/2026",
        },
    )
    assert granted.status_code == 201, granted.text
    delegation_id = granted.json()["delegation_id"]
    session = await bed.session(plt, password)
    async with bed.client() as client:
        current = (await client.get("/sessions/current", headers=bearer(session))).json()
    assert current["choices"][-1] == {
        "role": "kadis",
        "agency": None,
        "delegation_id": delegation_id,
        "label": "Plt. Kepala Dinas (SK 800/123/BKPSDM/2026)",
    }
    claims = decoded(bed, await bed.access(session, "kadis", delegation_id))
    assert claims["role"] == "kadis"
    assert (claims["nip"], claims["acting_for_nip"]) == (plt, kadis)
    assert claims["acting_for_name"] == f"Pegawai {kadis[-4:]}"
    assert (claims["delegation"], claims["stand_in"]) == (delegation_id, "plt")
    principal = bed.app.state.token_verifier.verify(
        await bed.access(session, "kadis", delegation_id)
    )
    assert principal.actor().on_behalf_of_nip == kadis
    listed = await bed.call("GET", "/delegations?active=true", admin)
    assert delegation_id in {d["delegation_id"] for d in listed.json()["items"]}
    # Ended by the admin: no more tokens for it.
    ended = await bed.call(
        "POST", f"/delegations/{delegation_id}/end", admin, {"reason": "Kembali"}
    )
    assert ended.status_code == 204
    refused = await bed.token(session, "kadis", delegation_id)
    assert refused.status_code == 403
    assert refused.json()["code"] == "delegation_inactive"
    again = await bed.call("POST", f"/delegations/{delegation_id}/end", admin, {"reason": "Lagi"})
    assert again.status_code == 409
    assert again.json()["code"] == "delegation_already_ended"


async def test_an_expired_delegation_or_anothers_gives_no_token(bed: Bed) -> None:
    plt, password = await bed.person(["petugas"])
    other, other_password = await bed.person(["petugas"])
    today = bed.clock().astimezone(WIB).date()
    granted = await bed.call(
        "POST",
        "/delegations",
        await bed.admin(),
        {
            "position": "prakom",
            "delegate_nip": plt,
            "kind": "plh",
            "starts_on": str(today - timedelta(days=5)),
            "ends_on": str(today - timedelta(days=1)),
            "decree_number": "800/9/DISKOMINFO/2026",
        },
    )
    assert granted.status_code == 201
    delegation_id = granted.json()["delegation_id"]
    for nip, pw in ((plt, password), (other, other_password)):
        refused = await bed.token(await bed.session(nip, pw), "prakom", delegation_id)
        assert refused.status_code == 403
        assert refused.json()["code"] == "delegation_inactive"


async def test_a_delegation_to_nobody_is_refused_naming_the_field(bed: Bed) -> None:
    today = bed.clock().astimezone(WIB).date()
    refused = await bed.call(
        "POST",
        "/delegations",
        await bed.admin(),
        {
            "position": "kadis",
            "delegate_nip": new_nip(),
            "kind": "plt",
            "starts_on": str(today),
            "ends_on": str(today),
            "decree_number": "800/1/2026",
        },
    )
    assert refused.status_code == 422
    assert (refused.json()["code"], refused.json()["field"]) == ("delegate_unknown", "delegate_nip")


async def test_a_delegation_beyond_the_years_of_the_records_is_refused_naming_the_day(
    bed: Bed,
) -> None:
    today = bed.clock().astimezone(WIB).date()
    for field, value in (("ends_on", "9999-12-31"), ("starts_on", "0001-01-01"), ("ends_on", "0")):
        body = {
            "position": "prakom",
            "delegate_nip": new_nip(),
            "kind": "plh",
            "starts_on": str(today),
            "ends_on": str(today),
            "decree_number": "800/2/2026",
            field: value,
        }
        refused = await bed.call("POST", "/delegations", await bed.admin(), body)
        assert refused.status_code == 422, (field, value, refused.text)
        assert refused.json()["field"] == field, refused.json()


# --- the admin's work ------------------------------------------------------------------------


async def test_the_admin_registers_agencies_people_and_roles(bed: Bed) -> None:
    admin = await bed.admin()
    code = f"opd_{uuid.uuid4().hex[:8]}"
    created = await bed.call("POST", "/agencies", admin, {"code": code, "name": "Dinas Uji"})
    assert created.status_code == 201
    twice = await bed.call("POST", "/agencies", admin, {"code": code, "name": "Dinas Uji"})
    assert (twice.status_code, twice.json()["code"]) == (409, "agency_exists")
    agencies = (await bed.call("GET", "/agencies", admin)).json()["items"]
    assert {"code": code, "name": "Dinas Uji"} in agencies
    assert {"code": "bappeda", "name": "Badan Perencanaan Pembangunan Daerah"} in agencies
    nip, _ = await bed.person(["pemohon"], agency=code)
    granted = await bed.call("POST", f"/people/{nip}/roles", admin, {"role": "petugas"})
    assert granted.json()["roles"] == ["pemohon", "petugas"]
    petugas = await bed.call("GET", f"/people?role=petugas&agency={code}", admin)
    assert [p["nip"] for p in petugas.json()["items"]] == [nip]
    assert petugas.json()["total"] == 1
    revoked = await bed.call("DELETE", f"/people/{nip}/roles/petugas", admin)
    assert revoked.json()["roles"] == ["pemohon"]
    assert (await bed.call("GET", f"/people?role=petugas&agency={code}", admin)).json()[
        "total"
    ] == 0
    gone = await bed.call("DELETE", f"/people/{nip}/roles/petugas", admin)
    assert (gone.status_code, gone.json()["code"]) == (404, "role_not_held")
    one = await bed.call("GET", f"/people/{nip}", admin)
    assert one.json()["agency"] == code
    assert (await bed.call("GET", f"/people/{new_nip()}", admin)).status_code == 404


async def test_people_are_found_by_part_of_the_name_or_the_start_of_the_nip(bed: Bed) -> None:
    admin = await bed.admin()
    code = f"opd_{uuid.uuid4().hex[:8]}"
    await bed.call("POST", "/agencies", admin, {"code": code, "name": "Dinas Cari"})
    nip, _ = await bed.person(["petugas"], agency=code)
    await bed.person(["petugas"], agency=code)

    async def found(text: str) -> list[str]:
        answer = await bed.call("GET", f"/people?agency={code}&q={text}", admin)
        return [p["nip"] for p in answer.json()["items"]]

    assert await found(f"gawai {nip[-4:]}".upper()) == [nip]
    assert await found(nip) == [nip]
    assert await found(nip[1:]) == []  # a NIP is found by its start, not by any digits in it
    assert await found("100%") == []
    too_long = await bed.call("GET", f"/people?q={'x' * 101}", admin)
    assert too_long.status_code == 422


async def test_bad_registrations_name_the_field(bed: Bed) -> None:
    admin = await bed.admin()
    base = {
        "nip": new_nip(),
        "name": "Pegawai",
        "position": "Staf",
        "agency": "diskominfo",
        "roles": ["petugas"],
        "initial_password": "Awal-Sandi-2026",
    }
    cases = [
        ({"nip": "12345"}, "nip", "validation_failed"),
        ({"agency": "tidak_ada"}, "agency", "agency_unknown"),
        ({"initial_password": "pendek"}, "initial_password", "password_weak"),
        ({"roles": ["raja"]}, "roles.0", "validation_failed"),
        ({"email": "bukan-email"}, "email", "validation_failed"),
    ]
    for change, field, code in cases:
        response = await bed.call("POST", "/people", admin, {**base, **change})
        assert response.status_code == 422, change
        assert (response.json()["field"], response.json()["code"]) == (field, code), change
    assert (await bed.call("POST", "/people", admin, base)).status_code == 201
    twice = await bed.call("POST", "/people", admin, base)
    assert (twice.status_code, twice.json()["code"], twice.json()["field"]) == (
        409,
        "person_exists",
        "nip",
    )
    bad_path = await bed.call("POST", "/people/123/roles", admin, {"role": "kabid"})
    assert (bad_path.status_code, bad_path.json()["field"]) == (422, "nip")


# --- keys ------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    """The application over real HTTP on a loopback port."""
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


async def backdate_keys(bed: Bed, by: timedelta) -> None:
    """As if the key table's moments were `by` earlier: time passes for the keys alone (a moved
    clock would give tokens an `iat` in the future, which verifiers rightly refuse)."""
    async with bed.ctx.pool.acquire() as conn:
        await conn.execute(
            "UPDATE directory.signing_keys SET created_at = created_at - $1::interval,"
            " signs_from = signs_from - $1, signing_until = signing_until - $1,"
            " published_until = published_until - $1",
            by,
        )


async def test_a_rotated_key_keeps_verifying_until_its_tokens_expired(bed: Bed) -> None:
    nip, password = await bed.person(["petugas"])
    session = await bed.session(nip, password)
    old = await bed.access(session, "petugas")
    old_kid = jwt.get_unverified_header(old)["kid"]
    async with served(bed.app) as url, httpx.AsyncClient() as client:
        settings = AuthSettings(jwks_url=f"{url}/.well-known/jwks.json", jwt_secret=None)

        async def verify(token: str) -> str | None:
            # A service whose JWKS cache is fresh, verifying as every other service does.
            principal = await asyncio.to_thread(TokenVerifier(settings).verify, token)
            return principal.nip

        async def published() -> set[str]:
            keys = (await client.get(f"{url}/.well-known/jwks.json")).json()["keys"]
            assert all(k["kty"] == "OKP" and k["crv"] == "Ed25519" and "d" not in k for k in keys)
            return {k["kid"] for k in keys}

        assert await verify(old) == nip
        rotated = await bed.call("POST", "/signing-keys", await bed.admin())
        assert rotated.status_code == 201, rotated.text
        new_kid = rotated.json()["kid"]
        # Published at once, signing only once the others' caches have had time to see it.
        assert await published() == {old_kid, new_kid}
        assert jwt.get_unverified_header(await bed.access(session, "petugas"))["kid"] == old_kid
        await backdate_keys(bed, timedelta(seconds=361))
        new = await bed.access(session, "petugas")
        assert jwt.get_unverified_header(new)["kid"] == new_kid
        assert await verify(new) == nip
        assert await verify(old) == nip  # the old key still verifies its tokens
        await backdate_keys(bed, timedelta(minutes=16))
        assert await published() == {new_kid}
        with pytest.raises(HttpUnauthenticated):
            await verify(old)
        assert await verify(new) == nip


async def test_hs256_tokens_are_refused_where_only_the_jwks_is_trusted(bed: Bed) -> None:
    forged = jwt.encode(
        {"sub": "x", "role": "admin", "aud": "penghubung", "iss": "penghubung", "exp": 2**40},
        "penghubung-development-only-secret-0123456789",
        algorithm="HS256",
    )
    async with served(bed.app) as url:
        verifier = TokenVerifier(
            AuthSettings(jwks_url=f"{url}/.well-known/jwks.json", jwt_secret=None)
        )
        with pytest.raises(HttpUnauthenticated):
            await asyncio.to_thread(verifier.verify, forged)


def test_a_service_with_no_way_to_verify_tokens_refuses_to_start() -> None:
    with pytest.raises(AuthNotConfigured, match="PENGHUBUNG_JWKS_URL"):
        TokenVerifier(AuthSettings(jwt_secret=None, jwks_url=None, env="production"))
    TokenVerifier(AuthSettings(jwt_secret=None, jwks_url=None, env="development"))


async def test_an_admin_command_sent_again_with_its_idempotency_key_is_done_once(bed: Bed) -> None:
    admin = await bed.admin()
    kadis, _ = await bed.person(["kadis"])
    plh, _ = await bed.person(["kabid"])
    today = bed.clock().astimezone(WIB).date()
    body = {
        "position": "kadis",
        "holder_nip": kadis,
        "delegate_nip": plh,
        "kind": "plh",
        "starts_on": str(today),
        "ends_on": str(today + timedelta(days=2)),
        "decree_number": "800/7/BKPSDM/2026",
    }
    headers = {**bearer(admin), "Idempotency-Key": f"plh-{uuid.uuid4()}"}
    async with bed.client() as client:
        first = await client.post("/delegations", json=body, headers=headers)
        again = await client.post("/delegations", json=body, headers=headers)
        other = await client.post(
            "/delegations", json={**body, "decree_number": "800/8/BKPSDM/2026"}, headers=headers
        )
        listed = (await client.get("/delegations", headers=bearer(admin))).json()
    assert first.status_code == again.status_code == 201, first.text
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_key_reused")
    mine = [d for d in listed["items"] if d["delegate_nip"] == plh]
    assert [d["delegation_id"] for d in mine] == [first.json()["delegation_id"]]
