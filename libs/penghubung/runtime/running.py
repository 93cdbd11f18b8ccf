"""The system `penghubung up` runs on this machine, found from its data folder, and tokens for it.

`penghubung up` holds `<data>/up.lock` while it runs and describes itself in `<data>/services.env`
(where each service answers) and `<data>/system.env` (its database, mode 0600). `penghubung token`
and `make demo` find it there, and sign short-lived access tokens with the directory's current
key, read from the directory's own table — the same EdDSA tokens the directory issues at sign-in,
verified by every service through the directory's JWKS. No shared secret is involved.
"""

from __future__ import annotations

import asyncio
import fcntl
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from penghubung.db import connect
from penghubung.events.base import Role
from penghubung.settings import AuthSettings, RuntimeSettings
from penghubung.web.auth import mint_token
from penghubung.web.keys import sign

ACCESS_TOKEN_MINUTES = 15


class NoRunningSystem(LookupError):
    """No `penghubung up` runs on this data folder (or it did not say where it is)."""


@dataclass(frozen=True)
class RunningSystem:
    """A running `penghubung up`: its data folder, its services' URLs, its database."""

    folder: Path
    urls: dict[str, str]
    database_url: str


def read_env(path: Path) -> dict[str, str]:
    """`KEY=value` lines of a file (none when it does not exist)."""
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep:
                values[key.strip()] = value.strip()
    return values


def is_running(folder: Path) -> bool:
    """Whether a `penghubung up` holds the data folder's lock right now."""
    lock = folder / "up.lock"
    if not lock.exists():
        return False
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def find_running_system(folder: Path | None = None) -> RunningSystem:
    """The system `penghubung up` runs on `folder` (PENGHUBUNG_DATA_DIR, `var` by default)."""
    folder = (folder or RuntimeSettings().data_dir).resolve()
    if not is_running(folder):
        raise NoRunningSystem(f"tidak ada `make up` yang berjalan dengan data di {folder}")
    urls = {k.removeprefix("URL_").lower(): v for k, v in read_env(folder / "services.env").items()}
    database_url = read_env(folder / "system.env").get("PENGHUBUNG_DATABASE_URL")
    if "directory" not in urls or not database_url:
        raise NoRunningSystem(f"`make up` di {folder} belum siap (services.env/system.env)")
    return RunningSystem(folder=folder, urls=urls, database_url=database_url)


async def _signing_key(database_url: str) -> tuple[str, str]:
    conn = await connect(database_url)
    try:
        row = await conn.fetchrow(
            "SELECT kid, private_pem FROM directory.signing_keys WHERE signs_from <= now()"
            " AND (signing_until IS NULL OR signing_until > now()) ORDER BY signs_from DESC LIMIT 1"
        )
    finally:
        await conn.close()
    if row is None:
        raise NoRunningSystem("direktori belum membuat kunci penandatangan token")
    return row["kid"], row["private_pem"]


def access_token(
    system: RunningSystem,
    *,
    role: str,
    name: str,
    nip: str | None = None,
    agency: str | None = None,
    minutes: int = ACCESS_TOKEN_MINUTES,
    auth: AuthSettings | None = None,
    **claims: Any,
) -> str:
    """An EdDSA access token signed with the running directory's current key."""
    auth = auth or AuthSettings()
    key = asyncio.run(_signing_key(system.database_url))
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "sub": nip or name,
        "name": name,
        "role": role,
        "aud": auth.jwt_audience,
        "iss": auth.jwt_issuer,
        "iat": now,
        "exp": now + timedelta(minutes=min(minutes, ACCESS_TOKEN_MINUTES)),
        "jti": str(uuid.uuid4()),
        **claims,
    }
    for field, value in (("nip", nip), ("agency", agency)):
        if value is not None:
            body[field] = value
    return sign(body, key)


def token_command(*, role: str, nip: str | None, name: str, agency: str | None, hours: int) -> int:
    """`penghubung token`: a bearer token for scripts and tests.

    From the `make up` running on this machine (found by itself): an EdDSA token of 15 minutes
    signed with the directory's key. Otherwise, only with an explicit PENGHUBUNG_JWT_SECRET: an
    HS256 token of `hours`. It says on stderr which it was.
    """
    try:
        parsed = Role(role)
    except ValueError:
        roles = ", ".join(r.value for r in Role if r is not Role.SYSTEM)
        print(f"peran tidak dikenal: {role} (pilihan: {roles})", file=sys.stderr)
        return 2
    if nip is None:  # a person to be: the demo user of the role (the one `make demo` acts as)
        from penghubung.runtime.welcome import DEMO_USERS

        demo = (
            next(u for u in DEMO_USERS if u.role == parsed.value)
            if parsed is not Role.SYSTEM
            else None
        )
        if demo is not None:
            nip, name, agency = demo.nip, demo.name, agency or demo.agency
    try:
        system = find_running_system()
    except NoRunningSystem as absent:
        settings = AuthSettings()
        if settings.jwt_secret is None:
            print(
                f"{absent}; jalankan `make up` dulu, atau setel PENGHUBUNG_JWT_SECRET untuk"
                " token HS256",
                file=sys.stderr,
            )
            return 1
        if not 0 < hours * 3600 <= settings.jwt_max_lifetime_seconds:
            longest = settings.jwt_max_lifetime_seconds // 3600
            print(
                f"--hours harus antara 1 dan {longest} (PENGHUBUNG_JWT_MAX_LIFETIME_SECONDS)",
                file=sys.stderr,
            )
            return 2
        print(f"{absent}: token HS256 dengan PENGHUBUNG_JWT_SECRET, {hours} jam", file=sys.stderr)
        print(mint_token(settings, role=parsed, name=name, nip=nip, agency=agency, hours=hours))
        return 0
    token = access_token(system, role=parsed.value, name=name, nip=nip, agency=agency)
    print(
        f"token dari `make up` yang berjalan (data {system.folder}, direktori"
        f" {system.urls['directory']}): EdDSA, berlaku 15 menit",
        file=sys.stderr,
    )
    print(token)
    return 0
