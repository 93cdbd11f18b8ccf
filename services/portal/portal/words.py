"""The one catalogue of words people read that come from codes: statuses, steps, roles,
field labels and the APIs' error codes. Sentences of the pages live in the templates."""

from __future__ import annotations

from penghubung.skm import ELEMENTS
from penghubung.sop import RequestStatus

STATUS = {
    **{status.value: status.label for status in RequestStatus},
    "disposing": RequestStatus.IN_DISPOSITION.label,  # a disposition inbox's word for it
}
"""The one vocabulary of request states (penghubung.sop), as people read it."""

STEP = {
    "submit": "Pengajuan",
    "dispose_kabid": "Disposisi Kadis ke Kabid",
    "dispose_prakom": "Disposisi Kabid ke Prakom",
    "dispose_petugas": "Perintah Prakom ke Petugas",
    "feasibility": "Analisis kelayakan",
    "implementation": "Implementasi integrasi sistem",
    "report": "Pembuatan laporan",
    "archive": "Pengarsipan laporan",
}

ROLE = {
    "pemohon": "Pemohon",
    "kadis": "Kepala Dinas",
    "kabid": "Kepala Bidang",
    "prakom": "Pranata Komputer",
    "petugas": "Petugas Service Desk",
    "admin": "Administrator",
    "auditor": "Auditor",
    "system": "Sistem",
}

CHANNEL = {
    "portal": "Portal service desk",
    "email": "E-mail",
    "surat": "Surat",
    "telepon": "Telepon",
    "chat": "Chat",
    "langsung": "Datang langsung",
}

PRIORITY = {"P1": "P1 — kritis", "P2": "P2 — tinggi", "P3": "P3 — sedang", "P4": "P4 — rendah"}
LEVEL = {"rendah": "Rendah", "sedang": "Sedang", "tinggi": "Tinggi"}
MECHANISM = {"gsb": "Government Service Bus (GSB)", "api": "API", "lainnya": "Mekanisme lainnya"}
DOCUMENT = {
    "surat_permohonan": "Surat permohonan",
    "disposisi_kadis": "Disposisi Kadis",
    "disposisi_kabid": "Disposisi Kabid eGotik",
}
ATTACHMENT = {"surat_permohonan": "Surat permohonan", "lainnya": "Lampiran lain"}
PAUSE_REASON = {
    "agency_documents": "Menunggu dokumen dari OPD",
    "uat": "Menunggu UAT",
    "ip_allocation": "Menunggu alokasi IP",
    "vendor": "Menunggu vendor",
}
CLOCK_STATE = {
    "running": "berjalan",
    "paused": "dijeda",
    "met": "tepat waktu",
    "breached": "terlambat",
    "on_time": "tepat waktu",
    "overdue": "melewati batas",
    "warning": "mendekati batas",
}
OUTCOME = {"integrated": "Terintegrasi", "not_feasible": "Tidak layak"}
PLATFORM = {"windows": "Windows", "linux": "Linux", "unix": "Unix"}
AUTHENTICATION = {
    "none": "Tanpa autentikasi",
    "api_key": "API key",
    "basic": "Basic",
    "oauth2": "OAuth 2.0",
    "mtls": "mTLS",
}

STAND_IN = {"plt": "Plt. (Pelaksana Tugas)", "plh": "Plh. (Pelaksana Harian)"}
STAND_IN_SHORT = {"plt": "Plt.", "plh": "Plh."}
NOTICE_CHANNEL = {"email": "E-mail", "whatsapp": "WhatsApp", "mailbox": "Kotak surat portal"}
NOTICE_STATUS = {"sent": "Terkirim", "pending": "Menunggu jam layanan", "failed": "Gagal"}

EVENT = {
    "RequestSubmitted": "Permohonan diajukan",
    "RequestResubmitted": "Permohonan diajukan ulang",
    "RequestReturned": "Permohonan dikembalikan",
    "Disposed": "Disposisi",
    "FeasibilityDone": "Analisis kelayakan selesai",
    "Integrated": "Integrasi selesai",
    "RequestClosed": "Permohonan ditutup",
    "ReportWritten": "Laporan dibuat",
    "BeritaAcaraNumberReserved": "Nomor Berita Acara dicadangkan",
    "ReportArchived": "Laporan diarsipkan",
    "ClockPaused": "Jam SLA dijeda",
    "ClockResumed": "Jam SLA dilanjutkan",
    "SlaWarningRaised": "Peringatan SLA",
    "SlaRecalculated": "SLA dihitung ulang",
    "CalendarDayOffAdded": "Hari libur ditambahkan",
    "CalendarDayOffRemoved": "Hari libur dihapus",
    "CalendarHoursReduced": "Jam layanan dikurangi",
    "CalendarWorkingDayDecreed": "Hari kerja ditetapkan",
    "CalendarWorkingDayWithdrawn": "Penetapan hari kerja dicabut",
    "ChainCheckpointSigned": "Titik periksa rantai ditandatangani",
    "AuditExported": "Berkas audit diekspor",
    "SatisfactionSurveyAnswered": "Survei kepuasan diisi",
    "AttachmentDiscarded": "Lampiran yang tidak dipakai dihapus",
}

