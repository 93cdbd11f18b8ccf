"""The HTTP API: a petugas's work items, the feasibility analysis and the implementation."""

from __future__ import annotations

from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from integration.adapters import db
from integration.adapters.db import WorkItemRecord
from integration.app.handlers import Handlers
from integration.domain import errors
from integration.domain.commands import (
    AnalyseFeasibility,
    CorrectFeasibility,
    CorrectImplementation,
    ImplementIntegration,
)
from integration.domain.errors import NipMissing, WorkItemNotFound
from integration.domain.state import Status
from penghubung.events.base import Role
from penghubung.forms import (
    IntegrationDetails,
    LongText,
    Officer,
    StressTestForm,
    VulnerabilityAssessmentForm,
)
from penghubung.instants import Instant
from penghubung.sop import Difficulty
from penghubung.web.auth import Principal, require
from penghubung.web.errors import ERROR_RESPONSES, refusals
from penghubung.web.idempotency import Idempotent
from penghubung.web.params import Limit, Offset, Ticket

READERS = (Role.PETUGAS, Role.PRAKOM, Role.KABID, Role.KADIS, Role.ADMIN, Role.AUDITOR)
"""Who may read work items; a petugas sees only their own."""


Petugas = Annotated[Principal, Depends(require(Role.PETUGAS))]
"""The caller, admitted only as a petugas."""
Reader = Annotated[Principal, Depends(require(*READERS))]
"""The caller, admitted as any role that reads work items."""


# --- bodies ---------------------------------------------------------------------------------


class FeasibilityBody(BaseModel):
    """The feasibility analysis with its two forms (SOP step 5a)."""

    model_config = ConfigDict(extra="forbid")

    difficulty: Difficulty = Field(description="Difficulty: rendah, sedang or tinggi")
    feasible: bool = Field(description="Whether the integration may go ahead")
    vulnerability: VulnerabilityAssessmentForm = Field(description="The vulnerability assessment")
    stress_test: StressTestForm = Field(description="The stress test")
    notes: LongText = Field(description="The officer's notes of the analysis (Catatan)")
    recommendations: tuple[LongText, ...] = Field(
        default=(),
        max_length=20,
        description="Saran dan rekomendasi; at least one when not feasible (it closes the request)",
    )


class ImplementationBody(BaseModel):
    """The finished integration (SOP step 5b)."""

    model_config = ConfigDict(extra="forbid")

    details: IntegrationDetails = Field(description="Mechanism, GSB service or API base URL, …")
    notes: LongText = Field(description="The officer's notes of the implementation (Catatan)")


class FeasibilityCorrectionBody(BaseModel):
    """The analysis as it should have been recorded (the verdict and difficulty stand), and why."""

    model_config = ConfigDict(extra="forbid")

    vulnerability: VulnerabilityAssessmentForm = Field(description="The corrected assessment")
    stress_test: StressTestForm = Field(description="The corrected stress test")
    notes: LongText = Field(description="The corrected notes")
    recommendations: tuple[LongText, ...] = Field(
        default=(), max_length=20, description="The corrected advice"
    )
    reason: LongText = Field(description="Why it is corrected")

    @model_validator(mode="before")
    @classmethod
    def _verdict_stands(cls, data: Any) -> Any:
        """A verdict or a difficulty in a correction is refused by name, not as an unknown field."""
        if isinstance(data, dict):
            for name in ("feasible", "difficulty"):
                if name in data:
                    raise errors.VerdictNotCorrectable(field=name)
        return data


class ImplementationCorrectionBody(BaseModel):
    """The implementation as it should have been recorded, and why."""

    model_config = ConfigDict(extra="forbid")

    details: IntegrationDetails = Field(description="The corrected mechanism and endpoints")
    notes: LongText = Field(description="The corrected notes")
    reason: LongText = Field(description="Why it is corrected")


# --- views ----------------------------------------------------------------------------------


class AssignedBy(BaseModel):
    """Who ordered the work (the prakom, or a stand-in)."""

    nip: str | None = Field(description="NIP of the one who disposed")
    name: str = Field(description="Name of the one who disposed")


