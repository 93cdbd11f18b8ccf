"""A fold pauses the cyclic collector and gives it back, however it ends and however nested."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from reporting.projections.rebuild import _collector_paused


@pytest.fixture
def collector() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_comes_back_when_the_last_of_two_overlapping_folds_ends(
    collector: None,
) -> None:
    first, second = _collector_paused(), _collector_paused()
    first.__enter__()
    second.__enter__()
    assert not gc.isenabled()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the other fold still runs
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_the_collector_comes_back_after_a_fold_that_failed(collector: None) -> None:
    with pytest.raises(RuntimeError), _collector_paused():
        raise RuntimeError("broken")
    assert gc.isenabled()


def test_a_collector_paused_by_someone_else_stays_paused(collector: None) -> None:
    gc.disable()
    with _collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()
