"""The event day over HTTP: mark a meeting held or missed, the organiser's day summary, a participant's own
day (its meetings' status, declines and busy slots), and the day settings."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Literal
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from shared.auth import Role, path_event, require
from shared.clock import CLOCK_KEY
from shared.db import POOL_KEY
from shared.errors import NotFound, ProblemError
from shared.openapi import operation
from shared.paths import path_uuid_or_404
from shared.web import json_response, read_json

from ..audit import actor_of
from ..auth import RegistryUnavailable
from ..keys import REGISTRY_KEY, SETTINGS_KEY
from ..registry_client import RegistryDown, RegistryRefused
from . import day_access as access
from . import day_link_page, declines, mark_undo, meeting_status
from . import declines_routes as dr
from .day_settings import DaySettingsIn, DaySettingsOut, if_match, load_day_settings, save_day_settings, settings_etag
from .day_summary import DaySummary, day_summary
from .day_version import organisation_meetings, published_day

log = logging.getLogger("services.matcher.onsite.day_routes")

MARK_PATH = "/events/{event_id}/meetings/{sme_id}/{buyer_id}/status"
LINK_MARK_PATH = "/a/{token}/meetings/{sme_id}/status"


class StatusIn(BaseModel):
    """How the meeting went."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["held", "no_show_sme", "no_show_buyer", "cancelled_day"] = Field(
        description="held; no_show_sme / no_show_buyer: that side did not come; cancelled_day: called off on the "
        "day. At the table (buyer token or link) only held and no_show_sme."
    )


class MeetingStatusOut(BaseModel):
    """A meeting's status on the day."""

    event_id: UUID
    sme_id: UUID
    buyer_id: UUID
    slot: int
    table_index: int
    status: meeting_status.DayStatus
    marked_at: dt.datetime | None
    by_role: str | None
    freed_slots: int = Field(default=0, description="Table-slots this mark freed for the live fill")
    withdrawn_slots: int = Field(
        default=0, description="Undo: freed table-slots of the mark taken back before the live fill gave them away"
    )
    restored: int = Field(
        default=0, description="Undo: meetings a live fill had taken out of the schedule, put back in a new version"
    )
    restored_version: int | None = Field(
        default=None, description="Undo: that version (published in live mode, else a draft for the organiser)"
    )
    started: bool | None = Field(
        default=None, description="Has it started by the matcher's clock? (a participant's day)"
    )
    time: str | None = Field(default=None, description="The slot's local time span (a participant's day)")


class ParticipantDay(BaseModel):
    """One participant's day: its meetings with their status, its declines and busy slots."""

    event_id: UUID
    organisation_id: UUID
    version: int
    phase: Literal["before", "day", "after"]
    meetings: list[MeetingStatusOut]
    unavailability: list[declines.UnavailabilityOut]


MARK_DESCRIPTION = (
    "Held and no-show need a meeting that has started (the matcher's clock): earlier is 409 and nothing changes. "
    "Two marks at once give one record (the later wins; both are in the audit log). A no-show of the SME, or "
    "a cancellation on the day, frees the buyer's table-slot for the live fill (and, for an SME that has not "
    "checked in, its meetings still to come: it is taken not to be coming; checking it in later gives back those "
    "nobody was given). DELETE undoes a mark. 404: no such meeting in the published version."
)


def _mark_out(event_id: UUID, mark: meeting_status.Mark) -> MeetingStatusOut:
    m = mark.meeting
    return MeetingStatusOut(
        event_id=event_id, sme_id=m.sme_id, buyer_id=m.buyer_id, slot=m.slot, table_index=m.table_index,
        status=mark.status, marked_at=mark.marked_at, by_role=mark.by_role, freed_slots=mark.freed,
    )  # fmt: skip