class WorkItemSummary(BaseModel):
    """A work item as listed."""

    ticket_id: str = Field(description="The request's ticket id")
    officer: Officer = Field(description="The petugas who holds the work item")
    instruction: str = Field(description="The prakom's written instruction")
    assigned_at: Instant = Field(description="When the petugas was ordered")
    assigned_by: AssignedBy = Field(description="Who ordered the petugas")
    reassignments: int = Field(description="How often the work item moved to another petugas")
    status: Status = Field(description="assigned, analysed, integrated or closed")
    difficulty: Difficulty | None = Field(description="Difficulty, once analysed")
    feasible: bool | None = Field(description="Outcome of the analysis, once analysed")
    analysed_at: Instant | None = Field(description="When the analysis was recorded")
    integrated_at: Instant | None = Field(description="When the integration was recorded")
    closed_at: Instant | None = Field(description="When the request was closed as not feasible")


class AnalysisView(BaseModel):
    """The recorded feasibility analysis."""

    difficulty: Difficulty
    feasible: bool
    vulnerability: VulnerabilityAssessmentForm
    stress_test: StressTestForm
    notes: str
    recommendations: tuple[str, ...]


class ImplementationView(BaseModel):
    """The recorded integration."""

    details: IntegrationDetails
    notes: str


class WorkItemDetail(WorkItemSummary):
    """A work item with its analysis, its integration and its closing recommendation."""

    analysis: AnalysisView | None = Field(description="The feasibility analysis, once recorded")
    implementation: ImplementationView | None = Field(description="The integration, once done")
    closure_recommendation: str | None = Field(description="Advice given when closed")


class WorkItemPage(BaseModel):
    """One page of work items, oldest assignment first."""

    items: list[WorkItemSummary]
    total: int = Field(description="How many work items match in all")
    limit: int
    offset: int


def _summary_fields(record: WorkItemRecord) -> dict[str, Any]:
    return {
        "ticket_id": record.ticket_id,
        "officer": record.officer,
        "instruction": record.instruction,
        "assigned_at": record.assigned_at,
        "assigned_by": AssignedBy(nip=record.assigned_by_nip, name=record.assigned_by_name),
        "reassignments": record.reassignments,
        "status": record.status,
        "difficulty": record.difficulty,
        "feasible": record.feasible,
        "analysed_at": record.analysed_at,
        "integrated_at": record.integrated_at,
        "closed_at": record.closed_at,
    }


def summary(record: WorkItemRecord) -> WorkItemSummary:
    """A row as listed."""
    return WorkItemSummary.model_validate(_summary_fields(record))


def detail(record: WorkItemRecord) -> WorkItemDetail:
    """A row with everything recorded."""
    return WorkItemDetail.model_validate(
        {
            **_summary_fields(record),
            "analysis": record.analysis,
            "implementation": record.implementation,
            "closure_recommendation": record.closure_recommendation,
        }
    )


# --- routes ---------------------------------------------------------------------------------


def visible_to(principal: Principal) -> str | None:
    """The NIP whose work items a reader sees; None for those who see all."""
    if principal.role is not Role.PETUGAS:
        return None
    nip = principal.acting_for_nip or principal.nip
    if nip is None:
        raise NipMissing()
    return nip


