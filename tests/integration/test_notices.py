"""The notices service against real servers: PostgreSQL, an SMTP server on loopback (aiosmtpd,
STARTTLS and login) and a local HTTP receiver standing in for the WhatsApp gateway.

The events are appended to the log as their services would and handed to the notices consumer
through the consumer base (inbox and all), as the bus hands them; the sender is driven with an
injected clock, so "Friday 17:00 → Monday 08:00" is a test of seconds, never of a weekend.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import email
import ipaddress
import json
import logging
import mailbox
import os
import socket
import ssl
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from notices.adapters import subscribers
from notices.adapters.channels import Smtp
from notices.app.handlers import Notices
from notices.app.ports import Channel, Outgoing
from notices.bootstrap import assemble
from notices.settings import NoticesSettings
from penghubung.bus.consumer import Outcome, Subscription
from penghubung.bus.topology import bootstrap
from penghubung.db import create_pool
from penghubung.events import Actor, Envelope, Event, Metadata, NewEvent, Role
from penghubung.events.catalog import (
    BeritaAcaraNumberReserved,
    Disposed,
    Integrated,
    RequestReturned,
    RequestSubmitted,
)
from penghubung.events.directory import DelegationGranted, PersonRegistered, RoleGranted
from penghubung.events.notices import NoticeChannel, NotificationFailed, NotificationSent
from penghubung.events.sla import CalendarDayOffAdded, SlaWarningRaised
from penghubung.eventstore import EventStore
from penghubung.eventstore.store import ANY_VERSION
from penghubung.forms import (
    AuthenticationType,
    IntegrationDetails,
    Mechanism,
    MechanismChoice,
    Officer,
    StandIn,
)
from penghubung.runtime.service import ServiceContext, ServiceParts
from penghubung.sop import Channel as RequestChannel
from penghubung.sop import Priority, Step
from penghubung.testing.beds import deliver, serving
from penghubung.testing.histories import analysis, form, new_ticket
from penghubung.web.auth import mint_token

pytestmark = pytest.mark.integration

WIB = ZoneInfo("Asia/Jakarta")
LOGIN, PASSWORD, TOKEN = "penghubung", "rahasia-smtp", "token-gateway"

KADIS = ("197501012000031001", "Ir. Kadis Kominfo", "kadis@diskominfo.babelprov.go.id", "0811-1")
PLH = ("198004042006041004", "Sekretaris Dinas", "sekdis@diskominfo.babelprov.go.id", None)
KABID = ("197802022003121002", "Kabid eGotik", "kabid@diskominfo.babelprov.go.id", None)
PRAKOM = ("198503032010011003", "Prakom Aplikasi", "prakom@diskominfo.babelprov.go.id", None)
PETUGAS = (
    "199005052015031005",
    "Petugas Service Desk",
    "petugas@diskominfo.babelprov.go.id",
    "0812",
)
APPLICANT_EMAIL = "siti@dinkes.babelprov.go.id"


def wib(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=WIB)


MONDAY = wib(12, 7, 9)


# --- an SMTP server on loopback: STARTTLS required, login required ------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, the certificate being its own CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp.crt", folder / "smtp.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class SmtpInbox:
    """What the SMTP server received: each message's raw text, and the logins it accepted."""

    def __init__(self) -> None:
        self.raw: list[str] = []
        self.logins: list[str] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.raw.append(envelope.content.decode())
        return "250 OK"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            LOGIN.encode(),
            PASSWORD.encode(),
        )
        if ok:
            self.logins.append(LOGIN)
        return AuthResult(success=ok)

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            raw = list(self.raw)
        return [email.message_from_string(r, policy=default_policy) for r in raw]

    def received(self) -> list[tuple[str, str]]:
        """(To address, Subject) of every message, in arrival order."""
        return [(m["To"].addresses[0].addr_spec, str(m["Subject"]).strip()) for m in self.messages]


