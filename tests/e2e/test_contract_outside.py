"""The event contract seen from outside: every message on the stream of a real run validates,
whole and with its headers, against docs/event-schemas.json and docs/asyncapi.json — read
with a JSON Schema validator that is not pydantic, as another system of the province would."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import nats
import pytest

from penghubung.contract import ASYNCAPI_FILE, SNAPSHOT_FILE
from penghubung.demo import Desk

pytestmark = pytest.mark.e2e

FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER


async def _every_message(nats_url: str, stream: str) -> list[tuple[dict[str, str], bytes]]:
    client = await nats.connect(nats_url)
    try:
        js = client.jetstream()
        info = await js.stream_info(stream)
        sub = await js.subscribe(f"{info.config.subjects[0]}", ordered_consumer=True)
        seen = []
        for _ in range(info.state.messages):
            msg = await sub.next_msg(timeout=10)
            seen.append((dict(msg.headers or {}), msg.data))
        await sub.unsubscribe()
        return seen
    finally:
        await client.close()


async def test_every_message_of_a_run_matches_the_published_documents(
    system: Any, servers: Any, run_id: str
) -> None:
    desk = Desk(urls=system.urls, tokens=system.tokens)
    await desk.integrated_journey("Dinas Kesehatan")
    await desk.not_feasible_journey("Dinas Kesehatan")
    schemas = json.loads(SNAPSHOT_FILE.read_text())
    asyncapi = json.loads(ASYNCAPI_FILE.read_text())
    assert schemas["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    messages = await _every_message(servers.nats_url, f"E2E_{run_id}")
    assert len(messages) >= 17  # nine of the integrated journey, eight of the other

    checked: dict[str, int] = {}
    for headers, data in messages:
        body = json.loads(data)
        entry = schemas["events"][body["type"]]
        jsonschema.validate(body, entry["message"], format_checker=FORMATS)
        jsonschema.validate(headers, entry["headers"], format_checker=FORMATS)
        assert headers["Nats-Msg-Id"] == body["event_id"]
        assert int(headers["Penghubung-Position"]) == body["global_position"]
        # The AsyncAPI message of the subject says the same: its payload and headers.
        category = body["stream_id"].split("-", 1)[0]
        spec = asyncapi["components"]["messages"][f"{category}.{body['type']}:Message"]
        assert spec["correlationId"]["location"] == "$message.header#/Penghubung-Correlation-Id"
        assert headers["Penghubung-Correlation-Id"] == body["correlation_id"]
        jsonschema.validate(headers, spec["headers"], format_checker=FORMATS)
        payload_schema = {"$ref": spec["payload"]["$ref"], **_components(asyncapi)}
        jsonschema.validate(body, payload_schema, format_checker=FORMATS)
        checked[body["type"]] = checked.get(body["type"], 0) + 1
    assert {"RequestSubmitted", "Disposed", "FeasibilityDone", "ReportArchived"} <= set(checked)


def _components(asyncapi: dict[str, Any]) -> dict[str, Any]:
    return {"components": asyncapi["components"]}
