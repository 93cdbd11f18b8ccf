"""The IKM arithmetic of PermenPANRB No. 14 Tahun 2017, by hand."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from penghubung.events.survey import SurveyScores
from penghubung.skm import Element, Quality
from reporting.domain.ikm import ikm, quality_of


def answer(*scores: int) -> SurveyScores:
    return SurveyScores.model_validate({e.value: s for e, s in zip(Element, scores, strict=True)})


def test_three_respondents_by_hand() -> None:
    # U1..U9 of three respondents:
    #   R1  4 4 3 4 3 3 4 2 3
    #   R2  3 3 2 4 3 3 3 3 3
    #   R3  4 3 3 4 4 4 4 3 2
    #   Σ  11 10 8 12 10 10 11 8 8      (88 in all)
    # NRR = Σ / 3: 3.667 3.333 2.667 4.000 3.333 3.333 3.667 2.667 2.667
    # Σ NRR × 1/9 = 88/27 = 3.259; × 25 = 2200/27 = 81.481… → 81.48, class B (Baik):
    # 76.61 ≤ 81.48 ≤ 88.30.
    figures = ikm(
        [
            answer(4, 4, 3, 4, 3, 3, 4, 2, 3),
            answer(3, 3, 2, 4, 3, 3, 3, 3, 3),
            answer(4, 3, 3, 4, 4, 4, 4, 3, 2),
        ]
    )
    assert figures.respondents == 3
    assert [f.total for f in figures.elements] == [11, 10, 8, 12, 10, 10, 11, 8, 8]
    assert [f.respondents for f in figures.elements] == [3] * 9
    assert figures.elements[0].nrr == Fraction(11, 3)
    assert figures.elements[3].nrr == 4
    assert figures.elements[0].weighted == Fraction(11, 27)
    assert figures.value == Fraction(2200, 27)
    assert figures.shown == Decimal("81.48")
    assert figures.quality is Quality.B
    assert figures.quality.label == "Baik"


def test_every_best_answer_is_100_and_every_worst_25() -> None:
    best, worst = ikm([answer(*[4] * 9)]), ikm([answer(*[1] * 9)])
    assert (best.shown, best.quality) == (Decimal("100.00"), Quality.A)
    assert (worst.shown, worst.quality) == (Decimal("25.00"), Quality.D)


def test_a_month_without_answers_has_no_index() -> None:
    figures = ikm([])
    assert figures.respondents == 0
    assert figures.value is None
    assert figures.shown is None
    assert figures.quality is None
    assert all(f.nrr is None for f in figures.elements)


def test_the_index_is_rounded_half_up_before_it_is_classed() -> None:
    # one respondent: Σ scores / 9 × 25; 28 → 77.777… → 77.78 (B); 25 → 69.444… → 69.44 (C)
    assert ikm([answer(4, 4, 3, 3, 3, 3, 3, 3, 2)]).shown == Decimal("77.78")
    assert ikm([answer(3, 3, 3, 3, 3, 3, 3, 2, 2)]).quality is Quality.C


@pytest.mark.parametrize(
    ("index", "quality"),
    [
        ("100.00", Quality.A),
        ("88.31", Quality.A),
        ("88.30", Quality.B),
        ("76.61", Quality.B),
        ("76.60", Quality.C),
        ("65.00", Quality.C),
        ("64.99", Quality.D),
        ("25.00", Quality.D),
    ],
)
def test_the_classes_of_the_conversion_interval(index: str, quality: Quality) -> None:
    assert quality_of(Decimal(index)) is quality
