"""The portal's sign-in against the directory's contract, and what it refuses, without servers:
the directory (not built yet) and the services answer through a stub of their HTTP contract."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient

from portal.bootstrap import build
from portal.settings import PortalSettings

NIP = "197506202001122001"
PLT = "Plt. Kepala Dinas (SK 800/123/BKPSDM/2026)"
PERSON = {"nip": NIP, "name": "Dewi Lestari", "position": "Kepala Bidang", "agency": None}


def notice(status: str, ticket: str | None) -> dict[str, Any]:
    return {
        "notice_id": "7d6f3c8e-0000-4000-8000-000000000001",
        "kind": "inbox_item",
        "ticket_id": ticket,
        "channel": "mailbox",
        "address": NIP,
        "subject": f"Pemberitahuan {status}",
        "body": "x",
        "raised_at": "2026-12-07T17:05:00+00:00",
        "due_at": "2026-12-08T01:00:00+00:00",
        "status": status,
        "attempts": 0,
        "finished_at": None,
        "last_error": None,
    }


NOTICES = [notice("pending", "SC05-2026-00007"), notice("sent", None)]


class Contract:
    """The directory and disposition as the contract says they answer; what was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any] | None, str | None]] = []
        self.changed = False
        self.notices_down = False
        self.forwarded: list[str | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        bearer = request.headers.get("authorization")
        self.calls.append((request.method, request.url.path, body, bearer))
        if request.url.path == "/sessions":
            self.forwarded.append(request.headers.get("x-forwarded-for"))
        route = (request.method, request.url.host, request.url.path)
        if route == ("POST", "directory", "/sessions/current/password"):
            if body and body["new_password"] == NIP:
                problem = {"field": "new_password", "code": "password_weak", "message": "x"}
                return httpx.Response(
                    422, json={"code": "password_weak", "message": "x", "errors": [problem]}
                )
            self.changed = True
            return httpx.Response(204)
        if route == ("POST", "directory", "/sessions") and body == {"nip": NIP, "password": "awal"}:
            return httpx.Response(
                201,
                json={
                    "session_token": "phs_abc",
                    "expires_at": "2099-01-01T00:00:00+07:00",
                    "must_change_password": True,
                    "person": PERSON,
                },
            )
        if route == ("POST", "directory", "/sessions"):
            if body != {"nip": NIP, "password": "rahasia-yang-benar"}:
                return httpx.Response(
                    401, json={"code": "credentials_invalid", "message": "x", "errors": []}
                )
            return httpx.Response(
                201,
                json={
                    "session_token": "phs_abc",
                    "expires_at": "2099-01-01T00:00:00+07:00",
                    "must_change_password": False,
                    "person": PERSON,
                },
            )
        if route == ("GET", "directory", "/sessions/current"):
            choices = [
                {"role": "kabid", "agency": None, "delegation_id": None, "label": "Kepala Bidang"},
                {"role": "kadis", "agency": None, "delegation_id": "d-1", "label": PLT},
            ]
            return httpx.Response(200, json={"person": PERSON, "choices": choices})
        if route == ("POST", "directory", "/tokens"):
            return httpx.Response(
                201,
                json={
                    "access_token": jwt.encode(
                        {"role": body["role"] if body else "", "stand_in": "plh"}, "k" * 32
                    ),
                    "token_type": "Bearer",
                    "expires_in": 900,
                    "expires_at": "2099-01-01T00:00:00+07:00",
                },
            )
        if route == ("DELETE", "directory", "/sessions/current"):
            return httpx.Response(204)
        if route == ("GET", "directory", "/oidc"):
            return httpx.Response(200, json={"enabled": False})
        if route == ("GET", "notices", "/notifications"):
            if self.notices_down:
                return httpx.Response(503, json={"code": "unavailable", "message": "x"})
            return httpx.Response(
                200, json={"items": NOTICES, "total": 2, "limit": 50, "offset": 0}
            )
        if route == ("GET", "notices", "/preferences"):
            return httpx.Response(200, json={"email": True, "whatsapp": False, "digests": True})
        if route == ("PUT", "notices", "/preferences"):
            return httpx.Response(200, json=body)
        if route == ("POST", "disposition", "/requests/SC05-2026-00001/dispositions"):
            return httpx.Response(201, json={})
        if route == ("GET", "disposition", "/inbox"):
            return httpx.Response(200, json={"role": "kadis", "items": [], "total": 0})
        return httpx.Response(404, json={"code": "not_found", "message": "x", "errors": []})


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


@pytest.fixture
def contract() -> Contract:
    return Contract()


def client(
    contract: Contract, *, peer: str = "testclient", **settings: Any
) -> Iterator[TestClient]:
    app = build(
        PortalSettings(
            service_urls={"disposition": "http://disposition", "notices": "http://notices"},
            portal_session_secret="s" * 40,
            **settings,
        ),
        transport=httpx.MockTransport(contract),
    )
    with TestClient(app, client=(peer, 50000)) as test:
        yield test


@pytest.fixture
def with_directory(contract: Contract) -> Iterator[TestClient]:
    yield from client(contract, directory_url="http://directory")


@pytest.fixture
def production(contract: Contract) -> Iterator[TestClient]:
    yield from client(contract)


def test_a_plt_signs_in_through_the_directory_and_acts_under_the_delegation(
    with_directory: TestClient, contract: Contract
) -> None:
    page = with_directory.get("/masuk")
    assert "Kata sandi" in page.text
    assert "Masuk sebagai" not in page.text
    form = {"csrf_token": csrf(page.text), "nip": NIP, "password": "rahasia-yang-benar"}
    choose = with_directory.post("/masuk", data=form)
    assert choose.url.path == "/peran"
    assert PLT in choose.text

    home = with_directory.post("/peran", data={"csrf_token": csrf(choose.text), "choice": "1"})

    assert home.status_code == 200
    assert f"Dewi Lestari · {PLT}" in home.text
    assert ("POST", "/tokens", {"role": "kadis", "delegation_id": "d-1"}, "Bearer phs_abc") in (
        contract.calls
    )
    inbox = next(call for call in contract.calls if call[1] == "/inbox")
    assert jwt.decode(str(inbox[3]).removeprefix("Bearer "), "k" * 32, algorithms=["HS256"]) == {
        "role": "kadis",
        "stand_in": "plh",
    }
    disposed = with_directory.post(
        "/kotak-masuk/SC05-2026-00001/disposisi",
        data={"csrf_token": csrf(home.text), "instruction": "Tindak lanjuti", "documents": "x"},
    )
    assert disposed.url.path == "/kotak-masuk"
    body = next(c[2] for c in contract.calls if c[1].endswith("/dispositions"))
    assert body == {"instruction": "Tindak lanjuti", "documents": ["x"], "stand_in": "plh"}
    with_directory.post("/keluar", data={"csrf_token": csrf(home.text)})
    assert ("DELETE", "/sessions/current", None, "Bearer phs_abc") in contract.calls
    assert with_directory.get("/kotak-masuk").url.path == "/masuk"


def test_an_initial_password_is_changed_before_any_role_is_taken(
    with_directory: TestClient, contract: Contract
) -> None:
    page = with_directory.get("/masuk")
    form = {"csrf_token": csrf(page.text), "nip": NIP, "password": "awal"}
    screen = with_directory.post("/masuk", data=form)
    assert screen.url.path == "/kata-sandi"
    assert with_directory.get("/peran").url.path == "/kata-sandi"
    token = csrf(screen.text)

    def change(new: str, repeat: str) -> Any:
        body = {"csrf_token": token, "current_password": "awal", "new_password": new}
        return with_directory.post("/kata-sandi", data={**body, "repeat_password": repeat})

    differs = change("Sandi-Baru-2027", "Sandi-Lain-2027")
    assert differs.status_code == 422
    assert "kata sandi baru dan ulangannya tidak sama" in differs.text
    weak = change(NIP, NIP)
    assert weak.status_code == 422
    assert "kata sandi minimal 10 karakter" in weak.text
    assert not contract.changed
    done = change("Sandi-Baru-2027", "Sandi-Baru-2027")
    assert done.url.path == "/peran"
    assert contract.changed
    assert "Kata sandi Anda sudah diganti" in done.text


@pytest.mark.parametrize(
    ("trusted", "seen"),
    [
        (["10.9.0.0/24"], "203.0.113.7"),  # behind the proxy: the person's address
        ([], "10.9.0.2"),  # the header is the client's own word: the connection's address
    ],
)
def test_the_sign_in_forwards_the_persons_address_to_the_directory(
    contract: Contract, trusted: list[str], seen: str
) -> None:
    proxied = client(
        contract, peer="10.9.0.2", directory_url="http://directory", trusted_proxies=trusted
    )
    for test in proxied:
        page = test.get("/masuk")
        form = {"csrf_token": csrf(page.text), "nip": NIP, "password": "rahasia-yang-benar"}
        test.post("/masuk", data=form, headers={"X-Forwarded-For": "203.0.113.7"})
    assert contract.forwarded == [seen]


def test_a_wrong_password_is_said_in_bahasa(with_directory: TestClient) -> None:
    page = with_directory.get("/masuk")
    form = {"csrf_token": csrf(page.text), "nip": NIP, "password": "salah"}

    answer = with_directory.post("/masuk", data=form)

    assert answer.status_code == 401
    assert "NIP atau kata sandi salah" in answer.text


def test_there_is_no_sign_in_but_the_directorys(contract: Contract) -> None:
    for development in client(contract, env="development"):
        page = development.get("/masuk")
        assert "Masuk sebagai" not in page.text

        answer = development.post(
            "/masuk/pengembangan", data={"csrf_token": csrf(page.text), "nip": NIP}
        )

        assert answer.status_code == 404
        assert development.get("/kotak-masuk").url.path == "/masuk"


def test_without_a_directory_a_password_sign_in_says_it_is_not_there(
    production: TestClient,
) -> None:
    page = production.get("/masuk")
    form = {"csrf_token": csrf(page.text), "nip": NIP, "password": "x"}

    answer = production.post("/masuk", data=form)

    assert answer.status_code == 503
    assert "Layanan direktori belum tersedia" in answer.text


def test_a_post_without_the_csrf_token_is_refused(with_directory: TestClient) -> None:
    with_directory.get("/masuk")

    answer = with_directory.post("/masuk", data={"nip": NIP, "password": "rahasia-yang-benar"})

    assert answer.status_code == 403
    assert "Formulir kedaluwarsa" in answer.text


def test_every_page_carries_the_safety_headers(production: TestClient) -> None:
    answer = production.get("/masuk")

    csp = answer.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe" not in csp
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-store"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert production.get("/static/htmx.min.js").status_code == 200


def signed_in(test: TestClient) -> str:
    """Sign in as the Kabid; the CSRF token of the first page."""
    page = test.get("/masuk")
    form = {"csrf_token": csrf(page.text), "nip": NIP, "password": "rahasia-yang-benar"}
    choose = test.post("/masuk", data=form)
    home = test.post("/peran", data={"csrf_token": csrf(choose.text), "choice": "0"})
    return csrf(home.text)


def test_the_notices_page_reads_in_wib_and_saves_the_choice_of_channels(
    with_directory: TestClient, contract: Contract
) -> None:
    token = signed_in(with_directory)
    page = with_directory.get("/notifikasi")
    assert "Selasa, 8 Desember 2026 pukul 00.05 WIB" in page.text
    assert "Menunggu jam layanan" in page.text
    assert '<a href="/permohonan/SC05-2026-00007">' in page.text
    form = {"csrf_token": token, "channel": "keduanya", "mute_digest": "ya"}
    saved = with_directory.post("/notifikasi/pengaturan", data=form)
    assert saved.url.path == "/notifikasi"
    put = next(c for c in contract.calls if c[0] == "PUT")
    assert put[2] == {"email": True, "whatsapp": True, "digests": False}


def test_the_header_counts_waiting_notices_and_says_nothing_when_it_cannot(
    with_directory: TestClient, contract: Contract
) -> None:
    assert with_directory.get("/notifikasi/jumlah").text == ""
    signed_in(with_directory)
    counted = with_directory.get("/notifikasi/jumlah")
    assert ">1<" in counted.text
    assert "set-cookie" not in counted.headers
    contract.notices_down = True
    assert with_directory.get("/notifikasi/jumlah").text == ""
