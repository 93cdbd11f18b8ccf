"""Every event of the SC-05 service: one frozen class per fact, registered by its `type`."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Literal, Self
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from penghubung.events.base import Actor, Event, Role
from penghubung.events.registry import registry
from penghubung.forms import (
    Attachment,
    FormValueError,
    IntegrationDetails,
    LongText,
    Officer,
    ServiceRequestForm,
    StandIn,
    StressTestForm,
    Text,
    TicketId,
    VulnerabilityAssessmentForm,
    format_berita_acara_number,
)
from penghubung.sop import Channel, Difficulty, DocumentKind, Priority, Step

__all__ = [
    "AttachmentDiscarded",
    "BackdateConfirmation",
    "BeritaAcaraNumberReserved",
    "ClosureReason",
    "DiscardReason",
    "Disposed",
    "FeasibilityCorrected",
    "FeasibilityDone",
    "ImplementationCorrected",
    "Integrated",
    "Outcome",
    "ReportArchived",
    "ReportRevised",
    "ReportSection",
    "ReportWritten",
    "RequestClosed",
    "RequestResubmitted",
    "RequestReturned",
    "RequestSubmitted",
    "WorkReassigned",
    "disposition_step",
    "upload_stream",
]

_TYPE = "The event type name"
_VERSION = "Schema version of this event's payload"
_TICKET = "The request's ticket id (SC05-YYYY-NNNNN)"

_DISPOSITION_STEPS: dict[tuple[Role, Role], Step] = {
    (Role.KADIS, Role.KABID): Step.DISPOSE_KABID,
    (Role.KABID, Role.PRAKOM): Step.DISPOSE_PRAKOM,
    (Role.PRAKOM, Role.PETUGAS): Step.DISPOSE_PETUGAS,
}


def disposition_step(from_role: Role, to_role: Role) -> Step | None:
    """The SOP step of a hand-down; None unless kadis→kabid, kabid→prakom or prakom→petugas."""
    return _DISPOSITION_STEPS.get((from_role, to_role))


# --- intake ---------------------------------------------------------------------------------


class BackdateConfirmation(BaseModel):
    """An administrator's confirmation that a desk registration really arrived further back than
    the desk may date one alone (PENGHUBUNG_INTAKE_BACKDATE_MAX_DAYS)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    confirmation_id: UUID = Field(description="Its id, from POST /backdate-confirmations")
    confirmed_by: Officer = Field(description="The administrator who confirmed: NIP and name")
    reason: LongText = Field(description="Why the old receipt time is right, in their words")
    confirmed_at: AwareDatetime = Field(description="When the administrator confirmed it")


