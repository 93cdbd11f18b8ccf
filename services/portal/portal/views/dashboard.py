"""Dashboards: SLA compliance by step, agency and officer, breaches, availability — as
server-drawn SVG bars with the numbers beside them, and a CSV of each."""

from __future__ import annotations

import asyncio
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from portal import web
from portal.charts import bars
from portal.views.survey import ikm_panel

router = APIRouter()
READERS = ("kadis", "kabid", "admin", "auditor", "prakom")
GROUPS = {"step": "langkah", "agency": "OPD", "officer": "petugas"}
VIEWS = {
    "compliance": "/sla/compliance",
    "breaches": "/sla/breaches",
    "availability": "/sla/availability",
    "ikm": "/sla/ikm",
}


@router.get("/dasbor")
async def dashboard(request: Request, bulan: str | None = None, per: str = "step") -> Response:
    """One month's SLA figures."""
    api = await web.services_for(request, *READERS)
    month = bulan or date.today().strftime("%Y-%m")
    by = per if per in ("step", "agency", "officer") else "step"
    compliance, breaches, availability, ikm = await asyncio.gather(
        api.get("reporting", "/sla/compliance", month=month, by=by),
        api.get("reporting", "/sla/breaches", month=month),
        api.get("reporting", "/sla/availability", month=month),
        ikm_panel(api, web.session_of(request).role, month),
    )
    chart = bars(
        [(line["label"], line["compliance_percent"]) for line in compliance["lines"]],
        title=f"Kepatuhan SLA per {GROUPS[by]}",
    )
    context = {
        "month": month,
        "by": by,
        "compliance": compliance,
        "breaches": breaches,
        "availability": availability,
        "chart": chart,
        "ikm": ikm,
    }
    return web.render(request, "dashboard/sla.html", context)


@router.get("/dasbor/{view}.csv")
async def csv(request: Request, view: str, bulan: str, per: str = "step") -> Response:
    """The view as CSV, as reporting writes it."""
    api = await web.services_for(request, *READERS)
    if view not in VIEWS:
        return web.render(request, "errors/not_found.html", status=404)
    params = {"month": bulan, "format": "csv"}
    if view == "compliance":
        params["by"] = per
    got = await api.call("reporting", "GET", VIEWS[view], params=params)
    filename = f"{view}-{bulan}.csv"
    return Response(
        got.content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
