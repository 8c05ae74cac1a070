"""Settings of the matcher service (environment variables ``MATCHER_*``, ``REGISTRY_URL`` and the common ones)."""

from __future__ import annotations

from pydantic import AnyHttpUrl, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import CommonSettings, Port, load_settings


class MatcherSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="MATCHER_", extra="ignore", frozen=True)

    host: str = Field(default="127.0.0.1", description="MATCHER_HOST: address to listen on")
    port: Port = Field(default=8082, description="MATCHER_PORT: port to listen on")
    registry_url: AnyHttpUrl = Field(
        default=AnyHttpUrl("http://127.0.0.1:8081"),
        validation_alias="REGISTRY_URL",
        description="Base URL of the registry service.",
    )
    service_token: SecretStr | None = Field(
        default=None,
        min_length=32,
        description="MATCHER_SERVICE_TOKEN: the service-role token presented to the registry.",
    )
    registry_timeout: float = Field(default=10.0, gt=0, le=300, description="MATCHER_REGISTRY_TIMEOUT, seconds")
    token_cache_seconds: float = Field(
        default=30.0,
        ge=0,
        le=3600,
        description="MATCHER_TOKEN_CACHE_SECONDS: how long a checked token is trusted before asking again.",
    )


def load() -> MatcherSettings:
    return load_settings(MatcherSettings)
