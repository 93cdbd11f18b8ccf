"""Intake's rules: given facts, when a command, then events — or the error that refuses it."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from intake.domain.commands import (
    ConfirmBackdate,
    ResubmitRequest,
    SubmitRequest,
    UploadAttachment,
)
from intake.domain.decide import (
    accept_upload,
    bare_filename,
    confirm_backdate,
    decide,
    may_see,
    receipt_time,
    record_return,
)
from intake.domain.errors import (
    AgencyChanged,
    AgencyMismatch,
    AlreadySubmitted,
    AttachmentContentMismatch,
    AttachmentDuplicated,
    AttachmentEmpty,
    AttachmentInUse,
    AttachmentNotFound,
    AttachmentTooLarge,
    AttachmentTypeNotAllowed,
    BackdateConfirmationMismatch,
    BackdateConfirmationNotFound,
    BackdateConfirmationUsed,
    ChannelNotAllowed,
    ConfirmerUnknown,
    NotReturned,
    OfficerUnknown,
    ReceiptTimeBeforeReturn,
    ReceiptTimeInFuture,
    ReceiptTimeNotAllowed,
    ReceiptTimeRequired,
    ReceiptTimeTooOld,
    RequestLetterMissing,
    RequestNotFound,
    RoleNotAllowed,
)
from intake.domain.limits import (
    MIB,
    Backdating,
    Confirmation,
    UploadQuota,
    UploadQuotas,
    quota_refusal,
    upload_day,
)
from intake.domain.state import (
    WIB,
    Fact,
    RequestState,
    Status,
    Upload,
    fold,
    owner_of,
    ticket_year,
)
from penghubung.agency import AgencyMissing
from penghubung.events.base import Actor, Event, Role
from penghubung.events.catalog import (
    BackdateConfirmation,
    RequestResubmitted,
    RequestReturned,
    RequestSubmitted,
)
from penghubung.forms import Attachment, AttachmentKind, Officer, ServiceRequestForm
from penghubung.refusals import Refused
from penghubung.sop import Channel, Priority, Step

TICKET = "SC05-2026-00007"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=WIB)
AGENCY = "Dinas Kesehatan"
OFFICER_NIP = "199212312019032002"
PDF = b"%PDF-1.7\n% surat permohonan\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16

APPLICANT = Actor(nip="198001012005011001", name="Rina", role=Role.PEMOHON, agency=AGENCY)
OTHER_APPLICANT = Actor(name="Dedi", role=Role.PEMOHON, agency="Dinas Pendidikan")
DESK = Actor(nip=OFFICER_NIP, name="Budi Santoso", role=Role.PETUGAS)
KADIS = Actor(nip="197001012000011001", name="Kadis", role=Role.KADIS)


def form(**changes: Any) -> ServiceRequestForm:
    """A valid service request form; `agency`, `impact`, `urgency` may be changed."""
    return ServiceRequestForm.model_validate(
        {
            "applicant": {
                "name": "Rina Marlina",
                "nip": "198001012005011001",
                "position": "Kepala Bidang Pelayanan",
                "work_unit": "Bidang Pelayanan",
                "office_address": "Jl. Pulau Bangka, Air Itam, Pangkalpinang",
                "mobile_phone": "0821-8064-0997",
                "email": "rina@babelprov.go.id",
                "echelon": "III.a",
                "agency": changes.get("agency", AGENCY),
            },
            "application": {"name": "SIMPUS", "description": "Sistem informasi puskesmas"},
            "mechanism_available": True,
            "mechanism": {"kind": "api"},
            "impact": changes.get("impact", "tinggi"),
            "urgency": changes.get("urgency", "tinggi"),
        }
    )


def upload(
    kind: AttachmentKind = AttachmentKind.REQUEST_LETTER,
    *,
    owner: str = "agency:dinas kesehatan",
    ticket_id: str | None = None,
) -> Upload:
    """An uploaded file's record."""
    attachment_id = uuid4()
    attachment = Attachment(
        kind=kind,
        filename="surat.pdf" if kind is AttachmentKind.REQUEST_LETTER else "lampiran.png",
        content_type="application/pdf",
        size_bytes=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        storage_key=f"intake/attachments/{attachment_id}",
    )
    return Upload(attachment_id, attachment, owner, ticket_id)


