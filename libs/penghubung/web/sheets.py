"""Tables as people open them: CSV (`,` or `;`, the separator an Indonesian Excel expects) and
.xlsx with Indonesian number and date formats; and the answer to an Accept nobody offers (406).

One mechanism for every service's tabular views: a route gives a header and rows; `answer`
makes the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Query, Request
from fastapi.responses import Response, StreamingResponse
from openpyxl import Workbook
from openpyxl.styles import Font

from penghubung.refusals import NotAcceptable

WIB = ZoneInfo("Asia/Jakarta")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NUMBER_FORMATS = {
    int: "#,##0",
    Decimal: "#,##0.00",
    float: "#,##0.00",
    date: "dd-mm-yyyy",
    datetime: "dd-mm-yyyy hh:mm",
}
"""Excel's format codes; Excel shows them in the reader's locale (1.234,50 in Indonesian)."""


class Separator(StrEnum):
    """The CSV separator: `,` (the default) or `;` (decimals then written with a comma)."""

    COMMA = ","
    SEMICOLON = ";"


SeparatorQuery = Annotated[
    Separator,
    Query(
        alias="separator",
        description="CSV separator: `,` or `;` (for a spreadsheet set to Indonesian, which"
        " reads `,` as the decimal mark; decimals are then written 12,5)",
    ),
]


class TableFormat(StrEnum):
    """How a tabular view is answered."""

    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


TableFormatQuery = Annotated[
    TableFormat | None,
    Query(alias="format", description="csv, xlsx or json (default; or the Accept header)"),
]


def table_format(request: Request, fmt: TableFormat | None) -> TableFormat:
    """The representation asked for: `format=`, else the Accept header, else JSON."""
    if fmt is not None:
        return fmt
    accept = request.headers.get("accept", "")
    if "text/csv" in accept:
        return TableFormat.CSV
    return TableFormat.XLSX if XLSX in accept else TableFormat.JSON


class RepresentationNotOffered(NotAcceptable):
    """The caller accepts none of the representations the resource offers."""

    code = "representation_not_offered"
    message = "format yang diminta tidak tersedia untuk sumber ini"


def refuse_unoffered(request: Request, offered: Sequence[str]) -> None:
    """406 when the Accept header names media types and none of them is offered (or `*/*`)."""
    accept = request.headers.get("accept", "")
    wanted = [part.split(";")[0].strip().lower() for part in accept.split(",") if part.strip()]
    if not wanted:
        return
    for media in wanted:
        kind = media.split("/")[0]
        if media in {"*/*", *offered} or (f"{kind}/*" in wanted and _any_of(kind, offered)):
            return
    names = ", ".join(offered)
    raise RepresentationNotOffered(f"format yang diminta tidak tersedia; tersedia: {names}")


def _any_of(kind: str, offered: Sequence[str]) -> bool:
    return any(o.startswith(f"{kind}/") for o in offered)


def csv_response(
    name: str,
    header: Sequence[str],
    rows: AsyncIterator[Sequence[object]],
    *,
    separator: Separator = Separator.COMMA,
    headers: Mapping[str, str] | None = None,
) -> StreamingResponse:
    """A CSV answer streamed row by row (UTF-8, header first)."""

    async def lines() -> AsyncIterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=separator.value, lineterminator="\r\n")
        writer.writerow(header)
        async for row in rows:
            writer.writerow([_csv_value(v, separator) for v in row])
            if buffer.tell() > 16_384:
                yield _drain(buffer)
        yield _drain(buffer)

    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"', **(headers or {})},
    )


def _csv_value(value: object, separator: Separator) -> object:
    if separator is Separator.SEMICOLON and isinstance(value, Decimal | float):
        return str(value).replace(".", ",")
    return value


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def xlsx_bytes(title: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """One worksheet: a bold header, then the rows; numbers and dates keep their types."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(h) for h in header]
    for row in rows:
        values = [_cell(v) for v in row]
        sheet.append(values)
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=sheet.max_row, column=column)
            cell.number_format = _format_of(value)
            widths[column - 1] = max(widths[column - 1], min(len(str(value)), 60))
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=column).column_letter].width = width + 2
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: object) -> object:
    """A value Excel keeps: moments on the office's clock without a zone, enums as text."""
    if isinstance(value, datetime):
        return value.astimezone(WIB).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, StrEnum):
        return value.value
    if value is None or isinstance(value, str | int | float | Decimal | date | bool):
        return value
    return str(value)


def _format_of(value: object) -> str:
    for kind, code in NUMBER_FORMATS.items():
        if isinstance(value, kind) and not isinstance(value, bool):
            return "dd-mm-yyyy hh:mm" if isinstance(value, datetime) else code
    return "General"


def xlsx_response(
    name: str,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """An .xlsx answer."""
    return Response(
        xlsx_bytes(name, header, rows),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"', **(headers or {})},
    )
