"""Reporting's durable consumers, as the bootstrap step declares them."""

from __future__ import annotations

from penghubung.settings import NatsSettings
from reporting.adapters.subscribers import CONSUMERS


def test_the_projection_takes_every_subject_in_batches() -> None:
    specs = {spec.durable: spec for spec in CONSUMERS}

    assert set(specs) == {"reporting-projection", "reporting-reactions"}
    assert specs["reporting-projection"].filter == ">"
    # A batch as large as the consumers pull may be out at once; order is the checkpoint's.
    assert specs["reporting-projection"].max_ack_pending >= NatsSettings().nats_consumer_batch
    assert specs["reporting-reactions"].filter == "integration.>"
