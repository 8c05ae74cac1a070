"""The registry's application factory."""

from __future__ import annotations

from pathlib import Path

import asyncpg
from aiohttp import web

from shared.auth import VERIFIER_KEY, Role
from shared.clock import Clock
from shared.db import pool_context
from shared.health import MIGRATOR_KEY
from shared.migrations import Migrator
from shared.settings import secret_value
from shared.web import base_application

from . import SCHEMA, SERVICE_NAME
from .bulk import validation_workers_context
from .keys import SETTINGS_KEY
from .matcher_client import matcher_session_context
from .routes import setup_routes
from .settings import RegistrySettings
from .tokens import PgTokenVerifier, ensure_bootstrap_tokens

MIGRATIONS = Path(__file__).parent / "migrations"


def migrator() -> Migrator:
    return Migrator(SCHEMA, MIGRATIONS)


def create_app(settings: RegistrySettings, *, clock: Clock | None = None) -> web.Application:
    """Build the registry app; the database opens (and migrates) when the app starts."""
    app = base_application(settings, SERVICE_NAME, clock, settings_key=SETTINGS_KEY)
    app[MIGRATOR_KEY] = migrator()

    async def accept_bootstrap_tokens(conn: asyncpg.Connection) -> None:
        await ensure_bootstrap_tokens(
            conn,
            {
                Role.ORGANISER: secret_value(settings.organiser_bootstrap_token),
                Role.SERVICE: secret_value(settings.service_bootstrap_token),
            },
        )

    app.cleanup_ctx.append(pool_context(settings, app[MIGRATOR_KEY], after_migrations=accept_bootstrap_tokens))
    app.cleanup_ctx.append(validation_workers_context)
    app.cleanup_ctx.append(matcher_session_context(settings))
    app[VERIFIER_KEY] = PgTokenVerifier(app)
    setup_routes(app)
    return app
