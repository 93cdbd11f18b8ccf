"""Schemathesis against each service's own OpenAPI: no 5xx, no answer that breaks its schema.

The four services run in-process on one database. Schemathesis generates requests for every
operation from the service's OpenAPI document, valid ones and invalid ones, and sends each with a
token of every role that the operation admits (the roles it refuses are the access matrix's
business, `test_access.py`). The examples are generated first (Hypothesis, derandomized, so a
failure reproduces) and then sent through `httpx.ASGITransport` on the test's event loop, where
the services' connection pools live. PENGHUBUNG_SCHEMATHESIS_EXAMPLES sets how many examples of
each kind an operation gets per role.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from penghubung.events.base import Role
from penghubung.testing.apis import ServiceApi, service_apis

pytestmark = pytest.mark.integration

Operation = APIOperation[Any, Any, Any, Any]

EXAMPLES = int(os.environ.get("PENGHUBUNG_SCHEMATHESIS_EXAMPLES", "12"))
"""Examples per operation, role and kind (valid / invalid data)."""

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


@pytest.mark.parametrize(
    "service", ["intake", "disposition", "integration", "reporting", "notices"]
)
async def test_no_server_error_and_no_answer_that_breaks_the_schema(
    apis: dict[str, ServiceApi], service: str
) -> None:
    api = apis[service]
    schema = schemathesis.openapi.from_dict(api.app.openapi())
    # The token is ours (one per role); query parameters an operation does not name are ignored
    # by every endpoint, as HTTP APIs commonly do, rather than refused.
    schema.config.generation.update(with_security_parameters=False, allow_extra_parameters=False)
    failures: list[str] = []
    sent = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        roles = [role for role in ROLES if await admitted(api, operation, role)]
        for mode, checks in CHECKS.items():
            for case in generated(operation, mode, EXAMPLES):
                for role in roles:
                    request = api.client.build_request(**request_of(case, api, role))
                    await request.aread()  # a multipart body is a stream: keep it for the checks
                    response = await api.client.send(request)
                    sent += 1
                    try:
                        case.validate_response(response, checks=checks)
                    except (AssertionError, FailureGroup) as failure:
                        failures.append(_describe(case, failure, operation, role, mode, response))
    assert sent > 0
    assert not failures, f"{len(failures)} of {sent} answers failed:\n\n" + "\n\n".join(
        failures[:20]
    )
