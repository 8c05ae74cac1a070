"""Schedule versions for organisers: list, read, compare two, publish one."""

from __future__ import annotations

import logging
from uuid import UUID

from aiohttp import web

from shared.auth import PRINCIPAL_KEY, Role, path_event, require
from shared.db import POOL_KEY
from shared.errors import NotFound
from shared.openapi import operation
from shared.paths import path_uuid_or_404
from shared.web import json_response

from ..audit import actor_of, record
from ..keys import AGENDA_CACHE_KEY, REGISTRY_KEY, SETTINGS_KEY
from ..registry_client import RegistryDown, RegistryRefused
from ..schedules.models import ComparisonOut, MovedMeeting, PublishOut, VersionDetail, VersionList
from ..schedules.publish import publish_version
from ..schedules.store import compare_meetings, stored_meetings
from ..schedules.views import SnapshotNames, version_out
from ..sql import schedules as sql

log = logging.getLogger("services.matcher.schedules.routes")


def _number(request: web.Request, name: str = "number") -> int:
    text = request.match_info[name]
    if not text.isdigit() or not 1 <= int(text) < 2**31:
        raise NotFound("No schedule version with that number.")
    return int(text)


async def _version(conn, event_id: UUID, number: int):
    row = await conn.fetchrow(sql.SELECT_VERSION, event_id, number)
    if row is None:
        raise NotFound(f"The event has no schedule version {number}.")
    return row


@operation("An event's schedule versions, newest first", tags=("schedules",), response=VersionList, errors=(404,))
@require(Role.ORGANISER, event=path_event, access="read")
async def list_versions(request: web.Request) -> web.Response:
    event_id = path_uuid_or_404(request, "event_id", "event")
    async with request.app[POOL_KEY].acquire() as conn:
        rows = await conn.fetch(sql.SELECT_VERSIONS, event_id)
    return json_response(VersionList(items=[version_out(row) for row in rows]))


@operation(
    "A schedule version with its meetings and quality report",
    tags=("schedules",),
    response=VersionDetail,
    errors=(404,),
)
@require(Role.ORGANISER, event=path_event, access="read")
async def get_version(request: web.Request) -> web.Response:
    event_id = path_uuid_or_404(request, "event_id", "event")
    async with request.app[POOL_KEY].acquire() as conn:
        row = await _version(conn, event_id, _number(request))
        names = SnapshotNames(await conn.fetchval(sql.SELECT_SNAPSHOT, row["id"]))
        meetings = await stored_meetings(conn, row["id"])
    detail = VersionDetail(
        **version_out(row).model_dump(), quality=row["quality"], meetings=[names.meeting(m) for m in meetings]
    )
    return json_response(detail)


@operation(
    "Compare two schedule versions (meetings added, moved, removed)",
    tags=("schedules",),
    response=ComparisonOut,
    errors=(404,),
)
@require(Role.ORGANISER, event=path_event, access="read")
async def compare_versions(request: web.Request) -> web.Response:
    event_id = path_uuid_or_404(request, "event_id", "event")
    async with request.app[POOL_KEY].acquire() as conn:
        before_row = await _version(conn, event_id, _number(request))
        after_row = await _version(conn, event_id, _number(request, "other"))
        before_names = SnapshotNames(await conn.fetchval(sql.SELECT_SNAPSHOT, before_row["id"]))
        after_names = SnapshotNames(await conn.fetchval(sql.SELECT_SNAPSHOT, after_row["id"]))
        diff = compare_meetings(
            await stored_meetings(conn, before_row["id"]), await stored_meetings(conn, after_row["id"])
        )
    return json_response(
        ComparisonOut(
            from_version=before_row["number"],
            to_version=after_row["number"],
            added=[after_names.meeting(m) for m in diff.added],
            removed=[before_names.meeting(m) for m in diff.removed],
            moved=[MovedMeeting(before=before_names.meeting(a), after=after_names.meeting(b)) for a, b in diff.moved],
            unchanged=diff.unchanged,
        )
    )


@operation(
    "Publish a schedule version",
    tags=("schedules",),
    response=PublishOut,
    errors=(404,),
    description="Atomically makes this version the one participants see (the version published before becomes "
    "`superseded` and stays readable), and queues the notifications: an e-mail to each participant whose agenda "
    "is new or changed, and the event's webhooks. The registry's event then moves to `published`. Publishing the "
    "published version again changes nothing.",
)
@require(Role.ORGANISER, event=path_event)
async def publish(request: web.Request) -> web.Response:
    event_id = path_uuid_or_404(request, "event_id", "event")
    number = _number(request)
    async with request.app[POOL_KEY].acquire() as conn, conn.transaction():
        # One transaction around the publish (its own becomes a savepoint) and its audit entry.
        # The agendas built for the notices go into the app's cache, so the first agenda reads find them. Its
        # keys carry the version's publication time: a publish rolled back leaves only keys nobody asks for.
        done = await publish_version(
            conn,
            request.app[SETTINGS_KEY],
            event_id,
            number,
            request[PRINCIPAL_KEY].token_id,
            cache=request.app[AGENDA_CACHE_KEY],
        )
        if done is not None and not done.already_published:
            details = {
                "number": number,
                "previous_published": done.previous_number,
                "notifications": done.notifications,
            }
            await record(
                conn,
                actor_of(request),
                "schedule.publish",
                "schedule_version",
                done.version["id"],
                event_id=event_id,
                details=details,
            )
    if done is None:
        raise NotFound(f"The event has no schedule version {number}.")
    warnings: list[str] = []
    registry, status = request.app[REGISTRY_KEY], None
    try:
        # One call: the registry compares the hash before it moves the event (the move changes the hash).
        recorded = await registry.record_publication(event_id, done.version["snapshot_hash"])
        status = recorded.status
        if not recorded.snapshot_unchanged:
            warnings.append(
                "Anmälningarna har ändrats sedan versionen beräknades; kör om schemaläggningen för att ta med "
                "ändringarna. (Sign-ups changed since this version was computed; re-run to include them.)"
            )
    except (RegistryDown, RegistryRefused) as error:
        log.warning("event %s: published, but the registry could not be updated: %s", event_id, error)
        warnings.append("Registret kunde inte nås; evenemangets status uppdateras inte. (Registry unreachable.)")
    out = PublishOut(
        **version_out(done.version).model_dump(),
        previous_published=done.previous_number,
        notifications=done.notifications,
        registry_status=status,
        warnings=warnings,
    )
    return json_response(out)
