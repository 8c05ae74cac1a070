"""A stored schedule version as people read it: its head, the reads that find it, and the one way it
becomes agendas.

A version never changes once stored: its snapshot and meetings are fixed, and what people see of it
depends only on its head (:class:`VersionRef`): its status (contacts are shown once it is published),
its publication time (the header says when), its venue, and the organisations that cancelled after it
was published (their meetings are off). :func:`agendas_from_stored` is the one function that turns a
stored version into :class:`~.model.Agendas`: publishing (:mod:`..schedules.publish`), serving (through
:class:`.cache.AgendaCache`), cancellations and reminders all build with it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias
from uuid import UUID

import asyncpg

from shared.snapshot import EventSnapshot

from ..schedules.compute import StoredMeeting
from ..sql import agendas as sql
from .build import PlacedMeeting, build_agendas
from .model import Agendas

Status = Literal["draft", "published", "superseded"]
Source: TypeAlias = asyncpg.Pool | asyncpg.Connection
# A stored meeting as a query returns it (a schedule_meetings row) or as the schedules' store reads it.
MeetingRow: TypeAlias = Mapping[str, Any] | asyncpg.Record | StoredMeeting


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


def placed_meeting(row: MeetingRow) -> PlacedMeeting:
    """A stored meeting as :func:`.build.build_agendas` takes it (the explanation decoded if it is JSON text).

    Examples
    --------
    >>> placed_meeting({"sme_id": 1, "buyer_id": 2, "slot": 3, "table_index": 0, "explanation": '{"a": 1}'})
    PlacedMeeting(sme_id=1, buyer_id=2, slot=3, table=0, explanation={'a': 1})
    """
    if isinstance(row, StoredMeeting):
        sme_id, buyer_id, slot, table, explanation = (
            row.sme_id,
            row.buyer_id,
            row.slot,
            row.table_index,
            row.explanation,
        )
    else:
        sme_id, buyer_id, slot, table = row["sme_id"], row["buyer_id"], row["slot"], row["table_index"]
        explanation = row["explanation"]
    return PlacedMeeting(
        sme_id, buyer_id, slot, table, json.loads(explanation) if isinstance(explanation, str) else explanation
    )


def agendas_from_stored(
    ref: VersionRef, snapshot: EventSnapshot | Mapping[str, Any] | str, meetings: Iterable[MeetingRow]
) -> Agendas:
    """A stored version's agendas, from its head, its snapshot (parsed, or as jsonb) and its meetings.

    The head decides the rest: the number, the time printed, whether contacts are shown, the venue, and
    which organisations' meetings are off (cancelled after publication; :meth:`VersionRef.as_published`
    for the meetings as published).

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
    >>> off = dataclasses.replace(ref, cancelled=frozenset({snapshot.smes[0].organisation.id}))
    >>> agendas_from_stored(off, snapshot, [row]).smes[0].meetings
    []
    """
    if not isinstance(snapshot, EventSnapshot):
        snapshot = EventSnapshot.model_validate(json.loads(snapshot) if isinstance(snapshot, str) else snapshot)
    # A meeting with an organisation that cancelled after publication is off: it is on nobody's agenda.
    off = ref.cancelled
    placed = [
        meeting
        for meeting in map(placed_meeting, meetings)
        if meeting.sme_id not in off and meeting.buyer_id not in off
    ]
    return build_agendas(
        snapshot,
        placed,
        version=ref.number,
        published_at=ref.shown_at,
        include_contacts=ref.include_contacts,
        venue=ref.venue,
    )


async def read_agendas(source: Source, ref: VersionRef) -> Agendas:
    """Read the version's snapshot and meetings and build its agendas (in a worker thread: the event loop
    keeps serving meanwhile). Uncached: :meth:`.cache.AgendaCache.agendas` keeps what this builds."""
    snapshot = await source.fetchval(sql.SELECT_VERSION_SNAPSHOT, ref.id)
    meetings = await source.fetch(sql.SELECT_VERSION_MEETINGS, ref.id)
    return await asyncio.to_thread(agendas_from_stored, ref, snapshot, meetings)
