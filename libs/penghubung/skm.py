"""The Survei Kepuasan Masyarakat (SKM) of PermenPANRB No. 14 Tahun 2017: its nine elements, the
questionnaire's question and four answers of each, and the classes of service quality.

One vocabulary for the event, reporting's rules and figures, and the portal's form. Each element
is scored 1 to 4, the answers in the order of their score: the first answer is 1, the last 4.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["ELEMENTS", "SCORES", "Element", "ElementWords", "Quality"]

SCORES = range(1, 5)
"""The scores an answer may take: 1 (worst) to 4 (best)."""


class Element(StrEnum):
    """The nine elements (unsur) of the survey, U1 to U9, by their field names."""

    U1 = "u1"
    U2 = "u2"
    U3 = "u3"
    U4 = "u4"
    U5 = "u5"
    U6 = "u6"
    U7 = "u7"
    U8 = "u8"
    U9 = "u9"

    @property
    def words(self) -> ElementWords:
        """The element's name, question and answers, as the questionnaire has them."""
        return ELEMENTS[self]


@dataclass(frozen=True)
class ElementWords:
    """One element as people read it."""

    code: str
    """U1 … U9."""
    name: str
    question: str
    answers: tuple[str, str, str, str]
    """The answers scored 1, 2, 3 and 4."""


ELEMENTS: dict[Element, ElementWords] = {
    Element.U1: ElementWords(
        "U1",
        "Persyaratan",
        "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis"
        " pelayanannya?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    ),
    Element.U2: ElementWords(
        "U2",
        "Sistem, mekanisme, dan prosedur",
        "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
        ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
    ),
    Element.U3: ElementWords(
        "U3",
        "Waktu penyelesaian",
        "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
        ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
    ),
    Element.U4: ElementWords(
        "U4",
        "Biaya/tarif",
        "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
        ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
    ),
    Element.U5: ElementWords(
        "U5",
        "Produk spesifikasi jenis pelayanan",
        "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum"
        " dalam standar pelayanan dengan hasil yang diberikan?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    ),
    Element.U6: ElementWords(
        "U6",
        "Kompetensi pelaksana",
        "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
        ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
    ),
    Element.U7: ElementWords(
        "U7",
        "Perilaku pelaksana",
        "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan"
        " dan keramahan?",
        (
            "Tidak sopan dan ramah",
            "Kurang sopan dan ramah",
            "Sopan dan ramah",
            "Sangat sopan dan ramah",
        ),
    ),
    Element.U8: ElementWords(
        "U8",
        "Penanganan pengaduan, saran dan masukan",
        "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
        (
            "Tidak ada",
            "Ada tetapi tidak berfungsi",
            "Berfungsi kurang maksimal",
            "Dikelola dengan baik",
        ),
    ),
    Element.U9: ElementWords(
        "U9",
        "Sarana dan prasarana",
        "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
        ("Buruk", "Cukup", "Baik", "Sangat baik"),
    ),
}
"""The questionnaire of the regulation's annex, element by element."""


class Quality(StrEnum):
    """Mutu pelayanan: the class of an IKM figure (the regulation's conversion interval)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"

    @property
    def label(self) -> str:
        """Kinerja unit pelayanan in words: Sangat Baik, Baik, Kurang Baik, Tidak Baik."""
        return _QUALITY[self]


_QUALITY = {
    Quality.A: "Sangat Baik",
    Quality.B: "Baik",
    Quality.C: "Kurang Baik",
    Quality.D: "Tidak Baik",
}
