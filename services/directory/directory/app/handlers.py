"""The directory's handlers: load the stream, decide, then read rows and the append together."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import anyio.from_thread
import asyncpg
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from directory.adapters import db
from directory.app.views import (
    AccessToken,
    AgencyList,
    ChoiceView,
    CurrentSession,
    DelegationList,
    PersonPage,
    PersonView,
    SessionCreated,
)
from directory.domain import decide
from directory.domain.commands import (
    EndDelegation,
    GrantDelegation,
    GrantRole,
    RegisterAgency,
    RegisterPerson,
    RevokeRole,
    SetPassword,
)
from directory.domain.errors import (
    CredentialsInvalid,
    DelegationNotFound,
    PersonNotFound,
    SessionInvalid,
    SignInThrottled,
)
from directory.domain.state import (
    DelegationState,
    PersonState,
    fold_agency,
    fold_delegation,
    fold_person,
)
from directory.settings import DirectorySettings
from penghubung.clock import Clock, IdFactory
from penghubung.events.base import Actor, Event, Metadata, NewEvent, Role
from penghubung.events.directory import agency_stream, delegation_stream, person_stream
from penghubung.eventstore import EventStore
from penghubung.refusals import Invalid
from penghubung.web.keys import new_signing_key, public_key, sign

log = logging.getLogger(__name__)

WIB = ZoneInfo("Asia/Jakarta")
SESSION_PREFIX = "phs_"
GRANT_MINUTES = 2
_DUMMY_HASH_PASSWORD = "penghubung-no-such-person-0"


@dataclass
class LocalKeys:
    """The directory's own public keys by `kid`, read again from its table when one is unknown."""

    pool: asyncpg.Pool
    clock: Clock
    keys: dict[str, Any] = field(default_factory=dict)

    async def reload(self) -> None:
        """Read the published keys."""
        async with self.pool.acquire() as conn:
            found = await db.published_keys(conn, now=self.clock())
        self.keys = {jwk["kid"]: public_key(jwk) for jwk in found}

    def resolve(self, kid: str) -> Any:
        """The public key of `kid` (called from the worker thread a sync dependency runs in)."""
        if kid not in self.keys:
            try:
                anyio.from_thread.run(self.reload)
            except RuntimeError:  # not in a worker thread: only what is cached
                return None
        return self.keys.get(kid)


@dataclass
class Directory:
    """What the handlers work with: pool, log, clock, ids, settings, the hasher and the keys."""

    pool: asyncpg.Pool
    store: EventStore
    clock: Clock
    new_id: IdFactory
    settings: DirectorySettings
    hasher: PasswordHash = field(default_factory=lambda: PasswordHash((Argon2Hasher(),)))
    keys: LocalKeys | None = None
    _dummy_hash: str | None = None

    def today(self) -> date:
        """Today in WIB: delegations run by the office's calendar days."""
        return self.clock().astimezone(WIB).date()

    def local_keys(self) -> LocalKeys:
        """The public keys this process verifies its own tokens with."""
        if self.keys is None:
            self.keys = LocalKeys(self.pool, self.clock)
        return self.keys


# --- writing ---------------------------------------------------------------------------------


async def _append(
    conn: asyncpg.Connection,
    directory: Directory,
    stream_id: str,
    *,
    expected_version: int,
    events: Sequence[Event],
    actor: Actor,
    correlation_id: str,
) -> None:
    """The read rows of `events`, then the events, in the caller's transaction."""
    now = directory.clock()
    for event in events:
        await db.apply(conn, event, at=now)
    new = [
        NewEvent(
            event=e,
            meta=Metadata(
                event_id=directory.new_id(),
                occurred_at=now,
                actor=actor,
                correlation_id=correlation_id,
            ),
        )
        for e in events
    ]
    await directory.store.append(
        stream_id, expected_version=expected_version, events=new, conn=conn
    )


async def _person(
    conn: asyncpg.Connection, directory: Directory, nip: str
) -> tuple[PersonState, int]:
    stream = await directory.store.read_stream(person_stream(nip), conn=conn)
    return fold_person(nip, (e.event for e in stream.events)), stream.version


async def _delegation(
    conn: asyncpg.Connection, directory: Directory, delegation_id: UUID
) -> tuple[DelegationState, int]:
    stream = await directory.store.read_stream(delegation_stream(delegation_id), conn=conn)
    return fold_delegation(delegation_id, (e.event for e in stream.events)), stream.version


