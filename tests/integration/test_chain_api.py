"""The chain's state over reporting's HTTP API: head, signed checkpoints, and a verification
that starts at the newest valid checkpoint rather than at position 1."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from penghubung.audit import generate_key_pair, key_id, load_private_key, load_public_key, sign_head
from penghubung.db import connect
from penghubung.events import Role
from penghubung.testing.apis import ServiceApi, service_apis

pytestmark = pytest.mark.integration

NewDatabase = Callable[[], Awaitable[str]]


async def add_day_off(api: ServiceApi, day: str) -> None:
    """One calendar change: one more event in the log."""
    answer = await api.client.post(
        "/calendar/days-off",
        json={"day": day, "name": "Keputusan Gubernur"},
        headers={**api.auth(Role.ADMIN), "Idempotency-Key": str(uuid.uuid4())},
    )
    assert answer.status_code == 201, answer.text


async def chain(api: ServiceApi, role: Role = Role.AUDITOR, **params: Any) -> dict[str, Any]:
    answer = await api.client.get("/audit/chain", headers=api.auth(role), params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def tamper(url: str, sql: str) -> None:
    """Change the log as a superuser: the append-only triggers off, then on again."""
    conn = await connect(url)
    try:
        await conn.execute("ALTER TABLE eventstore.events DISABLE TRIGGER USER")
        try:
            await conn.execute(sql)
        finally:
            await conn.execute("ALTER TABLE eventstore.events ENABLE TRIGGER USER")
    finally:
        await conn.close()


async def test_the_chain_is_verified_from_the_newest_signed_checkpoint(
    new_database: NewDatabase, nats_url: str, run_id: str, tmp_path: Path
) -> None:
    url = await new_database()
    keys = generate_key_pair(tmp_path / "keys")
    public = keys.public_key
    settings = {"audit_public_key": public}
    async with service_apis(url, nats_url, run_id=f"{run_id}ch", **settings) as apis:
        reporting = apis["reporting"]
        await add_day_off(reporting, "2026-12-21")
        await add_day_off(reporting, "2026-12-22")
        signed = await sign_head(
            reporting.ctx.store,
            private_key=load_private_key(keys.private_key),
            checkpoint_dir=tmp_path / "cp",
        )
        assert signed is not None
        await add_day_off(reporting, "2026-12-23")

        state = await chain(reporting)
        await tamper(
            url,
            "UPDATE eventstore.events SET payload = jsonb_set(payload, '{name}', '\"palsu\"')"
            f" WHERE global_position = {signed.event_position + 1}",
        )
        tampered = await chain(reporting, Role.ADMIN)

    last = state["last_checkpoint"]
    assert state["head"]["position"] == signed.event_position + 1
    assert (last["position"], last["head_hash"]) == (2, signed.checkpoint.head_hash)
    assert last["key_id"] == key_id(load_public_key(public)) == state["public_key_ids"][0]
    assert (last["signature"], last["chain"], last["ok"]) == ("valid", "matches", True)
    assert state["unsigned_events"] == 2  # the checkpoint's own event, and one day off
    assert (state["checkpoint_total"], state["checkpoints_valid"]) == (1, 1)
    verification = state["verification"]
    assert verification["ok"] is True
    assert verification["from_position"] == 2
    assert verification["checked"] == 2  # not the two events before the checkpoint
    assert state["not_verified_because"] is None

    assert tampered["verification"]["ok"] is False
    assert tampered["verification"]["first_bad_position"] == signed.event_position + 1
    assert tampered["verification"]["problem"] == "changed"


async def test_without_a_public_key_the_checkpoints_are_listed_and_nothing_is_walked(
    new_database: NewDatabase, nats_url: str, run_id: str, tmp_path: Path
) -> None:
    url = await new_database()
    keys = generate_key_pair(tmp_path / "keys")
    missing = tmp_path / "nowhere.pem"
    async with service_apis(url, nats_url, run_id=f"{run_id}ck", audit_public_key=missing) as apis:
        reporting = apis["reporting"]
        await add_day_off(reporting, "2026-12-21")
        await sign_head(
            reporting.ctx.store,
            private_key=load_private_key(keys.private_key),
            checkpoint_dir=tmp_path / "cp",
        )
        state = await chain(reporting, limit=1)

    assert state["verification"] is None
    assert state["not_verified_because"] == "kunci publik audit belum diatur pada layanan pelaporan"
    assert state["last_checkpoint"]["signature"] == "not_checked"
    assert [c["position"] for c in state["checkpoints"]] == [1]
