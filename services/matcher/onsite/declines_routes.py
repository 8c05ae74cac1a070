"""Declines ("kan inte") and busy slots over HTTP: by agenda link (no login), by the participant's own token
or an organiser on its behalf, and the organiser's review list with apply / dismiss."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from shared.auth import Role, path_event, require
from shared.clock import CLOCK_KEY
from shared.db import POOL_KEY
from shared.errors import NotFound, ProblemError
from shared.integers import Int32
from shared.openapi import operation
from shared.paths import path_uuid_or_404
from shared.text import Reason
from shared.web import json_response, read_json, read_query

from ..audit import Actor, actor_of
from ..sql import onsite_day as sql
from . import day_access as access
from . import declines
from .day_version import published_day


class DeclineIn(BaseModel):
    """Decline one meeting: the other side of it, and why."""

    model_config = ConfigDict(extra="forbid")

    counterpart_id: UUID = Field(description="The organisation the meeting is with")
    reason: Reason = ""


class BusyIn(BaseModel):
    """Busy in one slot of the grid, and why."""

    model_config = ConfigDict(extra="forbid")

    slot: Int32 = Field(ge=0, description="The slot index (as in the agenda)")
    reason: Reason = ""


class DeclineOut(declines.UnavailabilityOut):
    """The stored decline or busy slot, and what it set off now."""

    freed_slots: int = Field(default=0, description="Table-slots freed for the live fill (on the day)")
    replan_job_id: UUID | None = Field(default=None, description="The re-plan job it queued (before the day)")


class UnavailabilityList(BaseModel):
    items: list[declines.UnavailabilityOut]


class ReviewItem(declines.UnavailabilityOut):
    """A decline or busy slot in the organiser's review list, with names and the time."""

    organisation_name: str | None
    counterpart_name: str | None
    time: str | None = Field(description="busy: the slot's local time span")


class ReviewList(BaseModel):
    items: list[ReviewItem]


class ReviewQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: Literal["pending", "applied", "dismissed"] | None = Field(default=None, description="Only these")
    kind: Literal["decline", "busy"] | None = Field(default=None, description="Only these")


class ReviewIn(BaseModel):
    """The organiser's decision on a decline or busy slot."""

    model_config = ConfigDict(extra="forbid")

    state: Literal["applied", "dismissed"] = Field(
        description="applied: before the day a re-plan (the declined pair kept apart), on the day the live fill; "
        "dismissed: not acted on"
    )


WHAT_HAPPENS = (
    " Before the event's day it waits for the organiser's review, or with the day setting declines_before_day = "
    "replan queues a re-plan at once; on the day the meeting is called off and the buyer's table-slot goes to the "
    "live fill. A meeting that has started, or anything after the day: 409. 201 when new; the same again is 200 "
    "with the stored one."
)


async def _declare(
    request: web.Request, event_id: UUID, organisation_id: UUID, kind: str, actor: Actor
) -> web.Response:
    if kind == "decline":
        body = await read_json(request, DeclineIn)
        counterpart, slot, reason = body.counterpart_id, None, body.reason
    else:
        busy = await read_json(request, BusyIn)
        counterpart, slot, reason = None, busy.slot, busy.reason
    async with request.app[POOL_KEY].acquire() as conn:
        done = await declines.declare(
            conn,
            event_id=event_id,
            organisation_id=organisation_id,
            kind=kind,
            counterpart_id=counterpart,
            slot=slot,
            reason=reason,
            actor=actor,
            now=request.app[CLOCK_KEY].now(),
        )
    out = DeclineOut(**dict(done.row), freed_slots=done.freed, replan_job_id=done.job_id)
    return json_response(out, status=201 if done.created else 200)


async def _listed(request: web.Request, event_id: UUID, organisation_id: UUID, kind: str) -> UnavailabilityList:
    async with request.app[POOL_KEY].acquire() as conn:
        rows = await declines.listed(conn, event_id, organisation_id=organisation_id, kind=kind)
    return UnavailabilityList(items=[declines.UnavailabilityOut.from_row(r) for r in rows])


def _own(kind: str, summary: str, *, linked: bool):
    """A POST handler declaring ``kind`` for the link's participant, or the path's organisation."""
    body = DeclineIn if kind == "decline" else BusyIn
    who = (
        "By the participant's agenda link (no token)."
        if linked
        else "The SME or buyer itself, organisers and the event's hosts on its behalf."
    )

    if linked:

        @operation(summary, tags=("event day",), body=body, response=DeclineOut, status=201,
                   errors=(404, 409, 422), extra_responses={200: "Declared before: the stored one"},
                   description=who + WHAT_HAPPENS)  # fmt: skip
        async def linked_handler(request: web.Request) -> web.Response:
            try:
                link = await access.link_of(request)
                response = await _declare(
                    request, link.event_id, link.organisation_id, kind, access.link_actor(request, link)
                )
            except ProblemError as error:
                raise access.private(error) from None
            response.headers.update(access.LINK_HEADERS)
            return response

        linked_handler.__doc__ = f"Declare a {kind} by agenda link."
        return linked_handler

    @operation(summary, tags=("event day",), body=body, response=DeclineOut, status=201,
               errors=(404, 409, 422), extra_responses={200: "Declared before: the stored one"},
               description=who + WHAT_HAPPENS)  # fmt: skip
    @require(Role.SME, Role.BUYER, owner=access.path_organisation, superusers=access.STAFF, event=path_event)
    async def handler(request: web.Request) -> web.Response:
        event_id = path_uuid_or_404(request, "event_id", "event")
        organisation_id = path_uuid_or_404(request, "organisation_id", "organisation")
        access.check_event_scope(request, event_id)
        return await _declare(request, event_id, organisation_id, kind, actor_of(request))

    handler.__doc__ = f"Declare a {kind} for an organisation."
    return handler