def uploads(*items: Upload) -> dict[UUID, Upload]:
    return {u.attachment_id: u for u in items}


LETTER = upload()
DESK_LETTER = upload(owner="desk")


def submit(actor: Actor = APPLICANT, **changes: Any) -> SubmitRequest:
    """A portal submission with the request letter, changed as given."""
    fields: dict[str, Any] = {
        "actor": actor,
        "form": form(),
        "channel": Channel.PORTAL,
        "attachment_ids": (LETTER.attachment_id,),
    }
    return SubmitRequest(**{**fields, **changes})


def by_desk(actor: Actor = DESK, **changes: Any) -> SubmitRequest:
    """A letter registered by the desk, received the day before."""
    fields: dict[str, Any] = {
        "channel": Channel.LETTER,
        "received_at": NOW - timedelta(days=1),
        "attachment_ids": (DESK_LETTER.attachment_id,),
    }
    return submit(actor, **{**fields, **changes})


def run(
    command: SubmitRequest | ResubmitRequest,
    state: RequestState | None = None,
    *files: Upload,
) -> list[Event]:
    """When the command meets the state (a blank ticket by default) and these uploads."""
    files = files or (LETTER, DESK_LETTER)
    return decide(
        command, state or RequestState(ticket_id=TICKET), now=NOW, uploads=uploads(*files)
    )


def only(events: list[Event], cls: type[Any]) -> Any:
    assert len(events) == 1
    assert isinstance(events[0], cls)
    return events[0]


# --- facts ----------------------------------------------------------------------------------


def submitted(position: int = 1) -> Fact:
    event = RequestSubmitted(
        ticket_id=TICKET,
        form=form(),
        channel=Channel.PORTAL,
        received_at=NOW - timedelta(days=3),
        attachments=(LETTER.attachment,),
        priority=Priority.P1,
    )
    return Fact(position, event.received_at, event)


def returned(position: int, *, at: datetime | None = None) -> Fact:
    event = RequestReturned(ticket_id=TICKET, step=Step.DISPOSE_KABID, reasons=("NIP keliru",))
    return Fact(position, at or NOW - timedelta(days=2), event)


def resubmitted(position: int, number: int = 1) -> Fact:
    event = RequestResubmitted(
        ticket_id=TICKET,
        form=form(),
        channel=Channel.PORTAL,
        received_at=NOW - timedelta(days=1),
        priority=Priority.P1,
        resubmission=number,
        answer="NIP sudah diperbaiki",
    )
    return Fact(position, event.received_at, event)


def resubmit(actor: Actor = APPLICANT, **changes: Any) -> ResubmitRequest:
    fields: dict[str, Any] = {
        "actor": actor,
        "ticket_id": TICKET,
        "form": form(),
        "answer": "NIP sudah diperbaiki",
        "channel": Channel.PORTAL,
    }
    return ResubmitRequest(**{**fields, **changes})


# --- submission -----------------------------------------------------------------------------


def test_an_applicant_submits_through_the_portal_received_now() -> None:
    event = only(run(submit()), RequestSubmitted)
    assert event.ticket_id == TICKET
    assert event.form == form()
    assert event.channel is Channel.PORTAL
    assert event.received_at == NOW
    assert event.registered_by is None
    assert event.attachments == (LETTER.attachment,)
    assert event.priority is Priority.P1
    assert event.resubmission == 0


@pytest.mark.parametrize(
    ("impact", "urgency", "expected"),
    [
        ("tinggi", "tinggi", Priority.P1),
        ("tinggi", "sedang", Priority.P2),
        ("sedang", "tinggi", Priority.P2),
        ("tinggi", "rendah", Priority.P3),
        ("sedang", "sedang", Priority.P3),
        ("rendah", "sedang", Priority.P4),
        ("rendah", "rendah", Priority.P4),
    ],
)
def test_priority_follows_impact_and_urgency(impact: str, urgency: str, expected: Priority) -> None:
    event = only(run(submit(form=form(impact=impact, urgency=urgency))), RequestSubmitted)
    assert event.priority is expected


