"""Numbers, days and dates in Bahasa Indonesia words, as official papers write them.

"Pada hari ini Senin tanggal tujuh bulan Desember tahun dua ribu dua puluh enam" — the Berita
Acara spells its date out; `number_words` and `date_words` write it, `parse_number_words` and
`parse_date_words` read it back (the unit tests hold every day of 2020–2040 to that).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")
"""Western Indonesian Time, the office's time zone."""

_DIGITS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
_SCALES = ((1_000_000_000_000, "triliun"), (1_000_000_000, "miliar"), (1_000_000, "juta"))
MAX_NUMBER = 999_999_999_999_999
"""The largest number written in words (just under a thousand trillion)."""

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
"""The days of the week, Monday first (as `date.weekday()` counts)."""

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
"""The months of the year, January first."""


class WordsError(ValueError):
    """Text that is not a number or a date in Bahasa Indonesia words."""


def number_words(n: int) -> str:
    """A whole number from 0 to `MAX_NUMBER` in words: 2026 → "dua ribu dua puluh enam"."""
    if not 0 <= n <= MAX_NUMBER:
        raise WordsError(f"{n} is outside 0…{MAX_NUMBER}")
    if n == 0:
        return "nol"
    return " ".join(_words(n))


def _words(n: int) -> list[str]:
    """Words of 1 ≤ n, largest part first."""
    for scale, name in _SCALES:
        if n >= scale:
            head, rest = divmod(n, scale)
            return [*_words(head), name, *(_words(rest) if rest else [])]
    if n >= 1000:
        head, rest = divmod(n, 1000)
        first = ["seribu"] if head == 1 else [*_words(head), "ribu"]
        return [*first, *(_words(rest) if rest else [])]
    return _below_thousand(n)


def _below_thousand(n: int) -> list[str]:
    hundreds, rest = divmod(n, 100)
    out: list[str] = []
    if hundreds:
        out += ["seratus"] if hundreds == 1 else [_DIGITS[hundreds], "ratus"]
    if rest == 0:
        return out
    if rest < 10:
        return [*out, _DIGITS[rest]]
    if rest == 10:
        return [*out, "sepuluh"]
    if rest == 11:
        return [*out, "sebelas"]
    if rest < 20:
        return [*out, _DIGITS[rest - 10], "belas"]
    tens, ones = divmod(rest, 10)
    return [*out, _DIGITS[tens], "puluh", *([_DIGITS[ones]] if ones else [])]


_UNITS = {word: value for value, word in enumerate(_DIGITS) if value}
_WHOLE = {"sepuluh": 10, "sebelas": 11, "seratus": 100}
_TIMES = {"puluh": 10, "ratus": 100}
_SCALE_OF = {"ribu": 1000, **{name: scale for scale, name in _SCALES}}


def parse_number_words(text: str) -> int:
    """The number written in `text`: "dua ribu dua puluh enam" → 2026 — the inverse of
    `number_words`; anything `number_words` would not write raises `WordsError`."""
    words = text.split()
    total, group, unit = 0, 0, 0
    for word in words:
        if word in _UNITS:
            unit = _UNITS[word]
            group += unit
        elif word in _WHOLE:
            group += _WHOLE[word]
        elif word == "belas":
            group += 10
        elif word in _TIMES:
            group += unit * (_TIMES[word] - 1)
        elif word == "seribu":
            total += 1000
        elif word in _SCALE_OF:
            total, group = total + group * _SCALE_OF[word], 0
        elif word != "nol" or len(words) != 1:
            raise WordsError(f"{word!r} is not a number word here")
        if word not in _UNITS:
            unit = 0
    value = total + group
    # the sum reads many wrong phrasings as some number: only the one true spelling passes
    if value > MAX_NUMBER or number_words(value) != " ".join(words):
        raise WordsError(f"{text!r} is not how a number is written")
    return value


def day_name(day: date) -> str:
    """The weekday's name: "Senin" … "Minggu"."""
    return DAYS[day.weekday()]


def month_name(month: int) -> str:
    """The month's name, 1 → "Januari"."""
    if not 1 <= month <= 12:
        raise WordsError(f"month {month} is outside 1…12")
    return MONTHS[month - 1]


def date_words(day: date) -> str:
    """The date as the Berita Acara spells it:
    "Senin tanggal tujuh bulan Desember tahun dua ribu dua puluh enam"."""
    return (
        f"{day_name(day)} tanggal {number_words(day.day)} bulan {month_name(day.month)}"
        f" tahun {number_words(day.year)}"
    )


def parse_date_words(text: str) -> date:
    """The date `date_words` wrote (the weekday must agree with it)."""
    parts = text.split()
    try:
        t, b, th = parts.index("tanggal"), parts.index("bulan"), parts.index("tahun")
    except ValueError:
        raise WordsError(f"{text!r} lacks 'tanggal', 'bulan' or 'tahun'") from None
    if not (t == 1 and t < b < th and th == b + 2):
        raise WordsError(f"{text!r} is not '<hari> tanggal … bulan <bulan> tahun …'")
    if parts[b + 1] not in MONTHS:
        raise WordsError(f"{parts[b + 1]!r} is not a month")
    try:
        day = date(
            parse_number_words(" ".join(parts[th + 1 :])),
            MONTHS.index(parts[b + 1]) + 1,
            parse_number_words(" ".join(parts[t + 1 : b])),
        )
    except WordsError:
        raise
    except ValueError as wrong:
        raise WordsError(f"{text!r} is no day of the calendar: {wrong}") from None
    if day_name(day) != parts[0]:
        raise WordsError(f"{day.isoformat()} is a {day_name(day)}, not a {parts[0]}")
    return day


def numeric_date(day: date) -> str:
    """The date in figures, day first: "07-12-2026"."""
    return day.strftime("%d-%m-%Y")


def long_date(day: date) -> str:
    """The date as a letter heads it: "7 Desember 2026"."""
    return f"{day.day} {month_name(day.month)} {day.year}"


def wib(moment: datetime) -> datetime:
    """The moment on the office's clock."""
    return moment.astimezone(WIB)


def wib_time(moment: datetime) -> str:
    """A moment as people here read it: "07-12-2026 09.15 WIB"."""
    local = wib(moment)
    return f"{numeric_date(local.date())} {local:%H.%M} WIB"


def month_label(year: int, month: int) -> str:
    """A month of a year: "Desember 2026"."""
    return f"{month_name(month)} {year}"


def decimal_id(value: float | Decimal, places: int = 1) -> str:
    """A number as Indonesians write it: 1234.5 → "1.234,5"."""
    text = f"{value:,.{places}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")
