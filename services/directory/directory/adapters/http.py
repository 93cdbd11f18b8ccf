"""The directory's HTTP API: sign-in and sessions, access tokens and keys, who is who."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from directory.app import handlers, oidc
from directory.app.handlers import Directory
from directory.app.views import (
    AccessToken,
    AgencyList,
    AgencyView,
    CurrentSession,
    DelegationList,
    PersonPage,
    PersonView,
    SessionCreated,
)
from directory.domain import errors
from directory.domain.commands import (
    EndDelegation,
    GrantDelegation,
    GrantRole,
    RegisterAgency,
    RegisterPerson,
    RevokeRole,
    SetPassword,
)
from directory.domain.errors import SessionInvalid
from penghubung.events.base import Role
from penghubung.events.directory import AgencyCode, DelegatedPosition
from penghubung.forms import (
    Echelon,
    Email,
    FormValueError,
    LongText,
    MobilePhone,
    Nip,
    StandIn,
    Text,
    check_nip,
)
from penghubung.idempotency import REPLAYED_HEADER
from penghubung.refusals import Invalid
from penghubung.web.auth import Principal, require
from penghubung.web.errors import ERROR_RESPONSES, refusals
from penghubung.web.idempotency import CommandOnce, Idempotent
from penghubung.web.params import Day, Offset
from penghubung.web.params import Nip as NipInPath

STAFF = (Role.KADIS, Role.KABID, Role.PRAKOM, Role.PETUGAS)
EVERYONE = (Role.PEMOHON, *STAFF, Role.ADMIN, Role.AUDITOR)
PEOPLE_READERS = (*STAFF, Role.ADMIN, Role.AUDITOR)

Secret = Annotated[str, StringConstraints(min_length=1, max_length=256)]

_session_bearer = HTTPBearer(
    auto_error=False, description="Session token `phs_…` from POST /sessions"
)


def session_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_session_bearer)],
) -> str:
    """The session token of the request (401 `session_invalid` without one)."""
    if credentials is None or not credentials.credentials.startswith(handlers.SESSION_PREFIX):
        raise SessionInvalid()
    return credentials.credentials


Session = Annotated[str, Depends(session_token)]


class SignInBody(BaseModel):
    """A NIP and a password."""

    model_config = ConfigDict(extra="forbid")

    nip: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] = (
        Field(description="The person's NIP")
    )
    password: Secret = Field(description="The password")


class GrantBody(BaseModel):
    """The one-time code `/oidc/callback` sent the browser back with."""

    model_config = ConfigDict(extra="forbid")

    grant: Secret


class PasswordChangeBody(BaseModel):
    """The current password and the new one."""

    model_config = ConfigDict(extra="forbid")

    current_password: Secret
    new_password: Secret = Field(description="At least 10 characters, letters and digits, no NIP")


class TokenBody(BaseModel):
    """The role to act in; for a stand-in, the delegation."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    delegation_id: UUID | None = None


class AgencyBody(BaseModel):
    """A new agency."""

    model_config = ConfigDict(extra="forbid")

    code: AgencyCode
    name: Text


class PersonBody(BaseModel):
    """A new person, their roles and an initial password."""

    model_config = ConfigDict(extra="forbid")

    nip: Nip
    name: Text
    position: Text
    echelon: Echelon | None = None
    agency: AgencyCode
    unit: Text | None = None
    email: Email | None = None
    mobile: MobilePhone | None = None
    roles: list[Role] = Field(default_factory=list, max_length=8)
    initial_password: Secret = Field(description="To be changed at the first sign-in")


class RoleBody(BaseModel):
    """A role to grant."""

    model_config = ConfigDict(extra="forbid")

    role: Role


class InitialPasswordBody(BaseModel):
    """A password the person must change at the next sign-in."""

    model_config = ConfigDict(extra="forbid")

    initial_password: Secret


