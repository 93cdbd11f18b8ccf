"""Reporting's composition root: its routes and its two subscriptions, bound to the context."""

from __future__ import annotations

from penghubung.runtime.service import ServiceContext, ServiceParts
from reporting.adapters import http, subscribers


def build(ctx: ServiceContext) -> ServiceParts:
    """The reporting service's parts."""
    return ServiceParts(
        title="Penghubung — reporting",
        description=(
            "Status dan linimasa setiap permohonan, laporan, nomor Berita Acara dan buku agenda"
            " (SOP langkah 6 dan 7). Read model of every event, in global order."
        ),
        routers=[http.routes(ctx)],
        subscriptions=subscribers.subscriptions(ctx),
    )
