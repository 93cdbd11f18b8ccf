"""The event contract: the AsyncAPI document is current, and no breaking change slips through."""

from __future__ import annotations

import json
from typing import Any

import pytest

from penghubung.contract import (
    ASYNCAPI_FILE,
    SNAPSHOT_FILE,
    asyncapi_document,
    breaking_changes,
    event_schemas,
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
    snapshot: dict[str, Any] = json.loads(SNAPSHOT_FILE.read_text())
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
