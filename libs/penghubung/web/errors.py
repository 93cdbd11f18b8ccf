"""Errors in the caller's terms: a stable code for programs, Bahasa Indonesia for people."""

from __future__ import annotations

import logging
import re
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from penghubung.eventstore import ConcurrencyError
from penghubung.refusals import HTTP_STATUS, Refused
from penghubung.text import HiddenCharacter

log = logging.getLogger(__name__)


class FieldError(BaseModel):
    """One field that failed validation."""

    field: str = Field(description="Dotted path of the field, e.g. `form.applicant.nip`")
    code: str = Field(description="Stable code, e.g. `missing`, `string_too_short`")
    message: str = Field(description="Reason in Bahasa Indonesia")
    allowed: list[str] | None = Field(
        default=None, description="For a choice refused: every value that is allowed"
    )
    limit: int | float | None = Field(
        default=None, description="For a bound crossed: the bound (a value, a length or a count)"
    )


class ErrorBody(BaseModel):
    """The body of every error response."""

    code: str = Field(description="Stable code for programs")
    message: str = Field(description="What went wrong, in Bahasa Indonesia")
    field: str | None = Field(default=None, description="The field at fault, if one")
    errors: list[FieldError] = Field(default_factory=list, description="Every field at fault")


_MESSAGES = {
    "missing": "wajib diisi",
    "extra_forbidden": "field tidak dikenal",
    "string_type": "harus berupa teks",
    "int_type": "harus berupa bilangan bulat",
    "int_parsing": "harus berupa bilangan bulat",
    "bool_type": "harus bernilai true atau false",
    "bool_parsing": "harus bernilai true atau false",
    "enum": "nilai tidak termasuk pilihan yang diizinkan",
    "literal_error": "nilai tidak termasuk pilihan yang diizinkan",
    "string_too_short": "terlalu pendek",
    "string_too_long": "terlalu panjang",
    "too_short": "jumlah isian terlalu sedikit",
    "too_long": "jumlah isian terlalu banyak",
    "greater_than_equal": "nilai terlalu kecil",
    "greater_than": "nilai terlalu kecil",
    "less_than_equal": "nilai terlalu besar",
    "less_than": "nilai terlalu besar",
    "datetime_type": "harus berupa tanggal dan waktu (ISO 8601)",
    "datetime_parsing": "harus berupa tanggal dan waktu (ISO 8601)",
    "datetime_from_date_parsing": "harus berupa tanggal dan waktu (ISO 8601)",
    "timezone_aware": "waktu harus menyertakan zona waktu",
    "json_invalid": "JSON tidak valid",
    "model_type": "harus berupa objek",
    "model_attributes_type": "harus berupa objek",
    "dict_type": "harus berupa objek",
    "list_type": "harus berupa daftar",
    "uuid_parsing": "harus berupa UUID",
    "uuid_type": "harus berupa UUID",
    "string_pattern_mismatch": "format tidak sesuai",
    "url_parsing": "URL tidak valid",
    "url_scheme": "skema URL tidak diizinkan",
}


def field_errors(errors: list[Any]) -> list[FieldError]:
    """Pydantic's errors as fields, codes and Bahasa Indonesia reasons."""
    out = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path", "header")]
        code = e.get("type", "invalid")
        if code == "json_invalid":
            loc = []  # the location is a character offset into the body, not a field
        if code == "value_error":
            # Our validators raise ValueError with the reason already in Bahasa Indonesia.
            ctx_error = e.get("ctx", {}).get("error")
            message = str(ctx_error) if ctx_error else e.get("msg", "tidak valid")
            code = ctx_error.code if isinstance(ctx_error, HiddenCharacter) else "invalid_value"
        else:
            message = _MESSAGES.get(code, "tidak valid")
        allowed, limit, what = _allowed(code, e.get("ctx") or {})
        out.append(
            FieldError(
                field=".".join(loc) or "body",
                code=code,
                message=f"{message}; {what}" if what else message,
                allowed=allowed,
                limit=limit,
            )
        )
    return out


_BOUNDS: dict[str, tuple[str, str]] = {
    "less_than_equal": ("le", "paling besar {}"),
    "less_than": ("lt", "harus kurang dari {}"),
    "greater_than_equal": ("ge", "paling kecil {}"),
    "greater_than": ("gt", "harus lebih dari {}"),
    "string_too_long": ("max_length", "paling banyak {} karakter"),
    "string_too_short": ("min_length", "paling sedikit {} karakter"),
    "too_long": ("max_length", "paling banyak {} isian"),
    "too_short": ("min_length", "paling sedikit {} isian"),
}
"""Bounds pydantic names in an error's context, and how a person reads each."""


def _allowed(code: str, ctx: dict[str, Any]) -> tuple[list[str] | None, float | None, str]:
    """What a refused choice or a crossed bound allows: (choices, bound, words for people)."""
    if code in ("enum", "literal_error") and isinstance(ctx.get("expected"), str):
        choices = [c.strip().strip("'\"") for c in re.split(r",| or ", ctx["expected"])]
        choices = [c for c in choices if c]
        words = ", ".join(choices[:-1]) + f" atau {choices[-1]}" if len(choices) > 1 else choices[0]
        return choices, None, f"pilihan: {words}"
    if code in _BOUNDS and isinstance(ctx.get(_BOUNDS[code][0]), int | float):
        key, words = _BOUNDS[code]
        value = ctx[key]
        return None, value, words.format(_number(value))
    return None, None, ""


