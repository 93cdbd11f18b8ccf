"""Database roles: each service works in PostgreSQL as a role of its own.

The migration `schema/0001_service_roles.sql` creates the roles (NOLOGIN, cluster-wide, once) and
grants, in each database, what each may touch: its own schema, reading the event log, appending
to the log only streams of its own category (row-level security on `eventstore.events`, by
`eventstore.writers`), the log's head and the relay's checkpoint, the consumers' inbox and dead
letters. No role a service uses may UPDATE, DELETE or TRUNCATE the log. A service process takes
its role on every connection it opens (`SET ROLE`); the login it connects with (the owner that
runs the migrations) is a member of every role. The services are those of `penghubung.services`.
"""

from __future__ import annotations

AUDITOR_ROLE = "penghubung_auditor"
"""Reads every table, writes none."""


def role_of(service: str) -> str:
    """The database role of a service: `penghubung_<service>`."""
    return f"penghubung_{service}"


def service_role(service: str, configured: str | None) -> str | None:
    """The role a service's connections take: the setting, else the service's own; "" is none."""
    if configured is None:
        return role_of(service)
    return configured or None
