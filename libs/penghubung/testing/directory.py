"""The directory filled as an administrator fills it: through its HTTP API, with a token.

The first admin (registered by the directory at its start) signs in, changes the initial
password as everyone must, takes the admin role and registers the SOP's people with initial
passwords. Each person then changes theirs at their first sign-in — in the browser tests,
through the portal's own screen.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from penghubung.runtime.people import person_body
from penghubung.runtime.welcome import DEMO_USERS, DemoUser

INITIAL_PASSWORD = "Sandi-Awal-2026"
"""What the admin gives every person; the directory makes them change it at first sign-in."""
OWN_PASSWORD = "Sandi-Sendiri-2027"
"""What each person chooses at their first sign-in."""
ADMIN_OWN_PASSWORD = "Admin-Sendiri-2027"
TIMEOUT_SECONDS = 30.0

AGENCY_CODES = {"Dinas Kesehatan": "dinkes", "Dinas Pendidikan": "disdik"}
"""The seed file's codes of the applicants' agencies; Diskominfo staff belong to `diskominfo`."""

PEOPLE: tuple[DemoUser, ...] = (
    *DEMO_USERS,
    DemoUser("pemohon", "Agus Prasetyo", "198703032011011007", "Dinas Pendidikan"),
)
"""The SOP's people of the demo, and an applicant of a second agency."""


class DirectoryRefused(RuntimeError):
    """The directory answered an admin's call with a refusal."""


@dataclass
class DirectoryAdmin:
    """An admin's access to the directory's API."""

    http: httpx.AsyncClient
    url: str
    token: str

    async def call(self, method: str, path: str, body: object = None) -> httpx.Response:
        """One admin call; a refusal is an error here (the set-up must not half-happen)."""
        headers = {"Authorization": f"Bearer {self.token}"}
        answer = await self.http.request(method, self.url + path, json=body, headers=headers)
        if answer.status_code >= 400:
            raise DirectoryRefused(f"{method} {path}: {answer.status_code} {answer.text}")
        return answer

    async def register(self, someone: DemoUser, *, password: str = INITIAL_PASSWORD) -> None:
        """Register one person with their role and an initial password."""
        agency = AGENCY_CODES.get(someone.agency or "", "diskominfo")
        await self.call("POST", "/people", person_body(someone, agency=agency, password=password))


async def first_admin(
    http: httpx.AsyncClient, url: str, *, nip: str, initial_password: str
) -> DirectoryAdmin:
    """The first admin signed in, their initial password changed, with an admin token."""
    signed = await http.post(f"{url}/sessions", json={"nip": nip, "password": initial_password})
    if signed.status_code != 201:
        raise DirectoryRefused(f"first admin sign-in: {signed.status_code} {signed.text}")
    session = {"Authorization": f"Bearer {signed.json()['session_token']}"}
    if signed.json()["must_change_password"]:
        change = {"current_password": initial_password, "new_password": ADMIN_OWN_PASSWORD}
        changed = await http.post(f"{url}/sessions/current/password", json=change, headers=session)
        if changed.status_code != 204:
            raise DirectoryRefused(f"first admin password: {changed.status_code} {changed.text}")
    issued = await http.post(f"{url}/tokens", json={"role": "admin"}, headers=session)
    if issued.status_code != 201:
        raise DirectoryRefused(f"first admin token: {issued.status_code} {issued.text}")
    return DirectoryAdmin(http=http, url=url, token=issued.json()["access_token"])


async def register_the_sop_people(url: str, *, admin_nip: str, admin_password: str) -> None:
    """Everyone of `PEOPLE`, registered by the first admin with the initial password."""
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as http:
        admin = await first_admin(http, url, nip=admin_nip, initial_password=admin_password)
        for someone in PEOPLE:  # each hashes a password: side by side they only queue
            await admin.register(someone)
