"""`penghubung up` with the directory: the admin of the start-up summary signs in with a password,
`penghubung token` finds the running system by itself, and no shared secret is anywhere in that
path. A service started alone without a way to verify tokens refuses to start."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from penghubung.runtime.processes import free_port

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any token secret or key setting (the tests' own included)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PENGHUBUNG_JWT_SECRET", "PENGHUBUNG_JWKS_URL", "PENGHUBUNG_ENV"}
    }
    env.update(extra)
    return env


async def read_until(process: subprocess.Popen[str], pattern: str, *, seconds: float) -> str:
    """The process's output up to the line matching `pattern`."""
    seen: list[str] = []
    deadline = time.monotonic() + seconds
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = await asyncio.to_thread(process.stdout.readline)
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if re.search(pattern, line):
            return "".join(seen)
    raise AssertionError(f"no {pattern!r} in the output:\n{''.join(seen)}")


async def test_make_up_starts_the_directory_and_the_admin_signs_in(
    new_database: Callable[[], Awaitable[str]], servers: Any, run_id: str, tmp_path: Path
) -> None:
    env = clean_env(
        PENGHUBUNG_DATABASE_URL=await new_database(),
        PENGHUBUNG_NATS_URL=servers.nats_url,
        PENGHUBUNG_STREAM_NAME=f"UP_{run_id}",
        PENGHUBUNG_SUBJECT_PREFIX=f"up{run_id}.events",
        PENGHUBUNG_DATA_DIR=str(tmp_path),
        # as on the embedded servers, where it is the default: the example people, one per role
        PENGHUBUNG_UP_EXAMPLE_PEOPLE="true",
        COLUMNS="200",
    )
    up = subprocess.Popen(  # noqa: ASYNC220 - starting it does not wait
        [sys.executable, "-m", "penghubung.cli", "up"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    try:
        output = await read_until(up, "Penghubung is running", seconds=240)
        found = re.search(r"NIP (\d{18})\s+kata sandi awal: (\S+)", output)
        assert found, output
        nip, password = found.groups()
        assert "TOKEN_" not in output
        urls = dict(
            line.split("=", 1) for line in (tmp_path / "services.env").read_text().splitlines()
        )
        directory, intake = urls["URL_DIRECTORY"], urls["URL_INTAKE"]
        async with httpx.AsyncClient(timeout=30) as http:
            signed_in = await http.post(
                f"{directory}/sessions", json={"nip": nip, "password": password}
            )
            assert signed_in.status_code == 201, signed_in.text
            assert signed_in.json()["must_change_password"] is True
            session = {"Authorization": f"Bearer {signed_in.json()['session_token']}"}
            changed = await http.post(
                f"{directory}/sessions/current/password",
                json={"current_password": password, "new_password": "Admin-Baru-2026"},
                headers=session,
            )
            assert changed.status_code == 204
            issued = await http.post(f"{directory}/tokens", json={"role": "admin"}, headers=session)
            assert issued.status_code == 201, issued.text
            admin = {"Authorization": f"Bearer {issued.json()['access_token']}"}
            # The directory's token opens another service: verified through the JWKS.
            assert (await http.get(f"{intake}/requests", headers=admin)).status_code == 200
            # `penghubung token` finds this system by itself and says so.
            minted = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "penghubung.cli", "token", "--role", "petugas"],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert minted.returncode == 0, minted.stderr
            assert "make up" in minted.stderr
            assert str(tmp_path) in minted.stderr
            token = minted.stdout.strip().splitlines()[-1]
            work = await http.get(
                f"{urls['URL_INTEGRATION']}/work-items",
                headers={"Authorization": f"Bearer {token}"},
            )
            assert work.status_code == 200, work.text
            # `make demo` on the same system: the demo people join the directory, and every
            # step down to the petugas and beyond works on the directory's tokens.
            demo = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "penghubung.demo"],
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
            # The people were there already (the summary listed them): the demo says where their
            # passwords are. The summary's applicant signs in with hers, and must change it first.
            assert "sudah terdaftar" in demo.stdout, demo.stdout[:3000]
            listed = re.search(
                r"pemohon\s*│[^│]*│\s*(\d{18})\s*│\s*(Demo-[0-9a-f]{12}-\d{2})", output
            )
            assert listed, output
            nip, password = listed.groups()
            first = await http.post(
                f"{directory}/sessions", json={"nip": nip, "password": password}
            )
            assert first.status_code == 201, first.text
            assert first.json()["must_change_password"] is True
            # A Plt Kadis for this week signs in and acts as kadis, for the holder.
            await plt_kadis_for_this_week(http, directory, urls["URL_DISPOSITION"], admin)
    finally:
        up.send_signal(signal.SIGINT)
        await asyncio.to_thread(up.wait, 60)
    # Nothing runs any more: `penghubung token` says so instead of minting.
    after = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "penghubung.cli", "token", "--role", "petugas"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert after.returncode == 1
    assert "tidak ada `make up` yang berjalan" in after.stderr


