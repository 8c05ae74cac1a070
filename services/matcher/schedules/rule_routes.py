"""The organiser's rules for the next run: lock a meeting where it is, or forbid a pair."""

from __future__ import annotations

import logging
from uuid import UUID

from aiohttp import web

from shared.auth import PRINCIPAL_KEY, Role, path_event, require
from shared.db import POOL_KEY
from shared.errors import FieldError, NotFound, ValidationProblem
from shared.openapi import operation
from shared.paths import path_uuid_or_404
from shared.web import json_response, read_json

from ..audit import actor_of, record
from ..auth import RegistryUnavailable
from ..keys import REGISTRY_KEY
from ..registry_client import RegistryDown, RegistryRefused
from ..schedules.models import RuleIn, RuleList, RuleOut
from ..sql import schedules as sql

log = logging.getLogger("services.matcher.schedules.rule_routes")


async def require_pair(request: web.Request, event_id: UUID, sme_id: UUID, buyer_id: UUID) -> None:
    """404 unless the SME and the buyer are both signed up for the event, as an SME and as a buyer.

    The registry's snapshot is the matcher's view of who takes part (it never reads the registry's
    tables); a rule for anyone else could never apply and once made a 201 that did nothing.
    """
    try:
        snapshot = await request.app[REGISTRY_KEY].snapshot(event_id)
    except RegistryRefused as error:
        if error.status == 404:
            raise NotFound(f"There is no event {event_id}.") from None
        log.error("the registry refused the snapshot of event %s: %s", event_id, error.reason)
        raise RegistryUnavailable("The matcher cannot read the event from the registry (configuration).") from None
    except RegistryDown:
        raise RegistryUnavailable("The registry cannot be reached to check the pair; try again shortly.") from None
    smes = {party["organisation"]["id"] for party in snapshot.document.get("smes", [])}
    buyers = {party["organisation"]["id"] for party in snapshot.document.get("buyers", [])}
    if str(sme_id) not in smes:
        raise NotFound("That SME is not signed up for this event.")
    if str(buyer_id) not in buyers:
        raise NotFound("That buyer is not signed up for this event.")


def _rule_out(row) -> RuleOut:
    return RuleOut(
        sme_id=row["sme_id"],
        buyer_id=row["buyer_id"],
        rule=row["rule"],
        slot=row["slot"],
        reason=row["reason"],
        created_at=row["created_at"],
    )


@operation("The event's lock and forbid rules", tags=("schedules",), response=RuleList, errors=(404,))
@require(Role.ORGANISER, event=path_event, access="read")
async def list_rules(request: web.Request) -> web.Response:
    event_id = path_uuid_or_404(request, "event_id", "event")
    async with request.app[POOL_KEY].acquire() as conn:
        rows = await conn.fetch(sql.SELECT_RULES, event_id)
    return json_response(RuleList(items=[_rule_out(row) for row in rows]))


@operation(
    "Lock a meeting or forbid a pair (for the next run)",
    tags=("schedules",),
    body=RuleIn,
    response=RuleOut,
    errors=(404, 422, 503),
    extra_responses={201: "The pair had no rule: this one is new"},
    description="lock keeps the pair's meeting in `slot` (default: its slot in the latest version; 422 when "
    "that version has no such meeting); forbid keeps the pair apart. Re-run the schedule to apply the rules. "
    "404 unless the SME and the buyer are both signed up for the event (as the registry's snapshot shows); "
    "503 when the registry cannot be asked.",
)
@require(Role.ORGANISER, event=path_event)
async def put_rule(request: web.Request) -> web.Response:
    event_id = path_uuid_or_404(request, "event_id", "event")
    sme_id = path_uuid_or_404(request, "sme_id", "SME")
    buyer_id = path_uuid_or_404(request, "buyer_id", "buyer")
    body = await read_json(request, RuleIn)
    await require_pair(request, event_id, sme_id, buyer_id)
    async with request.app[POOL_KEY].acquire() as conn, conn.transaction():
        slot, table = body.slot, None
        if body.rule == "lock":
            latest = await conn.fetchval(sql.SELECT_LATEST_ID, event_id)
            meeting = await conn.fetchrow(sql.SELECT_MEETING, latest, sme_id, buyer_id) if latest else None
            if slot is None:
                if meeting is None:
                    raise ValidationProblem(
                        [
                            FieldError(
                                pointer="/slot",
                                code="slot_required",
                                detail="The latest version has no meeting for this pair: say which slot to lock it in.",
                            )
                        ]
                    )
                slot, table = meeting["slot"], meeting["table_index"]
        row = await conn.fetchrow(
            sql.UPSERT_RULE,
            event_id,
            sme_id,
            buyer_id,
            body.rule,
            slot,
            table,
            body.reason,
            request[PRINCIPAL_KEY].token_id,
        )
        # The reason is free text that may name a person: the entry says only whether one was given.
        details = {"buyer_id": str(buyer_id), "slot": slot, "table_index": table, "reason_given": bool(body.reason)}
        await record(
            conn,
            actor_of(request),
            f"schedule_rule.{body.rule}",
            "schedule_rule",
            f"{sme_id}/{buyer_id}",
            event_id=event_id,
            organisation_id=sme_id,
            details=details,
        )
    return json_response(_rule_out(row), status=201 if row["created"] else 200)


@operation("Remove a rule", tags=("schedules",), errors=(404,), status=204)
@require(Role.ORGANISER, event=path_event)
async def delete_rule(request: web.Request) -> web.Response:
    event_id = path_uuid_or_404(request, "event_id", "event")
    sme_id = path_uuid_or_404(request, "sme_id", "SME")
    buyer_id = path_uuid_or_404(request, "buyer_id", "buyer")
    async with request.app[POOL_KEY].acquire() as conn, conn.transaction():
        result = await conn.execute(sql.DELETE_RULE, event_id, sme_id, buyer_id)
        if result.endswith(" 0"):
            raise NotFound("There is no rule for that pair.")
        await record(
            conn,
            actor_of(request),
            "schedule_rule.delete",
            "schedule_rule",
            f"{sme_id}/{buyer_id}",
            event_id=event_id,
            organisation_id=sme_id,
            details={"buyer_id": str(buyer_id)},
        )
    return web.Response(status=204)
