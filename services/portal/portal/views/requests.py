"""The request form (pemohon, and the desk for letters, e-mail, phone, chat and walk-ins), the
agency's requests with their status, timeline and SLA clocks, and the resubmission."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from portal import formdata, timefmt, web, words
from portal.clients.services import ApiRefusal, Services
from portal.views import documents, survey
from portal.views.models import clocks_of

router = APIRouter()
Form = Annotated[FormData, Depends(web.checked_form)]

GROUPS: list[tuple[str, list[str]]] = [
    (
        "Data Pemohon",
        [
            "applicant.name",
            "applicant.nip",
            "applicant.position",
            "applicant.echelon",
            "applicant.agency",
            "applicant.work_unit",
            "applicant.office_address",
            "applicant.mobile_phone",
            "applicant.internal_phone",
            "applicant.email",
        ],
    ),
    ("Aplikasi yang akan diintegrasikan", ["application.name", "application.description"]),
    (
        "Mekanisme integrasi",
        ["mechanism_available", "mechanism.kind", "mechanism.other_description"],
    ),
    ("Dampak dan kepentingan", ["impact", "urgency"]),
]
FIELDS = [name for _, names in GROUPS for name in names]
ECHELONS = ["I.a", "I.b", "II.a", "II.b", "III.a", "III.b", "IV.a", "IV.b", "V.a"]
DESK_CHANNELS = ["surat", "email", "telepon", "chat", "langsung"]


def flatten(form: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """A stored form as the page's flat field values."""
    out: dict[str, str] = {}
    for key, value in form.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, path + "."))
        elif isinstance(value, bool):
            out[path] = "ya" if value else "tidak"
        elif value is not None:
            out[path] = str(value)
    return out


def form_body(form: FormData) -> dict[str, Any]:
    """The service request form as the intake API takes it."""
    values: dict[str, Any] = formdata.text_fields(form, FIELDS)
    values["mechanism_available"] = formdata.yes_no(form.get("mechanism_available"))
    if values.get("mechanism.kind") != "lainnya":
        values["mechanism.other_description"] = ""
    return formdata.nested(values)


def carried(form: FormData) -> list[dict[str, str]]:
    """Files uploaded on an earlier try of the same form (kept so nobody uploads twice)."""
    out = []
    for value in form.getlist("attachment"):
        parts = str(value).split("|", 2)
        if len(parts) == 3:
            out.append({"id": parts[0], "kind": parts[1], "filename": parts[2]})
    return out


async def upload(api: Services, form: FormData, errors: dict[str, str]) -> list[dict[str, str]]:
    """Upload the files chosen in this try; their ids, names and kinds."""
    chosen: list[tuple[str, UploadFile]] = []
    for name, kind in (("letter", "surat_permohonan"), ("others", "lainnya")):
        for item in form.getlist(name):
            if isinstance(item, UploadFile) and item.filename:
                chosen.append((kind, item))
    done = []
    for kind, item in chosen:
        content = await item.read()
        try:
            meta = await api.post(
                "intake",
                "/attachments",
                files={"file": (item.filename, content, item.content_type)},
                data={"kind": kind},
            )
        except ApiRefusal as refused:
            field = "letter" if kind == "surat_permohonan" else "others"
            errors[field] = f"{item.filename}: {words.problem_text(refused.code, refused.message)}"
            continue
        done.append({"id": meta["attachment_id"], "kind": kind, "filename": meta["filename"]})
    return done


