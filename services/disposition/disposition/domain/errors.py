"""Why disposition refuses a command: each case a kind of `penghubung.refusals`, named once."""

from __future__ import annotations

from collections.abc import Iterable

from penghubung.events.base import Role
from penghubung.refusals import Conflict, Forbidden, Invalid, NotFound
from penghubung.sop import DocumentKind

# --- not found ------------------------------------------------------------------------------


class RequestNotFound(NotFound):
    """No request with this ticket has reached disposition."""

    code = "request_not_found"

    def __init__(self, ticket_id: str) -> None:
        super().__init__(f"permohonan {ticket_id} tidak ditemukan")


# --- forbidden ------------------------------------------------------------------------------


class RoleCannotAct(Forbidden):
    """Only kadis, kabid and prakom dispose or return a request."""

    code = "role_not_allowed"

    def __init__(self, role: Role, action: str) -> None:
        super().__init__(f"peran {role.value} tidak berwenang {action} permohonan")


class StandInNotInToken(Forbidden):
    """A body claims a Plt/Plh the caller's token does not carry."""

    code = "stand_in_not_in_token"
    field = "on_behalf_of"

    def __init__(self) -> None:
        super().__init__(
            "Plt/Plh hanya diakui dari token penugasan yang diterbitkan direktori; minta token"
            " untuk penugasan tersebut"
        )


class DelegationEnded(Forbidden):
    """The token names a delegation the directory has since ended."""

    code = "delegation_inactive"
    field = "delegation"

    def __init__(self) -> None:
        super().__init__("penugasan Plt/Plh pada token ini sudah diakhiri")


# --- conflicts ------------------------------------------------------------------------------


class OutOfOrder(Conflict):
    """It is not the caller's turn, or the disposition skips a level of the chain."""

    code = "out_of_order"


class NotYourTurn(OutOfOrder):
    """The request is with another role of the chain."""

    def __init__(self, ticket_id: str, *, role: Role, holder: Role) -> None:
        super().__init__(
            f"bukan giliran {role.value}: permohonan {ticket_id} sedang berada pada {holder.value}"
        )


class SkipsALevel(OutOfOrder):
    """A disposition goes one level down only: kadis→kabid, kabid→prakom, prakom→petugas."""

    def __init__(self, *, role: Role, expected: Role, asked: Role) -> None:
        super().__init__(
            f"disposisi dari {role.value} harus kepada {expected.value}, bukan {asked.value}"
        )


class AwaitingResubmission(Conflict):
    """The request was returned to the applicant; it waits for the resubmission."""

    code = "request_returned"

    def __init__(self, ticket_id: str) -> None:
        super().__init__(
            f"permohonan {ticket_id} telah dikembalikan kepada pemohon dan menunggu pengajuan ulang"
        )


class DispositionComplete(Conflict):
    """The prakom has ordered a petugas: the chain is done, the work is integration's."""

    code = "disposition_complete"

    def __init__(self, ticket_id: str) -> None:
        super().__init__(
            f"permohonan {ticket_id} sudah diperintahkan kepada petugas service desk;"
            " disposisi telah selesai"
        )


# --- invalid --------------------------------------------------------------------------------


def _names(documents: Iterable[DocumentKind]) -> str:
    return ", ".join(sorted(d.value for d in documents))


class DocumentsMissing(Invalid):
    """A step lacks papers the SOP's kelengkapan column asks for."""

    code = "documents_missing"
    field = "documents"

    def __init__(self, missing: Iterable[DocumentKind]) -> None:
        self.missing = tuple(sorted(missing))
        super().__init__(f"kelengkapan belum lengkap, belum ada: {_names(self.missing)}")


class DocumentsNotYetMade(Invalid):
    """A step states papers that cannot exist yet (a later level's disposition)."""

    code = "documents_not_yet_made"
    field = "documents"

    def __init__(self, extra: Iterable[DocumentKind]) -> None:
        self.extra = tuple(sorted(extra))
        super().__init__(f"dokumen ini belum ada pada tahap ini: {_names(self.extra)}")


class OfficerRequired(Invalid):
    """The prakom's order names the petugas who will do the work."""

    code = "officer_required"
    field = "to_officer"

    def __init__(self) -> None:
        super().__init__("petugas service desk yang diperintah wajib disebut (nip dan nama)")


class OfficerNotExpected(Invalid):
    """Only the prakom's order names an officer; kadis and kabid dispose to a role."""

    code = "officer_not_expected"
    field = "to_officer"

    def __init__(self) -> None:
        super().__init__("petugas hanya disebut pada perintah prakom kepada petugas service desk")


class NotAssigned(Conflict):
    """Only work ordered to a petugas, and not finished, can move to another."""

    code = "not_assigned"

    def __init__(self, ticket_id: str) -> None:
        super().__init__(f"permohonan {ticket_id} belum atau tidak lagi ditangani petugas")


class SameOfficer(Invalid):
    """The work already is with this petugas."""

    code = "same_officer"
    field = "to_officer.nip"

    def __init__(self) -> None:
        super().__init__("pekerjaan ini sudah berada pada petugas tersebut")


class OfficerNotPetugas(Invalid):
    """The NIP ordered is not an active petugas of the directory."""

    code = "officer_not_petugas"
    field = "to_officer.nip"

    def __init__(self, nip: str) -> None:
        super().__init__(f"NIP {nip} bukan petugas service desk yang aktif di direktori")


class StandInKindMissing(Invalid):
    """Someone acts for the role holder, but not as what: Plt or Plh."""

    code = "stand_in_kind_required"
    field = "stand_in"

    def __init__(self) -> None:
        super().__init__("sebutkan kedudukan pelaksana: plt atau plh")


class StandInUnnamed(Invalid):
    """A Plt/Plh is stated, but not whom they act for."""

    code = "stand_in_unnamed"
    field = "on_behalf_of"

    def __init__(self) -> None:
        super().__init__("sebutkan pejabat yang diwakili pelaksana (nip dan nama)")


class StandInConflict(Invalid):
    """The body names another role holder, or another kind, than the caller's token does."""

    code = "stand_in_conflict"
    field = "on_behalf_of"

    def __init__(self, field: str = "on_behalf_of") -> None:
        super().__init__(
            "Plt/Plh atau pejabat yang diwakili berbeda dengan yang tercantum pada token"
        )
        self.field = field


class StandInForSelf(Invalid):
    """A stand-in acts for someone else, never for themself."""

    code = "stand_in_self"
    field = "on_behalf_of"

    def __init__(self) -> None:
        super().__init__("pelaksana tidak dapat mewakili dirinya sendiri")
