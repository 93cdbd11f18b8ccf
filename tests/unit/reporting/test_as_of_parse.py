"""`as_of`: a log position, or a time with its zone (what the system knew then)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reporting.app.as_of import AsOf


def test_an_as_of_is_a_position_or_a_time_with_its_zone() -> None:
    assert AsOf.parse("42") == AsOf(position=42)
    assert AsOf.parse(" 0 ") == AsOf(position=0)
    moment = AsOf.parse("2026-07-01T10:00:00+07:00").time
    assert moment is not None
    assert moment.utcoffset() == timedelta(hours=7)
    assert AsOf.parse("2026-07-01T03:00:00Z").time == moment


def test_a_plus_of_the_zone_that_arrived_as_a_space_is_a_plus() -> None:
    assert AsOf.parse("2026-07-01T10:00:00 07:00") == AsOf.parse("2026-07-01T10:00:00+07:00")


@pytest.mark.parametrize(
    "bad", ["", "x", "-1", "1e3", "\u0663", "2026-07-01T10:00:00", "2026-07-01", "2026-02-30T1"]
)
def test_anything_else_is_refused_in_bahasa_indonesia(bad: str) -> None:
    with pytest.raises(ValueError, match=r"harus|zona"):
        AsOf.parse(bad)
