"""The reception's routes: check in (by search or QR-scanned agenda link), undo, the arrivals so far, the
search of the published version's participants, and the stand-by list.

Organisers may call them for any event, a host (värd) token only for its own event; an SME may put
itself on (or take itself off) the stand-by list. Changes happen only on the event's day, in its time
zone, by the application's clock (``app[CLOCK_KEY]``).
"""

from __future__ import annotations

import contextlib
import logging
from uuid import UUID

from aiohttp import web

from shared.auth import PRINCIPAL_KEY, EventAccess, Role, path_event, require
from shared.clock import CLOCK_KEY
from shared.db import POOL_KEY
from shared.errors import Conflict, FieldError, Forbidden, NotFound, ValidationProblem
from shared.openapi import operation
from shared.paths import path_uuid_or_404
from shared.reference.orgnr import normalise_orgnr
from shared.web import json_response, read_json, read_query

from ..agendas.link_store import link_for_token
from ..audit import actor_of, record
from ..auth import RegistryUnavailable
from ..keys import REGISTRY_KEY, SETTINGS_KEY
from ..links import LinkSecretMissing, link_key
from ..registry_client import RegistryDown, RegistryRefused
from ..sql import onsite_arrivals as sql
from . import standby
from .arrivals import EventDay, check_in, event_day, matches, undo_check_in
from .reception_models import (
    Arrival,
    ArrivalIn,
    ArrivalList,
    ReceptionList,
    ReceptionParticipant,
    ReceptionQuery,
    StandbyEntry,
)
from .restore import Restored, late_arrival

log = logging.getLogger("services.matcher.onsite.reception_routes")
DAY_ERRORS = (403, 404, 409)


