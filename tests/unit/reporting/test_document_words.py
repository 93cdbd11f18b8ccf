"""Numbers and dates in Bahasa Indonesia words: written as papers write them, read back exactly."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reporting.documents.words import (
    MAX_NUMBER,
    WordsError,
    date_words,
    day_name,
    decimal_id,
    long_date,
    number_words,
    numeric_date,
    parse_date_words,
    parse_number_words,
    wib_time,
)


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "nol"),
        (1, "satu"),
        (7, "tujuh"),
        (10, "sepuluh"),
        (11, "sebelas"),
        (12, "dua belas"),
        (19, "sembilan belas"),
        (20, "dua puluh"),
        (31, "tiga puluh satu"),
        (100, "seratus"),
        (101, "seratus satu"),
        (111, "seratus sebelas"),
        (250, "dua ratus lima puluh"),
        (1000, "seribu"),
        (1001, "seribu satu"),
        (1100, "seribu seratus"),
        (2026, "dua ribu dua puluh enam"),
        (9999, "sembilan ribu sembilan ratus sembilan puluh sembilan"),
        (11_000, "sebelas ribu"),
        (100_000, "seratus ribu"),
        (1_000_000, "satu juta"),
        (2_500_000_000, "dua miliar lima ratus juta"),
    ],
)
def test_numbers_are_written_as_papers_write_them(n: int, words: str) -> None:
    assert number_words(n) == words
    assert parse_number_words(words) == n


def test_every_number_to_9999_reads_back_to_itself() -> None:
    spelled = [number_words(n) for n in range(10_000)]
    assert [parse_number_words(w) for w in spelled] == list(range(10_000))
    assert len(set(spelled)) == 10_000


@given(st.integers(min_value=0, max_value=MAX_NUMBER))
def test_any_number_reads_back_to_itself(n: int) -> None:
    assert parse_number_words(number_words(n)) == n


@pytest.mark.parametrize(
    "text",
    ["", "satu ribu", "dua dua", "puluh", "sepuluh satu", "lima belas ratus", "ribu", "tujuh x"],
)
def test_what_is_not_a_number_is_refused(text: str) -> None:
    with pytest.raises(WordsError):
        parse_number_words(text)


@pytest.mark.parametrize("n", [-1, MAX_NUMBER + 1])
def test_numbers_outside_the_range_are_refused(n: int) -> None:
    with pytest.raises(WordsError):
        number_words(n)


def test_the_berita_acara_date() -> None:
    day = date(2026, 12, 7)
    words = "Senin tanggal tujuh bulan Desember tahun dua ribu dua puluh enam"
    assert date_words(day) == words
    assert numeric_date(day) == "07-12-2026"
    assert long_date(day) == "7 Desember 2026"
    assert parse_date_words(words) == day


def test_every_day_of_2020_to_2040_reads_back_to_itself() -> None:
    day, seen = date(2020, 1, 1), set()
    while day <= date(2040, 12, 31):
        words = date_words(day)
        assert parse_date_words(words) == day
        assert words.split()[0] == day_name(day)
        seen.add(words)
        day += timedelta(days=1)
    assert len(seen) == 7671  # 21 years, 6 of them leap years


@pytest.mark.parametrize(
    "text",
    [
        "Selasa tanggal tujuh bulan Desember tahun dua ribu dua puluh enam",  # a Monday
        "Senin tanggal tujuh bulan Desembre tahun dua ribu dua puluh enam",
        "Senin tanggal tiga puluh dua bulan Desember tahun dua ribu dua puluh enam",
        "Senin tujuh Desember dua ribu dua puluh enam",
    ],
)
def test_what_is_not_a_date_is_refused(text: str) -> None:
    with pytest.raises(WordsError):
        parse_date_words(text)


def test_times_are_on_the_office_clock() -> None:
    assert wib_time(datetime(2026, 12, 7, 2, 15, tzinfo=UTC)) == "07-12-2026 09.15 WIB"


def test_decimals_in_indonesian_notation() -> None:
    assert decimal_id(1234.5) == "1.234,5"
    assert decimal_id(95, 0) == "95"
