"""An outside integrator's view of the HTTP contract: a Python client generated from each
service's OpenAPI document (openapi-python-client, pinned), with no hand edits, uploads the
request letter, submits, and walks the request through the SOP to the agenda book.

Operations are found by method and path, and bodies are built from plain dicts by the
generated models, so the test reads the documents as a stranger would."""

from __future__ import annotations

import asyncio
import importlib
import io
import json
import re
import subprocess
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any, get_type_hints

import httpx
import pytest

from penghubung.demo import OFFICER, PDF, feasibility, implementation, request_form

pytestmark = pytest.mark.e2e

CONFIG = """\
post_hooks: []
content_type_overrides:
  application/pdf: application/octet-stream
  image/png: application/octet-stream
  image/jpeg: application/octet-stream
"""
"""What an integrator sets: downloads of PDF/PNG/JPEG read as bytes."""

SERVICES = ("intake", "disposition", "integration", "reporting")


@pytest.fixture(scope="module")
def clients(system: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, ModuleType]:
    """Each service's generated client package, imported under a name of this run."""
    folder = tmp_path_factory.mktemp("generated-clients")
    config = folder / "config.yaml"
    config.write_text(CONFIG)
    suffix = uuid.uuid4().hex[:6]
    packages = {}
    for service in SERVICES:
        document = httpx.get(f"{system.urls[service]}/openapi.json", timeout=30).json()
        source = folder / f"{service}.json"
        source.write_text(json.dumps(document))
        name = f"{service}_client_{suffix}"
        result = subprocess.run(
            [
                str(Path(sys.executable).with_name("openapi-python-client")),
                "generate",
                "--path",
                str(source),
                "--meta",
                "none",
                "--output-path",
                str(folder / name),
                "--config",
                str(config),
                "--fail-on-warning",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"{service}: {result.stdout}{result.stderr}"
        packages[service] = name
    sys.path.insert(0, str(folder))
    try:
        return {service: importlib.import_module(name) for service, name in packages.items()}
    finally:
        sys.path.remove(str(folder))


def operation(package: ModuleType, method: str, path: str) -> ModuleType:
    """The generated module of one operation, found by its method and path template."""
    api = Path(package.__file__ or "").parent / "api"
    pattern = re.compile(rf'"method": "{method}",\s*"url": "{re.escape(path)}"')
    for file in sorted(api.rglob("*.py")):
        if pattern.search(file.read_text()):
            relative = file.relative_to(api.parent).with_suffix("")
            return importlib.import_module(f"{package.__name__}.{'.'.join(relative.parts)}")
    raise AssertionError(f"no generated operation for {method.upper()} {path}")


def body_of(module: ModuleType, data: dict[str, Any]) -> Any:
    """The generated body model of an operation, built from a plain dict."""
    hints = get_type_hints(module.sync_detailed)
    model = next(
        t for t in getattr(hints["body"], "__args__", (hints["body"],)) if hasattr(t, "from_dict")
    )
    return model.from_dict(data)


async def call(
    package: ModuleType,
    token: str,
    method: str,
    path: str,
    *args: Any,
    expect: int,
    **kwargs: Any,
) -> Any:
    """Call one operation of a generated client and check its status."""
    client = package.AuthenticatedClient(base_url=kwargs.pop("base_url"), token=token)
    module = operation(package, method, path)
    response = await module.asyncio_detailed(*args, client=client, **kwargs)
    assert response.status_code == expect, (path, response.status_code, response.content)
    return response.parsed


async def until(check: Any, *, within: float = 60.0) -> Any:
    """Poll until `check` answers something (the next service learns over the bus)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while (found := await check()) is None:
        assert loop.time() < deadline, "not seen in time"
        await asyncio.sleep(0.2)
    return found


async def test_a_generated_client_walks_a_request_through_the_sop(
    clients: dict[str, ModuleType], system: Any
) -> None:
    tokens, urls = system.tokens, system.urls
    intake, disposition = clients["intake"], clients["disposition"]
    integration, reporting = clients["integration"], clients["reporting"]
    types = importlib.import_module(f"{intake.__name__}.types")

    upload = operation(intake, "post", "/attachments")
    letter_file = types.File(
        payload=io.BytesIO(PDF), file_name="surat.pdf", mime_type="application/pdf"
    )
    letter_body = body_of(upload, {"file": None, "kind": "surat_permohonan"})
    letter_body.file = letter_file
    letter = await call(
        intake, tokens["pemohon"], "post", "/attachments",
        base_url=urls["intake"], body=letter_body, expect=201,
    )  # fmt: skip
    submission = {
        "form": request_form("Dinas Kesehatan"),
        "channel": "portal",
        "attachment_ids": [str(letter.attachment_id)],
    }
    submit = operation(intake, "post", "/requests")
    created = await call(
        intake, tokens["pemohon"], "post", "/requests",
        base_url=urls["intake"], body=body_of(submit, submission),
        idempotency_key=str(uuid.uuid4()), expect=201,
    )  # fmt: skip
    ticket = created.ticket_id

    downloaded = await call(
        intake, tokens["kadis"], "get", "/attachments/{attachment_id}", letter.attachment_id,
        base_url=urls["intake"], expect=200,
    )  # fmt: skip
    assert downloaded.payload.read() == PDF

    papers = ["surat_permohonan"]
    dispose = operation(disposition, "post", "/requests/{ticket_id}/dispositions")
    for role, extra, more in (
        ("kadis", {}, "disposisi_kadis"),
        ("kabid", {}, "disposisi_kabid"),
        ("prakom", {"to_officer": OFFICER}, None),
    ):
        body = {"instruction": f"Mohon ditindaklanjuti ({role})", "documents": papers, **extra}

        async def disposed(role: str = role, body: dict[str, Any] = body) -> Any:
            client = disposition.AuthenticatedClient(
                base_url=urls["disposition"], token=tokens[role]
            )
            response = await dispose.asyncio_detailed(
                ticket, client=client, body=body_of(dispose, body)
            )
            return response.parsed if response.status_code == 201 else None

        await until(disposed)
        papers = [*papers, more] if more else papers

    analyse = operation(integration, "post", "/requests/{ticket_id}/feasibility")

    async def analysed() -> Any:
        client = integration.AuthenticatedClient(
            base_url=urls["integration"], token=tokens["petugas"]
        )
        response = await analyse.asyncio_detailed(
            ticket, client=client, body=body_of(analyse, feasibility(feasible=True))
        )
        return response.parsed if response.status_code == 201 else None

    await until(analysed)
    implement = operation(integration, "post", "/requests/{ticket_id}/implementation")
    await call(
        integration, tokens["petugas"], "post", "/requests/{ticket_id}/implementation", ticket,
        base_url=urls["integration"], body=body_of(implement, implementation()), expect=201,
    )  # fmt: skip

    archive = operation(reporting, "post", "/requests/{ticket_id}/archive")

    async def archived() -> Any:
        client = reporting.AuthenticatedClient(base_url=urls["reporting"], token=tokens["petugas"])
        # The body is optional; the generated client wants it given (an empty one will do).
        response = await archive.asyncio_detailed(ticket, client=client, body=body_of(archive, {}))
        return response.parsed if response.status_code == 201 else None

    entry = await until(archived)
    assert entry.ticket_id == ticket

    async def shown_archived() -> Any:
        # The archive answers once ReportArchived is in the log; the request's view follows it
        # over the bus, a moment later.
        view = await call(
            reporting, tokens["auditor"], "get", "/requests/{ticket_id}", ticket,
            base_url=urls["reporting"], expect=200,
        )  # fmt: skip
        return view if getattr(view.status, "value", view.status) == "archived" else None

    view = await until(shown_archived)
    assert view.ticket_id == ticket


async def test_a_generated_client_reads_a_refusal_as_the_error_body(
    clients: dict[str, ModuleType], system: Any
) -> None:
    intake = clients["intake"]
    submit = operation(intake, "post", "/requests")
    body = body_of(
        submit, {"form": request_form("Dinas Kesehatan"), "channel": "portal", "attachment_ids": []}
    )
    client = intake.AuthenticatedClient(
        base_url=system.urls["intake"], token=system.tokens["pemohon"]
    )
    response = await submit.asyncio_detailed(client=client, body=body)
    assert response.status_code == 422
    assert response.parsed.code == "request_letter_missing"


def _discriminated(node: Any) -> list[dict[str, Any]]:
    """Every schema node in a document that carries a discriminator."""
    found = []
    if isinstance(node, dict):
        if "discriminator" in node:
            found.append(node)
        for value in node.values():
            found += _discriminated(value)
    elif isinstance(node, list):
        for value in node:
            found += _discriminated(value)
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_each_document_passes_the_linters_rules(system: Any, service: str) -> None:
    """What Redocly's linter asked of the documents: servers, an explicit `security` on every
    operation (`[]` where no token is needed), and a discriminator every variant requires."""
    document = httpx.get(f"{system.urls[service]}/openapi.json", timeout=30).json()
    assert document["servers"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "security" in operation, f"{method.upper()} {path}"
    schemas = document["components"]["schemas"]
    for node in _discriminated(document):
        name = node["discriminator"]["propertyName"]
        for variant in node.get("oneOf", []):
            target = schemas[variant["$ref"].rsplit("/", 1)[-1]]
            assert name in target.get("required", []), (service, variant["$ref"], name)


def test_rules_a_schema_can_say_are_in_the_schema(system: Any) -> None:
    """The request letter, the NIP's form and each refusal of a submission, in the document."""
    document = httpx.get(f"{system.urls['intake']}/openapi.json", timeout=30).json()
    schemas = document["components"]["schemas"]
    body = schemas["SubmissionBody"]
    assert "attachment_ids" in body["required"]
    assert body["properties"]["attachment_ids"]["minItems"] == 1
    nips = [node for node in _with_key(schemas, "pattern") if node["pattern"] == "^[0-9]{18}$"]
    assert nips, "the NIP's 18 digits are a pattern in the schema"
    responses = document["paths"]["/requests"]["post"]["responses"]
    assert "`agency_mismatch`" in responses["403"]["description"]
    assert "`request_letter_missing`" in responses["422"]["description"]
    assert "`already_submitted`" in responses["409"]["description"]


def _with_key(node: Any, key: str) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        if key in node and isinstance(node[key], str):
            found.append(node)
        for value in node.values():
            found += _with_key(value, key)
    elif isinstance(node, list):
        for value in node:
            found += _with_key(value, key)
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_each_command_names_its_refusals(system: Any, service: str) -> None:
    """Every POST of the four SOP services says, per status, which stable codes it answers."""
    document = httpx.get(f"{system.urls[service]}/openapi.json", timeout=30).json()
    for path, operations in document["paths"].items():
        command = operations.get("post")
        if command is None:
            continue
        described = " ".join(r.get("description", "") for r in command["responses"].values())
        assert "`" in described, f"{service}: POST {path} names none of its refusals"