async def _hash(directory: Directory, password: str) -> str:
    """argon2id, off the event loop (it takes a noticeable while by design)."""
    return await asyncio.to_thread(directory.hasher.hash, password)


async def _verify(directory: Directory, password: str, password_hash: str | None) -> bool:
    """Whether the password matches; an unknown person costs the same time as a wrong password."""
    if password_hash is None:
        if directory._dummy_hash is None:
            directory._dummy_hash = await _hash(directory, _DUMMY_HASH_PASSWORD)
        await asyncio.to_thread(directory.hasher.verify, password, directory._dummy_hash)
        return False
    return await asyncio.to_thread(directory.hasher.verify, password, password_hash)


async def register_agency(
    conn: asyncpg.Connection, command: RegisterAgency, *, directory: Directory
) -> None:
    """A new agency (OPD), in the caller's transaction."""
    stream = await directory.store.read_stream(agency_stream(command.code), conn=conn)
    state = fold_agency(command.code, (e.event for e in stream.events))
    events = decide.register_agency(command, state)
    await _append(
        conn,
        directory,
        stream.id,
        expected_version=stream.version,
        events=events,
        actor=command.actor,
        correlation_id=stream.id,
    )


async def password_hash(password: str, *, nip: str, directory: Directory) -> str:
    """An initial password checked by the rules and hashed, before any transaction opens."""
    decide.check_password(password, nip=nip, field="initial_password")
    return await _hash(directory, password)


async def register_person(
    conn: asyncpg.Connection,
    command: RegisterPerson,
    *,
    initial_password_hash: str,
    directory: Directory,
) -> PersonView:
    """A new person with their roles and an initial password to be changed at sign-in, in the
    caller's transaction (the password hashed beforehand: `password_hash`)."""
    await db.lock_person(conn, command.nip)
    state, version = await _person(conn, directory, command.nip)
    agency = await directory.store.read_stream(agency_stream(command.agency), conn=conn)
    events = decide.register_person(
        command, state, agency=fold_agency(command.agency, (e.event for e in agency.events))
    )
    await _append(
        conn,
        directory,
        person_stream(command.nip),
        expected_version=version,
        events=events,
        actor=command.actor,
        correlation_id=person_stream(command.nip),
    )
    await db.save_credential(
        conn,
        command.nip,
        password_hash=initial_password_hash,
        must_change=True,
        at=directory.clock(),
    )
    view = await db.person(conn, command.nip)
    assert view is not None  # just written
    return view


async def grant_role(
    conn: asyncpg.Connection, command: GrantRole, *, directory: Directory
) -> PersonView:
    """One more role for a person, in the caller's transaction."""
    return await _change_person(
        conn, command.nip, command.actor, directory, lambda s: decide.grant_role(command, s)
    )


async def revoke_role(
    conn: asyncpg.Connection, command: RevokeRole, *, directory: Directory
) -> PersonView:
    """One role less for a person, in the caller's transaction."""
    return await _change_person(
        conn, command.nip, command.actor, directory, lambda s: decide.revoke_role(command, s)
    )


async def _change_person(
    conn: asyncpg.Connection, nip: str, actor: Actor, directory: Directory, rule: Any
) -> PersonView:
    await db.lock_person(conn, nip)
    state, version = await _person(conn, directory, nip)
    events = rule(state)
    await _append(
        conn,
        directory,
        person_stream(nip),
        expected_version=version,
        events=events,
        actor=actor,
        correlation_id=person_stream(nip),
    )
    view = await db.person(conn, nip)
    assert view is not None
    return view


async def reset_password(
    conn: asyncpg.Connection, command: SetPassword, *, password_hash: str, directory: Directory
) -> None:
    """The admin sets a password that must be changed at the next sign-in; sessions end. In the
    caller's transaction (the password hashed beforehand: `password_hash`)."""
    await db.lock_person(conn, command.nip)
    state, version = await _person(conn, directory, command.nip)
    events = decide.set_password(command, state)
    await _append(
        conn,
        directory,
        person_stream(command.nip),
        expected_version=version,
        events=events,
        actor=command.actor,
        correlation_id=person_stream(command.nip),
    )
    now = directory.clock()
    await db.save_credential(
        conn, command.nip, password_hash=password_hash, must_change=True, at=now
    )
    await db.end_sessions_of(conn, command.nip, at=now)


