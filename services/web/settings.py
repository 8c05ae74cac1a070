"""Settings of the web front end (environment variables ``WEB_*`` plus the common ones).

The front end has no database of its own; ``DATABASE_URL`` is ignored here.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AnyHttpUrl, EmailStr, Field, SecretStr, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from shared.proxies import parse_trusted
from shared.settings import CommonSettings, Port, load_settings


class WebSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="WEB_", extra="ignore", frozen=True)

    host: str = Field(default="127.0.0.1", description="WEB_HOST: address to listen on")
    port: Port = Field(default=8080, description="WEB_PORT: port to listen on")
    public_url: AnyHttpUrl = Field(
        default=AnyHttpUrl("http://127.0.0.1:8080"),
        description="WEB_PUBLIC_URL: the address people use, for links in e-mails (sign-in links).",
    )
    registry_url: AnyHttpUrl = Field(default=AnyHttpUrl("http://127.0.0.1:8081"), description="WEB_REGISTRY_URL")
    matcher_url: AnyHttpUrl = Field(default=AnyHttpUrl("http://127.0.0.1:8082"), description="WEB_MATCHER_URL")
    matcher_public_url: AnyHttpUrl | None = Field(
        default=None,
        description="WEB_MATCHER_PUBLIC_URL: the matcher's address as participants reach it (MATCHER_PUBLIC_URL): "
        "a participant scanning its own QR code is sent on to its agenda there; unset: WEB_MATCHER_URL.",
    )
    service_token: SecretStr | None = Field(
        default=None,
        validation_alias="WEB_SERVICE_TOKEN",
        description="WEB_SERVICE_TOKEN: a service-role token; needed only to ask the registry for SME sign-in links.",
    )
    secret: SecretStr = Field(
        min_length=32,
        description="WEB_SECRET: key for CSRF tokens (at least 32 characters; changing it voids open forms).",
    )
    cookie_secure: bool = Field(
        default=True,
        description="WEB_COOKIE_SECURE: mark cookies Secure (keep true; browsers accept them on http://localhost).",
    )
    backend_timeout: float = Field(default=30.0, gt=0, le=600, description="WEB_BACKEND_TIMEOUT, seconds per API call")
    smtp_host: str | None = Field(default=None, description="WEB_SMTP_HOST: mail server for sign-in links")
    smtp_port: Port = Field(default=25, description="WEB_SMTP_PORT")
    smtp_username: str | None = Field(default=None, description="WEB_SMTP_USERNAME")
    smtp_password: SecretStr | None = Field(default=None, description="WEB_SMTP_PASSWORD")
    smtp_starttls: bool = Field(default=False, description="WEB_SMTP_STARTTLS: upgrade the connection with STARTTLS")
    mail_from: str = Field(default="Affärsträff <noreply@affarstraff.invalid>", description="WEB_MAIL_FROM")
    accessibility_contact: EmailStr | None = Field(
        default=None,
        description="WEB_ACCESSIBILITY_CONTACT: the organiser's e-mail address for reports of accessibility "
        "shortcomings, shown in the accessibility statement (/tillganglighet), as lag (2018:1937) asks.",
    )
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="WEB_TRUSTED_PROXIES: comma-separated addresses or networks of the reverse proxy or Ingress in "
        "front of the pages, whose X-Forwarded-For names the visitor (passed on to the registry's rate limits).",
    )
    dev_show_sign_in_links: bool = Field(
        default=False,
        description="WEB_DEV_SHOW_SIGN_IN_LINKS: show sign-in links on the page instead of only mailing them "
        "(local development without a mail server; never in production).",
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value: Any) -> Any:
        return parse_trusted(value)


def load() -> WebSettings:
    return load_settings(WebSettings)