def test_the_desk_registers_a_letter_at_its_real_receipt_time_and_is_named() -> None:
    received = NOW - timedelta(days=1, hours=3)
    event = only(run(by_desk(received_at=received)), RequestSubmitted)
    assert event.channel is Channel.LETTER
    assert event.received_at == received
    assert event.registered_by == Officer(nip=OFFICER_NIP, name="Budi Santoso")


@pytest.mark.parametrize(
    "channel", [Channel.EMAIL, Channel.LETTER, Channel.PHONE, Channel.CHAT, Channel.WALK_IN]
)
def test_the_desk_registers_every_channel_but_the_portal(channel: Channel) -> None:
    assert only(run(by_desk(channel=channel)), RequestSubmitted).channel is channel


def test_a_receipt_time_of_exactly_now_is_accepted() -> None:
    assert only(run(by_desk(received_at=NOW)), RequestSubmitted).received_at == NOW


@pytest.mark.parametrize("channel", [Channel.EMAIL, Channel.LETTER, Channel.PHONE, Channel.CHAT])
def test_an_applicant_may_only_use_the_portal(channel: Channel) -> None:
    with pytest.raises(ChannelNotAllowed) as refused:
        run(submit(channel=channel))
    assert refused.value.field == "channel"


def test_an_applicant_does_not_state_a_receipt_time() -> None:
    with pytest.raises(ReceiptTimeNotAllowed):
        run(submit(received_at=NOW - timedelta(hours=1)))


def test_an_applicant_token_without_an_agency_is_refused() -> None:
    with pytest.raises(AgencyMissing):
        run(submit(APPLICANT.model_copy(update={"agency": None})))


def test_an_applicant_submits_only_for_their_own_agency() -> None:
    with pytest.raises(AgencyMismatch) as refused:
        run(submit(form=form(agency="Dinas Pendidikan")))
    assert refused.value.field == "form.applicant.agency"


def test_the_agency_is_compared_without_regard_to_case_or_spacing() -> None:
    event = only(run(submit(form=form(agency="dinas   KESEHATAN"))), RequestSubmitted)
    assert event.form.applicant.agency == "dinas   KESEHATAN"


def test_the_desk_may_not_use_the_portal_channel() -> None:
    with pytest.raises(ChannelNotAllowed):
        run(by_desk(channel=Channel.PORTAL, received_at=None))


def test_the_desk_must_state_the_receipt_time() -> None:
    with pytest.raises(ReceiptTimeRequired) as refused:
        run(by_desk(received_at=None))
    assert refused.value.field == "received_at"


def test_a_receipt_time_in_the_future_is_refused() -> None:
    with pytest.raises(ReceiptTimeInFuture):
        run(by_desk(received_at=NOW + timedelta(seconds=1)))


@pytest.mark.parametrize("nip", [None, "123"])
def test_a_desk_officer_without_a_valid_nip_cannot_be_named(nip: str | None) -> None:
    officer = DESK.model_copy(update={"nip": nip})
    with pytest.raises(OfficerUnknown):
        run(by_desk(officer))


@pytest.mark.parametrize("role", [Role.KADIS, Role.KABID, Role.PRAKOM, Role.AUDITOR, Role.ADMIN])
def test_only_applicants_and_the_desk_submit(role: Role) -> None:
    with pytest.raises(RoleNotAllowed):
        run(submit(KADIS.model_copy(update={"role": role})))


def test_a_submission_without_a_request_letter_is_refused() -> None:
    other = upload(AttachmentKind.OTHER)
    with pytest.raises(RequestLetterMissing) as refused:
        run(submit(attachment_ids=(other.attachment_id,)), None, other)
    assert refused.value.field == "attachment_ids"
    with pytest.raises(RequestLetterMissing):
        run(submit(attachment_ids=()))


def test_every_attachment_goes_into_the_event_in_order() -> None:
    other = upload(AttachmentKind.OTHER)
    ids = (other.attachment_id, LETTER.attachment_id)
    event = only(run(submit(attachment_ids=ids), None, LETTER, other), RequestSubmitted)
    assert event.attachments == (other.attachment, LETTER.attachment)


