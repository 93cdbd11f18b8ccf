"""What one reader of the log does with each event class: a handler, or nothing, on purpose.

A projection that routes by type keeps a `Routes`: the handler of each event class it uses and
the set of classes it ignores. A registered event type in neither is a mistake a test finds
(`unrouted`), so a new event cannot be passed over silently:

    APPLIERS = Routes(
        "reporting requests",
        {RequestSubmitted: apply_request_submitted, Disposed: apply_step_taken},
        ignored={AuditExported},
    )
    applier = APPLIERS.get(envelope.type)  # None: ignored
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Generic, TypeVar

from penghubung.events.base import Event
from penghubung.events.registry import EventRegistry, event_type_name

H = TypeVar("H")


class Routes(Generic[H]):
    """Handlers by event class, and the classes a reader ignores on purpose."""

    def __init__(
        self,
        name: str,
        handlers: Mapping[type[Event], H],
        *,
        ignored: Iterable[type[Event]] = (),
    ) -> None:
        self.name = name
        self._handlers = {event_type_name(cls): handler for cls, handler in handlers.items()}
        self._by_class = dict(handlers)
        self.classes = tuple(handlers)
        """The handled event classes."""
        self.ignored_classes = tuple(ignored)
        """The event classes ignored on purpose."""
        self.ignored = frozenset(event_type_name(cls) for cls in self.ignored_classes)
        both = self.ignored & self._handlers.keys()
        if both:
            raise ValueError(f"{name}: both handled and ignored: {sorted(both)}")

    def get(self, type_name: str) -> H | None:
        """The handler of an event type; None when the type is ignored (or unknown)."""
        return self._handlers.get(type_name)

    def of(self, event: Event) -> H | None:
        """The handler of this event's own class; None when it is ignored (or unknown)."""
        return self._by_class.get(type(event))

    @property
    def handled(self) -> frozenset[str]:
        """The event types that have a handler."""
        return frozenset(self._handlers)

    def items(self) -> Iterator[tuple[str, H]]:
        """Each handled type with its handler."""
        return iter(self._handlers.items())

    def unrouted(self, registry: EventRegistry) -> set[str]:
        """Registered event types this reader neither handles nor ignores (should be none)."""
        return set(registry.types()) - self.handled - self.ignored
