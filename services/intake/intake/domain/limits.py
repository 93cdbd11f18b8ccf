"""The limits on what intake takes: uploads per uploader and WIB day, and how far back the desk
may date a receipt without an administrator's confirmation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID

from intake.domain.errors import (
    BackdateConfirmationMismatch,
    BackdateConfirmationNotFound,
    BackdateConfirmationUsed,
    ReceiptTimeTooOld,
    UploadQuotaExceeded,
)
from intake.domain.state import DESK
from penghubung.events.catalog import BackdateConfirmation
from penghubung.instants import WIB, day_words

MIB = 1024 * 1024
DEFAULT_BACKDATE_DAYS = 30


@dataclass(frozen=True)
class UploadQuota:
    """What one uploader may upload in one WIB calendar day."""

    bytes: int
    files: int


@dataclass(frozen=True)
class UploadQuotas:
    """The quota of each agency, and the service desk's (every petugas together)."""

    agency: UploadQuota
    desk: UploadQuota

    def of(self, owner: str) -> UploadQuota:
        """The quota an upload's owner (`agency:<key>` or `desk`) counts against."""
        return self.desk if owner == DESK else self.agency


def upload_day(now: datetime) -> date:
    """The WIB calendar day an upload counts in."""
    return now.astimezone(WIB).date()


def quota_refusal(quota: UploadQuota, *, owner: str, now: datetime) -> UploadQuotaExceeded:
    """The refusal of an upload over the quota: what the quota is, and when it is whole again
    (the next WIB midnight, also as `Retry-After`)."""
    reset = datetime.combine(upload_day(now) + timedelta(days=1), time(0), tzinfo=WIB)
    whose = "layanan meja (seluruh petugas)" if owner == DESK else "setiap perangkat daerah"
    return UploadQuotaExceeded(
        message=f"kuota unggahan hari ini telah habis: {size_words(quota.bytes)} atau"
        f" {quota.files} berkas per hari untuk {whose}; kuota dipulihkan pukul 00.00 WIB,"
        f" {day_words(reset.date())}",
        retry_after=max(1, math.ceil((reset - now).total_seconds())),
    )


def size_words(size: int) -> str:
    """A size as people read it: `200 MiB`, or `1.500 bita`."""
    if size % MIB == 0:
        return f"{size // MIB} MiB"
    return f"{size:,} bita".replace(",", ".")


@dataclass(frozen=True)
class Confirmation:
    """An administrator's confirmation of an old receipt time, as intake keeps it."""

    confirmation_id: UUID
    received_at: datetime
    confirmation: BackdateConfirmation
    ticket_id: str | None = None


@dataclass(frozen=True)
class Backdating:
    """How far back the desk may date a registration alone, and the confirmation it names."""

    max_days: int = DEFAULT_BACKDATE_DAYS
    found: Confirmation | None = None
    """The confirmation the registration names, when it exists."""


def check_backdating(
    received_at: datetime, requested: UUID | None, backdating: Backdating, *, now: datetime
) -> BackdateConfirmation | None:
    """The administrator's confirmation a registration carries (`requested`: its id); refused
    when it is needed and missing, or named and not good for this receipt time."""
    if requested is not None:
        return _confirmation_for(received_at, backdating.found)
    earliest = upload_day(now) - timedelta(days=backdating.max_days)
    if received_at.astimezone(WIB).date() < earliest:
        raise ReceiptTimeTooOld(
            message=f"waktu diterima paling lama {backdating.max_days} hari kalender sebelum hari"
            f" ini (tidak sebelum {day_words(earliest)}); waktu yang lebih lama memerlukan"
            " konfirmasi administrator (backdate_confirmation_id)"
        )
    return None


def _confirmation_for(received_at: datetime, found: Confirmation | None) -> BackdateConfirmation:
    if found is None:
        raise BackdateConfirmationNotFound()
    if found.ticket_id is not None:
        raise BackdateConfirmationUsed()
    if found.received_at != received_at:
        raise BackdateConfirmationMismatch()
    return found.confirmation
