"""Person-facing text refuses what hides, reorders or controls it; agencies have one key."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from penghubung.agency import agency_key
from penghubung.text import PersonLine, PersonParagraph, hidden_character
from penghubung.web.errors import field_errors


class Named(BaseModel):
    name: PersonLine
    notes: PersonParagraph = "-"


REFUSED = {
    "right-to-left override": "Libur \u202eharkaJ",
    "left-to-right isolate": "Libur \u2066Jakarta\u2069",
    "right-to-left mark": "Libur\u200f",
    "zero-width space": "Dinas\u200bKesehatan",
    "zero-width joiner": "Dinas\u200d",
    "byte order mark": "\ufeffDinas",
    "soft hyphen": "Ke\u00adsehatan",
    "bell": "Libur\x07",
    "escape (terminal colours)": "Libur \x1b[31mmerah",
    "backspace": "Libur\x08\x08",
    "delete": "Libur\x7f",
    "C1 control": "Libur\x85Daerah",
    "line break in a name": "Libur\nDaerah",
    "line separator": "Libur\u2028Daerah",
    "private use": "Libur\ue000",
}


@pytest.mark.parametrize("kind", REFUSED)
def test_a_hidden_or_control_character_is_refused_naming_the_field(kind: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Named(name=REFUSED[kind])

    [error] = field_errors(list(refused.value.errors()))
    assert (error.field, error.code) == ("name", "hidden_character")
    assert "U+" in error.message
    assert "tidak diizinkan" in error.message


@pytest.mark.parametrize(
    "text",
    [
        "Hari Jadi Provinsi Kepulauan Bangka Belitung",
        "Cuti bersama Idulfitri 1448 H (SK Gubernur No. 003/2026)",
        "Tahun Baru Imlek 2577 — 新年",
        "Dinas Pendidikan & Kebudayaan",
        "Pa'an Ngabehi",
    ],
)
def test_ordinary_names_pass_as_they_are(text: str) -> None:
    assert Named(name=text).name == text


def test_a_paragraph_keeps_line_breaks_and_tabs_but_not_controls() -> None:
    assert Named(name="x", notes="baris satu\r\nbaris dua\n\tindentasi").notes.count("\n") == 2
    with pytest.raises(ValidationError):
        Named(name="x", notes="baris satu\n\u202ebaris dua")
    assert hidden_character("a\nb", paragraph=True) is None
    assert hidden_character("a\nb") == "\n"


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Dinas Kesehatan", "dinas kesehatan"),
        ("  DINAS   kesehatan ", "dinas kesehatan"),
        ("ＤＩＮＡＳ ＫＥＳＥＨＡＴＡＮ", "dinas kesehatan"),  # full-width letters
        ("Dinas\u00a0Kesehatan", "dinas kesehatan"),  # a no-break space
        ("Dinas\u200bKesehatan", "dinaskesehatan"),  # zero-width: no new word, no new agency
        ("Dinas Kesehatan\u202e", "dinas kesehatan"),
        ("Dinas Ｋesehatan", "dinas kesehatan"),
        ("Dinas Kesehatan ﬁ", "dinas kesehatan fi"),  # a ligature
    ],
)
def test_an_agency_has_one_key_whatever_compatibility_letters_it_is_typed_in(
    typed: str, key: str
) -> None:
    assert agency_key(typed) == key