def _event_served(request: web.Request, access: EventAccess = "edit") -> UUID:
    """The path's event, which the caller must serve (organisers any, a host its own; a supporter by its
    grant: ``access`` "read" for the routes that only look)."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    principal = request[PRINCIPAL_KEY]
    if not (principal.serves_event(event_id) or principal.may_access_event(event_id, access)):
        raise Forbidden("Your token serves another event's reception.")
    return event_id


def _invalid(pointer: str, code: str, detail: str) -> ValidationProblem:
    return ValidationProblem([FieldError(pointer=pointer, code=code, detail=detail)])


async def _registry_snapshot_smes(request: web.Request, event_id: UUID) -> dict[UUID, str]:
    """The SMEs signed up now (the registry's snapshot), id → name: a walk-in is there, not in the version."""
    try:
        snapshot = await request.app[REGISTRY_KEY].snapshot(event_id)
    except RegistryRefused as error:
        log.error("the registry refused the snapshot of event %s: %s", event_id, error.reason)
        raise RegistryUnavailable("The matcher cannot read the event's sign-ups from the registry.") from None
    except RegistryDown:
        raise RegistryUnavailable("The registry cannot be reached to check the walk-in; try again shortly.") from None
    return {UUID(p["organisation"]["id"]): p["organisation"]["name"] for p in snapshot.document.get("smes", [])}


async def _target(request: web.Request, body: ArrivalIn, event_id: UUID) -> tuple[UUID, str]:
    """The organisation and how it was found: from the body, or from the scanned agenda link."""
    if body.link_token is None:
        return body.organisation_id, body.how or "name"  # type: ignore[return-value]
    try:
        key = link_key(request.app[SETTINGS_KEY])
    except LinkSecretMissing:
        key = None
    link = await link_for_token(request.app[POOL_KEY], key, body.link_token) if key else None
    if link is None:
        raise _invalid("/link_token", "unknown_link", "No live agenda link with that token.")
    if link.event_id != event_id:
        raise _invalid("/link_token", "other_event", "That agenda link belongs to another event.")
    return link.organisation_id, body.how or "qr"


@operation(
    "Check a participant in at the reception",
    tags=("onsite",),
    body=ArrivalIn,
    response=Arrival,
    status=201,
    errors=(*DAY_ERRORS, 422, 503),
    extra_responses={200: "Already checked in: the first arrival, unchanged"},
    description="By `organisation_id` (found with GET …/reception) or the `link_token` of the agenda link "
    "its QR code holds. Only on the event's day (409 otherwise) and for a participant of the published version "
    "(422), or a walk-in the registry has just registered (`how: walk_in`; it joins the stand-by list). "
    "A firm marked absent before it came (a no-show while not checked in freed its later meetings) gets back "
    "those that nobody has been given and that have not started: `restored` says how many (a meeting a live "
    "fill had already taken out comes back in version `restored_version`: published in live mode, telling "
    "only its parties; else a draft). "
    "A second check-in changes nothing and answers 200. 404 before a version is published.",
)
@require(Role.HOST, event=path_event)
async def create_arrival(request: web.Request) -> web.Response:
    """Check in."""
    event_id = _event_served(request)
    body = await read_json(request, ArrivalIn)
    now = request.app[CLOCK_KEY].now()
    pool = request.app[POOL_KEY]
    day = await event_day(pool, event_id)
    day.require_today(now)
    organisation_id, how = await _target(request, body, event_id)
    participant = day.participant(organisation_id)
    walk_in_name = None
    if participant is None:
        pointer = "/link_token" if body.link_token else "/organisation_id"
        if how != "walk_in":
            raise _invalid(pointer, "not_participant", "Not a participant of the event's published schedule.")
        walk_in_name = (await _registry_snapshot_smes(request, event_id)).get(organisation_id)
        if walk_in_name is None:
            raise _invalid(pointer, "not_signed_up", "Register the walk-in first (POST /events/{id}/walk-ins).")
    elif participant.cancelled:
        raise Conflict(
            "Anmälan är avbokad; registrera firman på plats i stället. / "
            "The sign-up was cancelled; register the firm as a walk-in instead.",
            errors=[FieldError(pointer="", code="cancelled", detail="The registration was cancelled.")],
        )
    actor = actor_of(request)
    back = Restored()
    async with pool.acquire() as conn, conn.transaction():
        row, created = await check_in(conn, actor, event_id, organisation_id, how, now)  # type: ignore[arg-type]
        if participant is None:
            await standby.join(conn, actor, event_id, organisation_id, "walk_in", now)
        elif created and participant.kind == "sme":  # marked absent before it came: its freed meetings back
            back = await late_arrival(conn, request.app[SETTINGS_KEY], event_id, organisation_id, now)
            if back.withdrawn:
                await record(
                    conn, actor, "arrival.late", "arrival", f"{event_id}/{organisation_id}", event_id=event_id,
                    organisation_id=organisation_id, details=back.details(),
                )  # fmt: skip
        on_list = await conn.fetchval(sql.SELECT_STANDBY_ONE, event_id, organisation_id) is not None
    answer = Arrival(
        organisation_id=organisation_id,
        name=participant.name if participant else walk_in_name,
        kind=participant.kind if participant else "sme",
        arrived_at=row["arrived_at"],
        how=row["how"],
        by_role=row["by_role"],
        standby=on_list,
        restored=back.back,
        restored_version=back.version,
    )
    return json_response(answer, status=201 if created else 200)


def _counts(day: EventDay, arrived: set[UUID]) -> tuple[int, int]:
    expected = {p.id for p in day.participants if not p.cancelled}
    return len(arrived), len(expected | arrived)


@operation(
    "The event's arrivals so far",
    tags=("onsite",),
    response=ArrivalList,
    errors=(403, 404),
    description="Who has checked in, when, how and by whom, with the counts arrived / expected.",
)
@require(Role.HOST, event=path_event, access="read")
async def list_arrivals(request: web.Request) -> web.Response:
    """Arrivals so far."""
    event_id = _event_served(request, "read")
    pool = request.app[POOL_KEY]
    day = await event_day(pool, event_id)
    rows = await pool.fetch(sql.SELECT_ARRIVALS, event_id)
    on_list = {row["organisation_id"] for row in await pool.fetch(sql.SELECT_STANDBY, event_id)}
    names = {p.id: (p.name, p.kind) for p in day.participants}
    if any(row["organisation_id"] not in names for row in rows):
        # Walk-ins are not in the version; their names are in the registry (shown without, if it is away).
        with contextlib.suppress(RegistryUnavailable):
            smes = await _registry_snapshot_smes(request, event_id)
            names.update((key, (name, "sme")) for key, name in smes.items())
    items = [
        Arrival(
            organisation_id=row["organisation_id"],
            name=names.get(row["organisation_id"], (None, None))[0],
            kind=names.get(row["organisation_id"], (None, None))[1],
            arrived_at=row["arrived_at"],
            how=row["how"],
            by_role=row["by_role"],
            standby=row["organisation_id"] in on_list,
        )
        for row in rows
    ]
    arrived, expected = _counts(day, {row["organisation_id"] for row in rows})
    return json_response(ArrivalList(arrived=arrived, expected=expected, items=items))


@operation(
    "Undo a mistaken check-in",
    tags=("onsite",),
    status=204,
    errors=(403, 404),
    description="The arrival is removed (the firm also leaves the stand-by list); 404 when it had not checked in.",
)
@require(Role.HOST, event=path_event)
async def delete_arrival(request: web.Request) -> web.Response:
    """Undo a check-in."""
    event_id = _event_served(request)
    organisation_id = path_uuid_or_404(request, "organisation_id", "organisation")
    now = request.app[CLOCK_KEY].now()
    async with request.app[POOL_KEY].acquire() as conn, conn.transaction():
        if not await undo_check_in(conn, actor_of(request), event_id, organisation_id, now):
            raise NotFound("That organisation has not checked in.")
    return json_response(None, status=204)


async def _orgnr_matches(request: web.Request, text: str) -> set[UUID] | None:
    """The organisations with the org.nr ``text`` names, or None when it is no org.nr (a name search)."""
    try:
        orgnr = normalise_orgnr(text)
    except ValueError:
        return None
    try:
        return set(await request.app[REGISTRY_KEY].organisation_ids_by_orgnr(orgnr))
    except (RegistryDown, RegistryRefused):
        raise RegistryUnavailable("The registry cannot be reached to look up the org.nr; search by name.") from None


@operation(
    "Find participants at the reception",
    tags=("onsite",),
    query=ReceptionQuery,
    response=ReceptionList,
    errors=(403, 404, 503),
    description="The published version's participants whose name holds every word of `q`, or whose "
    "organisationsnummer `q` is (looked up in the registry: 503 while it cannot be reached); without `q` all. "
    "Each with whether it has arrived, is on the stand-by list and has free time for another meeting.",
)
@require(Role.HOST, event=path_event, access="read")
async def reception(request: web.Request) -> web.Response:
    """Search participants."""
    event_id = _event_served(request, "read")
    query = read_query(request, ReceptionQuery)
    pool = request.app[POOL_KEY]
    day = await event_day(pool, event_id)
    arrivals = {row["organisation_id"]: row for row in await pool.fetch(sql.SELECT_ARRIVALS, event_id)}
    on_list = {row["organisation_id"] for row in await pool.fetch(sql.SELECT_STANDBY, event_id)}
    found = list(day.participants)
    if query.q is not None:
        ids = await _orgnr_matches(request, query.q)
        words = query.q.split()
        found = [p for p in found if p.id in ids] if ids is not None else [p for p in found if matches(p, words)]
    items = [
        ReceptionParticipant(
            organisation_id=p.id,
            name=p.name,
            kind=p.kind,
            arrived=p.id in arrivals,
            arrived_at=arrivals[p.id]["arrived_at"] if p.id in arrivals else None,
            standby=p.id in on_list,
            meetings=len(p.meeting_slots),
            free_time=p.free_time,
            cancelled=p.cancelled,
        )
        for p in found
    ]
    arrived, expected = _counts(day, set(arrivals))
    return json_response(ReceptionList(arrived=arrived, expected=expected, items=items))


async def _standby_caller(request: web.Request) -> tuple[UUID, UUID]:
    """The event and firm of a stand-by route: organisers and the event's host, or the SME itself."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    organisation_id = path_uuid_or_404(request, "organisation_id", "organisation")
    principal = request[PRINCIPAL_KEY]
    if not principal.serves_event(event_id) and principal.organisation_id != organisation_id:
        raise Forbidden("Only the reception, or the firm itself, puts a firm on the stand-by list.")
    return event_id, organisation_id


@operation(
    "Put a firm on the stand-by list",
    tags=("onsite",),
    response=StandbyEntry,
    status=201,
    errors=DAY_ERRORS,
    extra_responses={200: "Already on the list"},
    description="A checked-in walk-in, or a checked-in SME with free time (below its cap, a free available "
    "slot), by the reception or the firm itself. Only on the event's day; 409 when not checked in, not an SME "
    "or without free time.",
)
@require(Role.HOST, Role.SME, event=path_event)
async def join_standby(request: web.Request) -> web.Response:
    """Join the stand-by list."""
    event_id, organisation_id = await _standby_caller(request)
    now = request.app[CLOCK_KEY].now()
    pool = request.app[POOL_KEY]
    day = await event_day(pool, event_id)
    day.require_today(now)
    async with pool.acquire() as conn, conn.transaction():
        arrival = await conn.fetchrow(sql.SELECT_ARRIVAL, event_id, organisation_id)
        walk_in = arrival is not None and arrival["how"] == "walk_in" and day.participant(organisation_id) is None
        source = standby.check_may_stand_by(day, organisation_id, arrived=arrival is not None, walk_in=walk_in)
        row, joined = await standby.join(conn, actor_of(request), event_id, organisation_id, source, now)
    entry = StandbyEntry(organisation_id=organisation_id, source=row["source"], since=row["since"])
    return json_response(entry, status=201 if joined else 200)


@operation(
    "Take a firm off the stand-by list",
    tags=("onsite",),
    status=204,
    errors=(403, 404),
    description="404 when the firm is not on the list.",
)
@require(Role.HOST, Role.SME, event=path_event)
async def leave_standby(request: web.Request) -> web.Response:
    """Leave the stand-by list."""
    event_id, organisation_id = await _standby_caller(request)
    now = request.app[CLOCK_KEY].now()
    async with request.app[POOL_KEY].acquire() as conn, conn.transaction():
        if not await standby.leave(conn, actor_of(request), event_id, organisation_id, now):
            raise NotFound("That firm is not on the stand-by list.")
    return json_response(None, status=204)
