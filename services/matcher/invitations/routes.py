"""The organisers' invitation routes: ``POST /events/{id}/invitations`` queues them, ``GET`` lists them.

Both read the registry with the matcher's service token: the event (name, day, venue, deadline, status) and
the segment's firms when inviting, the firms' names when listing (they are not kept here).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any
from uuid import UUID

from aiohttp import web

from shared.auth import Role, require
from shared.clock import CLOCK_KEY
from shared.db import POOL_KEY
from shared.errors import Conflict, NotFound
from shared.openapi import operation
from shared.paths import path_uuid_or_404
from shared.web import json_response, read_json

from ..audit import actor_of
from ..auth import RegistryUnavailable
from ..keys import REGISTRY_KEY, SETTINGS_KEY
from ..registry_client import RegistryClient, RegistryDown, RegistryRefused
from ..reminders.signup import signup_url
from ..sql import invitations as sql
from .model import Invitation, InvitationCriteria, InvitationList, InvitationOutcome
from .store import queue_invitations

PATH = "/events/{event_id}/invitations"
# Names are read from the registry a few at a time (an event's invitations are hundreds at most).
NAME_READS = 8


def _registry_problem(error: Exception, what: str) -> Exception:
    if isinstance(error, RegistryRefused) and error.status == 404:
        return NotFound(f"There is no {what}.")
    return RegistryUnavailable(f"The matcher cannot read {what} from the registry just now.")


def check_signup_open(event: dict[str, Any], now: dt.datetime) -> None:
    """409 unless the event is open for sign-up and its deadline is ahead."""
    deadline = dt.datetime.fromisoformat(str(event["signup_deadline"]))
    if event.get("status") != "open" or deadline <= now:
        raise Conflict(
            "Sign-up to the event is not open (or its deadline has passed): invitations would ask for the impossible.",
            slug="signup-closed",
        )


@operation(
    "Invite a segment of firms to the event by e-mail (one each, never twice)",
    tags=("invitations",),
    body=InvitationCriteria,
    response=InvitationOutcome,
    errors=(400, 404, 409, 415, 422, 503),
    description="Organisers. The firms matching every criterion (from the registry) get one e-mail each through "
    "the outbox, in one transaction; firms signed up, already invited, erased or without a contact address are "
    "left out and counted. With `dry_run` only the counts. 409 when sign-up is not open or its deadline passed.",
)
@require(Role.ORGANISER)
async def create_invitations(request: web.Request) -> web.Response:
    """Queue invitations to a segment."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    criteria = await read_json(request, InvitationCriteria)
    registry, now = request.app[REGISTRY_KEY], request.app[CLOCK_KEY].now()
    try:
        event = await registry.event(event_id)
    except (RegistryDown, RegistryRefused) as error:
        raise _registry_problem(error, f"event {event_id}") from None
    check_signup_open(event, now)
    try:
        firms, signed_up = await registry.segment_firms(criteria.registry_query(event_id))
    except (RegistryDown, RegistryRefused) as error:
        raise _registry_problem(error, "the segment of firms") from None
    url = signup_url(request.app[SETTINGS_KEY], event_id)
    async with request.app[POOL_KEY].acquire() as conn:
        outcome = await queue_invitations(conn, event, criteria, firms, signed_up or 0, now, url, actor_of(request))
    return json_response(outcome)


async def _names(registry: RegistryClient, ids: list[UUID]) -> dict[UUID, str | None]:
    gate = asyncio.Semaphore(NAME_READS)

    async def name(organisation_id: UUID) -> str | None:
        async with gate:
            found = await registry.organisation(organisation_id)
        return None if found is None or found.get("erased_at") else found.get("name")

    return dict(zip(ids, await asyncio.gather(*(name(i) for i in ids)), strict=True))


@operation(
    "The event's invitations: how many, who was invited when and by which criteria, and whether the e-mail went",
    tags=("invitations",),
    response=InvitationList,
    errors=(404, 503),
    description="Organisers. The firms' names are read from the registry now (an erased firm's is None).",
)
@require(Role.ORGANISER)
async def list_invitations(request: web.Request) -> web.Response:
    """List the event's invitations."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    async with request.app[POOL_KEY].acquire() as conn:
        rows = await conn.fetch(sql.LIST_INVITATIONS, event_id)
    try:
        names = await _names(request.app[REGISTRY_KEY], [row["organisation_id"] for row in rows])
    except (RegistryDown, RegistryRefused) as error:
        raise _registry_problem(error, "the invited firms' names") from None
    items = [Invitation(**dict(row), name=names[row["organisation_id"]]) for row in rows]
    return json_response(InvitationList(count=len(items), items=items), headers={"Cache-Control": "private, no-store"})


def setup_invitations(app: web.Application) -> None:
    """Register the invitation routes (one call from the matcher's setup_routes)."""
    app.router.add_post(PATH, create_invitations)
    app.router.add_get(PATH, list_invitations)
