"""Schedule versions in PostgreSQL: store a computed version, read versions and rules, compare two versions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from ..jobs.parameters import JobParameters
from ..privacy.erasure import redact_erased
from ..registry_client import Snapshot
from ..sql import schedules as sql
from .compute import ComputeResult, Lock, StoredMeeting


@dataclass(frozen=True)
class Rules:
    """The organiser's rules for an event's next run."""

    locks: tuple[Lock, ...] = ()
    forbidden: tuple[tuple[UUID, UUID], ...] = ()


async def load_rules(conn: asyncpg.Connection, event_id: UUID) -> Rules:
    rows = await conn.fetch(sql.SELECT_RULES, event_id)
    return Rules(
        locks=tuple(Lock(r["sme_id"], r["buyer_id"], r["slot"]) for r in rows if r["rule"] == "lock"),
        forbidden=tuple((r["sme_id"], r["buyer_id"]) for r in rows if r["rule"] == "forbid"),
    )


async def replan_base(conn: asyncpg.Connection, event_id: UUID, params: JobParameters) -> UUID | None:
    """The version a run starts from: none for ``fresh``; ``from_version`` or the published (else the latest)
    one for ``replan``; the published one, if any, for ``auto`` (so people's calendars change as little as
    possible once they have an agenda)."""
    if params.mode == "fresh":
        return None
    if params.from_version is not None:
        return await conn.fetchval(sql.SELECT_VERSION_ID, event_id, params.from_version)
    published = await conn.fetchval(sql.SELECT_PUBLISHED_ID, event_id)
    if published is not None or params.mode == "auto":
        return published
    return await conn.fetchval(sql.SELECT_LATEST_ID, event_id)


def _meeting(row: asyncpg.Record) -> StoredMeeting:
    return StoredMeeting(
        sme_id=row["sme_id"],
        buyer_id=row["buyer_id"],
        slot=row["slot"],
        table_index=row["table_index"],
        relevance=row["relevance"],
        explanation=row["explanation"],
        locked=row["locked"],
    )


async def stored_meetings(conn: asyncpg.Connection, version_id: UUID) -> list[StoredMeeting]:
    return [_meeting(row) for row in await conn.fetch(sql.SELECT_MEETINGS, version_id)]


async def insert_version(
    conn: asyncpg.Connection,
    *,
    event_id: UUID,
    job_id: UUID | None,
    based_on: UUID | None,
    snapshot: Snapshot,
    venue: str,
    params: dict[str, Any],
    result: ComputeResult,
) -> UUID:
    """Store a computed version (number = the event's next) and its meetings; run inside a transaction."""
    await conn.execute(sql.LOCK_EVENT_SCHEDULES, event_id)
    # The snapshot may have been fetched before an organisation in it was erased: never store that copy.
    document = await redact_erased(conn, snapshot.document)
    row = await conn.fetchrow(
        sql.INSERT_VERSION,
        event_id,
        job_id,
        based_on if result.mode == "replan" else None,
        snapshot.content_hash,
        document,
        result.quality,
        venue[:300],
        result.mode,
        params,
        result.changes,
    )
    await insert_meetings(conn, row["id"], result.meetings)
    return row["id"]


async def insert_meetings(conn: asyncpg.Connection, version_id: UUID, meetings: Sequence[StoredMeeting]) -> None:
    """Add ``meetings`` to the version (one statement, however many)."""
    await conn.execute(
        sql.INSERT_MEETINGS,
        version_id,
        [m.sme_id for m in meetings],
        [m.buyer_id for m in meetings],
        [m.slot for m in meetings],
        [m.table_index for m in meetings],
        [m.relevance for m in meetings],
        [m.explanation for m in meetings],
        [m.locked for m in meetings],
    )


@dataclass(frozen=True)
class Comparison:
    """How version ``to`` differs from version ``from_``, pair by pair."""

    added: list[StoredMeeting]
    removed: list[StoredMeeting]
    moved: list[tuple[StoredMeeting, StoredMeeting]]
    unchanged: int


def compare_meetings(before: list[StoredMeeting], after: list[StoredMeeting]) -> Comparison:
    """Pairs only in ``after`` are added, only in ``before`` removed; in both at another slot or table, moved.

    Examples
    --------
    >>> from uuid import UUID
    >>> a, b, c = UUID(int=1), UUID(int=2), UUID(int=3)
    >>> def m(sme, slot, table=0):
    ...     return StoredMeeting(sme, c, slot, table, 0.5, {})
    >>> diff = compare_meetings([m(a, 0), m(b, 1)], [m(a, 2), m(c, 1)])
    >>> [x.sme_id.int for x in diff.added], [x.sme_id.int for x in diff.removed], len(diff.moved), diff.unchanged
    ([3], [2], 1, 0)
    """
    old = {(m.sme_id, m.buyer_id): m for m in before}
    new = {(m.sme_id, m.buyer_id): m for m in after}
    moved = [
        (old[pair], meeting)
        for pair, meeting in new.items()
        if pair in old and (old[pair].slot, old[pair].table_index) != (meeting.slot, meeting.table_index)
    ]
    return Comparison(
        added=[meeting for pair, meeting in new.items() if pair not in old],
        removed=[meeting for pair, meeting in old.items() if pair not in new],
        moved=moved,
        unchanged=sum(1 for pair in new if pair in old) - len(moved),
    )
