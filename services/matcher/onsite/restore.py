"""Taking freed table-slots back before anyone got them: a day mark set back to planned (:mod:`.mark_undo`),
or a firm marked absent that checks in after all (:func:`late_arrival`).

The caller holds the event's schedule lock, so no live fill runs meanwhile and each freed slot is filled,
expired or open for good while this decides. The open ones are withdrawn (state ``withdrawn``; the filler
never sees them again). A live fill may already have written a version without a withdrawn slot's meeting:
it takes every open freed meeting of a slot that may still change out of the version it writes, filled or
not. Such a meeting is put back the way the fill writes its versions — a small version on top of the fill's
base with only those meetings added and every other meeting where it was (:mod:`.fill_version`). In live
mode it is published at once and only the parties of the meetings put back are told (e-mail, and their open
agenda pages follow); otherwise it waits as a draft for the organiser's click, as a fill's draft does, and
the next fill builds on it. A meeting is not put back when something now stands in its way in that version
(another firm at the table then, after a re-plan); its freed slot is still withdrawn, the firm being here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from shared.errors import Conflict
from shared.snapshot import EventSnapshot

from ..schedules.compute import StoredMeeting
from ..settings import MatcherSettings
from ..sql import onsite_day as day_sql
from ..sql import onsite_fill as sql
from ..sql import schedules as schedules_sql
from .day_version import DayVersion
from .fill_version import DayChange, write_day_version
from .live_publish import publish_fill


@dataclass(frozen=True)
class Restored:
    """What taking freed slots back did: how many were withdrawn, the meetings put back into a new version
    (its number; published or a draft) and how many notices that queued."""

    withdrawn: int = 0
    meetings: tuple[StoredMeeting, ...] = ()
    version: int | None = None
    published: bool = False
    notifications: int = 0
    blocked: int = 0  # withdrawn, but something else is in the meeting's place now (a re-plan): not back

    @property
    def back(self) -> int:
        """Meetings on again: the withdrawn slots' meetings, in the schedule still or put back."""
        return self.withdrawn - self.blocked

    def details(self) -> dict:
        """For the audit entry of the action that took them back.

        Examples
        --------
        >>> Restored(2).details()
        {'withdrawn_slots': 2, 'meetings_back': 2, 'restored': 0, 'restored_version': None, 'restored_published': False}
        """
        return {
            "withdrawn_slots": self.withdrawn,
            "meetings_back": self.back,
            "restored": len(self.meetings),
            "restored_version": self.version,
            "restored_published": self.published,
        }


async def _missing(conn: asyncpg.Connection, event_id: UUID, base_id: UUID, row: asyncpg.Record):
    """The freed slot's meeting when the base version lacks it and nothing stands in its place; True when it
    is there still, False when something else is in its place."""
    args = (row["sme_id"], row["buyer_id"], row["slot"], row["table_index"])
    if way := await conn.fetch(sql.SELECT_IN_THE_WAY, base_id, *args):
        return tuple(way[0].values()) == args  # the pair's own row comes first
    last = await conn.fetchrow(sql.SELECT_LAST_MEETING, event_id, row["sme_id"], row["buyer_id"])
    if last is None or (last["slot"], last["table_index"]) != (row["slot"], row["table_index"]):
        return False
    return StoredMeeting(
        last["sme_id"], last["buyer_id"], last["slot"], last["table_index"], last["relevance"],
        last["explanation"], last["locked"],
    )  # fmt: skip


