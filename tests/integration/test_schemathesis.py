"""Schemathesis against each service's own OpenAPI: no 5xx, no answer that breaks its schema.

The services run in-process on one database. Schemathesis generates requests for every operation
from the service's OpenAPI document, valid ones and invalid ones, and sends them in turn with a
token of each role that the operation admits (the roles it refuses are the access matrix's
business, `test_access.py`), so every admitted role gets its share of the examples. The examples
are generated first (Hypothesis, derandomized, so a failure reproduces; no shrinking, which costs
only on failure) and then sent through `httpx.ASGITransport` on the test's event loop, where the
services' connection pools live: no sockets, no server.

Then the stateful part: scenarios that follow the document's links (`POST /requests` → `GET
/requests/{ticket_id}`, `POST /attachments` → `GET /attachments/{attachment_id}`, …), run by
Schemathesis' state machine in a worker thread while the event loop answers its calls.

PENGHUBUNG_SCHEMATHESIS_EXAMPLES sets how many examples of each kind (valid, invalid) an operation
gets, PENGHUBUNG_SCHEMATHESIS_SCENARIOS how many linked scenarios a service runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from requests.structures import CaseInsensitiveDict
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

from penghubung.events.base import Role
from penghubung.testing.apis import ServiceApi, service_apis

pytestmark = pytest.mark.integration

Operation = APIOperation[Any, Any, Any, Any]

EXAMPLES = int(os.environ.get("PENGHUBUNG_SCHEMATHESIS_EXAMPLES", "100"))
"""Examples per operation and kind (valid / invalid data), shared out among the admitted roles."""

SCENARIOS = int(os.environ.get("PENGHUBUNG_SCHEMATHESIS_SCENARIOS", "25"))
"""Linked scenarios per service, each of a few steps."""

SERVICES = ("intake", "disposition", "integration", "reporting", "notices", "directory")

ROLES = (
    Role.PEMOHON,
    Role.KADIS,
    Role.KABID,
    Role.PRAKOM,
    Role.PETUGAS,
    Role.AUDITOR,
    Role.ADMIN,
)

CHECKS = {
    GenerationMode.POSITIVE: [
        not_a_server_error,
        status_code_conformance,
        response_schema_conformance,
    ],
    GenerationMode.NEGATIVE: [
        not_a_server_error,
        status_code_conformance,
        response_schema_conformance,
        negative_data_rejection,
    ],
}
"""What every answer must satisfy; invalid data must also be refused (4xx)."""


@pytest.fixture(scope="module")
async def apis(
    new_database: Callable[[], Awaitable[str]], nats_url: str, run_id: str
) -> AsyncIterator[dict[str, ServiceApi]]:
    async with service_apis(await new_database(), nats_url, run_id=f"{run_id}st") as found:
        yield found


def generated(operation: Operation, mode: GenerationMode, count: int) -> list[Case[Any]]:
    """`count` cases of the operation, the same on every run."""
    cases: list[Case[Any]] = []

    @hypothesis.settings(
        max_examples=count,
        database=None,
        deadline=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def collect(case: Case[Any]) -> None:
        cases.append(case)

    # Nothing invalid can be made of an operation without parameters.
    with contextlib.suppress(hypothesis.errors.Unsatisfiable):
        collect()
    return cases


def request_of(case: Case[Any], api: ServiceApi, role: Role) -> dict[str, Any]:
    """The case as keyword arguments of `httpx.AsyncClient.request`, with the role's token."""
    sent = case.as_transport_kwargs(
        base_url=f"http://{api.name}", headers={"Authorization": f"Bearer {api.token(role)}"}
    )
    request = {key: sent[key] for key in ("method", "url", "headers", "params") if sent.get(key)}
    if "json" in sent:
        request["json"] = sent["json"]
    if isinstance(sent.get("data"), bytes | str):
        request["content"] = sent["data"]
    elif sent.get("data") is not None:
        request["data"] = sent["data"]
    if sent.get("files"):
        request["files"] = [(name, _part(*part)) for name, part in sent["files"]]
    return request


def _part(filename: str | None, content: Any, *rest: Any) -> tuple[Any, ...]:
    """A multipart part for httpx, which takes only text or bytes as content (requests: any)."""
    return (filename, content if isinstance(content, bytes | str) else str(content), *rest)