async def grant_delegation(
    conn: asyncpg.Connection, command: GrantDelegation, *, directory: Directory
) -> None:
    """A Plt/Plh for a position, in the caller's transaction."""
    state, version = await _delegation(conn, directory, command.delegation_id)
    holder = None
    if command.holder_nip is not None:
        holder, _ = await _person(conn, directory, command.holder_nip)
    delegate, _ = await _person(conn, directory, command.delegate_nip)
    events = decide.grant_delegation(command, state, holder=holder, delegate=delegate)
    stream = delegation_stream(command.delegation_id)
    await _append(
        conn,
        directory,
        stream,
        expected_version=version,
        events=events,
        actor=command.actor,
        correlation_id=stream,
    )


async def end_delegation(
    conn: asyncpg.Connection, command: EndDelegation, *, directory: Directory
) -> None:
    """End a delegation early, in the caller's transaction."""
    state, version = await _delegation(conn, directory, command.delegation_id)
    events = decide.end_delegation(command, state, today=directory.today())
    stream = delegation_stream(command.delegation_id)
    await _append(
        conn,
        directory,
        stream,
        expected_version=version,
        events=events,
        actor=command.actor,
        correlation_id=stream,
    )


# --- signing in ------------------------------------------------------------------------------


def token_hash(secret: str) -> str:
    """What the tables keep of a session token or a grant: its SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()


async def sign_in(nip: str, password: str, *, address: str, directory: Directory) -> SessionCreated:
    """A session for the right NIP and password; throttled per account and per address."""
    now = directory.clock()
    async with directory.pool.acquire() as conn:
        await _throttle(conn, directory, account=nip, address=address, now=now)
        found = await db.credential(conn, nip)
    good = await _verify(directory, password, found[0] if found else None)
    if not good or found is None:
        async with directory.pool.acquire() as conn:  # kept: the refusal must not roll it back
            await db.record_failure(conn, account=nip, address=address, at=now)
        raise CredentialsInvalid()
    async with directory.pool.acquire() as conn, conn.transaction():
        await db.clear_failures(conn, account=nip)
        return await _open_session(conn, directory, nip, must_change=found[1], address=address)


async def _open_session(
    conn: asyncpg.Connection,
    directory: Directory,
    nip: str,
    *,
    must_change: bool,
    address: str,
    via_sso: bool = False,
) -> SessionCreated:
    now = directory.clock()
    secret = SESSION_PREFIX + secrets.token_urlsafe(32)
    expires = now + timedelta(hours=directory.settings.session_hours)
    await db.insert_session(
        conn,
        token_hash(secret),
        nip=nip,
        at=now,
        expires_at=expires,
        address=address,
        via_sso=via_sso,
    )
    person = await db.person(conn, nip)
    assert person is not None
    return SessionCreated(
        session_token=secret,
        expires_at=expires.astimezone(WIB),
        must_change_password=must_change,
        person=person,
    )


async def _throttle(
    conn: asyncpg.Connection, directory: Directory, *, account: str, address: str, now: datetime
) -> None:
    settings = directory.settings
    window = timedelta(seconds=settings.sign_in_window_seconds)
    by_account, account_oldest, by_address, address_oldest = await db.failures_since(
        conn, account=account, address=address, since=now - window
    )
    waits = [
        oldest + window - now
        for count, limit, oldest in (
            (by_account, settings.sign_in_account_limit, account_oldest),
            (by_address, settings.sign_in_address_limit, address_oldest),
        )
        if count >= limit and oldest is not None
    ]
    if waits:
        seconds = max(1, int(max(waits).total_seconds()) + 1)
        minutes = -(-seconds // 60)
        raise SignInThrottled(
            f"terlalu banyak percobaan masuk yang gagal; coba lagi dalam {minutes} menit",
            retry_after=seconds,
        )


async def session_person(session_token: str, *, directory: Directory) -> str:
    """The NIP of a live session."""
    async with directory.pool.acquire() as conn:
        nip = await db.session_nip(conn, token_hash(session_token), now=directory.clock())
    if nip is None:
        raise SessionInvalid()
    return nip


async def current_session(session_token: str, *, directory: Directory) -> CurrentSession:
    """The session's person, whether they must change their password, and their choices."""
    nip = await session_person(session_token, directory=directory)
    async with directory.pool.acquire() as conn:
        state, _ = await _person(conn, directory, nip)
        if await db.session_via_sso(conn, token_hash(session_token)):
            state = replace(state, must_change_password=False)  # the provider vouched for them
        person = await db.person(conn, nip)
        mine = await _delegations_of(conn, directory, nip)
    assert person is not None
    found = decide.choices(state, mine, today=directory.today())
    return CurrentSession(
        person=person,
        must_change_password=state.must_change_password,
        choices=[
            ChoiceView(
                role=c.role.value,
                agency=_agency_claim(person, c.role),
                delegation_id=c.delegation_id,
                label=c.label,
            )
            for c in found
        ],
    )


