"""Who was told what shows on the request's timeline; a digest, about no one request, does not."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from penghubung.events.notices import (
    NoticeChannel,
    NoticeKind,
    NotificationFailed,
    NotificationSent,
)
from reporting.projections.apply import APPLIERS
from reporting.projections.summaries import summarize

FIELDS = {
    "notice_id": uuid.uuid4(),
    "kind": NoticeKind.RETURNED,
    "ticket_id": "SC05-2026-00042",
    "recipient_nip": "197001012000032001",
    "recipient_name": "Dr. Siti Aminah",
    "channel": NoticeChannel.EMAIL,
    "address": "siti@dinkes.babelprov.go.id",
    "subject": "[SC05-2026-00042] Permohonan dikembalikan untuk dilengkapi",
    "raised_at": datetime(2026, 12, 7, 2, tzinfo=UTC),
    "attempts": 1,
}


def test_notices_are_on_the_timeline() -> None:
    assert {"NotificationSent", "NotificationFailed"} <= APPLIERS.handled


def test_a_notice_reads_as_who_was_told_what_and_how() -> None:
    assert summarize(NotificationSent(**FIELDS)) == (
        "Pemberitahuan dikirim kepada Dr. Siti Aminah melalui surel"
        " (siti@dinkes.babelprov.go.id): [SC05-2026-00042] Permohonan dikembalikan untuk dilengkapi"
    )
    failed = NotificationFailed(
        **{**FIELDS, "channel": NoticeChannel.WHATSAPP, "address": "0821"}, reason="503"
    )
    assert summarize(failed) == (
        "Pemberitahuan gagal dikirim kepada Dr. Siti Aminah melalui WhatsApp (0821): 503"
    )
