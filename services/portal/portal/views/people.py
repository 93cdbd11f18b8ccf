"""Admin: the directory's people and their roles, the agencies, and the Plt/Plh delegations.

Every act posts to the directory's API with the admin's own token; what it refuses is shown
beside the field it names."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from penghubung.forms.people import Echelon
from portal import formdata, web, words
from portal.clients.services import ApiRefusal, Services

router = APIRouter()
Form = Annotated[FormData, Depends(web.checked_form)]

PERSON_FIELDS = ["nip", "name", "position", "echelon", "agency", "unit", "email", "mobile"]
DELEGATION_FIELDS = [
    "position",
    "holder_nip",
    "delegate_nip",
    "kind",
    "starts_on",
    "ends_on",
    "decree_number",
]
ROLES = [(code, text) for code, text in words.ROLE.items() if code != "system"]
ECHELONS = [(e.value, e.value) for e in Echelon]
POSITIONS = [(code, words.ROLE[code]) for code in ("kadis", "kabid", "prakom")]
STAND_INS = list(words.STAND_IN.items())
ROSTER_LIMIT = 500
"""People offered in the delegation form's lists (the directory's largest page)."""


async def _admin(request: Request) -> Services:
    return await web.services_for(request, "admin")


def _refused(refused: ApiRefusal, *, renamed: dict[str, str] | None = None) -> dict[str, str]:
    """A refusal the admin can fix, as field errors (anything else goes to the error page)."""
    if refused.status not in (404, 409, 422):
        raise refused
    errors = formdata.field_errors(refused)
    return {(renamed or {}).get(k, k): v for k, v in errors.items()}


# --- people ----------------------------------------------------------------------------------


@router.get("/admin/orang")
async def people(
    request: Request,
    q: Annotated[str, Query(max_length=100)] = "",
    peran: Annotated[str, Query(max_length=20)] = "",
    opd: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """Everyone in the directory, found by name or NIP, filtered by role and agency."""
    api = await _admin(request)
    query = {"q": q.strip() or None, "role": peran or None, "agency": opd or None, "limit": 100}
    page, agencies = await asyncio.gather(
        api.get("directory", "/people", **query), api.get("directory", "/agencies")
    )
    context = {
        "page": page,
        "agencies": agencies["items"],
        "roles": ROLES,
        "filters": {"q": q, "peran": peran, "opd": opd},
    }
    return web.render(request, "admin/people.html", context)


async def _new_person(
    request: Request,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    api = await _admin(request)
    agencies = (await api.get("directory", "/agencies"))["items"]
    context = {
        "agencies": [(a["code"], a["name"]) for a in agencies],
        "echelons": ECHELONS,
        "roles": ROLES,
        "values": values or {},
        "errors": errors or {},
    }
    return web.render(request, "admin/person_new.html", context, status=status)


@router.get("/admin/orang/baru")
async def new_person(request: Request) -> Response:
    """The form to register a person."""
    return await _new_person(request)


@router.post("/admin/orang/baru")
async def register_person(request: Request, form: Form) -> Response:
    """Register a person with their roles and an initial password."""
    api = await _admin(request)
    values = formdata.text_fields(form, PERSON_FIELDS)
    roles = [str(r) for r in form.getlist("roles")]
    body = {
        **formdata.nested(values),
        "roles": roles,
        "initial_password": str(form.get("initial_password") or ""),
    }
    try:
        await api.post("directory", "/people", body)
    except ApiRefusal as refused:
        errors = _refused(refused, renamed={"new_password": "initial_password"})
        shown = {**values, "roles": roles}
        return await _new_person(request, values=shown, errors=errors, status=refused.status)
    registered = f"{values['name']} (NIP {values['nip']}) terdaftar"
    web.flash(request, f"{registered}; kata sandi awal wajib diganti saat pertama masuk.")
    return web.redirect(f"/admin/orang/{values['nip']}")


async def _person(
    request: Request,
    nip: str,
    *,
    errors: dict[str, str] | None = None,
    password_errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    api = await _admin(request)
    found = await api.find("directory", f"/people/{nip}")
    if found is None:
        return web.render(request, "errors/not_found.html", status=404)
    held = set(found["roles"])
    context = {
        "person": found,
        "grantable": [(code, text) for code, text in ROLES if code not in held],
        "errors": errors or {},
        "password_errors": password_errors or {},
    }
    return web.render(request, "admin/person.html", context, status=status)


@router.get("/admin/orang/{nip}")
async def person(request: Request, nip: str) -> Response:
    """One person: their data and roles, to grant or revoke."""
    return await _person(request, nip)


@router.post("/admin/orang/{nip}/peran")
async def grant_role(request: Request, nip: str, form: Form) -> Response:
    """Grant a role."""
    api = await _admin(request)
    role = str(form.get("role") or "")
    try:
        await api.post("directory", f"/people/{nip}/roles", {"role": role})
    except ApiRefusal as refused:
        return await _person(request, nip, errors=_refused(refused), status=refused.status)
    web.flash(request, f"Peran {words.label(words.ROLE, role)} diberikan.")
    return web.redirect(f"/admin/orang/{nip}")


@router.post("/admin/orang/{nip}/peran/{role}/cabut")
async def revoke_role(request: Request, nip: str, role: str, form: Form) -> Response:
    """Revoke a role."""
    api = await _admin(request)
    try:
        await api.call("directory", "DELETE", f"/people/{nip}/roles/{role}")
    except ApiRefusal as refused:
        return await _person(request, nip, errors=_refused(refused), status=refused.status)
    web.flash(request, f"Peran {words.label(words.ROLE, role)} dicabut.")
    return web.redirect(f"/admin/orang/{nip}")


@router.post("/admin/orang/{nip}/kata-sandi")
async def reset_password(request: Request, nip: str, form: Form) -> Response:
    """Set a new initial password for someone who forgot theirs: they must choose their own at
    the next sign-in; the directory ends their sessions, so a browser still signed in keeps
    only its access token's last minutes."""
    api = await _admin(request)
    initial = str(form.get("initial_password") or "")
    try:
        await api.post("directory", f"/people/{nip}/password", {"initial_password": initial})
    except ApiRefusal as refused:
        errors = _refused(refused, renamed={"new_password": "initial_password"})
        return await _person(request, nip, password_errors=errors, status=refused.status)
    web.flash(
        request,
        "Kata sandi awal yang baru sudah diatur dan wajib diganti saat masuk berikutnya;"
        " sesi yang masih berjalan berakhir paling lama 15 menit lagi.",
    )
    return web.redirect(f"/admin/orang/{nip}")


