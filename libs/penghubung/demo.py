"""`make demo`: push a few requests through every step of a running system, show their timelines.

The same driver runs the end-to-end journeys in the test suite, so what a new user tries first
is what the tests prove.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from penghubung.instants import WIB
from penghubung.runtime.people import (
    Registered,
    people_table,
    register_people,
)
from penghubung.settings import RuntimeSettings

PDF = b"%PDF-1.7\n% surat permohonan integrasi\n" + b"0" * 512
"""A tiny PDF-looking request letter."""

OFFICER = {"nip": "199207082019032004", "name": "Rina Wulandari"}
"""The demo petugas (the same person `make up` mints a token for)."""


def request_form(agency: str, application: str = "SIMPUS") -> dict[str, Any]:
    """A filled-in service request form (SC-05 formulir permintaan layanan)."""
    return {
        "applicant": {
            "name": "Siti Rahmawati",
            "nip": "198501012010011001",
            "position": "Kepala Bidang Pelayanan Kesehatan",
            "work_unit": "Bidang Pelayanan Kesehatan",
            "office_address": "Jl. Pulau Bangka, Air Itam, Pangkalpinang",
            "mobile_phone": "0821-8064-0997",
            "internal_phone": "214",
            "email": "siti.rahmawati@babelprov.go.id",
            "echelon": "III.a",
            "agency": agency,
        },
        "application": {"name": application, "description": f"Aplikasi {application} milik OPD"},
        "mechanism_available": True,
        "mechanism": {"kind": "gsb"},
        "impact": "tinggi",
        "urgency": "sedang",
    }


def contact(name: str, nip: str) -> dict[str, str]:
    """A responsible person on the vulnerability-assessment form."""
    return {
        "name": name,
        "nip": nip,
        "position": "Kepala Seksi Aplikasi",
        "work_unit": "Bidang Aplikasi",
        "office_address": "Jl. Pulau Bangka, Air Itam, Pangkalpinang",
        "mobile_phone": "0812-7000-1234",
        "email": "aplikasi@babelprov.go.id",
    }


def feasibility(*, feasible: bool, application: str = "SIMPUS") -> dict[str, Any]:
    """A feasibility analysis with the vulnerability and stress-test forms."""
    return {
        "difficulty": "sedang",
        "feasible": feasible,
        "vulnerability": {
            "application_name": application,
            "application_ip": "10.10.1.20",
            "database_ip": "10.10.1.21",
            "network_ip": "10.10.1.0/24",
            "description": f"Aplikasi {application}",
            "platforms": ["linux"],
            "languages": ["PHP"],
            "dbms": ["PostgreSQL"],
            "structural_contact": contact("Andi Wijaya", "197505052000031002"),
            "technical_contact": contact("Rudi Hartono", "198812122012121001"),
            "has_source_code_or_database": True,
            "has_installation_manual": True,
            "has_user_manual": True,
            "has_uat_document": feasible,
        },
        "stress_test": {
            "max_users_per_day": 500,
            "effective_hours_per_day": 8,
            "transaction_seconds": 30,
            "has_test_scenario_document": True,
        },
        "notes": "Server dan basis data diperiksa bersama OPD.",
        "recommendations": (
            ["Aktifkan HTTPS pada semua endpoint"]
            if feasible
            else ["Perbarui sistem operasi server", "Lengkapi dokumen UAT"]
        ),
    }


def implementation() -> dict[str, Any]:
    """The integration as built on the GSB."""
    return {
        "details": {
            "mechanism": {"kind": "gsb"},
            "gsb_service_name": "simpus.kunjungan",
            "operations": ["cariKunjungan", "detailKunjungan"],
            "authentication": "oauth2",
        },
        "notes": "Layanan diterbitkan di GSB dan diuji bersama OPD.",
    }


@dataclass(frozen=True)
class Journey:
    """A ticket driven through the SOP, and its timeline as reporting shows it."""

    ticket: str
    entries: list[dict[str, Any]]

    @property
    def types(self) -> list[str]:
        """The event types of the timeline, in log order."""
        return [str(e["type"]) for e in self.entries]


class StepFailed(AssertionError):
    """A step of a journey got an answer it did not expect."""


@dataclass
class Desk:
    """The running system as its users see it: a URL per service and a token per role."""

    urls: Mapping[str, str]
    tokens: Mapping[str, str]
    timeout: float = 60.0

    def _client(self, service: str, role: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.urls[service],
            headers={"Authorization": f"Bearer {self.tokens[role]}"},
            timeout=30,
        )

    async def call(
        self, service: str, role: str, method: str, path: str, *, expect: int = 200, **kw: Any
    ) -> Any:
        """One HTTP call; `StepFailed` with the answer when the status is not `expect`."""
        async with self._client(service, role) as http:
            response = await http.request(method, path, **kw)
        if response.status_code != expect:
            raise StepFailed(f"{method} {service}{path}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    async def download(self, service: str, role: str, path: str) -> httpx.Response:
        """A file (a PDF): the whole answer; `StepFailed` unless 200."""
        async with self._client(service, role) as http:
            response = await http.get(path)
        if response.status_code != 200:
            raise StepFailed(f"GET {service}{path}: {response.status_code} {response.text}")
        return response

    async def until(self, what: str, check: Callable[[], Awaitable[Any]]) -> Any:
        """Poll until `check` gives something truthy (events travel over the bus)."""
        deadline = time.monotonic() + self.timeout
        while True:
            value = await check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise StepFailed(f"{what}: not seen within {self.timeout:.0f} s")
            await asyncio.sleep(0.1)

    async def submit(self, agency: str, application: str = "SIMPUS") -> str:
        """The applicant uploads the request letter and submits the form; the ticket id."""
        letter = await self.call(
            "intake",
            "pemohon",
            "POST",
            "/attachments",
            expect=201,
            files={"file": ("surat-permohonan.pdf", PDF, "application/pdf")},
            data={"kind": "surat_permohonan"},
        )
        body = {
            "form": request_form(agency, application),
            "channel": "portal",
            "attachment_ids": [letter["attachment_id"]],
        }
        created = await self.call(
            "intake",
            "pemohon",
            "POST",
            "/requests",
            expect=201,
            json=body,
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        ticket: str = created["ticket_id"]
        return ticket

    async def in_inbox(self, role: str, ticket: str) -> None:
        """Wait until the ticket is in the role's disposition inbox."""

        async def present() -> bool:
            inbox = await self.call("disposition", role, "GET", "/inbox?limit=100")
            return any(item["ticket_id"] == ticket for item in inbox["items"])

        await self.until(f"{ticket} in the {role} inbox", present)

    async def dispose(self, ticket: str, role: str, documents: list[str], **extra: Any) -> None:
        """One hand-down, with the papers this step needs."""
        await self.in_inbox(role, ticket)
        body = {"instruction": f"Mohon ditindaklanjuti ({role})", "documents": documents, **extra}
        await self.call(
            "disposition", role, "POST", f"/requests/{ticket}/dispositions", expect=201, json=body
        )

    async def dispose_down_the_chain(self, ticket: str) -> None:
        """Kadis → Kabid → Prakom → the demo petugas."""
        await self.dispose(ticket, "kadis", ["surat_permohonan"])
        await self.dispose(ticket, "kabid", ["surat_permohonan", "disposisi_kadis"])
        await self.dispose(
            ticket,
            "prakom",
            ["surat_permohonan", "disposisi_kadis", "disposisi_kabid"],
            to_officer=OFFICER,
        )

    async def analyse(self, ticket: str, *, feasible: bool) -> None:
        """The petugas records the feasibility analysis once the work item is theirs."""

        async def assigned() -> bool:
            items = await self.call("integration", "petugas", "GET", "/work-items?limit=100")
            return any(item["ticket_id"] == ticket for item in items["items"])

        await self.until(f"{ticket} as the petugas' work item", assigned)
        await self.call(
            "integration",
            "petugas",
            "POST",
            f"/requests/{ticket}/feasibility",
            expect=201,
            json=feasibility(feasible=feasible),
        )

    async def implement(self, ticket: str) -> None:
        """The petugas records the integration as built."""
        await self.call(
            "integration",
            "petugas",
            "POST",
            f"/requests/{ticket}/implementation",
            expect=201,
            json=implementation(),
        )

    async def archive(self, ticket: str) -> dict[str, Any]:
        """Once reporting has written the report, the petugas archives it in the agenda book."""

        async def written() -> Any:
            async with self._client("reporting", "petugas") as http:
                response = await http.get(f"/requests/{ticket}/report")
            return response.json() if response.status_code == 200 else None

        await self.until(f"the report of {ticket}", written)
        archived: dict[str, Any] = await self.call(
            "reporting", "petugas", "POST", f"/requests/{ticket}/archive", expect=201
        )
        return archived

    async def timeline(self, ticket: str, *, until_type: str) -> list[dict[str, Any]]:
        """The ticket's timeline from reporting, once it shows `until_type`."""

        async def complete() -> list[dict[str, Any]] | None:
            body = await self.call("reporting", "auditor", "GET", f"/requests/{ticket}/timeline")
            entries: list[dict[str, Any]] = body["entries"] if isinstance(body, dict) else body
            return entries if any(e["type"] == until_type for e in entries) else None

        found: list[dict[str, Any]] = await self.until(f"{until_type} of {ticket}", complete)
        return found

    async def integrated_journey(self, agency: str) -> Journey:
        """Submission to archive: the whole SOP for a feasible request."""
        ticket = await self.submit(agency)
        await self.dispose_down_the_chain(ticket)
        await self.analyse(ticket, feasible=True)
        await self.implement(ticket)
        await self.archive(ticket)
        return Journey(ticket, await self.timeline(ticket, until_type="ReportArchived"))

    async def not_feasible_journey(self, agency: str) -> Journey:
        """A request found not feasible is closed with a recommendation and still reported."""
        ticket = await self.submit(agency, "SIPD-Lama")
        await self.dispose_down_the_chain(ticket)
        await self.analyse(ticket, feasible=False)
        await self.archive(ticket)
        return Journey(ticket, await self.timeline(ticket, until_type="ReportArchived"))

    async def returned_journey(self, agency: str) -> Journey:
        """The kadis returns an incomplete request; the applicant resubmits on the same ticket."""
        ticket = await self.submit(agency, "E-Arsip")
        await self.in_inbox("kadis", ticket)
        await self.call(
            "disposition",
            "kadis",
            "POST",
            f"/requests/{ticket}/returns",
            expect=201,
            json={"reasons": ["Surat permohonan belum ditandatangani pejabat eselon III"]},
        )

        async def returned() -> bool:
            body = await self.call("intake", "pemohon", "GET", f"/requests/{ticket}")
            return bool(body["status"] == "returned")

        await self.until(f"{ticket} returned to the applicant", returned)
        await self.call(
            "intake",
            "pemohon",
            "POST",
            f"/requests/{ticket}/resubmissions",
            expect=201,
            json={
                "form": request_form(agency, "E-Arsip"),
                "answer": "Surat sudah ditandatangani Kepala Dinas",
                "channel": "portal",
            },
        )
        await self.dispose_down_the_chain(ticket)
        await self.analyse(ticket, feasible=True)
        await self.implement(ticket)
        await self.archive(ticket)
        return Journey(ticket, await self.timeline(ticket, until_type="ReportArchived"))


