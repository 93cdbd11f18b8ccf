"""An event validated straight from its stored JSON text equals the one `load` builds."""

from __future__ import annotations

import itertools
import json

import pytest
from pydantic import ValidationError

from penghubung.bench.history import Histories
from penghubung.demo import feasibility
from penghubung.events import registry
from penghubung.forms import TRUSTED, VulnerabilityAssessmentForm


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


def test_a_stored_event_read_as_trusted_is_the_same_event_byte_for_byte() -> None:
    steps = [
        s
        for day in itertools.islice(Histories(seed=11).over_time(6, calendar_every=2), 12)
        for s in day
    ]
    for step in steps:
        event = step.template
        text = json.dumps(step.payload, ensure_ascii=False)
        checked = registry.load_json(event.type, event.schema_version, text)
        trusted = registry.load_json(event.type, event.schema_version, text, trusted=True)
        assert trusted == checked
        assert trusted.model_dump_json() == checked.model_dump_json()


def test_only_the_trusted_context_skips_the_forms_checks() -> None:
    form = {**feasibility(feasible=True)["vulnerability"], "application_ip": "10.10.1.300"}
    text = json.dumps(form)
    with pytest.raises(ValidationError, match="alamat IP tidak valid"):
        VulnerabilityAssessmentForm.model_validate_json(text)
    with pytest.raises(ValidationError, match="alamat IP tidak valid"):
        VulnerabilityAssessmentForm.model_validate_json(text, context={"trusted": "yes"})
    with pytest.raises(ValidationError, match="alamat IP tidak valid"):
        VulnerabilityAssessmentForm.model_validate(form)
    # read back from the log: taken as stored (the types and limits are still checked)
    assert (
        VulnerabilityAssessmentForm.model_validate_json(text, context=TRUSTED).application_ip
        == "10.10.1.300"
    )
    with pytest.raises(ValidationError):
        VulnerabilityAssessmentForm.model_validate_json(
            json.dumps({**form, "platforms": []}), context=TRUSTED
        )
