"""Settings parts shared by every service; each service composes its one class from these."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
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

    nats_url: str = Field(
        default="nats://127.0.0.1:4222",
        description="NATS server URL, or the URLs of a cluster's nodes separated by commas",
    )
    stream_replicas: int = Field(
        default=1,
        ge=1,
        le=5,
        description="Copies JetStream keeps of the stream (3 on a three-node cluster)",
    )
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
    nats_consumer_batch: int = Field(
        default=64,
        ge=1,
        le=1000,
        description="Messages a consumer pulls at once and handles in one transaction (in order;"
        " a durable's max_ack_pending caps it)",
    )

    @property
    def nats_servers(self) -> list[str]:
        """The server URLs of `nats_url`, one per node of a cluster."""
        return [url.strip() for url in self.nats_url.split(",") if url.strip()]


class HttpSettings(_Base):
    """Where a service's HTTP API listens."""

    http_host: str = Field(default="127.0.0.1", description="Interface for the HTTP API")
    http_port: int = Field(default=8000, ge=0, le=65535, description="Port for the HTTP API")
    http_max_body_bytes: int = Field(
        default=2 * 1024 * 1024,
        ge=1024,
        description="Largest request body read (413 above); intake's uploads have their own cap",
    )
    http_max_header_bytes: int = Field(
        default=32 * 1024,
        ge=1024,
        description="Largest request line and headers read (431 above, then the connection closes)",
    )
    http_max_headers: int = Field(
        default=100, ge=8, description="Most header fields one request may carry (431 above)"
    )
    http_header_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Time a request's line and headers may take to arrive (408 after, then closed)",
    )
    http_body_timeout_seconds: float = Field(
        default=120.0,
        gt=0,
        description="Time a request's whole body may take after its headers (closed after)",
    )
    http_write_rate_per_minute: float | None = Field(
        default=None,
        gt=0,
        description="Writes (POST, PUT, PATCH, DELETE) one person may make per minute, on average"
        " (429 above); unset: no limit (docker-compose sets 120)",
    )
    http_write_burst: int = Field(
        default=30, ge=1, description="Writes one person may make at once before 429"
    )
    http_max_connections: int = Field(
        default=256,
        ge=1,
        description="Connections one process holds at once; one more is answered 503 and closed",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses or networks (CIDR) of the reverse proxies in front of the service,"
        ' e.g. ["172.16.0.0/12"]: only a request from one of them has its client address taken'
        " from X-Forwarded-For (the rightmost hop that is not a trusted proxy); empty: the header"
        " is ignored and the client address is the connection's",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        """Each entry an IP address or network: a typo must not silently trust nothing."""
        for entry in value:
            try:
                ipaddress.ip_network(entry.strip(), strict=False)
            except ValueError:
                raise ValueError(f"not an IP address or network: {entry!r}") from None
        return [entry.strip() for entry in value]


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
    jwt_max_lifetime_seconds: int = Field(
        default=24 * 3600,
        ge=60,
        description="Tokens whose `exp` lies further ahead than this are refused (token_invalid)",
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
    relay_checkpoint_seconds: float = Field(
        default=0.5,
        ge=0,
        description="How often the active relay writes down how far it has published (it keeps"
        " it in memory meanwhile, and writes it when it stops); 0: after every batch",
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
    audit_private_key_pem: SecretStr | None = Field(
        default=None,
        description="The private key's PEM itself (from a secret store); replaces the file",
    )
    audit_public_key: Path = Field(
        default=Path("var/audit/keys/audit_ed25519.pub.pem"),
        description="PEM file of the public key that verifies checkpoints",
    )
    audit_checkpoint_dir: Path = Field(
        default=Path("var/audit/checkpoints"),
        description="Folder outside the database where each checkpoint is also written",
    )
    audit_witness_dir: Path | None = Field(
        default=None,
        description="A second folder (another host's mount) each checkpoint is also written to",
    )
    audit_witness_url: str | None = Field(
        default=None,
        description="An HTTP endpoint each checkpoint is also POSTed to as JSON (a witness)",
    )
    audit_witness_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long publishing to the witness URL may take"
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
