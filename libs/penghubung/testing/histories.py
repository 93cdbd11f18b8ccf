"""SOP histories for the reporting tests: upstream facts appended as their services would.

`Histories` appends intake's, disposition's and integration's events (submissions, the chain of
dispositions with a stand-in, returns and resubmissions, analyses, pauses, integrations,
closures) to their own streams, each under the database role of the service that owns the
category (`upstream.Upstream`). What reporting writes itself (reports, Berita Acara numbers,
archives, warnings, calendar changes) comes from the reporting service under test.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime

from penghubung.events import Actor, Event, Metadata, NewEvent, Role
from penghubung.events.catalog import (
    ClosureReason,
    Disposed,
    FeasibilityDone,
    ImplementationCorrected,
    Integrated,
    RequestClosed,
    RequestResubmitted,
    RequestReturned,
    RequestSubmitted,
    WorkReassigned,
)
from penghubung.events.sla import ClockPaused, ClockResumed, PauseReason
from penghubung.eventstore.store import ANY_VERSION
from penghubung.forms import (
    Applicant,
    ApplicationInfo,
    AuthenticationType,
    ContactPerson,
    Echelon,
    IntegrationDetails,
    Mechanism,
    MechanismChoice,
    Officer,
    Platform,
    ServiceRequestForm,
    StandIn,
    StressTestForm,
    VulnerabilityAssessmentForm,
)
from penghubung.sop import Channel, Difficulty, DocumentKind, Impact, Priority, Step, Urgency
from penghubung.testing.upstream import Upstream

AGENCY = "Dinas Kesehatan"
KADIS = Officer(nip="197501012000031001", name="Kadis Kominfo")
PLH = Officer(nip="198004042006041004", name="Sekretaris Dinas")
KABID = Officer(nip="197802022003121002", name="Kabid eGotik")
PRAKOM = Officer(nip="198503032010011003", name="Prakom Aplikasi")
PETUGAS = Officer(nip="199005052015031005", name="Petugas Service Desk")
SECOND_PETUGAS = Officer(nip="199104042016041004", name="Yoga Pratama")
APPLICANT = Officer(nip="197001012000032001", name="Dr. Siti Aminah")
HOLDERS = {Role.KADIS: KADIS, Role.KABID: KABID, Role.PRAKOM: PRAKOM, Role.PETUGAS: PETUGAS}
NEXT = {Role.KADIS: Role.KABID, Role.KABID: Role.PRAKOM, Role.PRAKOM: Role.PETUGAS}
REGIONAL = "Sistem informasi daerah"
"""The application's description on the forms `Histories` submits."""


def new_ticket() -> str:
    """A random well-formed ticket id."""
    return f"SC05-2026-{random.randrange(10**7, 10**8)}"


def actor(officer: Officer, role: Role, **more: str) -> Actor:
    """An officer acting in a role."""
    return Actor(nip=officer.nip, name=officer.name, role=role, **more)


def contact(name: str) -> ContactPerson:
    """A contact person of the agency."""
    return ContactPerson(
        name=name,
        nip="198001012005011001",
        position="Kepala Seksi Aplikasi",
        work_unit="Seksi Aplikasi",
        office_address="Jl. Pulau Bangka, Pangkalpinang",
        mobile_phone="0821-8064-0997",
        email="aplikasi@dinkes.babelprov.go.id",
    )


def form(
    agency: str = AGENCY,
    application: str = "SIMPUS",
    *,
    description: str = "Sistem informasi puskesmas",
) -> ServiceRequestForm:
    """A complete request form of `agency`."""
    return ServiceRequestForm(
        applicant=Applicant(
            name=APPLICANT.name,
            nip=APPLICANT.nip,
            position="Kepala Bidang Pelayanan",
            work_unit="Bidang Pelayanan Kesehatan",
            office_address="Jl. Pulau Bangka, Pangkalpinang",
            mobile_phone="0821-8064-0997",
            email="siti@dinkes.babelprov.go.id",
            echelon=Echelon.III_A,
            agency=agency,
        ),
        application=ApplicationInfo(name=application, description=description),
        mechanism_available=True,
        mechanism=MechanismChoice(kind=Mechanism.GSB),
        impact=Impact.HIGH,
        urgency=Urgency.MEDIUM,
    )


