"""The OpenAPI document as outside generators and linters read it.

FastAPI's document is right for people but trips client generators and linters in a few
places; each rule below names what it mends:

- an upload's `contentMediaType: application/octet-stream` without `format: binary` makes a
  generated client send a text field (the server then answers 422 `Expected UploadFile`);
- a download's media types without a schema make the generator drop the response;
- an operation that needs no token says so with `security: []` instead of saying nothing;
- `servers` names where the operations live (relative to the document, unless set).
"""

from __future__ import annotations

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
    return document


def _binary_uploads(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "string" and "contentMediaType" in node:
            node.setdefault("format", "binary")
        for value in node.values():
            _binary_uploads(value)
    elif isinstance(node, list):
        for value in node:
            _binary_uploads(value)
