"""Events (Affärsträffar): create, list, read, update, delete, and move through their statuses.

Statuses and who may move them are :mod:`shared.event_states` (organisers may make every move, the
matcher's service token only closed → scheduled → published; re-opening a schedule needs a reason).

Every change locks the event row (``SELECT … FOR UPDATE``) in its transaction, so two concurrent
transitions are serialised and the second sees the first's result. Grid fields change only before
scheduling; a grid that shrinks drops the vanished slot indexes from registrations in the same
transaction and says so in ``warnings``.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import asyncpg
from aiohttp import web
from pydantic_core import to_jsonable_python

from shared import event_states
from shared.auth import PRINCIPAL_KEY, Principal, Role, path_event, require
from shared.clock import CLOCK_KEY
from shared.db import POOL_KEY
from shared.errors import Conflict, FieldError, Forbidden, NotFound, ValidationProblem
from shared.event_states import Actor
from shared.openapi import operation
from shared.paths import path_uuid_or_404
from shared.web import json_response, read_json, read_query

from .event_dates import date_errors, opening_errors
from .event_models import (
    GRID_EDITABLE_STATUSES,
    GRID_FIELDS,
    Event,
    EventCreate,
    EventListQuery,
    EventPage,
    EventStatus,
    EventUpdate,
    EventWarning,
    Transition,
    TransitionList,
    TransitionRequest,
    event_rule_errors,
    stored_value,
)
from .pagination import link_headers, page_of, typed_cursor
from .slots import event_slot_grid
from .sql import events as sql
from .unit_of_work import Audited, Outcome, write
from .versioning import etag_headers, if_match_version, not_modified, not_modified_response, raise_missing_or_stale

S = EventStatus

EVENT_COLUMNS = (
    "name",
    "description",
    "event_date",
    "venue",
    "municipality_code",
    "time_zone",
    "day_start",
    "day_end",
    "meeting_minutes",
    "changeover_minutes",
    "breaks",
    "tables",
    "signup_deadline",
    "default_meetings_per_sme",
    "max_meetings_per_sme",
    "min_relevance_percent",
    "region",
    "contact",
)


def audited(values: dict[str, Any]) -> Any:
    """Column values as the audit log keeps them: the contact person only as given or not (the log keeps no
    personal data, so that erasing a person needs no rewrite of history)."""
    if "contact" in values:
        values = values | {"contact": values["contact"] is not None}
    return to_jsonable_python(values)


def sees_drafts(principal: Principal) -> bool:
    # A supporter reaches only its granted events, and those as their organisers see them.
    return principal.role in (Role.ORGANISER, Role.SERVICE, Role.SUPPORTER)


def granted_events(principal: Principal) -> list[UUID] | None:
    """The only events a supporter may list (its grants); None: no such limit."""
    return list(principal.event_access) if principal.role == Role.SUPPORTER else None


def event_id_of(request: web.Request) -> UUID:
    """The ``{event_id}`` of the path; a malformed one is simply not found."""
    return path_uuid_or_404(request, "event_id", "event")


async def visible_event(conn: asyncpg.Connection | asyncpg.Pool, request: web.Request, event_id: UUID) -> Any:
    """The event row with counts, or 404 (also for drafts the caller may not see)."""
    row = await conn.fetchrow(sql.SELECT_EVENT, event_id)
    if row is None or (row["status"] == S.DRAFT and not sees_drafts(request[PRINCIPAL_KEY])):
        raise NotFound("No event with that id.")
    return row


async def locked_event(conn: asyncpg.Connection, event_id: UUID, expected_version: int | None) -> Any:
    """Lock the event row for a change; 404 when gone, 412 when ``If-Match`` is stale."""
    row = await conn.fetchrow(sql.LOCK_EVENT_FOR_UPDATE, event_id)
    if row is None or (expected_version is not None and row["version"] != expected_version):
        await raise_missing_or_stale(conn, sql.SELECT_EVENT_VERSION, event_id, what="event")
    return row


def _event_response(row: Any, status: int = 200, warnings: list[EventWarning] | None = None) -> web.Response:
    headers = {**etag_headers(row["version"])}
    if status == 201:
        headers["Location"] = f"/events/{row['id']}"
    return json_response(Event.from_row(row, warnings), status=status, headers=headers)


@operation(
    "Create an event (as a draft)",
    tags=("events",),
    body=EventCreate,
    response=Event,
    status=201,
    description="Send `Idempotency-Key` to make retries safe. The computed slot grid is in `slots`. A date before "
    "today (in the event's zone, by the service's clock) is 422 `event_date_past`, a deadline already passed 422 "
    "`deadline_passed`, one not before the first meeting 422 `deadline_not_before_start`.",
)
@require(Role.ORGANISER)
async def create_event(request: web.Request) -> web.Response:
    """Create an event."""
    body = await read_json(request, EventCreate)
    values = {name: stored_value(name, getattr(body, name)) for name in EVENT_COLUMNS}
    errors = date_errors(values, request.app[CLOCK_KEY].now()) + event_rule_errors(values)
    if errors:
        raise ValidationProblem(errors)

    async def insert(conn: asyncpg.Connection) -> Outcome:
        event_id = await conn.fetchval(
            sql.INSERT_EVENT, *(values[name] for name in EVENT_COLUMNS), request[PRINCIPAL_KEY].account_id
        )
        row = await conn.fetchrow(sql.SELECT_EVENT, event_id)
        entry = Audited("event", event_id, event_id=event_id, changes=audited(values))
        return Outcome(_event_response(row, status=201), entry)

    return await write(request, insert, action="event.create", idempotent=True)


@operation(
    "List events",
    tags=("events",),
    query=EventListQuery,
    response=EventPage,
    description="Ordered by date. Drafts are listed only for organisers and the matcher. A supporter gets only "
    "the events granted to it (drafts included).",
)
@require()
async def list_events(request: web.Request) -> web.Response:
    """List events, a page at a time."""
    query = read_query(request, EventListQuery)
    after_date, after_id = typed_cursor(query.cursor, date.fromisoformat, UUID)
    rows = await request.app[POOL_KEY].fetch(
        sql.LIST_EVENTS,
        sees_drafts(request[PRINCIPAL_KEY]),
        [s.value for s in query.status] if query.status else None,
        query.from_date,
        query.to_date,
        after_date,
        after_id,
        query.limit + 1,
        granted_events(request[PRINCIPAL_KEY]),
    )
    kept, next_cursor = page_of(rows, query.limit, lambda row: [row["event_date"].isoformat(), str(row["id"])])
    page = EventPage(items=[Event.from_row(row) for row in kept], next_cursor=next_cursor)
    return json_response(page, headers=link_headers(request, next_cursor))


@operation("Read an event", tags=("events",), response=Event, errors=(404,), extra_responses={304: "Not modified"})
@require(event=path_event, access="read")
async def get_event(request: web.Request) -> web.Response:
    """One event with its grid; drafts are 404 for SMEs and buyers."""
    row = await visible_event(request.app[POOL_KEY], request, event_id_of(request))
    if not_modified(request, row["version"]):
        return not_modified_response(row["version"])
    return _event_response(row)


def _grid_warnings(trimmed: list[Any], slot_count: int) -> list[EventWarning]:
    if not trimmed:
        return []
    warnings = [
        EventWarning(
            code="availability_trimmed",
            detail=f"The grid now has {slot_count} slots; slot indexes from {slot_count} up were removed "
            "from these registrations' availability.",
            registrations=[row["id"] for row in trimmed],
        )
    ]
    emptied = [row["id"] for row in trimmed if row["remaining"] == 0 and row["status"] == "active"]
    if emptied:
        warnings.append(
            EventWarning(
                code="availability_empty",
                detail="These active registrations are now available in no slot; ask them to update it.",
                registrations=emptied,
            )
        )
    return warnings


@operation(
    "Change an event",
    tags=("events",),
    body=EventUpdate,
    response=Event,
    errors=(404, 409, 412),
    description="Send `If-Match` with the ETag you read. Grid fields (date, zone, times, breaks, tables) "
    "change only in draft, open or closed. When the grid shrinks, vanished slot indexes are removed from "
    "registrations' availability and `warnings` lists them. A date or deadline *changed* to the past is 422 "
    "(`event_date_past`, `deadline_passed`); a past event's other fields may still change.",
)
@require(Role.ORGANISER, event=path_event)
async def update_event(request: web.Request) -> web.Response:
    """Change an event's fields."""
    event_id = event_id_of(request)
    body = await read_json(request, EventUpdate)
    if errors := body.null_errors():
        raise ValidationProblem(errors)
    expected = if_match_version(request)
    changes = body.changes()

    async def update(conn: asyncpg.Connection) -> Outcome:
        current = await locked_event(conn, event_id, expected)
        merged = {name: current[name] for name in EVENT_COLUMNS} | changes
        changed = {name: value for name, value in changes.items() if current[name] != value}
        grid_changes = sorted(GRID_FIELDS & changed.keys())
        if grid_changes and current["status"] not in GRID_EDITABLE_STATUSES:
            raise Conflict(
                f"The event is {current['status']}: its grid ({', '.join(grid_changes)}) can change only in draft, "
                "open or closed. Re-open it first: POST /events/{id}/transitions with "
                '{"to": "closed", "reason": "…"}.',
                fields=grid_changes,
            )
        # Only a date or deadline being moved must lie ahead: a past event's other fields stay editable.
        if errors := date_errors(merged, request.app[CLOCK_KEY].now(), changed.keys()) + event_rule_errors(merged):
            raise ValidationProblem(errors)
        warnings: list[EventWarning] = []
        entry = None
        if changed:
            await conn.execute(sql.UPDATE_EVENT, event_id, *(merged[name] for name in EVENT_COLUMNS))
            if grid_changes:
                slot_count = len(event_slot_grid(merged))
                trimmed = await conn.fetch(sql.TRIM_AVAILABILITY, event_id, slot_count)
                warnings = _grid_warnings(trimmed, slot_count)
            trimmed_count = {"trimmed_registrations": len(warnings[0].registrations)} if warnings else {}
            entry = Audited("event", event_id, event_id=event_id, changes=audited({**changed, **trimmed_count}))
        row = await conn.fetchrow(sql.SELECT_EVENT, event_id)
        return Outcome(_event_response(row, warnings=warnings), entry)

    return await write(request, update, action="event.update")


