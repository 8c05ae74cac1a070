"""Settings shared by both services, read from environment variables and validated at start.

Each service extends :class:`CommonSettings` with its own fields (``services/*/settings.py``).
A missing or malformed variable stops the process with one line that names the variable,
see :func:`load_settings`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import parse_qs, urlsplit

from pydantic import AfterValidator, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EMBEDDED_PG_DIR = PROJECT_ROOT / "var" / "pgdata"

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
Port = Annotated[int, Field(ge=0, le=65535)]


def _check_postgres_url(value: str) -> str:
    """Accept what asyncpg accepts: postgres(ql)://, with a host in the authority or ``?host=/socket/dir``.

    Examples
    --------
    >>> _check_postgres_url("postgresql://postgres:@/affarstraff?host=/tmp/pg")
    'postgresql://postgres:@/affarstraff?host=/tmp/pg'
    >>> _check_postgres_url("mysql://db/app")
    Traceback (most recent call last):
    ...
    ValueError: must start with postgresql:// or postgres://
    """
    parts = urlsplit(value)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ValueError("must start with postgresql:// or postgres://")
    if not parts.hostname and not parse_qs(parts.query).get("host"):
        raise ValueError("names no host (give host[:port] or ?host=/socket/directory)")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise ValueError("has a malformed port") from None
    return value


PostgresUrl = Annotated[str, AfterValidator(_check_postgres_url)]


class CommonSettings(BaseSettings):
    """What every service needs: where the database is, how to log, how to behave at the edges.

    Environment variables are upper-case field names (``DATABASE_URL``, ``LOG_LEVEL`` …);
    service-specific fields carry the service's prefix (``REGISTRY_PORT``).
    """

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False, frozen=True, populate_by_name=True)

    database_url: PostgresUrl | None = Field(
        default=None,
        validation_alias="DATABASE_URL",
        description="PostgreSQL URL. Unset: an embedded PostgreSQL is started in EMBEDDED_PG_DIR.",
    )
    embedded_pg_dir: Path = Field(
        default=DEFAULT_EMBEDDED_PG_DIR,
        validation_alias="EMBEDDED_PG_DIR",
        description="Data directory of the embedded PostgreSQL (kept across restarts).",
    )
    database_pool_min: int = Field(default=1, ge=0, le=100, validation_alias="DATABASE_POOL_MIN")
    database_pool_max: int = Field(default=10, ge=1, le=500, validation_alias="DATABASE_POOL_MAX")
    database_connect_timeout: float = Field(
        default=15.0,
        gt=0,
        le=600,
        validation_alias="DATABASE_CONNECT_TIMEOUT",
        description="Seconds to keep retrying the first connection before giving up at start.",
    )
    migrate_on_start: bool = Field(
        default=True,
        validation_alias="MIGRATE_ON_START",
        description="Apply pending migrations at start (safe with many processes: advisory lock).",
    )
    clock_file: Path | None = Field(
        default=None,
        validation_alias="CLOCK_FILE",
        description="For rehearsals and tests: a file stating what time it is (see shared/clock.py); "
        "unset: the system clock.",
    )
    log_level: LogLevel = Field(default="INFO", validation_alias="LOG_LEVEL")
    log_format: Literal["json", "text"] = Field(default="json", validation_alias="LOG_FORMAT")
    max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        le=1_073_741_824,
        validation_alias="MAX_BODY_BYTES",
        description="Largest accepted request body; larger ones are answered 413.",
    )
    shutdown_timeout: float = Field(
        default=30.0,
        ge=0,
        le=3600,
        validation_alias="SHUTDOWN_TIMEOUT",
        description="Seconds in-flight requests get to finish after SIGTERM.",
    )

    def describe_database(self) -> str:
        """The database location for messages, never with a password."""
        if self.database_url is None:
            return f"embedded PostgreSQL in {self.embedded_pg_dir}"
        parts = urlsplit(self.database_url)
        host = parts.hostname or ",".join(parse_qs(parts.query).get("host", []))
        port = f":{parts.port}" if parts.port else ""
        return f"postgresql://{host}{port}{parts.path}"


SettingsT = TypeVar("SettingsT", bound=BaseSettings)


class ConfigurationError(SystemExit):
    """Raised (and so exits with status 2) when the environment does not describe a valid setup."""

    def __init__(self, message: str) -> None:
        super().__init__(2)
        self.message = message

    def __str__(self) -> str:
        return self.message


def _variable_name(cls: type[BaseSettings], loc: tuple[int | str, ...]) -> str:
    """Map a validation error location back to the environment variable the user sets."""
    if not loc:
        return "settings"
    name = str(loc[0])
    field = cls.model_fields.get(name)
    if field is None:  # pydantic reports aliases as the location
        return name.upper()
    alias = field.validation_alias
    if isinstance(alias, str):
        return alias
    prefix = cls.model_config.get("env_prefix", "") or ""
    return f"{prefix}{name}".upper()


def load_settings(cls: type[SettingsT], **overrides: Any) -> SettingsT:
    """Read settings from the environment or raise :class:`ConfigurationError` with one clear line.

    Parameters
    ----------
    cls
        The settings model to read.
    **overrides
        Field values that take precedence over the environment (used by tests and the local runner).

    Examples
    --------
    >>> import os
    >>> os.environ["LOG_LEVEL"] = "LOUD"
    >>> try:
    ...     load_settings(CommonSettings)
    ... except ConfigurationError as error:
    ...     print(error)
    invalid configuration: LOG_LEVEL: Input should be 'DEBUG', 'INFO', 'WARNING' or 'ERROR' (got 'LOUD')
    >>> del os.environ["LOG_LEVEL"]
    """
    try:
        return cls(**overrides)
    except ValidationError as error:
        problems = []
        for item in error.errors(include_url=False):
            variable = _variable_name(cls, item["loc"])
            got = item.get("input")
            shown = "" if isinstance(got, dict) or got is None else f" (got {got!r})"
            if "secret" in variable.lower() or "token" in variable.lower() or "url" in variable.lower():
                shown = ""  # never echo secrets or credentials-bearing URLs
            problems.append(f"{variable}: {item['msg']}{shown}")
        raise ConfigurationError("invalid configuration: " + "; ".join(problems)) from None


def secret_value(secret: SecretStr | None) -> str | None:
    """Unwrap an optional secret."""
    return None if secret is None else secret.get_secret_value()
