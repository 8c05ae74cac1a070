"""Stored schedule versions as agendas, cached in the process, and what changed for one participant.

A version never changes once stored: its snapshot and meetings are fixed, and what people see of it
depends only on its status and publication time (contacts are shown once it is published, the header
says when). So its :class:`~.model.Agendas` are built once per process and kept in an LRU cache keyed
by (version id, status, published_at, include_contacts); a request then costs one small query for the
version's head and a dictionary look-up. Rendered files (.ics, HTML, PDF) are cached the same way, by
bytes, since the renderers give the same bytes for the same version.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, NamedTuple, TypeVar
from uuid import UUID

import asyncpg
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.snapshot import EventSnapshot

from ..sql import agendas as sql
from .build import PlacedMeeting, build_agendas, removed_meetings
from .model import AgendaMeeting, Agendas, SmeAgenda, TableAgenda

Status = Literal["draft", "published", "superseded"]
Kind = Literal["sme", "buyer"]
Source = asyncpg.Pool | asyncpg.Connection
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True)
class VersionRef:
    """A stored version's head: what finds its agendas in the cache and what its documents say."""

    id: UUID
    event_id: UUID
    number: int
    status: Status
    created_at: dt.datetime
    published_at: dt.datetime | None
    venue: str = ""
    # Bumped when the stored copy is redacted (an erasure): what was built from the old copy is not served.
    revision: int = 0
    # Organisations whose sign-up was cancelled after this version was published: their meetings are off.
    cancelled: frozenset[UUID] = frozenset()

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> VersionRef:
        keys = set(row.keys())
        return cls(
            id=row["id"],
            event_id=row["event_id"],
            number=row["number"],
            status=row["status"],
            created_at=row["created_at"],
            published_at=row["published_at"],
            venue=row["venue"] or "",
            revision=row["revision"] if "revision" in keys else 0,
            cancelled=frozenset(row["cancelled"] or ()) if "cancelled" in keys else frozenset(),
        )

    @property
    def include_contacts(self) -> bool:
        """Contact people are personal data, shown once the version is published (never in a draft preview)."""
        return self.status != "draft"

    @property
    def shown_at(self) -> dt.datetime:
        """The time documents print: when it was published, for a draft when it was computed."""
        return self.published_at or self.created_at

    @property
    def cache_key(self) -> tuple[Any, ...]:
        cancelled = tuple(sorted(self.cancelled, key=str))
        return (self.id, self.status, self.published_at, self.include_contacts, self.revision, cancelled)

    def as_published(self) -> VersionRef:
        """The same version without the cancellations after publication (the meetings as published)."""
        return dataclasses.replace(self, cancelled=frozenset())


async def published_version(source: Source, event_id: UUID) -> VersionRef | None:
    """The event's published version, or None before anything is published."""
    row = await source.fetchrow(sql.SELECT_PUBLISHED_VERSION, event_id)
    return None if row is None else VersionRef.from_row(row)


async def version_by_number(source: Source, event_id: UUID, number: int) -> VersionRef | None:
    """Version ``number`` of the event, whatever its status, or None."""
    row = await source.fetchrow(sql.SELECT_VERSION_BY_NUMBER, event_id, number)
    return None if row is None else VersionRef.from_row(row)


async def released_before(source: Source, ref: VersionRef) -> list[VersionRef]:
    """The versions participants were shown before ``ref`` (published or superseded), oldest first."""
    rows = await source.fetch(sql.SELECT_RELEASED_BEFORE, ref.event_id, ref.number)
    return [VersionRef.from_row(row) for row in rows]


def agendas_from_stored(ref: VersionRef, snapshot: Mapping[str, Any] | str, meetings: Iterable[Mapping]) -> Agendas:
    """Build a stored version's agendas from its snapshot (jsonb) and ``schedule_meetings`` rows.

    Examples
    --------
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> ref = VersionRef(UUID(int=1), snapshot.event.id, 2, "draft", snapshot.generated_at, None, "Lugnet")
    >>> row = {"sme_id": snapshot.smes[0].organisation.id, "buyer_id": snapshot.buyers[0].organisation.id,
    ...        "slot": 0, "table_index": 0, "explanation": '{"sentence_sv": "Ni passar."}'}
    >>> agendas = agendas_from_stored(ref, snapshot.model_dump_json(), [row])
    >>> first = agendas.smes[0]
    >>> first.version, first.venue, first.meetings[0].why_sv, first.meetings[0].contacts
    (2, 'Lugnet', 'Ni passar.', None)
    """
    data = json.loads(snapshot) if isinstance(snapshot, str) else snapshot
    # A meeting with an organisation that cancelled after publication is off: it is on nobody's agenda.
    off = ref.cancelled
    placed = [
        PlacedMeeting(
            row["sme_id"],
            row["buyer_id"],
            row["slot"],
            row["table_index"],
            json.loads(row["explanation"]) if isinstance(row["explanation"], str) else row["explanation"],
        )
        for row in meetings
        if row["sme_id"] not in off and row["buyer_id"] not in off
    ]
    return build_agendas(
        EventSnapshot.model_validate(data),
        placed,
        version=ref.number,
        published_at=ref.shown_at,
        include_contacts=ref.include_contacts,
        venue=ref.venue,
    )


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
    """Agendas of stored versions and their rendered files, kept in this process.

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
                    snapshot = await source.fetchval(sql.SELECT_VERSION_SNAPSHOT, ref.id)
                    meetings = await source.fetch(sql.SELECT_VERSION_MEETINGS, ref.id)
                    found = await asyncio.to_thread(agendas_from_stored, ref, snapshot, meetings)
                    self._versions.put(key, found)
                return found
        finally:
            if self._building.get(key) is lock:
                self._building.pop(key)

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


# One per process: version ids are unique, so every app in the process can share it.
AGENDA_CACHE = AgendaCache()


@dataclass(frozen=True)
class Participant:
    """Whose agenda: an SME, or a buyer (all its tables, or one of them for a per-table link)."""

    organisation_id: UUID
    kind: Kind
    table_index: int | None = None  # the buyer's own table, 0-based; None: all of them


def participant_kind(agendas: Agendas, organisation_id: UUID) -> Kind | None:
    """Whether the organisation takes part in this version as an SME or a buyer (None: not at all)."""
    if any(agenda.sme_id == organisation_id for agenda in agendas.smes):
        return "sme"
    if any(sheet.buyer_id == organisation_id for sheet in agendas.tables):
        return "buyer"
    return None


Day = SmeAgenda | TableAgenda | Sequence[TableAgenda]


def day_of(agendas: Agendas, participant: Participant) -> SmeAgenda | list[TableAgenda] | None:
    """The participant's agenda in this version: an SME's agenda or a buyer's table sheets (None: not in it)."""
    if participant.kind == "sme":
        try:
            return agendas.sme(participant.organisation_id)
        except KeyError:
            return None
    sheets = agendas.buyer_tables(participant.organisation_id)
    if participant.table_index is not None:
        sheets = [sheet for sheet in sheets if sheet.buyer_table == participant.table_index + 1]
    return sheets or None


