"""The organiser's rules for the next run: lock a meeting where it is, or forbid a pair."""

from __future__ import annotations

from aiohttp import web

from shared.auth import PRINCIPAL_KEY, Role, require
from shared.db import POOL_KEY
from shared.errors import FieldError, NotFound, ValidationProblem
from shared.openapi import operation
from shared.paths import path_uuid_or_404
from shared.web import json_response, read_json

from .schedules.models import RuleIn, RuleList, RuleOut
from .sql import schedules as sql


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
@require(Role.ORGANISER)
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
    errors=(404, 422),
    description="lock keeps the pair's meeting in `slot` (default: its slot in the latest version; 422 when "
    "that version has no such meeting); forbid keeps the pair apart. Re-run the schedule to apply the rules.",
)
@require(Role.ORGANISER)
async def put_rule(request: web.Request) -> web.Response:
    event_id = path_uuid_or_404(request, "event_id", "event")
    sme_id = path_uuid_or_404(request, "sme_id", "SME")
    buyer_id = path_uuid_or_404(request, "buyer_id", "buyer")
    body = await read_json(request, RuleIn)
    async with request.app[POOL_KEY].acquire() as conn, conn.transaction():
        slot, table = body.slot, None
        if body.rule == "lock":
            latest = await conn.fetchval(sql.SELECT_LATEST_ID, event_id)
            meeting = await conn.fetchrow(sql.SELECT_MEETING, latest, sme_id, buyer_id) if latest else None
            if slot is None and meeting is None:
                raise ValidationProblem(
                    [
                        FieldError(
                            pointer="/slot",
                            code="slot_required",
                            detail="The latest version has no meeting for this pair: say which slot to lock it in.",
                        )
                    ]
                )
            if slot is None:
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
    return json_response(_rule_out(row), status=201 if row["created"] else 200)


@operation("Remove a rule", tags=("schedules",), errors=(404,), status=204)
@require(Role.ORGANISER)
async def delete_rule(request: web.Request) -> web.Response:
    event_id = path_uuid_or_404(request, "event_id", "event")
    sme_id = path_uuid_or_404(request, "sme_id", "SME")
    buyer_id = path_uuid_or_404(request, "buyer_id", "buyer")
    async with request.app[POOL_KEY].acquire() as conn:
        result = await conn.execute(sql.DELETE_RULE, event_id, sme_id, buyer_id)
    if result.endswith(" 0"):
        raise NotFound("There is no rule for that pair.")
    return web.Response(status=204)
