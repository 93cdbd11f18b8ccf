"""Routing by event class: a registered type neither handled nor ignored is named."""

from __future__ import annotations

import pytest

from penghubung.events import registry
from penghubung.events.catalog import Disposed, RequestReturned, RequestSubmitted
from penghubung.events.routing import Routes


def everything_but(*left_out: type) -> Routes[str]:
    classes = [cls for cls in registry.types().values() if cls not in left_out]
    return Routes("test", {cls: cls.__name__ for cls in classes[:3]}, ignored=classes[3:])


def test_a_type_left_out_of_a_router_is_named() -> None:
    assert everything_but(Disposed).unrouted(registry) == {"Disposed"}


def test_a_complete_router_leaves_nothing_out() -> None:
    assert everything_but().unrouted(registry) == set()


def test_a_type_cannot_be_both_handled_and_ignored() -> None:
    with pytest.raises(ValueError, match="Disposed"):
        Routes("test", {Disposed: 1}, ignored={Disposed})


def test_handlers_are_found_by_type_name_and_by_class() -> None:
    routes = Routes("test", {RequestReturned: "returned"}, ignored={RequestSubmitted})
    assert routes.get("RequestReturned") == "returned"
    assert routes.get("RequestSubmitted") is None
    assert routes.handled == {"RequestReturned"}
    assert routes.ignored == {"RequestSubmitted"}
