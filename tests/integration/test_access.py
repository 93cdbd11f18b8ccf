"""Who may call what: every role, and no token, against every endpoint of every service.

The endpoints are read from each service's own OpenAPI document, so a new endpoint without a row
in `EXPECTED` fails the test. A call is "refused" when access control answers it (401 without a
valid token, 403 `role_not_allowed` for a role the endpoint does not admit) and "admitted"
otherwise: 2xx, or a 404/409/422 of the endpoint itself — the matrix sends no meaningful data,
only whether the door opens. Then: every kind of bad token is a 401 with its stable code, and the
auditor, who reads everything, writes nothing.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jwt
import pytest

from penghubung.events.base import Role
from penghubung.testing.apis import ServiceApi, service_apis

pytestmark = pytest.mark.integration

PEMOHON, KADIS, KABID, PRAKOM, PETUGAS, AUDITOR, ADMIN = (
    Role.PEMOHON,
    Role.KADIS,
    Role.KABID,
    Role.PRAKOM,
    Role.PETUGAS,
    Role.AUDITOR,
    Role.ADMIN,
)
ROLES = (PEMOHON, KADIS, KABID, PRAKOM, PETUGAS, AUDITOR, ADMIN)
"""Every role a person's token may carry (`system` is the services' own, never a caller's)."""

Public = Literal["public"]
PUBLIC: Public = "public"
"""Anyone, without a token too: liveness, readiness, the bus contract."""

Session = Literal["session"]
SESSION: Session = "session"
"""Only with a directory session token (`phs_…`): any access token, or none, is a 401."""

EVERYONE = frozenset(ROLES)
STAFF = frozenset({KADIS, KABID, PRAKOM, PETUGAS})
DISPOSERS = frozenset({KADIS, KABID, PRAKOM})
SUBMITTERS = frozenset({PEMOHON, PETUGAS})
WORK_READERS = STAFF | {ADMIN, AUDITOR}
"""Work items, agenda book, SLA figures: Diskominfo's people and the auditor, no applicant."""
ONLY_PETUGAS = frozenset({PETUGAS})
ONLY_ADMIN = frozenset({ADMIN})
PEOPLE_READERS = STAFF | {ADMIN, AUDITOR}

Rule = frozenset[Role] | Public | Session

