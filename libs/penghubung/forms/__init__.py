"""The forms of SC-05/EGOTIK/2023 and the values people type into them.

Rooms: `values` (text, dates, NIP, e-mail and phone, ticket ids), `people` (contact persons,
officers, applicants, echelons, stand-ins), `request` (the service request form and its
attachments), `feasibility` (the vulnerability and stress-test forms), `integration` (what a
working integration records, the Berita Acara number). The SOP's own words (steps, channels,
difficulty, priority) are in `penghubung.sop`. A new form field goes in the module of its form;
its value type, if new, in `values`. Every public name is importable from here.
"""

from __future__ import annotations

from penghubung.forms.feasibility import (
    IpAddress,
    IpNetwork,
    Platform,
    StressTestForm,
    VulnerabilityAssessmentForm,
    check_ip_address,
    check_ip_network,
)
from penghubung.forms.integration import (
    AuthenticationType,
    HttpUrlText,
    IntegrationDetails,
    check_http_url,
    format_berita_acara_number,
)
from penghubung.forms.people import (
    Applicant,
    ContactPerson,
    Echelon,
    Officer,
    StandIn,
    check_applicant_echelon,
)
from penghubung.forms.request import (
    ApplicationInfo,
    Attachment,
    AttachmentKind,
    Mechanism,
    MechanismChoice,
    ServiceRequestForm,
    check_content_type,
    check_filename,
    check_sha256,
)
from penghubung.forms.values import (
    TRUSTED,
    Email,
    FormValueError,
    InternalPhone,
    IsoDate,
    LongText,
    MobilePhone,
    Nip,
    PlainText,
    Text,
    TicketId,
    ValueObject,
    check_email,
    check_iso_date,
    check_mobile,
    check_nip,
    check_no_nul,
    check_ticket_id,
    format_ticket_id,
    unless_trusted,
)

__all__ = [
    "TRUSTED",
    "Applicant",
    "ApplicationInfo",
    "Attachment",
    "AttachmentKind",
    "AuthenticationType",
    "ContactPerson",
    "Echelon",
    "Email",
    "FormValueError",
    "HttpUrlText",
    "IntegrationDetails",
    "InternalPhone",
    "IpAddress",
    "IpNetwork",
    "IsoDate",
    "LongText",
    "Mechanism",
    "MechanismChoice",
    "MobilePhone",
    "Nip",
    "Officer",
    "PlainText",
    "Platform",
    "ServiceRequestForm",
    "StandIn",
    "StressTestForm",
    "Text",
    "TicketId",
    "ValueObject",
    "VulnerabilityAssessmentForm",
    "check_applicant_echelon",
    "check_content_type",
    "check_email",
    "check_filename",
    "check_http_url",
    "check_ip_address",
    "check_ip_network",
    "check_iso_date",
    "check_mobile",
    "check_nip",
    "check_no_nul",
    "check_sha256",
    "check_ticket_id",
    "format_berita_acara_number",
    "format_ticket_id",
    "unless_trusted",
]
