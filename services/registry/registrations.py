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

from typing import Any
from uuid import UUID

import asyncpg
from aiohttp import web
from pydantic_core import to_jsonable_python

from shared.auth import PRINCIPAL_KEY, Role, path_event, require
from shared.clock import CLOCK_KEY
from shared.db import POOL_KEY
from shared.errors import Conflict, FieldError, Forbidden, NotFound, ValidationProblem
from shared.openapi import operation
from shared.paths import path_uuid, path_uuid_or_404
from shared.privacy import ChangeKind
from shared.web import json_response, read_json, read_query

from . import audit, idempotency
from .changes import record_change
from .event_models import EventStatus
from .events import event_id_of, sees_drafts
from .pagination import cursor_text, link_headers, page_of, typed_cursor
from .registration_checks import check_signup_window, event_fit_errors, event_for_change
from .registration_models import (
    AttendingBuyer,
    CancelRequest,
    Registration,
    RegistrationCreate,
    RegistrationFields,
    RegistrationListing,
    RegistrationListQuery,
    RegistrationUpdate,
)
from .sql import events as event_sql
from .sql import registrations as sql
from .versioning import etag_headers, if_match_version, not_modified, not_modified_response, raise_missing_or_stale

PUBLISHED_STATUSES = frozenset({EventStatus.SCHEDULED, EventStatus.PUBLISHED})


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


def stored_columns(values: dict[str, Any]) -> tuple[Any, ...]:
    """The registration columns in the order of the INSERT/UPDATE statements after the ids."""
    slots = values["available_slots"]
    return (
        None if slots is None else sorted(set(slots)),
        values["max_meetings"],
        list(dict.fromkeys(values["languages"])),
        values["tables"],
        to_jsonable_python(values["representatives"] or []),
        values["note"] or "",
        bool(values.get("support_requested")),
        values.get("support_note") or "",
    )


async def write_interests(
    conn: asyncpg.Connection, registration_id: UUID, body: RegistrationFields, *, replace: bool
) -> None:
    """Store the interest lists the body names (replacing the old ones on change)."""
    fields = body.model_fields_set
    needs: list[UUID] | None = None
    ranks: list[int | None] = []
    if "wanted_needs" in fields:
        needs = list(body.wanted_needs or ())
        ranks = list(range(1, len(needs) + 1))
    elif "brought_needs" in fields:
        needs = list(dict.fromkeys(body.brought_needs or ()))
        ranks = [None] * len(needs)
    if needs is not None:
        if replace:
            await conn.execute(sql.DELETE_REGISTRATION_NEEDS, registration_id)
        await conn.execute(sql.INSERT_REGISTRATION_NEEDS, registration_id, needs, ranks)
    if "wanted_smes" in fields:
        if replace:
            await conn.execute(sql.DELETE_REGISTRATION_WISHES, registration_id)
        wishes = list(dict.fromkeys(body.wanted_smes or ()))
        await conn.execute(sql.INSERT_REGISTRATION_WISHES, registration_id, wishes)


def _audit_changes(body: RegistrationFields) -> dict[str, Any]:
    return to_jsonable_python({name: getattr(body, name) for name in body.model_fields_set})


def _registration_response(row: Any, status: int = 200) -> web.Response:
    headers = etag_headers(row["version"])
    if status == 201:
        headers["Location"] = f"/registrations/{row['id']}"
    return json_response(Registration(**dict(row)), status=status, headers=headers)


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
    principal = request[PRINCIPAL_KEY]
    organisation_id = body.organisation_id or principal.organisation_id
    if not principal.may_edit_event(event_id) and organisation_id != principal.organisation_id:
        raise Forbidden("You may sign up only your own organisation.")
    if organisation_id is None:
        raise ValidationProblem(
            [FieldError(pointer="/organisation_id", code="missing", detail="Name the organisation to sign up.")]
        )
    async with request.app[POOL_KEY].acquire() as conn, conn.transaction():
        replay = await idempotency.claim(conn, request)
        if replay is not None:
            return replay
        event = await event_for_change(conn, request, event_id)
        check_signup_window(event, principal, "Signing up", request.app[CLOCK_KEY].now())
        organisation = await conn.fetchrow(sql.SELECT_ORGANISATION, organisation_id)
        if organisation is None or organisation["erased_at"] is not None:
            raise ValidationProblem(
                [FieldError(pointer="/organisation_id", code="unknown_organisation", detail="No such organisation.")]
            )
        kind = organisation["kind"]
        errors = body.kind_errors(kind) or await event_fit_errors(conn, body, event, organisation_id, principal)
        if errors:
            raise ValidationProblem(errors)
        values = {
            "available_slots": body.available_slots,
            "max_meetings": (body.max_meetings or event["default_meetings_per_sme"]) if kind == "sme" else None,
            "languages": body.languages or organisation["languages"],
            "tables": (body.tables or 1) if kind == "buyer" else None,
            "representatives": body.representatives,
            "note": body.note,
            "support_requested": body.support_requested,
            "support_note": body.support_note,
        }
        existing = await conn.fetchrow(sql.LOCK_EXISTING_REGISTRATION, event_id, organisation_id)
        if existing is not None and existing["status"] == "active":
            raise Conflict(
                "The organisation is already signed up for this event; change that registration instead.",
                registration_id=str(existing["id"]),
                errors=[FieldError(pointer="/organisation_id", code="already_registered", detail="Already signed up.")],
            )
        try:
            if existing is None:
                registration_id = await conn.fetchval(
                    sql.INSERT_REGISTRATION, event_id, organisation_id, kind, *stored_columns(values)
                )
                status, action = 201, "registration.create"
            else:
                registration_id = existing["id"]
                await conn.execute(sql.REACTIVATE_REGISTRATION, registration_id, *stored_columns(values))
                status, action = 200, "registration.reactivate"
        except asyncpg.UniqueViolationError:
            # A concurrent sign-up of the same organisation won the race.
            raise Conflict(
                "The organisation is already signed up for this event.",
                errors=[FieldError(pointer="/organisation_id", code="already_registered", detail="Already signed up.")],
            ) from None
        await write_interests(conn, registration_id, body, replace=existing is not None)
        await audit.record(
            conn,
            request,
            action,
            "registration",
            registration_id,
            organisation_id=organisation_id,
            event_id=event_id,
            changes=_audit_changes(body),
        )
        row = await conn.fetchrow(sql.SELECT_REGISTRATION, registration_id)
        return await idempotency.remember(conn, request, _registration_response(row, status))


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
    return _registration_response(row)


