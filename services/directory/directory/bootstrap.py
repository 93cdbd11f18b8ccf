"""The directory's composition root: settings, handlers, routes, its keys, the seed at start-up."""

from __future__ import annotations

from functools import partial

from directory.adapters import http
from directory.app import handlers
from directory.app.handlers import Directory
from directory.settings import DirectorySettings
from penghubung.runtime.service import ServiceContext, ServiceParts
from penghubung.web.auth import TokenVerifier

DESCRIPTION = """\
Who is who: the province's agencies (OPD), people with their NIP, position, echelon and SOP roles,
and Plt/Plh delegations by decree — every change an event in the `directory` category of the log.
People sign in with a password (argon2id; throttled per account and per address; the admin's
initial password must be changed first) and get short-lived EdDSA access tokens for one role at a
time; the public keys are at `/.well-known/jwks.json`. Events: `AgencyRegistered`,
`PersonRegistered`, `RoleGranted`, `RoleRevoked`, `CredentialChanged`, `DelegationGranted`,
`DelegationEnded`.
"""


def build(ctx: ServiceContext) -> ServiceParts:
    """The directory's routes over the process's pool, log and clock; seeded at start-up."""
    settings = DirectorySettings.of(ctx.settings)
    directory = Directory(
        pool=ctx.pool, store=ctx.store, clock=ctx.clock, new_id=ctx.new_id, settings=settings
    )
    return ServiceParts(
        title="Penghubung — directory",
        description=DESCRIPTION,
        routers=[http.router(directory)],
        on_start=[partial(handlers.seed, directory=directory)],
        token_verifier=TokenVerifier(settings, local_keys=directory.local_keys().resolve),
    )
