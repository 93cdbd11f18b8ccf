"""Identity: bearer JWTs carrying nip, name, role and agency; roles gate every command."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from penghubung.agency import AgencyMissing, agency_key
from penghubung.events.base import Actor, Role
from penghubung.forms import StandIn
from penghubung.refusals import Forbidden, Unauthenticated
from penghubung.settings import AuthSettings

log = logging.getLogger(__name__)

DEVELOPMENT_SECRET = "penghubung-development-only-secret-0123456789"
"""HS256 secret used only when PENGHUBUNG_ENV=development and nothing else is configured."""

ASYMMETRIC = ["EdDSA", "RS256", "ES256"]
"""The algorithms a JWKS key may sign with (never HS256: no algorithm confusion)."""

KeyResolver = Callable[[str], Any]
"""A function from a token's `kid` to the public key that verifies it (None: unknown)."""


class AuthNotConfigured(RuntimeError):
    """A service has no way to verify tokens; the message says what to set."""


class Principal(BaseModel):
    """The verified caller."""

    model_config = ConfigDict(frozen=True)

    nip: str | None = Field(default=None, description="NIP of the caller")
    name: str = Field(description="Name of the caller")
    role: Role = Field(description="Role the token grants")
    agency: str | None = Field(default=None, description="Agency (OPD) of an applicant")
    acting_for_nip: str | None = Field(
        default=None, description="NIP of the role holder when the caller is a stand-in"
    )
    acting_for_name: str | None = Field(default=None, description="Name of that role holder")
    delegation_id: str | None = Field(
        default=None, description="The directory's delegation a stand-in acts under"
    )
    stand_in: StandIn | None = Field(default=None, description="plt or plh, for a stand-in")

    def actor(self) -> Actor:
        """The caller as an event's actor."""
        return Actor(
            nip=self.nip,
            name=self.name,
            role=self.role,
            agency=self.agency,
            on_behalf_of_nip=self.acting_for_nip,
            on_behalf_of_name=self.acting_for_name,
        )

    def agency_scope(self) -> str | None:
        """The agency key an applicant is limited to; None for Diskominfo staff and auditors
        (they see every agency). An applicant's token without an agency is refused."""
        if self.role is not Role.PEMOHON:
            return None
        if not self.agency:
            raise AgencyMissing()
        return agency_key(self.agency)


def hs256_secret(settings: AuthSettings) -> str | None:
    """The HS256 secret: the explicit one, else the development one under PENGHUBUNG_ENV."""
    if settings.jwt_secret:
        return settings.jwt_secret
    return DEVELOPMENT_SECRET if settings.development else None


class TokenVerifier:
    """Checks signature, expiry, audience and issuer of a bearer token.

    Keys come from the directory's JWKS (`PENGHUBUNG_JWKS_URL`), from the directory's own key
    table (`local_keys`, in the directory itself), or an explicit HS256 secret. With none, the
    service refuses to start unless PENGHUBUNG_ENV=development.
    """

    def __init__(self, settings: AuthSettings, *, local_keys: KeyResolver | None = None) -> None:
        self._settings = settings
        self._jwks = (
            jwt.PyJWKClient(settings.jwks_url, cache_keys=True, lifespan=300, timeout=5)
            if settings.jwks_url
            else None
        )
        self._local = local_keys
        self._secret = settings.jwt_secret
        if self._secret is None and self._jwks is None and self._local is None:
            if not settings.development:
                raise AuthNotConfigured(
                    "tidak ada cara memverifikasi token: setel PENGHUBUNG_JWKS_URL (JWKS layanan"
                    " direktori, mis. http://127.0.0.1:8005/.well-known/jwks.json) atau"
                    " PENGHUBUNG_JWT_SECRET (HS256, minimal 32 karakter); untuk pengembangan saja:"
                    " PENGHUBUNG_ENV=development"
                )
            log.warning(
                "PENGHUBUNG_ENV=development: tokens are verified with the development secret;"
                " never run like this with real people"
            )
            self._secret = DEVELOPMENT_SECRET

    def _key(self, token: str) -> tuple[Any, list[str]]:
        header = jwt.get_unverified_header(token)
        if header.get("alg") == "HS256":
            if self._secret is None:
                raise jwt.InvalidTokenError("HS256 is not accepted here")
            return self._secret, ["HS256"]
        kid = header.get("kid")
        if self._local is not None and isinstance(kid, str):
            key = self._local(kid)
            if key is not None:
                return key, ASYMMETRIC
        if self._jwks is not None:
            return self._jwks.get_signing_key_from_jwt(token).key, ASYMMETRIC
        raise jwt.InvalidTokenError("no key for this token")

    def verify(self, token: str) -> Principal:
        """The principal a valid token names; `Unauthenticated` otherwise."""
        try:
            key, algorithms = self._key(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self._settings.jwt_audience,
                issuer=self._settings.jwt_issuer,
                options={"require": ["exp", "sub", "role"]},
            )
            if claims["exp"] > time.time() + self._settings.jwt_max_lifetime_seconds:
                raise jwt.InvalidTokenError("exp lies beyond the longest lifetime accepted")
            return Principal(
                nip=claims.get("nip"),
                name=claims.get("name") or claims["sub"],
                role=claims["role"],
                agency=claims.get("agency"),
                acting_for_nip=claims.get("acting_for_nip"),
                acting_for_name=claims.get("acting_for_name"),
                delegation_id=claims.get("delegation"),
                stand_in=claims.get("stand_in"),
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("token sudah kedaluwarsa", code="token_expired") from None
        except (jwt.PyJWTError, ValidationError, KeyError):
            raise Unauthenticated("token tidak valid", code="token_invalid") from None


def mint_token(
    settings: AuthSettings,
    *,
    role: Role | str,
    name: str,
    nip: str | None = None,
    agency: str | None = None,
    hours: int = 12,
    acting_for_nip: str | None = None,
    acting_for_name: str | None = None,
    delegation: str | None = None,
    stand_in: str | None = None,
) -> str:
    """An HS256 token on the explicit PENGHUBUNG_JWT_SECRET, for scripts and tests."""
    secret = hs256_secret(settings)
    if secret is None:
        raise AuthNotConfigured(
            "PENGHUBUNG_JWT_SECRET tidak disetel: token HS256 tidak dapat dibuat"
        )
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": nip or name,
        "name": name,
        "role": str(Role(role)),
        "aud": settings.jwt_audience,
        "iss": settings.jwt_issuer,
        "iat": now,
        "exp": now + timedelta(hours=hours),
        "jti": str(uuid.uuid4()),
    }
    for key, value in (
        ("nip", nip),
        ("agency", agency),
        ("acting_for_nip", acting_for_nip),
        ("acting_for_name", acting_for_name),
        ("delegation", delegation),
        ("stand_in", stand_in),
    ):
        if value is not None:
            claims[key] = value
    return jwt.encode(claims, secret, algorithm="HS256")


_bearer = HTTPBearer(auto_error=False, description="JWT from `penghubung token`")


def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The verified caller of this request (401 without a valid bearer token)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("token bearer wajib disertakan", code="token_missing")
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier.verify(credentials.credentials)


def require(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency that admits only the given roles (403 for the others)."""
    allowed = frozenset(roles)

    async def dependency(
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(
                f"peran {principal.role.value} tidak berwenang untuk tindakan ini",
                code="role_not_allowed",
            )
        return principal

    return dependency