async def _locked_registration(
    conn: asyncpg.Connection, request: web.Request, registration_id: UUID, expected: int | None
) -> tuple[Any, Any]:
    """Lock the event (share) then the registration (update) — the same order as grid changes."""
    owner = await conn.fetchrow(sql.SELECT_REGISTRATION_OWNER, registration_id)
    if owner is None:
        raise NotFound("No registration with that id.")
    event = await event_for_change(conn, request, owner["event_id"])
    current = await conn.fetchrow(sql.LOCK_REGISTRATION, registration_id)
    if current is None or (expected is not None and current["version"] != expected):
        await raise_missing_or_stale(conn, sql.SELECT_REGISTRATION_VERSION, registration_id, what="registration")
    return event, current


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
    principal = request[PRINCIPAL_KEY]
    async with request.app[POOL_KEY].acquire() as conn, conn.transaction():
        event, current = await _locked_registration(conn, request, registration_id, expected)
        if current["status"] == "cancelled":
            raise Conflict("The registration is cancelled; sign up again to reactivate it.")
        check_signup_window(event, principal, "Changing a registration", request.app[CLOCK_KEY].now())
        kind = current["kind"]
        errors = body.kind_errors(kind) or await event_fit_errors(
            conn, body, event, current["organisation_id"], principal
        )
        if errors:
            raise ValidationProblem(errors)
        kept = ("available_slots", "max_meetings", "languages", "tables", "note", "support_requested", "support_note")
        values = {name: current[name] for name in kept}
        values["representatives"] = current["representatives"]
        for name in body.model_fields_set & {*values, "representatives"}:
            values[name] = getattr(body, name)
        if kind == "sme" and values["max_meetings"] is None:
            values["max_meetings"] = event["default_meetings_per_sme"]
        if kind == "buyer" and values["tables"] is None:
            values["tables"] = 1
        await conn.execute(sql.UPDATE_REGISTRATION, registration_id, *stored_columns(values))
        await write_interests(conn, registration_id, body, replace=True)
        await audit.record(
            conn,
            request,
            "registration.update",
            "registration",
            registration_id,
            organisation_id=current["organisation_id"],
            event_id=current["event_id"],
            changes=_audit_changes(body),
        )
        row = await conn.fetchrow(sql.SELECT_REGISTRATION, registration_id)
    return _registration_response(row)


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
    async with request.app[POOL_KEY].acquire() as conn, conn.transaction():
        event, current = await _locked_registration(conn, request, registration_id, expected)
        if current["status"] == "active":
            after_publication = event["status"] in PUBLISHED_STATUSES
            await conn.execute(sql.CANCEL_REGISTRATION, registration_id, body.reason, after_publication)
            if after_publication:
                # The matcher follows the feed: it withdraws the meetings and tells the firm and its counterparts.
                await record_change(
                    conn, ChangeKind.REGISTRATION_CANCELLED, current["organisation_id"], current["event_id"]
                )
            await audit.record(
                conn,
                request,
                "registration.cancel",
                "registration",
                registration_id,
                organisation_id=current["organisation_id"],
                event_id=current["event_id"],
                changes={"status": "cancelled", "cancel_reason": body.reason, "after_publication": after_publication},
            )
        row = await conn.fetchrow(sql.SELECT_REGISTRATION, registration_id)
    return _registration_response(row)
