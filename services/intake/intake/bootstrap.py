"""Intake's composition root: settings, handlers, routes and subscriptions, built at start-up."""

from __future__ import annotations

from datetime import timedelta

from intake.adapters import http, subscribers
from intake.app.handlers import Intake, sweep_unattached
from intake.domain.limits import UploadQuota, UploadQuotas
from intake.settings import IntakeSettings
from penghubung.periodic import Periodic
from penghubung.runtime.service import ServiceContext, ServiceParts

DESCRIPTION = """\
SOP step 1 of SC-05/EGOTIK/2023: a regional agency's service request is registered under a
gap-free ticket `SC05-YYYY-NNNNN` — by the applicant through the portal, or by the service desk
for a request that came by e-mail, letter, phone, chat or in person. A returned request is
resubmitted under the same ticket. Uploads count against a daily quota per agency; those no
request took in time are removed. Events: `RequestSubmitted`, `RequestResubmitted`,
`AttachmentDiscarded`.
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
        quotas=UploadQuotas(
            agency=UploadQuota(
                bytes=settings.intake_upload_quota_bytes_per_day,
                files=settings.intake_upload_quota_files_per_day,
            ),
            desk=UploadQuota(
                bytes=settings.intake_desk_upload_quota_bytes_per_day,
                files=settings.intake_desk_upload_quota_files_per_day,
            ),
        ),
        unattached_kept=timedelta(hours=settings.intake_unattached_upload_hours),
        backdate_max_days=settings.intake_backdate_max_days,
    )
    tasks = []
    if settings.intake_sweeper_enabled:
        tasks.append(
            Periodic(
                "intake-sweeper",
                lambda: sweep_unattached(intake),
                interval=settings.intake_sweep_interval_seconds,
            )
        )
    return ServiceParts(
        title="Penghubung — intake",
        description=DESCRIPTION,
        routers=[http.router(intake)],
        subscriptions=subscribers.subscriptions(intake),
        body_limits={"/attachments": http.upload_limit(settings.attachment_max_bytes)},
        on_start=[task.start for task in tasks],
        on_stop=[task.stop for task in tasks],
    )