def analysis(
    ticket: str,
    *,
    feasible: bool,
    difficulty: Difficulty = Difficulty.MEDIUM,
    description: str = "Aplikasi daerah",
    network_ip: str | None = None,
    dbms: tuple[str, ...] = (),
    recommendations: tuple[str, ...] = ("Lengkapi dokumen UAT",),
) -> FeasibilityDone:
    """A feasibility analysis with both test forms."""
    return FeasibilityDone(
        ticket_id=ticket,
        difficulty=difficulty,
        feasible=feasible,
        vulnerability=VulnerabilityAssessmentForm(
            application_name="SIMPUS",
            application_ip="10.10.1.5",
            network_ip=network_ip,
            description=description,
            platforms=(Platform.LINUX,),
            dbms=dbms,
            structural_contact=contact("Rina Marlina"),
            technical_contact=contact("Andi Wijaya"),
            has_source_code_or_database=True,
            has_installation_manual=True,
            has_user_manual=True,
            has_uat_document=feasible,
        ),
        stress_test=StressTestForm(
            max_users_per_day=1500,
            effective_hours_per_day=8,
            transaction_seconds=90,
            has_test_scenario_document=True,
        ),
        notes="Server memadai" if feasible else "Server tidak memadai",
        recommendations=recommendations,
    )


