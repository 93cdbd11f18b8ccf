"""The notices service's settings: the shared ones plus its channels, templates and timing."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from penghubung.settings import RuntimeSettings, ServiceSettings

DEFAULT_WHATSAPP_BODY = '{"to": {{ to | tojson }}, "message": {{ message | tojson }}}'
"""The gateway's request body: JSON with the number and the text (Fonnte, Wablas and the like
take these two fields under one name or another; change the names here)."""


class NoticesSettings(ServiceSettings, RuntimeSettings):
    """Everything the notices process needs; each field is `PENGHUBUNG_<NAME>` in the env."""

    portal_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base URL of the portal: each notice links to the request's page there",
    )
    notices_template_dir: Path | None = Field(
        default=None,
        description="A folder of the admin's own templates; a file there replaces the built-in"
        " one of the same name",
    )
    notices_mailbox: Path | None = Field(
        default=None,
        description="The local mailbox file (mbox) notices go to when no channel is configured;"
        " default <data dir>/notices/mailbox.mbox",
    )
    smtp_host: str | None = Field(default=None, description="SMTP server; none: no e-mail")
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP port (587: submission)")
    smtp_starttls: bool = Field(default=True, description="Upgrade the connection with STARTTLS")
    smtp_username: str | None = Field(default=None, description="SMTP login, if the server asks")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password")
    smtp_sender: str = Field(
        default="Penghubung Diskominfo <penghubung@localhost>", description="The From address"
    )
    smtp_ca_file: Path | None = Field(
        default=None,
        description="CA bundle to trust for the server's certificate (default: system)",
    )
    smtp_timeout_seconds: float = Field(default=20.0, gt=0, description="Timeout of one delivery")
    smtp_idle_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="How long the SMTP connection is kept open without a notice before it closes",
    )
    whatsapp_webhook_url: str | None = Field(
        default=None, description="The WhatsApp gateway's send URL; none: no WhatsApp"
    )
    whatsapp_token: SecretStr | None = Field(
        default=None, description="Sent as `Authorization: Bearer <token>` to the gateway"
    )
    whatsapp_body_template: str = Field(
        default=DEFAULT_WHATSAPP_BODY,
        description="Jinja2 template of the JSON body posted to the gateway (`to`, `message`)",
    )
    whatsapp_timeout_seconds: float = Field(default=15.0, gt=0, description="Timeout of one call")
    notices_max_attempts: int = Field(
        default=6, ge=1, description="Attempts of one notice before NotificationFailed"
    )
    notices_retry_seconds: float = Field(
        default=60.0, gt=0, description="Wait after the first failure; doubles after each"
    )
    notices_retry_cap_seconds: float = Field(
        default=3600.0, gt=0, description="Longest wait between two attempts"
    )
    notices_send_interval_seconds: float = Field(
        default=5.0, gt=0, description="How often the sender looks for due notices"
    )
    notices_periodic_interval_seconds: float = Field(
        default=60.0, gt=0, description="How often the digest and the BA reminders are looked at"
    )
    notices_berita_acara_days: int = Field(
        default=5, ge=1, description="Working days after which an unreturned BA is reminded"
    )
    notices_max_age_days: int = Field(
        default=7,
        ge=1,
        description="Facts older than this raise no notice (a new consumer reads the bus from its"
        " start: its people must not get years of old news)",
    )
    notices_sender_enabled: bool = Field(
        default=True, description="Run the sender and the periodic task in this process"
    )

    @classmethod
    def of(cls, settings: ServiceSettings) -> NoticesSettings:
        """These settings from the process's; the notices' own fields from the environment."""
        if isinstance(settings, cls):
            return settings
        return cls(**settings.model_dump())

    @property
    def mailbox_path(self) -> Path:
        """Where the local mailbox is."""
        return self.notices_mailbox or self.data_dir / "notices" / "mailbox.mbox"
