"""The channels a notice leaves by: SMTP (STARTTLS, login), a WhatsApp HTTP gateway, a mailbox.

Each `send` either hands the notice over or raises `DeliveryFailed` with what the other side
said; every outbound call has a timeout. The e-mail's Message-ID is the notice's id, so a mail
client that sees the same notice twice (after a crash between sending and recording) can tell.
"""

from __future__ import annotations

import asyncio
import mailbox
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path

import aiosmtplib
import httpx
from jinja2 import Environment, StrictUndefined, TemplateError

from notices.app.ports import DeliveryFailed, Outgoing
from notices.settings import NoticesSettings


class Smtp:
    """E-mail over SMTP: STARTTLS and login when configured, over one connection kept open.

    The connection is opened at the first notice and reused by the next ones, so a round of a
    hundred notices costs one handshake (TCP, STARTTLS, login), not a hundred. It is closed
    after `idle_seconds` without a notice and when the service stops. A server that dropped the
    kept connection (servers close idle ones) is met with one fresh connection and one more
    try; any other failure closes the connection, since its state is then unknown, and raises
    DeliveryFailed for the sender's retry with backoff.
    """

    def __init__(self, settings: NoticesSettings, *, idle_seconds: float = 30.0) -> None:
        assert settings.smtp_host is not None
        self._settings = settings
        self._tls: ssl.SSLContext | None = None
        if settings.smtp_starttls:
            cafile = str(settings.smtp_ca_file) if settings.smtp_ca_file else None
            self._tls = ssl.create_default_context(cafile=cafile)
        self._idle_seconds = idle_seconds
        self._client: aiosmtplib.SMTP | None = None
        self._last_used = 0.0
        self._lock = asyncio.Lock()
        self.connections_opened = 0
        """How many connections this channel opened (read by tests and the log)."""

    def message(self, notice: Outgoing) -> EmailMessage:
        """The e-mail of a notice."""
        sender = self._settings.smtp_sender
        message = EmailMessage()
        message["From"] = sender
        message["To"] = formataddr((notice.recipient_name, notice.address))
        message["Subject"] = notice.subject
        message["Date"] = format_datetime(notice.sent_at)
        domain = parseaddr(sender)[1].rpartition("@")[2] or "penghubung"
        message["Message-ID"] = f"<{notice.notice_id}@{domain}>"
        message["X-Penghubung-Notice"] = str(notice.notice_id)
        if notice.ticket_id:
            message["X-Penghubung-Ticket"] = notice.ticket_id
        message.set_content(notice.body)
        return message

    async def send(self, notice: Outgoing) -> None:
        """Send one e-mail over the kept connection (opened or renewed as needed)."""
        message = self.message(notice)
        async with self._lock:
            try:
                reused = await self._connected()
                try:
                    await self._send(message)
                except aiosmtplib.SMTPServerDisconnected:
                    if not reused:
                        raise
                    # The server closed the kept connection while it idled: once more, afresh.
                    await self._close()
                    await self._connected()
                    await self._send(message)
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
                await self._close()
                raise DeliveryFailed(f"SMTP: {type(error).__name__}: {error}") from error
            self._last_used = asyncio.get_running_loop().time()

    async def close(self) -> None:
        """Say QUIT and close the kept connection, if any (when the service stops)."""
        async with self._lock:
            await self._close()

    async def _connected(self) -> bool:
        """Make sure a connection is open; True when an existing one is reused."""
        now = asyncio.get_running_loop().time()
        client = self._client
        fresh = now - self._last_used < self._idle_seconds
        if client is not None and client.is_connected and fresh:
            return True
        await self._close()
        s = self._settings
        client = aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            start_tls=s.smtp_starttls,
            use_tls=False,
            tls_context=self._tls,
            timeout=s.smtp_timeout_seconds,
        )
        await client.connect()
        self._client = client
        self.connections_opened += 1
        return False

    async def _send(self, message: EmailMessage) -> None:
        assert self._client is not None
        await self._client.send_message(message)

    async def _close(self) -> None:
        client, self._client = self._client, None
        if client is None or not client.is_connected:
            return
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            client.close()


class WhatsAppGateway:
    """WhatsApp through an HTTP gateway: a POST of the configured body, with a bearer token."""

    def __init__(self, settings: NoticesSettings, client: httpx.AsyncClient) -> None:
        assert settings.whatsapp_webhook_url is not None
        self._url = settings.whatsapp_webhook_url
        self._token = settings.whatsapp_token
        self._body = Environment(undefined=StrictUndefined, autoescape=False).from_string(
            settings.whatsapp_body_template
        )
        self._client = client
        self._timeout = settings.whatsapp_timeout_seconds

    def body(self, notice: Outgoing) -> bytes:
        """The request body the gateway is sent for one notice."""
        message = f"*{notice.subject}*\n\n{notice.body}"
        try:
            text = self._body.render(to=notice.address, message=message, notice=notice)
        except TemplateError as error:
            raise DeliveryFailed(f"templat badan WhatsApp tidak valid: {error}") from error
        return text.encode()

    async def send(self, notice: Outgoing) -> None:
        """Post one message to the gateway; anything but a 2xx is a failure."""
        headers = {"Content-Type": "application/json", "Idempotency-Key": str(notice.notice_id)}
        if self._token is not None:
            headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        try:
            response = await self._client.post(
                self._url, content=self.body(notice), headers=headers, timeout=self._timeout
            )
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"gateway WhatsApp: {type(error).__name__}: {error}") from error
        if not response.is_success:
            raise DeliveryFailed(
                f"gateway WhatsApp menjawab {response.status_code}: {response.text[:500]}"
            )


class Mailbox:
    """The local mailbox (an mbox file under the data folder), for a machine with no channel."""

    def __init__(self, path: Path, *, sender: str) -> None:
        self._path = path
        self._sender = sender

    def message(self, notice: Outgoing) -> EmailMessage:
        """The notice as a message in the mailbox, addressed to the person's NIP."""
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = formataddr((notice.recipient_name, f"{notice.recipient_nip}@mailbox"))
        message["Subject"] = notice.subject
        message["Date"] = format_datetime(notice.sent_at)
        message["Message-ID"] = f"<{notice.notice_id}@mailbox>"
        message["X-Penghubung-Notice"] = str(notice.notice_id)
        message["X-Penghubung-NIP"] = notice.recipient_nip
        message.set_content(notice.body)
        return message

    async def send(self, notice: Outgoing) -> None:
        """Append the notice to the mailbox file."""
        try:
            await asyncio.to_thread(self._append, self.message(notice))
        except OSError as error:
            raise DeliveryFailed(f"kotak surat lokal: {error}") from error

    def _append(self, message: EmailMessage) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        box = mailbox.mbox(self._path)
        box.lock()
        try:
            box.add(message)
            box.flush()
        finally:
            box.unlock()
            box.close()