def test_an_unknown_attachment_is_refused_naming_its_place() -> None:
    with pytest.raises(AttachmentNotFound) as refused:
        run(submit(attachment_ids=(LETTER.attachment_id, uuid4())))
    assert refused.value.field == "attachment_ids.1"


def test_another_agencys_upload_cannot_be_referenced() -> None:
    theirs = upload(owner="agency:dinas pendidikan")
    with pytest.raises(AttachmentNotFound):
        run(submit(attachment_ids=(theirs.attachment_id,)), None, theirs)


def test_an_applicant_cannot_reference_the_desks_upload_nor_the_desk_theirs() -> None:
    with pytest.raises(AttachmentNotFound):
        run(submit(attachment_ids=(DESK_LETTER.attachment_id,)))
    with pytest.raises(AttachmentNotFound):
        run(by_desk(attachment_ids=(LETTER.attachment_id,)))


def test_an_attachment_of_another_request_is_in_use() -> None:
    used = upload(ticket_id="SC05-2026-00001")
    with pytest.raises(AttachmentInUse):
        run(submit(attachment_ids=(used.attachment_id,)), None, used)


def test_the_same_attachment_twice_is_refused() -> None:
    with pytest.raises(AttachmentDuplicated):
        run(submit(attachment_ids=(LETTER.attachment_id, LETTER.attachment_id)))


def test_a_ticket_is_submitted_once() -> None:
    with pytest.raises(AlreadySubmitted):
        run(submit(), fold(TICKET, [submitted()]))


def test_the_receipt_time_is_now_for_the_portal_and_as_stated_for_the_desk() -> None:
    assert receipt_time(submit(), now=NOW) == NOW
    stated = NOW - timedelta(days=2)
    assert receipt_time(by_desk(received_at=stated), now=NOW) == stated


@pytest.mark.parametrize(
    ("received", "year"),
    [
        (datetime(2025, 12, 31, 16, 59, 59, tzinfo=UTC), 2025),
        (datetime(2025, 12, 31, 17, 0, 0, tzinfo=UTC), 2026),
        (datetime(2026, 1, 1, 0, 30, tzinfo=WIB), 2026),
    ],
)
def test_the_ticket_year_is_the_receipt_year_in_jakarta(received: datetime, year: int) -> None:
    assert ticket_year(received) == year


# --- resubmission ---------------------------------------------------------------------------


def test_an_unknown_request_cannot_be_resubmitted() -> None:
    with pytest.raises(RequestNotFound):
        run(resubmit())


@pytest.mark.parametrize(
    "facts",
    [[submitted()], [submitted(), returned(3), resubmitted(5)]],
    ids=["submitted", "resubmitted"],
)
def test_only_a_returned_request_is_resubmitted(facts: list[Fact]) -> None:
    with pytest.raises(NotReturned):
        run(resubmit(), fold(TICKET, facts))


def test_a_returned_request_is_resubmitted_under_its_ticket() -> None:
    corrected = form(impact="sedang", urgency="rendah")
    state = fold(TICKET, [submitted(), returned(3)])
    event = only(run(resubmit(form=corrected), state), RequestResubmitted)
    assert event.ticket_id == TICKET
    assert event.form == corrected
    assert event.priority is Priority.P4
    assert event.resubmission == 1
    assert event.answer == "NIP sudah diperbaiki"
    assert event.received_at == NOW
    assert event.registered_by is None
    assert event.attachments == ()


def test_the_second_resubmission_is_numbered_two() -> None:
    state = fold(TICKET, [submitted(), returned(3), resubmitted(5), returned(9, at=NOW)])
    assert only(run(resubmit(), state), RequestResubmitted).resubmission == 2


def test_another_agency_cannot_resubmit_nor_learn_the_request_exists() -> None:
    state = fold(TICKET, [submitted(), returned(3)])
    with pytest.raises(RequestNotFound):
        run(resubmit(OTHER_APPLICANT, form=form(agency="Dinas Pendidikan")), state)


