"""The soak in its light form: a hundred requests through the whole SOP, from a second process.

`make soak` runs the full one (2,000 requests); the code and the checks are the same.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.soak

LIGHT_REQUESTS = 100
CONCURRENCY = 8
SOAK_TIMEOUT_SECONDS = 600


def test_a_light_soak_ends_with_the_log_the_bus_and_the_views_agreeing(
    servers: Any, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "PENGHUBUNG_DATABASE_URL": servers.database_url,
        "PENGHUBUNG_NATS_URL": servers.nats_url,
    }
    command = [sys.executable, "-m", "penghubung.soak", "--data-dir", str(tmp_path)]
    command += ["--requests", str(LIGHT_REQUESTS), "--concurrency", str(CONCURRENCY)]

    done = subprocess.run(
        command,
        env=env,
        capture_output=True,
        text=True,
        timeout=SOAK_TIMEOUT_SECONDS,
        check=False,
    )

    print(done.stdout)
    assert done.returncode == 0, f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    assert "every count agrees and the hash chain verifies" in done.stdout
    assert f"requests: {LIGHT_REQUESTS} through the whole SOP" in done.stdout