EXPECTED: dict[str, dict[tuple[str, str], Rule]] = {
    "directory": {
        ("GET", "/health/live"): PUBLIC,
        ("GET", "/health/ready"): PUBLIC,
        ("GET", "/asyncapi.json"): PUBLIC,
        ("POST", "/sessions"): PUBLIC,
        ("GET", "/sessions/current"): SESSION,
        ("DELETE", "/sessions/current"): SESSION,
        ("POST", "/sessions/current/password"): SESSION,
        ("POST", "/tokens"): SESSION,
        ("GET", "/.well-known/jwks.json"): PUBLIC,
        ("GET", "/oidc"): PUBLIC,
        ("POST", "/signing-keys"): ONLY_ADMIN,
        ("GET", "/oidc/login"): PUBLIC,
        ("GET", "/oidc/callback"): PUBLIC,
        ("POST", "/sessions/grants"): PUBLIC,
        ("GET", "/people"): PEOPLE_READERS,
        ("POST", "/people"): ONLY_ADMIN,
        ("GET", "/people/{nip}"): EVERYONE,
        ("POST", "/people/{nip}/roles"): ONLY_ADMIN,
        ("DELETE", "/people/{nip}/roles/{role}"): ONLY_ADMIN,
        ("POST", "/people/{nip}/password"): ONLY_ADMIN,
        ("GET", "/agencies"): EVERYONE,
        ("POST", "/agencies"): ONLY_ADMIN,
        ("GET", "/delegations"): PEOPLE_READERS,
        ("POST", "/delegations"): ONLY_ADMIN,
        ("POST", "/delegations/{delegation_id}/end"): ONLY_ADMIN,
    },
    "intake": {
        ("GET", "/health/live"): PUBLIC,
        ("GET", "/health/ready"): PUBLIC,
        ("GET", "/asyncapi.json"): PUBLIC,
        ("POST", "/attachments"): SUBMITTERS,
        ("GET", "/attachments/{attachment_id}"): EVERYONE,
        ("POST", "/requests"): SUBMITTERS,
        ("GET", "/requests"): EVERYONE,
        ("GET", "/requests/{ticket_id}"): EVERYONE,
        ("POST", "/requests/{ticket_id}/resubmissions"): SUBMITTERS,
        ("POST", "/backdate-confirmations"): ONLY_ADMIN,
    },
    "disposition": {
        ("GET", "/health/live"): PUBLIC,
        ("GET", "/health/ready"): PUBLIC,
        ("GET", "/asyncapi.json"): PUBLIC,
        ("GET", "/inbox"): STAFF,
        ("POST", "/requests/{ticket_id}/dispositions"): DISPOSERS,
        ("GET", "/requests/{ticket_id}/dispositions"): EVERYONE,
        ("POST", "/requests/{ticket_id}/returns"): DISPOSERS,
        ("POST", "/requests/{ticket_id}/reassignments"): frozenset({KABID, PRAKOM}),
    },
    "integration": {
        ("GET", "/health/live"): PUBLIC,
        ("GET", "/health/ready"): PUBLIC,
        ("GET", "/asyncapi.json"): PUBLIC,
        ("GET", "/work-items"): WORK_READERS,
        ("GET", "/work-items/{ticket_id}"): WORK_READERS,
        ("POST", "/requests/{ticket_id}/feasibility"): ONLY_PETUGAS,
        ("POST", "/requests/{ticket_id}/implementation"): ONLY_PETUGAS,
        ("POST", "/requests/{ticket_id}/feasibility/corrections"): ONLY_PETUGAS,
        ("POST", "/requests/{ticket_id}/implementation/corrections"): ONLY_PETUGAS,
        ("GET", "/requests/{ticket_id}/clock"): WORK_READERS,
        ("POST", "/requests/{ticket_id}/clock/pause"): ONLY_PETUGAS,
        ("POST", "/requests/{ticket_id}/clock/resume"): ONLY_PETUGAS,
    },
    "reporting": {
        ("GET", "/health/live"): PUBLIC,
        ("GET", "/health/ready"): PUBLIC,
        ("GET", "/asyncapi.json"): PUBLIC,
        ("GET", "/requests"): EVERYONE,
        ("GET", "/requests/{ticket_id}"): EVERYONE,
        ("GET", "/requests/{ticket_id}/timeline"): EVERYONE,
        ("GET", "/requests/{ticket_id}/report"): EVERYONE,
        ("GET", "/requests/{ticket_id}/sla"): EVERYONE,
        ("GET", "/agenda-book"): WORK_READERS,
        ("GET", "/projection"): frozenset({AUDITOR, ADMIN}),
        ("GET", "/audit/tickets/{ticket_id}/events"): frozenset({AUDITOR, ADMIN}),
        ("GET", "/audit/chain"): frozenset({AUDITOR, ADMIN}),
        ("POST", "/requests/{ticket_id}/archive"): ONLY_PETUGAS,
        ("GET", "/calendar"): EVERYONE,
        ("GET", "/calendar/versions/{version}"): EVERYONE,
        ("GET", "/calendar/days-off"): EVERYONE,
        ("POST", "/calendar/days-off"): ONLY_ADMIN,
        ("DELETE", "/calendar/days-off/{day}"): ONLY_ADMIN,
        ("POST", "/calendar/reduced-hours"): ONLY_ADMIN,
        ("POST", "/calendar/working-days"): ONLY_ADMIN,
        ("DELETE", "/calendar/working-days/{day}"): ONLY_ADMIN,
        ("POST", "/calendar/calculations"): EVERYONE,
        ("POST", "/calendar/simulations"): frozenset({AUDITOR, ADMIN}),
        ("POST", "/sla/recalculations"): ONLY_ADMIN,
        ("GET", "/sla/compliance"): WORK_READERS,
        ("GET", "/sla/breaches"): WORK_READERS,
        ("GET", "/sla/disposition-times"): WORK_READERS,
        ("GET", "/sla/availability"): WORK_READERS,
        ("GET", "/requests/{ticket_id}/documents/{paper}.pdf"): EVERYONE,
        ("GET", "/requests/{ticket_id}/documents"): EVERYONE,
        ("GET", "/agenda-book.pdf"): WORK_READERS,
        ("GET", "/sla/monthly-report.pdf"): WORK_READERS,
        ("GET", "/verify/{code}"): PUBLIC,
        ("POST", "/requests/{ticket_id}/berita-acara/signed"): ONLY_PETUGAS,
        ("GET", "/requests/{ticket_id}/berita-acara"): EVERYONE,
        ("GET", "/berita-acara/outstanding"): WORK_READERS,
        ("POST", "/requests/{ticket_id}/survey"): frozenset({PEMOHON}),
        ("GET", "/requests/{ticket_id}/survey"): EVERYONE,
        ("GET", "/sla/ikm"): frozenset({KADIS, KABID, ADMIN, AUDITOR}),
    },
    "notices": {
        ("GET", "/health/live"): PUBLIC,
        ("GET", "/health/ready"): PUBLIC,
        ("GET", "/asyncapi.json"): PUBLIC,
        ("GET", "/notifications"): EVERYONE,
        ("GET", "/preferences"): EVERYONE,
        ("PUT", "/preferences"): EVERYONE - {AUDITOR},
    },
}
"""Per service, per endpoint: the roles it admits (the others get 403), or PUBLIC."""

