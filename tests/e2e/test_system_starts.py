"""The four services run as processes on real PostgreSQL and NATS and say they are ready."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e


async def test_every_service_is_ready_and_documents_its_api(system: Any) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        for name, url in system.urls.items():
            ready = await http.get(f"{url}/health/ready")
            assert ready.status_code == 200, (name, ready.text)
            assert ready.json()["checks"]["migrations"] == "current"
            openapi = await http.get(f"{url}/openapi.json")
            assert openapi.status_code == 200
            assert openapi.json()["paths"], f"{name} documents no path"


async def test_exactly_one_process_is_the_active_relay(system: Any) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        states = [
            (await http.get(f"{url}/health/ready")).json()["checks"]["relay"]
            for url in system.urls.values()
        ]
    assert sorted(states) == ["active", "standby", "standby", "standby"]
