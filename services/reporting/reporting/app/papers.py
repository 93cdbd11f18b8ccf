"""The facts of a request's papers, gathered from its events in the log, as the documents' models.

Pure: given a ticket's envelopes in log order, each builder fills one document's model, or
refuses when the request has not reached the step that document records. The renderer never
sees an event.

PIHAK PERTAMA of the Berita Acara is the Diskominfo official who disposed the request at the
kadis step, as the log recorded them (a Plt/Plh stands in with their title). Positions and units
come from `People`: until the directory feeds reporting, `NoDirectory` answers with the kadis's
standard title.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol, TypeVar

from penghubung.events import Actor, Envelope, Event, Role
from penghubung.events.catalog import (
    BeritaAcaraNumberReserved,
    Disposed,
    FeasibilityDone,
    Integrated,
    ReportArchived,
    ReportRevised,
    ReportWritten,
    RequestResubmitted,
    RequestSubmitted,
)
from penghubung.events.documents import Paper
from penghubung.forms import ContactPerson, StandIn
from penghubung.refusals import Conflict
from reporting.documents.models import (
    BeritaAcara,
    Contact,
    DispositionLine,
    DispositionSheet,
    Document,
    OfficerBlock,
    Party,
    Report,
    RequestForm,
    Section,
    Signer,
    StressForm,
    VulnerabilityForm,
)
from reporting.documents.words import wib, wib_time
from reporting.domain import labels
from reporting.domain.report import latest_feasibility, latest_implementation

E = TypeVar("E", bound=Event)

DISKOMINFO = "Dinas Komunikasi dan Informatika Provinsi Kepulauan Bangka Belitung"
KADIS_POSITION = "Kepala Dinas Komunikasi dan Informatika"
_STAND_IN = {StandIn.PLT: "Plt.", StandIn.PLH: "Plh."}


class DocumentNotReady(Conflict):
    """The request has not reached the step the document records."""

    code = "document_not_ready"
    message = "dokumen belum dapat diterbitkan"


@dataclass(frozen=True, slots=True)
class Post:
    """A person's position and unit, as the directory knows them."""

    position: str
    unit: str


class People(Protocol):
    """Where positions and units of Diskominfo's people come from (the directory's seam)."""

    def post(self, nip: str | None, *, role: Role) -> Post | None:
        """The person's post, if known."""
        ...


class NoDirectory:
    """No directory yet: the kadis's standard title, nothing for the others."""

    def post(self, nip: str | None, *, role: Role) -> Post | None:
        """The standard title of the role holder."""
        return Post(KADIS_POSITION, DISKOMINFO) if role is Role.KADIS else None


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """A ticket's events in log order, and the position of the last one."""

    ticket_id: str
    envelopes: Sequence[Envelope]

    @property
    def position(self) -> int:
        """The log position the facts were read at (the ticket's last event)."""
        return self.envelopes[-1].global_position if self.envelopes else 0

    def last(self, *types: type[E]) -> tuple[Envelope, E] | None:
        """The latest event of these types, with its envelope."""
        for envelope in reversed(self.envelopes):
            if isinstance(envelope.event, types):
                return envelope, envelope.event
        return None

    def need(self, *types: type[E], missing: str) -> tuple[Envelope, E]:
        """The latest event of these types, or a refusal saying what is missing."""
        found = self.last(*types)
        if found is None:
            raise DocumentNotReady(f"dokumen belum dapat diterbitkan: {missing}")
        return found

    def all(self, cls: type[E]) -> list[tuple[Envelope, E]]:
        """Every event of a type, with its envelope, in order."""
        return [(e, e.event) for e in self.envelopes if isinstance(e.event, cls)]


def build(paper: Paper, facts: TicketFacts, *, people: People) -> Document:
    """The model of one of a request's papers."""
    builders = {
        Paper.REQUEST_FORM: request_form,
        Paper.DISPOSITION_SHEET: disposition_sheet,
        Paper.VULNERABILITY_TEST: vulnerability_form,
        Paper.STRESS_TEST: stress_form,
        Paper.REPORT: report,
    }
    if paper is Paper.BERITA_ACARA:
        return berita_acara(facts, people=people)
    return builders[paper](facts)


def _day(envelope: Envelope) -> date:
    return wib(envelope.occurred_at).date()


def _submission(facts: TicketFacts) -> tuple[Envelope, RequestSubmitted | RequestResubmitted]:
    return facts.need(RequestSubmitted, RequestResubmitted, missing="permohonan belum tercatat")


