"""Setting a meeting's day mark back to planned ("Ångra"): a tap on the wrong button, or a firm that came after all.

Organisers and the reception undo any mark, the buyer at the table the marks it may make itself (held, the
firm's no-show). The undo is recorded in the audit log as a mark (``previous`` → ``planned``). The table-slots
the mark freed for the live fill go back with it, in the same transaction: those still open are withdrawn
(and a meeting a fill had already taken out of the schedule is put back, :mod:`.restore`). If the live fill
has given one of them to a stand-by firm, that time is someone else's now: 409, and nothing changes.

The undo takes the meeting's lock, then the event's schedule lock before looking at the freed slots, so a fill
running at that moment finishes first and its outcome decides; a fill waiting behind the undo no longer sees
the withdrawn slots. A new mark over a freeing one that frees nothing (held after "Uteblev") takes the freed
slots back the same way (:func:`.restore.take_back`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from shared.errors import Forbidden

from ..audit import Actor
from ..settings import MatcherSettings
from ..sql import onsite_day as sql
from .day_version import DayVersion, Meeting, published_day, published_meeting
from .meeting_status import BUYER_STATUSES, record_mark
from .restore import Restored, take_back


@dataclass(frozen=True)
class Undone:
    """The meeting after an undo (planned), the mark it had (None: it had none) and what came back."""

    meeting: Meeting
    previous: str | None
    restored: Restored


def check_buyer_may_undo(previous: str) -> None:
    """The buyer at the table takes back only what it may mark itself.

    Examples
    --------
    >>> check_buyer_may_undo("no_show_sme")
    >>> check_buyer_may_undo("no_show_buyer")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    shared.errors.Forbidden: Bordet kan ångra Genomfört och Uteblev; ...
    """
    if previous not in BUYER_STATUSES:
        raise Forbidden(
            "Bordet kan ångra Genomfört och Uteblev; fråga receptionen om resten. "
            "(At the table you can undo held and the firm's no-show; ask the reception for the rest.)"
        )


async def _marked_meeting(conn: asyncpg.Connection, day: DayVersion, status: asyncpg.Record | None, ids) -> Meeting:
    """The meeting the mark is about: in the version it was marked in (a fill may have taken a meeting
    cancelled on the day out of the published one since), else the published one (404 if none)."""
    if status is not None and status["version_id"] is not None:
        row = await conn.fetchrow(sql.SELECT_MEETING, status["version_id"], *ids)
        if row is not None:
            return Meeting(row["sme_id"], row["buyer_id"], row["slot"], row["table_index"])
    return await published_meeting(conn, day, *ids)


async def undo_mark(
    conn: asyncpg.Connection,
    settings: MatcherSettings,
    *,
    event_id: UUID,
    sme_id: UUID,
    buyer_id: UUID,
    actor: Actor,
    now: dt.datetime,
    at_table: bool = False,
) -> Undone:
    """Set the meeting's mark back to planned (see the module docstring). An unmarked meeting stays as it is
    (two taps on Ångra give one undo). ``at_table``: the buyer acts, 403 for a mark it may not make."""
    async with conn.transaction():
        day = await published_day(conn, event_id)
        await conn.execute(sql.LOCK_MEETING, event_id, sme_id, buyer_id)
        previous = await conn.fetchrow(sql.SELECT_STATUS, event_id, sme_id, buyer_id)
        meeting = await _marked_meeting(conn, day, previous, (sme_id, buyer_id))
        if previous is None:
            return Undone(meeting, None, Restored())
        if at_table:
            check_buyer_may_undo(previous["status"])
        restored = await take_back(conn, settings, day, event_id, sme_id, buyer_id, now)
        await conn.execute(sql.DELETE_STATUS, event_id, sme_id, buyer_id)
        await record_mark(conn, actor, event_id, day, meeting, "planned", previous["status"], restored.details())
    return Undone(meeting, previous["status"], restored)
