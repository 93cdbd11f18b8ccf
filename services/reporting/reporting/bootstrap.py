"""Reporting's composition root: its routes, its subscriptions and its two background tasks."""

from __future__ import annotations

import time

import asyncpg

from penghubung.db import connect
from penghubung.dbroles import service_role
from penghubung.periodic import Periodic
from penghubung.runtime.service import ServiceContext, ServiceParts
from reporting.adapters import (
    http,
    http_audit,
    http_chain,
    http_documents,
    http_survey,
    subscribers,
)
from reporting.app.as_of import ReadModels, RebuildLimit, Snapshots
from reporting.settings import ReportingSettings
from reporting.sla.adapters import http as http_sla
from reporting.sla.adapters import http_calendar_whatif
from reporting.sla.app.availability import AvailabilitySampler
from reporting.sla.app.calendar_whatif import CalendarWhatIf
from reporting.sla.app.handlers import Sla


def build(ctx: ServiceContext) -> ServiceParts:
    """The reporting service's parts."""
    settings = ReportingSettings.of(ctx.settings)
    snapshots = as_of_snapshots(ctx, settings)
    reads = ReadModels(pool=ctx.pool, clock=lambda: ctx.clock(), snapshots=snapshots)
    sla = Sla(
        store=ctx.store,
        clock=lambda: ctx.clock(),  # late-bound: a test may stop the context's clock
        new_id=lambda: ctx.new_id(),
        capacity=settings.sla_daily_capacity,
        percents=settings.sla_warning_percents,
        reads=reads,
    )
    tasks = background(ctx, sla, settings)
    return ServiceParts(
        title="Penghubung — reporting",
        description=(
            "Status dan linimasa setiap permohonan, laporan, nomor Berita Acara dan buku agenda"
            " (SOP langkah 6 dan 7); jam layanan (SLA) pada kalender kerja, kepatuhan bulanan"
            " dan ketersediaan layanan. Read model of every event, in global order."
        ),
        routers=[
            http.routes(ctx, reads),
            http_sla.routes(ctx, sla, settings, reads),
            http_audit.routes(reads),
            http_chain.routes(ctx),
            http_calendar_whatif.routes(CalendarWhatIf(sla)),
            http_documents.routes(ctx, sla, settings),
            http_survey.routes(ctx, reads),
        ],
        subscriptions=subscribers.subscriptions(ctx),
        on_start=[task.start for task in tasks],
        on_stop=[snapshots.close, *(task.stop for task in tasks)],
    )


def as_of_snapshots(ctx: ServiceContext, settings: ReportingSettings) -> Snapshots:
    """The copies of the projection as of past positions, each on a connection of its own that
    works as the service's database role."""
    role = service_role(ctx.name, settings.database_role)

    async def open_connection() -> asyncpg.Connection:
        return await connect(settings.database_url, role=role)

    return Snapshots(
        store=ctx.store,
        connect=open_connection,
        size=settings.as_of_cache_snapshots,
        max_events=settings.as_of_cache_events,
        max_bytes=settings.as_of_cache_bytes,
        snapshot_every=settings.as_of_snapshot_every,
        snapshots_kept=settings.as_of_snapshots_kept,
        limit=RebuildLimit(
            rebuilds=settings.as_of_rebuilds_per_person,
            window=settings.as_of_rebuild_window_seconds,
            clock=time.monotonic,
        ),
    )


def background(ctx: ServiceContext, sla: Sla, settings: ReportingSettings) -> list[Periodic]:
    """The warning task and the availability sampler, as the settings ask."""
    tasks = []
    if settings.sla_warnings_enabled:
        tasks.append(
            Periodic(
                "sla-warnings", sla.raise_warnings, interval=settings.sla_warning_interval_seconds
            )
        )
    if settings.service_urls:
        sampler = AvailabilitySampler(
            pool=ctx.pool,
            clock=lambda: ctx.clock(),
            urls=settings.service_urls,
            interval_seconds=settings.availability_interval_seconds,
            timeout_seconds=settings.availability_timeout_seconds,
        )
        tasks.append(
            Periodic(
                "availability", sampler.sample, interval=settings.availability_interval_seconds
            )
        )
    return tasks
