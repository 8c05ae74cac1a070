"""Follows: a firm follows a need, or a CPV division (the first two digits of a code), to be told when it moves.

``GET/POST/DELETE /organisations/{id}/follows``. Firms (SME tokens) manage their own organisation's follows,
organisers anyone's. Following twice is following once (200 with the follow already there); a firm
follows only needs it may see (not one still in planning). The follows are in the organisation's GDPR
export and go with its erasure (:mod:`.privacy`). ``GET /needs/{id}/followers`` tells the matcher (and
organisers) whom to tell when the need's stage moves (a ``need.stage`` entry of the change feed).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self
from uuid import UUID

import asyncpg
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.auth import Role, require
from shared.db import POOL_KEY
from shared.errors import FieldError, NotFound, ValidationProblem
from shared.openapi import operation
from shared.paths import path_uuid_or_404
from shared.reference.cpv import cpv_label
from shared.web import json_response, read_json, read_query

from .organisations import own_organisation, require_path_organisation
from .sql import follows as sql
from .unit_of_work import Audited, Outcome, write

CpvDivision = Annotated[str, Field(pattern=r"^[0-9]{2}$", description="A CPV division: the first two digits")]


def division_label(division: str) -> str | None:
    """The Swedish label of a CPV division, or None when CPV 2008 has no such division.

    Examples
    --------
    >>> division_label("90"), division_label("00")
    ('Avlopps- och avfallshantering, sanering och miljötjänster', None)
    """
    try:
        return cpv_label(f"{division}000000")
    except ValueError:
        return None


class FollowTarget(BaseModel):
    """What to follow (or stop following): a need, or a CPV division, not both."""

    model_config = ConfigDict(extra="forbid")

    need_id: UUID | None = None
    cpv_division: CpvDivision | None = None

    @model_validator(mode="after")
    def one_thing(self) -> Self:
        if (self.need_id is None) == (self.cpv_division is None):
            raise ValueError("give need_id or cpv_division (one of them)")
        return self


class Follow(BaseModel):
    id: UUID
    need_id: UUID | None
    cpv_division: str | None
    label: str = Field(description="The need's title, or the division's Swedish CPV label")
    created_at: datetime


class FollowList(BaseModel):
    items: list[Follow]


class Follower(BaseModel):
    organisation_id: UUID
    name: str
    follows_need: bool = Field(description="True: follows the need itself; false: only its CPV division")
    contact_name: str | None = Field(description="The firm's first contact person (personal data)")
    contact_email: str | None


class FollowerList(BaseModel):
    items: list[Follower]


def _follow(row: asyncpg.Record) -> Follow:
    label = row["need_title"] if row["need_id"] else division_label(row["cpv_division"])
    return Follow(**{k: row[k] for k in ("id", "need_id", "cpv_division", "created_at")}, label=label or "")


async def _firm(conn: asyncpg.Connection, organisation_id: UUID) -> None:
    """404 unless the organisation is a firm (buyers do not follow needs) that is not erased."""
    org = await conn.fetchrow(sql.SELECT_ORGANISATION_KIND, organisation_id)
    if org is None or org["kind"] != "sme" or org["erased_at"] is not None:
        raise NotFound("No firm with that id.")


async def _check_target(conn: asyncpg.Connection, target: FollowTarget) -> None:
    if target.need_id is not None:
        need = await conn.fetchrow(sql.SELECT_NEED, target.need_id)
        if need is None or need["status"] == "planning":  # a need in planning is its buyer's alone
            raise ValidationProblem([FieldError(pointer="/need_id", code="unknown_need", detail="No such need.")])
    elif division_label(target.cpv_division or "") is None:
        detail = "CPV 2008 has no such division."
        raise ValidationProblem([FieldError(pointer="/cpv_division", code="unknown_division", detail=detail)])


@operation("A firm's follows (needs and CPV divisions)", tags=("organisations",), response=FollowList, errors=(404,))
@require(Role.SME, owner=own_organisation)
async def list_follows(request: web.Request) -> web.Response:
    """List what a firm follows."""
    organisation_id = require_path_organisation(request)
    async with request.app[POOL_KEY].acquire() as conn:
        await _firm(conn, organisation_id)
        rows = await conn.fetch(sql.LIST_FOLLOWS, organisation_id)
    return json_response(FollowList(items=[_follow(row) for row in rows]))


@operation(
    "Follow a need or a CPV division (201; 200 when already followed)",
    tags=("organisations",),
    body=FollowTarget,
    response=Follow,
    status=201,
    errors=(404,),
    extra_responses={200: "Already followed: the follow as it was"},
)
@require(Role.SME, owner=own_organisation)
async def create_follow(request: web.Request) -> web.Response:
    """Follow a need or a CPV division."""
    organisation_id = require_path_organisation(request)
    target = await read_json(request, FollowTarget)

    async def follow(conn: asyncpg.Connection) -> Outcome:
        await _firm(conn, organisation_id)
        await _check_target(conn, target)
        if target.need_id is not None:
            created = await conn.fetchval(sql.INSERT_NEED_FOLLOW, organisation_id, target.need_id)
        else:
            created = await conn.fetchval(sql.INSERT_DIVISION_FOLLOW, organisation_id, target.cpv_division)
        row = await conn.fetchrow(sql.SELECT_FOLLOW, organisation_id, target.need_id, target.cpv_division)
        response = json_response(_follow(row), status=201 if created is not None else 200)
        if created is None:  # followed already: nothing changed, nothing to audit
            return Outcome(response)
        changes = target.model_dump(mode="json", exclude_none=True)
        return Outcome(response, Audited("follow", created, organisation_id=organisation_id, changes=changes))

    return await write(request, follow, action="follow.create")


@operation(
    "Stop following a need (?need_id=) or a CPV division (?cpv_division=)",
    tags=("organisations",),
    query=FollowTarget,
    status=204,
    errors=(404,),
)
@require(Role.SME, owner=own_organisation)
async def delete_follow(request: web.Request) -> web.Response:
    """Stop following."""
    organisation_id = require_path_organisation(request)
    target = read_query(request, FollowTarget)

    async def unfollow(conn: asyncpg.Connection) -> Outcome:
        await _firm(conn, organisation_id)
        removed = await conn.fetchval(sql.DELETE_FOLLOW, organisation_id, target.need_id, target.cpv_division)
        if removed is None:
            raise NotFound("The firm does not follow that.")
        return Outcome(web.Response(status=204), Audited("follow", removed, organisation_id=organisation_id))

    return await write(request, unfollow, action="follow.delete")


@operation(
    "Who follows a need, by the need or its CPV division, with each firm's first contact (for notices)",
    tags=("needs",),
    response=FollowerList,
    errors=(404,),
)
@require(Role.SERVICE)
async def list_followers(request: web.Request) -> web.Response:
    """List a need's followers."""
    need_id = path_uuid_or_404(request, "need_id", "need")
    async with request.app[POOL_KEY].acquire() as conn:
        if await conn.fetchrow(sql.SELECT_NEED, need_id) is None:
            raise NotFound("No need with that id.")
        rows = await conn.fetch(sql.FOLLOWERS_OF_NEED, need_id)
    return json_response(FollowerList(items=[Follower(**dict(row)) for row in rows]))
