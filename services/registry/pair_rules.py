"""Organiser pair rules: an SME and a buyer must meet, or must never meet (conflict of interest).

One rule per (event, SME, buyer), addressed by its path, so setting it is an idempotent PUT
(201 when new, 200 when it replaced a rule). Organisers set and remove rules; the matcher reads
them (here and in the snapshot). Every change is audited with the event id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import asyncpg
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from shared.auth import PRINCIPAL_KEY, Role, path_event, require
from shared.db import POOL_KEY
from shared.errors import FieldError, NotFound, ValidationProblem
from shared.openapi import operation
from shared.snapshot import SnapshotPairRule
from shared.text import Reason
from shared.web import json_response, read_json

from .events import event_id_of
from .sql import pair_rules as sql
from .unit_of_work import Audited, Outcome, write

# The organisation kind each path parameter must name.
EXPECTED_KINDS = {"sme_id": "sme", "buyer_id": "buyer"}


class PairRuleRequest(BaseModel):
    """The rule to set for one SME–buyer pair."""

    model_config = ConfigDict(extra="forbid")

    rule: Literal["must_meet", "never"] = Field(description="must_meet, or never (conflict of interest)")
    reason: Reason = Field(default="", description="Why (kept for the record)")


class StoredPairRule(SnapshotPairRule):
    """A stored pair rule."""

    event_id: UUID = Field(description="The event")
    created_by: UUID | None = Field(description="Token of the organiser who decided it")
    created_at: datetime = Field(description="When it was decided (UTC)")


class PairRuleList(BaseModel):
    items: list[StoredPairRule] = Field(description="The event's rules, by SME id then buyer id")


def _pair_ids(request: web.Request) -> tuple[UUID, UUID]:
    """The SME and buyer ids of the path, or 422 naming each malformed one."""
    ids: dict[str, UUID] = {}
    errors = []
    for name in EXPECTED_KINDS:
        try:
            ids[name] = UUID(request.match_info[name])
        except ValueError:
            errors.append(FieldError(parameter=name, code="uuid_parsing", detail="Not a valid id."))
    if errors:
        raise ValidationProblem(errors)
    return ids["sme_id"], ids["buyer_id"]


async def _check_pair(conn: asyncpg.Connection, event_id: UUID, sme_id: UUID, buyer_id: UUID) -> None:
    """404 for an unknown event; 422 naming each parameter that is not an organisation of its kind."""
    if not await conn.fetchval(sql.EVENT_EXISTS, event_id):
        raise NotFound("No event with that id.")
    kinds = {row["id"]: row["kind"] for row in await conn.fetch(sql.SELECT_ORGANISATION_KINDS, [sme_id, buyer_id])}
    errors = []
    for name, value in (("sme_id", sme_id), ("buyer_id", buyer_id)):
        expected = EXPECTED_KINDS[name]
        if value not in kinds:
            errors.append(
                FieldError(parameter=name, code="unknown_organisation", detail="No organisation with that id.")
            )
        elif kinds[value] != expected:
            errors.append(
                FieldError(
                    parameter=name, code="wrong_kind", detail=f"The organisation is a {kinds[value]}, not a {expected}."
                )
            )
    if errors:
        raise ValidationProblem(errors)


def _unknown_organisation(name: str) -> ValidationProblem:
    return ValidationProblem(
        [FieldError(parameter=name, code="unknown_organisation", detail="No organisation with that id.")]
    )


# The event or an organisation deleted between the check and the insert.
GONE_MEANWHILE = {
    "pair_rules_event_id_fkey": lambda: NotFound("No event with that id."),
    "pair_rules_sme_id_fkey": lambda: _unknown_organisation("sme_id"),
    "pair_rules_buyer_id_fkey": lambda: _unknown_organisation("buyer_id"),
}


@operation(
    "Set the rule for an SME–buyer pair (must meet / never)",
    tags=("pair rules",),
    body=PairRuleRequest,
    response=StoredPairRule,
    status=201,
    errors=(404,),
    extra_responses={200: "Replaced the pair's existing rule"},
)
@require(Role.ORGANISER, event=path_event)
async def put_pair_rule(request: web.Request) -> web.Response:
    """Create or replace a pair rule."""
    event_id = event_id_of(request)
    sme_id, buyer_id = _pair_ids(request)
    body = await read_json(request, PairRuleRequest)

    async def upsert(conn: asyncpg.Connection) -> Outcome:
        await _check_pair(conn, event_id, sme_id, buyer_id)
        row = await conn.fetchrow(
            sql.UPSERT_PAIR_RULE, event_id, sme_id, buyer_id, body.rule, body.reason, request[PRINCIPAL_KEY].token_id
        )
        created = row["inserted"]
        rule = StoredPairRule(**{name: row[name] for name in StoredPairRule.model_fields})
        entry = Audited(
            "pair_rule",
            f"{sme_id}/{buyer_id}",
            event_id=event_id,
            changes={"rule": body.rule, "reason": body.reason, "sme_id": str(sme_id), "buyer_id": str(buyer_id)},
            action="pair_rule.create" if created else "pair_rule.replace",
        )
        return Outcome(json_response(rule, status=201 if created else 200), entry)

    return await write(request, upsert, action="pair_rule.create", violations=GONE_MEANWHILE)


@operation("Remove the rule of an SME–buyer pair", tags=("pair rules",), status=204, errors=(404,))
@require(Role.ORGANISER, event=path_event)
async def delete_pair_rule(request: web.Request) -> web.Response:
    """Delete a pair rule."""
    event_id = event_id_of(request)
    try:
        sme_id, buyer_id = _pair_ids(request)
    except ValidationProblem:
        raise NotFound("No rule for that pair.") from None

    async def delete(conn: asyncpg.Connection) -> Outcome:
        removed = await conn.fetchval(sql.DELETE_PAIR_RULE, event_id, sme_id, buyer_id)
        if removed is None:
            raise NotFound("No rule for that pair.")
        changes = {"rule": removed, "sme_id": str(sme_id), "buyer_id": str(buyer_id)}
        entry = Audited("pair_rule", f"{sme_id}/{buyer_id}", event_id=event_id, changes=changes)
        return Outcome(json_response(None, status=204), entry)

    return await write(request, delete, action="pair_rule.delete")


@operation("The pair rules of an event", tags=("pair rules",), response=PairRuleList, errors=(404,))
@require(Role.SERVICE, event=path_event, access="read")
async def list_pair_rules(request: web.Request) -> web.Response:
    """List an event's pair rules."""
    event_id = event_id_of(request)
    async with request.app[POOL_KEY].acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        if not await conn.fetchval(sql.EVENT_EXISTS, event_id):
            raise NotFound("No event with that id.")
        rows = await conn.fetch(sql.LIST_PAIR_RULES, event_id)
    return json_response(PairRuleList(items=[StoredPairRule(**dict(row)) for row in rows]))
