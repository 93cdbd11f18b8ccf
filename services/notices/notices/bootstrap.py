"""The notices service's composition root: channels, templates, calendar, tasks, routes."""

from __future__ import annotations

from datetime import timedelta

import httpx

from notices.adapters import http, subscribers
from notices.adapters.channels import Mailbox, Smtp, WhatsAppGateway
from notices.adapters.templates import Templates
from notices.app.handlers import Notices, Timing
from notices.app.ports import Channel
from notices.settings import NoticesSettings
from penghubung.events.notices import NoticeChannel
from penghubung.periodic import Periodic
from penghubung.runtime.service import ServiceContext, ServiceParts
from penghubung.workcal import CalendarSpec, WorkingCalendar

DESCRIPTION = """\
Telling people: the notices raised by the SOP's events — a new item in a Kadis's, Kabid's,
Prakom's or petugas's inbox (or their Plt/Plh's), a request returned to its applicant, the
feasibility outcome, the Berita Acara ready to sign and not returned, SLA warnings at 75 % and
breaches at 100 % — and the Kadis's daily digest. Delivered by e-mail (SMTP) or WhatsApp (an
HTTP gateway) as each person chose, only in service hours; with neither configured, to a local
mailbox shown at `/notifications`. Events: `NotificationSent`, `NotificationFailed`.
"""


def channels(settings: NoticesSettings, client: httpx.AsyncClient) -> dict[NoticeChannel, Channel]:
    """The configured channels; the mailbox is always there."""
    found: dict[NoticeChannel, Channel] = {
        NoticeChannel.MAILBOX: Mailbox(settings.mailbox_path, sender=settings.smtp_sender)
    }
    if settings.smtp_host:
        found[NoticeChannel.EMAIL] = Smtp(settings, idle_seconds=settings.smtp_idle_seconds)
    if settings.whatsapp_webhook_url:
        found[NoticeChannel.WHATSAPP] = WhatsAppGateway(settings, client)
    return found


def build(ctx: ServiceContext) -> ServiceParts:
    """The notices' routes, subscription, sender and periodic task over the process's pool."""
    return assemble(ctx)[1]


def assemble(ctx: ServiceContext) -> tuple[Notices, ServiceParts]:
    """The use cases and the parts made of them (tests drive the sender with their own clock)."""
    settings = NoticesSettings.of(ctx.settings)
    client = httpx.AsyncClient(follow_redirects=False)
    notices = Notices(
        pool=ctx.pool,
        store=ctx.store,
        clock=lambda: ctx.clock(),
        new_id=ctx.new_id,
        calendar=WorkingCalendar(CalendarSpec(version=1)),
        templates=Templates(override=settings.notices_template_dir, portal_url=settings.portal_url),
        channels=channels(settings, client),
        timing=Timing(
            max_attempts=settings.notices_max_attempts,
            retry_seconds=settings.notices_retry_seconds,
            retry_cap_seconds=settings.notices_retry_cap_seconds,
            berita_acara_days=settings.notices_berita_acara_days,
            max_age=timedelta(days=settings.notices_max_age_days),
        ),
    )
    closers = [channel.close for channel in notices.channels.values() if isinstance(channel, Smtp)]
    tasks = []
    if settings.notices_sender_enabled:
        tasks = [
            Periodic(
                "notices-sender", notices.send_due, interval=settings.notices_send_interval_seconds
            ),
            Periodic(
                "notices-periodic",
                notices.raise_periodic,
                interval=settings.notices_periodic_interval_seconds,
            ),
        ]
    return notices, ServiceParts(
        title="Penghubung — notices",
        description=DESCRIPTION,
        routers=[http.router(notices)],
        subscriptions=subscribers.subscriptions(notices),
        on_start=[task.start for task in tasks],
        on_stop=[client.aclose, *closers, *(task.stop for task in tasks)],
    )
