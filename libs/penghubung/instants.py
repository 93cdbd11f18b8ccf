"""Instants as people in the province read them: every API answers its times in WIB.

Asia/Jakarta is UTC+7 all year (no daylight saving since 1964), so a fixed offset is exact.
An answer keeps the offset (`2026-12-04T09:15:00+07:00`), so a program reads the same instant
it would from UTC; the log itself keeps what was recorded.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated

from pydantic import AfterValidator

WIB = timezone(timedelta(hours=7), "WIB")
"""Waktu Indonesia Barat."""


def in_wib(value: datetime) -> datetime:
    """The same instant on the WIB clock (a naive value is left as it is)."""
    return value.astimezone(WIB) if value.tzinfo is not None else value


Instant = Annotated[datetime, AfterValidator(in_wib)]
"""A datetime field of a view: always answered with the +07:00 offset."""
