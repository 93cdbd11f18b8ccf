"""Identity: bearer JWTs carrying nip, name, role and agency; roles gate every command."""

from __future__ import annotations

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
from penghubung.refusals import Forbidden, Unauthenticated
from penghubung.settings import AuthSettings


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


class TokenVerifier:
    """Checks signature, expiry, audience and issuer of a bearer token."""

    def __init__(self, settings: AuthSettings) -> None:
        self._settings = settings
        self._jwks = jwt.PyJWKClient(settings.jwks_url) if settings.jwks_url else None

    def verify(self, token: str) -> Principal:
        """The principal a valid token names; `Unauthenticated` otherwise."""
        try:
            if self._jwks is not None:
                key: Any = self._jwks.get_signing_key_from_jwt(token).key
                algorithms = ["RS256", "ES256", "EdDSA"]
            else:
                key, algorithms = self._settings.jwt_secret, ["HS256"]
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
) -> str:
    """An HS256 token for trying the system and for tests."""
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
    ):
        if value is not None:
            claims[key] = value
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


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


def token_command(*, role: str, nip: str | None, name: str, agency: str | None, hours: int) -> int:
    """`penghubung token`: print a bearer token signed with PENGHUBUNG_JWT_SECRET."""
    try:
        parsed = Role(role)
    except ValueError:
        roles = ", ".join(r.value for r in Role if r is not Role.SYSTEM)
        print(f"peran tidak dikenal: {role} (pilihan: {roles})")
        return 2
    settings = AuthSettings()
    if not 0 < hours * 3600 <= settings.jwt_max_lifetime_seconds:
        longest = settings.jwt_max_lifetime_seconds // 3600
        print(f"--hours harus antara 1 dan {longest} (PENGHUBUNG_JWT_MAX_LIFETIME_SECONDS)")
        return 2
    print(mint_token(settings, role=parsed, name=name, nip=nip, agency=agency, hours=hours))
    return 0
