"""Reporting's durable consumers, as the bootstrap step declares them."""

from __future__ import annotations

from reporting.adapters.subscribers import CONSUMERS


def test_the_projection_takes_every_subject_one_message_at_a_time() -> None:
    specs = {spec.durable: spec for spec in CONSUMERS}

    assert set(specs) == {"reporting-projection", "reporting-reactions"}
    assert specs["reporting-projection"].filter == ">"
    assert specs["reporting-projection"].max_ack_pending == 1
    assert specs["reporting-reactions"].filter == "integration.>"
