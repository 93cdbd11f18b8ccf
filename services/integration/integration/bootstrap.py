"""The composition root: the integration service's handlers, routes and subscriptions."""

from __future__ import annotations

from integration.adapters import http, http_clock
from integration.adapters.subscribers import subscriptions
from integration.app.clock import ClockHandlers
from integration.app.handlers import Handlers
from penghubung.runtime.service import ServiceContext, ServiceParts

DESCRIPTION = """\
SOP step 5 of SC-05/EGOTIK/2023. A prakom's disposition to a petugas opens the officer's work
item; the petugas records the feasibility analysis (`FeasibilityDone`, and `RequestClosed` when
not feasible) and then the implemented integration (`Integrated`). While waiting for someone
else, the petugas pauses the clock of the step with a typed reason (`ClockPaused`,
`ClockResumed`).
"""


def build(ctx: ServiceContext) -> ServiceParts:
    """The integration service's parts, wired to the context's log, clock and ids."""
    handlers = Handlers(store=ctx.store, clock=ctx.clock, new_id=ctx.new_id)
    clock = ClockHandlers(store=ctx.store, clock=lambda: ctx.clock(), new_id=lambda: ctx.new_id())
    return ServiceParts(
        title="Penghubung — integrasi",
        description=DESCRIPTION,
        routers=[http.router(handlers, ctx.pool), http_clock.router(clock, ctx.pool)],
        subscriptions=subscriptions(),
    )
