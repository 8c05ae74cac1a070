"""Database helpers: find the database, connect with patience, and hold a pool per service.

``DATABASE_URL`` unset means the embedded PostgreSQL (see :mod:`shared.embedded`), with the
application database ``affarstraff`` created in it on first use.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
from aiohttp import web

from shared.backoff import backoff_seconds
from shared.embedded import APPLICATION_DATABASE, start_embedded_server, with_database
from shared.migrations import Migrator
from shared.outage import OUTAGE_KEY, OutageLog, cannot_be_reached, describe, observed_connect
from shared.settings import CommonSettings

log = logging.getLogger("shared.db")

POOL_KEY = web.AppKey("db_pool", asyncpg.Pool)

# Errors that mean "not there (yet)": worth retrying while the database starts (the pool's connect
# raises shared.outage.DatabaseUnreachable, a ConnectionError, for all of these).
_TRANSIENT = (OSError, asyncio.TimeoutError, asyncpg.CannotConnectNowError, asyncpg.TooManyConnectionsError)
# The longest wait between tries to connect while the database starts.
_LONGEST_RETRY_SECONDS = 2.0


class DatabaseUnavailable(RuntimeError):
    """The database could not be reached in time; the message says where and why, without secrets."""


async def ensure_database(server_uri: str, database: str) -> None:
    """Create ``database`` on the server unless it exists (safe when several processes race)."""
    conn = await asyncpg.connect(server_uri)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            # Another process may create it a moment before us; that is fine.
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()


async def resolve_database_url(settings: CommonSettings) -> str:
    """The URL to connect to: ``DATABASE_URL``, or the embedded server started on demand."""
    if settings.database_url is not None:
        return str(settings.database_url)
    server_uri = await asyncio.to_thread(start_embedded_server, settings.embedded_pg_dir)
    await ensure_database(server_uri, APPLICATION_DATABASE)
    return with_database(server_uri, APPLICATION_DATABASE)


async def retry_until_reachable(
    connect: Callable[[], Any], *, timeout: float, where: str, first_delay: float = 0.1
) -> Any:
    """Call ``connect`` until it succeeds or ``timeout`` seconds pass, backing off between tries."""
    deadline = time.monotonic() + timeout
    attempt = 0
    while True:
        attempt += 1
        # first_delay doubling up to 2 s (a first_delay longer than that is waited once, as given)
        delay = first_delay if attempt == 1 else backoff_seconds(attempt, base=first_delay, cap=_LONGEST_RETRY_SECONDS)
        try:
            return await connect()
        except _TRANSIENT as error:
            if time.monotonic() + delay > deadline:
                raise DatabaseUnavailable(
                    cannot_be_reached(f"the database ({where})", describe(error), within=timeout)
                ) from None
            log.warning("%s yet, retrying in %.1f s", cannot_be_reached(f"the database ({where})"), delay)
            await asyncio.sleep(delay)
        except asyncpg.InvalidCatalogNameError:
            raise DatabaseUnavailable(f"the database does not exist ({where})") from None
        except (asyncpg.InvalidAuthorizationSpecificationError, asyncpg.InvalidPasswordError) as error:
            raise DatabaseUnavailable(f"the database refused our credentials ({where}): {error}") from None


async def init_connection(conn: asyncpg.Connection) -> None:
    """Per-connection set-up: json/jsonb as Python objects both ways."""
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(kind, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


# One connection attempt while serving: a request waits at most this long for a new connection before
# it is answered 503 (asyncpg's own default, 60 s, would hold requests long past any client's patience).
CONNECT_ATTEMPT_TIMEOUT = 5.0


async def create_pool(
    settings: CommonSettings,
    dsn: str,
    schema: str = "public",
    outage: OutageLog | None = None,
    *,
    max_size: int | None = None,
    reset: Callable[[asyncpg.Connection], Awaitable[None]] | None = None,
) -> asyncpg.Pool:
    """An asyncpg pool, retrying the first connection for ``DATABASE_CONNECT_TIMEOUT`` seconds.

    ``schema`` comes first on the search path, so extensions installed in it (pg_trgm's operators)
    resolve; queries still name their tables with the schema. Every new connection goes through
    ``outage`` (see :mod:`shared.outage`): a failed one raises ``DatabaseUnreachable``, and the log
    says once that the database is away and once that it is back. ``max_size`` and ``reset`` (asyncpg's:
    what runs when a connection goes back; default its reset query) are for special-purpose pools.
    """
    outage = outage or OutageLog(f"database ({settings.describe_database()})")
    return await retry_until_reachable(
        lambda: asyncpg.create_pool(
            dsn,
            connect=observed_connect(outage),
            timeout=CONNECT_ATTEMPT_TIMEOUT,
            min_size=min(settings.database_pool_min, max_size or settings.database_pool_max),
            max_size=max_size or settings.database_pool_max,
            command_timeout=60,
            init=init_connection,
            reset=reset,
            # Each service works in its own schema; public holds extensions installed before us.
            server_settings={"application_name": "affarstraff", "timezone": "UTC", "search_path": f"{schema}, public"},
        ),
        timeout=settings.database_connect_timeout,
        where=settings.describe_database(),
    )


def pool_context(
    settings: CommonSettings,
    migrator: Migrator,
    *,
    after_migrations: Callable[[asyncpg.Connection], Awaitable[None]] | None = None,
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A ``cleanup_ctx`` entry: open the pool, bring the service's schema to the code's version
    (or refuse, see ``MIGRATE_ON_START``), run ``after_migrations``, and close the pool at the end."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        dsn = await resolve_database_url(settings)
        app[OUTAGE_KEY] = outage = OutageLog(f"database ({settings.describe_database()})")
        pool = await create_pool(settings, dsn, migrator.schema, outage)
        try:
            async with pool.acquire() as conn:
                await migrator.prepare(conn, apply=settings.migrate_on_start)
                if after_migrations is not None:
                    await after_migrations(conn)
            app[POOL_KEY] = pool
            yield
        finally:
            await pool.close()

    return context
