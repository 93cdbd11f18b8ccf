"""The yearly numbers (agenda code, office year) and how agencies are compared."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from penghubung.agency import agency_key
from reporting.domain.numbers import format_agenda_code, office_year


@pytest.mark.parametrize(
    ("year", "number", "code"),
    [
        (2026, 1, "001/AG-LIA/SC-05/DISKOMINFO/2026"),
        (2026, 57, "057/AG-LIA/SC-05/DISKOMINFO/2026"),
        (2030, 1234, "1234/AG-LIA/SC-05/DISKOMINFO/2030"),
    ],
)
def test_the_agenda_code_is_the_padded_number_then_the_year(
    year: int, number: int, code: str
) -> None:
    assert format_agenda_code(year, number) == code


def test_the_new_year_starts_at_midnight_in_jakarta_not_in_greenwich() -> None:
    assert office_year(datetime(2025, 12, 31, 16, 59, 59, tzinfo=UTC)) == 2025
    assert office_year(datetime(2025, 12, 31, 17, 0, 0, tzinfo=UTC)) == 2026


def test_an_agency_is_one_agency_whatever_its_case_or_spacing() -> None:
    assert agency_key("  Dinas   KESEHATAN ") == agency_key("Dinas Kesehatan") == "dinas kesehatan"
    assert agency_key("Dinas Kesehatan") != agency_key("Dinas Pendidikan")
