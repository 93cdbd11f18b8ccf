"""What `make demo` prints is read by people: times in WIB."""

from __future__ import annotations

from penghubung.demo import wib_time


def test_make_demo_prints_times_in_wib() -> None:
    assert wib_time("2026-12-04T02:15:00Z") == "04-12-2026 09.15 WIB"
    assert wib_time("2026-12-04T09:15:00+07:00") == "04-12-2026 09.15 WIB"
    assert wib_time(None) == ""