class DelegationBody(BaseModel):
    """A Plt/Plh of a position."""

    model_config = ConfigDict(extra="forbid")

    position: DelegatedPosition
    holder_nip: Nip | None = Field(default=None, description="The holder; none when vacant")
    delegate_nip: Nip
    kind: StandIn
    starts_on: Day = Field(description="First day (WIB), YYYY-MM-DD")
    ends_on: Day = Field(description="Last day (WIB), YYYY-MM-DD")
    decree_number: Text


class EndBody(BaseModel):
    """Why a delegation ends early."""

    model_config = ConfigDict(extra="forbid")

    reason: LongText


class Created(BaseModel):
    """The id of what was created."""

    delegation_id: UUID


def router(directory: Directory) -> APIRouter:
    """The directory's routes over its handlers."""
    api = APIRouter(responses=ERROR_RESPONSES)
    api.include_router(_sessions(directory))
    api.include_router(_people(directory))
    api.include_router(_delegations(directory))
    return api


def _sessions(directory: Directory) -> APIRouter:
    api = APIRouter(tags=["sign-in"])

    @api.post(
        "/sessions",
        status_code=201,
        summary="Sign in with NIP and password",
        responses=refusals(errors.CredentialsInvalid, errors.SignInThrottled),
    )
    async def sign_in(body: SignInBody, request: Request) -> SessionCreated:
        address = request.client.host if request.client else "unknown"
        return await handlers.sign_in(body.nip, body.password, address=address, directory=directory)

    @api.get("/sessions/current", summary="The signed-in person and the roles they may take")
    async def current(token: Session) -> CurrentSession:
        return await handlers.current_session(token, directory=directory)

    @api.post(
        "/sessions/current/password",
        status_code=204,
        summary="Change one's own password",
        responses=refusals(errors.SessionInvalid, errors.CredentialsInvalid, errors.PasswordWeak),
    )
    async def change_password(body: PasswordChangeBody, token: Session) -> Response:
        await handlers.change_password(
            token, current=body.current_password, new=body.new_password, directory=directory
        )
        return Response(status_code=204)

    @api.delete("/sessions/current", status_code=204, summary="Sign out")
    async def sign_out(token: Session) -> Response:
        await handlers.sign_out(token, directory=directory)
        return Response(status_code=204)

    @api.post(
        "/tokens",
        status_code=201,
        summary="An access token (≤ 15 minutes) for a role",
        responses=refusals(
            errors.SessionInvalid,
            errors.PasswordChangeRequired,
            errors.RoleNotHeld,
            errors.DelegationInactive,
        ),
    )
    async def token(body: TokenBody, session: Session) -> AccessToken:
        return await handlers.issue_token(
            session, role=body.role, delegation_id=body.delegation_id, directory=directory
        )

    @api.get("/.well-known/jwks.json", summary="The public keys that verify access tokens")
    async def jwks(response: Response) -> dict[str, Any]:
        response.headers["Cache-Control"] = "public, max-age=60"
        return await handlers.jwks(directory=directory)

    @api.post("/signing-keys", status_code=201, summary="Rotate the token signing key (admin)")
    async def rotate(_: Annotated[Principal, Depends(require(Role.ADMIN))]) -> dict[str, str]:
        kid = await handlers.rotate_signing_key(directory=directory)
        return {"kid": kid}

    provider = oidc.Provider(directory)

    @api.get("/oidc", summary="Whether single sign-on (OpenID Connect) is offered")
    async def oidc_enabled() -> dict[str, bool]:
        return {"enabled": directory.settings.oidc_enabled}

    @api.get(
        "/oidc/login",
        status_code=302,
        summary="Sign in at the identity provider (SSO)",
        responses=refusals(errors.SsoDisabled, errors.ReturnToRefused),
    )
    async def oidc_login(return_to: Annotated[str, Query(max_length=2000)]) -> RedirectResponse:
        return RedirectResponse(await oidc.login_url(return_to, provider=provider), 302)

    @api.get(
        "/oidc/callback",
        status_code=302,
        summary="Back from the identity provider",
        responses=refusals(
            errors.SsoDisabled, errors.SsoStateInvalid, errors.SsoFailed, errors.SsoPersonUnknown
        ),
    )
    async def oidc_callback(
        code: Annotated[str, Query(max_length=2000)],
        state: Annotated[str, Query(max_length=200)],
    ) -> RedirectResponse:
        return RedirectResponse(await oidc.callback(code, state, provider=provider), 302)

    @api.post(
        "/sessions/grants",
        status_code=201,
        summary="A session for a one-time SSO grant",
        responses=refusals(errors.GrantInvalid),
    )
    async def redeem(body: GrantBody, request: Request) -> SessionCreated:
        address = request.client.host if request.client else "unknown"
        return await oidc.redeem_grant(body.grant, address=address, directory=directory)

    return api


