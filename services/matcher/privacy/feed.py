"""Follow the registry's change feed durably: erasures and cancellations applied once each, in order.

The cursor (``matcher.registry_feed.last_id``) says how far this matcher has applied the feed. A sync asks
the registry for what came after it and applies each change in its own transaction, which locks the cursor
row, skips a change another process applied meanwhile, and moves the cursor with the change itself: a
process that dies half-way leaves either the change and its cursor, or neither.

Syncs run in the background every ``MATCHER_FEED_POLL_SECONDS`` and right before each batch of
notifications is claimed (:func:`delivery_gate`), so no e-mail goes to or about someone erased a moment
ago: while the registry cannot be asked, the batch waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import asyncpg
from aiohttp import web

from shared.db import POOL_KEY
from shared.privacy import Change, ChangeKind

from ..agendas.cache import AgendaCache
from ..keys import AGENDA_CACHE_KEY
from ..listener import DATABASE_ERRORS, RetryStreak
from ..outcomes import NeedMove, fetch_move, queue_stage_notices
from ..registry_client import RegistryClient, RegistryDown, RegistryRefused
from ..settings import MatcherSettings
from ..sql import privacy as sql
from ..statistics.outcomes import record_outcome
from .cancellation import apply_cancellation
from .erasure import apply_erasure, forget_cached

log = logging.getLogger("services.matcher.privacy.feed")

PAGE = 100


@dataclass(frozen=True)
class SyncResult:
    applied: int
    last_id: int


async def _apply(
    pool: asyncpg.Pool,
    settings: MatcherSettings,
    change: Change,
    move: NeedMove | None = None,
    cache: AgendaCache | None = None,
) -> bool:
    """Apply one change with its cursor move; False when another process had applied it already.

    ``move``: for a ``need.stage`` change, what the registry said about the need (asked before this
    transaction opens: no HTTP inside it). ``cache``: the app's agendas, which forget an erased copy.
    """
    erased = None
    async with pool.acquire() as conn, conn.transaction():
        if await conn.fetchval(sql.LOCK_FEED_CURSOR) >= change.id:
            return False
        if change.kind is ChangeKind.ORGANISATION_ERASED:
            erased = await apply_erasure(conn, change.organisation_id, change.at)
        elif change.kind is ChangeKind.REGISTRATION_CANCELLED and change.event_id is not None:
            queued = await apply_cancellation(conn, settings, change.event_id, change.organisation_id, change.at)
            log.info("cancellation of %s in %s applied: %d notices", change.organisation_id, change.event_id, queued)
        elif change.kind is ChangeKind.NEED_STAGE and move is not None:
            await queue_stage_notices(conn, settings, move)
            await record_outcome(conn, change, move.procurement)
        await conn.execute(sql.ADVANCE_FEED_CURSOR, change.id)
    if erased is not None and cache is not None:
        forget_cached(erased, cache)
    return True


async def sync_feed(
    pool: asyncpg.Pool, settings: MatcherSettings, client: RegistryClient, *, cache: AgendaCache | None = None
) -> SyncResult:
    """Apply every change the registry has after the cursor; raises RegistryDown/RegistryRefused when it cannot ask.

    ``cache``: the app's agendas (none outside an app), which forget what was built from an erased copy.
    """
    applied = 0
    async with pool.acquire() as conn:
        last = await conn.fetchval(sql.SELECT_FEED_CURSOR)
    while True:
        page = await client.changes(last, limit=PAGE)
        for change in page.items:
            move = await fetch_move(client, change) if change.kind is ChangeKind.NEED_STAGE else None
            applied += await _apply(pool, settings, change, move, cache)
            last = max(last, change.id)
        if len(page.items) < PAGE:
            break
    async with pool.acquire() as conn:
        await conn.execute(sql.MARK_FEED_SYNCED)
    return SyncResult(applied, last)


def delivery_gate(
    pool: asyncpg.Pool,
    settings: MatcherSettings,
    client: Callable[[], RegistryClient],
    *,
    cache: AgendaCache | None = None,
) -> Callable[[], Awaitable[bool]]:
    """What the deliverer awaits before claiming a batch: the feed synced (True), or the batch must wait (False)."""

    # Polled every few seconds by both the feed loop and the deliverers: an outage is one line per streak.
    reads = RetryStreak(log, "read the registry's change feed (notifications wait)")
    applies = RetryStreak(log, "apply the change feed (notifications wait)")

    async def gate() -> bool:
        try:
            await sync_feed(pool, settings, client(), cache=cache)
        except (RegistryDown, RegistryRefused) as error:
            reads.failed(error)
            return False
        except DATABASE_ERRORS as error:
            applies.failed(error)
            return False
        reads.worked()
        applies.worked()
        return True

    return gate


async def run_feed(
    pool: asyncpg.Pool,
    settings: MatcherSettings,
    client: Callable[[], RegistryClient],
    *,
    stop: asyncio.Event,
    cache: AgendaCache | None = None,
) -> None:
    """Sync every ``settings.feed_poll_seconds`` until ``stop`` is set; failures are logged, never fatal."""
    gate = delivery_gate(pool, settings, client, cache=cache)
    while not stop.is_set():
        try:
            await gate()
        except Exception:
            log.exception("applying the registry's change feed failed unexpectedly (trying again later)")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.feed_poll_seconds)


def feed_context(settings: MatcherSettings, client: Callable[[web.Application], RegistryClient]):
    """A ``cleanup_ctx`` entry following the feed in the background (after the pool's and the client's)."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        feed = run_feed(app[POOL_KEY], settings, lambda: client(app), stop=stop, cache=app[AGENDA_CACHE_KEY])
        task = asyncio.create_task(feed, name="feed")
        try:
            yield
        finally:
            stop.set()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return context
