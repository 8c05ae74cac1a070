"""Events as anyone may read them, without signing in: the web's public event page and the home page's list.

An organiser links the public page from a newsletter, so it must work for a reader who has no account yet:
the day, the place, the sign-up deadline, the programme (first meeting to last, the breaks), whom to ask,
and whether sign-up is open now (by the service's clock, the same one that refuses sign-ups after the
deadline). Drafts stay invisible (404); how many have signed up, the owner and the matching settings are
not public and are left out. The contact is the person the organisers chose to show for this purpose.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from shared.clock import CLOCK_KEY
from shared.db import POOL_KEY
from shared.errors import NotFound
from shared.event_day import local_date
from shared.openapi import operation
from shared.wall_clock import WallClockOut
from shared.web import json_response, read_query

from .event_models import BreakOut, EventContact, EventStatus
from .events import event_id_of
from .slots import DEFAULT_TIME_ZONE, event_slot_grid
from .sql import events_public as sql


class PublicEvent(BaseModel):
    """What a public page shows about an event."""

    id: UUID
    name: str
    description: str
    event_date: date
    venue: str
    municipality_code: str
    time_zone: str
    day_start: WallClockOut
    day_end: WallClockOut
    breaks: list[BreakOut]
    signup_deadline: datetime
    status: EventStatus
    signup_open: bool = Field(description="Open for sign-up now: status open and the deadline still ahead")
    first_meeting: datetime | None = Field(description="The first meeting's start (UTC); null: no slot")
    last_meeting_end: datetime | None = Field(description="The last meeting's end (UTC)")
    meeting_minutes: int
    slot_count: int = Field(description="Meeting rounds in the day")
    default_meetings_per_sme: int
    max_meetings_per_sme: int = Field(description="Meetings a firm may have at most")
    contact: EventContact | None = Field(description="Whom to ask about the event; null when none is given")

    @classmethod
    def from_row(cls, row: Any, now: datetime) -> PublicEvent:
        grid = event_slot_grid(row)
        data = {name: row[name] for name in cls.model_fields if name in row}
        return cls(
            **data,
            signup_open=row["status"] == EventStatus.OPEN and row["signup_deadline"] > now,
            first_meeting=grid[0].start if grid else None,
            last_meeting_end=grid[-1].end if grid else None,
            slot_count=len(grid),
        )


class PublicEventList(BaseModel):
    items: list[PublicEvent]


class ComingEventsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=20, ge=1, le=50, description="How many coming events")


@operation(
    "Coming events, for anyone",
    tags=("events",),
    query=ComingEventsQuery,
    response=PublicEventList,
    description="No token needed. Events not drafts whose day is today or later, those open for sign-up now first, "
    "then by date. Only what a public page shows (no sign-up counts).",
)
async def list_public_events(request: web.Request) -> web.Response:
    """The coming events, open ones first."""
    query = read_query(request, ComingEventsQuery)
    now = request.app[CLOCK_KEY].now()
    # A day's margin for events in another zone than Stockholm's; the list is of days still to come anyway.
    today = local_date(now, DEFAULT_TIME_ZONE) - timedelta(days=1)
    rows = await request.app[POOL_KEY].fetch(sql.LIST_COMING_PUBLIC_EVENTS, today, now, query.limit)
    coming = [row for row in rows if row["event_date"] >= local_date(now, row["time_zone"])]
    return json_response(PublicEventList(items=[PublicEvent.from_row(row, now) for row in coming]))


@operation("An event, for anyone", tags=("events",), response=PublicEvent, errors=(404,))
async def get_public_event(request: web.Request) -> web.Response:
    """One event's public facts; drafts are 404."""
    row = await request.app[POOL_KEY].fetchrow(sql.SELECT_PUBLIC_EVENT, event_id_of(request))
    if row is None:
        raise NotFound("No event with that id.")
    return json_response(PublicEvent.from_row(row, request.app[CLOCK_KEY].now()))
