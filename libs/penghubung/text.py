"""Text that people type and other people read: no hidden characters, and one key per agency.

A name with a right-to-left override (U+202E) reads backwards in a staff inbox; a zero-width
space makes two names that look the same differ; a control character (a bell, an escape, a
backspace) rewrites what a terminal or a log viewer shows. None of them belongs in a name, a
reason or a note, so a person-facing field refuses them with a 422 naming the field (code
`hidden_character`, the character's code point in the message). Line breaks and tabs are
allowed in paragraphs only.

Agency names are compared by `agency_key`: Unicode NFKC (full-width and other compatibility
letters fold to their plain form), spacing collapsed, case folded — so `ＤＩＮＡＳ` and
`Dinas` are one agency, and a look-alike typed in compatibility characters can neither make a
new agency nor hide an existing one.

This module imports only the standard library and pydantic, so `domain/` packages may use it.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Marks, embeddings, overrides and isolates that change the direction text is shown in."""

_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u180e\u00ad\u034f")
"""Characters that take no space: two strings that look alike differ by them."""

_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
"""Control, format, surrogate and private-use characters, line and paragraph separators."""

_PARAGRAPH_WHITESPACE = frozenset("\n\r\t")


class HiddenCharacter(ValueError):
    """A person-facing text holds a character that hides, reorders or controls what is shown."""

    code = "hidden_character"

    def __init__(self, char: str) -> None:
        self.char = char
        point = f"U+{ord(char):04X}"
        kind = _kind(char)
        super().__init__(f"teks memuat karakter {kind} ({point}) yang tidak diizinkan")


def _kind(char: str) -> str:
    if char in _BIDI:
        return "pengubah arah teks"
    if char in _ZERO_WIDTH:
        return "tak terlihat (lebar nol)"
    return "kendali"


def hidden_character(value: str, *, paragraph: bool = False) -> str | None:
    """The first character of `value` a person must not be shown, if any."""
    for char in value:
        if paragraph and char in _PARAGRAPH_WHITESPACE:
            continue
        if char in _BIDI or char in _ZERO_WIDTH:
            return char
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            return char
    return None


def check_line(value: str) -> str:
    """Refuse hidden, direction-changing and control characters (line breaks too)."""
    found = hidden_character(value)
    if found is not None:
        raise HiddenCharacter(found)
    return value


def check_paragraph(value: str) -> str:
    """Refuse hidden, direction-changing and control characters; keep line breaks and tabs."""
    found = hidden_character(value, paragraph=True)
    if found is not None:
        raise HiddenCharacter(found)
    return value


PersonLine = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(check_line),
]
"""A short non-empty line people read: a name, a title, a reason."""

PersonParagraph = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=5000),
    AfterValidator(check_paragraph),
]
"""A non-empty paragraph people read: notes, an instruction, a description."""


TAKES_NO_SPACE = _ZERO_WIDTH | _BIDI
"""Characters that show nothing: dropped from a name before it is compared."""
