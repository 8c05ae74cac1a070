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
    agenda_refresh_seconds: float = Field(
        default=15.0,
        ge=1,
        le=600,
        description="MATCHER_AGENDA_REFRESH_SECONDS: how often an agenda page opened by its link asks whether "
        "a newer version was published (it then shows it)",
    )
    public_url: AnyHttpUrl = Field(
        default=AnyHttpUrl("http://127.0.0.1:8082"),
        description="MATCHER_PUBLIC_URL: the matcher's address as participants reach it (links in e-mails).",
    )
    web_url: AnyHttpUrl | None = Field(
        default=None,
        description="MATCHER_WEB_URL: the web front end as participants reach it (the sign-up page linked from "
        "sign-up reminders); unset: those reminders carry no link.",
    )
    link_secret: SecretStr | None = Field(
        default=None,
        min_length=32,
        description="MATCHER_LINK_SECRET: signs the per-participant agenda links; unset: derived from "
        "MATCHER_SERVICE_TOKEN (changing that token then invalidates every link sent).",
    )
    workers: int = Field(
        default=1,
        ge=0,
        le=64,
        description="MATCHER_WORKERS: schedule job workers run inside this process (0: only separate "
        "`python -m services.matcher.jobs` processes run jobs).",
    )
    processes: int = Field(
        default=1,
        ge=1,
        le=64,
        description="MATCHER_PROCESSES: matcher processes serving one port (SO_REUSEPORT, the kernel spreads "
        "connections over them), each with its own pool, job workers and caches; e.g. one per core.",
    )
    solver_processes: int = Field(
        default=1, ge=1, le=64, description="MATCHER_SOLVER_PROCESSES: processes the solves run in"
    )
    job_lease_seconds: float = Field(
        default=30.0, ge=3, le=3600, description="MATCHER_JOB_LEASE_SECONDS: a job's lease, renewed every third"
    )
    job_poll_seconds: float = Field(
        default=5.0, gt=0, le=600, description="MATCHER_JOB_POLL_SECONDS: look for due jobs at least this often"
    )
    job_retry_base_seconds: float = Field(
        default=5.0, gt=0, le=3600, description="MATCHER_JOB_RETRY_BASE_SECONDS: first back-off after a failure"
    )
    job_retry_cap_seconds: float = Field(
        default=300.0,
        gt=0,
        le=86400,
        description="MATCHER_JOB_RETRY_CAP_SECONDS: the longest back-off between attempts (it doubles up to this)",
    )
    solve_time_limit: float = Field(
        default=30.0, gt=0, le=3600, description="MATCHER_SOLVE_TIME_LIMIT: default seconds for one solve"
    )
    smtp_host: str | None = Field(
        default=None, description="MATCHER_SMTP_HOST: mail server for notifications (unset: no e-mail is sent)"
    )
    smtp_port: Port = Field(default=25, description="MATCHER_SMTP_PORT")
    smtp_username: str | None = Field(default=None, description="MATCHER_SMTP_USERNAME")
    smtp_password: SecretStr | None = Field(default=None, description="MATCHER_SMTP_PASSWORD")
    smtp_starttls: bool = Field(default=False, description="MATCHER_SMTP_STARTTLS: upgrade with STARTTLS")
    mail_from: str = Field(
        default="Affärsträff <noreply@affarstraff.invalid>", description="MATCHER_MAIL_FROM: the sender of e-mails"
    )
    outbox_poll_seconds: float = Field(
        default=5.0, gt=0, le=600, description="MATCHER_OUTBOX_POLL_SECONDS: look for due notifications this often"
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="MATCHER_WEBHOOK_ALLOW_PRIVATE: let webhooks reach loopback, link-local and private "
        "addresses (a receiver on the operator's own network); off, such URLs are refused when registered "
        "and every delivery checks the address it connects to.",
    )
    webhook_allow_http: bool = Field(
        default=False, description="MATCHER_WEBHOOK_ALLOW_HTTP: accept plain http webhook URLs (https only when off)"
    )
    outbox_max_attempts: int = Field(
        default=12, ge=1, le=100, description="MATCHER_OUTBOX_MAX_ATTEMPTS: delivery tries before giving up"
    )
    feed_poll_seconds: float = Field(
        default=5.0,
        gt=0,
        le=600,
        description="MATCHER_FEED_POLL_SECONDS: how often the registry's change feed (erasures, cancellations) "
        "is read in the background; it is also read before every batch of notifications",
    )


def load() -> MatcherSettings:
    return load_settings(MatcherSettings)
