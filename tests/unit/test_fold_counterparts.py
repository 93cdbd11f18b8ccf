"""Every live applier of the reporting projection has its in-memory counterpart for rebuilds."""

from __future__ import annotations

import pytest

from penghubung.events import registry
from reporting.projections import fold


def test_every_live_applier_has_an_in_memory_counterpart() -> None:
    assert fold.unfoldable() == set()


@pytest.mark.parametrize("type_name", sorted(registry.types()))
def test_every_registered_event_type_folds_through_known_counterparts(type_name: str) -> None:
    fold._folders(type_name)  # raises Unfoldable for a live applier left without one
