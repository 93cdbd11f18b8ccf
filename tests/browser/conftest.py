"""The whole system with its portal, one for every browser test, and Debian's Chromium.

Both start with the first browser test and stop after the last (package scope), so that they do
not go on taking CPU while the rest of the suite runs. Tokens come from the directory as under
`penghubung up`: the first admin registers the SOP's people through the directory's API once,
each with an initial password that they change on the portal's own screen at their first
sign-in; every service verifies the tokens through the directory's JWKS."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, async_playwright

from penghubung.audit import generate_key_pair
from penghubung.audit.keys import KeyFiles
from penghubung.testing.directory import register_the_sop_people
from penghubung.testing.portal import (
    ADMIN,
    AUDITOR,
    KABID,
    KADIS,
    PEMOHON,
    PETUGAS,
    PRAKOM,
    SCREENSHOTS,
    WEIGHTS,
    Person,
    person,
    signs_in,
)
from penghubung.testing.system import System, SystemConfig

pytestmark = pytest.mark.browser


def chromium_path() -> str:
    """The Chromium to drive: PENGHUBUNG_CHROMIUM, else Debian's."""
    named = os.environ.get("PENGHUBUNG_CHROMIUM")
    found = named or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        pytest.fail(
            f"Chromium not found at {found}: install it (apt-get install -y chromium) "
            "or set PENGHUBUNG_CHROMIUM to its binary"
        )
    return found


@pytest.fixture(scope="package")
def audit_keys(tmp_path_factory: pytest.TempPathFactory) -> KeyFiles:
    """The audit key pair whose public half the services trust (the chain's state page)."""
    return generate_key_pair(Path(tmp_path_factory.mktemp("audit-keys")))


@pytest.fixture(scope="package")
async def system(
    servers: Any,
    new_database: Any,
    tmp_path_factory: pytest.TempPathFactory,
    audit_keys: KeyFiles,
) -> AsyncIterator[System]:
    """Every service and the portal as processes on the run's database and stream, with the
    SOP's people registered in the directory."""
    config = SystemConfig(
        database_url=await new_database(),
        nats_url=servers.nats_url,
        log_dir=Path(tmp_path_factory.mktemp("browser-logs")),
        settings={
            "PENGHUBUNG_RELAY_POLL_SECONDS": "0.2",
            "PENGHUBUNG_RETRY_BACKOFF_SECONDS": "0.2",
            "PENGHUBUNG_AUDIT_PUBLIC_KEY": str(audit_keys.public_key),
        },
        with_portal=True,
        directory_sign_in=True,
    )
    async with System(config) as running:
        nip, password = running.first_admin
        await register_the_sop_people(
            running.urls["directory"], admin_nip=nip, admin_password=password
        )
        yield running


@pytest.fixture(scope="package")
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium (the Debian package; Playwright's own download is not used)."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=["--no-sandbox", "--lang=id-ID"]
        )
        try:
            yield launched
        finally:
            await asyncio.wait_for(launched.close(), timeout=30)


@pytest.fixture(scope="package")
async def people(system: System, browser: Browser) -> dict[str, Person]:
    """Everyone of the SOP, signed in once at their own browser for every browser test (the
    first sign-in of each changes the initial password on the portal's screen; the pemohon's is
    looked at)."""
    base = system.urls["portal"]
    everyone = {
        "pemohon": PEMOHON,
        "kadis": KADIS,
        "kabid": KABID,
        "prakom": PRAKOM,
        "petugas": PETUGAS,
        "admin": ADMIN,
        "auditor": AUDITOR,
    }

    async def first_sign_in(role: str, nip: str) -> Person:
        look = "00a-ganti-kata-sandi" if role == "pemohon" else None
        return await signs_in(await person(browser, base), nip, look=look)

    # One after the other: the directory hashes each password (argon2id, slow by design), and
    # side by side on a busy machine they outlast the portal's call timeout.
    return {role: await first_sign_in(role, nip) for role, nip in everyone.items()}


@pytest.fixture(scope="package", autouse=True)
def page_weights() -> Iterator[None]:
    """Write the weight of every screen looked at to tests/output/page-weights.txt."""
    yield
    lines = [
        f"{kb:7.1f} KB  {name}"
        for name, kb in sorted((name, size / 1024) for name, size in WEIGHTS.pages.items())
    ]
    SCREENSHOTS.parent.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS.parent / "page-weights.txt").write_text("\n".join(lines) + "\n")
