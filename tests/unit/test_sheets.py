"""Tables as people open them: CSV separators, .xlsx formats, and 406 for what is not offered."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from starlette.requests import Request

from penghubung.web.sheets import (
    RepresentationNotOffered,
    TableFormat,
    refuse_unoffered,
    table_format,
    xlsx_bytes,
)


def asking(accept: str | None) -> Request:
    headers = [] if accept is None else [(b"accept", accept.encode())]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers})


@pytest.mark.parametrize(
    "accept",
    [None, "", "*/*", "application/json", "application/*", "text/html, application/json;q=0.9"],
)
def test_json_is_served_to_whoever_takes_it(accept: str | None) -> None:
    refuse_unoffered(asking(accept), ("application/json",))


@pytest.mark.parametrize("accept", ["application/pdf", "text/csv", "image/*, application/pdf"])
def test_an_accept_of_only_other_types_is_refused(accept: str) -> None:
    with pytest.raises(RepresentationNotOffered) as refused:
        refuse_unoffered(asking(accept), ("application/json",))
    assert refused.value.kind == "not_acceptable"
    assert refused.value.code == "representation_not_offered"


def test_the_format_comes_from_the_query_then_the_accept_header() -> None:
    assert table_format(asking("text/csv"), None) is TableFormat.CSV
    assert table_format(asking("text/csv"), TableFormat.XLSX) is TableFormat.XLSX
    assert table_format(asking(None), None) is TableFormat.JSON


def test_xlsx_keeps_numbers_and_dates_with_indonesian_display_formats() -> None:
    moment = datetime(2026, 12, 7, 2, 15, tzinfo=UTC)
    data = xlsx_bytes(
        "uji",
        ("jumlah", "persen", "tanggal", "waktu", "teks"),
        [(1440, Decimal("97.25"), date(2026, 12, 7), moment, "Dinas Kesehatan")],
    )
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    row = [cell for cell in sheet[2]]
    assert [c.value for c in row] == [
        1440,
        97.25,
        datetime(2026, 12, 7),
        datetime(2026, 12, 7, 9, 15),  # on the office's clock (WIB)
        "Dinas Kesehatan",
    ]
    assert [c.number_format for c in row] == [
        "#,##0",
        "#,##0.00",
        "dd-mm-yyyy",
        "dd-mm-yyyy hh:mm",
        "General",
    ]
    assert sheet["A1"].font.bold
