"""Time and ids come in from outside the domain, so replay and tests are deterministic."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
IdFactory = Callable[[], uuid.UUID]


def utc_now() -> datetime:
    """The real time, in UTC."""
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    """A fresh random id."""
    return uuid.uuid4()
