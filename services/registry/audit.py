"""The audit log: who changed what, and when — written in the same transaction as the change.

Procurement law asks buyers to document early dialogue with suppliers; organisers need to answer
"who moved this meeting". Entries name the actor (token, role, organisation), the action, the entity
and the fields that changed. Values of personal fields (contacts, representatives) are never copied
into the log: only that they changed. Entries outlive what they describe (GDPR erasure keeps them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

import asyncpg
from aiohttp import web

from shared.auth import PRINCIPAL_KEY
from shared.web import REQUEST_ID_KEY

from .sql import audit as sql

# Field names whose values are personal data: the log records that they changed, not what to.
PERSONAL_FIELDS = frozenset({"contacts", "contact", "representatives", "email", "phone", "name_of_person"})


def describe_changes(values: Mapping[str, Any], personal: Iterable[str] = PERSONAL_FIELDS) -> dict[str, Any]:
    """The ``changes`` document of an entry: every field named, personal ones without their value.

    Examples
    --------
    >>> describe_changes({"title": "Snöröjning", "contact": {"email": "a@b.se"}})
    {'fields': ['contact', 'title'], 'values': {'title': 'Snöröjning'}}
    """
    hidden = frozenset(personal)
    return {
        "fields": sorted(values),
        "values": {name: value for name, value in sorted(values.items()) if name not in hidden},
    }


async def record(
    conn: asyncpg.Connection,
    request: web.Request | None,
    action: str,
    entity: str,
    entity_id: UUID | str | None,
    *,
    organisation_id: UUID | None = None,
    event_id: UUID | None = None,
    changes: Mapping[str, Any] | None = None,
) -> None:
    """Append one entry. ``changes`` is a mapping of field → new value (passed through
    :func:`describe_changes`), or None for actions without fields (delete, cancel, …)."""
    principal = request.get(PRINCIPAL_KEY) if request is not None else None
    await conn.execute(
        sql.INSERT_AUDIT,
        principal.token_id if principal else None,
        principal.role.value if principal else "anonymous",
        principal.organisation_id if principal else None,
        action,
        entity,
        str(entity_id) if entity_id is not None else None,
        organisation_id,
        event_id,
        describe_changes(changes) if changes is not None else {},
        request.get(REQUEST_ID_KEY) if request is not None else None,
    )