@operation("Delete a draft event", tags=("events",), status=204, errors=(404, 409, 412))
@require(Role.ORGANISER)
async def delete_event(request: web.Request) -> web.Response:
    """Delete an event that is still a draft."""
    event_id = event_id_of(request)
    expected = if_match_version(request)

    async def delete(conn: asyncpg.Connection) -> Outcome:
        current = await locked_event(conn, event_id, expected)
        if current["status"] != S.DRAFT:
            raise Conflict(
                f"Only draft events can be deleted; this one is {current['status']}. "
                "Events that were open keep their history."
            )
        await conn.execute(sql.DELETE_EVENT, event_id)
        return Outcome(json_response(None, status=204), Audited("event", event_id, event_id=event_id))

    return await write(request, delete, action="event.delete")


@operation(
    "Move an event to another status",
    tags=("events",),
    body=TransitionRequest,
    response=Event,
    errors=(404, 409, 412),
    description="draft→open, open→closed, closed→open, closed→scheduled, scheduled→published "
    "(the last two also by the matcher's service token), and re-opening scheduled→closed or "
    "published→closed (reason required). Any other move is 409 with `allowed` listing the next states. Opening "
    "sign-up (to `open`) for an event whose day or deadline has passed is 409 `dates-passed`, with `errors` "
    "pointing at the event's `/event_date` and `/signup_deadline`.",
)
@require(Role.ORGANISER, Role.SERVICE, event=path_event)
async def transition_event(request: web.Request) -> web.Response:
    """Change an event's status."""
    event_id = event_id_of(request)
    body = await read_json(request, TransitionRequest)
    expected = if_match_version(request)
    principal = request[PRINCIPAL_KEY]

    async def move(conn: asyncpg.Connection) -> Outcome:
        current = await locked_event(conn, event_id, expected)
        source = EventStatus(current["status"])
        move = event_states.find_move(source, body.to)
        if move is None:
            allowed = event_states.next_statuses(source)
            raise Conflict(
                f"An event that is {source} cannot become {body.to}; it can become: {', '.join(allowed)}.",
                slug="invalid-transition",
                allowed=list(allowed),
            )
        actor = Actor.MATCHER if principal.role == Role.SERVICE else Actor.ORGANISER
        if actor not in move.by:
            raise Forbidden("The service token may only mark an event scheduled or published.")
        if move.reason_required and not body.reason:
            raise ValidationProblem(
                [
                    FieldError(
                        pointer="/reason",
                        code="reason_required",
                        detail="Say why the schedule is being re-opened; it is kept in the event's history.",
                    )
                ]
            )
        if body.to == S.OPEN and (errors := opening_errors(current, request.app[CLOCK_KEY].now())):
            # The request is fine; the event's dates are not: 409, with the event's fields to change.
            raise Conflict(
                "Sign-up opens only for an event still to come with its deadline ahead: move the date or the "
                "deadline first (PATCH /events/{id}), then open it.",
                slug="dates-passed",
                errors=errors,
            )
        await conn.execute(sql.UPDATE_EVENT_STATUS, event_id, body.to.value)
        await conn.execute(
            sql.INSERT_TRANSITION, event_id, source.value, body.to.value, body.reason, principal.token_id
        )
        row = await conn.fetchrow(sql.SELECT_EVENT, event_id)
        changes = {"status": body.to.value, "from_status": source.value, "reason": body.reason}
        return Outcome(_event_response(row), Audited("event", event_id, event_id=event_id, changes=changes))

    return await write(request, move, action="event.transition")


@operation("An event's status history", tags=("events",), response=TransitionList, errors=(404,))
@require(Role.ORGANISER, event=path_event, access="read")
async def list_transitions(request: web.Request) -> web.Response:
    """The event's status changes, oldest first."""
    event_id = event_id_of(request)
    pool = request.app[POOL_KEY]
    await visible_event(pool, request, event_id)
    rows = await pool.fetch(sql.LIST_TRANSITIONS, event_id)
    return json_response(TransitionList(items=[Transition(**dict(row)) for row in rows]))