async def admitted(api: ServiceApi, operation: Operation, role: Role) -> bool:
    """Whether the operation lets the role past access control."""
    path = operation.path.replace("{", "").replace("}", "")
    response = await api.client.request(
        operation.method.upper(), path, headers=api.auth(role), json={}
    )
    refused = response.status_code == 403 and response.json().get("code") == "role_not_allowed"
    return response.status_code != 401 and not refused


def _describe(
    case: Case[Any],
    failure: BaseException,
    operation: Operation,
    role: Role,
    mode: GenerationMode,
    response: httpx.Response,
) -> str:
    found = failure.exceptions if isinstance(failure, BaseExceptionGroup) else (failure,)
    titles = "; ".join(getattr(f, "title", type(f).__name__) for f in found)
    meta = case.meta
    if meta is not None:
        titles += f" [{meta.phase.data.description if meta.phase.data else ''}]"
    return (
        f"{operation.label} as {role.value} ({mode.value}): {titles}\n"
        f"  {response.status_code} {response.text[:300]}\n"
        f"  {response.request.method} {response.request.url} {response.request.content[:300]!r}"
    )


def schema_of(api: ServiceApi) -> OpenApiSchema:
    schema = schemathesis.openapi.from_dict(api.app.openapi())
    # The token is ours (one per role); query parameters an operation does not name are ignored
    # by every endpoint, as HTTP APIs commonly do, rather than refused.
    schema.config.generation.update(with_security_parameters=False, allow_extra_parameters=False)
    return schema


async def roles_of(api: ServiceApi, operation: Operation) -> list[Role]:
    """The roles the operation admits; with none (a session's own door), one role to be refused."""
    return [role for role in ROLES if await admitted(api, operation, role)] or [Role.ADMIN]


async def send(api: ServiceApi, case: Case[Any], role: Role) -> httpx.Response:
    request = api.client.build_request(**request_of(case, api, role))
    await request.aread()  # a multipart body is a stream: keep it for the checks
    return await api.client.send(request)


@pytest.mark.parametrize("service", SERVICES)
async def test_no_server_error_and_no_answer_that_breaks_the_schema(
    apis: dict[str, ServiceApi], service: str
) -> None:
    api = apis[service]
    failures: list[str] = []
    sent = 0
    for result in schema_of(api).get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        roles = await roles_of(api, operation)
        for mode, checks in CHECKS.items():
            for number, case in enumerate(generated(operation, mode, EXAMPLES)):
                role = roles[number % len(roles)]
                response = await send(api, case, role)
                sent += 1
                try:
                    case.validate_response(response, checks=checks)
                except (AssertionError, FailureGroup) as failure:
                    failures.append(_describe(case, failure, operation, role, mode, response))
    print(f"{service}: {sent} requests")  # the figures, with -s
    assert sent > 0
    assert not failures, f"{len(failures)} of {sent} answers failed:\n\n" + "\n\n".join(
        failures[:20]
    )


# --- stateful: scenarios along the document's links --------------------------------------------

LINKED = {
    "intake": "GET /requests/{ticket_id} 200",
    "directory": "GET /people/{nip} 200",
}
"""The services whose document links a created thing to the operations on it, and a step that
only a followed link can make (it reads what a POST before it created)."""


async def realistic(api: ServiceApi, case: Case[Any]) -> None:
    """A submission that can succeed, so the scenario goes on to the operations it links to.

    A generated form is almost never one the rules accept (an echelon III applicant of the
    token's agency, a request letter uploaded first): the stateless part fuzzes the body, this
    part the chain of calls.
    """
    if (api.name, case.operation.label) == ("directory", "POST /people"):
        case.body = await a_person(api)
    elif (api.name, case.operation.label) == ("intake", "POST /requests"):
        case.body = await a_submission(api)
    else:
        return
    # Each one new, so every scenario that makes one goes on (the Hypothesis engine requires
    # the same choices to lead to the same rules).
    if case.headers is None:
        case.headers = CaseInsensitiveDict()
    case.headers["Idempotency-Key"] = str(uuid.uuid4())