async def plt_kadis_for_this_week(
    http: httpx.AsyncClient, directory: str, disposition: str, admin: dict[str, str]
) -> None:
    kadis = "197003152000031002"  # the demo kadis, registered by `make demo`
    plt = {
        "nip": "198607072010011009",
        "name": "Plt Uji",
        "position": "Sekretaris",
        "agency": "diskominfo",
        "roles": ["kabid"],
        "initial_password": "Awal-Plt-2026",
    }
    assert (await http.post(f"{directory}/people", json=plt, headers=admin)).status_code == 201
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    granted = await http.post(
        f"{directory}/delegations",
        json={
            "position": "kadis",
            "holder_nip": kadis,
            "delegate_nip": plt["nip"],
            "kind": "plt",
            "starts_on": str(today),
            "ends_on": str(today + timedelta(days=6)),
            "decree_number": "800/123/BKPSDM/2026",
        },
        headers=admin,
    )
    assert granted.status_code == 201, granted.text
    signed_in = await http.post(
        f"{directory}/sessions", json={"nip": plt["nip"], "password": "Awal-Plt-2026"}
    )
    session = {"Authorization": f"Bearer {signed_in.json()['session_token']}"}
    await http.post(
        f"{directory}/sessions/current/password",
        json={"current_password": "Awal-Plt-2026", "new_password": "Plt-Baru-2026"},
        headers=session,
    )
    choices = (await http.get(f"{directory}/sessions/current", headers=session)).json()["choices"]
    assert choices[-1]["label"] == "Plt. Kepala Dinas (SK 800/123/BKPSDM/2026)"
    issued = await http.post(
        f"{directory}/tokens",
        json={"role": "kadis", "delegation_id": granted.json()["delegation_id"]},
        headers=session,
    )
    assert issued.status_code == 201, issued.text
    inbox = await http.get(
        f"{disposition}/inbox",
        headers={"Authorization": f"Bearer {issued.json()['access_token']}"},
    )
    assert inbox.status_code == 200, inbox.text


async def test_a_service_alone_without_keys_refuses_to_start_unless_in_development(
    new_database: Callable[[], Awaitable[str]], servers: Any, run_id: str, tmp_path: Path
) -> None:
    env = clean_env(
        PENGHUBUNG_DATABASE_URL=await new_database(),
        PENGHUBUNG_NATS_URL=servers.nats_url,
        PENGHUBUNG_STREAM_NAME=f"ALONE_{run_id}",
        PENGHUBUNG_SUBJECT_PREFIX=f"alone{run_id}.events",
        PENGHUBUNG_HTTP_PORT=str(free_port("127.0.0.1")),
        PENGHUBUNG_RELAY_ENABLED="false",
        PENGHUBUNG_LOG_JSON="false",
    )
    refused = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "reporting"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert refused.returncode == 2
    assert "PENGHUBUNG_JWKS_URL" in refused.stderr
    assert "PENGHUBUNG_JWT_SECRET" in refused.stderr
    bootstrap = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "penghubung.cli", "bootstrap"],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert bootstrap.returncode == 0, bootstrap.stderr
    development = subprocess.Popen(  # noqa: ASYNC220 - starting it does not wait
        [sys.executable, "-m", "reporting"],
        env={**env, "PENGHUBUNG_ENV": "development"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        output = await read_until(development, "listening on", seconds=120)
        assert "PENGHUBUNG_ENV=development" in output
    finally:
        development.send_signal(signal.SIGTERM)
        await asyncio.to_thread(development.wait, 60)