@operation(
    "Mark a meeting held, missed or cancelled on the day",
    tags=("event day",),
    body=StatusIn,
    response=MeetingStatusOut,
    errors=(404, 409, 422),
    description="The buyer of the meeting (held, no_show_sme), organisers and the event's hosts. " + MARK_DESCRIPTION,
)
@require(Role.BUYER, owner=access.path_buyer, superusers=access.STAFF, event=path_event)
async def put_meeting_status(request: web.Request) -> web.Response:
    """Mark one published meeting."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    sme_id = path_uuid_or_404(request, "sme_id", "SME")
    buyer_id = path_uuid_or_404(request, "buyer_id", "buyer")
    access.check_event_scope(request, event_id)
    body = await read_json(request, StatusIn)
    if not access.is_staff(request, event_id):
        meeting_status.check_buyer_may_mark(body.status)
    async with request.app[POOL_KEY].acquire() as conn:
        mark = await meeting_status.mark_meeting(
            conn, event_id=event_id, sme_id=sme_id, buyer_id=buyer_id, status=body.status,
            actor=actor_of(request), now=request.app[CLOCK_KEY].now(), settings=request.app[SETTINGS_KEY],
        )  # fmt: skip
    return json_response(_mark_out(event_id, mark))


@operation(
    "Mark a meeting at the buyer's table by its agenda link (no token)",
    tags=("event day",),
    body=StatusIn,
    response=MeetingStatusOut,
    errors=(403, 404, 409, 422),
    description="The buyer's own agenda link, for phones without a login: held or no_show_sme (else 403) of its "
    "meeting with `sme_id` (an SME's link has no such meeting: 404). " + MARK_DESCRIPTION,
)
async def put_linked_meeting_status(request: web.Request) -> web.Response:
    """Mark one of the link's buyer's meetings."""
    try:
        link = await access.link_of(request)
        sme_id = path_uuid_or_404(request, "sme_id", "SME")
        body = await read_json(request, StatusIn)
        meeting_status.check_buyer_may_mark(body.status)
        async with request.app[POOL_KEY].acquire() as conn:
            mark = await meeting_status.mark_meeting(
                conn, event_id=link.event_id, sme_id=sme_id, buyer_id=link.organisation_id, status=body.status,
                actor=access.link_actor(request, link), now=request.app[CLOCK_KEY].now(),
                settings=request.app[SETTINGS_KEY],
            )  # fmt: skip
    except ProblemError as error:
        raise access.private(error) from None
    return json_response(_mark_out(link.event_id, mark), headers=access.LINK_HEADERS)


UNDO_DESCRIPTION = (
    "The mark goes back to planned, in the audit log as previous → planned. Table-slots the mark freed that are "
    "still open are withdrawn in the same transaction (a meeting a live fill had already taken out of the "
    "schedule comes back in a new version: published at once in live mode, telling only its two parties; "
    "else a draft). 409 `freed-slot-filled` when the live fill has given one of them to another firm: nothing "
    "changes. An unmarked meeting answers its planned status and nothing changes. 404: no such meeting."
)


def _undone_out(event_id: UUID, undone: mark_undo.Undone) -> MeetingStatusOut:
    m, restored = undone.meeting, undone.restored
    return MeetingStatusOut(
        event_id=event_id, sme_id=m.sme_id, buyer_id=m.buyer_id, slot=m.slot, table_index=m.table_index,
        status="planned", marked_at=None, by_role=None, withdrawn_slots=restored.withdrawn,
        restored=len(restored.meetings), restored_version=restored.version,
    )  # fmt: skip


@operation(
    "Undo a meeting's day mark (back to planned)",
    tags=("event day",),
    response=MeetingStatusOut,
    errors=(403, 404, 409),
    description="Organisers and the event's hosts any mark; the meeting's buyer the marks it may make (held, "
    "no_show_sme; else 403). " + UNDO_DESCRIPTION,
)
@require(Role.BUYER, owner=access.path_buyer, superusers=access.STAFF, event=path_event)
async def delete_meeting_status(request: web.Request) -> web.Response:
    """Set one meeting's mark back to planned."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    sme_id = path_uuid_or_404(request, "sme_id", "SME")
    buyer_id = path_uuid_or_404(request, "buyer_id", "buyer")
    access.check_event_scope(request, event_id)
    async with request.app[POOL_KEY].acquire() as conn:
        undone = await mark_undo.undo_mark(
            conn, request.app[SETTINGS_KEY], event_id=event_id, sme_id=sme_id, buyer_id=buyer_id,
            actor=actor_of(request), now=request.app[CLOCK_KEY].now(), at_table=not access.is_staff(request, event_id),
        )  # fmt: skip
    return json_response(_undone_out(event_id, undone))


