"""Stored versions' agendas and their rendered files, kept in memory by the app that serves them.

A version's agendas depend only on its head (:class:`.versions.VersionRef`), so they are kept in an LRU
keyed by the head's :attr:`~.versions.VersionRef.cache_key` (id, status, published_at, contacts, revision,
cancellations); a request then costs one small query for the version's head and a dictionary look-up.
Rendered files (.ics, HTML, PDF, JSON) are kept the same way, by bytes, under keys naming everything
they depend on, since the renderers give the same bytes for the same version.

The app creates its cache at start (``app[AGENDA_CACHE_KEY]``, :mod:`..keys`); an erasure forgets what
was built from the old copy (:meth:`AgendaCache.forget`), and a new revision or cancellation is a new key.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar
from uuid import UUID

from .model import Agendas
from .versions import Source, VersionRef, read_agendas

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    """A least-recently-used map bounded by entries and, with ``weigh``, by total weight (e.g. bytes).

    Examples
    --------
    >>> cache = LRU(max_entries=2)
    >>> cache.put("a", 1); cache.put("b", 2); cache.get("a"); cache.put("c", 3)
    1
    >>> cache.get("b") is None, cache.get("a"), len(cache)
    (True, 1, 2)
    >>> sized = LRU(max_entries=10, max_weight=5, weigh=len)
    >>> sized.put("x", b"1234"); sized.put("y", b"12"); sized.get("x") is None
    True
    """

    def __init__(
        self, max_entries: int, *, max_weight: int | None = None, weigh: Callable[[V], int] | None = None
    ) -> None:
        self.max_entries, self.max_weight, self._weigh = max_entries, max_weight, weigh
        self._items: OrderedDict[K, V] = OrderedDict()
        self._weight = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        if key in self._items:
            self._drop(key)
        weight = self._weigh(value) if self._weigh else 0
        if self.max_weight is not None and weight > self.max_weight:
            return  # larger than the whole cache: serve it, do not keep it
        self._items[key] = value
        self._weight += weight
        while len(self._items) > self.max_entries or (self.max_weight is not None and self._weight > self.max_weight):
            self._drop(next(iter(self._items)))

    def drop_where(self, predicate: Callable[[K], bool]) -> None:
        """Forget every entry whose key satisfies ``predicate``."""
        for key in [key for key in self._items if predicate(key)]:
            self._drop(key)

    def _drop(self, key: K) -> None:
        value = self._items.pop(key)
        self._weight -= self._weigh(value) if self._weigh else 0


class AgendaCache:
    """Agendas of stored versions and their rendered files, kept by one app (``app[AGENDA_CACHE_KEY]``).

    Concurrent misses for one version build it once (the others wait for that build). Building and
    rendering run in a worker thread so the event loop keeps serving other requests meanwhile.
    """

    def __init__(self, *, max_versions: int = 64, max_rendered_bytes: int = 64 * 2**20) -> None:
        self._versions: LRU[tuple, Agendas] = LRU(max_versions)
        self._rendered: LRU[tuple, bytes] = LRU(1_000_000, max_weight=max_rendered_bytes, weigh=len)
        self._building: dict[tuple, asyncio.Lock] = {}

    async def agendas(self, source: Source, ref: VersionRef) -> Agendas:
        """The agendas of ``ref``, built from the database on the first request for it."""
        key = ref.cache_key
        found = self._versions.get(key)
        if found is not None:
            return found
        lock = self._building.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                found = self._versions.get(key)
                if found is None:
                    found = await read_agendas(source, ref)
                    self._versions.put(key, found)
                return found
        finally:
            if self._building.get(key) is lock:
                self._building.pop(key)

    def keep(self, ref: VersionRef, agendas: Agendas) -> None:
        """Keep agendas built elsewhere from ``ref``'s stored copy (a publish built them already)."""
        self._versions.put(ref.cache_key, agendas)

    def forget(self, version_id: UUID) -> None:
        """Drop everything this process built or rendered from a version (its stored copy was redacted)."""
        for cache in (self._versions, self._rendered):
            cache.drop_where(lambda key: version_id in _key_ids(key))

    def cached_file(self, key: tuple) -> bytes | None:
        """A file rendered before under ``key``, if this process still holds it."""
        return self._rendered.get(key)

    async def file(self, key: tuple, render: Callable[[], bytes]) -> bytes:
        """The bytes ``render`` makes, cached under ``key`` (which must name everything they depend on)."""
        found = self._rendered.get(key)
        if found is None:
            found = await asyncio.to_thread(render)
            self._rendered.put(key, found)
        return found


def _key_ids(key: Any) -> set[Any]:
    """Every value inside a (nested) cache key, to find the keys that name a version.

    Examples
    --------
    >>> sorted(_key_ids(("day", (1, "published"), 2)), key=str)
    [1, 2, 'day', 'published']
    """
    if isinstance(key, tuple):
        found: set[Any] = set()
        for part in key:
            found |= _key_ids(part)
        return found
    try:
        hash(key)
    except TypeError:
        return set()
    return {key}


async def agendas_of(source: Source, ref: VersionRef, cache: AgendaCache | None) -> Agendas:
    """``ref``'s agendas from ``cache``, or built afresh without one (a caller outside an app: tests, scripts)."""
    return await read_agendas(source, ref) if cache is None else await cache.agendas(source, ref)
