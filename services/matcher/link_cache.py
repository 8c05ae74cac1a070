"""Agenda link and venue board reads answered from memory, forgotten the moment the database says so.

On the event morning every participant polls its agenda link and every screen its board: thousands of
reads a second of answers that change a few times a day. Asking the database on each read was most of
a read's cost (the query, and the kernel waking PostgreSQL and the process again). So each process
keeps what the database answered, per token hash (the link and its event's published version; a
screen; a buyer's checked-in SMEs), and asks again only after a change:

- Every change to a row those answers are made of sends ``NOTIFY matcher_link_cache`` with the event's
  id, from the changing transaction itself (triggers, matcher migration 0015): revokes, erasures,
  publishes, live fills, cancellations, check-ins. On delivery (at commit) this process forgets that
  event's answers, so a revoked or erased link answers 410/404 and a re-publish shows at the next read.
- A write through this process (any request but GET, HEAD, OPTIONS) forgets its path's event before it
  is answered: its client's next read sees it even if that read comes before the write's NOTIFY does.
- An answer read while a notification arrived is not kept (the ``generation`` changed meanwhile): it may
  have been read before the change committed. Nor is one read before the event's first publication
  (screens and links wait for the moment that changes, so they ask the database).
- Nothing is kept or served from memory unless this process is listening: while it starts, while the
  database is away, and from the moment the listening connection is lost every read asks the database;
  the loss forgets everything, since what was sent while nobody listened is never delivered.
- Whatever happens, an answer is asked again after :data:`MAX_AGE_SECONDS` (a backstop: a change made by
  hand with triggers off).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from typing import Any, TypeVar
from uuid import UUID

from aiohttp import web

from shared.db import POOL_KEY

from .keys import LINK_CACHE_KEY
from .listener import ChannelListener, wait_for_either

CHANNEL = "matcher_link_cache"
MAX_AGE_SECONDS = 30.0
MAX_ENTRIES = 200_000  # far above links × formats of the biggest event; beyond it everything is forgotten
RETRY_SECONDS = 5.0  # how long the listening loop waits at most before checking its connection again

T = TypeVar("T")
MISSING: Any = object()


class LinkCache:
    """What link reads answered, per key and event, kept while notifications can say when it changes.

    Parameters
    ----------
    max_age
        Seconds an answer is served at most before the database is asked again.
    monotonic
        The time source for ``max_age`` (tests pass their own).

    Examples
    --------
    >>> cache, event = LinkCache(), UUID(int=1)
    >>> cache.put("k", event, "answer", cache.generation)  # not listening: nothing is kept
    False
    >>> cache.listening(True)
    >>> cache.put("k", event, "answer", cache.generation), cache.get("k")
    (True, 'answer')
    >>> before = cache.generation
    >>> cache.notified(str(event)); cache.get("k") is MISSING
    True
    >>> cache.put("k", event, "read before the change", before)  # raced the notification: not kept
    False
    """

    def __init__(self, *, max_age: float = MAX_AGE_SECONDS, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._entries: dict[Hashable, tuple[UUID, float, Any]] = {}
        self._max_age = max_age
        self._monotonic = monotonic
        # Whether notifications are received now: set by the listening loop, cleared the moment the
        # connection is lost (read on every request, so a flag, not a question to the connection).
        self.usable = False
        self._changed = asyncio.Event()
        # Bumped on every notification and every change of listening state: answers read across one are dropped.
        self.generation = 0

    def listening(self, listening: bool) -> None:
        """Notifications are (True) or are no longer (False) received: either way, forget everything now."""
        self.usable = listening
        self.forget_all()

    def lost(self) -> None:
        """The listening connection is lost: what is sent from now on is never delivered."""
        self.listening(False)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> Any:
        """The answer kept under ``key``, or :data:`MISSING` (none, too old, or not listening)."""
        entry = self._entries.get(key)
        if entry is None or not self.usable:
            return MISSING
        if self._monotonic() - entry[1] > self._max_age:
            del self._entries[key]
            return MISSING
        return entry[2]

    def put(self, key: Hashable, event_id: UUID, value: Any, generation: int) -> bool:
        """Keep ``value``, read when the generation was ``generation``; False (not kept) if it changed since."""
        if generation != self.generation or not self.usable:
            return False
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = (event_id, self._monotonic(), value)
        return True

    def notified(self, payload: str) -> None:
        """A notification: forget the event it names (everything if it names none)."""
        try:
            event_id = UUID(payload)
        except ValueError:
            self.forget_all()
            return
        self._entries = {key: entry for key, entry in self._entries.items() if entry[0] != event_id}
        self._bump()

    def forget_all(self) -> None:
        """Forget every answer (the listening connection was lost, or listening starts)."""
        self._entries = {}
        self._bump()

    def _bump(self) -> None:
        self.generation += 1
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def changed_after(self, generation: int) -> None:
        """Return once something was forgotten after ``generation`` (tests: a notification was delivered)."""
        while self.generation <= generation:
            await self._changed.wait()

    async def until_usable(self) -> None:
        """Return once the cache is in use (listening starts with a change: :func:`_listen`)."""
        while not self.usable:
            await self._changed.wait()


async def read_through(
    cache: LinkCache | None, key: Hashable, load: Callable[[], Awaitable[T]], event_of: Callable[[T], UUID | None]
) -> T:
    """The answer kept under ``key``, else ``load()``'s, kept under its event (``event_of``; None: not kept).

    Examples
    --------
    >>> async def load():
    ...     return "from the database"
    >>> asyncio.run(read_through(None, "k", load, lambda _: None))
    'from the database'
    """
    if cache is None:
        return await load()
    found = cache.get(key)
    if found is not MISSING:
        return found
    generation = cache.generation
    found = await load()
    event_id = event_of(found)
    if event_id is not None:
        cache.put(key, event_id, found, generation)
    return found


READS = frozenset({"GET", "HEAD", "OPTIONS"})


async def _after_write(request: web.Request, _response: web.StreamResponse) -> None:
    """Before this process answers a write (committed by then), it forgets what the write may change: the
    path's event (everything if the path names none), so the same client's next read sees the write
    even if it comes before the write's own NOTIFY does. Other processes learn of it by the NOTIFY."""
    cache = request.app.get(LINK_CACHE_KEY)
    if cache is None or request.method in READS:
        return
    cache.notified(request.match_info.get("event_id", ""))