@operation(
    "Undo a mark at the buyer's table by its agenda link (no token)",
    tags=("event day",),
    response=MeetingStatusOut,
    errors=(403, 404, 409),
    description="The buyer's own agenda link: held or no_show_sme of its meeting with `sme_id` (else 403). "
    + UNDO_DESCRIPTION,
)
async def delete_linked_meeting_status(request: web.Request) -> web.Response:
    """Set one of the link's buyer's marks back to planned."""
    try:
        link = await access.link_of(request)
        sme_id = path_uuid_or_404(request, "sme_id", "SME")
        async with request.app[POOL_KEY].acquire() as conn:
            undone = await mark_undo.undo_mark(
                conn, request.app[SETTINGS_KEY], event_id=link.event_id, sme_id=sme_id,
                buyer_id=link.organisation_id, actor=access.link_actor(request, link),
                now=request.app[CLOCK_KEY].now(), at_table=True,
            )  # fmt: skip
    except ProblemError as error:
        raise access.private(error) from None
    return json_response(_undone_out(link.event_id, undone), headers=access.LINK_HEADERS)


@operation(
    "The event's day so far: arrived / expected, meetings held and missed, freed slots and how they were filled",
    tags=("event day",),
    response=DaySummary,
    errors=(404,),
    description="Organisers and the event's hosts. 404 before a version is published.",
)
@require(*access.STAFF, event=path_event, access="read")
async def get_day_summary(request: web.Request) -> web.Response:
    """The organiser's day summary."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    access.check_event_scope(request, event_id)
    async with request.app[POOL_KEY].acquire() as conn:
        summary = await day_summary(conn, event_id, request.app[CLOCK_KEY].now())
    return json_response(summary)


async def participant_day(request: web.Request, event_id: UUID, organisation_id: UUID) -> ParticipantDay:
    """The organisation's meetings with their status, and its declines and busy slots."""
    async with request.app[POOL_KEY].acquire() as conn:
        day = await published_day(conn, event_id)
        meetings = await organisation_meetings(conn, day, organisation_id)
        marks = await meeting_status.statuses(conn, event_id, organisation_id)
        rows = await declines.listed(conn, event_id, organisation_id=organisation_id)
    now = request.app[CLOCK_KEY].now()
    items = []
    for m in meetings:
        mark = marks.get((m.sme_id, m.buyer_id))
        items.append(
            MeetingStatusOut(
                event_id=event_id,
                sme_id=m.sme_id,
                buyer_id=m.buyer_id,
                slot=m.slot,
                table_index=m.table_index,
                status=mark["status"] if mark else "planned",
                marked_at=mark["marked_at"] if mark else None,
                by_role=mark["by_role"] if mark else None,
                started=day.started(m.slot, now),
                time=day.label(m.slot),
            )
        )
    return ParticipantDay(
        event_id=event_id, organisation_id=organisation_id, version=day.number,
        phase=day.phase(now), meetings=items,
        unavailability=[declines.UnavailabilityOut.from_row(r) for r in rows],
    )  # fmt: skip