def desk_from_data_dir(folder: Path) -> Desk:
    """The desk of the `make up` running on `folder`, acting as each demo user with a 15-minute
    EdDSA token signed by its directory (as `penghubung token` gives)."""
    from penghubung.runtime.running import NoRunningSystem, access_token, find_running_system
    from penghubung.runtime.welcome import DEMO_USERS

    try:
        system = find_running_system(folder)
    except NoRunningSystem as absent:
        described = _described_desk(folder)
        if described is not None:
            return described
        raise SystemExit(f"{absent}: start it with `make up` in another terminal first") from None
    tokens = {
        user.role: access_token(
            system, role=user.role, name=user.name, nip=user.nip, agency=user.agency
        )
        for user in DEMO_USERS
    }
    registered = register_demo_people(system.urls["directory"], admin_token=tokens["admin"])
    show_initial_passwords(Console(), registered, portal=system.urls.get("portal"))
    return Desk(urls=system.urls, tokens=tokens)


def _described_desk(folder: Path) -> Desk | None:
    """A system described by its URLs and ready tokens (`services.env`, `tokens.env`) rather than
    run by `make up` here: one verifying tokens with an explicit secret, as the tests run it."""
    from penghubung.operate import read_env_file

    urls = read_env_file(folder / "services.env")
    tokens = read_env_file(folder / "tokens.env")
    if not urls or not tokens:
        return None
    return Desk(
        urls={k.removeprefix("URL_").lower(): v for k, v in urls.items()},
        tokens={k.removeprefix("TOKEN_").lower(): v for k, v in tokens.items()},
    )


