"""Board links in the database: make one (its token is random and shown once), list, revoke, and find what
a screen's token stands for together with the event's published version.

Only a SHA-256 of the token is stored, as for agenda links; unlike those the token is not derived from
the id, so it needs no link secret and is never shown again (a lost one is revoked and a new one made).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Literal
from uuid import UUID, uuid4

import asyncpg
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ..agendas.versions import Source, VersionRef
from ..sql import board as sql


def new_token() -> str:
    """A fresh board token: 32 random bytes, URL-safe base64 (43 characters, no dot, no slash).

    Examples
    --------
    >>> token = new_token()
    >>> len(token), "." in token or "/" in token, token != new_token()
    (43, False, True)
    """
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    """What the database keeps of a token (32 bytes)."""
    return hashlib.sha256(token.encode()).digest()


class BoardLink(BaseModel):
    """A venue screen's link (anyone holding the URL sees the event's board)."""

    model_config = ConfigDict(frozen=True)

    id: UUID = Field(description="Link id (revoke with DELETE …/board-links/{id})")
    event_id: UUID = Field(description="The event")
    created_at: AwareDatetime = Field(description="When it was made (UTC)")
    revoked_at: AwareDatetime | None = Field(description="When it was revoked (null: live)")

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> BoardLink:
        return cls(id=row["id"], event_id=row["event_id"], created_at=row["created_at"], revoked_at=row["revoked_at"])


class NewBoardLink(BoardLink):
    """A board link just made: the only time its URL is shown."""

    url: str = Field(description="The screen's address (open it on the venue's TV); shown only now")


class BoardLinkList(BaseModel):
    items: list[BoardLink] = Field(description="The event's board links, newest first, revoked ones included")


async def create_link(conn: asyncpg.Connection, event_id: UUID, now: dt.datetime) -> tuple[BoardLink, str]:
    """A new live link of the event and its token."""
    token = new_token()
    row = await conn.fetchrow(sql.INSERT_BOARD_LINK, uuid4(), event_id, token_hash(token), now)
    return BoardLink.from_row(row), token


async def event_links(source: Source, event_id: UUID) -> list[BoardLink]:
    """The event's board links, newest first."""
    return [BoardLink.from_row(row) for row in await source.fetch(sql.SELECT_BOARD_LINKS, event_id)]


async def revoke_link(source: Source, event_id: UUID, link_id: UUID, now: dt.datetime) -> BoardLink | None:
    """End a link (None: the event has no such link); revoking twice keeps the first time."""
    row = await source.fetchrow(sql.REVOKE_BOARD_LINK, link_id, event_id, now)
    return None if row is None else BoardLink.from_row(row)


@dataclass(frozen=True)
class Screen:
    """What a screen's token stands for: ``state`` unknown / revoked / live, and the live one's version."""

    state: Literal["unknown", "revoked", "live"]
    event_id: UUID | None = None
    version: VersionRef | None = None


async def screen_for_token(source: Source, token: str) -> Screen:
    """The link a token names and its event's published version (None before one is published)."""
    if not 20 <= len(token) <= 100:
        return Screen("unknown")  # never a token of ours: no need to ask the database
    row = await source.fetchrow(sql.SELECT_BOARD_BY_TOKEN_HASH, token_hash(token))
    if row is None:
        return Screen("unknown")
    if row["revoked_at"] is not None:
        return Screen("revoked", row["link_event_id"])
    return Screen("live", row["link_event_id"], VersionRef.from_row(row) if row["id"] is not None else None)
