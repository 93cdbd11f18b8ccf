"""The query and path parameters the services share, each bounded in its schema — and the
dates and times of request bodies, bounded the same way.

A parameter the schema leaves open reaches the code unbounded: an `offset` of 2^63 overflows
PostgreSQL's bigint, a date in year 1 overflows a conversion to UTC. Each type here says its
bounds in the OpenAPI document (so a client and a fuzzer know them) and enforces the same bounds,
so a value outside them is a 422 `validation_failed` naming the parameter, never a 500.
`tests/unit/test_parameter_bounds.py` holds every service's parameters to this.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from annotated_types import Ge, Le
from fastapi import Path, Query
from pydantic import AfterValidator, AwareDatetime, WithJsonSchema

from penghubung.forms import FormValueError, IsoDate, TicketId
from penghubung.forms.values import TICKET_PATTERN

FIRST_YEAR, LAST_YEAR = 2000, 2100
"""The years a date or a time may name: the service desk's records all fall between them."""

MAX_OFFSET = 10_000_000
"""The most rows a page may skip: far beyond any list the desk keeps, far below bigint."""

PAGE_MAX = 100
"""The largest page a list answers by default."""

YEAR_PATTERN = "(20[0-9]{2}|2100)"
DAY_PATTERN = f"^{YEAR_PATTERN}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
MONTH_PATTERN = f"^{YEAR_PATTERN}-(0[1-9]|1[0-2])$"
INSTANT_PATTERN = f"^{YEAR_PATTERN}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T"
NIP_PATTERN = "^[0-9]{18}$"


When = TypeVar("When", date, datetime)


def within_years(value: When) -> When:
    """The date or time, if it falls in FIRST_YEAR..LAST_YEAR (else a Bahasa Indonesia reason)."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise FormValueError(
            "year_out_of_range", f"tahun harus antara {FIRST_YEAR} dan {LAST_YEAR}"
        )
    return value


def _schema(**schema: Any) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", **schema})


Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip")]
"""How many rows of a list to skip (0..10 000 000)."""

Limit = Annotated[int, Query(ge=1, le=PAGE_MAX, description="Page size")]
"""How many rows a page holds (1..100)."""

Year = Annotated[int, Ge(FIRST_YEAR), Le(LAST_YEAR)]
"""A year of the desk's records."""

Month = Annotated[
    str,
    AfterValidator(lambda value: _matching(value, MONTH_PATTERN, "bulan harus berbentuk TTTT-BB")),
    _schema(pattern=MONTH_PATTERN, minLength=7, maxLength=7),
]
"""A month, `YYYY-MM`, of the years 2000..2100."""

Day = Annotated[
    IsoDate,
    AfterValidator(within_years),
    _schema(format="date", pattern=DAY_PATTERN, minLength=10, maxLength=10),
]
"""A calendar date, `YYYY-MM-DD`, of the years 2000..2100."""

INSTANT_SCHEMA = _schema(format="date-time", pattern=INSTANT_PATTERN, minLength=20, maxLength=40)
"""A time's schema: ISO 8601 with its zone, its year said by the pattern (the validator checks)."""

Instant = Annotated[AwareDatetime, AfterValidator(within_years), INSTANT_SCHEMA]
"""A time with its zone (ISO 8601), of the years 2000..2100: a year outside them could not even
be turned into WIB (9999-12-31T23:00Z is past the calendar's end there)."""

Ticket = Annotated[
    TicketId,
    _schema(pattern=TICKET_PATTERN, maxLength=20),
    Path(description="The request's ticket id, SC05-YYYY-NNNNN"),
]
"""A request's ticket id in a path; a malformed one is a 422 naming `ticket_id`."""

Nip = Annotated[
    str,
    AfterValidator(lambda value: _matching(value, NIP_PATTERN, "NIP harus 18 digit angka")),
    _schema(pattern=NIP_PATTERN, minLength=18, maxLength=18),
    Path(description="NIP: 18 digits"),
]
"""A civil servant's number in a path, 18 digits without spaces."""


def _matching(value: str, pattern: str, reason: str) -> str:
    if not re.fullmatch(pattern.strip("^$"), value):
        raise FormValueError("format", reason)
    return value
