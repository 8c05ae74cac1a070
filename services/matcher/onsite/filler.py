"""The filler loop: each matcher process fills freed table-slots in the background (see :mod:`.live_fill`).

Woken by ``LISTEN matcher_live_fill`` (sent with each freed slot), and polling as a fallback; any number
of processes may run it against one database (the event's schedule lock and ``SKIP LOCKED`` keep their
fills apart).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from uuid import UUID

import asyncpg
from aiohttp import web

from shared.clock import CLOCK_KEY, Clock
from shared.db import POOL_KEY

from ..keys import REGISTRY_KEY
from ..listener import DATABASE_ERRORS, ChannelListener, RetryStreak, wait_for_either
from ..registry_client import Snapshot
from ..settings import MatcherSettings
from ..sql import onsite_fill as sql
from .live_fill import EncodingCache, FillOutcome, SnapshotSource, fill_event

log = logging.getLogger("services.matcher.onsite.filler")

POLL_SECONDS = 5.0  # also how soon an open freed slot that came within the frozen horizon is expired


async def fill_due(
    pool: asyncpg.Pool,
    settings: MatcherSettings,
    *,
    clock: Clock,
    cache: EncodingCache,
    fetch_snapshot: SnapshotSource | None = None,
    failing: set[UUID] | None = None,
) -> list[FillOutcome]:
    """One pass over every event with open freed slots. Database errors propagate (the loop waits them out);
    an event whose fill fails otherwise is logged (with its traceback once, until it works again) and skipped."""
    failing = set() if failing is None else failing
    async with pool.acquire() as conn:
        events = [row["event_id"] for row in await conn.fetch(sql.SELECT_EVENTS_WITH_OPEN)]
    outcomes = []
    for event_id in events:
        try:
            outcomes.append(
                await fill_event(pool, settings, event_id, clock=clock, cache=cache, fetch_snapshot=fetch_snapshot)
            )
        except DATABASE_ERRORS:
            raise
        except Exception:
            if event_id not in failing:
                log.exception("event %s: the live fill failed (its freed slots stay open; trying again)", event_id)
            failing.add(event_id)
        else:
            failing.discard(event_id)
    return outcomes


async def run_filler(
    pool: asyncpg.Pool,
    settings: MatcherSettings,
    *,
    clock: Clock,
    stop: asyncio.Event,
    fetch_snapshot: SnapshotSource | None = None,
    poll_seconds: float = POLL_SECONDS,
    on_pass: Callable[[list[FillOutcome]], None] | None = None,
) -> None:
    """Fill freed slots until ``stop`` is set: woken by ``LISTEN matcher_live_fill``, polling every
    ``poll_seconds`` (missed notifications, freed slots that came within the frozen horizon). A database
    outage is logged once and waited out. ``on_pass`` gets each pass's outcomes (tests, benchmarks)."""
    wake = asyncio.Event()
    listener = ChannelListener(pool, sql.LIVE_FILL_CHANNEL, wake, "freed table-slots")
    streak = RetryStreak(log, "fill freed table-slots")
    cache = EncodingCache()
    failing: set[UUID] = set()
    try:
        while not stop.is_set():
            await listener.ensure()
            wake.clear()  # a notification from here on ends the wait below
            outcomes: list[FillOutcome] = []
            try:
                outcomes = await fill_due(
                    pool, settings, clock=clock, cache=cache, fetch_snapshot=fetch_snapshot, failing=failing
                )
            except DATABASE_ERRORS as error:
                streak.failed(error)
            else:
                streak.worked()
            if on_pass is not None:
                on_pass(outcomes)
            await wait_for_either(wake, stop, listener.retry_delay(poll_seconds))
    finally:
        await listener.close()


def filler_context(settings: MatcherSettings) -> Callable[[web.Application], AsyncIterator[None]]:
    """A ``cleanup_ctx`` entry running the filler while the app runs (after the pool's and the registry
    client's entries); it uses ``app[CLOCK_KEY]`` for "now" and the registry for walk-ins' registrations."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()

        async def fetch(event_id: UUID) -> Snapshot:
            return await app[REGISTRY_KEY].snapshot(event_id)

        task = asyncio.create_task(
            run_filler(app[POOL_KEY], settings, clock=app[CLOCK_KEY], stop=stop, fetch_snapshot=fetch),
            name="live-filler",
        )
        try:
            yield
        finally:
            stop.set()
            done, _ = await asyncio.wait({task}, timeout=5.0)
            if not done:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return context
