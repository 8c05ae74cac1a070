"""The matcher's application factory."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from shared.auth import VERIFIER_KEY
from shared.clock import Clock
from shared.db import POOL_KEY, pool_context
from shared.health import MIGRATOR_KEY
from shared.migrations import Migrator
from shared.settings import secret_value
from shared.web import base_application

from . import SCHEMA, SERVICE_NAME, link_cache
from .agendas.cache import AgendaCache
from .agendas.reads import reads_context
from .agendas.seen import seen_context
from .auth import RegistryTokenVerifier, http_session_context
from .jobs.watch import watch_context
from .keys import AGENDA_CACHE_KEY, REGISTRY_KEY, SETTINGS_KEY
from .notify.deliver import outbox_context
from .onsite.filler import filler_context
from .privacy.feed import delivery_gate, feed_context
from .reminders import reminders_context
from .routes import setup_routes
from .schedules.runner import workers_context
from .settings import MatcherSettings
from .state import registry_client_context

MIGRATIONS = Path(__file__).parent / "migrations"


def migrator() -> Migrator:
    return Migrator(SCHEMA, MIGRATIONS)


def create_app(settings: MatcherSettings, *, clock: Clock | None = None) -> web.Application:
    """Build the matcher app; the database opens (and migrates) when the app starts."""
    app = base_application(settings, SERVICE_NAME, clock, settings_key=SETTINGS_KEY)
    app[MIGRATOR_KEY] = migrator()
    app[AGENDA_CACHE_KEY] = AgendaCache()  # agendas of stored versions and their files, built once per app

    app.cleanup_ctx.append(pool_context(settings, app[MIGRATOR_KEY]))
    app.cleanup_ctx.append(seen_context)  # what participants opened, written in the background
    app.cleanup_ctx.append(reads_context(settings))  # agenda link reads: one query, no reset after it
    link_cache.install(app)  # link and board reads from memory, cleared by NOTIFY and by this app's writes
    app.cleanup_ctx.append(http_session_context(settings.registry_timeout))
    app.cleanup_ctx.append(registry_client_context(settings))
    # Erasures and cancellations from the registry: in the background, and before each batch of notifications.
    app.cleanup_ctx.append(feed_context(settings, lambda app: app[REGISTRY_KEY]))
    app.cleanup_ctx.append(
        outbox_context(
            settings,
            lambda app: delivery_gate(app[POOL_KEY], settings, lambda: app[REGISTRY_KEY], cache=app[AGENDA_CACHE_KEY]),
        )
    )
    app.cleanup_ctx.append(watch_context)
    app.cleanup_ctx.append(workers_context(settings))
    # Reminders before the day (agenda, before each meeting, sign-up deadline), due by the app's clock.
    app.cleanup_ctx.append(reminders_context(settings, lambda app: app[REGISTRY_KEY]))
    # Freed table-slots on the day to stand-by firms (woken by NOTIFY matcher_live_fill).
    app.cleanup_ctx.append(filler_context(settings))
    app[VERIFIER_KEY] = RegistryTokenVerifier(
        app, str(settings.registry_url), secret_value(settings.service_token), ttl=settings.token_cache_seconds
    )
    setup_routes(app)
    return app
