"""One vocabulary of request states across the services, with the Bahasa label beside it."""

from __future__ import annotations

from penghubung.sop import RequestStatus


def test_every_request_state_has_its_bahasa_label() -> None:
    labels = {status: status.label for status in RequestStatus}
    assert labels[RequestStatus.ASSIGNED] == "Dikerjakan petugas"
    assert len(set(labels.values())) == len(labels)  # no two states read alike