def _people(directory: Directory) -> APIRouter:
    api = APIRouter(tags=["people"])

    @api.get("/people", summary="People, by role, agency, and part of the name or NIP")
    async def people(
        _: Annotated[Principal, Depends(require(*PEOPLE_READERS))],
        role: Role | None = None,
        agency: str | None = Query(default=None, max_length=40),
        q: str | None = Query(
            default=None, min_length=1, max_length=100, description="Part of the name, or NIP start"
        ),
        limit: int = Query(default=100, ge=1, le=500),
        offset: Offset = 0,
    ) -> PersonPage:
        return await handlers.people(
            role=role, agency=agency, limit=limit, offset=offset, text=q, directory=directory
        )

    @api.get("/people/{nip}", summary="One person", responses=refusals(errors.PersonNotFound))
    async def person(
        nip: NipInPath, _: Annotated[Principal, Depends(require(*EVERYONE))]
    ) -> PersonView:
        return await handlers.person(nip, directory=directory)

    @api.get("/agencies", summary="Every agency (OPD)")
    async def agencies(_: Annotated[Principal, Depends(require(*EVERYONE))]) -> AgencyList:
        return await handlers.agencies(directory=directory)

    @api.post(
        "/agencies",
        status_code=201,
        response_model=AgencyView,
        summary="Register an agency (admin)",
    )
    async def register_agency(
        body: AgencyBody,
        admin: Annotated[Principal, Depends(require(Role.ADMIN))],
        once: Idempotent,
    ) -> dict[str, Any]:
        command = RegisterAgency(actor=admin.actor(), code=body.code, name=body.name)

        async def run(conn: asyncpg.Connection) -> AgencyView:
            await handlers.register_agency(conn, command, directory=directory)
            return AgencyView(code=body.code, name=body.name)

        return await once.run(directory.pool, "directory", command.actor, body, run)

    @api.post(
        "/people",
        status_code=201,
        response_model=PersonView,
        summary="Register a person with roles (admin)",
    )
    async def register_person(
        body: PersonBody,
        admin: Annotated[Principal, Depends(require(Role.ADMIN))],
        once: Idempotent,
    ) -> dict[str, Any]:
        fields = body.model_dump(exclude={"initial_password", "roles"})
        command = RegisterPerson(actor=admin.actor(), roles=tuple(body.roles), **fields)
        hashed = await handlers.password_hash(
            body.initial_password, nip=command.nip, directory=directory
        )

        async def run(conn: asyncpg.Connection) -> PersonView:
            return await handlers.register_person(
                conn, command, initial_password_hash=hashed, directory=directory
            )

        return await once.run(directory.pool, "directory", command.actor, body, run)

    @api.post(
        "/people/{nip}/roles",
        status_code=201,
        response_model=PersonView,
        summary="Grant a role (admin)",
    )
    async def grant_role(
        nip: NipInPath,
        body: RoleBody,
        admin: Annotated[Principal, Depends(require(Role.ADMIN))],
        once: Idempotent,
    ) -> dict[str, Any]:
        command = GrantRole(actor=admin.actor(), nip=_nip(nip), role=body.role)

        async def run(conn: asyncpg.Connection) -> PersonView:
            return await handlers.grant_role(conn, command, directory=directory)

        return await once.run(directory.pool, "directory", command.actor, body, run, nip=nip)

    @api.delete(
        "/people/{nip}/roles/{role}", response_model=PersonView, summary="Revoke a role (admin)"
    )
    async def revoke_role(
        nip: NipInPath,
        role: Role,
        admin: Annotated[Principal, Depends(require(Role.ADMIN))],
        once: Idempotent,
    ) -> dict[str, Any]:
        command = RevokeRole(actor=admin.actor(), nip=_nip(nip), role=role)

        async def run(conn: asyncpg.Connection) -> PersonView:
            return await handlers.revoke_role(conn, command, directory=directory)

        sent = {"nip": nip, "role": role.value}
        return await once.run(directory.pool, "directory", command.actor, sent, run)

    @api.post(
        "/people/{nip}/password",
        status_code=204,
        summary="Set an initial password (admin)",
        responses=refusals(errors.PersonNotFound, errors.PasswordWeak),
    )
    async def reset_password(
        nip: NipInPath,
        body: InitialPasswordBody,
        admin: Annotated[Principal, Depends(require(Role.ADMIN))],
        once: Idempotent,
    ) -> Response:
        command = SetPassword(actor=admin.actor(), nip=_nip(nip), by_owner=False)
        hashed = await handlers.password_hash(
            body.initial_password, nip=command.nip, directory=directory
        )

        async def run(conn: asyncpg.Connection) -> dict[str, Any]:
            await handlers.reset_password(conn, command, password_hash=hashed, directory=directory)
            return {}

        await once.run(directory.pool, "directory", command.actor, body, run, nip=nip)
        return _no_content(once)

    return api


