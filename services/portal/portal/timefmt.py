"""Times and durations the Indonesian way: WIB dates in words, working time in days and hours."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = (
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
WORKING_DAY_SECONDS = 8 * 3600
"""A working day of the catalog's service hours, 08.00–16.00 WIB."""


def parse(value: str | datetime | None) -> datetime | None:
    """An ISO 8601 time from an API, as a datetime."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def wib(value: str | datetime | None) -> str:
    """`Senin, 7 Desember 2026 pukul 14.05 WIB`."""
    moment = parse(value)
    if moment is None:
        return "—"
    local = moment.astimezone(WIB)
    return f"{day_words(local.date())} pukul {local:%H.%M} WIB"


def day_words(day: date | str) -> str:
    """`Senin, 7 Desember 2026`."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return f"{DAYS[day.weekday()]}, {day.day} {MONTHS[day.month - 1]} {day.year}"


def month_words(month: str) -> str:
    """`2026-12` → `Desember 2026`."""
    year, number = month.split("-")
    return f"{MONTHS[int(number) - 1]} {year}"


def kb(size: int) -> str:
    """A file size the Indonesian way: `0,5 KB`."""
    return f"{size / 1024:.1f} KB".replace(".", ",")


def hhmm(value: str | None) -> str:
    """`08:00:00` → `08.00`."""
    return value[:5].replace(":", ".") if value else "—"


def working(seconds: int | None) -> str:
    """Working time in words: `2 hari kerja 3 jam`, `45 menit`, `0 menit`."""
    if seconds is None:
        return "—"
    days, rest = divmod(max(0, int(seconds)), WORKING_DAY_SECONDS)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(f"{days} hari kerja")
    if hours:
        parts.append(f"{hours} jam")
    if minutes and not days:
        parts.append(f"{minutes} menit")
    return " ".join(parts) or "0 menit"


def local_input(value: str) -> datetime:
    """A `datetime-local` field read as WIB."""
    return datetime.fromisoformat(value).replace(tzinfo=WIB)
