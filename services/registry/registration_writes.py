"""What registration writes do inside their transaction: sign up (or reactivate), change, cancel.

The handlers in :mod:`services.registry.registrations` parse the request and pass one of these to
:func:`services.registry.unit_of_work.write`, which holds the transaction, the idempotency key and the
audit entry each returns. The rules are described there.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
from aiohttp import web
from pydantic_core import to_jsonable_python

from shared.auth import PRINCIPAL_KEY, Principal
from shared.clock import CLOCK_KEY
from shared.errors import Conflict, FieldError, Forbidden, NotFound, ValidationProblem
from shared.privacy import ChangeKind
from shared.web import json_response

from .changes import record_change
from .event_models import EventStatus
from .registration_checks import check_signup_window, event_fit_errors, event_for_change
from .registration_models import Registration, RegistrationCreate, RegistrationFields, RegistrationUpdate
from .sql import registrations as sql
from .unit_of_work import Audited, Outcome
from .versioning import etag_headers, raise_missing_or_stale

PUBLISHED_STATUSES = frozenset({EventStatus.SCHEDULED, EventStatus.PUBLISHED})


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


def registration_response(row: Any, status: int = 200) -> web.Response:
    headers = etag_headers(row["version"])
    if status == 201:
        headers["Location"] = f"/registrations/{row['id']}"
    return json_response(Registration(**dict(row)), status=status, headers=headers)


def organisation_to_sign_up(principal: Principal, body: RegistrationCreate, event_id: UUID) -> UUID:
    """The organisation being signed up: the caller's own, or (organisers of the event) the one named."""
    organisation_id = body.organisation_id or principal.organisation_id
    if not principal.may_edit_event(event_id) and organisation_id != principal.organisation_id:
        raise Forbidden("You may sign up only your own organisation.")
    if organisation_id is None:
        raise ValidationProblem(
            [FieldError(pointer="/organisation_id", code="missing", detail="Name the organisation to sign up.")]
        )
    return organisation_id


def already_signed_up() -> Conflict:
    # A concurrent sign-up of the same organisation won the race (the unique constraint caught it).
    return Conflict(
        "The organisation is already signed up for this event.",
        errors=[FieldError(pointer="/organisation_id", code="already_registered", detail="Already signed up.")],
    )


def _signup_values(body: RegistrationCreate, event: Any, organisation: Any) -> dict[str, Any]:
    """The stored fields of a sign-up: what was sent, the event's and the organisation's defaults otherwise."""
    kind = organisation["kind"]
    return {
        "available_slots": body.available_slots,
        "max_meetings": (body.max_meetings or event["default_meetings_per_sme"]) if kind == "sme" else None,
        "languages": body.languages or organisation["languages"],
        "tables": (body.tables or 1) if kind == "buyer" else None,
        "representatives": body.representatives,
        "note": body.note,
        "support_requested": body.support_requested,
        "support_note": body.support_note,
    }


async def sign_up(
    conn: asyncpg.Connection, request: web.Request, event_id: UUID, organisation_id: UUID, body: RegistrationCreate
) -> Outcome:
    """Insert the registration, or reactivate the organisation's cancelled one (inside the write's transaction)."""
    principal = request[PRINCIPAL_KEY]
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
    values = _signup_values(body, event, organisation)
    existing = await conn.fetchrow(sql.LOCK_EXISTING_REGISTRATION, event_id, organisation_id)
    if existing is None:
        registration_id = await conn.fetchval(
            sql.INSERT_REGISTRATION, event_id, organisation_id, kind, *stored_columns(values)
        )
        status, action = 201, "registration.create"
    elif existing["status"] == "active":
        raise Conflict(
            "The organisation is already signed up for this event; change that registration instead.",
            registration_id=str(existing["id"]),
            errors=[FieldError(pointer="/organisation_id", code="already_registered", detail="Already signed up.")],
        )
    else:
        registration_id = existing["id"]
        await conn.execute(sql.REACTIVATE_REGISTRATION, registration_id, *stored_columns(values))
        status, action = 200, "registration.reactivate"
    await write_interests(conn, registration_id, body, replace=existing is not None)
    row = await conn.fetchrow(sql.SELECT_REGISTRATION, registration_id)
    audited = Audited(
        "registration",
        registration_id,
        organisation_id=organisation_id,
        event_id=event_id,
        changes=_audit_changes(body),
        action=action,
    )
    return Outcome(registration_response(row, status), audited)


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


async def change(
    conn: asyncpg.Connection,
    request: web.Request,
    registration_id: UUID,
    expected: int | None,
    body: RegistrationUpdate,
) -> Outcome:
    """Change the registration's fields (inside the write's transaction)."""
    principal = request[PRINCIPAL_KEY]
    event, current = await _locked_registration(conn, request, registration_id, expected)
    if current["status"] == "cancelled":
        raise Conflict("The registration is cancelled; sign up again to reactivate it.")
    check_signup_window(event, principal, "Changing a registration", request.app[CLOCK_KEY].now())
    kind = current["kind"]
    errors = body.kind_errors(kind) or await event_fit_errors(conn, body, event, current["organisation_id"], principal)
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
    row = await conn.fetchrow(sql.SELECT_REGISTRATION, registration_id)
    audited = Audited(
        "registration",
        registration_id,
        organisation_id=current["organisation_id"],
        event_id=current["event_id"],
        changes=_audit_changes(body),
    )
    return Outcome(registration_response(row), audited)


async def cancel(
    conn: asyncpg.Connection, request: web.Request, registration_id: UUID, expected: int | None, reason: str
) -> Outcome:
    """Cancel an active registration (inside the write's transaction); a cancelled one stays as it is."""
    event, current = await _locked_registration(conn, request, registration_id, expected)
    audited = None
    if current["status"] == "active":
        after_publication = event["status"] in PUBLISHED_STATUSES
        await conn.execute(sql.CANCEL_REGISTRATION, registration_id, reason, after_publication)
        if after_publication:
            # The matcher follows the feed: it withdraws the meetings and tells the firm and its counterparts.
            await record_change(
                conn, ChangeKind.REGISTRATION_CANCELLED, current["organisation_id"], current["event_id"]
            )
        audited = Audited(
            "registration",
            registration_id,
            organisation_id=current["organisation_id"],
            event_id=current["event_id"],
            changes={"status": "cancelled", "cancel_reason": reason, "after_publication": after_publication},
        )
    row = await conn.fetchrow(sql.SELECT_REGISTRATION, registration_id)
    return Outcome(registration_response(row), audited)
