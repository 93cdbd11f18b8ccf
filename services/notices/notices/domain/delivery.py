"""How and when a notice goes out: its channels, its id, its first chance, its retries.

Pure: the calendar, the clock and the configured channels are passed in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from notices.domain.model import Notice, Person, Preferences
from penghubung.events.notices import NoticeChannel
from penghubung.workcal import WorkingCalendar

_NAMESPACE = uuid.UUID("6f0c1d4e-4b7a-4e55-9a43-70656e676875")
"""Fixed namespace of the notices' ids: the same fact, person and channel give the same id."""


@dataclass(frozen=True)
class Route:
    """One channel and the address a notice goes to on it."""

    channel: NoticeChannel
    address: str


@dataclass(frozen=True)
class Configured:
    """Which outside channels this installation has; without them notices go to the mailbox."""

    email: bool
    whatsapp: bool


def routes(person: Person, preferences: Preferences, configured: Configured) -> list[Route]:
    """The channels a person is told on: as chosen, where configured and reachable.

    When nothing chosen can carry the notice (no SMTP, no gateway, no address), it goes to the
    person's mailbox, which the portal shows: a notice is never dropped for want of a channel.
    """
    found: list[Route] = []
    if preferences.email and configured.email and person.email:
        found.append(Route(NoticeChannel.EMAIL, person.email))
    if preferences.whatsapp and configured.whatsapp and person.mobile:
        found.append(Route(NoticeChannel.WHATSAPP, person.mobile))
    return found or [Route(NoticeChannel.MAILBOX, person.nip)]


def notice_id(source: str, notice: Notice, channel: NoticeChannel) -> uuid.UUID:
    """The id of one notice on one channel, fixed by its source (an event id, a digest day)."""
    return uuid.uuid5(_NAMESPACE, f"{source}/{notice.kind}/{notice.recipient.nip}/{channel}")


def first_chance(raised_at: datetime, calendar: WorkingCalendar) -> datetime:
    """When a notice may first go out: at once in service hours, else at the next opening."""
    return calendar.next_opening(raised_at)


def retry_after(attempts: int, *, base_seconds: float, cap_seconds: float) -> timedelta:
    """The wait before the next attempt: doubling from `base_seconds`, at most `cap_seconds`."""
    return timedelta(seconds=min(cap_seconds, base_seconds * 2 ** max(0, attempts - 1)))


def is_stale(raised_at: datetime, now: datetime, *, max_age: timedelta) -> bool:
    """A fact too old to tell anyone about (a new consumer reading the bus from its start)."""
    return now - raised_at > max_age


def previous_working_day(day: date, calendar: WorkingCalendar) -> date:
    """The working day before `day` (the "yesterday" of a Monday digest is the Friday)."""
    candidate = day - timedelta(days=1)
    while not calendar.is_working_day(candidate):
        candidate -= timedelta(days=1)
    return candidate
