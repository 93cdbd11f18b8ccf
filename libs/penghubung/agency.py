"""Agencies (OPD) as every service compares them, and the scope an applicant is limited to.

An applicant sees only their own agency's requests — another agency's ticket answers 404,
exactly as an unknown one. Names are compared by `agency_key`, without regard to case, spacing or
compatibility forms (NFKC); the scope of a caller is `penghubung.web.auth.Principal.agency_scope`.
"""

from __future__ import annotations

import unicodedata

from penghubung.refusals import Forbidden
from penghubung.text import TAKES_NO_SPACE


def agency_key(name: str) -> str:
    """The one key of an agency's name: NFKC, spacing collapsed, case folded.

    `"Dinas  kesehatan "`, `"Dinas Kesehatan"` and `"ＤＩＮＡＳ ＫＥＳＥＨＡＴＡＮ"` are one agency:
    `"dinas kesehatan"`, so look-alike compatibility letters neither make nor hide an agency.
    Characters that take no space are dropped before comparing.
    """
    folded = unicodedata.normalize("NFKC", name)
    visible = "".join(c for c in folded if c not in TAKES_NO_SPACE)
    return unicodedata.normalize("NFKC", " ".join(visible.split()).casefold())


class AgencyMissing(Forbidden):
    """An applicant's token names no agency: they may see nothing."""

    code = "agency_missing"
    message = "token pemohon tidak memuat perangkat daerah (agency)"
