"""The notices durable takes every change of the calendar and the signed BA coming back."""

from __future__ import annotations

from notices.adapters import subscribers
from penghubung.events import sla
from penghubung.events.registry import event_type_name


def test_every_calendar_change_reaches_the_notices_calendar() -> None:
    # A change left out would leave the notices' calendar a version behind, and the next one
    # would be refused as out of sequence.
    assert {event_type_name(c) for c in sla.CALENDAR_CHANGES} == subscribers.CALENDAR_TYPES
    assert "CalendarWorkingDayDecreed" in subscribers.CALENDAR_TYPES


def test_the_signed_berita_acara_is_learned() -> None:
    assert "BeritaAcaraSigned" in subscribers.SOP_TYPES
