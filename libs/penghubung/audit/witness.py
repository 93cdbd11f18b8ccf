"""Each signed checkpoint published to a second place that the database's operator does not hold.

A checkpoint kept only in the log and in a folder beside it can be rewritten by whoever holds
the host. A copy in a folder on another machine (a mount the signer may only add files to) or
sent to an HTTP witness (another office's service that keeps what it receives) makes a later
rewrite visible: the auditor verifies with `--checkpoints <the witness's copies>`.

Publishing happens after the checkpoint is in the log and its own file; a witness that cannot
be reached is logged and reported, and the next round publishes the next checkpoint.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

import httpx

from penghubung.audit.checkpoints import Checkpoint, write_checkpoint_file
from penghubung.settings import AuditSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Witnesses:
    """Where checkpoints are published besides the log and the signer's own folder."""

    directory: Path | None = None
    url: str | None = None
    timeout_seconds: float = 10.0

    @classmethod
    def from_settings(cls, settings: AuditSettings) -> Witnesses:
        """The witnesses PENGHUBUNG_AUDIT_WITNESS_DIR and PENGHUBUNG_AUDIT_WITNESS_URL name."""
        return cls(
            directory=settings.audit_witness_dir,
            url=settings.audit_witness_url or None,  # compose passes "" for "none"
            timeout_seconds=settings.audit_witness_timeout_seconds,
        )


@dataclass(frozen=True)
class Published:
    """One witness's outcome for one checkpoint."""

    place: str
    ok: bool
    detail: str


async def publish(checkpoint: Checkpoint, witnesses: Witnesses) -> tuple[Published, ...]:
    """Publish the checkpoint to every witness configured; what each one answered."""
    done: list[Published] = []
    if witnesses.directory is not None:
        done.append(await _to_directory(checkpoint, witnesses.directory))
    if witnesses.url is not None:
        done.append(await _to_url(checkpoint, witnesses.url, witnesses.timeout_seconds))
    for outcome in done:
        if not outcome.ok:
            log.error(
                "audit witness %s did not take checkpoint %d: %s",
                outcome.place,
                checkpoint.position,
                outcome.detail,
            )
    return tuple(done)


async def _to_directory(checkpoint: Checkpoint, directory: Path) -> Published:
    place = f"folder {directory}"
    try:
        path = await asyncio.to_thread(write_checkpoint_file, directory, checkpoint)
    except OSError as exc:
        return Published(place, False, f"{type(exc).__name__}: {exc.strerror or exc}")
    return Published(place, True, str(path))


async def _to_url(checkpoint: Checkpoint, url: str, seconds: float) -> Published:
    place = f"witness {url}"
    try:
        async with httpx.AsyncClient(timeout=seconds) as client:
            response = await client.post(url, json=checkpoint.to_json())
    except httpx.HTTPError as exc:
        return Published(place, False, f"{type(exc).__name__}: {exc}")
    if not response.is_success:
        return Published(place, False, f"answered {response.status_code}")
    return Published(place, True, f"answered {response.status_code}")
