"""The OpenAPI document mended for client generators and linters (penghubung.web.openapi)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, UploadFile
from fastapi.responses import Response
from fastapi.security import HTTPBearer
from pydantic import BaseModel

from penghubung.web import openapi

bearer = HTTPBearer()


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "live"}

    @app.post("/attachments")
    async def upload(file: UploadFile, _: Annotated[object, Depends(bearer)]) -> dict[str, str]:
        return {"name": file.filename or ""}

    @app.get(
        "/attachments/{id}",
        responses={200: {"content": {"application/pdf": {}, "text/csv": {}}}},
        response_class=Response,
    )
    async def download(id: str, _: Annotated[object, Depends(bearer)]) -> Response:
        return Response(b"%PDF", media_type="application/pdf")

    openapi.install(app)
    return app


def test_an_upload_is_binary_so_a_generated_client_sends_a_file() -> None:
    document = _app().openapi()
    body = document["components"]["schemas"]["Body_upload_attachments_post"]
    assert body["properties"]["file"]["format"] == "binary"


def test_a_download_has_a_schema_for_each_media_type() -> None:
    content = _app().openapi()["paths"]["/attachments/{id}"]["get"]["responses"]["200"]["content"]
    assert content["application/pdf"]["schema"] == {"type": "string", "format": "binary"}
    assert content["text/csv"]["schema"] == {"type": "string"}


def test_open_operations_say_they_need_no_token_and_others_keep_theirs() -> None:
    paths = _app().openapi()["paths"]
    assert paths["/health/live"]["get"]["security"] == []
    assert paths["/attachments"]["post"]["security"] == [{"HTTPBearer": []}]


def test_the_document_names_its_servers() -> None:
    assert _app().openapi()["servers"] == [{"url": "/", "description": "this service"}]


class Created(BaseModel):
    ticket_id: str


def test_what_a_post_creates_links_to_the_operations_on_it() -> None:
    app = FastAPI()

    @app.post("/requests", status_code=201)
    async def submit() -> Created:
        return Created(ticket_id="SC05-2026-00001")

    @app.get("/requests/{ticket_id}")
    async def get_request(ticket_id: str) -> Created:
        return Created(ticket_id=ticket_id)

    @app.get("/requests/{ticket_id}/attachments/{attachment_id}")
    async def attachment(ticket_id: str, attachment_id: str) -> Created:
        return Created(ticket_id=ticket_id)

    openapi.install(app)
    links = app.openapi()["paths"]["/requests"]["post"]["responses"]["201"]["links"]
    # The attachment's id is not in the answer: no link could fill it.
    assert links == {
        "get_request_requests__ticket_id__get": {
            "operationId": "get_request_requests__ticket_id__get",
            "parameters": {"ticket_id": "$response.body#/ticket_id"},
        }
    }
