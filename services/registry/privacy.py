"""GDPR: an organisation's right to erasure and to a copy of its data (articles 17 and 20).

Erasure deletes the organisation with everything hanging off it, unless a schedule depends on it (it is
registered for a ``scheduled``/``published`` event, or SMEs have ranked its needs). Then an anonymised
row stays so that schedules keep their shape, and every piece of personal data around it is removed:
contacts, the need contacts, the buyer's representatives, registration notes, its people's sign-in accounts
and sign-in links, stored responses to idempotent requests, the needs and CPV divisions it follows; its
tokens are revoked. Either way awards no longer name it as a supplier (a sole trader's org.nr is a
personnummer).
The audit log keeps its entries (they hold no contact data, see :mod:`services.registry.audit`) but not
the values they recorded about the organisation (its name, org.nr, description).

Either way the erasure is written to the change feed (:mod:`.changes`) in the same transaction, and the
matcher applies it to every copy it holds. The export includes what the matcher holds (its meetings,
agenda links and notifications), asked over HTTP; without the matcher there is no export (503).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiohttp import web
from pydantic import BaseModel, Field

from shared.auth import Role, require
from shared.db import POOL_KEY
from shared.errors import NotFound
from shared.openapi import operation
from shared.privacy import ERASED_NAME, ChangeKind
from shared.web import json_response

from .changes import record_change
from .keys import SETTINGS_KEY
from .matcher_client import matcher_export
from .organisation_models import Organisation, organisation_of_row
from .organisations import locked_organisation, own_organisation, require_path_organisation
from .sql import follows as follow_sql
from .sql import organisations as organisation_sql
from .sql import privacy as sql
from .sql import procurement as procurement_sql
from .unit_of_work import Audited, Outcome, write
from .versioning import if_match_version

__all__ = ["ERASED_NAME", "OrganisationExport", "erase_organisation", "export_organisation"]


class OrganisationExport(BaseModel):
    """Everything the registry stores about one organisation (GDPR data export)."""

    exported_at: datetime
    organisation: Organisation
    needs: list[dict[str, Any]] = Field(description="Its needs (buyers), with their contact person")
    registrations: list[dict[str, Any]] = Field(
        description="Its event registrations with ranked needs, wishes and representatives"
    )
    pair_rules: list[dict[str, Any]] = Field(description="Organiser rules that name it (must meet / never)")
    follows: list[dict[str, Any]] = Field(default_factory=list, description="The needs and CPV divisions it follows")
    awards: list[dict[str, Any]] = Field(
        default_factory=list, description="Awards of needs' procurements that name it as a supplier (OCDS)"
    )
    audit_entries: list[dict[str, Any]] = Field(description="Audit log entries about it or made by it")
    tokens: list[dict[str, Any]] = Field(description="Its API tokens' metadata (never the tokens or their hashes)")
    accounts: list[dict[str, Any]] = Field(description="Its people's sign-in accounts (never the password hashes)")
    matcher: dict[str, Any] = Field(
        description="What the matcher holds about it: meetings in every schedule version, agenda links issued, "
        "notifications sent and their status (the matcher's `GET /privacy/organisations/{id}`)"
    )


@operation(
    "Erase an organisation (GDPR): delete it, or anonymise it when schedules depend on it",
    tags=("organisations", "privacy"),
    status=204,
    errors=(404, 412),
)
@require(Role.SME, Role.BUYER, owner=own_organisation)
async def erase_organisation(request: web.Request) -> web.Response:
    """Erase an organisation and its personal data."""
    organisation_id = require_path_organisation(request)
    expected = if_match_version(request)

    async def erase(conn: asyncpg.Connection) -> Outcome:
        current = await locked_organisation(conn, organisation_id, expected)
        if current["erased_at"] is not None:
            return Outcome(json_response(None, status=204))  # already erased: nothing left to do
        # Before the org.nr goes (anonymising clears it): the awards find the firm by it.
        await conn.execute(procurement_sql.ERASE_SUPPLIER, organisation_id)
        if await conn.fetchval(sql.IS_REFERENCED, organisation_id):
            await conn.execute(sql.DELETE_CONTACTS, organisation_id)
            await conn.execute(sql.DELETE_ACCOUNTS, organisation_id)
            await conn.execute(sql.DELETE_SIGN_IN_LINKS, organisation_id)
            await conn.execute(sql.REVOKE_TOKENS, organisation_id)
            await conn.execute(follow_sql.DELETE_FOLLOWS_OF, organisation_id)
            await conn.execute(sql.ERASE_NEED_CONTACTS, organisation_id)
            await conn.execute(sql.ERASE_REGISTRATION_PERSONAL_DATA, organisation_id)
            await conn.execute(sql.ANONYMISE_ORGANISATION, organisation_id, ERASED_NAME)
            outcome = "anonymised"
        else:
            # Cascades to contacts, needs, registrations, pair rules, follows and tokens.
            await conn.execute(sql.DELETE_ORGANISATION, organisation_id)
            outcome = "deleted"
        await conn.execute(sql.DELETE_IDEMPOTENT_RESPONSES, organisation_id)
        await conn.execute(sql.ERASE_AUDIT_VALUES, organisation_id)
        # The matcher reads this and removes the organisation from every copy it holds.
        await record_change(conn, ChangeKind.ORGANISATION_ERASED, organisation_id)
        # write appends this entry after the erasure above, so the values it keeps are not erased.
        entry = Audited(
            "organisation",
            organisation_id,
            organisation_id=organisation_id,
            changes={"outcome": outcome, "kind": current["kind"]},
            action=f"organisation.{outcome}",
        )
        return Outcome(json_response(None, status=204), entry)

    # Every entry names its action (deleted or anonymised); "organisation.erased" is never written.
    return await write(request, erase, action="organisation.erased")


@operation(
    "Export everything stored about an organisation (GDPR), as a JSON file",
    tags=("organisations", "privacy"),
    response=OrganisationExport,
    errors=(404, 503),
    description="503 when the matcher cannot be asked what it holds (an export is complete or not given).",
)
@require(Role.SME, Role.BUYER, owner=own_organisation)
async def export_organisation(request: web.Request) -> web.Response:
    """Export an organisation's data."""
    organisation_id = require_path_organisation(request)
    async with request.app[POOL_KEY].acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        row = await conn.fetchrow(organisation_sql.SELECT_ORGANISATION, organisation_id)
        if row is None:
            raise NotFound("No organisation with that id.")
        contacts = await conn.fetch(organisation_sql.SELECT_CONTACTS, organisation_id)
        parts = {
            name: [dict(record) for record in await conn.fetch(query, organisation_id)]
            for name, query in (
                ("needs", sql.EXPORT_NEEDS),
                ("registrations", sql.EXPORT_REGISTRATIONS),
                ("pair_rules", sql.EXPORT_PAIR_RULES),
                ("follows", follow_sql.EXPORT_FOLLOWS),
                ("awards", procurement_sql.EXPORT_AWARDS_TO),
                ("audit_entries", sql.EXPORT_AUDIT_ENTRIES),
                ("tokens", sql.EXPORT_TOKENS),
                ("accounts", sql.EXPORT_ACCOUNTS),
            )
        }
    matcher = await matcher_export(request, request.app[SETTINGS_KEY], organisation_id)
    exported_at = datetime.now(UTC)
    document = OrganisationExport(
        exported_at=exported_at,
        organisation=organisation_of_row(row, contacts, private=True),
        matcher=matcher,
        **parts,
    )
    filename = f"organisation-{organisation_id}-{exported_at:%Y%m%d}.json"
    return json_response(document, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
