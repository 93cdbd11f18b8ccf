"""The yearly numbers reporting gives out: the agenda book's entries and the Berita Acara."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum

WIB = timezone(timedelta(hours=7), "WIB")
"""Western Indonesia Time (Asia/Jakarta, no daylight saving): the office's calendar."""


class Series(StrEnum):
    """A numbering that restarts at 1 every year and never skips a number."""

    AGENDA_BOOK = "agenda_book"
    BERITA_ACARA = "berita_acara"


@dataclass(frozen=True)
class YearlyNumber:
    """The `number`-th entry of `year` in one series."""

    year: int
    number: int


def office_year(moment: datetime) -> int:
    """The calendar year at the office (WIB) at an aware moment."""
    return moment.astimezone(WIB).year


def format_agenda_code(year: int, number: int) -> str:
    """An agenda-book entry's number as written in the book: `012/AG-LIA/SC-05/DISKOMINFO/2026`."""
    return f"{number:03d}/AG-LIA/SC-05/DISKOMINFO/{year:04d}"