async def a_submission(api: ServiceApi) -> dict[str, Any]:
    """The form every token's applicant may send, with a request letter just uploaded."""
    uploaded = await api.client.post(
        "/attachments",
        files={"file": ("surat.pdf", b"%PDF-1.7\n" + b"surat permohonan " * 40, "application/pdf")},
        data={"kind": "surat_permohonan"},
        headers=api.auth(Role.PEMOHON),
    )
    assert uploaded.status_code == 201, uploaded.text
    return {"form": FORM, "attachment_ids": [uploaded.json()["attachment_id"]]}


PEOPLE = itertools.count()
"""Numbers of the people the scenarios add: each NIP once."""


async def a_person(api: ServiceApi) -> dict[str, Any]:
    """A new person of an agency that exists, under a NIP no one holds yet."""
    agency = {"code": "dinas_uji", "name": "Dinas Uji Skema"}
    created = await api.client.post("/agencies", json=agency, headers=api.auth(Role.ADMIN))
    assert created.status_code in (201, 409), created.text
    number = next(PEOPLE)
    return {
        "nip": f"19800101{2005 + number // 999}011{number % 999 + 1:03d}",
        "name": "Pengguna Uji",
        "position": "Staf",
        "agency": agency["code"],
        "roles": ["pemohon"],
        "initial_password": "kata-sandi-uji-2026",
    }


FORM: dict[str, Any] = {
    "applicant": {
        "name": "Rina Marlina",
        "nip": "198001012005011001",
        "position": "Kepala Bidang",
        "work_unit": "Bidang Aplikasi",
        "office_address": "Jl. Pulau Bangka, Pangkalpinang",
        "mobile_phone": "0821-8064-0997",
        "internal_phone": "123",
        "email": "rina@babelprov.go.id",
        "echelon": "III.a",
        "agency": "Dinas Uji Akses",
    },
    "application": {"name": "SIMPEG", "description": "Data pegawai untuk layanan lain"},
    "mechanism_available": True,
    "mechanism": {"kind": "lainnya", "other_description": "REST"},
    "impact": "tinggi",
    "urgency": "sedang",
}
"""A request form the rules accept from the applicant every token of `ServiceApi` names."""


@pytest.mark.parametrize("service", LINKED)
async def test_linked_scenarios_give_no_server_error(
    apis: dict[str, ServiceApi], service: str
) -> None:
    api = apis[service]
    schema = schema_of(api)
    loop = asyncio.get_running_loop()
    roles: dict[str, Role] = {}
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        roles[operation.label] = (await roles_of(api, operation))[0]
    failures: list[str] = []
    steps: list[str] = []

    async def step(case: Case[Any]) -> httpx.Response:
        await realistic(api, case)
        return await send(api, case, roles[case.operation.label])

    class Scenarios(schema.as_state_machine()):  # type: ignore[misc]
        """Calls through the event loop; failures are collected, not shrunk."""

        def call(self, case: Case[Any], **_: Any) -> Response:
            sent = asyncio.run_coroutine_threadsafe(step(case), loop).result()
            steps.append(f"{case.operation.label} {sent.status_code}")
            return Response.from_any(sent)

        def validate_response(
            self, response: Response, case: Case[Any], *_: Any, **__: Any
        ) -> None:
            try:
                case.validate_response(response, checks=CHECKS[GenerationMode.POSITIVE])
            except (AssertionError, FailureGroup) as failure:
                role = roles[case.operation.label]
                failures.append(f"{case.operation.label} as {role.value}: {failure}")

    # The walk's choices follow the answers (the ticket ids a submission returns), so even a
    # derandomized run may not take a given link: until it has, another round, twice as long
    # and freshly random, at most three in all. Never taking it fails the test below.
    for round_, examples in enumerate((SCENARIOS, 2 * SCENARIOS, 4 * SCENARIOS)):
        if round_ and LINKED[service] in steps:
            break
        settings = hypothesis.settings(
            max_examples=examples,
            stateful_step_count=6,
            database=None,
            deadline=None,
            derandomize=round_ == 0,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        await asyncio.to_thread(Scenarios.run, settings=settings)
    print(f"{service}: {len(steps)} linked steps", sorted(set(steps)))  # the figures, with -s
    assert LINKED[service] in steps, f"no link led to {LINKED[service]}: {sorted(set(steps))}"
    assert not failures, f"{len(failures)} of {len(steps)} steps failed:\n\n" + "\n\n".join(
        failures[:20]
    )
