"""The matcher's audit log: who published, locked, forbade, re-planned, added a webhook or revoked a link.

Organisers need to answer "who moved this meeting" and "who published version 4"; the registry keeps such
a log of what people type in, and this is the matcher's half, in the same shape (actor token, role and
organisation, action, entity, time, details). An entry is written in the same transaction as its action,
so there is never an action without its entry or an entry for an action rolled back. Details name
organisations by id, numbers and which fields were given, never contact details or text people typed
(a rule's reason, say, may name a person: only that one was given is kept).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import asyncpg
from aiohttp import web

from shared.auth import PRINCIPAL_KEY
from shared.web import REQUEST_ID_KEY

from .sql import audit as sql


@dataclass(frozen=True)
class Actor:
    """Who acts: the caller's token id, role and organisation, and the request's id (for the logs)."""

    token_id: UUID | None
    role: str
    organisation_id: UUID | None = None
    request_id: str | None = None


def actor_of(request: web.Request) -> Actor:
    """The signed-in caller of ``request`` (``anonymous`` without a token)."""
    principal = request.get(PRINCIPAL_KEY)
    if principal is None:
        return Actor(None, "anonymous", None, request.get(REQUEST_ID_KEY))
    return Actor(principal.token_id, principal.role.value, principal.organisation_id, request.get(REQUEST_ID_KEY))


def url_host(url: str) -> str:
    """What the log keeps of a webhook URL: scheme, host and port (its path or query may hold a token).

    Examples
    --------
    >>> url_host("https://hooks.example.org:8443/in/abc?token=secret")
    'https://hooks.example.org:8443'
    """
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


async def record(
    conn: asyncpg.Connection,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: UUID | str | None,
    *,
    event_id: UUID | None = None,
    organisation_id: UUID | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Append one entry; call it inside the action's transaction. ``details`` must hold no personal data."""
    await conn.execute(
        sql.INSERT_AUDIT,
        actor.token_id,
        actor.role,
        actor.organisation_id,
        action,
        entity,
        str(entity_id) if entity_id is not None else None,
        organisation_id,
        event_id,
        dict(details or {}),
        actor.request_id,
    )