def test_a_resubmission_keeps_the_agency() -> None:
    state = fold(TICKET, [submitted(), returned(3)])
    with pytest.raises(AgencyChanged) as refused:
        run(
            resubmit(
                DESK,
                form=form(agency="Dinas Pendidikan"),
                channel=Channel.EMAIL,
                received_at=NOW,
            ),
            state,
        )
    assert refused.value.field == "form.applicant.agency"


def test_the_desk_registers_a_resubmission_that_came_by_letter() -> None:
    state = fold(TICKET, [submitted(), returned(3)])
    received = NOW - timedelta(hours=1)
    command = resubmit(DESK, channel=Channel.LETTER, received_at=received)
    event = only(run(command, state), RequestResubmitted)
    assert event.received_at == received
    assert event.registered_by == Officer(nip=OFFICER_NIP, name="Budi Santoso")


def test_a_resubmission_follows_the_channel_rules() -> None:
    state = fold(TICKET, [submitted(), returned(3)])
    with pytest.raises(ChannelNotAllowed):
        run(resubmit(channel=Channel.EMAIL), state)
    with pytest.raises(ReceiptTimeRequired):
        run(resubmit(DESK, channel=Channel.EMAIL), state)


def test_a_resubmission_cannot_arrive_before_the_return() -> None:
    state = fold(TICKET, [submitted(), returned(3, at=NOW - timedelta(hours=2))])
    command = resubmit(DESK, channel=Channel.LETTER, received_at=NOW - timedelta(hours=3))
    with pytest.raises(ReceiptTimeBeforeReturn):
        run(command, state)


def test_a_resubmission_may_bring_new_files_and_reuse_its_own() -> None:
    own = upload(AttachmentKind.OTHER, ticket_id=TICKET)
    fresh = upload(AttachmentKind.OTHER)
    state = fold(TICKET, [submitted(), returned(3)])
    command = resubmit(attachment_ids=(own.attachment_id, fresh.attachment_id))
    event = only(run(command, state, own, fresh), RequestResubmitted)
    assert event.attachments == (own.attachment, fresh.attachment)


def test_a_resubmission_cannot_take_another_requests_file() -> None:
    theirs = upload(AttachmentKind.OTHER, ticket_id="SC05-2026-00001")
    state = fold(TICKET, [submitted(), returned(3)])
    with pytest.raises(AttachmentInUse):
        run(resubmit(attachment_ids=(theirs.attachment_id,)), state, theirs)


# --- returns and the state ------------------------------------------------------------------


def test_facts_are_folded_in_log_order_whatever_order_they_come_in() -> None:
    state = fold(TICKET, [resubmitted(7), returned(3), submitted(1), returned(5)])
    assert state.status is Status.SUBMITTED  # submitted again; resubmissions counts it
    assert state.resubmissions == 1


def test_a_return_records_when_where_and_why() -> None:
    at = NOW - timedelta(hours=5)
    state = record_return(TICKET, [submitted()], returned(4, at=at))
    assert state.status is Status.RETURNED
    assert state.last_return is not None
    assert (state.last_return.at, state.last_return.step) == (at, Step.DISPOSE_KABID)
    assert state.last_return.reasons == ("NIP keliru",)


def test_a_return_of_an_unknown_request_is_refused() -> None:
    with pytest.raises(RequestNotFound):
        record_return(TICKET, [], returned(4))


def test_resubmitted_attachments_add_to_the_first() -> None:
    extra = upload(AttachmentKind.OTHER).attachment
    event = resubmitted(5).event.model_copy(update={"attachments": (extra,)})
    state = fold(TICKET, [submitted(), returned(3), Fact(5, NOW, event)])
    assert state.attachments == (LETTER.attachment, extra)
    assert state.received_at == NOW - timedelta(days=3)
    assert state.last_received_at == NOW - timedelta(days=1)


def test_applicants_see_their_agency_and_staff_see_all() -> None:
    state = fold(TICKET, [submitted()])
    assert may_see(APPLICANT, state)
    assert may_see(APPLICANT.model_copy(update={"agency": " dinas kesehatan "}), state)
    assert not may_see(OTHER_APPLICANT, state)
    assert not may_see(APPLICANT.model_copy(update={"agency": None}), state)
    for role in (Role.KADIS, Role.KABID, Role.PRAKOM, Role.PETUGAS, Role.ADMIN, Role.AUDITOR):
        assert may_see(KADIS.model_copy(update={"role": role}), state)