# --- agencies --------------------------------------------------------------------------------


async def _agencies(
    request: Request,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    api = await _admin(request)
    agencies = (await api.get("directory", "/agencies"))["items"]
    context = {"agencies": agencies, "values": values or {}, "errors": errors or {}}
    return web.render(request, "admin/agencies.html", context, status=status)


@router.get("/admin/perangkat-daerah")
async def agencies(request: Request) -> Response:
    """Every agency (OPD), and the form to register one."""
    return await _agencies(request)


@router.post("/admin/perangkat-daerah")
async def register_agency(request: Request, form: Form) -> Response:
    """Register an agency."""
    api = await _admin(request)
    values = formdata.text_fields(form, ["code", "name"])
    try:
        await api.post("directory", "/agencies", formdata.nested(values))
    except ApiRefusal as refused:
        errors = _refused(refused)
        return await _agencies(request, values=values, errors=errors, status=refused.status)
    web.flash(request, f"Perangkat Daerah {values['name']} terdaftar.")
    return web.redirect("/admin/perangkat-daerah")


# --- delegations -----------------------------------------------------------------------------


async def _delegations(
    request: Request,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    api = await _admin(request)
    running, other, roster = await asyncio.gather(
        api.get("directory", "/delegations", active="true"),
        api.get("directory", "/delegations", active="false"),
        api.get("directory", "/people", limit=ROSTER_LIMIT),
    )
    people = [(p["nip"], f"{p['name']} (NIP {p['nip']})") for p in roster["items"]]
    context: dict[str, Any] = {
        "running": running["items"],
        "other": other["items"],
        "people": people,
        "positions": POSITIONS,
        "kinds": STAND_INS,
        "values": values or {},
        "errors": errors or {},
    }
    return web.render(request, "admin/delegations.html", context, status=status)


@router.get("/admin/plt-plh")
async def delegations(request: Request) -> Response:
    """The Plt/Plh delegations running today and the others, and the form to name one."""
    return await _delegations(request)


@router.post("/admin/plt-plh")
async def grant_delegation(request: Request, form: Form) -> Response:
    """Name a Plt/Plh of the Kadis, Kabid or Prakom for a range of days, by decree."""
    api = await _admin(request)
    values = formdata.text_fields(form, DELEGATION_FIELDS)
    try:
        await api.post("directory", "/delegations", formdata.nested(values))
    except ApiRefusal as refused:
        errors = _refused(refused)
        return await _delegations(request, values=values, errors=errors, status=refused.status)
    web.flash(request, f"Penugasan Plt/Plh dengan SK {values['decree_number']} tercatat.")
    return web.redirect("/admin/plt-plh")


@router.post("/admin/plt-plh/{delegation_id}/akhiri")
async def end_delegation(request: Request, delegation_id: str, form: Form) -> Response:
    """End a Plt/Plh early, saying why."""
    api = await _admin(request)
    reason = str(form.get("reason") or "").strip()
    try:
        await api.post("directory", f"/delegations/{delegation_id}/end", {"reason": reason})
    except ApiRefusal as refused:
        errors = {f"{delegation_id}.{k or 'reason'}": v for k, v in _refused(refused).items()}
        return await _delegations(request, errors=errors, status=refused.status)
    web.flash(request, "Penugasan Plt/Plh diakhiri.")
    return web.redirect("/admin/plt-plh")
