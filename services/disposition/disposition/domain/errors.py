"""Why disposition refuses a command: a stable code for programs, Bahasa Indonesia for people."""

from __future__ import annotations

from collections.abc import Iterable

from penghubung.events.base import Role
from penghubung.forms import DocumentKind


class DispositionError(Exception):
    """A command the rules refuse; `code` is for programs, `message` for people."""

    code = "disposition_refused"
    field: str | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(DispositionError):
    """The request is not known to disposition (never submitted, or not yet arrived)."""


class ForbiddenError(DispositionError):
    """The caller's role never does this."""


class ConflictError(DispositionError):
    """The command comes at the wrong moment of the chain, or lost a race."""


class InvalidCommand(DispositionError):
    """A value of the command is wrong by the rules (not by its shape)."""


# --- not found ------------------------------------------------------------------------------


class RequestNotFound(NotFoundError):
    """No request with this ticket has reached disposition."""

    code = "request_not_found"

    def __init__(self, ticket_id: str) -> None:
        super().__init__(f"permohonan {ticket_id} tidak ditemukan")


# --- forbidden ------------------------------------------------------------------------------


class RoleCannotAct(ForbiddenError):
    """Only kadis, kabid and prakom dispose or return a request."""

    code = "role_not_allowed"

    def __init__(self, role: Role, action: str) -> None:
        super().__init__(f"peran {role.value} tidak berwenang {action} permohonan")


class StandInNotInToken(ForbiddenError):
    """A body claims a Plt/Plh the caller's token does not carry."""

    code = "stand_in_not_in_token"
    field = "on_behalf_of"

    def __init__(self) -> None:
        super().__init__(
            "Plt/Plh hanya diakui dari token penugasan yang diterbitkan direktori; minta token"
            " untuk penugasan tersebut"
        )


class DelegationEnded(ForbiddenError):
    """The token names a delegation the directory has since ended."""

    code = "delegation_inactive"
    field = "delegation"

    def __init__(self) -> None:
        super().__init__("penugasan Plt/Plh pada token ini sudah diakhiri")


# --- conflicts ------------------------------------------------------------------------------


class OutOfOrder(ConflictError):
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


class AwaitingResubmission(ConflictError):
    """The request was returned to the applicant; it waits for the resubmission."""

    code = "request_returned"

    def __init__(self, ticket_id: str) -> None:
        super().__init__(
            f"permohonan {ticket_id} telah dikembalikan kepada pemohon dan menunggu pengajuan ulang"
        )


class DispositionComplete(ConflictError):
    """The prakom has ordered a petugas: the chain is done, the work is integration's."""

    code = "disposition_complete"

    def __init__(self, ticket_id: str) -> None:
        super().__init__(
            f"permohonan {ticket_id} sudah diperintahkan kepada petugas service desk;"
            " disposisi telah selesai"
        )


class IdempotencyKeyReused(ConflictError):
    """An Idempotency-Key already recorded another kind of action on this request."""

    code = "idempotency_key_reused"

    def __init__(self, ticket_id: str) -> None:
        super().__init__(
            f"Idempotency-Key ini sudah dipakai untuk tindakan lain pada permohonan {ticket_id}"
        )


# --- invalid --------------------------------------------------------------------------------


def _names(documents: Iterable[DocumentKind]) -> str:
    return ", ".join(sorted(d.value for d in documents))


class DocumentsMissing(InvalidCommand):
    """A step lacks papers the SOP's kelengkapan column asks for."""

    code = "documents_missing"
    field = "documents"

    def __init__(self, missing: Iterable[DocumentKind]) -> None:
        self.missing = tuple(sorted(missing))
        super().__init__(f"kelengkapan belum lengkap, belum ada: {_names(self.missing)}")


class DocumentsNotYetMade(InvalidCommand):
    """A step states papers that cannot exist yet (a later level's disposition)."""

    code = "documents_not_yet_made"
    field = "documents"

    def __init__(self, extra: Iterable[DocumentKind]) -> None:
        self.extra = tuple(sorted(extra))
        super().__init__(f"dokumen ini belum ada pada tahap ini: {_names(self.extra)}")


class OfficerRequired(InvalidCommand):
    """The prakom's order names the petugas who will do the work."""

    code = "officer_required"
    field = "to_officer"

    def __init__(self) -> None:
        super().__init__("petugas service desk yang diperintah wajib disebut (nip dan nama)")


class OfficerNotExpected(InvalidCommand):
    """Only the prakom's order names an officer; kadis and kabid dispose to a role."""

    code = "officer_not_expected"
    field = "to_officer"

    def __init__(self) -> None:
        super().__init__("petugas hanya disebut pada perintah prakom kepada petugas service desk")


class NotAssigned(ConflictError):
    """Only work ordered to a petugas, and not finished, can move to another."""

    code = "not_assigned"

    def __init__(self, ticket_id: str) -> None:
        super().__init__(f"permohonan {ticket_id} belum atau tidak lagi ditangani petugas")


class SameOfficer(InvalidCommand):
    """The work already is with this petugas."""

    code = "same_officer"
    field = "to_officer.nip"

    def __init__(self) -> None:
        super().__init__("pekerjaan ini sudah berada pada petugas tersebut")


class OfficerNotPetugas(InvalidCommand):
    """The NIP ordered is not an active petugas of the directory."""

    code = "officer_not_petugas"
    field = "to_officer.nip"

    def __init__(self, nip: str) -> None:
        super().__init__(f"NIP {nip} bukan petugas service desk yang aktif di direktori")


class StandInKindMissing(InvalidCommand):
    """Someone acts for the role holder, but not as what: Plt or Plh."""

    code = "stand_in_kind_required"
    field = "stand_in"

    def __init__(self) -> None:
        super().__init__("sebutkan kedudukan pelaksana: plt atau plh")


class StandInUnnamed(InvalidCommand):
    """A Plt/Plh is stated, but not whom they act for."""

    code = "stand_in_unnamed"
    field = "on_behalf_of"

    def __init__(self) -> None:
        super().__init__("sebutkan pejabat yang diwakili pelaksana (nip dan nama)")


class StandInConflict(InvalidCommand):
    """The body names another role holder, or another kind, than the caller's token does."""

    code = "stand_in_conflict"
    field = "on_behalf_of"

    def __init__(self, field: str = "on_behalf_of") -> None:
        super().__init__(
            "Plt/Plh atau pejabat yang diwakili berbeda dengan yang tercantum pada token"
        )
        self.field = field


class StandInForSelf(InvalidCommand):
    """A stand-in acts for someone else, never for themself."""

    code = "stand_in_self"
    field = "on_behalf_of"

    def __init__(self) -> None:
        super().__init__("pelaksana tidak dapat mewakili dirinya sendiri")
