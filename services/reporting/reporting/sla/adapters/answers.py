"""What every SLA view shares: who may read, the month and format asked for, CSV answers.

Every view answers JSON, CSV with `?format=csv` or `Accept: text/csv` (`&separator=;` for an
Indonesian spreadsheet), or .xlsx with `?format=xlsx`. A CSV is streamed row by row, without a
cap (`penghubung.web.sheets`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from penghubung.events import Role
from penghubung.web.auth import Principal, require
from penghubung.web.params import Month
from penghubung.web.sheets import XLSX, Separator, csv_response, xlsx_response
from reporting.adapters.http_as_of import as_of_headers
from reporting.app.as_of import Moment
from reporting.sla.domain.clocks import Person

STAFF = (Role.KADIS, Role.KABID, Role.PRAKOM, Role.PETUGAS, Role.ADMIN)
EVERYONE = (Role.PEMOHON, *STAFF, Role.AUDITOR)

Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
Reader = Annotated[Principal, Depends(require(*EVERYONE))]
Staff = Annotated[Principal, Depends(require(*STAFF, Role.AUDITOR))]
MonthQuery = Annotated[
    Month | None, Query(description="The month, YYYY-MM (WIB); default: this month")
]


class Format(StrEnum):
    """How a view is answered."""

    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


FormatQuery = Annotated[
    Format | None,
    Query(alias="format", description="csv, xlsx or json (default; or the Accept header)"),
]


# --- CSV ------------------------------------------------------------------------------------


def wants_csv(request: Request, fmt: Format | None) -> bool:
    """A table (CSV or .xlsx) rather than JSON."""
    if fmt is not None:
        return fmt is not Format.JSON
    accept = request.headers.get("accept", "")
    return "text/csv" in accept or XLSX in accept


async def each_row(rows: Iterable[tuple[object, ...]]) -> AsyncIterator[tuple[object, ...]]:
    """Rows already at hand, as the stream a CSV answer reads."""
    for row in rows:
        yield row


async def csv_answer(
    name: str,
    header: tuple[str, ...],
    rows: AsyncIterator[tuple[object, ...]],
    *,
    moment: Moment | None = None,
    asked: tuple[Request, Format | None, Separator],
) -> Response:
    """The view as a table: .xlsx when asked for, else CSV streamed row by row (UTF-8)."""
    request, fmt, separator = asked
    headers = as_of_headers(moment)
    if fmt is Format.XLSX or (fmt is None and XLSX in request.headers.get("accept", "")):
        return xlsx_response(name, header, [r async for r in rows], headers=headers)
    return csv_response(name, header, rows, separator=separator, headers=headers)


# --- bodies ---------------------------------------------------------------------------------


class StrictBody(BaseModel):
    """A request body that refuses unknown fields."""

    model_config = ConfigDict(extra="forbid")


class Who(BaseModel):
    """A person, by NIP and name."""

    nip: str | None = Field(description="NIP, if known")
    name: str = Field(description="Name")


def who(person: Person | None) -> Who | None:
    """A clock's person as a view."""
    if person is None:
        return None
    return Who(nip=person.nip, name=person.name)


def blank(value: object) -> object:
    """None as an empty CSV cell."""
    return "" if value is None else value