def register_demo_people(directory_url: str, *, admin_token: str) -> list[Registered]:
    """The demo people in the directory, each with their role (known ones stay as they are):
    disposition orders work only to a petugas the directory knows. The people registered now,
    with fresh initial passwords (those known before keep theirs, unknown to the demo)."""
    try:
        return register_people(directory_url, admin_token=admin_token)
    except RuntimeError as refused:
        raise SystemExit(str(refused)) from None


def show_initial_passwords(
    console: Console, registered: list[Registered], *, portal: str | None
) -> None:
    """Who the demo registered, to sign in as in the portal: NIP and initial password (to be
    changed at the first sign-in). Shown once, here only: nowhere else keeps them. When the
    people were there already (`make up` registers them on the embedded servers), it says where
    their passwords are."""
    if not registered:
        console.print(
            "Orang demo sudah terdaftar di direktori: kata sandi awal mereka ada di ringkasan "
            "`make up` (atau diberikan admin).",
            highlight=False,
        )
        return
    console.print(
        people_table(
            "Orang demo yang baru didaftarkan (kata sandi awal: wajib diganti saat masuk)",
            registered,
        )
    )
    where = f" di {portal}/masuk" if portal else " di portal"
    console.print(f"Masuk sebagai mereka{where}; catat kata sandinya sekarang.", highlight=False)