def _contact(person: ContactPerson) -> Contact:
    return Contact(
        name=person.name,
        nip=person.nip,
        position=person.position,
        unit=person.work_unit,
        office_address=person.office_address,
        mobile_phone=person.mobile_phone,
        internal_phone=person.internal_phone,
        email=person.email,
    )


def _petugas(facts: TicketFacts) -> Signer | None:
    """The service-desk officer ordered to do the work, once prakom has disposed."""
    for _, disposed in reversed(facts.all(Disposed)):
        if disposed.to_officer is not None:
            return Signer(name=disposed.to_officer.name, nip=disposed.to_officer.nip)
    return None


def _officer_block(facts: TicketFacts, envelope: Envelope, officer: Signer | None) -> OfficerBlock:
    return OfficerBlock(
        ticket_id=facts.ticket_id, date=wib_time(envelope.occurred_at), officer=officer
    )


def request_form(facts: TicketFacts) -> RequestForm:
    """The request form as the applicant filled it in (the latest submission)."""
    submitted = _submission(facts)[1]
    form = submitted.form
    registrar = submitted.registered_by
    officer = Signer(name=registrar.name, nip=registrar.nip) if registrar else _petugas(facts)
    return RequestForm(
        dated=wib(submitted.received_at).date(),
        filled=OfficerBlock(
            ticket_id=facts.ticket_id, date=wib_time(submitted.received_at), officer=officer
        ),
        channel=labels.CHANNELS[submitted.channel],
        received_at=wib_time(submitted.received_at),
        applicant=_contact(form.applicant),
        echelon=form.applicant.echelon.value,
        agency=form.applicant.agency,
        application_name=form.application.name,
        application_description=form.application.description,
        mechanism_available=form.mechanism_available,
        mechanism=labels.mechanism(form.mechanism),
        impact=form.impact.value,
        urgency=form.urgency.value,
        priority=f"{submitted.priority.value} ({submitted.priority.label})",
    )


def _acting(actor: Actor, disposed: Disposed) -> str | None:
    if actor.on_behalf_of_name is None and disposed.stand_in is None:
        return None
    title = _STAND_IN[disposed.stand_in] if disposed.stand_in else "Atas nama"
    holder = f" untuk {actor.on_behalf_of_name}" if actor.on_behalf_of_name else ""
    return f"{title} {labels.ROLES[disposed.from_role]}{holder}"


def disposition_sheet(facts: TicketFacts) -> DispositionSheet:
    """The hand-downs of the request, each with who, for whom, what and when."""
    envelope, submitted = _submission(facts)
    lines = tuple(
        DispositionLine(
            step=f"{labels.ROLES[d.from_role]} → {labels.ROLES[d.to_role]}",
            by=e.actor.name,
            by_nip=e.actor.nip,
            acting_for=_acting(e.actor, d),
            to=d.to_officer.name if d.to_officer else None,
            instruction=d.instruction,
            at=wib_time(e.occurred_at),
        )
        for e, d in facts.all(Disposed)
    )
    last = facts.all(Disposed)[-1][0] if lines else envelope
    return DispositionSheet(
        dated=_day(last),
        ticket_id=facts.ticket_id,
        agency=submitted.form.applicant.agency,
        application_name=submitted.form.application.name,
        received_at=wib_time(submitted.received_at),
        lines=lines,
    )


def _feasibility(facts: TicketFacts) -> tuple[Envelope, FeasibilityDone]:
    """The analysis, dated when it was done, with its corrections applied."""
    envelope, done = facts.need(FeasibilityDone, missing="analisis kelayakan belum selesai")
    return envelope, latest_feasibility(e.event for e in facts.envelopes) or done


def _tester(envelope: Envelope) -> Signer:
    return Signer(name=envelope.actor.name, nip=envelope.actor.nip)


def _applicant_signer(facts: TicketFacts) -> Signer:
    applicant = _submission(facts)[1].form.applicant
    return Signer(name=applicant.name, nip=applicant.nip)


