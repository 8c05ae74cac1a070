"""GDPR for the people behind web accounts: organisers, advisers and supporters (articles 15, 17 and 20).

A buyer's accounts are covered by its organisation's export and erasure (:mod:`.privacy`). Organisers,
advisers ("rådgivare") and supporters ("stödroll") act for no organisation, so their e-mail address and name
need a way of their own: ``GET /auth/accounts/{id}/export`` gives the account's holder everything the
registry keeps about it, and ``DELETE /auth/accounts/{id}`` erases it.

The erasure deletes the account with its sessions, sign-in links and event grants (the foreign keys
cascade), its responses kept for idempotent retries and its failed-login counter; events it owned lose
their owner (any organiser may then manage their grants, as for events made before owners existed), and
events that showed its address as their public contact show none. The
audit log keeps its entries (who did what, when) but not the values recorded about the account (its name).
The matcher holds account ids only (the adviser of a support request, who recorded support hours), never a
name or an address, so nothing there needs to change: a request whose adviser was erased shows none.

An organiser may not erase its own account (another organiser does), so that the last one cannot lock
every organiser out by a slip of the hand.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
from aiohttp import web
from pydantic import BaseModel, Field

from shared.auth import PRINCIPAL_KEY, Principal, Role, require
from shared.db import POOL_KEY
from shared.errors import Conflict, Forbidden, NotFound
from shared.openapi import operation
from shared.paths import path_uuid_or_404
from shared.web import json_response

from .accounts import Account, email_bucket
from .sql import account_privacy as sql
from .unit_of_work import Audited, Outcome, write


class AccountExport(BaseModel):
    """Everything the registry stores about one web account (GDPR data export)."""

    exported_at: datetime
    account: Account
    last_login_at: datetime | None = Field(description="When it last signed in")
    sessions: list[dict[str, Any]] = Field(description="Its sign-ins' tokens' metadata (never the tokens)")
    sign_in_links: list[dict[str, Any]] = Field(description="E-mailed sign-in links: when made and used")
    grants: list[dict[str, Any]] = Field(description="Events it was granted as a supporter, and how")
    owned_events: list[dict[str, Any]] = Field(description="Events it created (it manages their grants)")
    contact_of_events: list[dict[str, Any]] = Field(
        default_factory=list, description="Events that show its address as whom to ask (their public contact)"
    )
    audit_entries: list[dict[str, Any]] = Field(description="Audit log entries about it or made by its sessions")


def _is_holder(principal: Principal, account_id: UUID) -> bool:
    return principal.account_id == account_id


def _records(rows: list[Any]) -> list[dict[str, Any]]:
    return [dict(row) for row in rows]


@operation(
    "Export everything stored about a web account (GDPR), as a JSON file",
    tags=("auth", "privacy"),
    response=AccountExport,
    errors=(404,),
    description="Organisers for any account; every account holder for its own (signed in with it).",
)
@require()
async def export_account(request: web.Request) -> web.Response:
    """Export one account's data."""
    account_id = path_uuid_or_404(request, "account_id", "account")
    principal = request[PRINCIPAL_KEY]
    if principal.role != Role.ORGANISER and not _is_holder(principal, account_id):
        raise Forbidden("Only organisers, or the account's own holder, may export an account.")
    async with request.app[POOL_KEY].acquire() as conn, conn.transaction(isolation="repeatable_read"):
        row = await conn.fetchrow(sql.SELECT_ACCOUNT, account_id)
        if row is None:
            raise NotFound("No account with that id.")
        export = AccountExport(
            exported_at=datetime.now(UTC),
            account=Account(**{k: v for k, v in dict(row).items() if k != "last_login_at"}),
            last_login_at=row["last_login_at"],
            sessions=_records(await conn.fetch(sql.EXPORT_SESSIONS, account_id)),
            sign_in_links=_records(await conn.fetch(sql.EXPORT_LINKS, account_id)),
            grants=_records(await conn.fetch(sql.EXPORT_GRANTS, account_id)),
            owned_events=_records(await conn.fetch(sql.EXPORT_OWNED_EVENTS, account_id)),
            contact_of_events=_records(await conn.fetch(sql.EXPORT_CONTACT_EVENTS, row["email"])),
            audit_entries=_records(await conn.fetch(sql.EXPORT_AUDIT_ENTRIES, account_id)),
        )
    response = json_response(export)
    response.headers["Content-Disposition"] = f'attachment; filename="konto-{account_id}.json"'
    return response


@operation(
    "Erase a web account (GDPR): the account, its sessions, sign-in links and grants",
    tags=("auth", "privacy"),
    status=204,
    errors=(404, 409),
    description="Organisers only, and never their own account (another organiser erases it). Buyers' accounts "
    "also go with their organisation's erasure.",
)
@require(Role.ORGANISER)
async def erase_account(request: web.Request) -> web.Response:
    """Erase one account and its personal data."""
    account_id = path_uuid_or_404(request, "account_id", "account")
    if _is_holder(request[PRINCIPAL_KEY], account_id):
        raise Conflict("An organiser cannot erase its own account: ask another organiser.")

    async def erase(conn: asyncpg.Connection) -> Outcome:
        row = await conn.fetchrow(sql.LOCK_ACCOUNT, account_id)
        if row is None:
            raise NotFound("No account with that id.")
        await conn.execute(sql.DELETE_IDEMPOTENT_RESPONSES, account_id)
        await conn.execute(sql.ERASE_AUDIT_VALUES, account_id)
        await conn.execute(sql.DELETE_LOGIN_FAILURES, email_bucket("login", row["email"]))
        await conn.execute(sql.ERASE_EVENT_CONTACTS, row["email"])  # no event names the person as its contact
        await conn.execute(sql.DELETE_ACCOUNT, account_id)
        # write appends this entry after the erasure above, so the values it keeps (the role) are not erased.
        entry = Audited("account", account_id, organisation_id=row["organisation_id"], changes={"role": row["role"]})
        return Outcome(json_response(None, status=204), entry)

    return await write(request, erase, action="account.erased")