class Histories:
    """Appends the upstream services' facts of SOP histories; each call returns the position."""

    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream

    async def append(self, category: str, event: Event, *, by: Actor, at: datetime) -> int:
        """One fact in its category's stream `<category>-<ticket>`; its log position."""
        ticket: str = getattr(event, "ticket_id")  # noqa: B009  every such event has one
        meta = Metadata(event_id=uuid.uuid4(), occurred_at=at, actor=by, correlation_id=ticket)
        result = await self._upstream.append(
            f"{category}-{ticket}",
            expected_version=ANY_VERSION,
            events=[NewEvent(event=event, meta=meta)],
        )
        return result.positions[-1]

    async def submit(
        self,
        ticket: str,
        at: datetime,
        *,
        agency: str = AGENCY,
        channel: Channel = Channel.PORTAL,
        application: str = "SIMPUS",
    ) -> int:
        """A request registered (a desk channel: by the petugas)."""
        event = RequestSubmitted(
            ticket_id=ticket,
            form=form(agency, application, description=REGIONAL),
            channel=channel,
            received_at=at,
            registered_by=None if channel is Channel.PORTAL else PETUGAS,
            priority=Priority.P2,
        )
        return await self.append("intake", event, by=actor(APPLICANT, Role.PEMOHON), at=at)

    async def dispose(self, ticket: str, by: Role, at: datetime, *, stand_in: bool = False) -> int:
        """One hand-down; the kadis's by a Plh standing in, if `stand_in`."""
        to = NEXT[by]
        event = Disposed(
            ticket_id=ticket,
            from_role=by,
            to_role=to,
            instruction="Mohon ditindaklanjuti",
            to_officer=PETUGAS if to is Role.PETUGAS else None,
            documents=tuple(DocumentKind)[: {Role.KADIS: 1, Role.KABID: 2, Role.PRAKOM: 3}[by]],
            stand_in=StandIn.PLH if stand_in else None,
        )
        who = actor(HOLDERS[by], by)
        if stand_in:
            who = actor(
                PLH, by, on_behalf_of_nip=HOLDERS[by].nip, on_behalf_of_name=HOLDERS[by].name
            )
        return await self.append("disposition", event, by=who, at=at)

    async def chain(self, ticket: str, *times: datetime, stand_in: bool = False) -> int:
        """Kadis → kabid → prakom → petugas, as many steps as times are given."""
        position = 0
        roles = (Role.KADIS, Role.KABID, Role.PRAKOM)
        for n, (by, at) in enumerate(zip(roles, times, strict=False)):
            position = await self.dispose(ticket, by, at, stand_in=stand_in and n == 0)
        return position

    async def give_back(self, ticket: str, step: Step, at: datetime) -> int:
        """The request returned to the applicant by the kabid."""
        event = RequestReturned(
            ticket_id=ticket, step=step, reasons=("Surat belum ditandatangani",)
        )
        return await self.append("disposition", event, by=actor(KABID, Role.KABID), at=at)

    async def resubmit(self, ticket: str, at: datetime, *, agency: str = AGENCY) -> int:
        """The applicant's corrected request, on the same ticket."""
        event = RequestResubmitted(
            ticket_id=ticket,
            form=form(agency, description=REGIONAL),
            channel=Channel.PORTAL,
            received_at=at,
            priority=Priority.P2,
            resubmission=1,
            answer="Surat sudah ditandatangani",
        )
        return await self.append("intake", event, by=actor(APPLICANT, Role.PEMOHON), at=at)

    async def reassign(
        self, ticket: str, at: datetime, *, to: Officer = SECOND_PETUGAS, by: Role = Role.PRAKOM
    ) -> int:
        """The prakom moves the work from the petugas to another one (the clock goes on)."""
        event = WorkReassigned(
            ticket_id=ticket, from_officer=PETUGAS, to_officer=to, reason="Petugas sedang cuti"
        )
        return await self.append("disposition", event, by=actor(HOLDERS[by], by), at=at)

    async def analyse(
        self,
        ticket: str,
        at: datetime,
        *,
        feasible: bool = True,
        difficulty: Difficulty = Difficulty.MEDIUM,
    ) -> int:
        """The feasibility analysis recorded by the petugas."""
        event = analysis(ticket, feasible=feasible, difficulty=difficulty)
        return await self.append("integration", event, by=actor(PETUGAS, Role.PETUGAS), at=at)

    async def pause(self, ticket: str, step: Step, at: datetime) -> int:
        """The petugas stops the clock of the step: waiting for the agency's documents."""
        event = ClockPaused(ticket_id=ticket, step=step, reason=PauseReason.AGENCY_DOCUMENTS)
        return await self.append("integration", event, by=actor(PETUGAS, Role.PETUGAS), at=at)

    async def resume(self, ticket: str, step: Step, at: datetime) -> int:
        """The clock of the step runs again."""
        event = ClockResumed(ticket_id=ticket, step=step)
        return await self.append("integration", event, by=actor(PETUGAS, Role.PETUGAS), at=at)

    async def integrate(
        self, ticket: str, at: datetime, *, notes: str = "Layanan aktif di GSB"
    ) -> int:
        """The integration works (a GSB service)."""
        event = Integrated(
            ticket_id=ticket,
            details=IntegrationDetails(
                mechanism=MechanismChoice(kind=Mechanism.GSB),
                gsb_service_name="simpus-pasien",
                operations=("cariPasien",),
                authentication=AuthenticationType.MTLS,
            ),
            notes=notes,
        )
        return await self.append("integration", event, by=actor(PETUGAS, Role.PETUGAS), at=at)

    async def correct_implementation(self, ticket: str, at: datetime) -> int:
        """The petugas corrects the recorded implementation: a second operation was left out."""
        event = ImplementationCorrected(
            ticket_id=ticket,
            details=IntegrationDetails(
                mechanism=MechanismChoice(kind=Mechanism.GSB),
                gsb_service_name="simpus-pasien",
                operations=("cariPasien", "kirimRujukan"),
                authentication=AuthenticationType.MTLS,
            ),
            notes="Layanan aktif di GSB dengan dua operasi",
            reason="Operasi kedua terlupa dicatat",
        )
        return await self.append("integration", event, by=actor(PETUGAS, Role.PETUGAS), at=at)

    async def close(self, ticket: str, at: datetime) -> int:
        """The request closed as not feasible."""
        event = RequestClosed(
            ticket_id=ticket,
            reason=ClosureReason.NOT_FEASIBLE,
            recommendation="Perbarui server aplikasi terlebih dulu",
        )
        return await self.append("integration", event, by=actor(PETUGAS, Role.PETUGAS), at=at)
