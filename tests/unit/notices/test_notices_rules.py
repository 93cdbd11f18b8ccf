"""Who is told what, on which channel and when: the pure rules of the notices service."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from jinja2 import UndefinedError

from notices.adapters.templates import Templates, working_time
from notices.domain import rules
from notices.domain.delivery import Configured, first_chance, notice_id, retry_after, routes
from notices.domain.model import Delegation, Directory, Notice, Person, Preferences, RequestFacts
from penghubung.events.base import Role
from penghubung.events.catalog import (
    BeritaAcaraNumberReserved,
    Disposed,
    Integrated,
    RequestReturned,
    RequestSubmitted,
)
from penghubung.events.documents import BeritaAcaraSigned
from penghubung.events.notices import NoticeChannel, NoticeKind
from penghubung.events.sla import SlaWarningRaised
from penghubung.forms import (
    AuthenticationType,
    IntegrationDetails,
    Mechanism,
    MechanismChoice,
    Officer,
)
from penghubung.sop import Channel, Priority, Step
from penghubung.testing.histories import analysis, form
from penghubung.workcal import CalendarSpec, WorkingCalendar

WIB = ZoneInfo("Asia/Jakarta")
TICKET = "SC05-2026-00042"
CALENDAR = WorkingCalendar(CalendarSpec(version=1))

KADIS = Person(
    "197501012000031001", "Kadis Kominfo", "kadis@x.go.id", "0811", frozenset({Role.KADIS})
)
PLH = Person("198004042006041004", "Sekretaris Dinas", "sekdis@x.go.id", None, frozenset())
KABID = Person("197802022003121002", "Kabid eGotik", "kabid@x.go.id", None, frozenset({Role.KABID}))
PRAKOM = Person("198503032010011003", "Prakom", None, "0812", frozenset({Role.PRAKOM}))
PETUGAS = Person(
    "199005052015031005", "Petugas", "petugas@x.go.id", None, frozenset({Role.PETUGAS})
)
PEOPLE = {p.nip: p for p in (KADIS, PLH, KABID, PRAKOM, PETUGAS)}


def wib(y: int, m: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=WIB)


def directory(*delegations: Delegation) -> Directory:
    return Directory(people=PEOPLE, delegations=delegations)


def submitted() -> RequestSubmitted:
    return RequestSubmitted(
        ticket_id=TICKET,
        form=form(),
        channel=Channel.PORTAL,
        received_at=wib(2026, 12, 7, 9),
        priority=Priority.P2,
    )


def facts_after(*events: object) -> RequestFacts:
    at = wib(2026, 12, 7, 9)
    facts = None
    for event in events:
        facts = rules.evolve(facts, event, at=at)  # type: ignore[arg-type]
    assert facts is not None
    return facts


def told(event: object, before: RequestFacts | None, d: Directory) -> list[tuple[str, str]]:
    after = rules.evolve(before, event, at=wib(2026, 12, 7, 10))  # type: ignore[arg-type]
    found = rules.notices_for(event, before=before, after=after, directory=d, day=date(2026, 12, 7))  # type: ignore[arg-type]
    return [(n.kind.value, n.recipient.nip) for n in found]


def test_a_new_request_tells_the_kadis() -> None:
    assert told(submitted(), None, directory()) == [("inbox_item", KADIS.nip)]


def test_an_active_plh_is_told_instead_of_the_holder_and_not_outside_its_days() -> None:
    plh = Delegation(Role.KADIS, PLH.nip, date(2026, 12, 7), date(2026, 12, 8))
    assert told(submitted(), None, directory(plh)) == [("inbox_item", PLH.nip)]
    later = Delegation(Role.KADIS, PLH.nip, date(2026, 12, 8), date(2026, 12, 9))
    assert told(submitted(), None, directory(later)) == [("inbox_item", KADIS.nip)]


def test_each_disposition_tells_the_next_holder_and_the_order_tells_its_petugas() -> None:
    facts = facts_after(submitted())
    to_kabid = Disposed(
        ticket_id=TICKET, from_role=Role.KADIS, to_role=Role.KABID, instruction="Tindak lanjuti"
    )
    assert told(to_kabid, facts, directory()) == [("inbox_item", KABID.nip)]
    order = Disposed(
        ticket_id=TICKET,
        from_role=Role.PRAKOM,
        to_role=Role.PETUGAS,
        instruction="Analisis",
        to_officer=Officer(nip=PETUGAS.nip, name=PETUGAS.name),
    )
    assert told(order, facts, directory()) == [("inbox_item", PETUGAS.nip)]


def test_a_return_tells_the_applicant_by_the_forms_contacts() -> None:
    facts = facts_after(submitted())
    back = RequestReturned(ticket_id=TICKET, step=Step.DISPOSE_KABID, reasons=("Surat belum ada",))
    after = rules.evolve(facts, back, at=wib(2026, 12, 7, 10))
    (notice,) = rules.notices_for(
        back, before=facts, after=after, directory=directory(), day=date(2026, 12, 7)
    )
    assert notice.kind is NoticeKind.RETURNED
    assert notice.recipient.email == "siti@dinkes.babelprov.go.id"
    assert notice.context["reasons"] == ["Surat belum ada"]


def test_sla_warning_at_75_tells_the_holder_and_at_100_the_superior_too() -> None:
    facts = facts_after(submitted())

    def warning(percent: int) -> SlaWarningRaised:
        return SlaWarningRaised(
            ticket_id=TICKET,
            step=Step.DISPOSE_PRAKOM,
            threshold_percent=percent,
            reached_at=wib(2026, 12, 7, 10),
            due_at=wib(2026, 12, 7, 10, 15),
            used_seconds=675,
            budget_seconds=900,
            calendar_version=1,
        )

    assert told(warning(75), facts, directory()) == [("sla_warning", KABID.nip)]
    assert told(warning(100), facts, directory()) == [
        ("sla_breached", KABID.nip),
        ("sla_breached", KADIS.nip),
    ]


def test_the_berita_acara_is_announced_once_both_the_integration_and_its_number_are_known() -> None:
    facts = facts_after(submitted())
    integrated = Integrated(
        ticket_id=TICKET,
        details=IntegrationDetails(
            mechanism=MechanismChoice(kind=Mechanism.GSB),
            gsb_service_name="simpus",
            operations=("cari",),
            authentication=AuthenticationType.MTLS,
        ),
        notes="Berjalan",
    )
    number = BeritaAcaraNumberReserved(
        ticket_id=TICKET, year=2026, sequence=7, number="007/BA-LIA/SC-05/DISKOMINFO/2026"
    )
    assert told(integrated, facts, directory()) == []
    with_number = facts_after(submitted(), number)
    assert told(integrated, with_number, directory()) == [
        ("berita_acara_ready", "197001012000032001"),
        ("berita_acara_ready", KADIS.nip),
    ]
    both = facts_after(submitted(), number, integrated)
    assert told(number, both, directory()) == []


def test_the_digest_skips_a_kadis_who_muted_it() -> None:
    kwargs = {"day": date(2026, 12, 7), "waiting": [], "breaches": []}
    assert len(rules.digest(directory(), preferences={}, **kwargs)) == 1  # type: ignore[arg-type]
    muted = {KADIS.nip: Preferences(digests=False)}
    assert rules.digest(directory(), preferences=muted, **kwargs) == []  # type: ignore[arg-type]


def test_a_ba_is_overdue_after_n_working_days_and_reminded_once() -> None:
    facts = facts_after(submitted())
    reserved = RequestFacts(**{**facts.__dict__, "berita_acara_at": wib(2026, 12, 7, 10)})
    kwargs = {"calendar": CALENDAR, "days": 5}
    assert not rules.berita_acara_overdue(reserved, now=wib(2026, 12, 14, 15), **kwargs)  # type: ignore[arg-type]
    assert rules.berita_acara_overdue(reserved, now=wib(2026, 12, 14, 16), **kwargs)  # type: ignore[arg-type]
    reminded = RequestFacts(**{**reserved.__dict__, "reminded_at": wib(2026, 12, 14, 16)})
    assert not rules.berita_acara_overdue(reminded, now=wib(2026, 12, 15, 9), **kwargs)  # type: ignore[arg-type]


def test_a_signed_ba_back_on_the_desk_is_never_overdue() -> None:
    facts = facts_after(submitted())
    reserved = RequestFacts(**{**facts.__dict__, "berita_acara_at": wib(2026, 12, 7, 10)})
    signed = BeritaAcaraSigned(
        ticket_id=TICKET,
        berita_acara_number="007/BA-LIA/SC-05/DISKOMINFO/2026",
        returned_at=wib(2026, 12, 9, 10),
        scan={
            "kind": "lainnya",
            "filename": "ba-ttd.pdf",
            "content_type": "application/pdf",
            "size_bytes": 1234,
            "sha256": "b" * 64,
            "storage_key": f"berita-acara/{TICKET}/ba-ttd.pdf",
        },
    )
    back = rules.evolve(reserved, signed, at=wib(2026, 12, 9, 11))
    assert back is not None
    assert back.berita_acara_returned_at == wib(2026, 12, 9, 10)
    assert back.step == reserved.step  # the request stays where it stands
    kwargs = {"calendar": CALENDAR, "days": 5}
    assert rules.berita_acara_overdue(reserved, now=wib(2026, 12, 14, 16), **kwargs)  # type: ignore[arg-type]
    assert not rules.berita_acara_overdue(back, now=wib(2026, 12, 14, 16), **kwargs)  # type: ignore[arg-type]


# --- channels and times ---------------------------------------------------------------------


def test_channels_follow_the_choice_where_configured_else_the_mailbox() -> None:
    both = Configured(email=True, whatsapp=True)
    assert [r.channel for r in routes(KADIS, Preferences(), both)] == [NoticeChannel.EMAIL]
    chosen = Preferences(email=True, whatsapp=True)
    assert [r.address for r in routes(KADIS, chosen, both)] == ["kadis@x.go.id", "0811"]
    nothing = Configured(email=False, whatsapp=False)
    assert [(r.channel, r.address) for r in routes(KADIS, chosen, nothing)] == [
        (NoticeChannel.MAILBOX, KADIS.nip)
    ]
    # WhatsApp chosen, no mobile known: the portal's mailbox, never nothing
    assert routes(KABID, Preferences(email=False, whatsapp=True), both)[0].channel == "mailbox"


def test_a_notice_raised_friday_after_closing_waits_for_monday_opening() -> None:
    assert first_chance(wib(2026, 12, 11, 17), CALENDAR) == wib(2026, 12, 14, 8)
    assert first_chance(wib(2026, 12, 14, 9, 30), CALENDAR) == wib(2026, 12, 14, 9, 30)


def test_a_notice_raised_on_a_holiday_waits_for_the_next_working_day() -> None:
    christmas = date(2026, 12, 25)
    assert CALENDAR.day_off_name(christmas) is not None
    due = first_chance(wib(2026, 12, 25, 10), CALENDAR)
    assert due.date() > christmas
    assert CALENDAR.is_working_day(due.date())
    assert (due.hour, due.minute) == (8, 0)


def test_retries_double_up_to_the_cap_and_ids_are_fixed_by_source() -> None:
    waits = [retry_after(n, base_seconds=60, cap_seconds=300) for n in (1, 2, 3, 4)]
    assert waits == [timedelta(seconds=s) for s in (60, 120, 240, 300)]
    notice = Notice(NoticeKind.INBOX_ITEM, KADIS, TICKET)
    assert notice_id("e1", notice, NoticeChannel.EMAIL) == notice_id(
        "e1", notice, NoticeChannel.EMAIL
    )
    assert notice_id("e1", notice, NoticeChannel.EMAIL) != notice_id(
        "e1", notice, NoticeChannel.WHATSAPP
    )


# --- the words ------------------------------------------------------------------------------


def render_all(templates: Templates) -> dict[NoticeKind, tuple[str, str]]:
    facts = facts_after(submitted())
    contexts: dict[NoticeKind, dict[str, Any]] = {
        NoticeKind.INBOX_ITEM: {"step": Step.DISPOSE_KABID, "resubmission": 0},
        NoticeKind.RETURNED: {"step": Step.DISPOSE_KABID, "reasons": ["Surat belum ada"]},
        NoticeKind.FEASIBILITY_DONE: {
            "step": Step.FEASIBILITY,
            **{
                k: getattr(analysis(TICKET, feasible=True), k)
                for k in ("feasible", "difficulty", "notes")
            },
            "recommendations": ["Lengkapi dokumen UAT"],
        },
        NoticeKind.BERITA_ACARA_READY: {"step": Step.IMPLEMENTATION, "number": "007/BA"},
        NoticeKind.BERITA_ACARA_OVERDUE: {
            "step": Step.IMPLEMENTATION,
            "number": "007/BA",
            "days": 5,
        },
        NoticeKind.SLA_WARNING: {
            "step": Step.DISPOSE_KABID,
            "percent": 75,
            "due_at": wib(2026, 12, 7, 9, 30),
            "reached_at": wib(2026, 12, 7, 9, 22),
            "used_seconds": 1350,
            "budget_seconds": 1800,
        },
        NoticeKind.DIGEST: {
            "day": date(2026, 12, 7),
            "waiting": [facts],
            "open": [facts],
            "breaches": [],
        },
    }
    contexts[NoticeKind.SLA_BREACHED] = {**contexts[NoticeKind.SLA_WARNING], "percent": 100}
    out = {}
    for kind, context in contexts.items():
        ticket = None if kind is NoticeKind.DIGEST else TICKET
        rendered = templates.render(
            Notice(kind, KADIS, ticket, context),
            facts=None if ticket is None else facts,
            raised_at=wib(2026, 12, 7, 9),
        )
        out[kind] = (rendered.subject, rendered.body)
    return out


def test_every_kind_renders_in_bahasa_with_ticket_step_clock_and_link() -> None:
    texts = render_all(Templates(override=None, portal_url="https://portal.example/"))
    assert set(texts) == set(NoticeKind)
    subject, body = texts[NoticeKind.INBOX_ITEM]
    assert subject == f"[{TICKET}] Permohonan menunggu tindakan Anda: Disposisi Kadis kepada Kabid"
    assert "Mutu baku    : 30 menit kerja" in body
    assert f"https://portal.example/permohonan/{TICKET}" in body
    assert "Senin, 7 Desember 2026 09.00 WIB" in body
    assert "22 menit" in texts[NoticeKind.SLA_WARNING][1]
    assert "30 menit kerja" in texts[NoticeKind.SLA_WARNING][1]
    assert "1. Surat belum ada" in texts[NoticeKind.RETURNED][1]
    assert "LAYAK" in texts[NoticeKind.FEASIBILITY_DONE][0]
    assert texts[NoticeKind.DIGEST][0] == "Ringkasan harian Penghubung, Senin, 7 Desember 2026"


def test_an_admins_template_replaces_the_built_in_one(tmp_path: Path) -> None:
    (tmp_path / "returned.txt.j2").write_text(
        '{% set subject = "Dikembalikan: " ~ ticket %}'
        'Halo {{ recipient }}: {{ reasons | join(", ") }}'
    )
    texts = render_all(Templates(override=tmp_path, portal_url="https://p"))
    assert texts[NoticeKind.RETURNED] == (
        f"Dikembalikan: {TICKET}",
        "Halo Kadis Kominfo: Surat belum ada\n",
    )
    assert texts[NoticeKind.INBOX_ITEM][0].startswith(f"[{TICKET}] Permohonan menunggu")


def test_a_broken_override_fails_loudly_instead_of_sending_half_a_notice(tmp_path: Path) -> None:
    (tmp_path / "returned.txt.j2").write_text("{{ no_such_value }}")
    with pytest.raises(UndefinedError):
        render_all(Templates(override=tmp_path, portal_url="https://p"))


def test_working_time_reads_as_hours_and_minutes() -> None:
    assert working_time(1350) == "22 menit kerja"
    assert working_time(9000) == "2 jam 30 menit kerja"
    assert working_time(3600) == "1 jam kerja"