def wib_time(value: object) -> str:
    """An API instant as people read it: `07-12-2026 14.05 WIB`."""
    if not isinstance(value, str) or not value:
        return ""
    return datetime.fromisoformat(value).astimezone(WIB).strftime("%d-%m-%Y %H.%M WIB")


def show(console: Console, title: str, entries: list[dict[str, Any]]) -> None:
    """A timeline as a table."""
    table = Table(title=title)
    for column in ("#", "waktu", "peristiwa", "pelaku", "ringkasan"):
        table.add_column(column, overflow="fold")
    for e in entries:
        actor = e.get("actor") or {}
        who = actor.get("name", "") if isinstance(actor, dict) else str(actor)
        table.add_row(
            str(e.get("position", "")),
            wib_time(e.get("occurred_at")),
            str(e.get("type", "")),
            who or str(e.get("actor_name", "")),
            str(e.get("summary", "")),
        )
    console.print(table)


async def _demo(desk: Desk, console: Console) -> None:
    agency = DEMO_AGENCY
    for title, journey in (
        ("Permohonan terintegrasi", desk.integrated_journey),
        ("Permohonan tidak layak", desk.not_feasible_journey),
        ("Permohonan dikembalikan lalu diajukan ulang", desk.returned_journey),
    ):
        console.print(f"[bold]{title}[/] …")
        done = await journey(agency)
        show(console, f"{title} {done.ticket}", done.entries)
        if journey == desk.integrated_journey:
            await _berita_acara(desk, console, done.ticket)
    await _notices(desk, console)


