"""Every registered event type is handled or ignored, on purpose, by each part of the projection."""

from __future__ import annotations

from typing import Any

import pytest

from penghubung.events import registry
from penghubung.events.routing import Routes
from reporting.projections.apply import APPLIERS
from reporting.projections.progress import MOVES
from reporting.projections.summaries import SUMMARIES
from reporting.sla.domain.clocks import FACTS
from reporting.sla.projection import SLA_APPLIERS

ROUTERS: list[Routes[Any]] = [APPLIERS, SLA_APPLIERS, FACTS, SUMMARIES, MOVES]


@pytest.mark.parametrize("routes", ROUTERS, ids=lambda r: r.name)
def test_every_registered_event_type_is_handled_or_ignored(routes: Routes[Any]) -> None:
    assert routes.unrouted(registry) == set(), (
        f"{routes.name}: add these event types to its handlers or to its ignored set"
    )


def test_every_event_on_a_timeline_has_its_sentence() -> None:
    assert SUMMARIES.handled == APPLIERS.handled


def test_every_fact_of_the_clocks_is_kept_by_the_sla_projection() -> None:
    assert FACTS.handled <= SLA_APPLIERS.handled
