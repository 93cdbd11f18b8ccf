"""What the operator commands share: finding the running system, the least role, one-line errors.

`penghubung up` writes `<data>/system.env` (mode 0600): the database and NATS URLs of the system
it runs, the token secret, and where the audit key and checkpoints are. An operator command run
beside it (`penghubung audit …`, `dead-letters`, `token`, `replay`) reads that file when the
environment names no database of its own — as `make demo` reads `services.env` — so it talks to
the running system, not to whatever answers on 127.0.0.1:5432.

Each command connects with the least database role that does its work (`operator_role`), and an
expected failure (no database, a refused connection, a wrong argument) is one sentence on
stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import asyncpg
from pydantic import ValidationError

from penghubung.settings import DatabaseSettings, RuntimeSettings

SYSTEM_ENV = "system.env"
"""The file under the data folder that describes the running system."""

SYSTEM_KEYS = (
    "PENGHUBUNG_DATABASE_URL",
    "PENGHUBUNG_NATS_URL",
    "PENGHUBUNG_JWT_SECRET",
    "PENGHUBUNG_AUDIT_PRIVATE_KEY",
    "PENGHUBUNG_AUDIT_PUBLIC_KEY",
    "PENGHUBUNG_AUDIT_CHECKPOINT_DIR",
)
"""What `system.env` holds: enough for an operator command to act on the running system."""

EXIT_USAGE = 2


class OperatorError(Exception):
    """An expected failure of an operator command: printed as one sentence, exit code 2."""


def write_system_env(folder: Path, env: Mapping[str, str]) -> Path:
    """`<data>/system.env`: the running system's settings, readable by its owner only."""
    path = folder / SYSTEM_ENV
    lines = [f"{key}={env[key]}" for key in SYSTEM_KEYS if env.get(key)]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)
    return path


def read_env_file(path: Path) -> dict[str, str]:
    """`KEY=value` lines of a file (none when it does not exist)."""
    values: dict[str, str] = {}
    try:
        text = path.read_text()
    except OSError:
        return values
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip():
            values[key.strip()] = value.strip()
    return values


def find_running_system(environ: dict[str, str] | None = None) -> Path | None:
    """Take the running `make up` system's settings unless the environment names a database.

    Returns the `system.env` adopted, or None (the environment's own settings stand). Only
    settings the environment lacks are taken.
    """
    env = os.environ if environ is None else environ
    if env.get("PENGHUBUNG_DATABASE_URL"):
        return None
    folder = Path(env.get("PENGHUBUNG_DATA_DIR") or RuntimeSettings().data_dir).resolve()
    path = folder / SYSTEM_ENV
    found = read_env_file(path)
    if not found:
        return None
    for key, value in found.items():
        if key in SYSTEM_KEYS:
            env.setdefault(key, value)
    return path


def operator_role(default: str) -> str | None:
    """The role an operator command takes: PENGHUBUNG_DATABASE_ROLE if set ("" is none), else
    `default` — the least role that does the command's work."""
    configured = DatabaseSettings().database_role
    if configured is None:
        return default
    return configured or None


def hint() -> str:
    """Where the command looked for the system, for an error message."""
    url = os.environ.get("PENGHUBUNG_DATABASE_URL")
    if url:
        return f"PENGHUBUNG_DATABASE_URL={redact(url)}"
    folder = RuntimeSettings().data_dir.resolve()
    return f"no PENGHUBUNG_DATABASE_URL and no running `make up` described in {folder}"


def redact(url: str) -> str:
    """A URL fit to print: its password replaced by ***."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def guarded(command: str, run: Callable[[], int]) -> int:
    """Run an operator command; an expected failure is one line on stderr and exit code 2."""
    try:
        return run()
    except OperatorError as exc:
        message = str(exc)
    except ValidationError as exc:
        message = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'setting'}: {e['msg']}" for e in exc.errors()
        )
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        message = f"cannot reach the database ({hint()}): {exc}"
    except KeyboardInterrupt:
        message = "interrupted"
    print(f"penghubung {command}: {message}", file=sys.stderr)
    return EXIT_USAGE
