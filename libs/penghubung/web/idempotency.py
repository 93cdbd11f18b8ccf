"""The Idempotency-Key header as every command route takes it (see `penghubung.idempotency`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Response

from penghubung.idempotency import HEADER, HELP, Answer

IdempotencyKey = Annotated[
    str | None, Header(alias=HEADER, min_length=1, max_length=200, description=HELP)
]
"""A command route's `Idempotency-Key` parameter."""


def respond(response: Response, answer: Answer) -> dict[str, Any]:
    """The answer's body, its replay header set on the response."""
    response.headers.update(answer.headers)
    return answer.body
