"""The directory's settings: the shared service settings, the seed, sign-in and token lifetimes."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from penghubung.settings import ServiceSettings

SEED_FILE = Path(__file__).parent / "seed" / "agencies.toml"


class DirectorySettings(ServiceSettings):
    """Everything the directory process needs (`PENGHUBUNG_DIRECTORY_…`, `PENGHUBUNG_OIDC_…`)."""

    directory_seed_file: Path = Field(
        default=SEED_FILE, description="TOML file of the agencies registered at start-up"
    )
    directory_admin_nip: str = Field(
        default="198001012005011001", description="NIP of the first administrator"
    )
    directory_admin_name: str = Field(
        default="Administrator Penghubung", description="Name of the first administrator"
    )
    directory_admin_agency: str = Field(
        default="diskominfo", description="Agency code of the first administrator"
    )
    directory_admin_password: SecretStr | None = Field(
        default=None,
        description="Initial password of the first administrator (registered at start-up when"
        " no person holds the admin role yet; to be changed at the first sign-in)",
    )
    session_hours: float = Field(default=8, gt=0, le=24, description="Lifetime of a session")
    access_token_minutes: int = Field(
        default=15, ge=1, le=15, description="Lifetime of an access token (at most 15 minutes)"
    )
    signing_key_publish_ahead_seconds: int = Field(
        default=360,
        ge=0,
        description="How long a new signing key is published before it signs (the other"
        " services' JWKS caches keep keys 5 minutes)",
    )
    sign_in_window_seconds: int = Field(
        default=900, ge=1, description="Window over which failed sign-ins are counted"
    )
    sign_in_account_limit: int = Field(
        default=5, ge=1, description="Failed sign-ins of one account within the window"
    )
    sign_in_address_limit: int = Field(
        default=20, ge=1, description="Failed sign-ins from one client address within the window"
    )

    oidc_issuer: str | None = Field(
        default=None, description="OpenID Connect issuer URL (e.g. a Keycloak realm); unset: no SSO"
    )
    oidc_client_id: str | None = Field(default=None, description="The directory's OIDC client id")
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="Its client secret (confidential client)"
    )
    oidc_redirect_uri: str | None = Field(
        default=None,
        description="This directory's callback as the provider knows it (…/oidc/callback)",
    )
    oidc_claim: str = Field(
        default="nip", description="The ID-token claim holding the person's NIP"
    )
    oidc_scope: str = Field(default="openid profile", description="Scopes asked for")
    oidc_return_origins: list[str] = Field(
        default_factory=list,
        description='Origins `return_to` may point at (the portal\'s), e.g. ["https://portal.example"]',
    )

    @property
    def oidc_enabled(self) -> bool:
        """Whether single sign-on is configured."""
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_redirect_uri)

    @classmethod
    def of(cls, settings: ServiceSettings) -> DirectorySettings:
        """These settings from the process's; the directory's own fields from the environment."""
        if isinstance(settings, cls):
            return settings
        return cls(**settings.model_dump())