async def withdraw(
    conn: asyncpg.Connection,
    settings: MatcherSettings,
    event_id: UUID,
    freed: Sequence[asyncpg.Record],
    now: dt.datetime,
) -> Restored:
    """Withdraw the open ones of ``freed`` (rows locked by the caller, who holds the schedule lock) and put
    their meetings back where a fill took them out (see the module docstring)."""
    rows = [row for row in freed if row["state"] == "open"]
    if not rows:
        return Restored()
    await conn.execute(day_sql.WITHDRAW_FREED, [row["id"] for row in rows], now)
    base = await conn.fetchrow(sql.SELECT_FILL_BASE, event_id)
    if base is None:
        return Restored(len(rows))
    found = [await _missing(conn, event_id, base["id"], row) for row in rows]
    back = [m for m in found if isinstance(m, StoredMeeting)]
    blocked = sum(m is False for m in found)
    if not back:
        return Restored(len(rows), blocked=blocked)
    meetings = await conn.fetchval(sql.SELECT_MEETING_COUNT, base["id"])
    ids = [row["id"] for row in rows]
    change = DayChange(
        base, meetings, back, reasons=[f"freed slot {i} taken back: the meeting is on again" for i in ids],
        marker={"restored": {"freed_slots": ids}},
    )  # fmt: skip
    version = await write_day_version(conn, change)
    day = await conn.fetchrow(sql.SELECT_DAY_SETTINGS, event_id)
    if not (day and day["live_mode"]):
        return Restored(len(rows), tuple(back), version["number"], blocked=blocked)
    snapshot = EventSnapshot.model_validate(await conn.fetchval(schedules_sql.SELECT_SNAPSHOT, version["id"]))
    parties = list(dict.fromkeys(party for m in back for party in (m.sme_id, m.buyer_id)))
    changes = {"added": len(back), "moved": 0, "removed": 0}
    told = await publish_fill(conn, settings, snapshot, version, parties, changes, meetings + len(back))
    return Restored(len(rows), tuple(back), version["number"], True, told, blocked)


def time_given_away(day: DayVersion, taken: list[asyncpg.Record]) -> Conflict:
    """409: the live fill has given a freed slot of the mark to another firm.

    Examples
    --------
    >>> import datetime as dt
    >>> event = {"date": "2027-03-04", "slots": [
    ...     {"index": 6, "start": "2027-03-04T09:00:00Z", "end": "2027-03-04T09:20:00Z", "label": "10:00–10:20"}]}
    >>> time_given_away(DayVersion.from_event(UUID(int=1), 1, event), [{"slot": 6}]).detail  # doctest: +ELLIPSIS
    'Tiden kl. 10:00–10:20 har redan gått till ett annat företag...'
    """
    times = ", ".join(day.label(row["slot"]) for row in taken)
    return Conflict(
        f"Tiden kl. {times} har redan gått till ett annat företag, så markeringen kan inte ångras. "
        f"(The time at {times} has already gone to another firm, so the mark cannot be undone.)",
        slug="freed-slot-filled",
    )


async def take_back(
    conn: asyncpg.Connection,
    settings: MatcherSettings,
    day: DayVersion,
    event_id: UUID,
    sme_id: UUID,
    buyer_id: UUID,
    now: dt.datetime,
) -> Restored:
    """Take back what the mark of meeting (SME, buyer) freed (the caller holds the meeting's lock): 409 when
    the live fill has given any of it to another firm, else its open slots withdrawn (see the module docstring)."""
    await conn.execute(schedules_sql.LOCK_EVENT_SCHEDULES, event_id)  # a running fill finishes first
    freed = await conn.fetch(day_sql.SELECT_MARK_FREED, event_id, sme_id, buyer_id)
    taken = [row for row in freed if row["state"] == "filled"]
    if taken:
        raise time_given_away(day, taken)
    return await withdraw(conn, settings, event_id, freed, now)


async def late_arrival(
    conn: asyncpg.Connection, settings: MatcherSettings, event_id: UUID, organisation_id: UUID, now: dt.datetime
) -> Restored:
    """A firm marked absent checks in (inside the check-in's transaction): its freed meetings that nobody
    has been given and that have not started come back (see the module docstring); given ones stay given."""
    if await conn.fetchval(day_sql.ANY_ABSENT_FREED, event_id, organisation_id) is None:
        return Restored()  # the usual check-in: no schedule lock taken
    await conn.execute(schedules_sql.LOCK_EVENT_SCHEDULES, event_id)
    day = DayVersion.from_row(await conn.fetchrow(day_sql.SELECT_PUBLISHED_DAY, event_id))
    freed = await conn.fetch(day_sql.SELECT_ABSENT_FREED, event_id, organisation_id)
    return await withdraw(conn, settings, event_id, [r for r in freed if not day.started(r["slot"], now)], now)