@pytest.fixture(scope="module")
def smtp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SmtpInbox, int, Path]]:
    logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd's own deprecation notes
    cert, key = self_signed(tmp_path_factory.mktemp("smtp"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = SmtpInbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        authenticator=inbox.authenticate,
    )
    controller.start()
    try:
        yield inbox, port, cert
    finally:
        controller.stop()


# --- a WhatsApp gateway on loopback ---------------------------------------------------------


class Gateway:
    """A local HTTP receiver: records each POST; when `down`, drops connections unanswered."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.attempts = 0
        self.down = False
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}/send"

    async def __aenter__(self) -> Gateway:
        self._server = await asyncio.start_server(self._answer, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode()
            self.attempts += 1
            if self.down:
                return
            lines = head.split("\r\n")
            headers = {
                k.strip().lower(): v.strip()
                for k, _, v in (line.partition(":") for line in lines[1:] if line)
            }
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.calls.append((headers, body))
            answer = b'{"status":true}'
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(answer)}\r\nConnection: close\r\n\r\n".encode()
                + answer
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


# --- the service under test -----------------------------------------------------------------


@dataclass
class Bed:
    """The notices service on a database of its own, with its sender driven by the test."""

    ctx: ServiceContext
    notices: Notices
    client: httpx.AsyncClient
    settings: NoticesSettings
    subscription: Subscription
    appenders: dict[str, EventStore]
    gateway: Gateway

    async def append(self, stream: str, event: Event, *, at: datetime) -> Outcome:
        """Append a fact as its service would, and hand it to the notices consumer."""
        position = await self.record(stream, event, at=at)
        self.ctx.clock = lambda: at
        return await deliver(self.ctx, self.settings, self.subscription, position)

    async def record(self, stream: str, event: Event, *, at: datetime) -> int:
        """Append a fact as its service would (the bus brings it, if anything runs the relay)."""
        meta = Metadata(
            event_id=uuid.uuid4(),
            occurred_at=at,
            actor=Actor.system("test"),
            correlation_id=getattr(event, "ticket_id", None) or stream,
        )
        store = self.appenders[stream.split("-", 1)[0]]
        result = await store.append(
            stream, expected_version=ANY_VERSION, events=[NewEvent(event=event, meta=meta)]
        )
        return result.positions[-1]

    async def send(self, at: datetime) -> int:
        """One round of the sender at that moment."""
        self.ctx.clock = lambda: at
        return await self.notices.send_due(at)

    async def rows(self, sql: str, *args: object) -> list[asyncpg.Record]:
        async with self.ctx.pool.acquire() as conn:
            return list(await conn.fetch(sql, *args))

    async def logged(self, type_name: str) -> list[Envelope]:
        rows = await self.rows(
            "SELECT global_position FROM eventstore.events WHERE type = $1 ORDER BY 1", type_name
        )
        found = []
        for r in rows:
            async for e in self.ctx.store.read_all(
                after=r["global_position"] - 1, until=r["global_position"]
            ):
                found.append(e)
        return found

    def headers(self, nip: str | None, role: Role = Role.KADIS) -> dict[str, str]:
        token = mint_token(self.ctx.settings, role=role, name="Pengguna", nip=nip)
        return {"Authorization": f"Bearer {token}"}


Make = Callable[..., Awaitable[Bed]]


@pytest.fixture
async def make_bed(
    new_database: Callable[[], Awaitable[str]],
    nats_url: str,
    run_id: str,
    smtp: tuple[SmtpInbox, int, Path],
    tmp_path: Path,
) -> AsyncIterator[Make]:
    """A factory of beds: e-mail and the gateway configured unless told otherwise."""
    _, port, cert = smtp
    async with contextlib.AsyncExitStack() as stack:
        gateway = await stack.enter_async_context(Gateway())

        async def make(**overrides: Any) -> Bed:
            url = await new_database()
            values: dict[str, Any] = {
                "database_url": url,
                "nats_url": nats_url,
                "relay_enabled": False,
                "stream_name": f"NOTICES_{run_id}",
                "subject_prefix": f"notices{run_id}.events",
                "data_dir": tmp_path / "data",
                "portal_url": "https://penghubung.babelprov.go.id",
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
                "smtp_username": LOGIN,
                "smtp_password": PASSWORD,
                "smtp_ca_file": cert,
                "smtp_sender": "Penghubung Diskominfo <penghubung@diskominfo.babelprov.go.id>",
                "whatsapp_webhook_url": gateway.url,
                "whatsapp_token": TOKEN,
                "notices_sender_enabled": False,
                "notices_max_attempts": 3,
                "notices_retry_seconds": 60,
            }
            settings = NoticesSettings(**(values | overrides))
            made: dict[str, Any] = {}

            def build(ctx: ServiceContext) -> ServiceParts:
                made["notices"], parts = assemble(ctx)
                made["subscription"] = parts.subscriptions[0]
                return ServiceParts(
                    title=parts.title, description=parts.description, routers=parts.routers
                )

            client, ctx, others = await stack.enter_async_context(
                serving("notices", settings, build)
            )
            owner = await stack.enter_async_context(create_pool(url, size=2, role=None))
            appenders = {c: others._stores[c] for c in others._stores}
            appenders["directory"] = EventStore(owner)  # no directory role on this branch
            return Bed(
                ctx, made["notices"], client, settings, made["subscription"], appenders, gateway
            )

        yield make


async def register(bed: Bed, who: tuple[str, str, str, str | None], role: Role | None) -> None:
    nip, name, mail, mobile = who
    person = PersonRegistered(
        nip=nip,
        name=name,
        position="Pejabat",
        agency="diskominfo",
        email=mail,
        mobile=mobile,
    )
    at = wib(12, 1, 9)
    assert await bed.append(f"directory-person-{nip}", person, at=at) is Outcome.HANDLED
    if role is not None:
        granted = RoleGranted(nip=nip, role=role)
        assert await bed.append(f"directory-person-{nip}", granted, at=at) is Outcome.HANDLED


async def staff(bed: Bed) -> None:
    for who, role in ((KADIS, Role.KADIS), (KABID, Role.KABID), (PRAKOM, Role.PRAKOM)):
        await register(bed, who, role)
    await register(bed, PETUGAS, Role.PETUGAS)
    await register(bed, PLH, None)


def submission(ticket: str, at: datetime) -> RequestSubmitted:
    return RequestSubmitted(
        ticket_id=ticket,
        form=form(),
        channel=RequestChannel.PORTAL,
        received_at=at,
        priority=Priority.P2,
    )


def disposition(ticket: str, frm: Role, to: Role) -> Disposed:
    officer = Officer(nip=PETUGAS[0], name=PETUGAS[1]) if to is Role.PETUGAS else None
    return Disposed(
        ticket_id=ticket,
        from_role=frm,
        to_role=to,
        instruction="Mohon ditindaklanjuti",
        to_officer=officer,
    )


def warning(ticket: str, step: Step, percent: int, at: datetime) -> SlaWarningRaised:
    return SlaWarningRaised(
        ticket_id=ticket,
        step=step,
        threshold_percent=percent,
        reached_at=at,
        due_at=at + dt.timedelta(minutes=5),
        used_seconds=percent * 9,
        budget_seconds=900,
        calendar_version=1,
    )


# --- every notice arrives once, with its text ----------------------------------------------


async def test_each_notice_of_a_request_arrives_once_with_its_text(
    make_bed: Make, smtp: tuple[SmtpInbox, int, Path]
) -> None:
    inbox, _, _ = smtp
    bed = await make_bed()
    await staff(bed)
    t = new_ticket()
    steps: list[tuple[str, Event, datetime]] = [
        (f"intake-{t}", submission(t, MONDAY), MONDAY),
        (f"disposition-{t}", disposition(t, Role.KADIS, Role.KABID), wib(12, 7, 9, 10)),
        (f"disposition-{t}", disposition(t, Role.KABID, Role.PRAKOM), wib(12, 7, 9, 20)),
        (
            f"reporting-sla-{t}",
            warning(t, Step.DISPOSE_PETUGAS, 75, wib(12, 7, 9, 31)),
            wib(12, 7, 9, 31),
        ),
        (
            f"reporting-sla-{t}",
            warning(t, Step.DISPOSE_PETUGAS, 100, wib(12, 7, 9, 35)),
            wib(12, 7, 9, 35),
        ),
        (f"disposition-{t}", disposition(t, Role.PRAKOM, Role.PETUGAS), wib(12, 7, 9, 40)),
        (f"integration-{t}", analysis(t, feasible=True), wib(12, 8, 10)),
        (f"integration-{t}", integrated(t), wib(12, 9, 11)),
        (
            f"reporting-ba-{t}",
            BeritaAcaraNumberReserved(
                ticket_id=t, year=2026, sequence=7, number="007/BA-LIA/SC-05/DISKOMINFO/2026"
            ),
            wib(12, 9, 11, 5),
        ),
    ]
    for stream, event, at in steps:
        assert await bed.append(stream, event, at=at) is Outcome.HANDLED
    before, logins = len(inbox.raw), len(inbox.logins)
    assert await bed.send(wib(12, 9, 12)) == 10
    # one round, one kept connection: a single handshake and login for the ten e-mails
    assert len(inbox.logins) - logins == 1
    got = inbox.received()[before:]
    expected = [
        (KADIS[2], f"[{t}] Permohonan menunggu tindakan Anda: Disposisi Kadis kepada Kabid"),
        (KABID[2], f"[{t}] Permohonan menunggu tindakan Anda: Disposisi Kabid kepada Prakom"),
        (
            PRAKOM[2],
            f"[{t}] Permohonan menunggu tindakan Anda: Perintah Prakom kepada petugas service desk",
        ),
        (PRAKOM[2], f"[{t}] Peringatan SLA 75%: Perintah Prakom kepada petugas service desk"),
        (PRAKOM[2], f"[{t}] SLA terlampaui: Perintah Prakom kepada petugas service desk"),
        (KABID[2], f"[{t}] SLA terlampaui: Perintah Prakom kepada petugas service desk"),
        (PETUGAS[2], f"[{t}] Permohonan menunggu tindakan Anda: Analisis kelayakan"),
        (APPLICANT_EMAIL, f"[{t}] Hasil analisis kelayakan: LAYAK"),
        (APPLICANT_EMAIL, f"[{t}] Integrasi selesai, Berita Acara siap ditandatangani"),
        (KADIS[2], f"[{t}] Integrasi selesai, Berita Acara siap ditandatangani"),
    ]
    assert sorted(got) == sorted(expected)  # each once: the list has no repeats
    # the log says who was told what
    sent = await bed.logged("NotificationSent")
    assert len(sent) == len(expected)
    assert {e.correlation_id for e in sent} == {t}
    # a redelivered event is a duplicate: no second notice; a second round sends nothing
    assert await bed.send(wib(12, 9, 13)) == 0
    position = (await bed.rows("SELECT max(global_position) AS p FROM eventstore.events"))[0]["p"]
    first = (
        await bed.rows(
            "SELECT global_position FROM eventstore.events WHERE stream_id = $1", f"intake-{t}"
        )
    )[0]["global_position"]
    assert position > first
    assert await deliver(bed.ctx, bed.settings, bed.subscription, first) is Outcome.DUPLICATE
    assert await bed.send(wib(12, 9, 14)) == 0
    subject = f"[{t}] Permohonan menunggu tindakan Anda: Disposisi Kadis kepada Kabid"
    index, mail = next(
        (i, m) for i, m in enumerate(inbox.messages) if str(m["Subject"]).strip() == subject
    )
    assert mail["From"] == "Penghubung Diskominfo <penghubung@diskominfo.babelprov.go.id>"
    body = mail.get_content()
    assert f"https://penghubung.babelprov.go.id/permohonan/{t}" in body
    assert "Mutu baku    : 30 menit kerja" in body
    assert "Senin, 7 Desember 2026 09.00 WIB" in body
    assert inbox.logins, "the SMTP server required a login"
    print(inbox.raw[index])  # as the SMTP server received it


async def test_a_kept_smtp_connection_the_server_closed_is_renewed_and_the_notice_sent(
    make_bed: Make, smtp: tuple[SmtpInbox, int, Path]
) -> None:
    inbox, _, _ = smtp
    bed = await make_bed(whatsapp_webhook_url=None)
    await staff(bed)
    first, second = new_ticket(), new_ticket()
    assert await bed.append(f"intake-{first}", submission(first, MONDAY), at=MONDAY)
    before, logins = len(inbox.raw), len(inbox.logins)
    assert await bed.send(wib(12, 7, 9, 1)) == 1
    channel = bed.notices.channels[NoticeChannel.EMAIL]
    assert isinstance(channel, Smtp)
    # the server ends the kept connection between two rounds, as servers do with idle ones
    kept = channel._client
    assert kept is not None
    assert kept.is_connected
    await kept.execute_command(b"QUIT")
    await asyncio.sleep(0.2)
    assert await bed.append(f"intake-{second}", submission(second, MONDAY), at=MONDAY)
    assert await bed.send(wib(12, 7, 9, 2)) == 1
    subjects = [subject for _, subject in inbox.received()[before:]]
    assert subjects == [
        f"[{first}] Permohonan menunggu tindakan Anda: Disposisi Kadis kepada Kabid",
        f"[{second}] Permohonan menunggu tindakan Anda: Disposisi Kadis kepada Kabid",
    ]
    assert len(inbox.logins) - logins == 2  # a fresh connection for the second round
    assert len(await bed.logged("NotificationSent")) == 2
    assert not await bed.logged("NotificationFailed")
    await channel.close()
    assert channel._client is None


def integrated(ticket: str) -> Integrated:
    return Integrated(
        ticket_id=ticket,
        details=IntegrationDetails(
            mechanism=MechanismChoice(kind=Mechanism.GSB),
            gsb_service_name="simpus-pasien",
            operations=("cariPasien",),
            authentication=AuthenticationType.MTLS,
        ),
        notes="Layanan berjalan di GSB",
    )


# --- only in service hours ------------------------------------------------------------------


async def test_a_warning_raised_friday_at_17_arrives_monday_at_8(
    make_bed: Make, smtp: tuple[SmtpInbox, int, Path]
) -> None:
    inbox, _, _ = smtp
    bed = await make_bed()
    await staff(bed)
    t = new_ticket()
    friday = wib(12, 11, 15, 50)
    assert await bed.append(f"intake-{t}", submission(t, friday), at=friday) is Outcome.HANDLED
    assert await bed.send(friday) == 1  # the new item goes at once: the office is open
    raised = wib(12, 11, 17)
    late = warning(t, Step.DISPOSE_KABID, 75, raised)
    assert await bed.append(f"reporting-sla-{t}", late, at=raised) is Outcome.HANDLED
    before = len(inbox.raw)
    for moment in (raised, wib(12, 12, 10), wib(12, 13, 23, 59), wib(12, 14, 7, 59)):
        assert await bed.send(moment) == 0, moment
    assert len(inbox.raw) == before
    assert await bed.send(wib(12, 14, 8)) == 1
    (mail,) = inbox.messages[before:]
    assert str(mail["Subject"]).strip() == f"[{t}] Peringatan SLA 75%: Disposisi Kadis kepada Kabid"
    assert mail["Date"].datetime == wib(12, 14, 8)
    (sent,) = [
        e.event
        for e in await bed.logged("NotificationSent")
        if isinstance(e.event, NotificationSent) and e.event.kind == "sla_warning"
    ]
    assert sent.raised_at == raised


async def test_a_notice_raised_on_a_holiday_waits_for_the_next_working_day(
    make_bed: Make, smtp: tuple[SmtpInbox, int, Path]
) -> None:
    inbox, _, _ = smtp
    bed = await make_bed()
    await staff(bed)
    t = new_ticket()
    christmas = wib(12, 25, 10)  # Friday, a national holiday: the office is closed all day
    assert bed.notices.calendar.day_off_name(christmas.date()) is not None
    assert (
        await bed.append(f"intake-{t}", submission(t, christmas), at=christmas) is Outcome.HANDLED
    )
    assert await bed.send(christmas) == 0
    (row,) = await bed.rows("SELECT due_at, status FROM notices.outbox")
    opening = bed.notices.calendar.next_opening(christmas)
    assert row["due_at"] == opening
    assert opening.date() > christmas.date()
    assert await bed.send(opening - dt.timedelta(minutes=1)) == 0
    before = len(inbox.raw)
    assert await bed.send(opening) == 1
    assert inbox.received()[before:] == [
        (KADIS[2], f"[{t}] Permohonan menunggu tindakan Anda: Disposisi Kadis kepada Kabid")
    ]


# --- failures and crashes -------------------------------------------------------------------


async def test_the_gateway_down_is_retried_then_failed_and_nothing_else_waits(
    make_bed: Make, smtp: tuple[SmtpInbox, int, Path]
) -> None:
    inbox, _, _ = smtp
    bed = await make_bed()
    gateway = bed.gateway
    await staff(bed)
    async with bed.ctx.pool.acquire() as conn:  # the Kadis reads WhatsApp only
        await conn.execute(
            "INSERT INTO notices.preferences VALUES ($1, false, true, true, now())", KADIS[0]
        )
    gateway.down = True
    t = new_ticket()
    assert await bed.append(f"intake-{t}", submission(t, MONDAY), at=MONDAY) is Outcome.HANDLED
    to_kabid = disposition(t, Role.KADIS, Role.KABID)
    assert await bed.append(f"disposition-{t}", to_kabid, at=wib(12, 7, 9, 5)) is Outcome.HANDLED
    before = len(inbox.raw)
    assert await bed.send(wib(12, 7, 9, 6)) == 2  # the kadis's fails, the kabid's e-mail goes
    assert inbox.received()[before:] == [
        (KABID[2], f"[{t}] Permohonan menunggu tindakan Anda: Disposisi Kabid kepada Prakom")
    ]
    (row,) = await bed.rows("SELECT * FROM notices.outbox WHERE channel = 'whatsapp'")
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert row["next_attempt_at"] == wib(12, 7, 9, 7)  # 60 s later
    assert "gateway WhatsApp" in row["last_error"]
    assert await bed.send(wib(12, 7, 9, 6) + dt.timedelta(seconds=30)) == 0  # not before its time
    assert await bed.send(wib(12, 7, 9, 7)) == 1  # second attempt; next in 120 s
    assert await bed.send(wib(12, 7, 9, 9)) == 1  # third and last
    (row,) = await bed.rows("SELECT * FROM notices.outbox WHERE channel = 'whatsapp'")
    assert (row["status"], row["attempts"]) == ("failed", 3)
    assert gateway.attempts == 3
    (failed,) = await bed.logged("NotificationFailed")
    assert failed.event.recipient_nip == KADIS[0]  # type: ignore[attr-defined]
    assert failed.event.channel == NoticeChannel.WHATSAPP  # type: ignore[attr-defined]
    assert "gateway WhatsApp" in failed.event.reason  # type: ignore[attr-defined]
    assert failed.correlation_id == t
    gateway.down = False
    assert await bed.send(wib(12, 7, 10)) == 0  # a failed notice is not tried again
    # the gateway is back: the next notice goes through it, with the token and the body
    back = RequestReturned(ticket_id=t, step=Step.DISPOSE_PRAKOM, reasons=("Surat kurang",))
    async with bed.ctx.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO notices.people (nip, name, mobile) VALUES ($1, 'Dr. Siti Aminah', $2)",
            "197001012000032001",
            "0821-8064-0997",
        )
        await conn.execute(
            "INSERT INTO notices.preferences VALUES ($1, false, true, true, now())",
            "197001012000032001",
        )
    assert await bed.append(f"disposition-{t}", back, at=wib(12, 7, 10)) is Outcome.HANDLED
    assert await bed.send(wib(12, 7, 10, 1)) == 1
    ((headers, body),) = gateway.calls
    assert headers["authorization"] == f"Bearer {TOKEN}"
    sent = json.loads(body)
    assert sent["to"] == "0821-8064-0997"
    assert sent["message"].startswith(f"*[{t}] Permohonan dikembalikan untuk dilengkapi*")
    assert "1. Surat kurang" in sent["message"]


class Crash(BaseException):
    """The process dies: nothing after this point runs, the open transaction is rolled back."""


@dataclass
class CrashAfterSending:
    """A channel that hands the notice over and then dies before the outcome is recorded."""

    channel: Channel
    crashes: int = 1

    async def send(self, notice: Outgoing) -> None:
        await self.channel.send(notice)
        if self.crashes:
            self.crashes -= 1
            raise Crash()


async def test_a_crash_between_sending_and_recording_sends_once_more_and_loses_nothing(
    make_bed: Make, smtp: tuple[SmtpInbox, int, Path]
) -> None:
    inbox, _, _ = smtp
    bed = await make_bed()
    await staff(bed)
    t = new_ticket()
    assert await bed.append(f"intake-{t}", submission(t, MONDAY), at=MONDAY) is Outcome.HANDLED
    channels = dict(bed.notices.channels)
    channels[NoticeChannel.EMAIL] = CrashAfterSending(channels[NoticeChannel.EMAIL])
    bed.notices.channels = channels
    before = len(inbox.raw)
    with pytest.raises(Crash):
        await bed.send(wib(12, 7, 9, 1))
    assert len(inbox.raw) == before + 1  # the server has it ...
    (row,) = await bed.rows("SELECT status, attempts FROM notices.outbox")
    assert (row["status"], row["attempts"]) == ("pending", 0)  # ... the outbox does not know
    assert await bed.logged("NotificationSent") == []
    # the restarted sender sends it again: one copy more, with the same Message-ID; then never
    assert await bed.send(wib(12, 7, 9, 2)) == 1
    assert await bed.send(wib(12, 7, 9, 3)) == 0
    copies = inbox.messages[before:]
    assert len(copies) == 2
    assert copies[0]["Message-ID"] == copies[1]["Message-ID"]
    assert len(await bed.logged("NotificationSent")) == 1


# --- no channel configured: the mailbox and the portal's page -------------------------------


async def test_with_no_channel_notices_go_to_the_mailbox_and_the_persons_page(
    make_bed: Make, tmp_path: Path
) -> None:
    bed = await make_bed(smtp_host=None, whatsapp_webhook_url=None)
    await staff(bed)
    plh = DelegationGranted(
        delegation_id=uuid.uuid4(),
        position="kadis",
        kind=StandIn.PLH,
        holder_nip=KADIS[0],
        holder_name=KADIS[1],
        delegate_nip=PLH[0],
        delegate_name=PLH[1],
        starts_on=dt.date(2026, 12, 7),
        ends_on=dt.date(2026, 12, 8),
        decree_number="800/123/DISKOMINFO/2026",
    )
    stream = f"directory-delegation-{plh.delegation_id}"
    assert await bed.append(stream, plh, at=wib(12, 4, 9)) is Outcome.HANDLED
    t = new_ticket()
    assert await bed.append(f"intake-{t}", submission(t, MONDAY), at=MONDAY) is Outcome.HANDLED
    assert await bed.send(wib(12, 7, 9, 1)) == 1
    box = mailbox.mbox(bed.settings.mailbox_path)
    (message,) = list(box)
    assert message["X-Penghubung-NIP"] == PLH[0]  # the Plh stands in for the Kadis today
    assert message["Subject"].startswith(f"[{t}] Permohonan menunggu")
    page = await bed.client.get("/notifications", headers=bed.headers(PLH[0]))
    assert page.status_code == 200
    body = page.json()
    assert body["total"] == 1
    (item,) = body["items"]
    assert (item["ticket_id"], item["channel"], item["status"]) == (t, "mailbox", "sent")
    assert "Disposisi Kadis kepada Kabid" in item["body"]
    none = await bed.client.get("/notifications", headers=bed.headers(KADIS[0]))
    assert none.json()["total"] == 0


async def test_a_person_chooses_channels_and_mutes_the_digest(make_bed: Make) -> None:
    bed = await make_bed()
    me = bed.headers(KABID[0], Role.KABID)
    got = await bed.client.get("/preferences", headers=me)
    assert got.json() == {"email": True, "whatsapp": False, "digests": True}
    put = await bed.client.put(
        "/preferences", headers=me, json={"email": True, "whatsapp": True, "digests": False}
    )
    assert put.status_code == 200
    got = await bed.client.get("/preferences", headers=me)
    assert got.json() == {"email": True, "whatsapp": True, "digests": False}
    bad = await bed.client.put("/preferences", headers=me, json={"email": "kadang", "whatsapp": 1})
    assert bad.status_code == 422
    assert bad.json()["code"] == "validation_failed"
    # `1` is no choice either (it was once taken for true): the schema says a boolean.
    assert {e["field"] for e in bad.json()["errors"]} == {"email", "whatsapp", "digests"}
    nameless = await bed.client.get("/preferences", headers=bed.headers(None, Role.PEMOHON))
    assert nameless.status_code == 422
    assert (nameless.json()["code"], nameless.json()["field"]) == ("nip_required", "nip")


# --- the periodic notices -------------------------------------------------------------------


async def test_the_kadis_digest_comes_once_at_opening_and_the_ba_reminder_after_n_days(
    make_bed: Make, smtp: tuple[SmtpInbox, int, Path]
) -> None:
    inbox, _, _ = smtp
    bed = await make_bed(notices_berita_acara_days=2)
    await staff(bed)
    waiting, done = new_ticket(), new_ticket()
    assert (
        await bed.append(f"intake-{waiting}", submission(waiting, MONDAY), at=MONDAY)
        is Outcome.HANDLED
    )
    assert (
        await bed.append(f"intake-{done}", submission(done, MONDAY), at=MONDAY) is Outcome.HANDLED
    )
    breach = warning(done, Step.DISPOSE_KABID, 100, wib(12, 7, 10))
    assert await bed.append(f"reporting-sla-{done}", breach, at=wib(12, 7, 10)) is Outcome.HANDLED
    integrated_at, reserved_at = wib(12, 7, 11), wib(12, 7, 11, 5)
    assert (
        await bed.append(f"integration-{done}", integrated(done), at=integrated_at)
        is Outcome.HANDLED
    )
    number = BeritaAcaraNumberReserved(
        ticket_id=done, year=2026, sequence=8, number="008/BA-LIA/SC-05/DISKOMINFO/2026"
    )
    assert await bed.append(f"reporting-ba-{done}", number, at=reserved_at) is Outcome.HANDLED
    await bed.send(wib(12, 7, 12))
    before = len(inbox.raw)
    tuesday = wib(12, 8, 8)
    bed.ctx.clock = lambda: tuesday
    assert await bed.notices.raise_periodic(wib(12, 8, 7, 59)) == 0  # not before opening
    assert await bed.notices.raise_periodic(tuesday) == 1  # the digest; the BA is not due yet
    assert await bed.notices.raise_periodic(wib(12, 8, 9)) == 0  # once a day
    assert await bed.send(tuesday) == 1
    (digest,) = inbox.messages[before:]
    assert str(digest["Subject"]).strip() == "Ringkasan harian Penghubung, Selasa, 8 Desember 2026"
    text = digest.get_content().replace("\r\n", "\n")
    assert "Menunggu disposisi Anda: 1" in text
    assert waiting in text
    assert f"Melampaui SLA pada hari kerja sebelumnya: 1\n  - {done}" in text
    # two working days after the BA was reserved (Mon 11:05): Wednesday at closing
    assert await bed.notices.raise_periodic(wib(12, 9, 15, 59)) == 1  # Wednesday's digest only
    assert await bed.notices.raise_periodic(wib(12, 9, 16)) == 0  # closed at 16:00
    thursday = wib(12, 10, 8)
    assert await bed.notices.raise_periodic(thursday) == 2  # applicant + the next digest
    assert await bed.notices.raise_periodic(wib(12, 10, 9)) == 0  # reminded once
    mails = len(inbox.raw)
    assert await bed.send(thursday) == 3  # Wednesday's digest was waiting too
    subjects = sorted(s for _, s in inbox.received()[mails:])
    assert subjects == [
        "Ringkasan harian Penghubung, Kamis, 10 Desember 2026",
        "Ringkasan harian Penghubung, Rabu, 9 Desember 2026",
        f"[{done}] Pengingat: Berita Acara belum dikembalikan",
    ]
    # a Kadis who mutes the digest gets none
    await bed.client.put(
        "/preferences",
        headers=bed.headers(KADIS[0]),
        json={"email": True, "whatsapp": False, "digests": False},
    )
    assert await bed.notices.raise_periodic(wib(12, 11, 8)) == 0


# --- a consumer killed in the middle of a batch ---------------------------------------------


def process_env(settings: NoticesSettings, port: int) -> dict[str, str]:
    """The environment of a `python -m notices` process on the test's database and bus."""
    assert settings.smtp_password is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith("PENGHUBUNG_")}
    env |= {
        "PENGHUBUNG_DATABASE_URL": settings.database_url,
        "PENGHUBUNG_NATS_URL": settings.nats_url,
        "PENGHUBUNG_STREAM_NAME": settings.stream_name,
        "PENGHUBUNG_SUBJECT_PREFIX": settings.subject_prefix,
        "PENGHUBUNG_HTTP_PORT": str(port),
        "PENGHUBUNG_DATA_DIR": str(settings.data_dir),
        "PENGHUBUNG_SMTP_HOST": str(settings.smtp_host),
        "PENGHUBUNG_SMTP_PORT": str(settings.smtp_port),
        "PENGHUBUNG_SMTP_USERNAME": str(settings.smtp_username),
        "PENGHUBUNG_SMTP_PASSWORD": settings.smtp_password.get_secret_value(),
        "PENGHUBUNG_SMTP_CA_FILE": str(settings.smtp_ca_file),
        "PENGHUBUNG_NOTICES_SENDER_ENABLED": "false",
        "PENGHUBUNG_LOG_LEVEL": "WARNING",
        # a service with no way to verify tokens refuses to start: this one verifies HS256
        "PENGHUBUNG_JWT_SECRET": "notices-kill-test-" + "s" * 32,
    }
    return env