class _Meetings(NamedTuple):
    """A day of one or more sheets, shaped like an agenda for :func:`.build.removed_meetings`."""

    meetings: list[AgendaMeeting]


def day_meetings(day: Day | None) -> list[AgendaMeeting]:
    """All meetings of a day (over all of a buyer's tables), by start time."""
    if day is None:
        return []
    if isinstance(day, SmeAgenda | TableAgenda):
        return list(day.meetings)
    return sorted((m for sheet in day for m in sheet.meetings), key=lambda m: (m.start, m.table))


class MovedMeeting(AgendaMeeting):
    """A meeting that still takes place but at another time or table: where it is now, and where it was."""

    previous_start: AwareDatetime = Field(description="The earlier start (UTC)")
    previous_end: AwareDatetime = Field(description="The earlier end (UTC)")
    previous_local_time: str = Field(description="The earlier local wall-clock span")
    previous_table: int = Field(ge=1, description="The earlier table number")


class AgendaChanges(BaseModel):
    """What changed in a participant's agenda since a version it saw before."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    since_version: int = Field(ge=1, description="The version compared with (the one last opened, or ?since)")
    added: list[AgendaMeeting] = Field(description="Meetings that are new, by start time")
    moved: list[MovedMeeting] = Field(description="Meetings at another time or table, by their new start time")
    removed: list[AgendaMeeting] = Field(description="Meetings that no longer take place (as they were)")


def changes_between(previous: Day | None, current: Day | None, *, since_version: int) -> AgendaChanges:
    """Added, moved and removed meetings of one participant between two versions, pair by pair.

    A pair (SME, buyer) in both versions at another slot or table is moved (it keeps its calendar entry);
    only in the earlier one, removed (the rule of :func:`.build.removed_meetings`); only in the later, added.
    A buyer's day spans all its tables, so a meeting moved from one of its tables to another is moved.

    Examples
    --------
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> a, b = snapshot.smes[0].organisation.id, snapshot.smes[1].organisation.id
    >>> buyer = snapshot.buyers[0].organisation.id
    >>> def version(n, meetings):
    ...     return build_agendas(snapshot, [(s, buyer, slot, 0, {}) for s, slot in meetings], version=n,
    ...                          published_at=snapshot.generated_at, include_contacts=False).buyer_tables(buyer)
    >>> diff = changes_between(version(1, [(a, 0), (b, 1)]), version(2, [(a, 2)]), since_version=1)
    >>> [(m.counterpart_name, m.previous_local_time, m.local_time) for m in diff.moved]
    [('Städbolaget i Falun AB', '09:00–09:20', '09:50–10:10')]
    >>> [m.counterpart_name for m in diff.removed], diff.added
    (['Mora Bygg AB'], [])
    """
    before, after = day_meetings(previous), day_meetings(current)
    earlier = {meeting.pair: meeting for meeting in before}
    moved = []
    for meeting in after:
        old = earlier.get(meeting.pair)
        if old is not None and (old.slot, old.table) != (meeting.slot, meeting.table):
            moved.append(
                MovedMeeting(
                    **dict(meeting),
                    previous_start=old.start,
                    previous_end=old.end,
                    previous_local_time=old.local_time,
                    previous_table=old.table,
                )
            )
    return AgendaChanges(
        since_version=since_version,
        added=[meeting for meeting in after if meeting.pair not in earlier],
        moved=moved,
        removed=removed_meetings(_Meetings(before), _Meetings(after)),  # type: ignore[arg-type]
    )


async def last_seen_version(source: Source, event_id: UUID, organisation_id: UUID) -> int | None:
    """The version the participant last opened, or None on its first look."""
    return await source.fetchval(sql.SELECT_AGENDA_VIEW, event_id, organisation_id)