def _delegations(directory: Directory) -> APIRouter:
    api = APIRouter(tags=["delegations"])

    @api.post(
        "/delegations", status_code=201, response_model=Created, summary="Name a Plt/Plh (admin)"
    )
    async def grant(
        body: DelegationBody,
        admin: Annotated[Principal, Depends(require(Role.ADMIN))],
        once: Idempotent,
    ) -> dict[str, Any]:
        delegation_id = directory.new_id()
        command = GrantDelegation(
            actor=admin.actor(), delegation_id=delegation_id, **body.model_dump()
        )

        async def run(conn: asyncpg.Connection) -> Created:
            await handlers.grant_delegation(conn, command, directory=directory)
            return Created(delegation_id=delegation_id)

        return await once.run(directory.pool, "directory", command.actor, body, run)

    @api.post(
        "/delegations/{delegation_id}/end", status_code=204, summary="End a Plt/Plh early (admin)"
    )
    async def end(
        delegation_id: UUID,
        body: EndBody,
        admin: Annotated[Principal, Depends(require(Role.ADMIN))],
        once: Idempotent,
    ) -> Response:
        command = EndDelegation(
            actor=admin.actor(), delegation_id=delegation_id, reason=body.reason
        )

        async def run(conn: asyncpg.Connection) -> dict[str, Any]:
            await handlers.end_delegation(conn, command, directory=directory)
            return {}

        await once.run(
            directory.pool, "directory", command.actor, body, run, delegation=delegation_id
        )
        return _no_content(once)

    @api.get("/delegations", summary="Plt/Plh delegations (active=true: those running today)")
    async def listing(
        _: Annotated[Principal, Depends(require(*PEOPLE_READERS))],
        active: bool | None = None,
    ) -> DelegationList:
        return await handlers.delegations(active=active, directory=directory)

    return api


def _no_content(once: CommandOnce) -> Response:
    """204, saying `Idempotent-Replayed: true` when the first answer was given again."""
    replayed = once.response.headers.get(REPLAYED_HEADER)
    return Response(status_code=204, headers={REPLAYED_HEADER: replayed} if replayed else None)


def _nip(value: str) -> str:
    """A NIP from the path, checked like a body's (422 naming `nip`)."""
    try:
        return check_nip(value)
    except FormValueError as error:
        raise Invalid(str(error), code="nip_invalid", field="nip") from None
