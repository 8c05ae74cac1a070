"""A small pool for the agenda link's one query per read, returning connections without a reset query.

asyncpg resets every connection going back to a pool with ``SELECT pg_advisory_unlock_all(); CLOSE ALL;
UNLISTEN *; RESET ALL`` — a second round trip after the read's one, and most of the database's work
per read in the morning burst. The connections of this pool run nothing but single read-only SELECTs
(no session state: no SET, LISTEN, cursor or session advisory lock), so there is nothing to reset;
asyncpg still rolls back an open transaction and drops listeners itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import asyncpg
from aiohttp import web

from shared.db import create_pool, resolve_database_url
from shared.outage import OUTAGE_KEY

from .. import SCHEMA
from ..keys import READS_KEY
from ..settings import MatcherSettings

READ_CONNECTIONS = 4  # per process: one query each at a time, answered in well under a millisecond


async def _nothing_to_reset(conn: asyncpg.Connection) -> None:
    """The pool's reset: none needed (see the module docstring)."""


def reads_context(settings: MatcherSettings) -> Callable[[web.Application], AsyncIterator[None]]:
    """A ``cleanup_ctx`` entry after the main pool's (which migrated the schema): the reads pool."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        dsn = await resolve_database_url(settings)
        pool = await create_pool(
            settings, dsn, SCHEMA, app[OUTAGE_KEY], max_size=READ_CONNECTIONS, reset=_nothing_to_reset
        )
        app[READS_KEY] = pool
        try:
            yield
        finally:
            await pool.close()

    return context
