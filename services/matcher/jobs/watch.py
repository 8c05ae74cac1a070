"""Watching jobs change: one LISTEN connection per process, fanned out to every waiting request.

Long polls and server-sent event streams subscribe *before* they read the job, then wait on their
subscription: a change committed between the read and the wait still wakes them. If the listening
connection is lost, waiters fall back to re-reading on their own timeout, and the watch reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from uuid import UUID

import asyncpg
from aiohttp import web

from shared.db import POOL_KEY

from ..keys import WATCH_KEY
from ..sql.jobs import JOB_UPDATES_CHANNEL

log = logging.getLogger("services.matcher.jobs.watch")


class JobWatch:
    """Subscriptions to job changes by job id."""

    def __init__(self) -> None:
        self._waiters: dict[UUID, set[asyncio.Event]] = defaultdict(set)

    def notify(self, job_id: UUID) -> None:
        for event in self._waiters.get(job_id, ()):
            event.set()

    def notify_all(self) -> None:
        """Wake everyone (the listener reconnected: changes may have been missed)."""
        for events in self._waiters.values():
            for event in events:
                event.set()

    @contextlib.contextmanager
    def subscribe(self, job_id: UUID) -> Iterator[asyncio.Event]:
        """An event set whenever the job changes (clear it after each wake-up)."""
        event = asyncio.Event()
        self._waiters[job_id].add(event)
        try:
            yield event
        finally:
            self._waiters[job_id].discard(event)
            if not self._waiters[job_id]:
                del self._waiters[job_id]

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            self.notify(UUID(payload))
        except ValueError:
            log.warning("ignoring a malformed job notification")

    async def listen(self, pool: asyncpg.Pool, stop: asyncio.Event, retry_seconds: float = 2.0) -> None:
        """Keep one connection listening until ``stop``; reconnect after losing it."""
        while not stop.is_set():
            try:
                async with pool.acquire() as conn:
                    await conn.add_listener(JOB_UPDATES_CHANNEL, self._on_notify)
                    self.notify_all()
                    try:
                        # A lost connection says so only when used: look every few seconds.
                        while not stop.is_set() and not conn.is_closed():
                            with contextlib.suppress(TimeoutError):
                                async with asyncio.timeout(retry_seconds):
                                    await stop.wait()
                    finally:
                        with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                            if not conn.is_closed():
                                await conn.remove_listener(JOB_UPDATES_CHANNEL, self._on_notify)
            except (
                asyncpg.PostgresError,
                asyncpg.InterfaceError,
                asyncpg.exceptions.InternalClientError,
                OSError,
                TimeoutError,
            ) as error:
                log.warning("cannot listen for job changes (waiters poll meanwhile): %s", error)
            if not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(retry_seconds):
                        await stop.wait()


async def watch_context(app: web.Application) -> AsyncIterator[None]:
    """A ``cleanup_ctx`` entry (after the pool's): the process's job watch."""
    watch = JobWatch()
    app[WATCH_KEY] = watch
    stop = asyncio.Event()
    task = asyncio.create_task(watch.listen(app[POOL_KEY], stop))
    try:
        yield
    finally:
        stop.set()
        watch.notify_all()
        await asyncio.gather(task, return_exceptions=True)
