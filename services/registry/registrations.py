"""Registrations: SMEs and buyers sign up for an event, change their sign-up, cancel it.

Rules, checked inside one transaction that holds the event row ``FOR SHARE`` (so an event cannot
close, or its grid change, half-way through a sign-up):

- sign-up and changes by the organisation itself: while the event is ``open`` and before its
  deadline; organisers also while it is ``closed`` (late additions). Cancelling: any time.
- one registration per organisation and event. Signing up again after cancelling reactivates the
  same registration (same id, new content, version bumped) and is answered 200 instead of 201.
- ``kind`` comes from the organisation; fields of the other kind are 422.
- cancelling once the event is scheduled or published sets ``cancelled_after_publication`` so the
  matcher re-plans around the gap.
"""

from __future__ import annotations

from uuid import UUID

from aiohttp import web

from shared.auth import PRINCIPAL_KEY, Role, path_event, require
from shared.db import POOL_KEY
from shared.errors import FieldError, NotFound, ValidationProblem
from shared.openapi import operation
from shared.paths import path_uuid, path_uuid_or_404
from shared.web import json_response, read_json, read_query

from .event_models import EventStatus
from .events import event_id_of, sees_drafts
from .pagination import cursor_text, link_headers, page_of, typed_cursor
from .registration_models import (
    AttendingBuyer,
    CancelRequest,
    Registration,
    RegistrationCreate,
    RegistrationListing,
    RegistrationListQuery,
    RegistrationUpdate,
)
from .registration_writes import (
    already_signed_up,
    cancel,
    change,
    organisation_to_sign_up,
    registration_response,
    sign_up,
)
from .sql import events as event_sql
from .sql import registrations as sql
from .unit_of_work import write
from .versioning import if_match_version, not_modified, not_modified_response


def registration_id_of(request: web.Request) -> UUID:
    """The ``{registration_id}`` of the path; a malformed one is simply not found."""
    return path_uuid_or_404(request, "registration_id", "registration")


async def registration_owner(request: web.Request) -> UUID | None:
    """The organisation a registration belongs to (for the ownership check), None when there is none."""
    registration_id = path_uuid(request, "registration_id")
    if registration_id is None:
        return None
    row = await request.app[POOL_KEY].fetchrow(sql.SELECT_REGISTRATION_OWNER, registration_id)
    return row["organisation_id"] if row else None


async def registration_event(request: web.Request) -> UUID | None:
    """The event a registration is for (for a supporter's grants), None when there is none."""
    registration_id = path_uuid(request, "registration_id")
    if registration_id is None:
        return None
    return await request.app[POOL_KEY].fetchval(sql.SELECT_REGISTRATION_EVENT, registration_id)


@operation(
    "Sign up for an event",
    tags=("registrations",),
    body=RegistrationCreate,
    response=Registration,
    status=201,
    errors=(404, 409),
    extra_responses={200: "A cancelled registration of the organisation was reactivated with this content"},
    description="SMEs and buyers sign up their own organisation (leave `organisation_id` out), organisers any. "
    "Open while the event is `open` and before `signup_deadline`; organisers may also add while it is `closed`. "
    "`kind` comes from the organisation: SMEs send `max_meetings`, `wanted_needs`; buyers `tables`, "
    "`representatives`, `brought_needs`, `wanted_smes`. One registration per organisation: a second is 409, "
    "unless the first was cancelled — then it is reactivated (200, same id). Send `Idempotency-Key` for safe retries.",
)
@require(Role.SME, Role.BUYER, event=path_event)
async def create_registration(request: web.Request) -> web.Response:
    """Register an organisation for an event."""
    event_id = event_id_of(request)
    body = await read_json(request, RegistrationCreate)
    organisation_id = organisation_to_sign_up(request[PRINCIPAL_KEY], body, event_id)
    return await write(
        request,
        lambda conn: sign_up(conn, request, event_id, organisation_id, body),
        action="registration.create",
        idempotent=True,
        violations={sql.REGISTRATION_UNIQUE: already_signed_up},
    )


