"""The matcher's publication of a schedule, as the registry records it: one call, one answer.

When an organiser publishes a schedule version, the matcher needs two things from the registry: whether
the sign-ups are still what the version was computed from (else the organiser is told to re-run), and
the event moved to ``published`` through the matcher's own moves (closed → scheduled → published,
:func:`shared.event_states.matcher_path`). They used to be four calls (a conditional snapshot read, the
event, then one transition per step); ``POST /events/{id}/publication`` is both in one.

The snapshot's hash is read first, in its own repeatable-read transaction, because the move changes the
event's status and with it the hash. The moves then run in one transaction on the locked event row, so
a concurrent organiser's transition is serialised before or after the whole path, never between steps.
"""

from __future__ import annotations

from typing import Annotated

import asyncpg
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared import event_states
from shared.auth import PRINCIPAL_KEY, Role, path_event, require
from shared.db import POOL_KEY
from shared.errors import Forbidden, NotFound
from shared.event_states import EventStatus
from shared.openapi import operation
from shared.paths import path_uuid_or_404
from shared.web import json_response, read_json

from .events import locked_event
from .snapshot import read_snapshot
from .sql import events as sql
from .unit_of_work import Audited, Outcome, write

SnapshotHash = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class PublicationRequest(BaseModel):
    """What the matcher published: the version's snapshot hash, to compare with the sign-ups now."""

    model_config = ConfigDict(extra="forbid")

    snapshot_hash: SnapshotHash = Field(description="The content hash of the snapshot the version was computed from")


class PublicationOut(BaseModel):
    """The event after the publication, and whether its sign-ups changed since the version was computed."""

    status: EventStatus = Field(description="The event's status afterwards (`published` unless it could not move)")
    snapshot_unchanged: bool = Field(description="The event's snapshot still has the hash the version was made from")
    moved_through: list[EventStatus] = Field(
        description="The states the event stepped through, in order (empty when it was already published, or "
        "in a state the matcher does not move from, such as open for sign-up)"
    )


@operation(
    "Record a schedule's publication (matcher)",
    tags=("events",),
    body=PublicationRequest,
    response=PublicationOut,
    errors=(403, 404),
    description="The matcher's service token only. Compares `snapshot_hash` with the event's snapshot now, and "
    "moves the event to `published` through `scheduled` in one transaction, one history entry per step. An "
    "event already published stays; one in a state the matcher does not move from is left as it is.",
)
@require(Role.SERVICE, event=path_event)
async def record_publication(request: web.Request) -> web.Response:
    """Compare the snapshot hash, then move the event to ``published`` by the matcher's moves."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    if request[PRINCIPAL_KEY].role != Role.SERVICE:
        # Organisers publish in the matcher, which then records it here; a direct call would skip that.
        raise Forbidden("Only the matcher's service token records a publication; publish the version instead.")
    body = await read_json(request, PublicationRequest)
    async with request.app[POOL_KEY].acquire() as conn:
        document = await read_snapshot(conn, event_id)
    if document is None:
        raise NotFound("No event with that id.")
    unchanged = document.content_hash == body.snapshot_hash
    token_id = request[PRINCIPAL_KEY].token_id

    async def move(conn: asyncpg.Connection) -> Outcome:
        current = await locked_event(conn, event_id, None)
        source = EventStatus(current["status"])
        path = event_states.matcher_path(source, EventStatus.PUBLISHED)
        previous = source
        for step in path:
            await conn.execute(sql.UPDATE_EVENT_STATUS, event_id, step.value)
            await conn.execute(sql.INSERT_TRANSITION, event_id, previous.value, step.value, "", token_id)
            previous = step
        out = PublicationOut(status=previous, snapshot_unchanged=unchanged, moved_through=path)
        changes = {"status": previous.value, "from_status": source.value, "through": [s.value for s in path]}
        audited = Audited("event", event_id, event_id=event_id, changes=changes) if path else None
        return Outcome(json_response(out), audited)

    return await write(request, move, action="event.publication")
