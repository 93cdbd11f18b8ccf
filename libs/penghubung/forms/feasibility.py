"""The two forms of the feasibility analysis: the vulnerability test and the stress test."""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field

from penghubung.forms.people import ContactPerson
from penghubung.forms.values import FormValueError, LongText, Text, ValueObject, unless_trusted


def check_ip_address(value: str) -> str:
    """Check an IPv4 or IPv6 address; stored in its canonical form."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise FormValueError("ip_address", f"alamat IP tidak valid: {value}") from None


def check_ip_network(value: str) -> str:
    """Check an IP address or a network in CIDR form (`10.0.0.0/24`, host bits clear)."""
    text = value.strip()
    if "/" not in text:
        return check_ip_address(text)
    try:
        return str(ipaddress.ip_network(text, strict=True))
    except ValueError:
        raise FormValueError("ip_network", f"alamat jaringan IP tidak valid: {value}") from None


IpAddress = Annotated[str, AfterValidator(unless_trusted(check_ip_address))]
"""An IPv4 or IPv6 address."""

IpNetwork = Annotated[str, AfterValidator(unless_trusted(check_ip_network))]
"""An IP address or a CIDR network."""


class Platform(StrEnum):
    """The operating system family an application runs on."""

    WINDOWS = "windows"
    LINUX = "linux"
    UNIX = "unix"


class VulnerabilityAssessmentForm(ValueObject):
    """The vulnerability-assessment form of the feasibility test; one form per application."""

    application_name: Text = Field(description="Name of the application (Nama Aplikasi)")
    application_ip: IpAddress = Field(description="IP address of the application (IP Aplikasi)")
    database_ip: IpAddress | None = Field(
        default=None, description="IP address of the database (IP Database), if separate"
    )
    network_ip: IpNetwork | None = Field(
        default=None, description="IP address or CIDR network of the network (IP Jaringan)"
    )
    description: LongText = Field(description="Description of the application (Deskripsi)")
    platforms: tuple[Platform, ...] = Field(
        min_length=1, description="Operating systems ticked (Platform: Windows, Linux, Unix)"
    )
    languages: tuple[Text, ...] = Field(default=(), description="Programming languages (Bahasa)")
    programs: tuple[Text, ...] = Field(default=(), description="Programs and frameworks (Program)")
    dbms: tuple[Text, ...] = Field(default=(), description="Database systems (DBMS)")
    engines: tuple[Text, ...] = Field(default=(), description="Engines and servers (Engine)")
    applications: tuple[Text, ...] = Field(
        default=(), description="Other applications in the stack (Aplikasi)"
    )
    structural_contact: ContactPerson = Field(
        description="The structurally responsible official (Penanggung Jawab Struktural)"
    )
    technical_contact: ContactPerson = Field(
        description="The technically responsible person (Penanggung Jawab Teknis)"
    )
    has_source_code_or_database: bool = Field(description="Source code / database supplied (Ada)")
    has_installation_manual: bool = Field(description="Installation manual supplied (Ada)")
    has_user_manual: bool = Field(description="User manual supplied (Ada)")
    has_uat_document: bool = Field(description="User Acceptance Test document supplied (Ada)")


class StressTestForm(ValueObject):
    """The stress-test form of the feasibility test (Uji Beban)."""

    max_users_per_day: int = Field(ge=1, description="Estimated maximum users per day")
    effective_hours_per_day: int = Field(
        ge=1, le=24, description="Effective hours per day the application is used"
    )
    transaction_seconds: int = Field(
        ge=1, description="Estimated time a user takes for one transaction, in seconds"
    )
    has_test_scenario_document: bool = Field(description="Test scenario document supplied (Ada)")
