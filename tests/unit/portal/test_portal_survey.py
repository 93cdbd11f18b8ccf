"""The survey's pieces in the portal: the questionnaire, an answer read back, the API's refusals
as words beside the elements, the IKM's numbers the Indonesian way."""

from __future__ import annotations

from portal import formdata, words
from portal.clients.services import ApiRefusal, FieldProblem
from portal.views import survey


def test_the_form_asks_nine_elements_with_four_answers_each_scored_1_to_4() -> None:
    assert [q.field for q in survey.QUESTIONS] == [f"scores.u{n}" for n in range(1, 10)]
    assert survey.QUESTIONS[3].answers == [
        ("1", "Sangat mahal"),
        ("2", "Cukup mahal"),
        ("3", "Murah"),
        ("4", "Gratis"),
    ]


def test_an_answer_reads_back_in_the_questionnaire_words() -> None:
    scores = {f"u{n}": 3 for n in range(1, 10)} | {"u8": 4, "u3": 1}
    lines = survey.answer_lines({"scores": scores})
    assert (lines[2].code, lines[2].words, lines[2].score) == ("U3", "Tidak cepat", 1)
    assert lines[7].words == "Dikelola dengan baik"


def test_the_apis_refusals_stand_beside_their_elements() -> None:
    refused = ApiRefusal(
        status=422,
        code="validation_failed",
        message="x",
        errors=[
            FieldProblem("scores.u3", "missing", "wajib diisi"),
            FieldProblem("scores.u5", "less_than_equal", "nilai terlalu besar"),
        ],
    )
    errors = {f: survey.unanswered(m) for f, m in formdata.field_errors(refused).items()}
    assert errors == {
        "scores.u3": "pilih salah satu jawaban",
        "scores.u5": "nilainya terlalu besar",
    }
    assert words.problem_text("survey_not_open", "") == (
        "survei kepuasan baru dapat diisi setelah laporan permohonan diarsipkan"
    )
    assert words.field_label("scores.u1") == "U1 Persyaratan"


def test_the_ikm_is_written_with_a_decimal_comma() -> None:
    assert survey.number("81.48") == "81,48"
    assert survey.number(None) == "—"
