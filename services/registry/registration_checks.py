"""What a sign-up must fit: the event's status and deadline, its slot grid and limits, and the needs and
SMEs a registration points at. Used by :mod:`services.registry.registrations` inside its transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from aiohttp import web

from shared.auth import PRINCIPAL_KEY, Principal
from shared.errors import Conflict, FieldError, NotFound

from .event_models import EventStatus
from .events import sees_drafts
from .registration_models import RegistrationFields
from .slots import event_slot_grid
from .sql import events as event_sql
from .sql import registrations as sql


async def event_for_change(conn: asyncpg.Connection, request: web.Request, event_id: UUID) -> Any:
    """The event row, share-locked for the transaction; 404 when absent or a draft the caller cannot see."""
    event = await conn.fetchrow(event_sql.LOCK_EVENT_FOR_SHARE, event_id)
    if event is None or (event["status"] == EventStatus.DRAFT and not sees_drafts(request[PRINCIPAL_KEY])):
        raise NotFound("No event with that id.")
    return event


def check_signup_window(event: Any, principal: Principal, what: str, now: datetime) -> None:
    """409 unless sign-ups may be made or changed at ``now`` (the service clock's) by this caller."""
    status = event["status"]
    if principal.may_edit_event(event["id"]):
        if status not in (EventStatus.OPEN, EventStatus.CLOSED):
            raise Conflict(f"{what} is possible while the event is open or closed; it is {status}.")
        return
    if status != EventStatus.OPEN:
        raise Conflict(f"{what} is possible only while sign-up is open; the event is {status}. Ask the organiser.")
    if now >= event["signup_deadline"]:
        raise Conflict(
            f"The sign-up deadline ({event['signup_deadline'].isoformat()}) has passed. Ask the organiser to add you."
        )


async def event_fit_errors(
    conn: asyncpg.Connection, body: RegistrationFields, event: Any, organisation_id: UUID, principal: Principal
) -> list[FieldError]:
    """What in the body does not fit the event's grid and limits, or points at the wrong needs and SMEs."""
    errors: list[FieldError] = []
    slot_count = len(event_slot_grid(event))
    for position, index in enumerate(body.available_slots or ()):
        if index >= slot_count:
            errors.append(
                FieldError(
                    pointer=f"/available_slots/{position}",
                    code="unknown_slot",
                    detail=f"The event's grid has slots 0 to {slot_count - 1}.",
                )
            )
    if body.max_meetings is not None and body.max_meetings > event["max_meetings_per_sme"]:
        errors.append(
            FieldError(
                pointer="/max_meetings",
                code="above_event_max",
                detail=f"This event allows at most {event['max_meetings_per_sme']} meetings per SME.",
            )
        )
    if body.tables is not None and body.tables > event["tables"]:
        errors.append(
            FieldError(pointer="/tables", code="above_event_tables", detail=f"The venue has {event['tables']} tables.")
        )
    asked = [*(body.wanted_needs or ()), *(body.brought_needs or ())]
    needs = {row["id"]: row for row in await conn.fetch(sql.SELECT_NEEDS, asked)} if asked else {}
    for position, need_id in enumerate(body.wanted_needs or ()):
        need = needs.get(need_id)
        # Another buyer's need in planning is invisible to SMEs: they get the same answer as for none.
        if (
            need is None
            or need["owner_kind"] != "buyer"
            or (need["status"] == "planning" and not principal.may_edit_event(event["id"]))
        ):
            code, detail = "unknown_need", "No need open for interest with that id."
        elif need["status"] == "planning":
            code, detail = "need_in_planning", "This need is still being planned and not open for interest."
        elif need["status"] == "cancelled":
            code, detail = "need_cancelled", "This need was cancelled."
        else:
            continue
        errors.append(FieldError(pointer=f"/wanted_needs/{position}", code=code, detail=detail))
    for position, need_id in enumerate(body.brought_needs or ()):
        need = needs.get(need_id)
        if need is None or need["buyer_id"] != organisation_id:
            code, detail = "not_own_need", "Bring only the organisation's own needs."
        elif need["status"] == "cancelled":
            code, detail = "need_cancelled", "This need was cancelled."
        else:
            continue
        errors.append(FieldError(pointer=f"/brought_needs/{position}", code=code, detail=detail))
    if body.wanted_smes:
        smes = {row["id"]: row for row in await conn.fetch(sql.SELECT_ORGANISATIONS, body.wanted_smes)}
        for position, sme_id in enumerate(body.wanted_smes):
            sme = smes.get(sme_id)
            if sme is None or sme["kind"] != "sme" or sme["erased_at"] is not None:
                errors.append(
                    FieldError(pointer=f"/wanted_smes/{position}", code="unknown_sme", detail="No SME with that id.")
                )
    return errors
