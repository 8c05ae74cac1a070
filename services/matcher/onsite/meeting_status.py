"""A meeting's status on the day: held, no-show (which side) or cancelled on the day; no mark is planned.

Buyers mark their table's meetings from a phone, the reception and organisers any meeting. Held and
no-show need a meeting that has started by the application clock; two people marking at once give one
record (a per-meeting lock, then an upsert: the later mark wins, both are in the audit log).

A no-show of the SME or a cancellation on the day frees the buyer's table-slot for the live fill: a row in
``matcher.freed_slots`` (state ``open``, naming the marked meeting) and ``NOTIFY matcher_live_fill`` in the
same transaction as the mark, so the filler (onsite/live_fill.py) hears of it once it is committed. The live
fill decides what lies inside the frozen horizon. A buyer's no-show frees no table (there is nobody at it to
meet a stand-by firm; the fill offers no table of a buyer who is not there either).

The rule for an absent firm, decided: a no-show of an SME that has not checked in means it is not coming, so
its meetings that have not started are freed too, at once, while there is still time to give them to a firm
on stand-by — waiting for each of them to be missed in turn would leave every one of those tables empty. A
firm that has checked in keeps its later meetings (it is in the building; one missed meeting is a delay).
The rule is undone where it guessed wrong: if the firm checks in after all it gets back each freed meeting
nobody has been given and that has not started (onsite/restore.py), and the mark itself can be set back to
planned (onsite/mark_undo.py) while nobody has been given the time it freed. The organiser's day section
explains the rule in words (services/web/templates/organiser/_day.html).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

import asyncpg

from shared.errors import Conflict, Forbidden

from ..audit import Actor, record
from ..settings import MatcherSettings
from ..sql import onsite_day as sql
from .day_version import DayVersion, Meeting, organisation_meetings, published_day, published_meeting
from .restore import Restored, take_back

Status = Literal["held", "no_show_sme", "no_show_buyer", "cancelled_day"]
# A meeting's status on the day: planned until marked (and again when a mark is undone).
DayStatus = Literal["planned", "held", "no_show_sme", "no_show_buyer", "cancelled_day"]
STATUSES: tuple[str, ...] = ("held", "no_show_sme", "no_show_buyer", "cancelled_day")
# What the buyer at the table (by token or agenda link) may mark; organisers and the reception mark anything.
BUYER_STATUSES = frozenset({"held", "no_show_sme"})
# Marks that free the table-slot, with the freed slot's cause.
FREEING = {"no_show_sme": "no_show", "cancelled_day": "cancellation"}
NEEDS_START = frozenset({"held", "no_show_sme", "no_show_buyer"})


@dataclass(frozen=True)
class Mark:
    """The meeting's status after a mark, and how many table-slots the mark freed."""

    meeting: Meeting
    status: DayStatus
    marked_at: dt.datetime
    by_role: str | None
    freed: int


def check_buyer_may_mark(status: str) -> None:
    """The buyer at the table marks held or the firm's no-show; the rest is the reception's.

    Examples
    --------
    >>> check_buyer_may_mark("held")
    >>> check_buyer_may_mark("cancelled_day")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    shared.errors.Forbidden: Bordet kan markera Genomfört eller Uteblev; ...
    """
    if status not in BUYER_STATUSES:
        raise Forbidden(
            "Bordet kan markera Genomfört eller Uteblev; fråga receptionen om resten. "
            "(At the table you can mark held or the firm's no-show; ask the reception for the rest.)"
        )


def not_started(day: DayVersion, meeting: Meeting) -> Conflict:
    label = day.label(meeting.slot)
    return Conflict(
        f"Mötet kl. {label} har inte börjat än, så det kan inte markeras som genomfört eller uteblivet. "
        f"(The meeting at {label} has not started yet.)",
        slug="meeting-not-started",
    )


async def free_table_slot(
    conn: asyncpg.Connection,
    event_id: UUID,
    meeting: Meeting,
    cause: str,
    now: dt.datetime,
    marked_buyer: UUID | None = None,
) -> bool:
    """Queue the meeting's table-slot for the live fill (once per meeting); True when a row was added.

    ``marked_buyer``: the buyer of the meeting whose day mark frees it (the SME being the meeting's), so that
    an undo of that mark or the firm's late check-in takes it back (:mod:`.restore`); None for a decline.
    """
    freed = await conn.fetchval(
        sql.INSERT_FREED_SLOT,
        event_id,
        meeting.buyer_id,
        meeting.slot,
        meeting.table_index,
        cause,
        meeting.sme_id,
        now,
        marked_buyer,
    )
    return freed is not None


