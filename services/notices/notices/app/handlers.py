"""The use cases: learn from an event and queue its notices; raise the periodic ones; send.

- `learn` runs in the consumer's transaction, beside the event's inbox row: the directory's
  facts, the request's facts and the outbox rows of the notices it raises commit together, so a
  notice is queued once for each event, whatever is redelivered.
- `raise_periodic` queues the Kadis's digest (once a day, at the first round in service hours)
  and the reminders of Berita Acara not returned after N working days.
- `send_due` delivers due notices in service hours, one per transaction: the row is locked, sent,
  and marked with its event (NotificationSent / NotificationFailed) in that same transaction. A
  crash after the channel took a notice and before the commit leaves the row pending: it is sent
  once more at the next round (at least once; at most one extra copy per crash), never lost.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from notices.adapters import db
from notices.app.ports import Channel, DeliveryFailed, Renderer
from notices.domain import rules
from notices.domain.delivery import (
    Configured,
    first_chance,
    is_stale,
    notice_id,
    previous_working_day,
    retry_after,
    routes,
)
from notices.domain.model import Breach, Notice, Preferences, RequestFacts
from penghubung.clock import Clock, IdFactory
from penghubung.events.base import Actor, Envelope, Event, Metadata, NewEvent
from penghubung.events.directory import (
    DelegationEnded,
    DelegationGranted,
    PersonRegistered,
    RoleGranted,
    RoleRevoked,
)
from penghubung.events.notices import (
    NoticeChannel,
    NotificationFailed,
    NotificationSent,
    notice_stream,
)
from penghubung.events.sla import SlaWarningRaised
from penghubung.eventstore import EventStore
from penghubung.workcal import WorkingCalendar
from penghubung.workcal_changes import CALENDAR_CHANGES, evolve

log = logging.getLogger(__name__)

SENDS_PER_ROUND = 200
"""Notices one round of the sender delivers at most (the next round goes on)."""

_ERROR_LIMIT = 4000


@dataclass(frozen=True)
class Timing:
    """The sender's and the periodic task's numbers, from the settings."""

    max_attempts: int
    retry_seconds: float
    retry_cap_seconds: float
    berita_acara_days: int
    max_age: timedelta


@dataclass
class Notices:
    """The notices service's use cases over its pool, log, clock, calendar, words and channels."""

    pool: asyncpg.Pool
    store: EventStore
    clock: Clock
    new_id: IdFactory
    calendar: WorkingCalendar
    templates: Renderer
    channels: Mapping[NoticeChannel, Channel]
    timing: Timing

    @property
    def configured(self) -> Configured:
        """Which outside channels are configured (else the mailbox carries everything)."""
        return Configured(
            email=NoticeChannel.EMAIL in self.channels,
            whatsapp=NoticeChannel.WHATSAPP in self.channels,
        )

    # --- from the bus ---------------------------------------------------------------------

    async def learn(self, conn: asyncpg.Connection, envelope: Envelope) -> None:
        """Take in one event: the directory's, the calendar's, or a request's and its notices."""
        event = envelope.event
        if envelope.category == "directory":
            await _learn_directory(conn, event)
            return
        if isinstance(event, CALENDAR_CHANGES):
            await _learn_calendar(conn, event)
            return
        self.calendar = await self._calendar(conn)
        ticket_id = _ticket_of(event)
        before = await db.request(conn, ticket_id)
        after = rules.evolve(before, event, at=envelope.occurred_at)
        if after is None:
            return  # a request submitted before this service knew of it: nothing to say
        if isinstance(event, SlaWarningRaised) and event.threshold_percent >= rules.BREACH_PERCENT:
            await db.save_breach(
                conn, Breach(ticket_id, event.step, event.reached_at, event.due_at)
            )
        # A letter received last week and registered today is news today: the later of the two.
        known = max(envelope.occurred_at, envelope.recorded_at)
        if not is_stale(known, self.clock(), max_age=self.timing.max_age):
            day = envelope.occurred_at.astimezone(self.calendar.zone).date()
            found = rules.notices_for(
                event, before=before, after=after, directory=await db.directory(conn), day=day
            )
            await self._queue(conn, found, facts=after, envelope=envelope)
        if after != before:
            await db.save_request(conn, after)

    async def _queue(
        self,
        conn: asyncpg.Connection,
        found: Sequence[Notice],
        *,
        facts: RequestFacts | None,
        envelope: Envelope | None = None,
        source: str | None = None,
        raised_at: datetime | None = None,
    ) -> int:
        """Render each notice and write one outbox row per person and channel."""
        if not found:
            return 0
        raised = raised_at or (envelope.occurred_at if envelope else self.clock())
        key = source or str(envelope.event_id if envelope else "")
        correlation = envelope.correlation_id if envelope else key
        chosen = await db.preferences(conn, [n.recipient.nip for n in found])
        rows: list[db.OutboxRow] = []
        for notice in found:
            text = self.templates.render(notice, facts=facts, raised_at=raised)
            prefs = chosen.get(notice.recipient.nip, Preferences())
            for route in routes(notice.recipient, prefs, self.configured):
                rows.append(
                    db.OutboxRow(
                        notice_id=notice_id(key, notice, route.channel),
                        kind=notice.kind,
                        ticket_id=notice.ticket_id,
                        correlation_id=correlation,
                        causation_id=str(envelope.event_id) if envelope else None,
                        recipient_nip=notice.recipient.nip,
                        recipient_name=notice.recipient.name,
                        channel=route.channel,
                        address=route.address,
                        subject=text.subject,
                        body=text.body,
                        raised_at=raised,
                        due_at=first_chance(raised, self.calendar),
                    )
                )
        return await db.add_to_outbox(conn, rows)

    # --- the periodic notices -------------------------------------------------------------

    async def _calendar(self, conn: asyncpg.Connection) -> WorkingCalendar:
        """The calendar in force: the one at hand unless an administrator changed it since."""
        if await db.calendar_version(conn) != self.calendar.version:
            return WorkingCalendar(await db.calendar_spec(conn))
        return self.calendar

    async def refresh_calendar(self) -> WorkingCalendar:
        """Take up the administrators' latest calendar change, if any."""
        async with self.pool.acquire() as conn:
            self.calendar = await self._calendar(conn)
        return self.calendar

    async def raise_periodic(self, now: datetime | None = None) -> int:
        """In service hours: the day's digest (once) and the overdue BA reminders."""
        now = now or self.clock()
        await self.refresh_calendar()
        if not self.calendar.is_open(now):
            return 0
        return await self._raise_digest(now) + await self._raise_berita_acara_reminders(now)

    async def _raise_digest(self, now: datetime) -> int:
        day = now.astimezone(self.calendar.zone).date()
        async with self.pool.acquire() as conn, conn.transaction():
            if not await db.claim_digest(conn, day, at=now):
                return 0
            yesterday = previous_working_day(day, self.calendar)
            start = datetime.combine(yesterday, datetime.min.time(), tzinfo=self.calendar.zone)
            end = start + timedelta(days=1)
            directory = await db.directory(conn)
            found = rules.digest(
                directory,
                day=day,
                waiting=await db.open_requests(conn),
                breaches=await db.breaches_between(conn, start, end),
                preferences=await db.preferences(conn, list(directory.people)),
            )
            return await self._queue(conn, found, facts=None, source=f"digest-{day}", raised_at=now)

    async def _raise_berita_acara_reminders(self, now: datetime) -> int:
        days = self.timing.berita_acara_days
        queued = 0
        async with self.pool.acquire() as conn, conn.transaction():
            directory = None
            for facts in await db.unreturned_berita_acara(conn):
                if not rules.berita_acara_overdue(
                    facts, now=now, calendar=self.calendar, days=days
                ):
                    continue
                directory = directory or await db.directory(conn)
                found = rules.berita_acara_reminders(facts, directory, days=days)
                queued += await self._queue(
                    conn,
                    found,
                    facts=facts,
                    source=f"berita-acara-overdue-{facts.ticket_id}",
                    raised_at=now,
                )
                await db.save_request(conn, dataclasses.replace(facts, reminded_at=now))
        return queued

    # --- delivery ---------------------------------------------------------------------------

    async def send_due(self, now: datetime | None = None) -> int:
        """Deliver the due notices, in service hours only; returns the attempts made."""
        await self.refresh_calendar()
        attempts = 0
        while attempts < SENDS_PER_ROUND:
            at = now or self.clock()
            if not self.calendar.is_open(at):
                break
            async with self.pool.acquire() as conn, conn.transaction():
                claimed = await db.claim_due(conn, now=at)
                if claimed is None:
                    break
                await self._deliver(conn, claimed, at=at)
            attempts += 1
        return attempts

    async def _deliver(
        self, conn: asyncpg.Connection, claimed: db.Claimed, *, at: datetime
    ) -> None:
        row, attempts = claimed.row, claimed.attempts + 1
        try:
            channel = self.channels.get(row.channel)
            if channel is None:
                raise DeliveryFailed(f"saluran {row.channel} tidak dikonfigurasi")
            await channel.send(db.outgoing(row, at=at))
        except DeliveryFailed as error:
            reason = str(error)[:_ERROR_LIMIT]
            if attempts < self.timing.max_attempts:
                wait = retry_after(
                    attempts,
                    base_seconds=self.timing.retry_seconds,
                    cap_seconds=self.timing.retry_cap_seconds,
                )
                await db.retry_later(
                    conn, row.notice_id, attempts=attempts, at=at + wait, error=reason
                )
                log.warning("notice %s: attempt %d failed: %s", row.notice_id, attempts, reason)
                return
            await db.finish(
                conn, row.notice_id, status="failed", attempts=attempts, at=at, error=reason
            )
            await self._record(
                conn, row, NotificationFailed, attempts=attempts, at=at, reason=reason
            )
            log.error("notice %s failed for good after %d attempts", row.notice_id, attempts)
            return
        await db.finish(conn, row.notice_id, status="sent", attempts=attempts, at=at)
        await self._record(conn, row, NotificationSent, attempts=attempts, at=at)

    async def _record(
        self,
        conn: asyncpg.Connection,
        row: db.OutboxRow,
        cls: type[NotificationSent] | type[NotificationFailed],
        *,
        attempts: int,
        at: datetime,
        reason: str | None = None,
    ) -> None:
        """The delivery's fact, in the transaction that holds the outbox row."""
        fields = {
            "notice_id": row.notice_id,
            "kind": row.kind,
            "ticket_id": row.ticket_id,
            "recipient_nip": row.recipient_nip,
            "recipient_name": row.recipient_name,
            "channel": row.channel,
            "address": row.address,
            "subject": row.subject,
            "raised_at": row.raised_at,
            "attempts": attempts,
        }
        event: Event = cls(**fields, **({"reason": reason} if reason else {}))
        meta = Metadata(
            event_id=self.new_id(),
            occurred_at=at,
            actor=Actor.system("notices"),
            correlation_id=row.correlation_id,
            causation_id=row.causation_id,
        )
        await self.store.append(
            notice_stream(row.notice_id),
            expected_version=0,
            events=[NewEvent(event=event, meta=meta)],
            conn=conn,
        )

    # --- the person's own -----------------------------------------------------------------

    async def preferences_of(self, nip: str) -> Preferences:
        """A person's choices (the defaults until they chose)."""
        async with self.pool.acquire() as conn:
            found = await db.preferences(conn, [nip])
        return found.get(nip, Preferences())

    async def choose(self, nip: str, chosen: Preferences) -> Preferences:
        """Keep a person's choices."""
        async with self.pool.acquire() as conn:
            await db.save_preferences(conn, nip, chosen, at=self.clock())
        return chosen


async def _learn_calendar(conn: asyncpg.Connection, event: Event) -> None:
    """Fold an administrator's calendar change into the calendar in force (once per version)."""
    spec = await db.calendar_spec(conn)
    if getattr(event, "version", 0) <= spec.version:
        return  # already folded (the inbox says so too; a replayed log must not refold)
    await db.save_calendar(conn, evolve(spec, event))


def _ticket_of(event: Event) -> str:
    """The ticket an SOP event is about (every one the subscription takes names it)."""
    ticket: str = getattr(event, "ticket_id")  # noqa: B009 (Event itself has no ticket)
    return ticket


async def _learn_directory(conn: asyncpg.Connection, event: Event) -> None:
    """Keep who is who: people and contacts, roles, Plt/Plh delegations."""
    if isinstance(event, PersonRegistered):
        await db.save_person(conn, event)
    elif isinstance(event, RoleGranted):
        await db.grant_role(conn, event.nip, event.role)
    elif isinstance(event, RoleRevoked):
        await db.revoke_role(conn, event.nip, event.role)
    elif isinstance(event, DelegationGranted):
        await db.save_delegation(conn, event)
    elif isinstance(event, DelegationEnded):
        await db.end_delegation(conn, event.delegation_id, event.ended_on)
