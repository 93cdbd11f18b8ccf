"""One agency scope for every service: the principal's, compared by one agency key."""

from __future__ import annotations

import pytest

from penghubung.agency import AgencyMissing, agency_key
from penghubung.events import Role
from penghubung.web.auth import Principal


def test_an_applicant_is_limited_to_their_agency_by_its_key() -> None:
    pemohon = Principal(name="Siti", role=Role.PEMOHON, agency="  Dinas   KESEHATAN ")
    assert pemohon.agency_scope() == agency_key("Dinas Kesehatan") == "dinas kesehatan"


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.PEMOHON])
def test_diskominfo_staff_and_auditors_see_every_agency(role: Role) -> None:
    assert Principal(name="Budi", role=role, agency="Dinas Kesehatan").agency_scope() is None


def test_an_applicant_token_without_an_agency_is_refused() -> None:
    with pytest.raises(AgencyMissing) as refused:
        Principal(name="Siti", role=Role.PEMOHON).agency_scope()
    assert (refused.value.kind, refused.value.code) == ("forbidden", "agency_missing")