def install(app: web.Application) -> None:
    """Give the app its link cache (after the pool's ``cleanup_ctx`` entry) and forget on its own writes."""
    app.cleanup_ctx.append(link_cache_context)
    app.on_response_prepare.append(_after_write)


async def _listen(listener: ChannelListener, cache: LinkCache, wake: asyncio.Event, stop: asyncio.Event) -> None:
    try:
        while not stop.is_set():
            await listener.ensure()
            if listener.listening != cache.usable:
                # Starting: a read begun before may hold an answer already changed. Lost: see LinkCache.lost.
                cache.listening(listener.listening)
            wake.clear()
            await wait_for_either(wake, stop, listener.retry_delay(RETRY_SECONDS))
    finally:
        cache.listening(False)  # however the loop ends, nothing is served from memory without it


async def link_cache_context(app: web.Application) -> AsyncIterator[None]:
    """A ``cleanup_ctx`` entry (after the pool's): the cache, and the connection listening for its changes."""
    cache = LinkCache()
    wake, stop = asyncio.Event(), asyncio.Event()
    listener = ChannelListener(
        app[POOL_KEY], CHANNEL, wake, "changes of links", on_notify=cache.notified, on_lost=cache.lost
    )
    app[LINK_CACHE_KEY] = cache
    task = asyncio.create_task(_listen(listener, cache, wake, stop), name="link-cache-listener")
    try:
        yield
    finally:
        stop.set()
        await task
        await listener.close()
