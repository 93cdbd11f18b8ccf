"""Sessions in an encrypted, authenticated cookie: no table, nothing to clean up.

The cookie holds who signed in, the role they act in, the short-lived access token the
services accept, the directory's session token (to get the next access token), the CSRF
secret and the expiry — sealed with AES-GCM under the portal's key, so the browser can
neither read nor change it. Sign-out ends the directory session too, so a copied cookie is
worth no more than its access token's last minutes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

COOKIE = "penghubung_sesi"
_NONCE = 12


class Choice(BaseModel):
    """A role the person may act in (a Plt/Plh delegation is a choice of its own)."""

    model_config = ConfigDict(frozen=True)

    role: str
    agency: str | None = None
    delegation_id: str | None = None
    label: str


class Person(BaseModel):
    """Who signed in, as the directory names them."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    nip: str
    name: str
    position: str | None = None
    agency: str | None = None
    """The agency's name, as applicants write it on the form and their tokens carry it."""

    @model_validator(mode="before")
    @classmethod
    def _agency_by_name(cls, data: Any) -> Any:
        """The directory names the agency by code and by name: the name is what people read."""
        if isinstance(data, dict) and data.get("agency_name"):
            return {**data, "agency": data["agency_name"]}
        return data


class Session(BaseModel):
    """One browser's session; anonymous until sign-in, always with a CSRF secret."""

    csrf: str = Field(default_factory=lambda: secrets.token_urlsafe(24))
    expires_at: datetime
    person: Person | None = None
    choices: list[Choice] = Field(default_factory=list)
    choice: Choice | None = None
    access_token: str | None = None
    access_expires_at: datetime | None = None
    directory_token: str | None = None
    must_change_password: bool = False
    """The directory gives no token until the person has chosen their own password."""
    stand_in_label: str | None = None
    stand_in: str | None = None
    """plt or plh while acting under a delegation (the API wants it named with each act)."""
    flash: str | None = None

    @property
    def signed_in(self) -> bool:
        """Whether a person signed in and chose a role."""
        return self.person is not None and self.choice is not None and bool(self.access_token)

    @property
    def role(self) -> str | None:
        """The role acted in, if chosen."""
        return self.choice.role if self.choice else None

    @classmethod
    def anonymous(cls, *, hours: float) -> Session:
        """A fresh session with no one signed in."""
        return cls(expires_at=datetime.now(UTC) + timedelta(hours=hours))


class SessionCodec:
    """Seals and opens session cookies with one AES-GCM key."""

    def __init__(self, secret: str | None) -> None:
        material = secret.encode() if secret else os.urandom(32)
        self._aead = AESGCM(hashlib.sha256(b"penghubung-portal-session|" + material).digest())

    def seal(self, session: Session) -> str:
        """The cookie value of a session."""
        nonce = os.urandom(_NONCE)
        plain = session.model_dump_json(exclude_none=True).encode()
        return base64.urlsafe_b64encode(nonce + self._aead.encrypt(nonce, plain, None)).decode()

    def open(self, value: str | None) -> Session | None:
        """The session in a cookie; None if it is missing, forged, damaged or expired."""
        if not value:
            return None
        try:
            raw = base64.urlsafe_b64decode(value.encode())
            plain = self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], None)
            session = Session.model_validate(json.loads(plain))
        except (ValueError, InvalidTag, ValidationError):
            return None
        return session if session.expires_at > datetime.now(UTC) else None
