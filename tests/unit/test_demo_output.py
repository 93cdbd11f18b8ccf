"""What `make demo` prints is read by people: times in WIB."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from directory.domain.decide import check_password
from penghubung.demo import show_initial_passwords, wib_time
from penghubung.runtime.people import (
    PASSWORDS_FILE,
    Registered,
    example_passwords,
    initial_password,
    print_example_people,
)
from penghubung.runtime.welcome import DEMO_USERS


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
    quiet = Console(record=True, width=200)
    show_initial_passwords(quiet, [], portal=None)  # nobody new: it says where passwords are
    said = quiet.export_text()
    assert "sudah terdaftar" in said
    assert "make up" in said


def test_the_example_peoples_passwords_are_made_once_per_data_folder(tmp_path: Path) -> None:
    first = example_passwords(tmp_path)
    assert set(first) == {user.nip for user in DEMO_USERS}
    assert example_passwords(tmp_path) == first  # kept: the summary prints the same again
    assert (tmp_path / PASSWORDS_FILE).stat().st_mode & 0o077 == 0  # the operator's alone
    for nip, password in first.items():
        check_password(password, nip=nip, field="initial_password")
    console = Console(record=True, width=200)
    print_example_people(console, first, portal="http://127.0.0.1:8080")
    text = console.export_text()
    pemohon = next(user for user in DEMO_USERS if user.role == "pemohon")
    assert pemohon.nip in text
    assert first[pemohon.nip] in text
    assert "wajib diganti" in text


def test_an_initial_password_is_fresh_and_strong_enough_for_the_directory() -> None:
    first, second = initial_password(), initial_password()
    assert first != second
    check_password(first, nip="199207082019032004", field="initial_password")