async def wake_live_fill(conn: asyncpg.Connection, event_id: UUID) -> None:
    """Tell the live fill (after this transaction commits) that the event has open freed slots."""
    await conn.execute(sql.NOTIFY_LIVE_FILL, str(event_id))


async def record_mark(
    conn: asyncpg.Connection,
    actor: Actor,
    event_id: UUID,
    day: DayVersion,
    meeting: Meeting,
    status: str,
    previous: str,
    details: dict,
) -> None:
    """The audit entry of a mark (``previous`` → ``status``; an undo is a mark back to planned)."""
    await record(
        conn,
        actor,
        "meeting.mark",
        "meeting",
        f"{meeting.sme_id}/{meeting.buyer_id}",
        event_id=event_id,
        organisation_id=meeting.sme_id,
        details={
            "buyer_id": str(meeting.buyer_id),
            "status": status,
            "previous": previous,
            "slot": meeting.slot,
            "table_index": meeting.table_index,
            "version": day.number,
            **details,
        },
    )


async def mark_meeting(
    conn: asyncpg.Connection,
    *,
    event_id: UUID,
    sme_id: UUID,
    buyer_id: UUID,
    status: str,
    actor: Actor,
    now: dt.datetime,
    settings: MatcherSettings,
) -> Mark:
    """Mark a published meeting; 404 for an unknown one, 409 for held/no-show before it started.

    A mark that frees nothing over one that did (held after "Uteblev") takes the freed slots back as an
    undo does (:func:`.restore.take_back`: 409 when the live fill gave one away, and nothing changes)."""
    async with conn.transaction():
        day = await published_day(conn, event_id)
        meeting = await published_meeting(conn, day, sme_id, buyer_id)
        if status in NEEDS_START and not day.started(meeting.slot, now):
            raise not_started(day, meeting)
        if status == "cancelled_day" and day.phase(now) != "day":
            raise Conflict(
                "Ett möte ställs in på dagen bara på evenemangsdagen; före dagen avböjer deltagaren det ("
                "Kan inte). (Cancelling on the day is for the event's day; before it, the participant declines.)",
                slug="not-the-day",
            )
        await conn.execute(sql.LOCK_MEETING, event_id, sme_id, buyer_id)
        previous = await conn.fetchrow(sql.SELECT_STATUS, event_id, sme_id, buyer_id)
        back = Restored()
        if previous is not None and previous["status"] in FREEING and status not in FREEING:
            back = await take_back(conn, settings, day, event_id, sme_id, buyer_id, now)
        row = await conn.fetchrow(
            sql.UPSERT_STATUS, event_id, sme_id, buyer_id, status, day.id, now, actor.token_id, actor.role
        )
        freed = 0
        if status in FREEING:
            freed += await free_table_slot(conn, event_id, meeting, FREEING[status], now, buyer_id)
            if status == "no_show_sme" and await conn.fetchval(sql.SELECT_ARRIVED, event_id, sme_id) is None:
                for later in await organisation_meetings(conn, day, sme_id):
                    if later.sme_id == sme_id and later != meeting and not day.started(later.slot, now):
                        # As a decline of it would: one freed slot per meeting, however they race.
                        await conn.execute(sql.LOCK_MEETING, event_id, later.sme_id, later.buyer_id)
                        freed += await free_table_slot(conn, event_id, later, "no_show", now, buyer_id)
        if freed:
            await wake_live_fill(conn, event_id)
        before = previous["status"] if previous is not None else "planned"
        extra = {"freed_slots": freed, **(back.details() if back.withdrawn else {})}
        await record_mark(conn, actor, event_id, day, meeting, status, before, extra)
    return Mark(meeting, row["status"], row["marked_at"], row["by_role"], freed)


async def statuses(conn: asyncpg.Connection, event_id: UUID, organisation_id: UUID | None = None) -> dict:
    """``(sme, buyer) → status row`` of the event's marked meetings (one organisation's when given)."""
    rows = await conn.fetch(sql.SELECT_STATUSES, event_id, organisation_id)
    return {(r["sme_id"], r["buyer_id"]): r for r in rows}
