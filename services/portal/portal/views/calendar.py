"""Admin: the calendar's other changes — a day off removed (after a confirm step), reduced
service hours for a range of dates — each previewed first with the clocks it would move
(reporting's "what if"), and the versions with what each changed."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from portal import formdata, timefmt, web, words
from portal.clients.services import ApiRefusal, Services
from portal.views.admin import calendar_page

router = APIRouter()
Form = Annotated[FormData, Depends(web.checked_form)]
Day = Annotated[str, Path(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
HOURS = ["first_day", "last_day", "opening", "closing", "friday_closing", "reason"]
PREVIEW_NAME = "Pratinjau perubahan kalender"


def hours_body(values: dict[str, str]) -> dict[str, Any]:
    """The reduced hours as the API takes them (empty fields left for the API to name); the
    form's `reason` is the API's `name`."""
    fields = {k: v for k, v in values.items() if k != "reason"}
    return formdata.nested({**fields, "name": values.get("reason", "")})


def hours_errors(errors: dict[str, str]) -> dict[str, str]:
    """The API's errors by the form's field names (the simulation's paths name the change's
    kind: `change.hours_reduced.last_day`)."""
    named = {k.rsplit(".", 1)[-1]: v for k, v in errors.items()}
    return {("reason" if k == "name" else k): v for k, v in named.items()}


async def preview(api: Services, change: dict[str, Any]) -> dict[str, Any]:
    """What the change would do to the clocks (reporting simulates; nothing is written)."""
    found: dict[str, Any] = await api.post("reporting", "/calendar/simulations", {"change": change})
    return found


def _refused(refused: ApiRefusal, *, strip: str) -> dict[str, str]:
    if refused.status not in (409, 422):
        raise refused
    return formdata.field_errors(refused, strip=strip)


@router.post("/kalender/jam-layanan")
async def reduce_hours(request: Request, form: Form) -> Response:
    """Shorter service hours for a range of dates: previewed first, made when confirmed."""
    api = await web.services_for(request, "admin")
    values = formdata.text_fields(form, HOURS)
    body = hours_body(values)
    if form.get("confirmed") != "ya":
        try:
            found = await preview(api, {"kind": "hours_reduced", **body})
        except ApiRefusal as refused:
            errors = hours_errors(_refused(refused, strip="change."))
            return await calendar_page(
                request, hours_values=values, hours_errors=errors, status=422
            )
        facts = [
            ("Perubahan", f"Jam layanan dikurangi: {values['reason']}"),
            ("Tanggal", f"{_day(values['first_day'])} sampai {_day(values['last_day'])}"),
            ("Jam layanan", _hours(values)),
        ]
        return _confirm(request, "/kalender/jam-layanan", values, facts, found)
    key = str(form.get("idempotency_key") or uuid.uuid4())
    try:
        await api.post(
            "reporting", "/calendar/reduced-hours", body, headers={"Idempotency-Key": key}
        )
    except ApiRefusal as refused:
        errors = hours_errors(_refused(refused, strip=""))
        return await calendar_page(request, hours_values=values, hours_errors=errors, status=422)
    web.flash(request, "Jam layanan dikurangi; versi kalender baru berlaku.")
    return web.redirect("/kalender")


@router.post("/kalender/libur/pratinjau")
async def day_off_preview(request: Request, form: Form) -> Response:
    """Before a day off is added: the clocks it would move, and a confirm step."""
    api = await web.services_for(request, "admin")
    values = formdata.text_fields(form, ["day", "name"])
    try:
        found = await preview(api, {"kind": "day_off_added", **formdata.nested(values)})
    except ApiRefusal as refused:
        errors = {k.rsplit(".", 1)[-1]: v for k, v in _refused(refused, strip="").items()}
        return await calendar_page(request, errors=errors, status=422)
    facts = [
        ("Perubahan", f"Hari libur ditambahkan: {values['name']}"),
        ("Tanggal", _day(values["day"])),
    ]
    return _confirm(request, "/kalender/libur", values, facts, found)


def _confirm(
    request: Request,
    action: str,
    values: dict[str, str],
    facts: list[tuple[str, str]],
    simulation: dict[str, Any],
) -> Response:
    """The confirm page of a previewed change: what, the clocks it moves, the form again."""
    context = {
        "facts": facts,
        "action": action,
        "values": values,
        "simulation": simulation,
        "key": str(uuid.uuid4()),
    }
    return web.render(request, "admin/calendar_confirm.html", context)


def _day(value: str) -> str:
    try:
        return timefmt.day_words(value)
    except ValueError:
        return value


def _hours(values: dict[str, str]) -> str:
    opening = values.get("opening") or "08:00"
    text = f"{timefmt.hhmm(opening)}–{timefmt.hhmm(values.get('closing'))} WIB"
    friday = values.get("friday_closing")
    return text + (f"; Jumat sampai {timefmt.hhmm(friday)} WIB" if friday else "")


async def _removal_page(
    request: Request,
    api: Services,
    day: str,
    *,
    reason: str = "",
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    days_off = await api.get("reporting", "/calendar/days-off", year=int(day[:4]))
    listed = next((d for d in days_off["days_off"] if d["day"] == day), None)
    simulation, problem = None, None
    try:
        change = {"kind": "day_off_removed", "day": day, "name": reason or PREVIEW_NAME}
        simulation = await preview(api, change)
    except ApiRefusal as refused:
        if refused.status not in (409, 422):
            raise
        problem = words.problem_text(refused.code, refused.message)
    context = {
        "day": day,
        "listed": listed,
        "reason": reason,
        "errors": errors or {},
        "simulation": simulation,
        "problem": problem,
        "key": str(uuid.uuid4()),
    }
    return web.render(request, "admin/calendar_remove.html", context, status=status)


@router.get("/kalender/libur/{day}/hapus")
async def removal(request: Request, day: Day) -> Response:
    """Before a day off is removed: the day, the reason to give, and the clocks it would move."""
    api = await web.services_for(request, "admin")
    return await _removal_page(request, api, day)


@router.post("/kalender/libur/{day}/hapus")
async def remove_day_off(request: Request, day: Day, form: Form) -> Response:
    """The office opens on a day off (the API's DELETE, sent from a form with its CSRF token)."""
    api = await web.services_for(request, "admin")
    reason = str(form.get("reason") or "").strip()
    key = str(form.get("idempotency_key") or uuid.uuid4())
    try:
        await api.call(
            "reporting",
            "DELETE",
            f"/calendar/days-off/{day}",
            params={"reason": reason},
            headers={"Idempotency-Key": key},
        )
    except ApiRefusal as refused:
        errors = _refused(refused, strip="")
        errors = {
            ("reason" if k in ("query.reason", "reason") else k): v for k, v in errors.items()
        }
        return await _removal_page(
            request, api, day, reason=reason, errors=errors, status=refused.status
        )
    web.flash(request, f"Hari libur {day} dihapus; kantor buka pada hari itu.")
    return web.redirect("/kalender")
