"""Settings parts shared by every service; each service composes its one class from these."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class _Base(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PENGHUBUNG_", extra="ignore")


class DatabaseSettings(_Base):
    """Where the event log and the services' schemas live."""

    database_url: str = Field(
        default="postgresql://postgres@127.0.0.1:5432/penghubung",
        description="PostgreSQL URL (asyncpg form, no +driver suffix)",
    )
    database_pool_size: int = Field(default=10, ge=1, description="Connections per process")
    database_role: str | None = Field(
        default=None,
        description="Role every connection of a service takes (SET ROLE); unset: the service's"
        " own, penghubung_<service>; empty: none (the login's own privileges)",
    )


class NatsSettings(_Base):
    """Where the bus is, and the names of the stream and subjects."""

    nats_url: str = Field(default="nats://127.0.0.1:4222", description="NATS server URL(s)")
    stream_name: str = Field(default="PENGHUBUNG", description="JetStream stream of all events")
    subject_prefix: str = Field(
        default="penghubung.events",
        description="Subjects are <prefix>.<category>.<EventType>",
    )
    duplicate_window_seconds: int = Field(
        default=600, ge=1, description="JetStream de-duplication window by Nats-Msg-Id"
    )
    max_deliver: int = Field(
        default=20, ge=2, description="Server-side delivery limit (a safety net above max_attempts)"
    )
    max_attempts: int = Field(
        default=5, ge=1, description="Deliveries of one message before it is dead-lettered"
    )
    retry_backoff_seconds: float = Field(
        default=0.5, gt=0, description="First redelivery delay; doubles per attempt"
    )
    graceful_timeout_seconds: float = Field(
        default=15.0, gt=0, description="How long stopping waits for handlers in flight"
    )


class HttpSettings(_Base):
    """Where a service's HTTP API listens."""

    http_host: str = Field(default="127.0.0.1", description="Interface for the HTTP API")
    http_port: int = Field(default=8000, ge=0, le=65535, description="Port for the HTTP API")
    http_max_body_bytes: int = Field(
        default=2 * 1024 * 1024,
        ge=1024,
        description="Largest request body read (413 above); intake's uploads have their own cap",
    )


class AuthSettings(_Base):
    """How bearer tokens are verified: the directory's JWKS, or an explicit HS256 secret."""

    env: str = Field(
        default="production",
        description="`development` lets a service without any way to verify tokens start"
        " (with a warning, on a development secret); any other value refuses to start",
    )
    jwt_secret: str | None = Field(
        default=None,
        min_length=32,
        description="HS256 secret for bearer tokens (an explicit option; the directory's JWKS is"
        " the normal way)",
    )
    jwt_audience: str = Field(default="penghubung", description="Expected `aud` claim")
    jwt_issuer: str = Field(default="penghubung", description="Expected `iss` claim")
    jwks_url: str | None = Field(
        default=None, description="The directory's JWKS URL (`…/.well-known/jwks.json`)"
    )
    directory_url: str | None = Field(
        default=None, description="The directory's base URL, for clients (e.g. the portal)"
    )

    @property
    def development(self) -> bool:
        """Whether PENGHUBUNG_ENV=development was set explicitly."""
        return self.env == "development"


class RelaySettings(_Base):
    """How the relay from the log to the bus behaves."""

    relay_enabled: bool = Field(default=True, description="Run a relay candidate in this process")
    relay_batch_size: int = Field(default=500, ge=1, description="Events read per relay round")
    relay_poll_seconds: float = Field(
        default=1.0, gt=0, description="Polling interval when no notification arrives"
    )


class LogSettings(_Base):
    """How the process logs."""

    log_level: str = Field(default="INFO", description="Python log level")
    log_json: bool | None = Field(
        default=None, description="JSON logs; by default JSON when stderr is not a terminal"
    )


class RuntimeSettings(_Base):
    """Where `penghubung up` keeps the embedded servers' data."""

    data_dir: Path = Field(default=Path("var"), description="Folder for embedded data")


class AuditSettings(_Base):
    """The audit key pair, the folder of checkpoint files, and how often the head is signed."""

    audit_private_key: Path = Field(
        default=Path("var/audit/keys/audit_ed25519.pem"),
        description="PEM file of the Ed25519 key that signs checkpoints (mode 0600)",
    )
    audit_public_key: Path = Field(
        default=Path("var/audit/keys/audit_ed25519.pub.pem"),
        description="PEM file of the public key that verifies checkpoints",
    )
    audit_checkpoint_dir: Path = Field(
        default=Path("var/audit/checkpoints"),
        description="Folder outside the database where each checkpoint is also written",
    )
    audit_sign_interval_seconds: float = Field(
        default=3600.0, ge=1, description="How often the periodic signer signs the chain head"
    )
    audit_signer_enabled: bool = Field(
        default=False, description="Run the periodic signer in this process (one process is enough)"
    )


class ServiceSettings(
    DatabaseSettings,
    NatsSettings,
    HttpSettings,
    AuthSettings,
    RelaySettings,
    LogSettings,
    AuditSettings,
):
    """Everything one service process needs; services subclass it for their own fields."""
