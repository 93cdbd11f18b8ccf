"""What the audit tools raise: a usage mistake (exit 2) versus a broken chain (exit 1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from penghubung.audit.chain import WalkResult


class AuditUsageError(Exception):
    """The caller asked for something that cannot be done: a missing file, a bad key, no scope."""


class ChainBroken(Exception):
    """The chain does not verify, so it is not signed (the report says where and why)."""

    def __init__(self, report: WalkResult, message: str) -> None:
        super().__init__(message)
        self.report = report
