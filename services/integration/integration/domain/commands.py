"""What the integration service is asked: open a work item, record the analysis, the integration."""

from __future__ import annotations

from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from penghubung.events.base import Actor
from penghubung.forms import (
    IntegrationDetails,
    LongText,
    Officer,
    StressTestForm,
    TicketId,
    VulnerabilityAssessmentForm,
)
from penghubung.sop import Difficulty


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ticket_id: TicketId = Field(description="The request's ticket id")
    actor: Actor = Field(description="Who issues the command (the assigned petugas or a stand-in)")


class AnalyseFeasibility(_Command):
    """Record the feasibility analysis of a request (SOP step 5a)."""

    difficulty: Difficulty = Field(description="Difficulty: rendah, sedang or tinggi")
    feasible: bool = Field(description="Whether the integration may go ahead")
    vulnerability: VulnerabilityAssessmentForm = Field(description="The vulnerability assessment")
    stress_test: StressTestForm = Field(description="The stress test")
    notes: LongText = Field(description="The officer's notes of the analysis")
    recommendations: tuple[LongText, ...] = Field(
        default=(), description="Advice to the agency; at least one when not feasible"
    )


class ImplementIntegration(_Command):
    """Record that the integration is implemented and works (SOP step 5b)."""

    details: IntegrationDetails = Field(description="The mechanism and where it is reached")
    notes: LongText = Field(description="The officer's notes of the implementation")


class AssignOfficer(BaseModel):
    """Give a request's work item to the officer a prakom ordered (disposition to petugas)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ticket_id: TicketId = Field(description="The request's ticket id")
    officer: Officer = Field(description="The petugas ordered to do the work")
    instruction: LongText = Field(description="The prakom's written instruction")
    assigned_at: AwareDatetime = Field(description="When the disposition was really made")
    assigned_by: Actor = Field(description="Who disposed (the prakom, or a stand-in)")
    disposition_event_id: UUID = Field(description="The Disposed event behind the assignment")
    disposition_position: int = Field(
        ge=1, description="Its position in the log: a later order replaces an earlier one"
    )


class CorrectFeasibility(_Command):
    """Correct the recorded analysis (forms, notes, advice), with a reason."""

    vulnerability: VulnerabilityAssessmentForm = Field(description="The corrected assessment")
    stress_test: StressTestForm = Field(description="The corrected stress test")
    notes: LongText = Field(description="The corrected notes")
    recommendations: tuple[LongText, ...] = Field(default=(), description="The corrected advice")
    reason: LongText = Field(description="Why it is corrected")


class CorrectImplementation(_Command):
    """Correct the recorded implementation (mechanism, endpoints, notes), with a reason."""

    details: IntegrationDetails = Field(description="The corrected mechanism and endpoints")
    notes: LongText = Field(description="The corrected notes")
    reason: LongText = Field(description="Why it is corrected")


Command = AnalyseFeasibility | ImplementIntegration | CorrectFeasibility | CorrectImplementation