FIELD = {
    "applicant.name": "Nama",
    "applicant.nip": "NIP",
    "applicant.position": "Jabatan",
    "applicant.echelon": "Eselon",
    "applicant.agency": "Perangkat Daerah",
    "applicant.work_unit": "Unit kerja",
    "applicant.office_address": "Alamat kantor",
    "applicant.mobile_phone": "Nomor telepon HP",
    "applicant.internal_phone": "Nomor telepon internal",
    "applicant.email": "Alamat surat elektronik",
    "application.name": "Nama aplikasi",
    "application.description": "Deskripsi aplikasi",
    "mechanism_available": "Mekanisme GSB/API tersedia",
    "mechanism.kind": "Mekanisme integrasi",
    "mechanism.other_description": "Mekanisme lainnya",
    "mechanism": "Mekanisme integrasi",
    "impact": "Dampak",
    "urgency": "Kepentingan",
    "attachment_ids": "Lampiran",
    "answer": "Jawaban atas alasan pengembalian",
    "received_at": "Waktu diterima",
    "backdate_confirmation_id": "Konfirmasi administrator",
    "channel": "Saluran",
    "instruction": "Isi disposisi",
    "documents": "Kelengkapan",
    "to_officer": "Petugas",
    "reasons": "Alasan pengembalian",
    "nip": "NIP",
    "name": "Nama",
    "position": "Jabatan",
    "echelon": "Eselon",
    "agency": "Perangkat Daerah",
    "unit": "Unit kerja",
    "email": "Alamat surat elektronik",
    "mobile": "Nomor telepon HP",
    "roles": "Peran",
    "role": "Peran",
    "initial_password": "Kata sandi awal",
    "current_password": "Kata sandi saat ini",
    "new_password": "Kata sandi baru",
    "code": "Kode",
    "holder_nip": "Pejabat definitif",
    "delegate_nip": "Pelaksana",
    "kind": "Jenis penugasan",
    "starts_on": "Mulai tanggal",
    "ends_on": "Sampai tanggal",
    "decree_number": "Nomor SK",
    "reason": "Alasan",
    "saran": "Saran dan masukan",
    **{f"scores.{e.value}": f"{w.code} {w.name}" for e, w in ELEMENTS.items()},
}

_CODE = {
    "missing": "wajib diisi",
    "string_too_short": "wajib diisi",
    "string_too_long": "terlalu panjang",
    "enum": "pilih salah satu pilihan yang tersedia",
    "too_short": "isi sekurang-kurangnya satu",
    "int_parsing": "harus berupa bilangan bulat",
    "greater_than_equal": "nilainya terlalu kecil",
    "less_than_equal": "nilainya terlalu besar",
    "credentials_invalid": "NIP atau kata sandi salah",
    "sign_in_throttled": "terlalu banyak percobaan masuk; tunggu sebentar lalu coba lagi",
    "request_letter_missing": "surat permohonan wajib dilampirkan",
    "attachment_too_large": "berkas terlalu besar",
    "attachment_type": "berkas harus PDF, PNG atau JPEG",
    "password_weak": "kata sandi minimal 10 karakter, memuat huruf dan angka, dan tidak memuat NIP",
    "password_change_required": "kata sandi awal harus diganti lebih dahulu",
    "person_exists": "NIP ini sudah terdaftar",
    "person_not_found": "pegawai dengan NIP ini tidak terdaftar",
    "agency_exists": "kode Perangkat Daerah ini sudah terdaftar",
    "agency_unknown": "Perangkat Daerah ini tidak terdaftar",
    "role_already_held": "pegawai sudah memegang peran ini",
    "role_not_held": "pegawai tidak memegang peran ini",
    "role_not_grantable": "peran ini tidak dapat diberikan",
    "delegation_dates": "tanggal akhir tidak boleh sebelum tanggal mulai",
    "delegate_unknown": "pelaksana tidak terdaftar atau tidak aktif",
    "delegate_is_holder": "pelaksana tidak boleh pejabat definitifnya sendiri",
    "holder_lacks_position": "pejabat definitif tidak memegang jabatan ini",
    "delegation_not_found": "penugasan Plt/Plh tidak ditemukan",
    "delegation_already_ended": "penugasan Plt/Plh ini sudah berakhir",
    "delegation_inactive": "penugasan Plt/Plh ini tidak berlaku hari ini",
    "nip_required": "akun ini tidak memiliki NIP, jadi tidak memiliki pemberitahuan",
    "survey_not_open": "survei kepuasan baru dapat diisi setelah laporan permohonan diarsipkan",
    "survey_already_answered": "survei kepuasan permohonan ini sudah diisi",
    "score_out_of_range": "pilih salah satu dari empat jawaban",
    "score_missing": "pilih salah satu jawaban",
    # upload_quota_exceeded and received_at_too_old keep the API's sentence: it states the
    # quota and when it is whole again, or the bound and its first day
    "attachment_discarded": "berkas ini sudah dihapus karena tidak dipakai; unggah ulang",
    "received_at_out_of_range": "waktu diterima tidak boleh sebelum tahun 2000",
    "backdate_confirmation_not_found": "nomor konfirmasi administrator tidak dikenal",
    "backdate_confirmation_mismatch": "konfirmasi administrator ini untuk waktu diterima yang lain",
    "backdate_confirmation_used": "konfirmasi administrator ini sudah dipakai permohonan lain",
    "admin_nip_missing": "akun administrator harus memiliki NIP yang valid",
}


def field_label(path: str) -> str:
    """The label of a form field by its API path (`form.applicant.nip` → `NIP`)."""
    key = path.removeprefix("body.").removeprefix("form.")
    return FIELD.get(key, key)


def problem_text(code: str, message: str) -> str:
    """The sentence for an API's refusal: ours for the generic codes, the API's own otherwise
    (with the papers' codes it names in words: `surat_permohonan` → `Surat permohonan`)."""
    if code in _CODE:
        return _CODE[code]
    for paper, words in DOCUMENT.items():
        message = message.replace(paper, words)
    return message


def label(table: dict[str, str], value: object) -> str:
    """A code's words, or the code itself when the catalogue has none."""
    return table.get(str(value), str(value)) if value is not None else "—"
