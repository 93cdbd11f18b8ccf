"""Intake's composition root: settings, handlers, routes and subscriptions, built at start-up."""

from __future__ import annotations

from intake.adapters import http, subscribers
from intake.app.handlers import Intake
from intake.settings import IntakeSettings
from penghubung.runtime.service import ServiceContext, ServiceParts

DESCRIPTION = """\
SOP step 1 of SC-05/EGOTIK/2023: a regional agency's service request is registered under a
gap-free ticket `SC05-YYYY-NNNNN` — by the applicant through the portal, or by the service desk
for a request that came by e-mail, letter, phone, chat or in person. A returned request is
resubmitted under the same ticket. Events: `RequestSubmitted`, `RequestResubmitted`.
"""


def build(ctx: ServiceContext) -> ServiceParts:
    """Intake's routes and subscriptions over the process's pool, log and clock."""
    settings = IntakeSettings.of(ctx.settings)
    intake = Intake(
        pool=ctx.pool,
        store=ctx.store,
        clock=ctx.clock,
        new_id=ctx.new_id,
        attachment_max_bytes=settings.attachment_max_bytes,
    )
    return ServiceParts(
        title="Penghubung — intake",
        description=DESCRIPTION,
        routers=[http.router(intake)],
        subscriptions=subscribers.subscriptions(intake),
        body_limits={"/attachments": http.upload_limit(settings.attachment_max_bytes)},
    )
