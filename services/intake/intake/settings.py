"""Intake's settings: the shared service settings plus the attachment size cap."""

from __future__ import annotations

from pydantic import Field

from penghubung.settings import ServiceSettings

MIB = 1024 * 1024


class IntakeSettings(ServiceSettings):
    """Everything the intake process needs; `PENGHUBUNG_ATTACHMENT_MAX_BYTES` sets the cap."""

    attachment_max_bytes: int = Field(
        default=10 * MIB, ge=1, description="Largest attachment accepted, in bytes (413 above)"
    )

    @classmethod
    def of(cls, settings: ServiceSettings) -> IntakeSettings:
        """These settings from the process's; intake's own fields from the environment."""
        if isinstance(settings, cls):
            return settings
        return cls(**settings.model_dump())
