"""What each participant last opened, without a database write on every read.

A participant's JSON read says what changed since the version it opened before, and then counts as
having seen this one (``matcher.agenda_views``). On the event morning everyone opens the link and polls
it: nearly every read is of the version already seen. So this process remembers, per (event,
organisation), the highest version it knows to be seen (read from the database or recorded here): a
read of that version asks and writes nothing. A newly seen version is kept as pending and written by a
background flush about once a second, all pending markers in one statement.

Durable enough: a crash (or a database outage outlasting the process) loses at most the last second's
markers, and a lost marker only makes the next read show its "what changed" notice once more. A marker
is never written for an organisation erased meanwhile (the flush skips erased organisations, under the
privacy lock an erasure takes exclusively), so an erasure's deletion of its views stays deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from uuid import UUID

import asyncpg
from aiohttp import web

from shared.db import POOL_KEY

from ..keys import SEEN_KEY
from ..listener import DATABASE_ERRORS, RetryStreak
from ..sql import agendas as sql
from ..sql import privacy as privacy_sql

log = logging.getLogger("services.matcher.agendas.seen")

FLUSH_SECONDS = 1.0
Key = tuple[UUID, UUID]  # (event, organisation)


class SeenMarkers:
    """The versions participants are known to have seen, and those not written to the database yet.

    Examples
    --------
    >>> markers, event, org = SeenMarkers(), UUID(int=1), UUID(int=2)
    >>> markers.known(event, org) is None
    True
    >>> markers.saw(event, org, 2); markers.saw(event, org, 1); markers.known(event, org)
    2
    >>> markers.take()
    [(UUID('00000000-0000-0000-0000-000000000001'), UUID('00000000-0000-0000-0000-000000000002'), 2)]
    >>> markers.saw(event, org, 2); markers.take()  # already recorded: nothing to write
    []
    """

    def __init__(self) -> None:
        self._known: dict[Key, int] = {}
        self._pending: dict[Key, int] = {}

    def known(self, event_id: UUID, organisation_id: UUID) -> int | None:
        """The highest version this process knows the participant has seen (None: ask the database)."""
        return self._known.get((event_id, organisation_id))

    def learn(self, event_id: UUID, organisation_id: UUID, number: int | None) -> None:
        """Remember what the database said the participant has seen (nothing to write)."""
        if number is not None:
            key = (event_id, organisation_id)
            self._known[key] = max(number, self._known.get(key, 0))

    def saw(self, event_id: UUID, organisation_id: UUID, number: int) -> None:
        """The participant opened version ``number``: pending unless a version as high is known seen."""
        key = (event_id, organisation_id)
        if self._known.get(key, 0) >= number:
            return
        self._known[key] = number
        self._pending[key] = number

    def take(self) -> list[tuple[UUID, UUID, int]]:
        """The pending markers, sorted (two processes flushing lock rows in one order), now no longer pending."""
        pending, self._pending = self._pending, {}
        return sorted((event, org, number) for (event, org), number in pending.items())

    def put_back(self, markers: list[tuple[UUID, UUID, int]]) -> None:
        """Markers a failed flush did not write: pending again (a newer one taken meanwhile wins)."""
        for event, org, number in markers:
            key = (event, org)
            self._pending[key] = max(number, self._pending.get(key, 0))


async def flush(pool: asyncpg.Pool, markers: SeenMarkers) -> int:
    """Write the pending markers in one statement; how many were pending. On failure they stay pending."""
    taken = markers.take()
    if not taken:
        return 0
    try:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(privacy_sql.LOCK_PRIVACY_SHARED)
            events, organisations, numbers = zip(*taken, strict=True)
            await conn.execute(sql.FLUSH_AGENDA_VIEWS, list(events), list(organisations), list(numbers))
    except BaseException:
        markers.put_back(taken)
        raise
    return len(taken)


async def flush_views(app: web.Application) -> int:
    """Write this app's pending markers now (the background flush does it every second)."""
    return await flush(app[POOL_KEY], app[SEEN_KEY])


async def _flush_loop(app: web.Application, stop: asyncio.Event) -> None:
    streak = RetryStreak(log, "record which agenda versions were seen")
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), FLUSH_SECONDS)
        try:
            await flush_views(app)
        except DATABASE_ERRORS as error:
            streak.failed(error)
        else:
            streak.worked()


async def seen_context(app: web.Application) -> AsyncIterator[None]:
    """A ``cleanup_ctx`` entry (after the pool's): the markers, flushed every second and once more at shutdown."""
    app[SEEN_KEY] = SeenMarkers()
    stop = asyncio.Event()
    task = asyncio.create_task(_flush_loop(app, stop), name="agenda-views-flush")
    try:
        yield
    finally:
        stop.set()
        await task  # its last turn writes what is still pending
