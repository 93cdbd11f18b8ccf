"""Admin: the working calendar (days off, reduced hours, versions)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from portal import formdata, web
from portal.clients.services import ApiRefusal

router = APIRouter()
Form = Annotated[FormData, Depends(web.checked_form)]


async def calendar_page(
    request: Request,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
    **extra: object,
) -> Response:
    """The calendar page; `extra` carries another form's values and errors."""
    api = await web.services_for(request, "admin", "auditor")
    year = date.today().year
    calendar, days_off = await asyncio.gather(
        api.get("reporting", "/calendar"),
        api.get("reporting", "/calendar/days-off", year=year),
    )
    context = {"calendar": calendar, "days_off": days_off, "errors": errors or {}, "year": year}
    context = {"hours_values": {}, "hours_errors": {}, **context, **extra}
    return web.render(request, "admin/calendar.html", context, status=status)


@router.get("/kalender")
async def calendar(request: Request) -> Response:
    """The calendar in force, its days off this year, and every change with its version."""
    return await calendar_page(request)


@router.post("/kalender/libur")
async def add_day_off(request: Request, form: Form) -> Response:
    """Close the office on a day (regional holiday, decree)."""
    api = await web.services_for(request, "admin")
    body = formdata.nested(formdata.text_fields(form, ["day", "name"]))
    try:
        key = str(form.get("idempotency_key") or uuid.uuid4())  # the confirm page's, if any
        await api.post("reporting", "/calendar/days-off", body, headers={"Idempotency-Key": key})
    except ApiRefusal as refused:
        if refused.status not in (409, 422):
            raise
        return await calendar_page(request, errors=formdata.field_errors(refused), status=422)
    web.flash(request, "Hari libur ditambahkan; versi kalender baru berlaku.")
    return web.redirect("/kalender")
