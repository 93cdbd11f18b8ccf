"""Agencies (OPD) as every service compares them, and the scope an applicant is limited to.

An applicant sees only their own agency's requests — another agency's ticket answers 404,
exactly as an unknown one. Names are compared by `agency_key`, without regard to case or
spacing; the scope of a caller is `penghubung.web.auth.Principal.agency_scope`.
"""

from __future__ import annotations

from penghubung.refusals import Forbidden


def agency_key(name: str) -> str:
    """`"Dinas  kesehatan "` and `"Dinas Kesehatan"` are one agency: `"dinas kesehatan"`."""
    return " ".join(name.split()).casefold()


class AgencyMissing(Forbidden):
    """An applicant's token names no agency: they may see nothing."""

    code = "agency_missing"
    message = "token pemohon tidak memuat perangkat daerah (agency)"
