"""Petugas: the work list, the feasibility analysis with its two test forms, pausing and
resuming the clock, the implementation record, and archiving the report."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from portal import formdata, web
from portal.clients.services import ApiRefusal
from portal.views.inbox import with_clocks
from portal.views.models import clocks_of

router = APIRouter()
Form = Annotated[FormData, Depends(web.checked_form)]

CONTACT = [
    "name",
    "nip",
    "position",
    "work_unit",
    "office_address",
    "mobile_phone",
    "internal_phone",
    "email",
]
FEASIBILITY_TEXT = [
    "notes",
    "vulnerability.application_name",
    "vulnerability.application_ip",
    "vulnerability.database_ip",
    "vulnerability.network_ip",
    "vulnerability.description",
    *(f"vulnerability.structural_contact.{f}" for f in CONTACT),
    *(f"vulnerability.technical_contact.{f}" for f in CONTACT),
    "stress_test.max_users_per_day",
    "stress_test.effective_hours_per_day",
    "stress_test.transaction_seconds",
]
FEASIBILITY_LISTS = ["languages", "programs", "dbms", "engines", "applications"]
FEASIBILITY_FLAGS = [
    "vulnerability.has_source_code_or_database",
    "vulnerability.has_installation_manual",
    "vulnerability.has_user_manual",
    "vulnerability.has_uat_document",
    "stress_test.has_test_scenario_document",
]


def feasibility_body(form: FormData) -> dict[str, Any]:
    """The feasibility analysis as the integration API takes it."""
    values: dict[str, Any] = formdata.text_fields(form, FEASIBILITY_TEXT)
    values["difficulty"] = str(form.get("difficulty") or "")
    values["feasible"] = formdata.yes_no(form.get("feasible"))
    values["recommendations"] = formdata.lines(form.get("recommendations"))
    values["vulnerability.platforms"] = [str(p) for p in form.getlist("vulnerability.platforms")]
    for name in FEASIBILITY_LISTS:
        raw = str(form.get(f"vulnerability.{name}") or "")
        values[f"vulnerability.{name}"] = [p.strip() for p in raw.split(",") if p.strip()]
    for name in FEASIBILITY_FLAGS:
        values[name] = formdata.yes_no(form.get(name))
    return formdata.nested(values)


def implementation_body(form: FormData) -> dict[str, Any]:
    """The integration as built, as the integration API takes it."""
    names = [
        "notes",
        "details.mechanism.kind",
        "details.gsb_service_name",
        "details.base_url",
        "details.authentication",
        "details.mechanism.other_description",
    ]
    values: dict[str, Any] = formdata.text_fields(form, names)
    values["details.operations"] = formdata.lines(form.get("details.operations"))
    values["details.endpoints"] = formdata.lines(form.get("details.endpoints"))
    return formdata.nested(values)


@router.get("/pekerjaan")
async def work_list(request: Request) -> Response:
    """The petugas's work items, oldest order first, each with its clock."""
    api = await web.services_for(request, "petugas")
    page = await api.get("integration", "/work-items", limit=100)
    items = await with_clocks(api, page["items"])
    return web.render(request, "work/list.html", {"items": items, "total": page["total"]})


async def _item(
    request: Request,
    ticket_id: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    api = await web.services_for(request, "petugas")
    item, submitted, sla, clock, report = await asyncio.gather(
        api.find("integration", f"/work-items/{ticket_id}"),
        api.find("intake", f"/requests/{ticket_id}"),
        api.find("reporting", f"/requests/{ticket_id}/sla"),
        api.find("integration", f"/requests/{ticket_id}/clock"),
        api.find("reporting", f"/requests/{ticket_id}/report"),
    )
    if item is None:
        return web.render(request, "errors/not_found.html", status=404)
    context = {
        "ticket_id": ticket_id,
        "item": item,
        "submitted": submitted,
        "clocks": clocks_of(sla),
        "clock": clock,
        "report": report,
        "errors": errors or {},
        "values": values or _defaults(submitted),
    }
    return web.render(request, "work/item.html", context, status=status)


def _defaults(submitted: dict[str, Any] | None) -> dict[str, str]:
    """Starting values: the application and mechanism named on the request form."""
    if submitted is None:
        return {}
    form = submitted["form"]
    return {
        "details.mechanism.kind": form["mechanism"]["kind"],
        "vulnerability.application_name": form["application"]["name"],
        "vulnerability.description": form["application"]["description"],
    }


@router.get("/pekerjaan/{ticket_id}")
async def work_item(request: Request, ticket_id: str) -> Response:
    """One work item with the form of its next step."""
    return await _item(request, ticket_id)


async def _command(
    request: Request,
    ticket_id: str,
    form: FormData,
    service: str,
    path: str,
    body: Any,
    done: str,
) -> Response:
    api = await web.services_for(request, "petugas")
    try:
        await api.post(service, path, body)
    except ApiRefusal as refused:
        if refused.status not in (409, 422):
            raise
        values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        return await _item(
            request,
            ticket_id,
            errors=formdata.field_errors(refused),
            values=values,
            status=refused.status,
        )
    web.flash(request, done)
    return web.redirect(f"/pekerjaan/{ticket_id}")


@router.post("/pekerjaan/{ticket_id}/kelayakan")
async def feasibility(request: Request, ticket_id: str, form: Form) -> Response:
    """Record the feasibility analysis with the vulnerability and stress-test forms."""
    return await _command(
        request,
        ticket_id,
        form,
        "integration",
        f"/requests/{ticket_id}/feasibility",
        feasibility_body(form),
        "Analisis kelayakan tercatat.",
    )


@router.post("/pekerjaan/{ticket_id}/implementasi")
async def implementation(request: Request, ticket_id: str, form: Form) -> Response:
    """Record the integration as built."""
    return await _command(
        request,
        ticket_id,
        form,
        "integration",
        f"/requests/{ticket_id}/implementation",
        implementation_body(form),
        "Implementasi integrasi tercatat.",
    )


@router.post("/pekerjaan/{ticket_id}/jeda")
async def pause(request: Request, ticket_id: str, form: Form) -> Response:
    """Stop the clock with a reason."""
    body = formdata.nested(
        {"reason": str(form.get("reason") or ""), "note": str(form.get("note") or "").strip()}
    )
    return await _command(
        request,
        ticket_id,
        form,
        "integration",
        f"/requests/{ticket_id}/clock/pause",
        body,
        "Jam SLA dijeda.",
    )


@router.post("/pekerjaan/{ticket_id}/lanjut")
async def resume(request: Request, ticket_id: str, form: Form) -> Response:
    """Start the clock again."""
    body = formdata.nested({"note": str(form.get("note") or "").strip()})
    return await _command(
        request,
        ticket_id,
        form,
        "integration",
        f"/requests/{ticket_id}/clock/resume",
        body,
        "Jam SLA berjalan kembali.",
    )


@router.post("/pekerjaan/{ticket_id}/arsip")
async def archive(request: Request, ticket_id: str, form: Form) -> Response:
    """Enter the written report in the agenda book under its number."""
    api = await web.services_for(request, "petugas")
    try:
        archived = await api.post("reporting", f"/requests/{ticket_id}/archive")
    except ApiRefusal as refused:
        if refused.status not in (409, 422):
            raise
        errors = formdata.field_errors(refused)
        return await _item(request, ticket_id, errors=errors, status=refused.status)
    code = archived["agenda_code"]
    web.flash(request, f"Laporan diarsipkan di buku agenda dengan nomor {code}.")
    return web.redirect(f"/pekerjaan/{ticket_id}")