def router(handlers: Handlers, pool: asyncpg.Pool) -> APIRouter:
    """The routes of the integration service."""
    api = APIRouter(tags=["integration"], responses=ERROR_RESPONSES)

    @api.get("/work-items", summary="Work items: a petugas's own, or all for the others")
    async def list_work_items(
        principal: Reader,
        status_: Annotated[Status | None, Query(alias="status")] = None,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> WorkItemPage:
        records, total = await db.page(
            pool, officer_nip=visible_to(principal), status=status_, limit=limit, offset=offset
        )
        return WorkItemPage(
            items=[summary(r) for r in records], total=total, limit=limit, offset=offset
        )

    @api.get(
        "/work-items/{ticket_id}",
        summary="One work item with its analysis and integration",
        responses=refusals(errors.WorkItemNotFound),
    )
    async def get_work_item(ticket_id: Ticket, principal: Reader) -> WorkItemDetail:
        record = await db.fetch(pool, ticket_id, officer_nip=visible_to(principal))
        if record is None:
            raise WorkItemNotFound()
        return detail(record)

    @api.post(
        "/requests/{ticket_id}/feasibility",
        status_code=status.HTTP_201_CREATED,
        response_model=WorkItemDetail,
        summary="Record the feasibility analysis (closes the request if not feasible)",
        responses=refusals(
            errors.WorkItemNotFound,
            errors.NipMissing,
            errors.NotAssignedToYou,
            errors.AlreadyAnalysed,
            errors.RecommendationRequired,
            errors.RecommendationsTooLong,
        ),
    )
    async def analyse_feasibility(
        ticket_id: Ticket,
        body: FeasibilityBody,
        principal: Petugas,
        once: Idempotent,
    ) -> dict[str, Any]:
        visible_to(principal)  # a petugas token without a NIP can hold no work item
        cmd = AnalyseFeasibility.model_validate(
            {**dict(body), "ticket_id": ticket_id, "actor": principal.actor()}
        )

        async def run(conn: asyncpg.Connection) -> WorkItemDetail:
            return detail(await handlers.analyse_feasibility(conn, cmd, causation_id=once.key))

        return await once.run(pool, "integration", cmd.actor, body, run, ticket_id=ticket_id)

    @api.post(
        "/requests/{ticket_id}/implementation",
        status_code=status.HTTP_201_CREATED,
        response_model=WorkItemDetail,
        summary="Record the implemented integration (after a feasible analysis)",
        responses=refusals(
            errors.WorkItemNotFound,
            errors.NipMissing,
            errors.NotAssignedToYou,
            errors.FeasibilityMissing,
            errors.NotFeasible,
            errors.AlreadyIntegrated,
        ),
    )
    async def implement_integration(
        ticket_id: Ticket,
        body: ImplementationBody,
        principal: Petugas,
        once: Idempotent,
    ) -> dict[str, Any]:
        visible_to(principal)
        cmd = ImplementIntegration.model_validate(
            {**dict(body), "ticket_id": ticket_id, "actor": principal.actor()}
        )

        async def run(conn: asyncpg.Connection) -> WorkItemDetail:
            return detail(await handlers.implement_integration(conn, cmd, causation_id=once.key))

        return await once.run(pool, "integration", cmd.actor, body, run, ticket_id=ticket_id)

    @api.post(
        "/requests/{ticket_id}/feasibility/corrections",
        status_code=status.HTTP_201_CREATED,
        response_model=WorkItemDetail,
        summary="Correct the recorded feasibility analysis, with a reason (the original stays)",
        responses=refusals(
            errors.WorkItemNotFound,
            errors.NipMissing,
            errors.NotAssignedToYou,
            errors.FeasibilityMissing,
            errors.RequestArchived,
            errors.VerdictNotCorrectable,
        ),
    )
    async def correct_feasibility(
        ticket_id: Ticket,
        body: FeasibilityCorrectionBody,
        principal: Petugas,
        once: Idempotent,
    ) -> dict[str, Any]:
        visible_to(principal)
        cmd = CorrectFeasibility.model_validate(
            {**dict(body), "ticket_id": ticket_id, "actor": principal.actor()}
        )

        async def run(conn: asyncpg.Connection) -> WorkItemDetail:
            return detail(await handlers.correct_feasibility(conn, cmd, causation_id=once.key))

        return await once.run(pool, "integration", cmd.actor, body, run, ticket_id=ticket_id)

    @api.post(
        "/requests/{ticket_id}/implementation/corrections",
        status_code=status.HTTP_201_CREATED,
        response_model=WorkItemDetail,
        summary="Correct the recorded implementation, with a reason (the original stays)",
        responses=refusals(
            errors.WorkItemNotFound,
            errors.NipMissing,
            errors.NotAssignedToYou,
            errors.IntegrationMissing,
            errors.RequestArchived,
        ),
    )
    async def correct_implementation(
        ticket_id: Ticket,
        body: ImplementationCorrectionBody,
        principal: Petugas,
        once: Idempotent,
    ) -> dict[str, Any]:
        visible_to(principal)
        cmd = CorrectImplementation.model_validate(
            {**dict(body), "ticket_id": ticket_id, "actor": principal.actor()}
        )

        async def run(conn: asyncpg.Connection) -> WorkItemDetail:
            return detail(await handlers.correct_implementation(conn, cmd, causation_id=once.key))

        return await once.run(pool, "integration", cmd.actor, body, run, ticket_id=ticket_id)

    return api
