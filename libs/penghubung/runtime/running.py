"""The system `penghubung up` runs on this machine, found from its data folder, and tokens for it.

`penghubung up` holds `<data>/up.lock` while it runs and describes itself in `<data>/services.env`
(where each service answers) and `<data>/system.env` (its database, mode 0600). `penghubung token`
and `make demo` find it there, and sign short-lived access tokens with the directory's current
key, read from the directory's own table — the same EdDSA tokens the directory issues at sign-in,
verified by every service through the directory's JWKS. No shared secret is involved.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from penghubung.db import connect
from penghubung.settings import AuthSettings, RuntimeSettings
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


def write_system_env(folder: Path, *, database_url: str) -> None:
    """`<data>/system.env`: the running system's database, for `penghubung token` (mode 0600)."""
    path = folder / "system.env"
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    path.touch(mode=0o600)
    path.write_text(f"PENGHUBUNG_DATABASE_URL={database_url}\n")