async def start(settings: NoticesSettings) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "notices",
        env=process_env(settings, free_port()),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def until(done: Callable[[], Awaitable[bool]], *, seconds: float) -> None:
    async with asyncio.timeout(seconds):
        while not await done():  # noqa: ASYNC110 (the database is polled, nothing to wait on)
            await asyncio.sleep(0.01)


async def test_a_consumer_killed_mid_batch_loses_no_notice_and_makes_none_twice(
    make_bed: Make, smtp: tuple[SmtpInbox, int, Path], run_id: str
) -> None:
    inbox, _, _ = smtp
    bed = await make_bed(stream_name=f"NOTICESKILL_{run_id}", subject_prefix=f"nk{run_id}.events")
    # declared by the bootstrap step, with a short ack wait: what the killed process held
    # comes back within seconds
    spec = dataclasses.replace(subscribers.EVENTS, ack_wait_seconds=2)
    await bootstrap(bed.settings, [spec])
    now = datetime.now(WIB)
    await bed.record(f"directory-person-{KADIS[0]}", person(KADIS), at=now)
    await bed.record(
        f"directory-person-{KADIS[0]}", RoleGranted(nip=KADIS[0], role=Role.KADIS), at=now
    )
    tickets = [new_ticket() for _ in range(80)]
    await asyncio.gather(*(bed.record(f"intake-{t}", submission(t, now), at=now) for t in tickets))

    async def queued() -> int:
        rows = await bed.rows("SELECT count(*) AS n FROM notices.outbox")
        n: int = rows[0]["n"]
        return n

    first = await start(bed.settings)
    try:
        await until(lambda: _at_least(queued, 10), seconds=60)
    finally:
        first.kill()  # SIGKILL: no shutdown, messages in flight unacknowledged
        await first.wait()
    at_kill = await queued()
    assert 10 <= at_kill < len(tickets), "the kill came in the middle of the batch"
    second = await start(bed.settings)
    try:
        await until(lambda: _exactly(queued, len(tickets)), seconds=90)
        handled = await bed.rows(
            "SELECT count(*) AS n FROM messaging.inbox WHERE consumer = 'notices-events'"
        )
        await asyncio.sleep(2.5)  # one more ack wait: anything redelivered late finds the inbox
        assert await queued() == len(tickets)
    finally:
        second.terminate()
        await second.wait()
    assert handled[0]["n"] == len(tickets) + 2  # every event once: 80 submissions, 2 directory
    per_ticket = await bed.rows(
        "SELECT ticket_id, count(*) AS n FROM notices.outbox GROUP BY ticket_id"
    )
    assert {r["ticket_id"] for r in per_ticket} == set(tickets)
    assert {r["n"] for r in per_ticket} == {1}
    before = len(inbox.raw)
    assert await bed.send(bed.notices.calendar.next_opening(now)) == len(tickets)
    subjects = [s for _, s in inbox.received()[before:]]
    assert sorted(subjects) == sorted(
        f"[{t}] Permohonan menunggu tindakan Anda: Disposisi Kadis kepada Kabid" for t in tickets
    )