# --- uploads --------------------------------------------------------------------------------


def upload_command(actor: Actor = APPLICANT, **changes: Any) -> UploadAttachment:
    fields: dict[str, Any] = {
        "actor": actor,
        "kind": AttachmentKind.REQUEST_LETTER,
        "filename": "surat.pdf",
        "content_type": "application/pdf",
        "content": PDF,
    }
    return UploadAttachment(**{**fields, **changes})


def test_an_upload_is_described_by_its_size_type_and_sha256() -> None:
    attachment_id = uuid4()
    command = upload_command(
        filename="C:\\Users\\rina\\Surat Permohonan.pdf",
        content_type="Application/PDF; name=x",
    )
    done = accept_upload(command, attachment_id=attachment_id, max_bytes=1024)
    assert done.attachment_id == attachment_id
    assert done.owner == "agency:dinas kesehatan"
    assert done.ticket_id is None
    assert done.attachment == Attachment(
        kind=AttachmentKind.REQUEST_LETTER,
        filename="Surat Permohonan.pdf",
        content_type="application/pdf",
        size_bytes=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        storage_key=f"intake/attachments/{attachment_id}",
    )


def test_png_and_jpeg_are_accepted_too() -> None:
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 8
    for content_type, content in (("image/png", PNG), ("image/jpeg", jpeg)):
        command = upload_command(content_type=content_type, content=content)
        done = accept_upload(command, attachment_id=uuid4(), max_bytes=1024)
        assert done.attachment.content_type == content_type


def test_an_empty_upload_is_refused() -> None:
    with pytest.raises(AttachmentEmpty):
        accept_upload(upload_command(content=b""), attachment_id=uuid4(), max_bytes=1024)


def test_an_upload_over_the_cap_is_refused_and_one_at_the_cap_accepted() -> None:
    with pytest.raises(AttachmentTooLarge):
        accept_upload(upload_command(), attachment_id=uuid4(), max_bytes=len(PDF) - 1)
    accept_upload(upload_command(), attachment_id=uuid4(), max_bytes=len(PDF))


@pytest.mark.parametrize("content_type", ["text/plain", "application/zip", "image/gif"])
def test_only_pdf_png_and_jpeg_are_accepted(content_type: str) -> None:
    with pytest.raises(AttachmentTypeNotAllowed):
        command = upload_command(content_type=content_type)
        accept_upload(command, attachment_id=uuid4(), max_bytes=1024)


def test_bytes_that_are_not_what_the_type_says_are_refused() -> None:
    with pytest.raises(AttachmentContentMismatch):
        command = upload_command(content_type="image/png", content=PDF)
        accept_upload(command, attachment_id=uuid4(), max_bytes=1024)


def test_the_desks_uploads_belong_to_the_desk() -> None:
    done = accept_upload(upload_command(DESK), attachment_id=uuid4(), max_bytes=1024)
    assert done.owner == "desk" == owner_of(DESK)


@pytest.mark.parametrize(
    ("actor", "error"),
    [(KADIS, RoleNotAllowed), (APPLICANT.model_copy(update={"agency": None}), AgencyMissing)],
)
def test_only_an_applicant_with_an_agency_or_the_desk_uploads(
    actor: Actor, error: type[Refused]
) -> None:
    with pytest.raises(error):
        accept_upload(upload_command(actor), attachment_id=uuid4(), max_bytes=1024)


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("surat.pdf", "surat.pdf"),
        ("a/b/surat.pdf", "surat.pdf"),
        ("..", "lampiran"),
        ("", "lampiran"),
    ],
)
def test_a_file_name_loses_its_folders(sent: str, kept: str) -> None:
    assert bare_filename(sent) == kept


# --- how far back the desk may date a receipt ------------------------------------------------


