"""What the directory learns from the bus: nothing — it is where the others learn who is who."""

from __future__ import annotations

from penghubung.bus.topology import ConsumerSpec

CONSUMERS: list[ConsumerSpec] = []
"""The directory declares no durable consumer."""