def _agency_claim(person: PersonView, role: Role) -> str | None:
    """The agency an applicant's token names: its name, as applicants write it on forms."""
    return person.agency_name if role is Role.PEMOHON else None


async def _delegations_of(
    conn: asyncpg.Connection, directory: Directory, nip: str
) -> list[DelegationState]:
    rows = await db.delegations(conn, delegate_nip=nip)
    return [(await _delegation(conn, directory, r.delegation_id))[0] for r in rows]


async def change_password(
    session_token: str, *, current: str, new: str, directory: Directory
) -> None:
    """The person changes their own password; their other sessions end."""
    nip = await session_person(session_token, directory=directory)
    async with directory.pool.acquire() as conn:
        found = await db.credential(conn, nip)
    if not await _verify(directory, current, found[0] if found else None):
        raise CredentialsInvalid(field="current_password")
    decide.check_password(new, nip=nip, field="new_password")
    if new == current:
        raise Invalid(
            "kata sandi baru harus berbeda dari yang lama",
            code="password_weak",
            field="new_password",
        )
    password_hash = await _hash(directory, new)
    actor = await _self_actor(directory, nip)
    async with directory.pool.acquire() as conn, conn.transaction():
        await db.lock_person(conn, nip)
        state, version = await _person(conn, directory, nip)
        events = decide.set_password(SetPassword(actor=actor, nip=nip, by_owner=True), state)
        await _append(
            conn,
            directory,
            person_stream(nip),
            expected_version=version,
            events=events,
            actor=actor,
            correlation_id=person_stream(nip),
        )
        now = directory.clock()
        await db.save_credential(conn, nip, password_hash=password_hash, must_change=False, at=now)
        await db.end_sessions_of(conn, nip, at=now, keep=token_hash(session_token))


async def _self_actor(directory: Directory, nip: str) -> Actor:
    async with directory.pool.acquire() as conn:
        person = await db.person(conn, nip)
    if person is None:
        raise PersonNotFound()
    roles = [Role(r) for r in person.roles if r != Role.SYSTEM.value]
    role = roles[0] if roles else Role.PETUGAS
    return Actor(nip=nip, name=person.name, role=role)


async def sign_out(session_token: str, *, directory: Directory) -> None:
    """End the session."""
    await session_person(session_token, directory=directory)
    async with directory.pool.acquire() as conn:
        await db.end_session(conn, token_hash(session_token), at=directory.clock())


async def issue_token(
    session_token: str, *, role: Role, delegation_id: UUID | None, directory: Directory
) -> AccessToken:
    """An EdDSA access token for a role the person holds or an active delegation of theirs."""
    nip = await session_person(session_token, directory=directory)
    async with directory.pool.acquire() as conn:
        state, _ = await _person(conn, directory, nip)
        if await db.session_via_sso(conn, token_hash(session_token)):
            state = replace(state, must_change_password=False)  # the provider vouched for them
        person = await db.person(conn, nip)
        delegation = None
        if delegation_id is not None:
            delegation, version = await _delegation(conn, directory, delegation_id)
            if version == 0:
                raise DelegationNotFound(field="delegation_id")
        key = await db.signing_key(conn, now=directory.clock())
    assert person is not None
    if key is None:
        raise RuntimeError("the directory has no signing key: it did not start properly")
    choice = decide.choose(state, role, delegation, today=directory.today())
    now = directory.clock()
    lifetime = timedelta(minutes=directory.settings.access_token_minutes)
    claims: dict[str, Any] = {
        "sub": nip,
        "nip": nip,
        "name": person.name,
        "role": choice.role.value,
        "aud": directory.settings.jwt_audience,
        "iss": directory.settings.jwt_issuer,
        "iat": now,
        "exp": now + lifetime,
        "jti": str(directory.new_id()),
    }
    agency = _agency_claim(person, choice.role)
    if agency is not None:
        claims["agency"] = agency
    if delegation is not None:
        claims["delegation"] = str(delegation.delegation_id)
        claims["stand_in"] = delegation.kind.value
        if delegation.holder_nip is not None:
            claims["acting_for_nip"] = delegation.holder_nip
            claims["acting_for_name"] = delegation.holder_name
    return AccessToken(
        access_token=sign(claims, key),
        expires_in=int(lifetime.total_seconds()),
        expires_at=(now + lifetime).astimezone(WIB),
    )