def confirmation(received_at: datetime, *, used_by: str | None = None) -> Confirmation:
    """An administrator's confirmation of `received_at`."""
    confirmed = BackdateConfirmation(
        confirmation_id=uuid4(),
        confirmed_by=Officer(nip="198001012005011001", name="Admin Diskominfo"),
        reason="Cap agenda surat masuk",
        confirmed_at=NOW,
    )
    return Confirmation(confirmed.confirmation_id, received_at, confirmed, used_by)


def backdated(received_at: datetime, found: Confirmation | None = None) -> list[Event]:
    """The desk registers a letter of `received_at`, naming `found` if given."""
    named = found.confirmation_id if found else None
    command = by_desk(received_at=received_at, backdate_confirmation_id=named)
    uploaded = uploads(DESK_LETTER)
    state = RequestState(ticket_id=TICKET)
    return decide(command, state, now=NOW, uploads=uploaded, backdating=Backdating(30, found))


def test_the_bound_counts_calendar_days_in_wib() -> None:
    # NOW is 2 March 2026, 09.00 WIB: 30 days back is 31 January, from its first minute.
    first_minute = datetime(2026, 1, 31, 0, 0, tzinfo=WIB)
    assert only(backdated(first_minute), RequestSubmitted).backdate_confirmation is None
    with pytest.raises(ReceiptTimeTooOld) as refused:
        backdated(first_minute - timedelta(minutes=1))
    assert refused.value.field == "received_at"
    assert "Sabtu, 31 Januari 2026" in refused.value.message


def test_an_administrators_confirmation_carries_an_old_receipt_time_into_the_event() -> None:
    received = NOW - timedelta(days=365)
    found = confirmation(received)
    event = only(backdated(received, found), RequestSubmitted)
    assert event.backdate_confirmation == found.confirmation
    assert ticket_year(event.received_at) == 2025  # the year it was received in


@pytest.mark.parametrize(
    ("found", "refusal"),
    [
        (None, BackdateConfirmationNotFound),
        (confirmation(NOW - timedelta(days=40)), BackdateConfirmationMismatch),
        (confirmation(NOW - timedelta(days=41), used_by=TICKET), BackdateConfirmationUsed),
    ],
)
def test_a_confirmation_must_be_there_unused_and_for_this_receipt_time(
    found: Confirmation | None, refusal: type[Refused]
) -> None:
    named = by_desk(received_at=NOW - timedelta(days=41), backdate_confirmation_id=uuid4())
    with pytest.raises(refusal):
        decide(
            named,
            RequestState(ticket_id=TICKET),
            now=NOW,
            uploads=uploads(DESK_LETTER),
            backdating=Backdating(30, found),
        )


@pytest.mark.parametrize(
    ("actor", "refusal"),
    [
        (DESK, RoleNotAllowed),
        (Actor(name="Admin tanpa NIP", role=Role.ADMIN), ConfirmerUnknown),
    ],
)
def test_only_an_administrator_with_a_nip_confirms(actor: Actor, refusal: type[Refused]) -> None:
    command = ConfirmBackdate(actor=actor, received_at=NOW - timedelta(days=40), reason="Benar")
    with pytest.raises(refusal):
        confirm_backdate(command, confirmation_id=uuid4(), now=NOW)


# --- the daily upload quota ----------------------------------------------------------------


def test_over_the_quota_is_refused_until_the_next_midnight_in_wib() -> None:
    quota = UploadQuota(bytes=200 * MIB, files=200)
    at = datetime(2026, 12, 7, 16, 30, tzinfo=UTC)  # 23.30 WIB
    refused = quota_refusal(quota, owner="agency:dinas kesehatan", now=at)
    assert (refused.code, refused.retry_after) == ("upload_quota_exceeded", 1800)
    assert "200 MiB atau 200 berkas per hari" in refused.message
    assert "pukul 00.00 WIB, Selasa, 8 Desember 2026" in refused.message
    assert upload_day(at).isoformat() == "2026-12-07"


def test_the_desk_counts_against_its_own_quota() -> None:
    quotas = UploadQuotas(agency=UploadQuota(1, 1), desk=UploadQuota(2, 2))
    assert quotas.of(owner_of(DESK) or "") == UploadQuota(2, 2)
    assert quotas.of(owner_of(APPLICANT) or "") == UploadQuota(1, 1)
