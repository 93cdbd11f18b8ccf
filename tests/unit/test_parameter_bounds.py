"""Every query and path parameter of every service is bounded in its OpenAPI schema.

A value the schema does not bound reaches the code unbounded: an `offset` of 2^63 overflows
PostgreSQL's bigint, a date in year 1 overflows a conversion to UTC, and the caller gets a 500
instead of a 422 naming the parameter. So, read from each service's own document: an integer has
a minimum and a maximum, a string a maximum length (or a closed list of values, or a UUID's
shape), a date or a time a pattern that bounds its year (`penghubung.web.params`).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest

from penghubung.services import SERVICES
from penghubung.testing.apis import openapi_documents


@cache
def documents() -> dict[str, dict[str, Any]]:
    return openapi_documents()


def resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema a `$ref` points at (or the schema itself)."""
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = document["components"]["schemas"][name]
    return schema


def unbounded(document: dict[str, Any], schema: dict[str, Any]) -> Iterator[str]:
    """What the schema leaves open, in words (nothing: it is bounded)."""
    schema = resolved(document, schema)
    alternatives = schema.get("anyOf") or schema.get("oneOf")
    if alternatives:
        for alternative in alternatives:
            yield from unbounded(document, alternative)
        return
    kind = schema.get("type")
    if "enum" in schema or "const" in schema or kind in ("boolean", "null"):
        return
    if kind in ("integer", "number"):
        if "minimum" not in schema and "exclusiveMinimum" not in schema:
            yield "an integer without a minimum"
        if "maximum" not in schema and "exclusiveMaximum" not in schema:
            yield "an integer without a maximum"
    elif kind == "string":
        if "maxLength" not in schema and schema.get("format") != "uuid":  # parsed: 36 or less
            yield "a string without maxLength"
        if schema.get("format") in ("date", "date-time") and "pattern" not in schema:
            yield f"a {schema['format']} without a pattern bounding its year"
    elif kind == "array":
        if "maxItems" not in schema:
            yield "a list without maxItems"
        yield from unbounded(document, schema.get("items", {}))
    else:
        yield f"a schema of no known type ({sorted(schema)})"


def findings(service: str) -> list[str]:
    """`METHOD /path: parameter (in): what is open`, for every parameter left open."""
    document = documents()[service]
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] not in ("query", "path"):
                    continue
                for what in sorted(set(unbounded(document, parameter.get("schema", {})))):
                    name = f"{parameter['name']} ({parameter['in']})"
                    found.append(f"{method.upper()} {path}: {name}: {what}")
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_every_query_and_path_parameter_is_bounded(service: str) -> None:
    found = findings(service)
    assert not found, f"{len(found)} parameters of {service} left open:\n" + "\n".join(found)


def test_the_check_finds_what_it_looks_for() -> None:
    """The rules above refuse what they are meant to (they would pass anything otherwise)."""
    open_: list[dict[str, Any]] = [
        {"type": "integer", "minimum": 0},
        {"type": "string"},
        {"type": "string", "format": "date", "maxLength": 10},
        {"anyOf": [{"type": "integer", "maximum": 3}, {"type": "null"}]},
    ]
    for schema in open_:
        assert list(unbounded({}, schema)), schema
    closed: list[dict[str, Any]] = [
        {"type": "integer", "minimum": 0, "maximum": 9},
        {"type": "string", "maxLength": 7, "pattern": "^[0-9]{4}-[0-9]{2}$"},
        {"anyOf": [{"type": "string", "enum": ["a"]}, {"type": "null"}]},
    ]
    for schema in closed:
        assert not list(unbounded({}, schema)), schema


def body_dates(document: dict[str, Any], schema: dict[str, Any], where: str) -> Iterator[str]:
    """Each date or time of a request body whose schema does not bound its year."""
    schema = resolved(document, schema)
    for alternative in schema.get("anyOf") or schema.get("oneOf") or schema.get("allOf") or []:
        yield from body_dates(document, alternative, where)
    if schema.get("format") in ("date", "date-time") and "pattern" not in schema:
        yield f"{where}: a {schema['format']} without a pattern bounding its year"
    for name, field in (schema.get("properties") or {}).items():
        yield from body_dates(document, field, f"{where}.{name}")
    if schema.get("type") == "array":
        yield from body_dates(document, schema.get("items", {}), f"{where}[]")


@pytest.mark.parametrize("service", SERVICES)
def test_every_date_and_time_of_a_request_body_is_bounded(service: str) -> None:
    """A date of year 9999 in a body is a 422 naming the field, not a 500 when it is turned into
    WIB or a day after it is counted: each one says its years in the document, as the
    parameters do, and its validator holds to them."""
    document = documents()[service]
    found = [
        f"{method.upper()} {path} {finding}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for media in operation.get("requestBody", {}).get("content", {}).values()
        for finding in body_dates(document, media.get("schema", {}), "body")
    ]
    assert not found, f"{len(found)} body dates of {service} left open:\n" + "\n".join(found)


def test_the_body_check_finds_an_open_date() -> None:
    nested = {
        "type": "object",
        "properties": {
            "pauses": {"type": "array", "items": {"type": "string", "format": "date-time"}},
            "on": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
        },
    }
    assert sorted(body_dates({}, nested, "body")) == [
        "body.on: a date without a pattern bounding its year",
        "body.pauses[]: a date-time without a pattern bounding its year",
    ]