def page_context(
    request: Request,
    *,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    files: list[dict[str, str]] | None = None,
    desk: bool = False,
    key: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """What the form page shows."""
    errs = formdata.with_parents(errors or {}, set(FIELDS))
    if "attachment_ids" in errs and "letter" not in errs:
        errs["letter"] = errs["attachment_ids"]
    return {
        "groups": GROUPS,
        "values": values,
        "errors": errs,
        "unplaced": [m for p, m in errs.items() if p not in FIELDS and p not in _PLACED],
        "files": files or [],
        "echelons": ECHELONS,
        "desk": desk,
        "channels": DESK_CHANNELS,
        "key": key or str(uuid.uuid4()),
        **extra,
    }


_PLACED = {
    "letter",
    "others",
    "attachment_ids",
    "answer",
    "channel",
    "received_at",
    "backdate_confirmation_id",
}


@router.get("/permohonan/baru")
async def new_request(request: Request) -> Response:
    """The empty request form, with the applicant's own name, NIP and agency filled in."""
    await web.services_for(request, "pemohon")
    person = web.session_of(request).person
    assert person is not None
    values = {"applicant.name": person.name, "applicant.nip": person.nip}
    values["applicant.agency"] = person.agency or ""
    return web.render(request, "requests/form.html", page_context(request, values=values))


@router.get("/meja/baru")
async def new_desk_request(request: Request) -> Response:
    """The desk's form for a request that came by letter, e-mail, phone, chat or in person."""
    await web.services_for(request, "petugas")
    context = page_context(request, values={"channel": "surat"}, desk=True)
    return web.render(request, "requests/form.html", context)


async def _submit(request: Request, form: FormData, *, desk: bool) -> Response:
    api = await web.services_for(request, "petugas" if desk else "pemohon")
    errors: dict[str, str] = {}
    files = carried(form) + await upload(api, form, errors)
    body: dict[str, Any] = {
        "form": form_body(form),
        "attachment_ids": [f["id"] for f in files],
        "channel": "portal",
    }
    values = {**{k: str(v) for k, v in form.items() if isinstance(v, str)}}
    if desk:
        body["channel"] = str(form.get("channel") or "")
        received = str(form.get("received_at") or "")
        try:
            body["received_at"] = timefmt.local_input(received).isoformat() if received else None
        except ValueError:
            errors["received_at"] = "tanggal dan jam tidak valid"
        confirmation = str(form.get("backdate_confirmation_id") or "").strip()
        if confirmation:
            body["backdate_confirmation_id"] = confirmation
    key = str(form.get("idempotency_key") or uuid.uuid4())
    if not errors:
        try:
            created = await api.post("intake", "/requests", body, headers={"Idempotency-Key": key})
        except ApiRefusal as refused:
            if refused.status not in (409, 422):
                raise
            errors = formdata.field_errors(refused, strip="form.")
        else:
            ticket = created["ticket_id"]
            web.flash(request, f"Permohonan tercatat dengan Tiket ID {ticket}.")
            return web.redirect(f"/permohonan/{ticket}")
    context = page_context(request, values=values, errors=errors, files=files, desk=desk, key=key)
    return web.render(request, "requests/form.html", context, status=422)


@router.post("/permohonan/baru")
async def submit(request: Request, form: Form) -> Response:
    """The applicant submits the form with the request letter and other files."""
    return await _submit(request, form, desk=False)


@router.post("/meja/baru")
async def submit_at_desk(request: Request, form: Form) -> Response:
    """The desk registers a request with its channel and real receipt time."""
    return await _submit(request, form, desk=True)


@router.get("/permohonan")
async def my_requests(request: Request) -> Response:
    """The requests the person may see (an applicant: their agency's), newest first."""
    api = await web.services_for(request)
    page = await api.get("reporting", "/requests", limit=50)
    return web.render(request, "requests/list.html", {"page": page})


@router.get("/permohonan/{ticket_id}")
async def request_detail(request: Request, ticket_id: str) -> Response:
    """One request: the form, the files, its status, every step and the SLA clocks."""
    api = await web.services_for(request)
    submitted, status, timeline, sla = await asyncio.gather(
        api.find("intake", f"/requests/{ticket_id}"),
        api.find("reporting", f"/requests/{ticket_id}"),
        api.find("reporting", f"/requests/{ticket_id}/timeline"),
        api.find("reporting", f"/requests/{ticket_id}/sla"),
    )
    if submitted is None and status is None:
        return web.render(request, "errors/not_found.html", status=404)
    role = web.session_of(request).role
    context = {
        "ticket_id": ticket_id,
        "survey": await survey.panel(api, role, ticket_id, status),
        "submitted": submitted,
        "status": status,
        "timeline": (timeline or {}).get("entries", []),
        "clocks": clocks_of(sla),
        "can_resubmit": web.session_of(request).role == "pemohon"
        and submitted is not None
        and submitted["status"] == "returned",
    }
    if request.headers.get("hx-request"):
        return web.render(request, "requests/_progress.html", context)
    context.update(await documents.section(api, ticket_id) if status else {})
    return web.render(request, "requests/detail.html", context)


@router.get("/lampiran/{attachment_id}")
async def attachment(request: Request, attachment_id: str) -> Response:
    """Download a file of a request (the API decides who may)."""
    api = await web.services_for(request)
    got = await api.call("intake", "GET", f"/attachments/{attachment_id}")
    headers = {"Content-Disposition": got.headers.get("content-disposition", "attachment")}
    return Response(got.content, media_type=got.headers.get("content-type"), headers=headers)


@router.get("/permohonan/{ticket_id}/ajukan-ulang")
async def resubmit_page(request: Request, ticket_id: str) -> Response:
    """The returned request's form, filled in as sent, with the reasons for its return."""
    api = await web.services_for(request, "pemohon")
    submitted = await api.find("intake", f"/requests/{ticket_id}")
    if submitted is None:
        return web.render(request, "errors/not_found.html", status=404)
    values = flatten(submitted["form"])
    context = page_context(request, values=values, resubmit=submitted)
    return web.render(request, "requests/form.html", context)


@router.post("/permohonan/{ticket_id}/ajukan-ulang")
async def resubmit(request: Request, ticket_id: str, form: Form) -> Response:
    """Send the corrected request back under the same ticket."""
    api = await web.services_for(request, "pemohon")
    submitted = await api.find("intake", f"/requests/{ticket_id}")
    if submitted is None:
        return web.render(request, "errors/not_found.html", status=404)
    errors: dict[str, str] = {}
    files = carried(form) + await upload(api, form, errors)
    body = {
        "form": form_body(form),
        "answer": str(form.get("answer") or "").strip(),
        "attachment_ids": [f["id"] for f in files],
    }
    if not errors:
        try:
            await api.post("intake", f"/requests/{ticket_id}/resubmissions", body)
        except ApiRefusal as refused:
            if refused.status not in (409, 422):
                raise
            errors = formdata.field_errors(refused, strip="form.")
        else:
            web.flash(request, f"Permohonan {ticket_id} telah diajukan ulang.")
            return web.redirect(f"/permohonan/{ticket_id}")
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    context = page_context(request, values=values, errors=errors, files=files, resubmit=submitted)
    return web.render(request, "requests/form.html", context, status=422)
