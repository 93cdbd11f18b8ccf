"""The chain's state for auditors: the log's head, the signed checkpoints, and a verification
from the newest valid checkpoint to the head.

Walking the whole chain on every look is too costly on a big log; the signer verifies the
chain before it signs, so the walk starts at the newest checkpoint whose signature holds under
the audit public key (`penghubung audit verify --from-checkpoint`). Read-only: nothing is
appended. The verification is the audit library's own (`verify_database`), not a copy.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from penghubung.audit.chain import read_head
from penghubung.audit.checkpoints import (
    Located,
    SignatureStatus,
    check_signature,
    merge,
    read_log_checkpoints,
    trusted_keys,
)
from penghubung.audit.errors import AuditUsageError
from penghubung.audit.keys import key_id, load_public_key
from penghubung.audit.verify import AuditReport, CheckpointResult, verify_database
from penghubung.events import Role
from penghubung.instants import Instant
from penghubung.runtime.service import ServiceContext
from penghubung.web.auth import Principal, require
from penghubung.web.errors import ERROR_RESPONSES

Auditor = Annotated[Principal, Depends(require(Role.AUDITOR, Role.ADMIN))]


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class HeadView(_View):
    """The end of the chain as the log's head row states it."""

    position: int = Field(description="Global position of the last event")
    hash: str = Field(description="Chain hash at that position (hex)")


class CheckpointView(_View):
    """One signed checkpoint and whether it holds."""

    position: int = Field(description="The position it signs")
    head_hash: str = Field(description="The chain hash it signs (hex)")
    key_id: str = Field(description="SHA-256 fingerprint of the signing key (hex)")
    signed_at: Instant = Field(description="When it was signed")
    signature: SignatureStatus = Field(
        description="valid, bad_signature, unknown_key, or not_checked (no public key)"
    )
    chain: str | None = Field(
        description="How the walked chain compares (matches, differs, before_start, …); "
        "null when no walk was made"
    )
    ok: bool = Field(description="Neither the signature nor the chain contradicts it")


class VerificationView(_View):
    """A walk of the chain from a signed checkpoint to the head, made for this answer."""

    verified_at: Instant = Field(description="When the walk was made")
    from_position: int = Field(description="The signed checkpoint the walk started after")
    to_position: int | None = Field(description="The last position walked")
    checked: int = Field(description="Events whose hash was recomputed")
    ok: bool = Field(description="Nothing was found wrong")
    first_bad_position: int | None = Field(description="Where the first problem is")
    problem: str | None = Field(description="What kind of problem, for programs")
    message: str | None = Field(description="The first finding, as the verifier says it")


class ChainStateView(_View):
    """The chain's state: head, newest checkpoint, verification since it, recent checkpoints."""

    head: HeadView
    public_key_ids: list[str] = Field(description="The audit public keys this service trusts")
    verification: VerificationView | None = Field(
        description="The walk from the newest valid checkpoint; null when none could start"
    )
    not_verified_because: str | None = Field(
        description="Why no walk was made (Bahasa Indonesia), when none was"
    )
    last_checkpoint: CheckpointView | None = Field(description="The newest signed checkpoint")
    unsigned_events: int = Field(description="Events after the newest checkpoint's position")
    checkpoint_total: int = Field(description="Signed checkpoints in the log")
    checkpoints_valid: int = Field(description="Of them, those that hold")
    checkpoints: list[CheckpointView] = Field(description="The newest checkpoints, newest first")


def routes(ctx: ServiceContext) -> APIRouter:
    """The auditors' read of the chain's state."""
    api = APIRouter(responses=ERROR_RESPONSES)

    @api.get("/audit/chain", tags=["audit"], summary="The hash chain's state and its checkpoints")
    async def chain_state(
        _: Auditor,
        limit: Annotated[
            int, Query(ge=1, le=200, description="How many of the newest checkpoints to list")
        ] = 20,
    ) -> ChainStateView:
        """The log's head, the newest signed checkpoint, and a verification of the chain from
        the newest validly signed checkpoint to the head (not from position 1)."""
        keys = await _public_keys(ctx)
        async with ctx.pool.acquire() as conn:
            try:
                report = await verify_database(conn, public_keys=keys, from_checkpoint=True)
            except AuditUsageError:
                report = None
            if report is not None and report.head is not None:
                head, views = report.head, [_judged(r) for r in report.checkpoints]
            else:
                head = await read_head(conn)
                located, _unreadable = merge(await read_log_checkpoints(conn))
                views = [_signed_only(c, trusted_keys(keys)) for c in located]
        newest = views[-1] if views else None
        return ChainStateView(
            head=HeadView(position=head.position, hash=head.hash.hex()),
            public_key_ids=[key_id(k) for k in keys],
            verification=_verification(report, ctx.clock()),
            not_verified_because=None if report else _why_not(keys),
            last_checkpoint=newest,
            unsigned_events=head.position - (newest.position if newest else 0),
            checkpoint_total=len(views),
            checkpoints_valid=sum(1 for v in views if v.ok),
            checkpoints=list(reversed(views[-limit:])),
        )

    return api


async def _public_keys(ctx: ServiceContext) -> list[Ed25519PublicKey]:
    path = ctx.settings.audit_public_key
    if not await asyncio.to_thread(path.is_file):
        return []
    return [await asyncio.to_thread(load_public_key, path)]


def _why_not(keys: list[Ed25519PublicKey]) -> str:
    if not keys:
        return "kunci publik audit belum diatur pada layanan pelaporan"
    return "belum ada titik periksa yang ditandatangani dengan kunci audit"


def _verification(report: AuditReport | None, now: datetime) -> VerificationView | None:
    if report is None:
        return None
    walk = report.walk
    finding = report.findings[0] if report.findings else None
    return VerificationView(
        verified_at=now,
        from_position=walk.start.position,
        to_position=walk.last_position,
        checked=walk.checked,
        ok=report.ok,
        first_bad_position=report.first_bad_position,
        problem=finding.problem.value if finding else None,
        message=finding.message if finding else None,
    )


def _judged(result: CheckpointResult) -> CheckpointView:
    cp = result.checkpoint
    return CheckpointView(
        position=cp.position,
        head_hash=cp.head_hash,
        key_id=cp.key_id,
        signed_at=cp.signed_at,
        signature=result.signature,
        chain=result.chain.value,
        ok=result.ok,
    )


def _signed_only(located: Located, keys: dict[str, Ed25519PublicKey]) -> CheckpointView:
    cp = located.checkpoint
    signature = check_signature(cp, keys)
    return CheckpointView(
        position=cp.position,
        head_hash=cp.head_hash,
        key_id=cp.key_id,
        signed_at=cp.signed_at,
        signature=signature,
        chain=None,
        ok=signature in (SignatureStatus.VALID, SignatureStatus.NOT_CHECKED),
    )
