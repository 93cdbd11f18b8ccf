"""Reporting's settings: the shared service settings plus the SLA clocks' and the samplers' own."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from penghubung.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    """Everything the reporting process needs; each field is `PENGHUBUNG_<NAME>` in the env."""

    sla_daily_capacity: int = Field(
        default=20,
        ge=1,
        description="Requests the desk handles a day; later ones start their clocks the next day",
    )
    sla_warning_percents: tuple[int, ...] = Field(
        default=(50, 75, 100),
        min_length=1,
        description="Shares of a standard (percent, 1–100) at which a warning is raised; JSON list",
    )
    sla_warnings_enabled: bool = Field(
        default=True, description="Run the warning task (in service hours only)"
    )
    sla_warning_interval_seconds: float = Field(
        default=60.0, gt=0, description="How often the warning task looks at the running clocks"
    )
    service_urls: dict[str, str] = Field(
        default_factory=dict,
        description='Base URL of every service whose readiness is sampled, JSON: {"intake":'
        ' "http://127.0.0.1:8001", …}; empty: no sampling',
    )
    availability_interval_seconds: float = Field(
        default=60.0, gt=0, description="Time between two sampling rounds (in service hours)"
    )
    availability_timeout_seconds: float = Field(
        default=2.0,
        gt=0,
        description="How long one readiness call may take before it counts as down",
    )
    availability_target_percent: int = Field(
        default=90, ge=1, le=100, description="Availability promised in service hours (DESIGN §2)"
    )
    as_of_cache_snapshots: int = Field(
        default=4,
        ge=1,
        description="Copies of the projection as of past positions kept for `as_of` views"
        " (each on a database connection of its own)",
    )
    as_of_cache_events: int = Field(
        default=2_000_000,
        ge=1,
        description="Events the kept `as_of` copies may hold in all (the latest is always kept)",
    )
    as_of_cache_bytes: int = Field(
        default=1024 * 1024 * 1024,
        ge=1,
        description="Bytes the kept `as_of` copies' tables may take in the database, in all"
        " (the latest is always kept)",
    )
    as_of_snapshot_every: int = Field(
        # a snapshot holds only the tables later events change and the small growing ones (the
        # timeline and the SLA facts are shared by all): a few MB, so they can be close together
        default=10_000,
        ge=1,
        description="A view as of a position this many events or more past the nearest snapshot"
        " keeps a snapshot of its copy, so later views near it fold only the events after it",
    )
    as_of_snapshots_kept: int = Field(
        default=20, ge=1, description="Snapshots kept in the database for `as_of` views"
    )
    as_of_rebuilds_per_person: int = Field(
        default=6,
        ge=1,
        description="Views as of a position not kept (each a rebuild) one person may ask for per"
        " `as_of_rebuild_window_seconds`; beyond: 429 too_many_rebuilds with Retry-After",
    )
    as_of_rebuild_window_seconds: float = Field(
        default=60.0, gt=0, description="The window of `as_of_rebuilds_per_person`"
    )

    public_url: str = Field(
        default="http://127.0.0.1:8004",
        description="Base URL of reporting as the public reaches it: the papers' QR codes lead"
        " to its /verify page",
    )
    signed_scan_max_bytes: int = Field(
        default=1_900_000,
        ge=1024,
        description="Largest scan of a signed Berita Acara, in bytes (keep it under the HTTP"
        " body cap, http_max_body_bytes)",
    )

    @model_validator(mode="after")
    def _percents_are_shares(self) -> Self:
        if any(not 1 <= p <= 100 for p in self.sla_warning_percents):
            raise ValueError("sla_warning_percents must lie between 1 and 100")
        self.sla_warning_percents = tuple(sorted(set(self.sla_warning_percents)))
        return self

    @classmethod
    def of(cls, settings: ServiceSettings) -> ReportingSettings:
        """These settings from the process's; reporting's own fields from the environment."""
        if isinstance(settings, cls):
            return settings
        return cls(**settings.model_dump())
