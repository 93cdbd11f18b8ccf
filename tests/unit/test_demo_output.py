"""What `make demo` prints is read by people: times in WIB."""

from __future__ import annotations

from rich.console import Console

from directory.domain.decide import check_password
from penghubung.demo import Registered, initial_password, show_initial_passwords, wib_time


def test_make_demo_prints_times_in_wib() -> None:
    assert wib_time("2026-12-04T02:15:00Z") == "04-12-2026 09.15 WIB"
    assert wib_time("2026-12-04T09:15:00+07:00") == "04-12-2026 09.15 WIB"
    assert wib_time(None) == ""


def test_make_demo_prints_each_person_it_registered_with_an_initial_password() -> None:
    console = Console(record=True, width=200)
    registered = [Registered("petugas", "Rina Wulandari", "199207082019032004", initial_password())]
    show_initial_passwords(console, registered, portal="http://127.0.0.1:8080")
    text = console.export_text()
    assert "199207082019032004" in text
    assert registered[0].initial_password in text
    assert "wajib diganti" in text
    assert "http://127.0.0.1:8080/masuk" in text
    quiet = Console(record=True)
    show_initial_passwords(quiet, [], portal=None)  # nobody new: nothing to print
    assert quiet.export_text() == ""


def test_an_initial_password_is_fresh_and_strong_enough_for_the_directory() -> None:
    first, second = initial_password(), initial_password()
    assert first != second
    check_password(first, nip="199207082019032004", field="initial_password")
