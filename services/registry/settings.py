"""Settings of the registry service (environment variables ``REGISTRY_*`` plus the common ones)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from shared.proxies import parse_trusted
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
    matcher_url: AnyHttpUrl = Field(
        default=AnyHttpUrl("http://127.0.0.1:8082"),
        description="REGISTRY_MATCHER_URL: the matcher's base URL; a data export asks it what it holds "
        "(meetings, agenda links, notifications) and is refused with 503 while it cannot be reached",
    )
    matcher_timeout: float = Field(
        default=10.0, gt=0, le=300, description="REGISTRY_MATCHER_TIMEOUT: seconds for that call to the matcher"
    )
    # NoDecode: a comma-separated list, not the JSON pydantic-settings expects for sequences by default.
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description=(
            "REGISTRY_TRUSTED_PROXIES: comma-separated IP addresses or networks (the web front end's) whose "
            "X-Forwarded-For is believed: rate limits then count the last address in it, not the peer's."
        ),
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _addresses(cls, value: Any) -> Any:
        """Split the comma-separated list; addresses and networks (``10.42.0.0/16``) alike."""
        return parse_trusted(value)


def load() -> RegistrySettings:
    return load_settings(RegistrySettings)
