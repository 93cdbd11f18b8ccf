"""One registry from event type to class, with upcasters that lift old schema versions on read."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from penghubung.events.base import Event
from penghubung.forms import TRUSTED

E = TypeVar("E", bound=type[Event])
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class UnknownEventType(LookupError):
    """A stored or received event names a type this code does not know."""


class EventRegistry:
    """Maps `type` names to event classes and `(type, version)` to upcasters."""

    def __init__(self) -> None:
        self._classes: dict[str, type[Event]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(self, cls: E) -> E:
        """Register an event class under its literal `type` (usable as a class decorator)."""
        name = event_type_name(cls)
        if name in self._classes and self._classes[name] is not cls:
            raise ValueError(f"event type {name!r} registered twice")
        self._classes[name] = cls
        return cls

    def upcaster(self, type_name: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Register a function lifting a payload of `type_name` from `from_version` to the next."""

        def add(fn: Upcaster) -> Upcaster:
            self._upcasters[(type_name, from_version)] = fn
            return fn

        return add

    def has_upcaster(self, type_name: str, from_version: int) -> bool:
        """Whether payloads of `type_name` at `from_version` can be lifted to the next version."""
        return (type_name, from_version) in self._upcasters

    def cls(self, type_name: str) -> type[Event]:
        """The class for a type name."""
        try:
            return self._classes[type_name]
        except KeyError:
            raise UnknownEventType(type_name) from None

    def types(self) -> dict[str, type[Event]]:
        """Every registered type, by name."""
        return dict(self._classes)

    def load(self, type_name: str, schema_version: int, payload: dict[str, Any]) -> Event:
        """Build the current class from a stored payload, upcasting older versions first."""
        cls = self.cls(type_name)
        current = current_version(cls)
        version = schema_version
        while version < current:
            try:
                payload = self._upcasters[(type_name, version)](payload)
            except KeyError:
                raise UnknownEventType(f"{type_name} v{version}: no upcaster") from None
            version += 1
        if version > current:
            raise UnknownEventType(f"{type_name} v{schema_version} is newer than this code")
        return cls.model_validate({**payload, "type": type_name, "schema_version": current})

    def load_json(
        self, type_name: str, schema_version: int, payload: str | bytes, *, trusted: bool = False
    ) -> Event:
        """`load` from the payload's JSON text: validated straight from the text when it is of
        the current version (no dict in between), else decoded and upcast first. `trusted`: the
        text is a stored event of the log, read back as the log holds it: the forms' costly
        checks (`penghubung.forms.TRUSTED`) are skipped; the types, shapes and limits are still
        validated. An upcast payload is always validated whole (it was not stored that way)."""
        cls = self.cls(type_name)
        if schema_version != current_version(cls):
            return self.load(type_name, schema_version, json.loads(payload))
        # type and schema_version are not in a stored payload: their defaults are these
        return cls.model_validate_json(payload, context=TRUSTED if trusted else None)


def event_type_name(cls: type[Event]) -> str:
    """The literal `type` default of an event class."""
    default = cls.model_fields["type"].default
    if not isinstance(default, str) or not default:
        raise TypeError(f"{cls.__name__} needs a literal `type` default")
    return default


def current_version(cls: type[Event]) -> int:
    """The `schema_version` default of an event class."""
    default = cls.model_fields["schema_version"].default
    assert isinstance(default, int)
    return default


registry = EventRegistry()
"""The registry of every Penghubung event."""
