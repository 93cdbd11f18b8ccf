"""Person-facing text through HTTP: hidden and control characters are 422 naming the field."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from penghubung.events.base import Role
from penghubung.testing.apis import ServiceApi, service_apis

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def reporting(
    new_database: Callable[[], Awaitable[str]], nats_url: str, run_id: str
) -> AsyncIterator[ServiceApi]:
    async with service_apis(await new_database(), nats_url, run_id=f"{run_id}pt") as found:
        yield found["reporting"]


def refused(response: Any, field: str, code: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_failed"
    named = {e["field"]: e for e in body["errors"]}
    assert named[field]["code"] == code, body
    assert named[field]["message"]


HIDDEN = [
    "Libur \u202eharkaJ",
    "Hari\u200bJadi",
    "Hari Jadi\x07\x1b[2J",
]


@pytest.mark.parametrize("name", HIDDEN)
async def test_a_day_off_named_with_hidden_characters_is_refused(
    reporting: ServiceApi, name: str
) -> None:
    response = await reporting.client.post(
        "/calendar/days-off",
        json={"day": "2026-07-09", "name": name},
        headers=reporting.auth(Role.ADMIN),
    )
    refused(response, "name", "hidden_character")


async def test_a_day_off_in_the_seventh_century_is_refused(reporting: ServiceApi) -> None:
    response = await reporting.client.post(
        "/calendar/days-off",
        json={"day": "0671-09-11", "name": "Libur kuno"},
        headers=reporting.auth(Role.ADMIN),
    )
    refused(response, "day", "invalid_value")


async def test_reduced_hours_and_a_reopening_refuse_hidden_characters_too(
    reporting: ServiceApi,
) -> None:
    admin = reporting.auth(Role.ADMIN)
    hours = {
        "first_day": "2026-03-02",
        "last_day": "2026-03-20",
        "closing": "15:00:00",
        "name": "Ramadan\u202e",
    }
    refused(
        await reporting.client.post("/calendar/reduced-hours", json=hours, headers=admin),
        "name",
        "hidden_character",
    )
    far = {**hours, "name": "Ramadan", "last_day": "2999-01-01"}
    refused(
        await reporting.client.post("/calendar/reduced-hours", json=far, headers=admin),
        "last_day",
        "invalid_value",
    )
    reopened = await reporting.client.delete(
        "/calendar/days-off/2026-05-15", params={"reason": "Tetap\u200dbuka"}, headers=admin
    )
    refused(reopened, "reason", "hidden_character")


async def test_an_ordinary_day_off_is_still_added(reporting: ServiceApi) -> None:
    response = await reporting.client.post(
        "/calendar/days-off",
        json={"day": "2026-07-08", "name": "Hari Jadi Provinsi — 新年 & Pa'an"},
        headers=reporting.auth(Role.ADMIN),
    )
    assert response.status_code == 201, response.text
