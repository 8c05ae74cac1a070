"""Agenda links in the database: make one per participant, list, revoke, and find the link a token stands for.

The token is derived from the link's id (:mod:`services.matcher.links`), so a link is made by choosing
its id here, deriving the token and storing only the token's hash.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID, uuid4

import asyncpg

from shared.errors import ProblemError

from ..links import LinkSecretMissing, agenda_link_url, link_id_of, link_key, token_for, token_hash
from ..settings import MatcherSettings
from ..sql import agendas as sql
from ..sql import privacy as privacy_sql
from .versions import VersionRef


class LinksNotConfigured(ProblemError):
    status = 503
    slug = "links-not-configured"


@dataclass(frozen=True)
class StoredLink:
    id: UUID
    event_id: UUID
    organisation_id: UUID
    table_index: int | None
    created_at: dt.datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> StoredLink:
        return cls(row["id"], row["event_id"], row["organisation_id"], row["table_index"], row["created_at"])


def configured_key(settings: MatcherSettings) -> bytes:
    """The link key, or 503 when the matcher has no secret to sign links with."""
    try:
        return link_key(settings)
    except LinkSecretMissing as error:
        raise LinksNotConfigured(str(error)) from None


async def ensure_links(
    pool: asyncpg.Pool, key: bytes, event_id: UUID, organisation_ids: Iterable[UUID]
) -> list[StoredLink]:
    """Give every organisation named one active whole-agenda link (existing ones are kept); the new links.

    Safe to call concurrently: the event's link creation is serialised by an advisory lock, so two calls
    never make two links for one participant.
    """
    async with pool.acquire() as conn, conn.transaction():
        return await add_missing_links(conn, key, event_id, organisation_ids)


async def add_missing_links(
    conn: asyncpg.Connection, key: bytes, event_id: UUID, organisation_ids: Iterable[UUID]
) -> list[StoredLink]:
    """:func:`ensure_links` inside the caller's transaction (a publish makes its links with its notifications)."""
    await conn.execute(sql.LOCK_EVENT_LINKS, event_id)
    linked = {
        row["organisation_id"]
        for row in await conn.fetch(sql.SELECT_EVENT_LINKS, event_id)
        if row["table_index"] is None
    }
    missing = [org for org in dict.fromkeys(organisation_ids) if org not in linked]
    # An erased organisation keeps its meetings in the record, but nobody is left to read them by link.
    erased = {row["organisation_id"] for row in await conn.fetch(privacy_sql.SELECT_ERASED_AMONG, missing)}
    missing = [org for org in missing if org not in erased]
    if not missing:
        return []
    ids = [uuid4() for _ in missing]
    hashes = [token_hash(token_for(key, link_id)) for link_id in ids]
    rows = await conn.fetch(sql.INSERT_LINKS, ids, event_id, missing, hashes)
    return [StoredLink.from_row(row) for row in rows]


async def event_links(source: asyncpg.Pool | asyncpg.Connection, event_id: UUID) -> list[StoredLink]:
    """The event's active links."""
    return [StoredLink.from_row(row) for row in await source.fetch(sql.SELECT_EVENT_LINKS, event_id)]


async def revoke_link(source: asyncpg.Pool | asyncpg.Connection, event_id: UUID, link_id: UUID) -> bool:
    """End a link (False: the event has no such link). Revoking a revoked link is not an error."""
    return await source.fetchval(sql.REVOKE_LINK, link_id, event_id) is not None


async def link_for_token(source: asyncpg.Pool | asyncpg.Connection, key: bytes, token: str) -> StoredLink | None:
    """The live link a token stands for; None for a forged, malformed, unknown or revoked token alike.

    The signature is checked first (in constant time), so a guessed token never reaches the database;
    a well-signed one is then looked up by its hash, and must name the same link id.
    """
    link_id = link_id_of(key, token)
    if link_id is None:
        return None
    row = await source.fetchrow(sql.SELECT_LINK_BY_TOKEN_HASH, token_hash(token))
    if row is None or row["id"] != link_id:
        return None
    return StoredLink.from_row(row)


async def link_and_published(
    source: asyncpg.Pool | asyncpg.Connection, key: bytes, token: str
) -> tuple[StoredLink, VersionRef | None] | None:
    """:func:`link_for_token` and its event's published version (None before one), in one round trip.

    The morning burst reads links by the thousand a second: one query per read instead of two.
    """
    link_id = link_id_of(key, token)
    if link_id is None:
        return None
    row = await source.fetchrow(sql.SELECT_LINK_AND_PUBLISHED, token_hash(token))
    if row is None or row["id"] != link_id:
        return None
    link = StoredLink.from_row(row)
    if row["version_id"] is None:
        return link, None
    head = {**dict(row), "id": row["version_id"], "created_at": row["version_created_at"]}
    return link, VersionRef.from_row(head)


async def organisation_link_url(
    source: asyncpg.Pool | asyncpg.Connection, settings: MatcherSettings, event_id: UUID, organisation_id: UUID
) -> str | None:
    """The URL of the organisation's active whole-agenda link, for its QR code; None without one (or a key)."""
    try:
        link_key(settings)
    except LinkSecretMissing:
        return None
    link_id = await source.fetchval(sql.SELECT_ORGANISATION_LINK, event_id, organisation_id)
    return None if link_id is None else agenda_link_url(settings, link_id)
