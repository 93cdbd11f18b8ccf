"""A refused choice names the choices, a crossed bound names the bound (issue: refusals that
do not say what is allowed)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

import pytest
from pydantic import BaseModel, Field, ValidationError

from penghubung.web.errors import field_errors


class Impact(StrEnum):
    LOW = "rendah"
    MEDIUM = "sedang"
    HIGH = "tinggi"


class Form(BaseModel):
    impact: Impact = Impact.LOW
    channel: Literal["portal", "email"] = "portal"
    limit: int = Field(default=1, ge=1, le=100)
    amount: float = Field(default=1, le=2.5)
    name: str = Field(default="ab", min_length=2, max_length=5)
    items: list[int] = Field(default_factory=list, max_length=2)
    budget: int = Field(default=0, le=1_000_000)


def _refusal(**values: object) -> dict[str, object]:
    with pytest.raises(ValidationError) as caught:
        Form.model_validate(values)
    (only,) = field_errors(list(caught.value.errors()))
    return only.model_dump()


def test_an_enum_refusal_lists_the_choices() -> None:
    refusal = _refusal(impact="TINGGI")
    assert refusal["allowed"] == ["rendah", "sedang", "tinggi"]
    assert refusal["message"] == (
        "nilai tidak termasuk pilihan yang diizinkan; pilihan: rendah, sedang atau tinggi"
    )


def test_a_literal_refusal_lists_the_choices() -> None:
    assert _refusal(channel="fax")["allowed"] == ["portal", "email"]


@pytest.mark.parametrize(
    ("values", "limit", "message"),
    [
        ({"limit": 500}, 100, "nilai terlalu besar; paling besar 100"),
        ({"limit": 0}, 1, "nilai terlalu kecil; paling kecil 1"),
        ({"amount": 3}, 2.5, "nilai terlalu besar; paling besar 2,5"),
        ({"name": "abcdefgh"}, 5, "terlalu panjang; paling banyak 5 karakter"),
        ({"name": "a"}, 2, "terlalu pendek; paling sedikit 2 karakter"),
        ({"items": [1, 2, 3]}, 2, "jumlah isian terlalu banyak; paling banyak 2 isian"),
        ({"budget": 2_000_000}, 1_000_000, "nilai terlalu besar; paling besar 1.000.000"),
    ],
)
def test_a_bound_refusal_names_the_bound(
    values: dict[str, object], limit: float, message: str
) -> None:
    refusal = _refusal(**values)
    assert refusal["limit"] == limit
    assert refusal["message"] == message


def test_other_refusals_carry_neither() -> None:
    refusal = _refusal(limit="banyak")
    assert refusal["allowed"] is None
    assert refusal["limit"] is None
