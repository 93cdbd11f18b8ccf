"""What each document shows, exactly: one frozen pydantic model per paper.

The models hold the facts as people read them (names, numbers, dates in WIB); the words a date
is spelled in are computed here (`words.py`), so a template only lays out.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, computed_field

from reporting.documents.words import date_words, long_date, numeric_date


class _Shown(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Office(_Shown):
    """The office whose heading tops every page."""

    government: str = Field(
        default="Pemerintah Provinsi Kepulauan Bangka Belitung", description="The government"
    )
    name: str = Field(
        default="Dinas Komunikasi dan Informatika", description="The office, as its heading says"
    )
    name_short: str = Field(default="Diskominfo Provinsi Kepulauan Bangka Belitung")
    address: str = Field(
        default="Jalan Pulau Lepar Komplek Perkantoran dan Pemukiman Terpadu Pemerintah Provinsi"
        " Kepulauan Bangka Belitung, Air Itam, Pangkalpinang 33149"
    )
    contact: str = Field(
        default="Telepon 0717 – 426 2141 · Faksimile 0717 – 426 2143 · kominfo.babelprov.go.id"
        " · kominfo@babelprov.go.id"
    )
    city: str = Field(default="Pangkalpinang", description="Where the papers are signed")


class Party(_Shown):
    """A person who signs: name, NIP, position and unit."""

    name: str = Field(description="Full name")
    nip: str = Field(description="NIP, 18 digits")
    position: str = Field(description="Position (Jabatan)")
    unit: str = Field(description="Work unit or agency (Unit)")


class Document(_Shown):
    """What every paper has: the kind, its ticket (if any) and the day it is dated."""

    kind: ClassVar[str]
    template: ClassVar[str]
    title: ClassVar[str]

    dated: date = Field(description="The day the document is dated (WIB)")
    office: Office = Field(default_factory=Office, description="The office's heading")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def place_and_date(self) -> str:
        """ "Pangkalpinang, 7 Desember 2026" above the signatures."""
        return f"{self.office.city}, {long_date(self.dated)}"

    def subject(self) -> str | None:
        """The ticket the document belongs to (None for a register or a monthly report)."""
        return None


class BeritaAcara(Document):
    """The Berita Acara of a finished integration, signed by both parties."""

    kind: ClassVar[str] = "berita-acara"
    template: ClassVar[str] = "berita_acara.typ"
    title: ClassVar[str] = "Berita Acara Penggunaan Sistem Penghubung Layanan Pemerintah Daerah"

    number: str = Field(description="NNN/BA-LIA/SC-05/DISKOMINFO/YYYY")
    ticket_id: str = Field(description="The request's ticket")
    application_name: str = Field(description="The application that was connected")
    mechanism: str = Field(description="The mechanism in words: GSB, API or the other one")
    first_party: Party = Field(description="PIHAK PERTAMA: the Diskominfo official")
    second_party: Party = Field(description="PIHAK KEDUA: the agency's applicant")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def date_in_words(self) -> str:
        """ "Senin tanggal tujuh bulan Desember tahun dua ribu dua puluh enam"."""
        return date_words(self.dated)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def date_in_figures(self) -> str:
        """ "07-12-2026"."""
        return numeric_date(self.dated)

    def subject(self) -> str | None:
        """The ticket."""
        return self.ticket_id