QUESTIONS = {
    ("reporting", "POST", "/calendar/calculations"),
    ("reporting", "POST", "/calendar/simulations"),
}
"""Questions sent by POST for their bodies: they write nothing, and the auditor may ask them
(`tests/integration/test_calendar_whatif_api.py` shows the log unchanged after each)."""

PATH_VALUES = {
    "ticket_id": "SC05-2026-99999",
    "attachment_id": "00000000-0000-4000-8000-000000000000",
    "version": "1",
    "day": "2026-12-24",
    "nip": "198001012005011001",
    "role": "petugas",
    "delegation_id": "00000000-0000-4000-8000-000000000000",
    "paper": "berita-acara",
    "code": "AAAA-BBBB-CCCC",
}
"""Well-formed values for the path parameters (of things that do not exist)."""

PROTECTED_READ = {
    "directory": "/agencies",
    "intake": "/requests",
    "disposition": "/requests/SC05-2026-99999/dispositions",
    "integration": "/work-items",
    "reporting": "/requests",
    "notices": "/notifications",
}
"""A read every role but the refused ones may make, per service, for the token tests."""

Outcome = str


@pytest.fixture(scope="module")
async def apis(
    new_database: Callable[[], Awaitable[str]], nats_url: str, run_id: str
) -> AsyncIterator[dict[str, ServiceApi]]:
    async with service_apis(await new_database(), nats_url, run_id=f"{run_id}ac") as found:
        yield found


def endpoints(api: ServiceApi) -> set[tuple[str, str]]:
    """(method, path) of every operation in the service's OpenAPI document."""
    paths: dict[str, dict[str, Any]] = api.app.openapi()["paths"]
    return {(method.upper(), path) for path, item in paths.items() for method in item}


def concrete(path: str) -> str:
    for name, value in PATH_VALUES.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"no value for a parameter of {path}: add it to PATH_VALUES"
    return path


def outcome(status: int, body: dict[str, Any]) -> Outcome:
    """`401`, `403` (role refused), `admitted`, or what else came back."""
    if status == 401:
        return "401"
    if status == 403 and body.get("code") == "role_not_allowed":
        return "403"
    if status < 500 and status != 403:
        return "admitted"
    return f"{status} {body.get('code')}"


def expected(rule: Rule, role: Role | None) -> Outcome:
    if rule == PUBLIC:
        return "admitted"
    if role is None or rule == SESSION:
        return "401"
    return "admitted" if role in rule else "403"


async def call(api: ServiceApi, method: str, path: str, role: Role | None) -> Outcome:
    response = await api.client.request(
        method, concrete(path), headers=api.auth(role), json={} if method != "GET" else None
    )
    try:
        body = response.json()
    except ValueError:
        body = {}
    return outcome(response.status_code, body if isinstance(body, dict) else {})


@pytest.mark.parametrize("service", EXPECTED)
def test_every_endpoint_has_a_row_and_every_row_an_endpoint(
    apis: dict[str, ServiceApi], service: str
) -> None:
    found = endpoints(apis[service])
    assert found - EXPECTED[service].keys() == set(), "endpoints without a row in EXPECTED"
    assert EXPECTED[service].keys() - found == set(), "rows of endpoints that no longer exist"