@registry.register
class RequestSubmitted(Event):
    """A request was registered at the service desk (SOP step 1)."""

    category: ClassVar[str] = "intake"

    type: Literal["RequestSubmitted"] = Field(default="RequestSubmitted", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    ticket_id: TicketId = Field(description=_TICKET)
    form: ServiceRequestForm = Field(description="The service request form as filled in")
    channel: Channel = Field(description="How the request reached the desk")
    received_at: AwareDatetime = Field(
        description="When the request really arrived (a letter's receipt time, not its typing)"
    )
    registered_by: Officer | None = Field(
        default=None, description="The officer who registered a non-portal request, if any"
    )
    attachments: tuple[Attachment, ...] = Field(
        default=(), description="Files sent with the request (the request letter among them)"
    )
    priority: Priority = Field(description="Priority given by impact × urgency at registration")
    resubmission: int = Field(
        default=0, ge=0, description="0 for a first submission (resubmissions have their event)"
    )
    backdate_confirmation: BackdateConfirmation | None = Field(
        default=None,
        description="The administrator's confirmation of a receipt time further back than the"
        " desk may date alone; none otherwise",
    )


@registry.register
class RequestResubmitted(Event):
    """A returned request came back, completed, under the same ticket."""

    category: ClassVar[str] = "intake"

    type: Literal["RequestResubmitted"] = Field(default="RequestResubmitted", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    ticket_id: TicketId = Field(description=_TICKET)
    form: ServiceRequestForm = Field(description="The corrected service request form")
    channel: Channel = Field(description="How the resubmission reached the desk")
    received_at: AwareDatetime = Field(description="When the resubmission really arrived")
    registered_by: Officer | None = Field(
        default=None, description="The officer who registered a non-portal resubmission, if any"
    )
    attachments: tuple[Attachment, ...] = Field(
        default=(), description="Files sent with the resubmission"
    )
    priority: Priority = Field(description="Priority by impact × urgency of the corrected form")
    resubmission: int = Field(ge=1, description="1 for the first resubmission, 2 for the next…")
    answer: LongText = Field(description="The applicant's answer to the reasons for return")


class DiscardReason(StrEnum):
    """Why an upload was removed."""

    UNATTACHED = "unattached"
    """No request referenced it within PENGHUBUNG_INTAKE_UNATTACHED_UPLOAD_HOURS."""


@registry.register
class AttachmentDiscarded(Event):
    """An uploaded file that no request referenced in time was removed, bytes and all."""

    category: ClassVar[str] = "intake"

    type: Literal["AttachmentDiscarded"] = Field(default="AttachmentDiscarded", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    attachment_id: UUID = Field(description="The upload's id, as POST /attachments answered it")
    attachment: Attachment = Field(description="The file's metadata (its bytes are gone)")
    owner: str = Field(description="Whose upload it was: agency:<agency key>, or desk")
    uploaded_by: Actor = Field(description="Who uploaded it")
    uploaded_at: AwareDatetime = Field(description="When it was uploaded")
    reason: DiscardReason = Field(description="Why it was removed: unattached")


def upload_stream(attachment_id: UUID) -> str:
    """The intake stream of one upload's own facts (its removal)."""
    return f"intake-upload-{attachment_id}"


# --- disposition ----------------------------------------------------------------------------


@registry.register
class RequestReturned(Event):
    """The request was sent back to the applicant as incomplete, with the reasons."""

    category: ClassVar[str] = "disposition"

    type: Literal["RequestReturned"] = Field(default="RequestReturned", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    ticket_id: TicketId = Field(description=_TICKET)
    step: Step = Field(description="The SOP step at which the request was returned")
    reasons: tuple[LongText, ...] = Field(
        min_length=1, description="Why it was returned, in Bahasa Indonesia, at least one"
    )


@registry.register
class Disposed(Event):
    """The request was handed one level down: kadis→kabid, kabid→prakom or prakom→petugas."""

    category: ClassVar[str] = "disposition"

    type: Literal["Disposed"] = Field(default="Disposed", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    ticket_id: TicketId = Field(description=_TICKET)
    from_role: Role = Field(description="The role that disposed (kadis, kabid or prakom)")
    to_role: Role = Field(description="The role it was handed to (kabid, prakom or petugas)")
    instruction: LongText = Field(description="The written instruction of the disposition")
    to_officer: Officer | None = Field(
        default=None, description="The officer ordered to do the work; required for petugas"
    )
    documents: tuple[DocumentKind, ...] = Field(
        default=(), description="The papers present at this step (the SOP's kelengkapan)"
    )
    stand_in: StandIn | None = Field(
        default=None, description="Plt or Plh when a stand-in disposed for the role holder"
    )

    @model_validator(mode="after")
    def _hand_down(self) -> Self:
        if disposition_step(self.from_role, self.to_role) is None:
            raise FormValueError(
                "disposition_roles", "disposisi hanya kadis→kabid, kabid→prakom, prakom→petugas"
            )
        if self.to_role is Role.PETUGAS and self.to_officer is None:
            raise FormValueError("to_officer", "petugas service desk yang diperintah wajib disebut")
        return self

    @property
    def step(self) -> Step:
        """The SOP step this disposition completes."""
        step = disposition_step(self.from_role, self.to_role)
        assert step is not None  # checked on validation
        return step


@registry.register
class WorkReassigned(Event):
    """A prakom or kabid moved the request's work from one petugas to another, with a reason.

    The step's SLA clock goes on: the time is the office's, not the officer's."""

    category: ClassVar[str] = "disposition"

    type: Literal["WorkReassigned"] = Field(default="WorkReassigned", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    ticket_id: TicketId = Field(description=_TICKET)
    from_officer: Officer = Field(description="The petugas who loses the work item")
    to_officer: Officer = Field(description="The petugas who gets it")
    reason: LongText = Field(description="Why the work moves")


# --- integration ----------------------------------------------------------------------------


@registry.register
class FeasibilityDone(Event):
    """The feasibility analysis is finished (SOP step 5a): feasible or not, and why."""

    category: ClassVar[str] = "integration"

    type: Literal["FeasibilityDone"] = Field(default="FeasibilityDone", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    ticket_id: TicketId = Field(description=_TICKET)
    difficulty: Difficulty = Field(description="Difficulty; sets the implementation's working days")
    feasible: bool = Field(description="Whether the integration may go ahead")
    vulnerability: VulnerabilityAssessmentForm = Field(
        description="The vulnerability-assessment form"
    )
    stress_test: StressTestForm = Field(description="The stress-test form")
    notes: LongText = Field(description="The officer's notes of the analysis (Catatan)")
    recommendations: tuple[LongText, ...] = Field(
        default=(), description="Advice and recommendations to the agency (saran dan rekomendasi)"
    )

    def corrected(self, correction: FeasibilityCorrected) -> FeasibilityDone:
        """The analysis corrected: forms, notes and advice replaced; verdict and difficulty kept."""
        fixed = correction.model_dump(
            include={"vulnerability", "stress_test", "notes", "recommendations"}
        )
        return FeasibilityDone.model_validate({**self.model_dump(), **fixed})


@registry.register
class FeasibilityCorrected(Event):
    """The petugas corrected a recorded feasibility analysis, with a reason; the original stays
    in the log. The verdict and the difficulty (which steered the flow and the clocks) stand."""

    category: ClassVar[str] = "integration"

    type: Literal["FeasibilityCorrected"] = Field(default="FeasibilityCorrected", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    ticket_id: TicketId = Field(description=_TICKET)
    vulnerability: VulnerabilityAssessmentForm = Field(
        description="The corrected vulnerability-assessment form"
    )
    stress_test: StressTestForm = Field(description="The corrected stress-test form")
    notes: LongText = Field(description="The corrected notes of the analysis")
    recommendations: tuple[LongText, ...] = Field(
        default=(), description="The corrected advice and recommendations"
    )
    reason: LongText = Field(description="Why the analysis was corrected")


@registry.register
class ImplementationCorrected(Event):
    """The petugas corrected a recorded implementation, with a reason; the original stays."""

    category: ClassVar[str] = "integration"

    type: Literal["ImplementationCorrected"] = Field(
        default="ImplementationCorrected", description=_TYPE
    )
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    ticket_id: TicketId = Field(description=_TICKET)
    details: IntegrationDetails = Field(description="The corrected mechanism and endpoints")
    notes: LongText = Field(description="The corrected notes of the implementation")
    reason: LongText = Field(description="Why the implementation was corrected")


@registry.register
class Integrated(Event):
    """The integration is implemented and works (SOP step 5b)."""

    category: ClassVar[str] = "integration"

    type: Literal["Integrated"] = Field(default="Integrated", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    ticket_id: TicketId = Field(description=_TICKET)
    details: IntegrationDetails = Field(description="What was built and where it is reached")
    notes: LongText = Field(description="The officer's notes of the implementation (Catatan)")

    def corrected(self, correction: ImplementationCorrected) -> Integrated:
        """The implementation as corrected: mechanism, endpoints and notes replaced."""
        fixed = correction.model_dump(include={"details", "notes"})
        return Integrated.model_validate({**self.model_dump(), **fixed})


class ClosureReason(StrEnum):
    """Why a request was closed without an integration."""

    NOT_FEASIBLE = "not_feasible"


@registry.register
class RequestClosed(Event):
    """The request was closed without an integration."""

    category: ClassVar[str] = "integration"

    type: Literal["RequestClosed"] = Field(default="RequestClosed", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    ticket_id: TicketId = Field(description=_TICKET)
    reason: ClosureReason = Field(description="Why it was closed")
    recommendation: LongText = Field(description="What the agency is advised to do instead")


# --- reporting ------------------------------------------------------------------------------


class Outcome(StrEnum):
    """How a request ended, as a report states it."""

    INTEGRATED = "integrated"
    NOT_FEASIBLE = "not_feasible"


class ReportSection(BaseModel):
    """One titled part of a report."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: Text = Field(description="Heading of the section")
    body: LongText = Field(description="Text of the section")


@registry.register
class ReportWritten(Event):
    """The report of a finished request was written from the notes (SOP step 6)."""

    category: ClassVar[str] = "reporting"

    type: Literal["ReportWritten"] = Field(default="ReportWritten", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    ticket_id: TicketId = Field(description=_TICKET)
    outcome: Outcome = Field(description="Integrated, or closed as not feasible")
    summary: LongText = Field(description="Summary of the report, built from the notes")
    sections: tuple[ReportSection, ...] = Field(
        default=(), description="The report's sections, in order"
    )


@registry.register
class ReportRevised(Event):
    """The report was written again from corrected facts: a feasibility analysis or an
    implementation corrected after the report was written. The first report stays in the log;
    the views and the papers show the latest revision."""

    category: ClassVar[str] = "reporting"

    type: Literal["ReportRevised"] = Field(default="ReportRevised", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    ticket_id: TicketId = Field(description=_TICKET)
    revision: int = Field(ge=1, description="Which revision this is: 1 for the first")
    corrected: Literal["FeasibilityCorrected", "ImplementationCorrected"] = Field(
        description="The correction the revision follows"
    )
    reason: LongText = Field(description="The correction's reason, as the petugas gave it")
    summary: LongText = Field(description="The revised summary")
    sections: tuple[ReportSection, ...] = Field(
        default=(), description="The revised sections, in order (the whole report, not a diff)"
    )
    changed: tuple[Text, ...] = Field(
        default=(), description="Titles of the sections that changed (and `Ringkasan`)"
    )


@registry.register
class ReportArchived(Event):
    """The report was entered in the agenda book under its number (SOP step 7)."""

    category: ClassVar[str] = "reporting"

    type: Literal["ReportArchived"] = Field(default="ReportArchived", description=_TYPE)
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    ticket_id: TicketId = Field(description=_TICKET)
    agenda_year: int = Field(ge=2000, le=9999, description="Year of the agenda book")
    agenda_number: int = Field(ge=1, description="Number of the entry in that year's agenda book")
    agenda_code: Text = Field(description="The entry's number as written in the agenda book")
    report_ref: Text = Field(description="Reference of the archived report document (storage key)")


@registry.register
class BeritaAcaraNumberReserved(Event):
    """A Berita Acara number was taken for a request: `NNN/BA-LIA/SC-05/DISKOMINFO/YYYY`."""

    category: ClassVar[str] = "reporting"

    type: Literal["BeritaAcaraNumberReserved"] = Field(
        default="BeritaAcaraNumberReserved", description=_TYPE
    )
    schema_version: Literal[1] = Field(default=1, description=_VERSION)
    ticket_id: TicketId = Field(description=_TICKET)
    year: int = Field(ge=2000, le=9999, description="Year of the numbering")
    sequence: int = Field(ge=1, description="Sequence number within the year")
    number: str = Field(description="The formatted number, NNN/BA-LIA/SC-05/DISKOMINFO/YYYY")

    @model_validator(mode="after")
    def _number_matches(self) -> Self:
        if self.number != format_berita_acara_number(self.year, self.sequence):
            raise FormValueError(
                "berita_acara_number", "nomor berita acara tidak sesuai tahun dan urutannya"
            )
        return self
