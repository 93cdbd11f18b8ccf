"""Two branches can each add a migration of the same number to one component: the second
would fail every database at start-up. Each component's versions are unique."""

from __future__ import annotations

from collections import Counter

from penghubung.eventstore.migrations import discover


def test_each_component_numbers_its_migrations_once() -> None:
    counts = Counter((m.component, m.version) for m in discover())
    twice = sorted(key for key, n in counts.items() if n > 1)
    assert not twice, f"migration numbers used twice: {twice}"
