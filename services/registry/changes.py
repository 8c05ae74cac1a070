"""The change feed the matcher follows: erasures, cancellations after publication, needs' stages, oldest first.

Rows are written by :mod:`.privacy` (erasure), :mod:`.registrations` (a cancellation once the event is
scheduled or published) and :mod:`.needs_ocds` (a need's procurement stage moved, ``need.stage`` with the
need's id and the stage) in the same transaction as the change. They hold no personal data, so the feed is
safe to keep for good; the matcher keeps its own cursor and asks for what came after it.
"""

from __future__ import annotations

from uuid import UUID

import asyncpg
from aiohttp import web
from pydantic import BaseModel, Field

from shared.auth import Role, require
from shared.db import POOL_KEY
from shared.openapi import operation
from shared.privacy import Change, ChangeFeed, ChangeKind
from shared.web import json_response, read_query

from .sql import privacy as sql


async def record_change(
    conn: asyncpg.Connection, kind: ChangeKind, organisation_id: UUID, event_id: UUID | None = None
) -> None:
    """Append a change inside the caller's transaction (late in it: the lock is held until commit)."""
    await conn.execute(sql.LOCK_CHANGES)
    await conn.execute(sql.INSERT_CHANGE, kind.value, organisation_id, event_id)


async def record_stage_change(conn: asyncpg.Connection, buyer_id: UUID, need_id: UUID, stage: str) -> None:
    """Append ``need.stage``: the buyer's need moved to ``stage`` (late in the caller's transaction, as above)."""
    await conn.execute(sql.LOCK_CHANGES)
    await conn.execute(sql.INSERT_STAGE_CHANGE, ChangeKind.NEED_STAGE.value, buyer_id, need_id, stage)


class ChangeQuery(BaseModel):
    after: int = Field(default=0, ge=0, le=2**63 - 1, description="Only changes with a larger id (the cursor)")
    limit: int = Field(default=100, ge=1, le=1000, description="At most this many")


@operation(
    "Changes the matcher must apply: erasures, cancellations after publication, needs' procurement stages",
    tags=("privacy",),
    query=ChangeQuery,
    response=ChangeFeed,
    description="Oldest first. Ask again with `after` = `last_id` until `items` is empty. "
    "Readers skip kinds they do not know (more may come). The matcher (service role) and organisers.",
)
@require(Role.SERVICE)
async def list_changes(request: web.Request) -> web.Response:
    """A page of the change feed after a cursor."""
    query = read_query(request, ChangeQuery)
    rows = await request.app[POOL_KEY].fetch(sql.SELECT_CHANGES, query.after, query.limit)
    items = [Change(**dict(row)) for row in rows]
    return json_response(ChangeFeed(items=items, last_id=items[-1].id if items else query.after))
