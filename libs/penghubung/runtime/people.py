"""The example people of a system tried on one machine: one per SOP role, registered in the
directory by `penghubung up` on the embedded servers, so that whoever opens the portal can sign
in as the applicant, the Kadis, the Kabid, the Prakom and the petugas and walk a request through
every step. Their initial passwords are made once per data folder (kept there, mode 0600, like
the first admin's), printed in the start-up summary, and must be changed at the first sign-in:
the directory says so, and the log records only that a credential was set, never the secret.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from penghubung.runtime.welcome import DEMO_USERS, DemoUser

PASSWORDS_FILE = "directory-example-people.json"
DESK_AGENCY = "Dinas Komunikasi dan Informatika"

POSITIONS = {
    "pemohon": ("Kepala Bidang Pelayanan", "III.a"),
    "kadis": ("Kepala Dinas Komunikasi dan Informatika", "II.a"),
    "kabid": ("Kepala Bidang e-Government dan Statistik", "III.a"),
    "prakom": ("Pranata Komputer Ahli Muda", None),
    "petugas": ("Petugas Service Desk", None),
    "auditor": ("Auditor Ahli Muda", None),
    "admin": ("Administrator Sistem", None),
}
"""The jabatan and eselon each example person holds, by their SOP role."""


@dataclass(frozen=True)
class Registered:
    """A person with the initial password they sign in with once (then change)."""

    role: str
    name: str
    nip: str
    initial_password: str


def initial_password() -> str:
    """A fresh initial password: random, readable, and strong enough for the directory."""
    return f"Demo-{secrets.token_hex(6)}-{secrets.randbelow(90) + 10}"


def example_passwords(folder: Path) -> dict[str, str]:
    """The example people's initial passwords for this data folder, by NIP (made on first use)."""
    path = folder / PASSWORDS_FILE
    with contextlib.suppress(OSError, ValueError):
        saved = json.loads(path.read_text())
        if isinstance(saved, dict) and all(user.nip in saved for user in DEMO_USERS):
            return {str(k): str(v) for k, v in saved.items()}
    made = {user.nip: initial_password() for user in DEMO_USERS}
    path.touch(mode=0o600)
    path.write_text(json.dumps(made, indent=2) + "\n")
    return made


def person_body(user: DemoUser, *, agency: str, password: str) -> dict[str, object]:
    """What an admin sends the directory (`POST /people`) to register an example person."""
    position, echelon = POSITIONS[user.role]
    return {
        "nip": user.nip,
        "name": user.name,
        "position": position,
        "echelon": echelon,
        "agency": agency,
        "roles": [user.role],
        "initial_password": password,
    }


def register_people(
    directory_url: str, *, admin_token: str, passwords: Mapping[str, str] | None = None
) -> list[Registered]:
    """The example people in the directory, each with their role; those known before stay as
    they are (with their own password). Returns the people registered now."""
    registered: list[Registered] = []
    headers = {"Authorization": f"Bearer {admin_token}"}
    with httpx.Client(base_url=directory_url, headers=headers, timeout=30) as http:
        agencies = {a["name"]: a["code"] for a in http.get("/agencies").json()["items"]}
        for user in DEMO_USERS:
            agency = agencies.get(user.agency or DESK_AGENCY, "diskominfo")
            password = (passwords or {}).get(user.nip) or initial_password()
            response = http.post(
                "/people", json=person_body(user, agency=agency, password=password)
            )
            if response.status_code not in (201, 409):
                raise RuntimeError(f"cannot register {user.name} in the directory: {response.text}")
            if response.status_code == 201:
                registered.append(Registered(user.role, user.name, user.nip, password))
    return registered


def people_table(title: str, people: list[Registered]) -> Table:
    """Role, name, NIP and initial password of each person, to sign in as in the portal."""
    table = Table(title=title)
    for column in ("peran", "nama", "NIP", "kata sandi awal"):
        table.add_column(column, overflow="fold")
    for person in people:
        table.add_row(person.role, person.name, person.nip, person.initial_password)
    return table


def print_example_people(console: Console, passwords: Mapping[str, str], *, portal: str) -> None:
    """The summary's lines on the example people (their initial passwords until changed)."""
    people = [
        Registered(user.role, user.name, user.nip, passwords[user.nip])
        for user in DEMO_USERS
        if user.nip in passwords
    ]
    console.print(
        people_table(
            "Orang contoh (kata sandi awal: wajib diganti saat masuk pertama kali)", people
        )
    )
    console.print(
        f"Masuk sebagai mereka di {portal}/masuk; kata sandi awal tersimpan di "
        f"{PASSWORDS_FILE} pada folder data dan tidak berlaku lagi setelah diganti.",
        highlight=False,
    )
