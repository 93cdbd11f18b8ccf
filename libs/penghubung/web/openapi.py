"""The OpenAPI document as outside generators and linters read it.

FastAPI's document is right for people but trips client generators and linters in a few
places; each rule below names what it mends:

- an upload's `contentMediaType: application/octet-stream` without `format: binary` makes a
  generated client send a text field (the server then answers 422 `Expected UploadFile`);
- a download's media types without a schema make the generator drop the response;
- an operation that needs no token says so with `security: []` instead of saying nothing;
- `servers` names where the operations live (relative to the document, unless set);
- what a POST creates leads on, by an OpenAPI link, to the operations on it: the answer's
  `ticket_id` of `POST /requests` is the `{ticket_id}` of `GET /requests/{ticket_id}` (a
  generator makes a method of it; a fuzzer chains the calls).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

BINARY: dict[str, Any] = {"type": "string", "format": "binary"}


def install(app: FastAPI, *, public_url: str | None = None) -> None:
    """Serve the mended document at /openapi.json (built once, on first request)."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = mend(build(), public_url=public_url)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def mend(document: dict[str, Any], *, public_url: str | None = None) -> dict[str, Any]:
    """The document with the rules of this module applied (in place, and returned)."""
    document["servers"] = [
        {"url": public_url or "/", "description": "this service"},
    ]
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            operation.setdefault("security", [])
            for response in operation.get("responses", {}).values():
                for media, content in response.get("content", {}).items():
                    if "schema" not in content and not media.endswith("json"):
                        text = media.startswith("text/")
                        content["schema"] = {"type": "string"} if text else dict(BINARY)
    for schema in document.get("components", {}).get("schemas", {}).values():
        _binary_uploads(schema)
    _links(document)
    return document


def _links(document: dict[str, Any]) -> None:
    """Link each POST's created answer to the operations below it that take its id.

    `POST P` answering a property `x` links to every operation on `P/{x}…` whose other path
    parameters are `P`'s own (passed on from the request) or properties of the answer.
    """
    paths: dict[str, dict[str, Any]] = document.get("paths", {})
    for path, operations in paths.items():
        creating = operations.get("post")
        if not isinstance(creating, dict):
            continue
        for status, response in creating.get("responses", {}).items():
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            if not status.startswith("2") or schema is None:
                continue
            answered = set(_resolved(document, schema).get("properties", {}))
            links = _links_from(paths, path, answered)
            if links:
                response["links"] = {**links, **response.get("links", {})}


def _links_from(
    paths: dict[str, dict[str, Any]], path: str, answered: set[str]
) -> dict[str, dict[str, Any]]:
    given = set(_PARAMETER.findall(path))
    links: dict[str, dict[str, Any]] = {}
    for target, operations in paths.items():
        below = _PARAMETER.match(target.removeprefix(path + "/")) if target != path else None
        if below is None or not target.startswith(path + "/") or below.group(1) not in answered:
            continue
        needed = set(_PARAMETER.findall(target))
        if not needed <= given | answered:
            continue
        values = {
            name: f"$request.path.{name}" if name in given else f"$response.body#/{name}"
            for name in sorted(needed)
        }
        for operation in operations.values():
            if isinstance(operation, dict) and "operationId" in operation:
                links[operation["operationId"]] = {
                    "operationId": operation["operationId"],
                    "parameters": values,
                }
    return links


_PARAMETER = re.compile(r"\{([^}/]+)\}")


def _resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _binary_uploads(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "string" and "contentMediaType" in node:
            node.setdefault("format", "binary")
        for value in node.values():
            _binary_uploads(value)
    elif isinstance(node, list):
        for value in node:
            _binary_uploads(value)
