"""The organiser's view of the day so far: arrived / expected, meetings held and missed, declines waiting
for review, and the table-slots freed during the day with how each was filled.

Read from ``matcher.arrivals``, ``meeting_status``, ``unavailability`` and ``freed_slots`` against the
published version; "started" is decided by the application clock.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Literal
from uuid import UUID

import asyncpg
from pydantic import BaseModel, Field

from ..sql import onsite_day as sql
from .day_version import DayVersion, published_day


class FreedSlot(BaseModel):
    """A table-slot freed on the day and what became of it."""

    id: int
    slot: int
    time: str = Field(description="The slot's local time span, e.g. 10:00–10:20")
    buyer_id: UUID
    buyer_name: str | None
    table_index: int
    cause: Literal["no_show", "decline", "cancellation"]
    sme_id: UUID | None = Field(description="The firm whose meeting was there")
    sme_name: str | None
    freed_at: dt.datetime
    state: Literal["open", "filled", "expired", "withdrawn"] = Field(
        description="open: waiting for the live fill; filled: a stand-by firm got it; expired: it started first; "
        "withdrawn: taken back (the mark was undone, or the absent firm checked in after all)"
    )
    filled_sme_id: UUID | None
    filled_sme_name: str | None
    filled_at: dt.datetime | None


class MeetingCounts(BaseModel):
    """The published meetings by their status on the day."""

    total: int = Field(description="Meetings in the published version")
    held: int
    no_show_sme: int
    no_show_buyer: int
    cancelled_day: int
    started_unmarked: int = Field(description="Started by now, not marked yet")
    to_come: int = Field(description="Not started yet")


class DaySummary(BaseModel):
    """The event day at a glance (organisers)."""

    event_id: UUID
    version: int = Field(description="The published version number")
    now: dt.datetime = Field(description="The clock's time the summary was made at")
    phase: Literal["before", "day", "after"]
    expected: int = Field(description="Participants of the published version (SMEs and buyers)")
    arrived: int = Field(description="Of those, checked in")
    walk_ins_arrived: int = Field(description="Checked in without being in the published version")
    meetings: MeetingCounts
    declines_pending: int = Field(description="Declines and busy slots waiting for the organiser's review")
    freed: dict[str, int] = Field(description="Freed table-slots by state: open, filled, expired, withdrawn")
    freed_slots: list[FreedSlot]


def count_meetings(day: DayVersion, meetings: list[tuple], marks: dict, now: dt.datetime) -> MeetingCounts:
    """Count ``(sme, buyer, slot)`` meetings by their marks (``(sme, buyer) → status``) at ``now``.

    Examples
    --------
    >>> from uuid import UUID
    >>> event = {"date": "2027-03-04", "time_zone": "Europe/Stockholm", "slots": [
    ...     {"index": 0, "start": "2027-03-04T08:00:00Z", "end": "2027-03-04T08:20:00Z", "label": "09:00–09:20"},
    ...     {"index": 1, "start": "2027-03-04T08:20:00Z", "end": "2027-03-04T08:40:00Z", "label": "09:20–09:40"}]}
    >>> day = DayVersion.from_event(UUID(int=9), 1, event)
    >>> a, b, c = UUID(int=1), UUID(int=2), UUID(int=3)
    >>> counts = count_meetings(day, [(a, c, 0), (b, c, 1)], {(a, c): "no_show_sme"},
    ...                         dt.datetime(2027, 3, 4, 8, 5, tzinfo=dt.UTC))
    >>> counts.no_show_sme, counts.started_unmarked, counts.to_come
    (1, 0, 1)
    """
    by_status = Counter(marks.values())
    unmarked = [(s, b, t) for s, b, t in meetings if (s, b) not in marks]
    started = sum(1 for _, _, t in unmarked if day.started(t, now))
    return MeetingCounts(
        total=len(meetings),
        held=by_status["held"],
        no_show_sme=by_status["no_show_sme"],
        no_show_buyer=by_status["no_show_buyer"],
        cancelled_day=by_status["cancelled_day"],
        started_unmarked=started,
        to_come=len(unmarked) - started,
    )


async def day_summary(conn: asyncpg.Connection, event_id: UUID, now: dt.datetime) -> DaySummary:
    """The summary of the event's day at ``now`` (404 before a version is published)."""
    day = await published_day(conn, event_id)
    names = {r["id"]: r["name"] for r in await conn.fetch(sql.SELECT_PARTICIPANT_NAMES, day.id)}
    participants = set(names) - day.cancelled
    arrived = {r["organisation_id"] for r in await conn.fetch(sql.SELECT_ARRIVED_IDS, event_id)}
    meetings = [
        (r["sme_id"], r["buyer_id"], r["slot"])
        for r in await conn.fetch(sql.SELECT_VERSION_MEETINGS, day.id)
        if r["sme_id"] not in day.cancelled and r["buyer_id"] not in day.cancelled
    ]
    marks = {(r["sme_id"], r["buyer_id"]): r["status"] for r in await conn.fetch(sql.SELECT_STATUSES, event_id, None)}
    pending = await conn.fetch(sql.SELECT_UNAVAILABILITY, event_id, None, None, "pending")
    freed_rows = await conn.fetch(sql.SELECT_FREED_SLOTS, event_id)
    freed = [
        FreedSlot(
            id=r["id"],
            slot=r["slot"],
            time=day.label(r["slot"]),
            buyer_id=r["buyer_id"],
            buyer_name=names.get(r["buyer_id"]),
            table_index=r["table_index"],
            cause=r["cause"],
            sme_id=r["sme_id"],
            sme_name=names.get(r["sme_id"]),
            freed_at=r["freed_at"],
            state=r["state"],
            filled_sme_id=r["filled_sme_id"],
            filled_sme_name=names.get(r["filled_sme_id"]),
            filled_at=r["filled_at"],
        )
        for r in freed_rows
    ]
    states = Counter(slot.state for slot in freed)
    return DaySummary(
        event_id=event_id,
        version=day.number,
        now=now,
        phase=day.phase(now),
        expected=len(participants),
        arrived=len(arrived & participants),
        walk_ins_arrived=len(arrived - set(names)),
        meetings=count_meetings(day, meetings, marks, now),
        declines_pending=len(pending),
        freed={state: states[state] for state in ("open", "filled", "expired", "withdrawn")},
        freed_slots=freed,
    )
