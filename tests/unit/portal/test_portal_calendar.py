"""The calendar's forms in the portal: the reduced hours as the API takes them, and the API's
refusals (of the change, or of its simulation) put back beside the form's own fields."""

from __future__ import annotations

from portal import formdata
from portal.clients.services import ApiRefusal, FieldProblem
from portal.views import calendar


def test_the_reason_is_the_apis_name_and_an_empty_opening_is_left_to_its_default() -> None:
    values = {
        "first_day": "2027-02-08",
        "last_day": "2027-03-09",
        "opening": "",
        "closing": "15:00",
        "friday_closing": "",
        "reason": "Ramadan 1448 H",
    }

    assert calendar.hours_body(values) == {
        "first_day": "2027-02-08",
        "last_day": "2027-03-09",
        "closing": "15:00",
        "name": "Ramadan 1448 H",
    }


def test_a_simulations_refusal_lands_on_the_forms_fields() -> None:
    refused = ApiRefusal(
        status=422,
        code="validation_failed",
        message="permintaan tidak valid",
        errors=[
            FieldProblem("body.change.hours_reduced.last_day", "last_day", "tanggal akhir salah"),
            FieldProblem("body.change.hours_reduced.name", "missing", "wajib diisi"),
        ],
    )

    errors = calendar.hours_errors(formdata.field_errors(refused, strip="change."))

    assert errors == {"last_day": "tanggal akhir salah", "reason": "wajib diisi"}
