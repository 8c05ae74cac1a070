"""Settings of the registry service (environment variables ``REGISTRY_*`` plus the common ones)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import CommonSettings, Port, load_settings


class RegistrySettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", frozen=True)

    host: str = Field(default="127.0.0.1", description="REGISTRY_HOST: address to listen on")
    port: Port = Field(default=8081, description="REGISTRY_PORT: port to listen on")
    organiser_bootstrap_token: SecretStr | None = Field(
        default=None,
        min_length=32,
        validation_alias="ORGANISER_BOOTSTRAP_TOKEN",
        description="An organiser token to accept from the start (its hash is stored; at least 32 chars).",
    )
    service_bootstrap_token: SecretStr | None = Field(
        default=None,
        min_length=32,
        validation_alias="SERVICE_BOOTSTRAP_TOKEN",
        description="The token the matcher presents (role service); set it to MATCHER_SERVICE_TOKEN.",
    )
    signup_limit_per_hour: int = Field(
        default=10,
        ge=1,
        le=100_000,
        description="REGISTRY_SIGNUP_LIMIT_PER_HOUR: anonymous SME self-registrations per client address per hour",
    )


def load() -> RegistrySettings:
    return load_settings(RegistrySettings)
