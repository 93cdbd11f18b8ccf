"""Why the directory refuses: one named case per refusal, in Bahasa Indonesia for people."""

from __future__ import annotations

from penghubung.refusals import Conflict, Forbidden, Invalid, NotFound, TooMany, Unauthenticated


class CredentialsInvalid(Unauthenticated):
    """Unknown NIP or wrong password: the same answer for both."""

    code = "credentials_invalid"
    message = "NIP atau kata sandi salah"


class SessionInvalid(Unauthenticated):
    """No session, an ended one, or an expired one."""

    code = "session_invalid"
    message = "sesi tidak valid atau sudah berakhir; silakan masuk kembali"


class SignInThrottled(TooMany):
    """Too many failed sign-ins for the account or from the address."""

    code = "sign_in_throttled"
    message = "terlalu banyak percobaan masuk yang gagal; coba lagi nanti"


class PasswordWeak(Invalid):
    """A new password that does not meet the rules."""

    code = "password_weak"
    message = "kata sandi minimal 10 karakter, memuat huruf dan angka, dan tidak memuat NIP"
    field = "new_password"


class PasswordChangeRequired(Forbidden):
    """The password the admin set must be changed before any token is issued."""

    code = "password_change_required"
    message = "kata sandi awal harus diganti sebelum melanjutkan"


class RoleNotHeld(Forbidden):
    """A token asked for a role the person does not hold."""

    code = "role_not_held"
    message = "Anda tidak memegang peran ini"


class DelegationInactive(Forbidden):
    """A token asked for a delegation that is not the person's, not begun, over, or ended."""

    code = "delegation_inactive"
    message = "penugasan Plt/Plh ini tidak berlaku hari ini"


class AgencyExists(Conflict):
    """An agency with this code is already registered."""

    code = "agency_exists"
    message = "kode perangkat daerah sudah terdaftar"
    field = "code"


class AgencyUnknown(Invalid):
    """An agency code the directory does not know."""

    code = "agency_unknown"
    message = "perangkat daerah tidak terdaftar"
    field = "agency"


class PersonExists(Conflict):
    """A person with this NIP is already registered."""

    code = "person_exists"
    message = "NIP sudah terdaftar"
    field = "nip"


class PersonNotFound(NotFound):
    """No person with this NIP."""

    code = "person_not_found"
    message = "pegawai dengan NIP ini tidak ditemukan"


class RoleAlreadyHeld(Conflict):
    """A role the person already holds."""

    code = "role_already_held"
    message = "pegawai sudah memegang peran ini"
    field = "role"


class RoleNotGrantable(Invalid):
    """The system role is no one's."""

    code = "role_not_grantable"
    message = "peran ini tidak dapat diberikan kepada pegawai"
    field = "role"


class RoleNotRevocable(NotFound):
    """A role the person does not hold."""

    code = "role_not_held"
    message = "pegawai tidak memegang peran ini"


class DelegationNotFound(NotFound):
    """No delegation with this id."""

    code = "delegation_not_found"
    message = "penugasan Plt/Plh tidak ditemukan"


class DelegationAlreadyEnded(Conflict):
    """A delegation that is already over."""

    code = "delegation_already_ended"
    message = "penugasan Plt/Plh ini sudah berakhir"


class DelegationDates(Invalid):
    """The last day comes before the first."""

    code = "delegation_dates"
    message = "tanggal akhir tidak boleh sebelum tanggal mulai"
    field = "ends_on"


class HolderLacksPosition(Invalid):
    """The named holder does not hold the position."""

    code = "holder_lacks_position"
    message = "pejabat definitif tidak memegang jabatan ini"
    field = "holder_nip"


class DelegateUnknown(Invalid):
    """The stand-in is not an active person of the directory."""

    code = "delegate_unknown"
    message = "pelaksana Plt/Plh tidak terdaftar atau tidak aktif"
    field = "delegate_nip"


class DelegateIsHolder(Invalid):
    """One cannot stand in for oneself."""

    code = "delegate_is_holder"
    message = "pelaksana Plt/Plh tidak boleh pejabat definitifnya sendiri"
    field = "delegate_nip"


class SsoDisabled(NotFound):
    """Single sign-on is not configured here."""

    code = "oidc_disabled"
    message = "masuk tunggal (SSO) tidak diaktifkan"


class ReturnToRefused(Invalid):
    """`return_to` points outside the allowed origins."""

    code = "return_to_not_allowed"
    message = "alamat kembali tidak diizinkan"
    field = "return_to"


class SsoStateInvalid(Unauthenticated):
    """The callback's state is unknown, used or expired."""

    code = "oidc_state_invalid"
    message = "proses masuk tunggal tidak dikenal atau kedaluwarsa; ulangi dari awal"


class SsoFailed(Unauthenticated):
    """The provider refused, or its ID token did not verify."""

    code = "oidc_failed"
    message = "penyedia identitas tidak mengonfirmasi identitas Anda"


class SsoPersonUnknown(Forbidden):
    """The provider's person has no active entry in the directory."""

    code = "oidc_person_unknown"
    message = "identitas dari penyedia tidak terdaftar di direktori"


class GrantInvalid(Unauthenticated):
    """A one-time sign-in code that is unknown, used or expired."""

    code = "grant_invalid"
    message = "kode masuk tidak valid atau sudah dipakai"