@pytest.mark.parametrize("service", EXPECTED)
async def test_every_role_gets_what_the_matrix_says(
    apis: dict[str, ServiceApi], service: str
) -> None:
    api = apis[service]
    wrong: list[str] = []
    for (method, path), rule in sorted(EXPECTED[service].items()):
        for role in (*ROLES, None):
            got = await call(api, method, path, role)
            want = expected(rule, role)
            if got != want:
                who = role.value if role else "no token"
                wrong.append(f"{method} {path} as {who}: {got}, expected {want}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("service", EXPECTED)
async def test_the_auditor_writes_nothing(apis: dict[str, ServiceApi], service: str) -> None:
    """Straight from the OpenAPI document, whatever the table says."""
    api = apis[service]
    doors = {key for key, rule in EXPECTED[service].items() if rule in (PUBLIC, SESSION)}
    writes = sorted(
        (m, p)
        for m, p in endpoints(api) - doors
        if m not in {"GET", "HEAD", "OPTIONS"} and (service, m, p) not in QUESTIONS
    )
    assert writes
    for method, path in writes:
        assert await call(api, method, path, AUDITOR) == "403", f"{method} {path}"


@pytest.mark.parametrize("service", EXPECTED)
async def test_the_auditor_reads_every_record(apis: dict[str, ServiceApi], service: str) -> None:
    """Every read but a person's own work queue (the inbox) and session is open to the auditor."""
    api = apis[service]
    sessions = {p for (m, p), rule in EXPECTED[service].items() if rule == SESSION}
    reads = sorted(
        p for m, p in endpoints(api) if m == "GET" and p != "/inbox" and p not in sessions
    )
    for path in reads:
        assert await call(api, "GET", path, AUDITOR) == "admitted", path


# --- tokens ------------------------------------------------------------------------------------


def claims(api: ServiceApi, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    settings = api.ctx.settings
    found: dict[str, Any] = {
        "sub": "198001012005011001",
        "name": "Pengguna Uji",
        "role": "auditor",
        "aud": settings.jwt_audience,
        "iss": settings.jwt_issuer,
        "iat": now,
        "exp": now + timedelta(hours=1),
    }
    found.update(changes)
    return {k: v for k, v in found.items() if v is not None}


def signed(api: ServiceApi, secret: str | None = None, **changes: Any) -> str:
    key = secret or api.ctx.settings.jwt_secret
    return jwt.encode(claims(api, **changes), key, algorithm="HS256")


def unsigned(api: ServiceApi) -> str:
    """A token with `alg: none`: claims anyone could write."""

    def part(value: dict[str, Any]) -> str:
        raw = json.dumps(value, default=str).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    body = claims(api)
    body["exp"] = int(body["exp"].timestamp())
    body["iat"] = int(body["iat"].timestamp())
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(body)}."


BAD_TOKENS: list[tuple[str, Callable[[ServiceApi], dict[str, str]], str]] = [
    ("missing", lambda api: {}, "token_missing"),
    ("empty bearer", lambda api: {"Authorization": "Bearer "}, "token_missing"),
    ("another scheme", lambda api: {"Authorization": "Basic YWRtaW46YWRtaW4="}, "token_missing"),
    ("malformed", lambda api: {"Authorization": "Bearer not.a.token"}, "token_invalid"),
    ("garbage", lambda api: {"Authorization": "Bearer ' OR 1=1 --"}, "token_invalid"),
    (
        "expired",
        lambda api: {
            "Authorization": "Bearer " + signed(api, exp=datetime.now(UTC) - timedelta(seconds=5))
        },
        "token_expired",
    ),
    (
        "forged (another secret)",
        lambda api: {"Authorization": "Bearer " + signed(api, secret="x" * 40)},
        "token_invalid",
    ),
    (
        "wrong audience",
        lambda api: {"Authorization": "Bearer " + signed(api, aud="another-system")},
        "token_invalid",
    ),
    (
        "wrong issuer",
        lambda api: {"Authorization": "Bearer " + signed(api, iss="https://evil.example")},
        "token_invalid",
    ),
    (
        "unsigned (alg none)",
        lambda api: {"Authorization": "Bearer " + unsigned(api)},
        "token_invalid",
    ),
    (
        "no expiry",
        lambda api: {"Authorization": "Bearer " + signed(api, exp=None)},
        "token_invalid",
    ),
    (
        "no role",
        lambda api: {"Authorization": "Bearer " + signed(api, role=None)},
        "token_invalid",
    ),
    (
        "unknown role",
        lambda api: {"Authorization": "Bearer " + signed(api, role="superuser")},
        "token_invalid",
    ),
    (
        "the services' own role",
        lambda api: {"Authorization": "Bearer " + signed(api, role="system")},
        "role_not_allowed",
    ),
]


@pytest.mark.parametrize("service", EXPECTED)
@pytest.mark.parametrize(
    ("kind", "header", "code"), BAD_TOKENS, ids=[kind for kind, _, _ in BAD_TOKENS]
)
async def test_a_bad_token_is_refused_with_its_code(
    apis: dict[str, ServiceApi],
    service: str,
    kind: str,
    header: Callable[[ServiceApi], dict[str, str]],
    code: str,
) -> None:
    api = apis[service]
    response = await api.client.get(PROTECTED_READ[service], headers=header(api))
    status = 403 if code == "role_not_allowed" else 401
    assert (response.status_code, response.json()["code"]) == (status, code), kind
    assert response.json()["message"]


@pytest.mark.parametrize("service", EXPECTED)
async def test_a_valid_token_of_the_same_kind_is_admitted(
    apis: dict[str, ServiceApi], service: str
) -> None:
    """The bad tokens above differ from this one in one thing only."""
    api = apis[service]
    headers = {"Authorization": "Bearer " + signed(api)}
    response = await api.client.get(PROTECTED_READ[service], headers=headers)
    assert response.status_code in {200, 404}, response.text
