"""Copy an event as a template: the same day plan and settings on a new date, nobody signed up.

An organiser running a series (the same Affärsträff each spring) copies last year's event: the copy
is a new draft with the source's slot grid (its local wall-clock times, so a 09:00 start stays 09:00
in Europe/Stockholm whatever the new date's UTC offset), tables, meeting counts, minimum relevance
and every other column of ``registry.events``. Registrations, wishes and pair rules are about people
and that day, so none of them is copied. The matcher's own day and feedback settings are copied by
the web page (GET from the source, PUT to the copy), not from here: the registry calls no service.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.auth import PRINCIPAL_KEY, Role, require
from shared.clock import CLOCK_KEY
from shared.errors import NotFound, ValidationProblem
from shared.openapi import operation
from shared.web import read_json

from .event_dates import date_errors
from .event_models import Event, EventName, Venue, event_rule_errors
from .events import EVENT_COLUMNS, _event_response, audited, event_id_of
from .sql import event_copy as sql
from .sql import events as events_sql
from .unit_of_work import Audited, Outcome, write


class EventCopy(BaseModel):
    """What differs in the copy; everything else comes from the source event."""

    model_config = ConfigDict(extra="forbid")

    name: EventName
    event_date: date
    signup_deadline: AwareDatetime | None = Field(
        default=None, description="Sign-up closes; by default as long before the day as in the source"
    )
    venue: Venue | None = Field(default=None, description="By default the source's venue")


def copied_values(source: Any, body: EventCopy) -> dict[str, Any]:
    """The copy's column values: the source's, with the body's name, date, deadline and venue.

    Without a deadline the source's lead time is kept: closing six days before the day stays six days.

    Examples
    --------
    >>> from datetime import UTC
    >>> source = dict.fromkeys(EVENT_COLUMNS) | {"name": "Vår 2030", "event_date": date(2030, 3, 12), "venue": "Lugnet",
    ...           "signup_deadline": datetime(2030, 3, 6, 11, tzinfo=UTC), "tables": 12}
    >>> values = copied_values(source, EventCopy(name="Vår 2031", event_date=date(2031, 3, 11)))
    >>> values["signup_deadline"].isoformat(), values["venue"], values["tables"]
    ('2031-03-05T11:00:00+00:00', 'Lugnet', 12)
    """
    values = {name: source[name] for name in EVENT_COLUMNS}
    shift = timedelta(days=(body.event_date - source["event_date"]).days)
    deadline: datetime = body.signup_deadline or source["signup_deadline"] + shift
    values |= {"name": body.name, "event_date": body.event_date, "signup_deadline": deadline}
    if body.venue is not None:
        values["venue"] = body.venue
    return values


@operation(
    "Copy an event as a template",
    tags=("events",),
    body=EventCopy,
    response=Event,
    status=201,
    errors=(404,),
    description="A new draft with the source's slot grid (same local times on the new date), tables and settings; "
    "no registrations, wishes or pair rules. Without `signup_deadline` it closes as long before the day as the "
    "source did. The same rules as a create apply (422 field by field: a date or deadline in the past too). "
    "Send `Idempotency-Key` to make retries safe.",
)
@require(Role.ORGANISER)
async def copy_event(request: web.Request) -> web.Response:
    """Create a draft event from another one's grid and settings."""
    source_id = event_id_of(request)
    body = await read_json(request, EventCopy)

    async def copy(conn: asyncpg.Connection) -> Outcome:
        source = await conn.fetchrow(sql.SELECT_SOURCE_EVENT, source_id)
        if source is None:
            raise NotFound("No event with that id.")
        values = copied_values(source, body)
        # A copy is a new event: its day and deadline lie ahead even when the source's are long gone.
        if errors := date_errors(values, request.app[CLOCK_KEY].now()) + event_rule_errors(values):
            raise ValidationProblem(errors)  # rolls back, so the Idempotency-Key is free again
        event_id = await conn.fetchval(
            events_sql.INSERT_EVENT, *(values[name] for name in EVENT_COLUMNS), request[PRINCIPAL_KEY].account_id
        )
        row = await conn.fetchrow(events_sql.SELECT_EVENT, event_id)
        entry = Audited("event", event_id, event_id=event_id, changes=audited({**values, "copied_from": source_id}))
        # The create route's own answer (ETag, Location), so a copy reads back exactly like a new event.
        return Outcome(_event_response(row, status=201), entry)

    return await write(request, copy, action="event.copy", idempotent=True)
