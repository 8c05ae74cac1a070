"""The small version the day writes: the base's meetings copied in the database but those that leave, plus
those that come — by the live fill (freed meetings out, stand-by firms' meetings in) and by a restore (a
firm's freed meetings back in, :mod:`.restore`).

Copying the base's meeting rows inside PostgreSQL keeps a fill at L size (7,000 meetings) well under a
second; the quality figures are the base's with the new totals. The version is marked ``live_fill`` in its
parameters so that in draft mode the next fill or restore builds on it (``sql.onsite_fill.SELECT_FILL_BASE``).
The caller holds the event's schedule lock (version numbers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg

from ..registry_client import Snapshot
from ..schedules.compute import ComputeResult, StoredMeeting
from ..schedules.store import insert_meetings, insert_version
from ..sql import onsite_fill as sql
from ..sql import privacy as privacy_sql


@dataclass(frozen=True)
class DayChange:
    """What a version of the day changes on top of ``base`` (which holds ``meetings`` meetings).

    ``gone`` is the relevance of the ``vacated`` meetings; ``marker`` goes into the version's changes (which
    freed slots it filled or took back); ``merged`` is a snapshot of its own (walk-ins added), else the base's.
    """

    base: asyncpg.Record
    meetings: int
    added: Sequence[StoredMeeting]
    vacated: Sequence[tuple[UUID, UUID]] = ()
    gone: float = 0.0
    reasons: Sequence[str] = ()
    marker: dict[str, Any] = field(default_factory=dict)
    merged: Snapshot | None = None

    def quality(self, before: dict[str, Any]) -> dict[str, Any]:
        """The base's quality figures with the new totals.

        Examples
        --------
        >>> m = StoredMeeting(UUID(int=1), UUID(int=2), 3, 0, 0.5, {})
        >>> DayChange({}, 10, [m], [(UUID(int=3), UUID(int=2))], gone=0.25).quality({"relevance": 4.0, "x": 1})
        {'relevance': 4.25, 'x': 1, 'meetings': 10}
        """
        quality = dict(before)
        quality["meetings"] = self.meetings - len(self.vacated) + len(self.added)
        if isinstance(quality.get("relevance"), int | float):
            quality["relevance"] = quality["relevance"] + sum(m.relevance for m in self.added) - self.gone
        return quality

    def changes(self) -> dict[str, Any]:
        return {
            "kept": self.meetings - len(self.vacated),
            "added": len(self.added),
            "removed": len(self.vacated),
            "moved": 0,
            "reasons": list(self.reasons),
            **self.marker,
        }


async def write_day_version(conn: asyncpg.Connection, change: DayChange) -> asyncpg.Record:
    """Write the version (``id``, ``number``) ``based_on`` the change's base, as a draft."""
    base = change.base
    quality = change.quality(await conn.fetchval(sql.SELECT_QUALITY, base["id"]) or {})
    changes = change.changes()
    params = {"mode": "replan", "live_fill": True, "based_on": base["number"]}
    if change.merged is None:
        await conn.execute(privacy_sql.LOCK_PRIVACY_SHARED)  # an erasure being applied finishes first
        version = await conn.fetchrow(sql.INSERT_VERSION_COPY, base["id"], quality, params, changes)
    else:
        version_id = await insert_version(
            conn, event_id=base["event_id"], job_id=None, based_on=base["id"], snapshot=change.merged,
            venue=base["venue"], params=params, result=ComputeResult([], quality, "replan", changes),
        )  # fmt: skip
        version = await conn.fetchrow(sql.SELECT_VERSION_NUMBER, version_id)
    vacated = change.vacated
    await conn.execute(
        sql.COPY_MEETINGS, version["id"], base["id"], [sme for sme, _ in vacated], [buyer for _, buyer in vacated]
    )
    await insert_meetings(conn, version["id"], change.added)
    return version