async def _at_least(count: Callable[[], Awaitable[int]], n: int) -> bool:
    return await count() >= n


async def _exactly(count: Callable[[], Awaitable[int]], n: int) -> bool:
    return await count() == n


def person(who: tuple[str, str, str, str | None]) -> PersonRegistered:
    nip, name, mail, mobile = who
    return PersonRegistered(
        nip=nip, name=name, position="Pejabat", agency="diskominfo", email=mail, mobile=mobile
    )


async def test_a_day_the_admin_closes_the_office_holds_notices_too(
    make_bed: Make, smtp: tuple[SmtpInbox, int, Path]
) -> None:
    inbox, _, _ = smtp
    bed = await make_bed()
    await staff(bed)
    t = new_ticket()
    christmas = wib(12, 25, 10)
    assert (
        await bed.append(f"intake-{t}", submission(t, christmas), at=christmas) is Outcome.HANDLED
    )
    opening = bed.notices.calendar.next_opening(christmas)
    closed = CalendarDayOffAdded(version=2, day=opening.date(), name="Hari Jadi Provinsi")
    assert await bed.append("reporting-calendar", closed, at=wib(12, 24, 9)) is Outcome.HANDLED
    assert (await bed.notices.refresh_calendar()).version == 2
    later = bed.notices.calendar.next_opening(christmas)
    assert later.date() > opening.date()
    assert await bed.send(opening) == 0  # the regional day off: still closed
    before = len(inbox.raw)
    assert await bed.send(later) == 1
    assert inbox.received()[before:] == [
        (KADIS[2], f"[{t}] Permohonan menunggu tindakan Anda: Disposisi Kadis kepada Kabid")
    ]
    # the change is folded once: a second delivery of it is a duplicate
    (row,) = await bed.rows("SELECT version FROM notices.calendar")
    assert row["version"] == 2


