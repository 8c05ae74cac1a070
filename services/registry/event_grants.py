"""Supporters' grants: an organiser lets a supporter account reach one of its events, read-only or editing.

A supporter ("stödroll", e.g. a municipality's business office) signs in like an organiser; its token
carries its grants (:attr:`shared.auth.Principal.event_access`, filled by the token check), and the
event-scoped routes of both services admit it where ``require(…, event=…, access=…)`` says so. 'read'
reaches what organisers read about the event; 'edit' also what they change about it (fields, status,
registrations, pair rules, schedule jobs, publishing, the day's check-in). Never grants, accounts,
erasure, or any other event.

Who manages an event's grants: **its owner** (the organiser account whose session created it), or
**any organiser while the event has no owner** (it was made before owners were recorded, or by a token
that is no account's session). Why: a grant hands an event's participants' data to someone outside the
organisers, so the organiser who runs the event decides; events without a known owner keep today's rule
that every organiser may do everything to every event. Everything else about events stays open to every
organiser, as before. Every change is audited with the event id; the grant holds ids only.

A revoked grant stops at the registry's next token check; the matcher remembers token checks for
``MATCHER_TOKEN_CACHE_SECONDS`` (see :mod:`services.matcher.auth`), so there it stops within that time.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from shared.auth import PRINCIPAL_KEY, EventAccess, Principal, Role, require
from shared.db import POOL_KEY
from shared.errors import Conflict, Forbidden, NotFound
from shared.openapi import operation
from shared.paths import path_uuid_or_404
from shared.web import json_response, read_json

from .events import event_id_of
from .sql import event_grants as sql
from .unit_of_work import Audited, Outcome, write


class GrantRequest(BaseModel):
    """What the supporter account may do with the event."""

    model_config = ConfigDict(extra="forbid")

    access: EventAccess = Field(description="read: see the event as its organisers do; edit: also change it")


class Grant(BaseModel):
    """A supporter account's grant to an event."""

    event_id: UUID
    account_id: UUID = Field(description="The supporter account")
    email: str = Field(description="The supporter account's address")
    name: str = Field(description="The supporter account's name")
    disabled_at: datetime | None = Field(description="Set while the account may not sign in")
    access: EventAccess
    granted_by: UUID | None = Field(description="The organiser account that granted it (None: a token of no account)")
    granted_at: datetime


class GrantList(BaseModel):
    items: list[Grant] = Field(description="The event's grants, by e-mail address")


def may_manage_grants(principal: Principal, owner_account_id: UUID | None) -> bool:
    """Whether an organiser may change an event's grants: its owner, or anyone while it has none.

    Examples
    --------
    >>> from uuid import uuid4
    >>> eva, olle = uuid4(), uuid4()
    >>> organiser = Principal(token_id=uuid4(), role=Role.ORGANISER, account_id=eva)
    >>> may_manage_grants(organiser, eva), may_manage_grants(organiser, olle), may_manage_grants(organiser, None)
    (True, False, True)
    """
    return principal.role == Role.ORGANISER and owner_account_id in (None, principal.account_id)


async def _managed_event(conn: asyncpg.Connection | asyncpg.Pool, request: web.Request, query: str) -> UUID:
    """The path's event when the caller may manage its grants: 404 when there is none, 403 when not its owner."""
    event_id = event_id_of(request)
    row = await conn.fetchrow(query, event_id)
    if row is None:
        raise NotFound("No event with that id.")
    if not may_manage_grants(request[PRINCIPAL_KEY], row["owner_account_id"]):
        raise Forbidden("Only the organiser who created this event grants supporters access to it.")
    return event_id


def _account_id_of(request: web.Request) -> UUID:
    return path_uuid_or_404(request, "account_id", "account")


@operation("The supporters granted an event", tags=("events", "auth"), response=GrantList, errors=(404,))
@require(Role.ORGANISER)
async def list_grants(request: web.Request) -> web.Response:
    """An event's grants."""
    pool = request.app[POOL_KEY]
    event_id = await _managed_event(pool, request, sql.SELECT_EVENT_OWNER)
    rows = await pool.fetch(sql.LIST_GRANTS, event_id)
    return json_response(GrantList(items=[Grant(**dict(row)) for row in rows]))


@operation(
    "Grant a supporter account an event, read-only or editing (201 new, 200 changed)",
    tags=("events", "auth"),
    body=GrantRequest,
    response=Grant,
    status=201,
    extra_responses={200: "Changed the account's existing grant"},
    errors=(404, 409),
    description="The event's owner (the organiser who created it), or any organiser when it has none. The "
    "account must have the role supporter (else 409). It counts from the supporter's next request (the "
    "matcher: within its token cache's lifetime).",
)
@require(Role.ORGANISER)
async def put_grant(request: web.Request) -> web.Response:
    """Set a grant."""
    account_id = _account_id_of(request)
    body = await read_json(request, GrantRequest)
    principal = request[PRINCIPAL_KEY]

    async def grant(conn: asyncpg.Connection) -> Outcome:
        event_id = await _managed_event(conn, request, sql.LOCK_EVENT_OWNER)
        account = await conn.fetchrow(sql.SELECT_GRANTEE, account_id)
        if account is None:
            raise NotFound("No account with that id.")
        if account["role"] != Role.SUPPORTER:
            raise Conflict(
                f"That account's role is {account['role']}; only supporter accounts are granted events.",
                slug="not-a-supporter",
            )
        created = await conn.fetchval(sql.UPSERT_GRANT, event_id, account_id, body.access, principal.account_id)
        row = await conn.fetchrow(sql.SELECT_GRANT, event_id, account_id)
        entry = Audited("account", account_id, event_id=event_id, changes={"access": body.access})
        return Outcome(json_response(Grant(**dict(row)), status=201 if created else 200), entry)

    return await write(request, grant, action="event.grant")


@operation("Revoke a supporter's grant to an event", tags=("events", "auth"), status=204, errors=(404,))
@require(Role.ORGANISER)
async def delete_grant(request: web.Request) -> web.Response:
    """Revoke a grant."""
    account_id = _account_id_of(request)

    async def revoke(conn: asyncpg.Connection) -> Outcome:
        event_id = await _managed_event(conn, request, sql.LOCK_EVENT_OWNER)
        if await conn.fetchval(sql.DELETE_GRANT, event_id, account_id) is None:
            raise NotFound("That account has no grant to this event.")
        return Outcome(json_response(None, status=204), Audited("account", account_id, event_id=event_id))

    return await write(request, revoke, action="event.grant_revoked")
