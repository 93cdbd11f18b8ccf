"""DEVELOPMENT ONLY: sign in as one of the demo people without the directory.

Enabled only with PENGHUBUNG_ENV=development. It mints the same HS256 tokens that
`penghubung token` prints (`penghubung.web.auth.mint_token`), so the services accept them
exactly as they accept the printed ones. The directory replaces it; nothing else depends on it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from penghubung.runtime.welcome import DEMO_USERS, DemoUser
from penghubung.settings import AuthSettings
from penghubung.web.auth import mint_token
from portal.session import Choice, Person

ROLE_LABELS = {
    "pemohon": "Pemohon",
    "kadis": "Kepala Dinas",
    "kabid": "Kepala Bidang e-Government dan Statistik",
    "prakom": "Pranata Komputer",
    "petugas": "Petugas Service Desk",
    "admin": "Administrator",
    "auditor": "Auditor",
}

PEOPLE: tuple[DemoUser, ...] = (
    *DEMO_USERS,
    DemoUser("pemohon", "Agus Prasetyo", "198703032011011007", "Dinas Pendidikan"),
)
"""The demo people, plus an applicant of a second agency."""


KADIS = next(p for p in DEMO_USERS if p.role == "kadis")
PLT_LABEL = "Plt. Kepala Dinas (SK 800/123/BKPSDM/2026)"
STAND_INS = {
    next(p for p in DEMO_USERS if p.role == "kabid").nip: Choice(
        role="kadis", delegation_id="pengembangan-plt-kadis", label=PLT_LABEL
    )
}
"""A delegation to try: the Kabid is Plt. Kepala Dinas while the Kadis is away."""


def people() -> tuple[DemoUser, ...]:
    """Whom one may sign in as."""
    return PEOPLE


def person_of(nip: str) -> DemoUser | None:
    """The demo person with this NIP."""
    return next((p for p in PEOPLE if p.nip == nip), None)


def sign_in(user: DemoUser) -> tuple[Person, list[Choice]]:
    """The person and their one role."""
    choice = Choice(role=user.role, agency=user.agency, label=ROLE_LABELS[user.role])
    extra = [STAND_INS[user.nip]] if user.nip in STAND_INS else []
    return Person(nip=user.nip, name=user.name, agency=user.agency), [choice, *extra]


def token(
    auth: AuthSettings, user: DemoUser, choice: Choice, *, hours: float
) -> tuple[str, datetime]:
    """An access token for the demo person in one of their choices, and when it expires."""
    whole = max(1, int(hours))
    stand_in = choice.delegation_id is not None
    minted = mint_token(
        auth,
        role=choice.role,
        name=user.name,
        nip=user.nip,
        agency=user.agency,
        hours=whole,
        acting_for_nip=KADIS.nip if stand_in else None,
        acting_for_name=KADIS.name if stand_in else None,
    )
    return minted, datetime.now(UTC) + timedelta(hours=whole)
