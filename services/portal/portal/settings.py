"""The portal's settings: where the services are, how sessions are kept, and its own address."""

from __future__ import annotations

from pydantic import Field

from penghubung.settings import AuthSettings, HttpSettings, LogSettings


class PortalSettings(HttpSettings, AuthSettings, LogSettings):
    """Everything the portal process needs; every field is a `PENGHUBUNG_*` variable."""

    service_urls: dict[str, str] = Field(
        default_factory=dict,
        description='JSON: {"intake": "http://…", "disposition": …, "integration": …, …}',
    )
    directory_url: str | None = Field(
        default=None, description="The directory service (sign-in, people); unset: none yet"
    )
    portal_session_secret: str | None = Field(
        default=None,
        min_length=32,
        description="Key of the session cookies; unset: a new one per start (sessions end)",
    )
    portal_session_hours: float = Field(
        default=8.0, gt=0, le=24, description="A session ends this long after sign-in"
    )
    portal_call_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Timeout of each call to a service"
    )
