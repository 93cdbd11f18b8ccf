"""One refusal hierarchy, one handler: each kind answers its status in the error body."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from penghubung import refusals
from penghubung.web import errors


class TicketMissing(refusals.NotFound):
    code = "request_not_found"
    message = "permohonan tidak ditemukan"


def _client(exc: Exception) -> TestClient:
    app = FastAPI()
    errors.install(app)

    @app.get("/boom")
    async def boom() -> None:
        raise exc

    return TestClient(app)


@pytest.mark.parametrize(("kind", "status"), sorted(refusals.HTTP_STATUS.items()))
def test_every_kind_has_its_status(kind: str, status: int) -> None:
    cls = next(
        c
        for c in vars(refusals).values()
        if isinstance(c, type)
        and issubclass(c, refusals.Refused)
        and c is not refusals.Refused
        and c.kind == kind
    )
    response = _client(cls()).get("/boom")
    assert response.status_code == status
    assert response.json()["code"] == cls.code


def test_a_subclass_names_its_case_once() -> None:
    response = _client(TicketMissing()).get("/boom")
    assert response.status_code == 404
    assert response.json() == {
        "code": "request_not_found",
        "message": "permohonan tidak ditemukan",
        "field": None,
        "errors": [],
    }


def test_an_invalid_field_is_named_in_errors_too() -> None:
    exc = refusals.Invalid("NIP harus 18 digit", code="nip_invalid", field="form.applicant.nip")
    body = _client(exc).get("/boom").json()
    assert body["field"] == "form.applicant.nip"
    assert body["errors"] == [
        {
            "field": "form.applicant.nip",
            "code": "nip_invalid",
            "message": "NIP harus 18 digit",
            "allowed": None,
            "limit": None,
        }
    ]


def test_too_many_says_when_to_come_back() -> None:
    response = _client(refusals.TooMany(retry_after=30)).get("/boom")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "30"
