"""What bad input gets, from every service: 413, 422 naming the field, text kept verbatim.

The four services run in-process on one database, as production runs them (their database
roles, their middleware), with a body limit of 64 KiB for these tests.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from penghubung.events.base import Role
from penghubung.testing.apis import ServiceApi, service_apis

pytestmark = pytest.mark.integration

LIMIT = 64 * 1024
"""PENGHUBUNG_HTTP_MAX_BODY_BYTES in these tests."""

ATTACHMENT_CAP = 10 * 1024 * 1024
"""Intake's default PENGHUBUNG_ATTACHMENT_MAX_BYTES."""

PDF = b"%PDF-1.7\n" + b"surat permohonan " * 40

COMMANDS = {
    "intake": ("/requests", Role.PEMOHON),
    "disposition": ("/requests/SC05-2026-00001/dispositions", Role.KADIS),
    "integration": ("/requests/SC05-2026-00001/feasibility", Role.PETUGAS),
    "reporting": ("/requests/SC05-2026-00001/archive", Role.PETUGAS),
}
"""One JSON command of each service, and a role it admits."""

WRONG_TYPES: dict[str, tuple[dict[str, Any], set[str]]] = {
    "intake": ({"form": [], "attachment_ids": "semua"}, {"form", "attachment_ids"}),
    "disposition": ({"instruction": 42, "documents": "surat"}, {"instruction", "documents"}),
    "integration": ({"difficulty": 3, "feasible": "barangkali"}, {"difficulty", "feasible"}),
    "reporting": ({"report_ref": 42}, {"report_ref"}),
}
"""Per service: a body with fields of the wrong type, and those fields."""

TRICKS = [
    "'); DROP TABLE eventstore.events; --",
    "Robert'); DELETE FROM intake.requests WHERE ('1'='1",
    "1' OR '1'='1' /* $1 %s :name */",
    '{"$ne": 1}',
    '{"$gt": "", "__proto__": {"admin": true}}',
    "payload->>'agency' ?| array['x'] @> '{}'::jsonb",
    "\\u0000 \\x00 \\\\ \" ' ` ; -- #",
    "<script>alert('xss')</script> ${7*7} {{7*7}}",
]
"""Text that must be stored as text: never executed, never parsed, never unescaped."""


@pytest.fixture(scope="module")
async def apis(
    new_database: Callable[[], Awaitable[str]], nats_url: str, run_id: str
) -> AsyncIterator[dict[str, ServiceApi]]:
    async with service_apis(
        await new_database(), nats_url, run_id=f"{run_id}bi", http_max_body_bytes=LIMIT
    ) as found:
        yield found


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"], body
    assert body["message"], body
    return body


async def chunks(count: int, size: int, sent: list[int]) -> AsyncIterator[bytes]:
    """A streamed body with no Content-Length; `sent` counts the chunks it gave out."""
    for _ in range(count):
        sent.append(size)
        yield b"x" * size


# --- size --------------------------------------------------------------------------------------


@pytest.mark.parametrize("service", COMMANDS)
async def test_a_body_over_the_limit_is_refused_before_it_is_read(
    apis: dict[str, ServiceApi], service: str
) -> None:
    api = apis[service]
    path, role = COMMANDS[service]
    body = json.dumps({"instruction": "x" * LIMIT}).encode()
    response = await api.client.post(
        path, content=body, headers={**api.auth(role), "Content-Type": "application/json"}
    )
    assert problem(response, 413)["code"] == "body_too_large"
    # Refused before the token is even looked at: no one's large body is read.
    anonymous = await api.client.post(path, content=body)
    assert problem(anonymous, 413)["code"] == "body_too_large"


@pytest.mark.parametrize("service", COMMANDS)
async def test_a_streamed_body_without_length_is_cut_at_the_limit(
    apis: dict[str, ServiceApi], service: str
) -> None:
    api = apis[service]
    path, role = COMMANDS[service]
    sent: list[int] = []
    response = await api.client.post(
        path,
        content=chunks(1000, 4096, sent),
        headers={**api.auth(role), "Content-Type": "application/json"},
    )
    assert problem(response, 413)["code"] == "body_too_large"
    # The service stopped reading a little past the limit, not at the end of 4 MB.
    assert LIMIT < sum(sent) <= LIMIT + 4096