@operation(
    "A participant's day: its published meetings with their status, its declines and busy slots",
    tags=("event day",),
    response=ParticipantDay,
    errors=(404,),
    description="Organisers, the event's hosts, and the SME or buyer itself. 404 before a version is published.",
)
@require(Role.SME, Role.BUYER, owner=access.path_organisation, superusers=access.STAFF, event=path_event, access="read")
async def get_participant_day(request: web.Request) -> web.Response:
    """One participant's day."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    organisation_id = path_uuid_or_404(request, "organisation_id", "organisation")
    access.check_event_scope(request, event_id)
    return json_response(await participant_day(request, event_id, organisation_id))


@operation(
    "The participant's day by its agenda link (no token)",
    tags=("event day",),
    response=ParticipantDay,
    errors=(404,),
)
async def get_linked_day(request: web.Request) -> web.Response:
    """The link's participant's day."""
    try:
        link = await access.link_of(request)
        day = await participant_day(request, link.event_id, link.organisation_id)
    except ProblemError as error:
        raise access.private(error) from None
    return json_response(day, headers=access.LINK_HEADERS)


async def _require_event(request: web.Request, event_id: UUID) -> None:
    """404 unless the registry knows the event; 503 when it cannot be asked."""
    try:
        await request.app[REGISTRY_KEY].event(event_id)
    except RegistryRefused as error:
        if error.status == 404:
            raise NotFound(f"There is no event {event_id}.") from None
        log.error("the registry refused to show event %s: %s", event_id, error.reason)
        raise RegistryUnavailable("The matcher cannot read the event from the registry (configuration).") from None
    except RegistryDown:
        raise RegistryUnavailable("The registry cannot be reached to check the event; try again shortly.") from None


@operation(
    "The event day's settings (defaults until stored)",
    tags=("event day",),
    response=DaySettingsOut,
    errors=(404, 503),
    description="Organisers. The ETag goes into If-Match of the PUT.",
)
@require(Role.ORGANISER, event=path_event, access="read")
async def get_day_settings(request: web.Request) -> web.Response:
    """Frozen horizon, live mode, declines before the day, reminders."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    await _require_event(request, event_id)
    settings = await load_day_settings(request.app[POOL_KEY], event_id)
    return json_response(DaySettingsOut.of(settings), headers={"ETag": settings_etag(settings)})


@operation(
    "Change the event day's settings (If-Match)",
    tags=("event day",),
    body=DaySettingsIn,
    response=DaySettingsOut,
    errors=(400, 404, 412, 422, 503),
    extra_responses={201: "Stored for the first time"},
    description="Organisers. A field left out takes its default. With If-Match naming an older ETag: 412 with "
    "the current ETag, nothing changes.",
)
@require(Role.ORGANISER, event=path_event)
async def put_day_settings(request: web.Request) -> web.Response:
    """Store the event day's settings."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    expected = if_match(request)
    body = await read_json(request, DaySettingsIn)
    await _require_event(request, event_id)
    async with request.app[POOL_KEY].acquire() as conn:
        saved, created = await save_day_settings(
            conn, event_id, body, expected=expected, actor=actor_of(request), now=request.app[CLOCK_KEY].now()
        )
    out = DaySettingsOut.of(saved)
    return json_response(out, status=201 if created else 200, headers={"ETag": out.etag})


def add_day_routes(app: web.Application) -> None:
    """Register the event day's meeting routes (called from the matcher's setup_routes)."""
    app.router.add_put(MARK_PATH, put_meeting_status)
    app.router.add_put(LINK_MARK_PATH, put_linked_meeting_status)
    app.router.add_delete(MARK_PATH, delete_meeting_status)
    app.router.add_delete(LINK_MARK_PATH, delete_linked_meeting_status)
    app.router.add_get("/events/{event_id}/day", get_day_summary)
    app.router.add_get("/events/{event_id}/day-settings", get_day_settings)
    app.router.add_put("/events/{event_id}/day-settings", put_day_settings)
    app.router.add_get("/events/{event_id}/organisations/{organisation_id}/day", get_participant_day)
    app.router.add_post("/events/{event_id}/organisations/{organisation_id}/declines", dr.post_decline)
    app.router.add_get("/events/{event_id}/organisations/{organisation_id}/declines", dr.get_declines_of)
    app.router.add_post("/events/{event_id}/organisations/{organisation_id}/busy", dr.post_busy)
    app.router.add_get("/events/{event_id}/organisations/{organisation_id}/busy", dr.get_busy_of)
    app.router.add_get("/events/{event_id}/declines", dr.list_event_declines)
    app.router.add_patch("/events/{event_id}/declines/{decline_id}", dr.patch_decline)
    app.router.add_get("/a/{token}/day", get_linked_day)
    app.router.add_post("/a/{token}/declines", dr.post_linked_decline)
    app.router.add_get("/a/{token}/declines", dr.get_linked_declines)
    app.router.add_post("/a/{token}/busy", dr.post_linked_busy)
    app.router.add_get("/a/{token}/busy", dr.get_linked_busy)
    day_link_page.add_routes(app)