# --- what an operator may get wrong ---------------------------------------------------------


async def test_a_wrong_smtp_password_ends_in_notification_failed_with_the_servers_answer(
    make_bed: Make, smtp: tuple[SmtpInbox, int, Path]
) -> None:
    inbox, _, _ = smtp
    received = len(inbox.raw)
    bed = await make_bed(smtp_password="salah", notices_max_attempts=1, smtp_timeout_seconds=3)
    await staff(bed)
    t = new_ticket()
    assert await bed.append(f"intake-{t}", submission(t, MONDAY), at=MONDAY) is Outcome.HANDLED
    assert await bed.send(wib(12, 7, 9, 1)) == 1
    (failed,) = await bed.logged("NotificationFailed")
    assert isinstance(failed.event, NotificationFailed)
    assert failed.event.recipient_nip == KADIS[0]
    # the test server, refusing the login, stops answering (aiosmtpd): a timeout, then failed
    assert failed.event.reason.startswith("SMTP: SMTP")
    (row,) = await bed.rows("SELECT status, attempts FROM notices.outbox")
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert len(inbox.raw) == received


async def test_a_broken_admin_template_holds_the_event_until_it_is_fixed(
    make_bed: Make, tmp_path: Path
) -> None:
    templates = tmp_path / "templat"
    templates.mkdir()
    broken = templates / "inbox_item.txt.j2"
    broken.write_text('{% set subject = "Baru: " ~ tiket %}{{ ticket }}')  # `tiket`: no such value
    bed = await make_bed(notices_template_dir=templates)
    await staff(bed)
    t = new_ticket()
    # the event is retried (and dead-lettered after max_attempts), nothing is half-written
    assert await bed.append(f"intake-{t}", submission(t, MONDAY), at=MONDAY) is Outcome.RETRY
    assert await bed.rows("SELECT * FROM notices.outbox") == []
    assert await bed.rows("SELECT * FROM notices.requests") == []
    broken.write_text('{% set subject = "Baru: " ~ ticket %}Permohonan {{ ticket }} menunggu.')
    position = (
        await bed.rows(
            "SELECT global_position FROM eventstore.events WHERE stream_id = $1", f"intake-{t}"
        )
    )[0]["global_position"]
    assert await deliver(bed.ctx, bed.settings, bed.subscription, position) is Outcome.HANDLED
    (row,) = await bed.rows("SELECT subject, body FROM notices.outbox")
    assert (row["subject"], row["body"]) == (f"Baru: {t}", f"Permohonan {t} menunggu.\n")


async def test_old_news_read_from_the_start_of_the_bus_is_learned_but_told_to_no_one(
    make_bed: Make,
) -> None:
    bed = await make_bed()
    await staff(bed)
    t = new_ticket()
    position = await bed.record(f"intake-{t}", submission(t, MONDAY), at=MONDAY)
    later = max(MONDAY, datetime.now(WIB)) + dt.timedelta(days=30)  # recorded now, read later
    bed.ctx.clock = lambda: later
    assert await deliver(bed.ctx, bed.settings, bed.subscription, position) is Outcome.HANDLED
    assert await bed.rows("SELECT * FROM notices.outbox") == []
    (row,) = await bed.rows("SELECT step FROM notices.requests WHERE ticket_id = $1", t)
    assert row["step"] == "dispose_kabid"
