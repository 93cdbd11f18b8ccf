"""Operator commands beside a running system: they find it, take the least role, fail in a line.

The e2e system stands in for `make up`: its data folder gets the files `penghubung up` writes
(`system.env`, `services.env`, `tokens.env`), and each command runs as a subprocess without
PENGHUBUNG_DATABASE_URL, as an operator types it in another terminal.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from penghubung.audit import generate_key_pair
from penghubung.demo import Desk
from penghubung.operate import write_system_env

pytestmark = pytest.mark.e2e

SECRET = "e2e-secret-" + "x" * 32
"""The token secret of the e2e system (tests/e2e/conftest.py)."""


def data_folder(folder: Path, system: Any, *, database_url: str | None = None) -> Path:
    """A data folder as `penghubung up` leaves it for the running system."""
    folder.mkdir(parents=True, exist_ok=True)
    keys = generate_key_pair(folder / "audit" / "keys")
    write_system_env(
        folder,
        {
            "PENGHUBUNG_DATABASE_URL": database_url or system.database_url,
            "PENGHUBUNG_NATS_URL": "nats://127.0.0.1:4222",
            "PENGHUBUNG_JWT_SECRET": SECRET,
            "PENGHUBUNG_AUDIT_PRIVATE_KEY": str(keys.private_key),
            "PENGHUBUNG_AUDIT_PUBLIC_KEY": str(keys.public_key),
            "PENGHUBUNG_AUDIT_CHECKPOINT_DIR": str(folder / "audit" / "checkpoints"),
        },
    )
    urls = [f"URL_{name.upper()}={url}" for name, url in system.urls.items()]
    (folder / "services.env").write_text("\n".join(urls) + "\n")
    tokens = [f"TOKEN_{role.upper()}={token}" for role, token in system.tokens.items()]
    (folder / "tokens.env").write_text("\n".join(tokens) + "\n")
    return folder


def operator(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`penghubung …` (or `python -m …`) as an operator runs it: no database URL of its own."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PENGHUBUNG_")}
    command = list(args) if args[0] == "-m" else ["-m", "penghubung.cli", *args]
    return subprocess.run(
        [sys.executable, *command],
        env={**clean, "PENGHUBUNG_DATA_DIR": str(folder), "COLUMNS": "200", **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    assert done.stderr.strip().count("\n") == 0, done.stderr  # one line


async def test_audit_verify_finds_the_running_system_and_reads_as_the_auditor(
    system: Any, tmp_path: Path
) -> None:
    folder = data_folder(tmp_path / "var", system)

    done = await asyncio.to_thread(operator, folder, "audit", "verify", "--json")

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is True
    database = system.database_url.rsplit("/", 1)[1]
    assert report["source"].endswith(f"/{database} as penghubung_auditor"), report["source"]
    assert report["key_source"] == "settings"


async def test_dead_letters_list_finds_the_running_system_and_reads_as_the_auditor(
    system: Any, tmp_path: Path
) -> None:
    folder = data_folder(tmp_path / "var", system)

    done = await asyncio.to_thread(operator, folder, "dead-letters", "list")

    assert done.returncode == 0, done.stderr
    assert "as penghubung_auditor" in done.stdout
    assert system.database_url.rsplit("/", 1)[1] in done.stdout


async def test_a_token_is_signed_with_the_running_systems_secret(
    system: Any, tmp_path: Path
) -> None:
    folder = data_folder(tmp_path / "var", system)

    done = await asyncio.to_thread(
        operator, folder, "token", "--role", "auditor", "--name", "Agus", "--nip", "1" * 18
    )

    assert done.returncode == 0, done.stderr
    token = done.stdout.strip().splitlines()[-1]
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.get(
            f"{system.urls['reporting']}/requests", headers={"Authorization": f"Bearer {token}"}
        )
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("audit", "verify"), "cannot reach the database"),
        (("dead-letters", "list"), "cannot reach the database"),
        (("dead-letters", "redrive", "1"), "cannot reach the database"),
        (("audit", "sign", "--name", "Agus"), "cannot reach the database"),
    ],
)
async def test_a_system_that_is_not_running_is_one_line_not_a_traceback(
    system: Any, tmp_path: Path, args: tuple[str, ...], said: str
) -> None:
    folder = data_folder(
        tmp_path / "var", system, database_url="postgresql://postgres@127.0.0.1:1/penghubung"
    )

    done = await asyncio.to_thread(operator, folder, *args)

    assert done.returncode == 2
    no_traceback(done)
    assert said in done.stderr or said in done.stdout


async def test_a_database_that_does_not_exist_is_one_line_not_a_traceback(
    system: Any, tmp_path: Path
) -> None:
    missing = system.database_url.rsplit("/", 1)[0] + "/penghubung_not_here"
    folder = data_folder(tmp_path / "var", system, database_url=missing)

    for args in (("dead-letters", "list"), ("audit", "verify")):
        done = await asyncio.to_thread(operator, folder, *args)
        assert done.returncode == 2, done
        no_traceback(done)
        assert "penghubung_not_here" in done.stderr


async def test_token_refuses_an_unknown_role_and_a_lifetime_past_the_cap(
    system: Any, tmp_path: Path
) -> None:
    folder = data_folder(tmp_path / "var", system)

    unknown = await asyncio.to_thread(operator, folder, "token", "--role", "raja")
    too_long = await asyncio.to_thread(
        operator, folder, "token", "--role", "kadis", "--hours", "100000"
    )
    short_secret = await asyncio.to_thread(
        operator, folder, "token", "--role", "kadis", PENGHUBUNG_JWT_SECRET="pendek"
    )

    assert (unknown.returncode, too_long.returncode, short_secret.returncode) == (2, 2, 2)
    for done in (unknown, too_long, short_secret):
        assert "Traceback" not in done.stdout + done.stderr
    assert "jwt_secret" in short_secret.stderr


async def requests_total(system: Any) -> int:
    async with system.client("reporting", "auditor") as http:
        page: dict[str, Any] = (await http.get("/requests", params={"limit": 1})).json()
    return int(page["total"])


async def test_the_demo_refuses_a_system_holding_real_requests_unless_told(
    system: Any, tmp_path: Path
) -> None:
    folder = data_folder(tmp_path / "var", system)
    other = Desk(
        urls=system.urls,
        tokens={
            **system.tokens,
            "pemohon": system.token_for(
                "pemohon", name="Budi Hartono", nip="198701012010011002", agency="Dinas Pendidikan"
            ),
        },
    )
    ticket = await other.submit("Dinas Pendidikan", "SIAKAD")

    async def projected() -> bool:
        async with system.client("reporting", "auditor") as http:
            return bool((await http.get(f"/requests/{ticket}")).status_code == 200)

    await other.until(f"{ticket} in reporting", projected)
    before = await requests_total(system)

    refused = await asyncio.to_thread(operator, folder, "-m", "penghubung.demo")
    after_refusal = await requests_total(system)
    told = await asyncio.to_thread(
        operator, folder, "-m", "penghubung.demo", "--yes-use-real-numbers"
    )

    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "--yes-use-real-numbers" in refused.stdout
    assert "Traceback" not in refused.stdout + refused.stderr
    assert after_refusal == before  # not one number taken
    assert told.returncode == 0, told.stdout + told.stderr
    assert await requests_total(system) > before
