"""The published version as the event day sees it: is it the day yet, has a meeting started, which meeting
a pair has.

Meetings on the day are named by ``(event, sme, buyer)`` in the published version (a pair meets at most
once per event). Every "when" question takes the application clock's ``now``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg

from shared.errors import Conflict, NotFound

from ..sql import onsite_day as sql

Phase = Literal["before", "day", "after"]

NO_PUBLISHED = "Evenemanget har inget publicerat schema ännu. (The event has no published schedule yet.)"
NO_MEETING = (
    "Det finns inget sådant möte i det publicerade schemat. (There is no such meeting in the published schedule.)"
)


@dataclass(frozen=True)
class Slot:
    """One slot of the grid: its index, start and end (aware UTC) and its local label."""

    index: int
    start: dt.datetime
    end: dt.datetime
    label: str


@dataclass(frozen=True)
class Meeting:
    """A published meeting: who, when and at which of the buyer's tables."""

    sme_id: UUID
    buyer_id: UUID
    slot: int
    table_index: int


@dataclass(frozen=True)
class DayVersion:
    """The event's published version: its id and number, the day, the grid, who cancelled."""

    id: UUID
    number: int
    date: dt.date
    zone: ZoneInfo
    slots: dict[int, Slot]
    cancelled: frozenset[UUID]

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> DayVersion:
        event = row["event"]
        return cls.from_event(row["id"], row["number"], event, row["cancelled"] or ())

    @classmethod
    def from_event(cls, version_id: UUID, number: int, event: dict[str, Any], cancelled=()) -> DayVersion:
        """Built from the snapshot's ``event`` object.

        Examples
        --------
        >>> event = {"date": "2027-03-04", "time_zone": "Europe/Stockholm", "slots": [
        ...     {"index": 0, "start": "2027-03-04T08:00:00Z", "end": "2027-03-04T08:20:00Z", "label": "09:00–09:20"}]}
        >>> day = DayVersion.from_event(UUID(int=1), 1, event)
        >>> at = lambda *when: dt.datetime(*when, tzinfo=dt.UTC)
        >>> day.phase(at(2027, 3, 3, 22, 59)), day.phase(at(2027, 3, 3, 23, 0)), day.phase(at(2027, 3, 4, 23, 0))
        ('before', 'day', 'after')
        >>> day.started(0, at(2027, 3, 4, 8, 0)), day.started(0, at(2027, 3, 4, 7, 59))
        (True, False)
        """
        slots = {
            int(s["index"]): Slot(
                int(s["index"]), dt.datetime.fromisoformat(s["start"]), dt.datetime.fromisoformat(s["end"]), s["label"]
            )
            for s in event.get("slots", [])
        }
        return cls(
            id=version_id,
            number=number,
            date=dt.date.fromisoformat(event["date"]),
            zone=ZoneInfo(event.get("time_zone") or "Europe/Stockholm"),
            slots=slots,
            cancelled=frozenset(cancelled),
        )

    def phase(self, now: dt.datetime) -> Phase:
        """Before the event's day, on it, or after it (the date in the event's own time zone)."""
        today = now.astimezone(self.zone).date()
        return "before" if today < self.date else "day" if today == self.date else "after"

    def started(self, slot: int, now: dt.datetime) -> bool:
        """Has the meeting in ``slot`` started by ``now``?"""
        known = self.slots.get(slot)
        return known is not None and known.start <= now

    def label(self, slot: int) -> str:
        known = self.slots.get(slot)
        return known.label if known is not None else str(slot)


async def published_day(conn: asyncpg.Connection, event_id: UUID) -> DayVersion:
    """The event's published version, or 404 (nothing is planned before a version is published)."""
    row = await conn.fetchrow(sql.SELECT_PUBLISHED_DAY, event_id)
    if row is None:
        raise NotFound(NO_PUBLISHED, slug="no-published-schedule")
    return DayVersion.from_row(row)


async def published_meeting(conn: asyncpg.Connection, day: DayVersion, sme_id: UUID, buyer_id: UUID) -> Meeting:
    """The pair's meeting in the published version, or 404 (also when either side cancelled its sign-up)."""
    row = await conn.fetchrow(sql.SELECT_MEETING, day.id, sme_id, buyer_id)
    if row is None or sme_id in day.cancelled or buyer_id in day.cancelled:
        raise NotFound(NO_MEETING, slug="no-such-meeting")
    return Meeting(row["sme_id"], row["buyer_id"], row["slot"], row["table_index"])


async def organisation_meetings(conn: asyncpg.Connection, day: DayVersion, organisation_id: UUID) -> list[Meeting]:
    """The organisation's meetings in the published version (none once its sign-up is cancelled)."""
    if organisation_id in day.cancelled:
        return []
    rows = await conn.fetch(sql.SELECT_ORGANISATION_MEETINGS, day.id, organisation_id)
    return [
        Meeting(r["sme_id"], r["buyer_id"], r["slot"], r["table_index"])
        for r in rows
        if r["sme_id"] not in day.cancelled and r["buyer_id"] not in day.cancelled
    ]


def after_the_day() -> Conflict:
    return Conflict(
        "Evenemanget är redan över. (The event is already over.)",
        slug="event-over",
    )
