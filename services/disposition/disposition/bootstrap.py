"""The composition root: disposition's handlers, routes and intake subscription."""

from __future__ import annotations

from disposition.adapters import http, subscribers
from disposition.app.handlers import Handlers
from disposition.settings import DispositionSettings
from penghubung.runtime.service import ServiceContext, ServiceParts

DESCRIPTION = """\
The request's way down the hierarchy (SOP steps 2–4): a submitted request waits in the kadis
inbox; kadis disposes to kabid, kabid to prakom, prakom orders a petugas — each with the
papers the step needs. A holder (or their Plt/Plh) may return it to the applicant instead;
the resubmission starts again at kadis.
"""


def build(ctx: ServiceContext) -> ServiceParts:
    """Disposition's parts, bound to the context's event log, clock and ids."""
    settings = DispositionSettings.of(ctx.settings)
    handlers = Handlers(
        store=ctx.store,
        clock=ctx.clock,
        new_id=ctx.new_id,
        officers_from_directory=settings.officers_from_directory,
    )
    return ServiceParts(
        title="Penghubung — disposisi",
        description=DESCRIPTION,
        routers=[http.router(handlers)],
        subscriptions=subscribers.subscriptions(handlers),
    )