# --- keys ------------------------------------------------------------------------------------


async def rotate_signing_key(*, directory: Directory, ahead: timedelta | None = None) -> str:
    """A new key, published now and signing once the others' JWKS caches have it (`ahead`);
    the key it replaces stays published until the last token it signed has expired."""
    settings = directory.settings
    key = new_signing_key()
    now = directory.clock()
    if ahead is None:
        ahead = timedelta(seconds=settings.signing_key_publish_ahead_seconds)
    keep = timedelta(minutes=settings.access_token_minutes, seconds=60)
    async with directory.pool.acquire() as conn, conn.transaction():
        await db.add_signing_key(
            conn,
            kid=key.kid,
            private_pem=key.private_pem,
            public_jwk=key.public_jwk,
            at=now,
            signs_from=now + ahead,
            keep_published=keep,
        )
    await directory.local_keys().reload()
    log.info("signing key added", extra={"kid": key.kid, "signs_from": str(now + ahead)})
    return key.kid


async def jwks(*, directory: Directory) -> dict[str, Any]:
    """The published public keys, as a JWK set."""
    async with directory.pool.acquire() as conn:
        return {"keys": await db.published_keys(conn, now=directory.clock())}


# --- reading ---------------------------------------------------------------------------------


async def people(
    *,
    role: Role | None,
    agency: str | None,
    limit: int,
    offset: int,
    directory: Directory,
    text: str | None = None,
) -> PersonPage:
    """A page of people (with `text`: by part of the name or the start of the NIP)."""
    async with directory.pool.acquire() as conn:
        items, total = await db.people(
            conn,
            role=role.value if role else None,
            agency=agency,
            limit=limit,
            offset=offset,
            text=text,
        )
    return PersonPage(items=items, total=total)


async def person(nip: str, *, directory: Directory) -> PersonView:
    """One person."""
    async with directory.pool.acquire() as conn:
        found = await db.person(conn, nip)
    if found is None:
        raise PersonNotFound()
    return found


async def agencies(*, directory: Directory) -> AgencyList:
    """Every agency."""
    async with directory.pool.acquire() as conn:
        return AgencyList(items=await db.agencies(conn))


async def delegations(*, active: bool | None, directory: Directory) -> DelegationList:
    """Delegations; with `active`, only those that give tokens today (or only those that don't)."""
    async with directory.pool.acquire() as conn:
        rows = await db.delegations(conn)
    if active is None:
        return DelegationList(items=rows)
    today = directory.today()

    def runs(d: Any) -> bool:
        return bool(
            d.starts_on <= today <= d.ends_on and (d.ended_on is None or today < d.ended_on)
        )

    return DelegationList(items=[d for d in rows if runs(d) == active])


# --- start-up --------------------------------------------------------------------------------


SEED_ACTOR = Actor.system("directory-seed")


async def seed(*, directory: Directory) -> None:
    """The agencies of the seed file, the first admin (if a password is set), a signing key."""
    settings = directory.settings
    data = tomllib.loads(settings.directory_seed_file.read_text())
    async with directory.pool.acquire() as conn:
        known = {a.code for a in await db.agencies(conn)}
        has_admin = await db.admin_exists(conn)
        key = await db.signing_key(conn, now=directory.clock())
    for entry in data.get("agency", []):
        if entry["code"] not in known:
            async with directory.pool.acquire() as conn, conn.transaction():
                command = RegisterAgency(actor=SEED_ACTOR, **entry)
                await register_agency(conn, command, directory=directory)
    password = settings.directory_admin_password
    if password is not None and not has_admin:
        nip = settings.directory_admin_nip
        hashed = await password_hash(password.get_secret_value(), nip=nip, directory=directory)
        async with directory.pool.acquire() as conn, conn.transaction():
            await register_person(
                conn,
                RegisterPerson(
                    actor=SEED_ACTOR,
                    nip=nip,
                    name=settings.directory_admin_name,
                    position="Administrator Sistem",
                    agency=settings.directory_admin_agency,
                    roles=(Role.ADMIN,),
                ),
                initial_password_hash=hashed,
                directory=directory,
            )
    if key is None:  # the first key signs at once: nobody holds a token yet
        await rotate_signing_key(directory=directory, ahead=timedelta())
    await directory.local_keys().reload()
