"""An event validated straight from its stored JSON text equals the one `load` builds."""

from __future__ import annotations

import itertools
import json

from penghubung.bench.history import Histories
from penghubung.events import registry


def test_load_json_equals_load_on_a_realistic_history() -> None:
    steps = [
        s
        for day in itertools.islice(Histories(seed=5).over_time(6, calendar_every=2), 12)
        for s in day
    ]
    assert len({s.template.type for s in steps}) >= 12
    for step in steps:
        event = step.template
        text = json.dumps(step.payload, ensure_ascii=False)
        loaded = registry.load(event.type, event.schema_version, step.payload)
        assert registry.load_json(event.type, event.schema_version, text) == loaded
