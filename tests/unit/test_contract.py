"""The event contract: the AsyncAPI document is current, and no breaking change slips through."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from penghubung.contract import (
    ASYNCAPI_FILE,
    SNAPSHOT_FILE,
    asyncapi_document,
    breaking_changes,
    event_schemas,
    schemas_document,
)
from penghubung.events import registry

STALE = "run `penghubung contract` and commit docs/ with the change"


def test_asyncapi_document_in_docs_is_current() -> None:
    stored = json.loads(ASYNCAPI_FILE.read_text())
    assert stored == asyncapi_document(), STALE


def test_asyncapi_document_names_every_event_subject() -> None:
    addresses = {c["address"] for c in asyncapi_document()["channels"].values()}
    for name, cls in registry.types().items():
        assert f"penghubung.events.{cls.category}.{name}" in addresses


def test_no_event_changes_its_schema_without_a_new_version_and_an_upcaster() -> None:
    published: dict[str, Any] = json.loads(SNAPSHOT_FILE.read_text())
    snapshot = {
        name: {"schema_version": entry["schema_version"], "schema": _without_id(entry["schema"])}
        for name, entry in published["events"].items()
    }
    current = event_schemas()
    for name, old in snapshot.items():
        assert name in current, f"{name} was removed: readers of the log still need it"
        new = current[name]
        if new["schema_version"] == old["schema_version"]:
            problems = breaking_changes(old["schema"], new["schema"])
            assert not problems, f"{name}: breaking change without a new schema_version: {problems}"
        else:
            assert new["schema_version"] > old["schema_version"], f"{name}: version went back"
            for version in range(old["schema_version"], new["schema_version"]):
                assert registry.has_upcaster(name, version), f"{name}: no upcaster from v{version}"
    assert current == snapshot, STALE
    assert published == schemas_document(), STALE


def _without_id(schema: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in schema.items() if key != "$id"}


def schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required}


TEXT = {"type": "string"}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (schema({"a": TEXT}, ["a"]), schema({}, []), ["a: field removed"]),
        (schema({"a": TEXT}, []), schema({"a": TEXT}, ["a"]), ["a: field newly required"]),
        (
            schema({"a": TEXT}, ["a"]),
            schema({"a": {"type": "integer"}}, ["a"]),
            ["a: type string became integer"],
        ),
        (
            schema({"a": {"enum": ["x", "y"]}}, ["a"]),
            schema({"a": {"enum": ["x"]}}, ["a"]),
            ["a: value 'y' no longer allowed"],
        ),
        (schema({"a": TEXT}, ["a"]), schema({"a": TEXT, "b": TEXT}, ["a"]), []),
        (
            {
                "$defs": {"Inner": schema({"n": TEXT}, ["n"])},
                **schema({"i": {"$ref": "#/$defs/Inner"}}, ["i"]),
            },
            {
                "$defs": {"Inner": schema({}, [])},
                **schema({"i": {"$ref": "#/$defs/Inner"}}, ["i"]),
            },
            ["i.n: field removed"],
        ),
    ],
    ids=["removed", "newly-required", "retyped", "enum-narrowed", "optional-added", "nested"],
)
def test_breaking_changes_are_recognised(
    old: dict[str, Any], new: dict[str, Any], expected: list[str]
) -> None:
    assert breaking_changes(old, new) == expected


FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER


def test_a_message_with_a_wrong_type_or_a_bad_id_is_refused_by_the_documents() -> None:
    schemas = json.loads(SNAPSHOT_FILE.read_text())
    entry = schemas["events"]["Disposed"]
    registry: Registry[Any] = Registry().with_resource(
        entry["message"]["$id"],
        Resource.from_contents(entry["message"], default_specification=DRAFT202012),
    )
    validator = jsonschema.Draft202012Validator(
        {"$ref": entry["message"]["$id"]}, registry=registry, format_checker=FORMATS
    )
    headers = {
        "Nats-Msg-Id": "not-a-uuid",
        "Penghubung-Position": "7",
        "Penghubung-Type": "Integrated",
        "Penghubung-Correlation-Id": "SC05-2026-00001",
    }
    problems = list(
        jsonschema.Draft202012Validator(entry["headers"], format_checker=FORMATS).iter_errors(
            headers
        )
    )
    assert {tuple(p.path) for p in problems} == {("Nats-Msg-Id",), ("Penghubung-Type",)}
    assert not validator.is_valid({"type": "Integrated"})
