"""Intake's settings: the shared service settings plus the uploads' caps, quotas and sweeper,
and how far back the desk may date a receipt."""

from __future__ import annotations

from pydantic import Field

from penghubung.settings import ServiceSettings

MIB = 1024 * 1024


class IntakeSettings(ServiceSettings):
    """Everything the intake process needs; `PENGHUBUNG_ATTACHMENT_MAX_BYTES` sets the cap."""

    attachment_max_bytes: int = Field(
        default=10 * MIB, ge=1, description="Largest attachment accepted, in bytes (413 above)"
    )
    intake_upload_quota_bytes_per_day: int = Field(
        default=200 * MIB,
        ge=1,
        description="Bytes one agency may upload per WIB calendar day (429 above)",
    )
    intake_upload_quota_files_per_day: int = Field(
        default=200,
        ge=1,
        le=10**9,
        description="Files one agency may upload per WIB calendar day",
    )
    intake_desk_upload_quota_bytes_per_day: int = Field(
        default=1024 * MIB,
        ge=1,
        description="Bytes the service desk (every petugas together) may upload per WIB day",
    )
    intake_desk_upload_quota_files_per_day: int = Field(
        default=1000,
        ge=1,
        le=10**9,
        description="Files the service desk may upload per WIB calendar day",
    )
    intake_unattached_upload_hours: float = Field(
        default=24.0,
        gt=0,
        description="Hours an upload no request references is kept before the sweeper removes it",
    )
    intake_sweep_interval_seconds: float = Field(
        default=900.0, gt=0, description="How often the sweeper of unattached uploads runs"
    )
    intake_sweeper_enabled: bool = Field(
        default=True, description="Run the sweeper of unattached uploads in this process"
    )
    intake_backdate_max_days: int = Field(
        default=30,
        ge=0,
        le=36500,
        description="Calendar days (WIB) a desk registration's received_at may lie in the past"
        " without an admin's confirmation",
    )

    @classmethod
    def of(cls, settings: ServiceSettings) -> IntakeSettings:
        """These settings from the process's; intake's own fields from the environment."""
        if isinstance(settings, cls):
            return settings
        return cls(**settings.model_dump())