def _number(value: float) -> str:
    """A bound as Indonesians write it: 1.000.000 and 2,5."""
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    return str(value).replace(".", ",")


def install(app: FastAPI) -> None:
    """Map refusals (`penghubung.refusals`), validation errors and faults to JSON error bodies."""

    @app.exception_handler(Refused)
    async def refused(_: Request, exc: Refused) -> JSONResponse:
        body = ErrorBody(code=exc.code, message=exc.message, field=exc.field)
        if exc.field is not None and HTTP_STATUS[exc.kind] == 422:
            body.errors = [FieldError(field=exc.field, code=exc.code, message=exc.message)]
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
        return JSONResponse(body.model_dump(), status_code=HTTP_STATUS[exc.kind], headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _unprocessable(field_errors(list(exc.errors())))

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.__cause__ is not None:
            # FastAPI's "error parsing the body": JSON that is not UTF-8, nested deeper than the
            # parser recurses (RecursionError) or holding a number longer than Python converts
            # (ValueError) is malformed JSON, answered as any other malformed JSON.
            return _unprocessable(field_errors([{"type": "json_invalid", "loc": ("body",)}]))
        code, message = _HTTP_ERRORS.get(exc.status_code, ("http_error", "permintaan ditolak"))
        body = ErrorBody(code=code, message=message)
        return JSONResponse(body.model_dump(), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(ConnectionError)
    @app.exception_handler(asyncpg.PostgresConnectionError)
    @app.exception_handler(asyncpg.exceptions.OperatorInterventionError)
    @app.exception_handler(asyncpg.InterfaceError)
    @app.exception_handler(asyncpg.InternalClientError)
    async def unavailable(_: Request, exc: Exception) -> JSONResponse:
        # PostgreSQL is away (restarting, failing over): nothing was written, the caller may
        # send the same command again, with its Idempotency-Key, in a moment. A connection lost
        # inside a transaction surfaces as asyncpg's InterfaceError ("cannot call
        # Transaction.__aexit__(): the underlying connection is closed"), raised while the
        # transaction's exit tries to roll back: the commit never happened either. The server's
        # goodbye can also land in the middle of the next statement on that connection, which
        # asyncpg reports as an InternalClientError ("cannot switch to state …").
        log.warning("PostgreSQL unavailable: %s: %s", type(exc).__name__, exc)
        body = ErrorBody(
            code="service_unavailable",
            message="layanan sedang tidak dapat menyimpan data; coba lagi sebentar lagi",
        )
        return JSONResponse(
            body.model_dump(), status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
        )

    @app.exception_handler(asyncpg.CharacterNotInRepertoireError)
    @app.exception_handler(asyncpg.UntranslatableCharacterError)
    async def unstorable(_: Request, exc: Exception) -> JSONResponse:
        # Text PostgreSQL cannot keep (a NUL) that no field's type refused first: the caller's
        # mistake, and the transaction it reached has rolled back.
        body = ErrorBody(
            code="text_not_storable",
            message="teks memuat karakter yang tidak dapat disimpan (NUL, U+0000)",
        )
        return JSONResponse(body.model_dump(), status_code=422)

    @app.exception_handler(ConcurrencyError)
    async def raced(_: Request, exc: ConcurrencyError) -> JSONResponse:
        body = ErrorBody(
            code="concurrent_change",
            message="permohonan ini baru saja diubah oleh pihak lain; muat ulang lalu coba lagi",
        )
        return JSONResponse(body.model_dump(), status_code=409)


RETRY_AFTER_SECONDS = 5
"""What a 503 asks the caller to wait before trying again."""

_HTTP_ERRORS = {
    400: ("bad_request", "permintaan tidak dapat dibaca"),
    404: ("not_found", "alamat tidak ditemukan"),
    405: ("method_not_allowed", "metode tidak diizinkan untuk alamat ini"),
}
"""Starlette's own refusals (no route, wrong method, unreadable body) in our error body."""


def _unprocessable(errors: list[FieldError]) -> JSONResponse:
    first = errors[0] if errors else None
    body = ErrorBody(
        code="validation_failed",
        message=f"{first.field}: {first.message}" if first else "permintaan tidak valid",
        field=first.field if first else None,
        errors=errors,
    )
    return JSONResponse(body.model_dump(), status_code=422)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (400, 401, 403, 404, 409, 413, 422)
}
"""OpenAPI `responses=` for routes: every error status documented with its body."""


def refusals(*kinds: type[Refused]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` naming an operation's own refusals: each status with the stable
    codes it answers and their messages, so a client knows them without reading the code."""
    by_status: dict[int, list[type[Refused]]] = {}
    for kind in kinds:
        by_status.setdefault(HTTP_STATUS[kind.kind], []).append(kind)
    return {
        status: {
            "model": ErrorBody,
            "description": "; ".join(f"`{k.code}`: {k.message}" for k in found),
        }
        for status, found in sorted(by_status.items())
    }