def _own_list(kind: str, summary: str, *, linked: bool):
    """A GET handler listing ``kind`` of the link's participant, or of the path's organisation."""
    if linked:

        @operation(summary, tags=("event day",), response=UnavailabilityList, errors=(404,))
        async def linked_handler(request: web.Request) -> web.Response:
            try:
                link = await access.link_of(request)
                listed = await _listed(request, link.event_id, link.organisation_id, kind)
            except ProblemError as error:
                raise access.private(error) from None
            return json_response(listed, headers=access.LINK_HEADERS)

        linked_handler.__doc__ = f"The link's participant's {kind}s."
        return linked_handler

    @operation(summary, tags=("event day",), response=UnavailabilityList, errors=(404,))
    @require(
        Role.SME, Role.BUYER, owner=access.path_organisation, superusers=access.STAFF, event=path_event, access="read"
    )
    async def handler(request: web.Request) -> web.Response:
        event_id = path_uuid_or_404(request, "event_id", "event")
        organisation_id = path_uuid_or_404(request, "organisation_id", "organisation")
        access.check_event_scope(request, event_id)
        return json_response(await _listed(request, event_id, organisation_id, kind))

    handler.__doc__ = f"An organisation's {kind}s."
    return handler


post_linked_decline = _own("decline", "Decline one meeting by agenda link (Kan inte)", linked=True)
get_linked_declines = _own_list("decline", "The link's participant's declines", linked=True)
post_linked_busy = _own("busy", "Mark a slot busy by agenda link (Upptagen)", linked=True)
get_linked_busy = _own_list("busy", "The link's participant's busy slots", linked=True)
post_decline = _own("decline", "Decline one of an organisation's meetings (Kan inte)", linked=False)
get_declines_of = _own_list("decline", "An organisation's declines", linked=False)
post_busy = _own("busy", "Mark an organisation busy in a slot (Upptagen)", linked=False)
get_busy_of = _own_list("busy", "An organisation's busy slots", linked=False)


async def _review_items(conn, event_id: UUID, rows) -> list[ReviewItem]:
    day = await published_day(conn, event_id)
    names = {r["id"]: r["name"] for r in await conn.fetch(sql.SELECT_PARTICIPANT_NAMES, day.id)}
    return [
        ReviewItem(
            **dict(r),
            organisation_name=names.get(r["organisation_id"]),
            counterpart_name=names.get(r["counterpart_id"]),
            time=day.label(r["slot"]) if r["slot"] is not None else None,
        )
        for r in rows
    ]


@operation(
    "The event's declines and busy slots (the organiser's review list)",
    tags=("event day",),
    query=ReviewQuery,
    response=ReviewList,
    errors=(404,),
    description="Organisers. Oldest first; ?state=pending for those waiting for a decision. 404 before a "
    "version is published.",
)
@require(Role.ORGANISER, event=path_event, access="read")
async def list_event_declines(request: web.Request) -> web.Response:
    """Every decline and busy slot of the event."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    query = read_query(request, ReviewQuery)
    async with request.app[POOL_KEY].acquire() as conn:
        rows = await declines.listed(conn, event_id, kind=query.kind, state=query.state)
        items = await _review_items(conn, event_id, rows)
    return json_response(ReviewList(items=items))


@operation(
    "Apply or dismiss a decline or busy slot",
    tags=("event day",),
    body=ReviewIn,
    response=DeclineOut,
    errors=(404, 409, 422),
    description="Organisers. applied: before the day the declined pair is kept apart and a re-plan job is queued "
    "(the event's active job is reused); on the day its meetings still to come are called off and the table-slots "
    "go to the live fill. An applied one cannot be dismissed (409); after the day nothing can be applied (409).",
)
@require(Role.ORGANISER, event=path_event)
async def patch_decline(request: web.Request) -> web.Response:
    """The organiser's decision."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    raw = request.match_info["decline_id"]
    if not raw.isdigit() or int(raw) > 2**63 - 1:
        raise NotFound("Det finns ingen sådan avbokning. (No such decline or busy slot.)")
    body = await read_json(request, ReviewIn)
    async with request.app[POOL_KEY].acquire() as conn:
        done = await declines.review(
            conn,
            event_id=event_id,
            unavailability_id=int(raw),
            state=body.state,
            actor=actor_of(request),
            now=request.app[CLOCK_KEY].now(),
        )
    return json_response(DeclineOut(**dict(done.row), freed_slots=done.freed, replan_job_id=done.job_id))