def vulnerability_form(facts: TicketFacts) -> VulnerabilityForm:
    """The vulnerability-assessment form as recorded at the feasibility analysis."""
    envelope, done = _feasibility(facts)
    v = done.vulnerability
    return VulnerabilityForm(
        dated=_day(envelope),
        filled=_officer_block(facts, envelope, _tester(envelope)),
        application_name=v.application_name,
        applicant=_applicant_signer(facts),
        application_ip=v.application_ip,
        database_ip=v.database_ip,
        network_ip=v.network_ip,
        description=v.description,
        windows="windows" in v.platforms,
        linux="linux" in v.platforms,
        unix="unix" in v.platforms,
        languages=v.languages,
        programs=v.programs,
        dbms=v.dbms,
        engines=v.engines,
        applications=v.applications,
        structural_contact=_contact(v.structural_contact),
        technical_contact=_contact(v.technical_contact),
        has_source_code_or_database=v.has_source_code_or_database,
        has_installation_manual=v.has_installation_manual,
        has_user_manual=v.has_user_manual,
        has_uat_document=v.has_uat_document,
    )


def stress_form(facts: TicketFacts) -> StressForm:
    """The stress-test form as recorded at the feasibility analysis."""
    envelope, done = _feasibility(facts)
    s = done.stress_test
    return StressForm(
        dated=_day(envelope),
        filled=_officer_block(facts, envelope, _tester(envelope)),
        application_name=done.vulnerability.application_name,
        applicant=_applicant_signer(facts),
        max_users_per_day=s.max_users_per_day,
        effective_hours_per_day=s.effective_hours_per_day,
        transaction_seconds=s.transaction_seconds,
        has_test_scenario_document=s.has_test_scenario_document,
    )


def report(facts: TicketFacts) -> Report:
    """The report of the finished request, with its Berita Acara and agenda numbers: its text as
    last revised after a correction, if it was."""
    envelope, written = facts.need(ReportWritten, missing="laporan belum dibuat")
    text: ReportWritten | ReportRevised = written
    revised = None
    found = facts.last(ReportRevised)
    if found is not None:
        when, text = found
        revised = f"revisi ke-{text.revision}, {wib_time(when.occurred_at)}: {text.reason}"
    submitted = _submission(facts)[1]
    number = facts.last(BeritaAcaraNumberReserved)
    archived = facts.last(ReportArchived)
    return Report(
        dated=_day(envelope),
        ticket_id=facts.ticket_id,
        agency=submitted.form.applicant.agency,
        application_name=submitted.form.application.name,
        outcome=labels.OUTCOMES[written.outcome],
        summary=text.summary,
        sections=tuple(Section(title=s.title, body=s.body) for s in text.sections),
        written_at=wib_time(envelope.occurred_at),
        revised=revised,
        berita_acara_number=number[1].number if number else None,
        agenda_code=archived[1].agenda_code if archived else None,
        officer=_petugas(facts),
    )


def berita_acara(facts: TicketFacts, *, people: People) -> BeritaAcara:
    """The Berita Acara: its number, date, both parties and the mechanism built."""
    reserved = facts.need(
        BeritaAcaraNumberReserved, missing="nomor Berita Acara belum dicadangkan"
    )[1]
    # dated the day the integration was done, as the number's year is taken from that day
    envelope, integrated = facts.need(Integrated, missing="integrasi belum selesai")
    integrated = latest_implementation(e.event for e in facts.envelopes) or integrated
    applicant = _submission(facts)[1].form.applicant
    return BeritaAcara(
        dated=_day(envelope),
        number=reserved.number,
        ticket_id=facts.ticket_id,
        application_name=_submission(facts)[1].form.application.name,
        mechanism=labels.mechanism(integrated.details.mechanism),
        first_party=_first_party(facts, people),
        second_party=Party(
            name=applicant.name,
            nip=applicant.nip,
            position=applicant.position,
            unit=applicant.agency,
        ),
    )


def _first_party(facts: TicketFacts, people: People) -> Party:
    """The Diskominfo official who disposed at the kadis step (or the stand-in, titled)."""
    kadis = [(e, d) for e, d in facts.all(Disposed) if d.from_role is Role.KADIS]
    if not kadis:
        raise DocumentNotReady(
            "dokumen belum dapat diterbitkan: disposisi Kepala Dinas belum tercatat"
        )
    envelope, disposed = kadis[-1]
    actor = envelope.actor
    post = people.post(actor.nip, role=Role.KADIS) or Post(KADIS_POSITION, DISKOMINFO)
    position = post.position
    if disposed.stand_in is not None:
        position = f"{_STAND_IN[disposed.stand_in]} {KADIS_POSITION}"
    return Party(name=actor.name, nip=actor.nip or "-", position=position, unit=post.unit)
