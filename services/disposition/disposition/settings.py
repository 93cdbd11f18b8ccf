"""Disposition's settings: the shared service settings plus whether officers are checked."""

from __future__ import annotations

from pydantic import Field

from penghubung.settings import ServiceSettings


class DispositionSettings(ServiceSettings):
    """Everything the disposition process needs."""

    officers_from_directory: bool = Field(
        default=True,
        description="Order work only to a NIP the directory made an active petugas (learnt over"
        " the bus); false only where no directory runs (some test beds)",
    )

    @classmethod
    def of(cls, settings: ServiceSettings) -> DispositionSettings:
        """These settings from the process's; disposition's own fields from the environment."""
        if isinstance(settings, cls):
            return settings
        return cls(**settings.model_dump())
