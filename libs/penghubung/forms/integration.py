"""What an integration records when it works, and the number of its Berita Acara."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Self
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    Field,
    model_validator,
)

from penghubung.forms.request import Mechanism, MechanismChoice
from penghubung.forms.values import FormValueError, Text, ValueObject, unless_trusted


class AuthenticationType(StrEnum):
    """How a client authenticates to the integrated service."""

    NONE = "none"
    API_KEY = "api_key"
    BASIC = "basic"
    OAUTH2 = "oauth2"
    MTLS = "mtls"


def check_http_url(value: str) -> str:
    """Check an absolute http:// or https:// URL with a host name."""
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or any(c.isspace() for c in url):
        raise FormValueError("url", "URL harus diawali http:// atau https:// dan memuat nama host")
    return url


HttpUrlText = Annotated[str, AfterValidator(unless_trusted(check_http_url))]
"""An absolute http(s) URL, kept as typed."""


class IntegrationDetails(ValueObject):
    """What was built: the mechanism, where it is reached, its operations and authentication."""

    mechanism: MechanismChoice = Field(description="GSB, API or the other mechanism used")
    gsb_service_name: Text | None = Field(
        default=None, description="Name of the service on the GSB; required for GSB"
    )
    base_url: HttpUrlText | None = Field(
        default=None, description="Base URL of the API (http/https); required for API"
    )
    operations: tuple[Text, ...] = Field(
        min_length=1, description="Operations the integration offers, at least one"
    )
    authentication: AuthenticationType = Field(description="How clients authenticate")
    endpoints: tuple[Text, ...] = Field(
        default=(), description="Endpoints (URLs, paths or subjects) that were published"
    )

    @model_validator(mode="after")
    def _mechanism_details(self) -> Self:
        if self.mechanism.kind is Mechanism.GSB and self.gsb_service_name is None:
            raise FormValueError("gsb_service_name", "nama layanan GSB wajib diisi")
        if self.mechanism.kind is Mechanism.API and self.base_url is None:
            raise FormValueError("base_url", "URL dasar API wajib diisi")
        return self


# --- Berita Acara and the agenda book -------------------------------------------------------


def format_berita_acara_number(year: int, sequence: int) -> str:
    """The number of a Berita Acara: `007/BA-LIA/SC-05/DISKOMINFO/2026`."""
    return f"{sequence:03d}/BA-LIA/SC-05/DISKOMINFO/{year:04d}"
