"""Reporting's SLA API: the working calendar (administered), each request's clocks, monthly figures.

One module per view, each with its routes and its response models: `http_calendar`,
`http_clocks`, `http_monthly`, `http_availability`; what they share is in `answers`. A new
SLA view gets a module of its own and one line below.
"""

from __future__ import annotations

from fastapi import APIRouter

from penghubung.runtime.service import ServiceContext
from penghubung.web.errors import ERROR_RESPONSES
from reporting.app.as_of import ReadModels
from reporting.settings import ReportingSettings
from reporting.sla.adapters import http_availability, http_calendar, http_clocks, http_monthly
from reporting.sla.app.handlers import Sla


def routes(
    ctx: ServiceContext, sla: Sla, settings: ReportingSettings, reads: ReadModels
) -> APIRouter:
    """The SLA and calendar API."""
    api = APIRouter(responses=ERROR_RESPONSES)
    http_calendar.reads(api, sla, reads)
    http_calendar.changes(api, sla)
    http_clocks.routes(api, sla, reads)
    http_monthly.routes(api, ctx, sla, reads)
    http_availability.routes(api, ctx, sla, settings)
    return api