async def _notices(desk: Desk, console: Console, *, wait_seconds: float = 15.0) -> None:
    """Who was told what: each demo person's notices, sent or waiting for service hours (the
    notices service sends only 08.00-16.00 WIB on working days), as `/notifikasi` shows them."""
    if "notices" not in desk.urls:
        return
    roles = [
        role for role in ("kadis", "kabid", "prakom", "petugas", "pemohon") if role in desk.tokens
    ]
    deadline = time.monotonic() + wait_seconds
    pages: dict[str, dict[str, Any]] = {}
    try:
        while True:  # the notices follow the events over the bus: wait until they settle
            before = {role: page["total"] for role, page in pages.items()}
            for role in roles:
                pages[role] = await desk.call("notices", role, "GET", "/notifications?limit=100")
            settled = before == {role: page["total"] for role, page in pages.items()}
            if (settled and before) or time.monotonic() > deadline:
                break
            await asyncio.sleep(2)
    except (StepFailed, httpx.HTTPError) as failed:
        console.print(f"[yellow]pemberitahuan tidak terbaca:[/] {failed}", highlight=False)
        return
    table = Table(title="Pemberitahuan orang demo (lihat juga /notifikasi di portal)")
    for column in ("peran", "terkirim", "menunggu jam layanan", "gagal", "dikirim mulai"):
        table.add_column(column, overflow="fold")
    for role in roles:
        items = pages[role]["items"]
        count = {
            status: sum(1 for i in items if i["status"] == status)
            for status in ("sent", "pending", "failed")
        }
        waiting = [i["due_at"] for i in items if i["status"] == "pending"]
        table.add_row(
            role,
            str(count["sent"]),
            str(count["pending"]),
            str(count["failed"]),
            wib_time(min(waiting)) if waiting else "",
        )
    console.print(table)


async def _berita_acara(desk: Desk, console: Console, ticket: str) -> None:
    """The archived request's Berita Acara as PDF, and where its QR code leads."""
    path = f"/requests/{ticket}/documents/berita-acara.pdf"
    got = await desk.download("reporting", "petugas", path)
    code = got.headers["penghubung-document-code"]
    console.print(
        f"Berita Acara: {desk.urls['reporting']}{path} ({len(got.content):,} bita,"
        f" SHA-256 {got.headers['penghubung-document-sha256']})\n"
        f"  verifikasi (tanpa token): {desk.urls['reporting']}/verify/{code}",
        highlight=False,
    )


DEMO_AGENCY = "Dinas Kesehatan"
DEMO_APPLICANT = "Siti Rahmawati"
DEMO_APPLICATIONS = frozenset({"SIMPUS", "SIPD-Lama", "E-Arsip"})
"""What the demo's own requests look like: anything else is someone's real work."""

REAL_NUMBERS_FLAG = "--yes-use-real-numbers"


async def foreign_requests(desk: Desk) -> list[dict[str, Any]]:
    """The requests of the running system that the demo did not make (read as the auditor)."""
    from penghubung.agency import agency_key

    foreign: list[dict[str, Any]] = []
    offset, total = 0, 1
    while offset < total:
        page = await desk.call(
            "reporting", "auditor", "GET", "/requests", params={"limit": 200, "offset": offset}
        )
        total = int(page["total"])
        items: list[dict[str, Any]] = page["items"]
        if not items:
            break
        offset += len(items)
        foreign += [
            item
            for item in items
            if agency_key(item["agency"]) != agency_key(DEMO_AGENCY)
            or item["applicant_name"] != DEMO_APPLICANT
            or item["application_name"] not in DEMO_APPLICATIONS
        ]
    return foreign


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m penghubung.demo [--yes-use-real-numbers]`."""
    args = sys.argv[1:] if argv is None else argv
    console = Console()
    unknown = [a for a in args if a != REAL_NUMBERS_FLAG]
    if unknown:
        console.print(f"[bold red]✗[/] unknown argument {unknown[0]} (only {REAL_NUMBERS_FLAG})")
        return 2
    desk = desk_from_data_dir(RuntimeSettings().data_dir.resolve())
    try:
        foreign = asyncio.run(foreign_requests(desk))
        if foreign and REAL_NUMBERS_FLAG not in args:
            console.print(
                f"[bold red]✗[/] this system holds {len(foreign)} request(s) the demo did not"
                f" make (e.g. {foreign[0]['ticket_id']}, {foreign[0]['agency']}): the demo would"
                " take real ticket, agenda and Berita Acara numbers from them. Run it on a system"
                f" of its own, or say so: make demo ARGS={REAL_NUMBERS_FLAG}",
                highlight=False,
            )
            return 2
        asyncio.run(_demo(desk, console))
    except StepFailed as failed:
        console.print(f"[bold red]✗[/] {failed}", highlight=False)
        return 1
    except httpx.HTTPError as exc:
        console.print(f"[bold red]✗[/] the running system does not answer: {exc}", highlight=False)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
