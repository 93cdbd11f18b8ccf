"""The Indeks Kepuasan Masyarakat (IKM) of a month, from its survey answers (PermenPANRB No. 14
Tahun 2017).

Per element, the average score (nilai rata-rata, NRR) is the sum of its scores over the number of
respondents. Each of the nine elements weighs the same, 1/9, so the IKM is the weighted sum of
the NRRs times 25, which takes the scale 1–4 to 25–100:

    NRR(Ui) = Σ scores of Ui / respondents
    IKM     = Σ NRR(Ui) × 1/9 × 25

The arithmetic is exact (fractions); the figures are rounded half up to two decimals only when
shown, and the class (mutu pelayanan) is read from the IKM as shown, on the regulation's
conversion interval: A Sangat Baik 88,31–100; B Baik 76,61–88,30; C Kurang Baik 65,00–76,60;
D Tidak Baik 25,00–64,99.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from penghubung.events.survey import SurveyScores
from penghubung.skm import Element, Quality

WEIGHT = Fraction(1, len(Element))
"""Every element weighs the same: 1/9."""

SCALE = 25
"""From the average score (1–4) to the index (25–100)."""

QUALITY_FLOORS: tuple[tuple[Decimal, Quality], ...] = (
    (Decimal("88.31"), Quality.A),
    (Decimal("76.61"), Quality.B),
    (Decimal("65.00"), Quality.C),
    (Decimal("25.00"), Quality.D),
)
"""The lowest IKM of each class, best first."""


@dataclass(frozen=True)
class ElementFigure:
    """One element's figures in a month."""

    element: Element
    respondents: int
    total: int
    """The sum of its scores."""
    nrr: Fraction | None
    """The average score, 1–4; None without respondents."""

    @property
    def weighted(self) -> Fraction | None:
        """NRR × 1/9: its share of the index before scaling."""
        return None if self.nrr is None else self.nrr * WEIGHT


@dataclass(frozen=True)
class Ikm:
    """The month's index: per element, and overall with its class."""

    respondents: int
    elements: tuple[ElementFigure, ...]
    value: Fraction | None
    """Σ NRR × 1/9 × 25, exact; None without respondents."""

    @property
    def shown(self) -> Decimal | None:
        """The index as shown: two decimals, rounded half up."""
        return None if self.value is None else rounded(self.value)

    @property
    def quality(self) -> Quality | None:
        """Mutu pelayanan of the index as shown."""
        shown = self.shown
        return None if shown is None else quality_of(shown)


def ikm(answers: Iterable[SurveyScores]) -> Ikm:
    """The IKM of the given answers (one per respondent)."""
    kept = list(answers)
    count = len(kept)
    figures = tuple(_figure(element, kept) for element in Element)
    if not count:
        return Ikm(respondents=0, elements=figures, value=None)
    weighted = sum((f.weighted for f in figures if f.weighted is not None), Fraction(0))
    return Ikm(respondents=count, elements=figures, value=weighted * SCALE)


def quality_of(index: Decimal) -> Quality:
    """The class of an IKM of two decimals (25,00–100,00)."""
    for floor, quality in QUALITY_FLOORS:
        if index >= floor:
            return quality
    return Quality.D


def rounded(value: Fraction, *, places: int = 2) -> Decimal:
    """A figure as shown: two decimals (or `places`), half up (2200/27 → 81,48)."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _figure(element: Element, answers: list[SurveyScores]) -> ElementFigure:
    total = sum(a.of(element) for a in answers)
    nrr = Fraction(total, len(answers)) if answers else None
    return ElementFigure(element=element, respondents=len(answers), total=total, nrr=nrr)
