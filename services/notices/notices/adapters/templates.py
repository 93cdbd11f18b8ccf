"""The words of the notices: Jinja2 templates in Bahasa Indonesia, which the admin may replace.

The built-in templates are in `notices/templates/` (one `<kind>.txt.j2` per kind of notice, with
`{% set subject = … %}` on top); a file of the same name in PENGHUBUNG_NOTICES_TEMPLATE_DIR
replaces one. A template that is missing a value fails loudly (StrictUndefined), so a broken
override is found at its first notice, not sent half-empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from notices.app.ports import Rendered
from notices.domain.model import Notice, RequestFacts

BUILT_IN = Path(__file__).resolve().parent.parent / "templates"
WIB = ZoneInfo("Asia/Jakarta")
SUBJECT_LIMIT = 200

_DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip


def tanggal(day: date) -> str:
    """A date as people write it: `Senin, 14 Desember 2026`."""
    return f"{_DAYS[day.weekday()]}, {day.day} {_MONTHS[day.month - 1]} {day.year}"


def wib(at: datetime | None) -> str:
    """A moment in WIB: `Jumat, 11 Desember 2026 17.00 WIB`."""
    if at is None:
        return "-"
    local = at.astimezone(WIB)
    return f"{tanggal(local.date())} {local:%H.%M} WIB"


def working_time(seconds: int) -> str:
    """Working seconds as hours and minutes: `2 jam 30 menit kerja`."""
    hours, minutes = divmod(round(seconds / 60), 60)
    parts = [f"{hours} jam"] if hours else []
    if minutes or not hours:
        parts.append(f"{minutes} menit")
    return " ".join(parts) + " kerja"


class Templates:
    """Renders notices from the admin's folder first, then the built-in templates."""

    def __init__(self, *, override: Path | None, portal_url: str) -> None:
        folders = [str(override)] if override is not None else []
        self._env = Environment(
            loader=ChoiceLoader([FileSystemLoader([*folders, str(BUILT_IN)])]),
            undefined=StrictUndefined,
            autoescape=False,  # plain text: e-mail text/plain and WhatsApp
            keep_trailing_newline=True,
        )
        self._env.filters.update(wib=wib, tanggal=tanggal, working_time=working_time)
        self._portal = portal_url.rstrip("/")

    def render(
        self, notice: Notice, *, facts: RequestFacts | None, raised_at: datetime
    ) -> Rendered:
        """The notice's subject and text, with the ticket, the step, the clock and the link."""
        template = self._env.get_template(f"{notice.kind}.txt.j2")
        module = template.make_module(dict(self.context(notice, facts=facts, raised_at=raised_at)))
        subject = " ".join(str(getattr(module, "subject", notice.kind)).split())
        return Rendered(subject=subject[:SUBJECT_LIMIT], body=str(module).strip() + "\n")

    def context(
        self, notice: Notice, *, facts: RequestFacts | None, raised_at: datetime
    ) -> Mapping[str, Any]:
        """What every template may use, then what this kind of notice adds."""
        ticket = notice.ticket_id
        base: dict[str, Any] = {
            "recipient": notice.recipient.name,
            "raised_at": raised_at,
            "portal_url": self._portal,
            "notifications_link": f"{self._portal}/notifikasi",
            "link": f"{self._portal}/permohonan/{ticket}" if ticket else self._portal,
        }
        if facts is not None:
            base |= {
                "ticket": facts.ticket_id,
                "agency": facts.agency,
                "application": facts.application_name,
                "since": facts.since,
                "berita_acara_at": facts.berita_acara_at,
            }
        return base | dict(notice.context)
