"""Instants as people in the province read them: every API answers its times in WIB.

Asia/Jakarta is UTC+7 all year (no daylight saving since 1964), so a fixed offset is exact.
An answer keeps the offset (`2026-12-04T09:15:00+07:00`), so a program reads the same instant
it would from UTC; the log itself keeps what was recorded.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Annotated

from pydantic import AfterValidator

WIB = timezone(timedelta(hours=7), "WIB")
"""Waktu Indonesia Barat."""


def in_wib(value: datetime) -> datetime:
    """The same instant on the WIB clock (a naive value is left as it is)."""
    return value.astimezone(WIB) if value.tzinfo is not None else value


Instant = Annotated[datetime, AfterValidator(in_wib)]
"""A datetime field of a view: always answered with the +07:00 offset."""


_DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def day_words(day: date) -> str:
    """A day as people read it in a service's message: `Selasa, 8 Desember 2026`."""
    return f"{_DAYS[day.weekday()]}, {day.day} {_MONTHS[day.month - 1]} {day.year}"


def wib_words(at: datetime) -> str:
    """An instant as people read it in a service's message: `Senin, 7 Desember 2026 pukul
    14.05 WIB`."""
    local = at.astimezone(WIB)
    return f"{day_words(local.date())} pukul {local:%H.%M} WIB"