@operation(
    "Registrations of an event",
    tags=("registrations",),
    query=RegistrationListQuery,
    response=RegistrationListing,
    errors=(404,),
    description="Organisers and the matcher get every registration (filters `kind`, `status`; paged). "
    "SMEs and buyers get only their own registration in `items`, plus `attending_buyers`: the buyers with an "
    "active registration, each with its name and the needs it brings that are no longer in planning. "
    "Privacy: other organisations' representatives, availability, notes and interests are never shown, "
    "and SMEs are not listed to other participants.",
)
@require(event=path_event, access="read")
async def list_registrations(request: web.Request) -> web.Response:
    """List an event's registrations (all, or own plus attending buyers)."""
    event_id = event_id_of(request)
    query = read_query(request, RegistrationListQuery)
    principal = request[PRINCIPAL_KEY]
    pool = request.app[POOL_KEY]
    event = await pool.fetchrow(event_sql.SELECT_EVENT_STATUS, event_id)
    if event is None or (event["status"] == EventStatus.DRAFT and not sees_drafts(principal)):
        raise NotFound("No event with that id.")
    if principal.role in (Role.ORGANISER, Role.SERVICE, Role.SUPPORTER):
        after_name, after_id = typed_cursor(query.cursor, cursor_text, UUID)
        rows = await pool.fetch(
            sql.LIST_REGISTRATIONS, event_id, query.kind, query.status, after_name, after_id, query.limit + 1
        )
        kept, next_cursor = page_of(rows, query.limit, lambda row: [row["organisation_sort_name"], str(row["id"])])
        listing = RegistrationListing(items=[Registration(**dict(row)) for row in kept], next_cursor=next_cursor)
        return json_response(listing, headers=link_headers(request, next_cursor))
    own = await pool.fetch(sql.SELECT_OWN_REGISTRATIONS, event_id, principal.organisation_id)
    buyers = await pool.fetch(sql.LIST_ATTENDING_BUYERS, event_id)
    listing = RegistrationListing(
        items=[Registration(**dict(row)) for row in own],
        attending_buyers=[AttendingBuyer(**dict(row)) for row in buyers],
    )
    return json_response(listing)


@operation(
    "Read a registration",
    tags=("registrations",),
    response=Registration,
    errors=(404,),
    extra_responses={304: "Not modified"},
)
@require(
    owner=registration_owner,
    superusers=frozenset({Role.ORGANISER, Role.SERVICE}),
    event=registration_event,
    access="read",
)
async def get_registration(request: web.Request) -> web.Response:
    """One registration (its organisation, organisers and the matcher)."""
    row = await request.app[POOL_KEY].fetchrow(sql.SELECT_REGISTRATION, registration_id_of(request))
    if row is None:
        raise NotFound("No registration with that id.")
    if not_modified(request, row["version"]):
        return not_modified_response(row["version"])
    return registration_response(row)


@operation(
    "Change a registration",
    tags=("registrations",),
    body=RegistrationUpdate,
    response=Registration,
    errors=(404, 409, 412),
    description="Send `If-Match`. The organisation itself while sign-up is open; organisers also while the event "
    "is closed. Interest lists given replace the stored ones; `available_slots: null` means all day.",
)
@require(Role.SME, Role.BUYER, owner=registration_owner, event=registration_event)
async def update_registration(request: web.Request) -> web.Response:
    """Change a registration."""
    registration_id = registration_id_of(request)
    body = await read_json(request, RegistrationUpdate)
    null_fields = [
        name
        for name in ("languages", "note", "support_requested", "support_note")
        if name in body.model_fields_set and getattr(body, name) is None
    ]
    if null_fields:
        raise ValidationProblem(
            [
                FieldError(pointer=f"/{n}", code="null_not_allowed", detail="This field cannot be cleared.")
                for n in null_fields
            ]
        )
    expected = if_match_version(request)
    return await write(
        request,
        lambda conn: change(conn, request, registration_id, expected, body),
        action="registration.update",
    )


@operation(
    "Cancel a registration",
    tags=("registrations",),
    body=CancelRequest,
    response=Registration,
    errors=(404, 412),
    description="The organisation itself or an organiser, at any time. Once the event is scheduled or published, "
    "`cancelled_after_publication` is set and the matcher re-plans around it. Cancelling again changes nothing.",
)
@require(Role.SME, Role.BUYER, owner=registration_owner, event=registration_event)
async def cancel_registration(request: web.Request) -> web.Response:
    """Cancel a registration."""
    registration_id = registration_id_of(request)
    body = await read_json(request, CancelRequest)
    expected = if_match_version(request)
    return await write(
        request,
        lambda conn: cancel(conn, request, registration_id, expected, body.reason),
        action="registration.cancel",
    )