async def test_a_body_under_the_limit_is_read(apis: dict[str, ServiceApi]) -> None:
    api = apis["disposition"]
    path, role = COMMANDS["disposition"]
    response = await api.client.post(
        path, json={"instruction": "x" * (LIMIT // 2)}, headers=api.auth(role)
    )
    assert response.status_code == 422  # too long an instruction: read, then refused by a rule
    assert problem(response, 422)["field"] == "instruction"


async def test_an_upload_streamed_over_the_attachment_cap_is_refused(
    apis: dict[str, ServiceApi],
) -> None:
    """Uploads have their own cap (10 MiB), above the JSON limit, also without a length."""
    api = apis["intake"]
    boundary = "batas"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nlainnya\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
    ).encode()
    sent: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        yield head
        async for chunk in chunks(ATTACHMENT_CAP // 65536 + 100, 65536, sent):
            yield chunk

    headers = {
        **api.auth(Role.PEMOHON),
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    response = await api.client.post("/attachments", content=body(), headers=headers)
    assert problem(response, 413)["code"] == "attachment_too_large"
    assert ATTACHMENT_CAP < sum(sent) < ATTACHMENT_CAP + 2 * 65536 + 64 * 1024
    # A file within the cap but over the JSON limit is taken.
    big = PDF + b"\x00" * (2 * LIMIT)
    files = {"file": ("surat.pdf", big, "application/pdf")}
    kept = await api.client.post(
        "/attachments", files=files, data={"kind": "lainnya"}, headers=api.auth(Role.PEMOHON)
    )
    assert kept.status_code == 201, kept.text
    assert kept.json()["size_bytes"] == len(big)


# --- shape -------------------------------------------------------------------------------------


@pytest.mark.parametrize("service", COMMANDS)
@pytest.mark.parametrize(
    "content", [b'{"instruction": "belum selesai', b"\xd6\xe8~2\x04\xcf", b"{'a': 1}"]
)
async def test_malformed_json_is_422_naming_the_body(
    apis: dict[str, ServiceApi], service: str, content: bytes
) -> None:
    api = apis[service]
    path, role = COMMANDS[service]
    headers = {**api.auth(role), "Content-Type": "application/json"}
    body = problem(await api.client.post(path, content=content, headers=headers), 422)
    assert (body["code"], body["field"]) == ("validation_failed", "body")
    assert body["errors"][0]["code"] == "json_invalid"
    assert body["errors"][0]["message"] == "JSON tidak valid"


@pytest.mark.parametrize("service", COMMANDS)
async def test_wrong_types_and_unknown_fields_are_422_naming_each_field(
    apis: dict[str, ServiceApi], service: str
) -> None:
    api = apis[service]
    path, role = COMMANDS[service]
    wrong, fields = WRONG_TYPES[service]
    body = problem(
        await api.client.post(path, json={**wrong, "bocor": True}, headers=api.auth(role)), 422
    )
    named = {e["field"]: e for e in body["errors"]}
    assert fields <= named.keys(), body
    assert named["bocor"]["code"] == "extra_forbidden"
    assert named["bocor"]["message"] == "field tidak dikenal"
    assert all(e["message"] for e in body["errors"])


@pytest.mark.parametrize("service", COMMANDS)
async def test_a_body_that_is_not_an_object_is_422(
    apis: dict[str, ServiceApi], service: str
) -> None:
    api = apis[service]
    path, role = COMMANDS[service]
    body = problem(await api.client.post(path, json=["form"], headers=api.auth(role)), 422)
    assert body["code"] == "validation_failed"


async def test_an_unknown_path_and_a_wrong_method_answer_in_the_error_body(
    apis: dict[str, ServiceApi],
) -> None:
    api = apis["intake"]
    assert problem(await api.client.get("/tidak-ada"), 404)["code"] == "not_found"
    wrong = await api.client.delete("/requests", headers=api.auth(Role.PEMOHON))
    assert problem(wrong, 405)["code"] == "method_not_allowed"


# --- text is text ------------------------------------------------------------------------------


def form(agency: str, text: str) -> dict[str, Any]:
    """A valid request form with `text` in every free-text field."""
    return {
        "applicant": {
            "name": text,
            "nip": "198001012005011001",
            "position": text,
            "work_unit": text,
            "office_address": text,
            "mobile_phone": "0821-8064-0997",
            "internal_phone": "123",
            "email": "rina@babelprov.go.id",
            "echelon": "III.a",
            "agency": agency,
        },
        "application": {"name": text, "description": text},
        "mechanism_available": True,
        "mechanism": {"kind": "lainnya", "other_description": text},
        "impact": "tinggi",
        "urgency": "sedang",
    }


async def letter(api: ServiceApi, agency: str, filename: str = "surat.pdf") -> dict[str, Any]:
    """A request letter uploaded by an applicant of the agency."""
    files = {"file": (filename, PDF, "application/pdf")}
    uploaded = await api.client.post(
        "/attachments",
        files=files,
        data={"kind": "surat_permohonan"},
        headers=api.auth(Role.PEMOHON, agency=agency),
    )
    assert uploaded.status_code == 201, uploaded.text
    meta: dict[str, Any] = uploaded.json()
    return meta


async def submit(api: ServiceApi, agency: str, text: str) -> Any:
    headers = api.auth(Role.PEMOHON, agency=agency)
    body = {
        "form": form(agency, text),
        "attachment_ids": [(await letter(api, agency))["attachment_id"]],
    }
    return await api.client.post("/requests", json=body, headers=headers)


async def log_tables(api: ServiceApi) -> dict[str, Any]:
    async with api.ctx.pool.acquire() as conn:
        return {
            "events": await conn.fetchval("SELECT to_regclass('eventstore.events') IS NOT NULL"),
            "requests": await conn.fetchval("SELECT to_regclass('intake.requests') IS NOT NULL"),
            "count": await conn.fetchval("SELECT count(*) FROM eventstore.events"),
        }


@pytest.mark.parametrize("text", TRICKS)
async def test_sql_and_json_tricks_are_stored_verbatim_and_never_run(
    apis: dict[str, ServiceApi], text: str
) -> None:
    api = apis["intake"]
    before = await log_tables(api)
    agency = f"{text} {uuid.uuid4().hex[:6]}"

    response = await submit(api, agency, text)

    assert response.status_code == 201, response.text
    ticket = response.json()["ticket_id"]
    seen = await api.client.get(f"/requests/{ticket}", headers=api.auth(Role.AUDITOR))
    shown = seen.json()["form"]
    assert shown == {**form(agency, text), "mechanism_available": True}
    [event] = (await api.ctx.store.read_stream(f"intake-{ticket}")).events
    assert event.event.payload()["form"]["application"]["description"] == text
    assert event.actor.agency == agency
    # The applicant of that agency (its name full of tricks) sees it, another does not.
    mine = await api.client.get("/requests", headers=api.auth(Role.PEMOHON, agency=agency))
    assert [i["ticket_id"] for i in mine.json()["items"]] == [ticket]
    theirs = await api.client.get(
        "/requests", headers=api.auth(Role.PEMOHON, agency=f"{text} lain")
    )
    assert theirs.json()["total"] == 0
    after = await log_tables(api)
    assert after["events"]
    assert after["requests"]
    assert after["count"] == before["count"] + 1


@pytest.mark.parametrize("text", TRICKS)
async def test_tricks_in_query_parameters_are_values(
    apis: dict[str, ServiceApi], text: str
) -> None:
    reporting = apis["reporting"]
    found = await reporting.client.get(
        "/requests", params={"agency": text}, headers=reporting.auth(Role.AUDITOR)
    )
    assert found.status_code == 200, found.text
    assert found.json()["total"] == 0
    intake = apis["intake"]
    refused = await intake.client.get(
        "/requests", params={"status": text}, headers=intake.auth(Role.AUDITOR)
    )
    assert problem(refused, 422)["field"] == "status"
    assert (await log_tables(intake))["events"]


@pytest.mark.parametrize(
    ("where", "field"),
    [
        (("application", "description"), "form.application.description"),
        (("applicant", "name"), "form.applicant.name"),
    ],
)
async def test_a_nul_character_is_refused_naming_the_field(
    apis: dict[str, ServiceApi], where: tuple[str, str], field: str
) -> None:
    """PostgreSQL cannot store U+0000 in text or jsonb: a 422, not a 500."""
    api = apis["intake"]
    agency = f"Dinas Uji {uuid.uuid4().hex[:6]}"
    body = form(agency, "Sistem informasi")
    body[where[0]] = {**body[where[0]], where[1]: "nama\x00tersembunyi"}
    headers = api.auth(Role.PEMOHON, agency=agency)
    attachment = (await letter(api, agency))["attachment_id"]
    response = await api.client.post(
        "/requests", json={"form": body, "attachment_ids": [attachment]}, headers=headers
    )
    refused = problem(response, 422)
    assert refused["field"] == field
    assert refused["errors"][0]["message"] == "teks tidak boleh memuat karakter NUL (U+0000)"


async def test_control_characters_leave_an_uploaded_file_name(
    apis: dict[str, ServiceApi],
) -> None:
    api = apis["intake"]
    boundary = "batas"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nlainnya\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file";'
            ' filename="surat\x00\x1b[31m.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        + PDF
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {
        **api.auth(Role.PEMOHON, agency="Dinas Uji Berkas"),
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    response = await api.client.post("/attachments", content=body, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["filename"] == "surat[31m.pdf"


async def test_a_nul_that_no_field_refuses_is_a_422_and_nothing_is_written(
    apis: dict[str, ServiceApi],
) -> None:
    """A token's claims are not a form: a NUL there reaches PostgreSQL, which refuses it."""
    api = apis["intake"]
    before = await log_tables(api)
    agency = "Dinas\x00Uji"
    files = {"file": ("surat.pdf", PDF, "application/pdf")}
    response = await api.client.post(
        "/attachments",
        files=files,
        data={"kind": "surat_permohonan"},
        headers=api.auth(Role.PEMOHON, agency=agency),
    )
    assert problem(response, 422)["code"] == "text_not_storable"
    assert await log_tables(api) == before


async def test_a_nul_character_in_a_query_is_refused(apis: dict[str, ServiceApi]) -> None:
    api = apis["reporting"]
    response = await api.client.get(
        "/requests", params={"agency": "Dinas\x00Kesehatan"}, headers=api.auth(Role.AUDITOR)
    )
    assert problem(response, 422)["field"] == "agency"


async def test_the_log_is_still_there(apis: dict[str, ServiceApi]) -> None:
    async with apis["intake"].ctx.pool.acquire() as conn:
        tables = await conn.fetch(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_schema IN ('eventstore', 'intake')"
        )
    names = {f"{r['table_schema']}.{r['table_name']}" for r in tables}
    assert {"eventstore.events", "intake.requests", "intake.attachments"} <= names


async def test_a_number_is_no_date(apis: dict[str, ServiceApi]) -> None:
    """Pydantic would read `0` as 1 January 1970; a date is written YYYY-MM-DD."""
    api = apis["reporting"]
    removed = await api.client.delete(
        "/calendar/days-off/0", params={"reason": "SK"}, headers=api.auth(Role.ADMIN)
    )
    assert problem(removed, 422)["field"] == "day"
    added = await api.client.post(
        "/calendar/days-off", json={"day": 0, "name": "SK"}, headers=api.auth(Role.ADMIN)
    )
    assert problem(added, 422)["field"] == "day"
    listed = await api.client.get(
        "/requests", params={"received_from": "1700000000"}, headers=api.auth(Role.AUDITOR)
    )
    assert problem(listed, 422)["field"] == "received_from"
    assert (await api.ctx.store.read_stream("reporting-calendar")).version == 0


@pytest.mark.parametrize("service", ["intake", "reporting"])
async def test_a_list_past_its_page_size_names_the_maximum(
    apis: dict[str, ServiceApi], service: str
) -> None:
    """`limit=500` says how many a page may hold, not only that it is too large."""
    api = apis[service]
    response = await api.client.get(
        "/requests", params={"limit": 500}, headers=api.auth(Role.AUDITOR)
    )
    (error,) = problem(response, 422)["errors"]
    assert error["field"] == "limit"
    assert error["message"] == f"nilai terlalu besar; paling besar {error['limit']}"


async def test_a_choice_refused_names_the_choices(apis: dict[str, ServiceApi]) -> None:
    api = apis["reporting"]
    response = await api.client.get(
        "/requests", params={"status": "selesai"}, headers=api.auth(Role.AUDITOR)
    )
    (error,) = problem(response, 422)["errors"]
    assert error["field"] == "status"
    assert "archived" in error["allowed"]
    assert "pilihan: " in error["message"]


LISTS = {
    "intake": "/requests",
    "disposition": "/inbox",
    "integration": "/work-items",
    "reporting": "/requests",
    "notices": "/notifications",
    "directory": "/people",
}
"""A paged list of each service, read by a role every one of them admits (or the auditor)."""


@pytest.mark.parametrize("service", LISTS)
@pytest.mark.parametrize("offset", [2**63, 10_000_001, -1])
async def test_an_offset_out_of_range_is_422_naming_it(
    apis: dict[str, ServiceApi], service: str, offset: int
) -> None:
    """An offset past bigint once reached PostgreSQL and came back a plain-text 500."""
    api = apis[service]
    role = Role.KADIS if service == "disposition" else Role.ADMIN
    response = await api.client.get(
        LISTS[service], params={"offset": offset}, headers=api.auth(role)
    )
    body = problem(response, 422)
    assert body["code"] == "validation_failed"
    assert [error["field"] for error in body["errors"]] == ["offset"]


@pytest.mark.parametrize(
    "as_of",
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-12:00",
        "1999-12-31T23:59:59+00:00",
        "2101-01-01T00:00:00Z",
        "9" * 19,
    ],
)
async def test_an_as_of_out_of_range_is_422_naming_it(
    apis: dict[str, ServiceApi], as_of: str
) -> None:
    """A time before year 1 in UTC once overflowed into a 500 (and a dropped connection)."""
    api = apis["reporting"]
    response = await api.client.get(
        "/requests", params={"as_of": as_of}, headers=api.auth(Role.AUDITOR)
    )
    body = problem(response, 422)
    assert [error["field"] for error in body["errors"]] == ["as_of"]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31", "2026-02-30"])
async def test_a_day_out_of_range_is_422_naming_it(apis: dict[str, ServiceApi], day: str) -> None:
    api = apis["reporting"]
    response = await api.client.get(
        "/requests", params={"received_from": day}, headers=api.auth(Role.AUDITOR)
    )
    body = problem(response, 422)
    assert [error["field"] for error in body["errors"]] == ["received_from"]


@pytest.mark.parametrize(
    ("service", "path", "field"),
    [
        ("intake", "/requests/SC05-2026-00001%0A", "ticket_id"),
        ("intake", "/requests/" + "SC05-2026-" + "1" * 11, "ticket_id"),
        ("disposition", "/requests/nomor-tiket/dispositions", "ticket_id"),
        ("reporting", "/sla/compliance?month=0000-01", "month"),
        ("reporting", "/sla/compliance?month=2101-01", "month"),
        ("reporting", "/agenda-book?year=9999", "year"),
        ("directory", "/people/1980010120050110011", "nip"),
    ],
)
async def test_a_malformed_parameter_is_422_naming_it(
    apis: dict[str, ServiceApi], service: str, path: str, field: str
) -> None:
    """Ticket ids, months, years and NIPs have one shape in every service."""
    api = apis[service]
    response = await api.client.get(path, headers=api.auth(Role.ADMIN))
    body = problem(response, 422)
    assert body["code"] == "validation_failed"
    assert [error["field"] for error in body["errors"]] == [field]
