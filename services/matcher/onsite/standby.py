"""The stand-by list: firms at the venue that can take a meeting freed during the day.

Two kinds are on it: walk-ins (registered at the reception, no meetings of their own) and arrived SMEs
with free time (below their meeting cap, with an available slot still empty). Reception puts them there
or the firm opts in itself; leaving keeps the row with ``left_at`` so the day's record stays. The live
fill (:mod:`.live_fill`) offers freed table-slots to the firms on the list now.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal
from uuid import UUID

import asyncpg

from shared.errors import Conflict, FieldError

from ..audit import Actor, record
from ..sql import onsite_arrivals as sql
from .arrivals import EventDay

Source = Literal["walk_in", "arrived"]


def check_may_stand_by(day: EventDay, organisation_id: UUID, *, arrived: bool, walk_in: bool) -> Source:
    """Which kind of stand-by firm this is, or 409/422 when it cannot be on the list.

    Examples
    --------
    >>> from services.matcher.onsite.arrivals import Participant
    >>> firm = Participant(UUID(int=1), "Falu Städ AB", "sme", (0,), 3, (0, 1, 2))
    >>> day = EventDay(dt.date(2027, 3, 4), "Europe/Stockholm", (firm,))
    >>> check_may_stand_by(day, firm.id, arrived=True, walk_in=False)
    'arrived'
    >>> check_may_stand_by(day, UUID(int=9), arrived=True, walk_in=True)
    'walk_in'
    """
    if not arrived:
        raise Conflict(
            "Firman är inte incheckad än. / The firm has not checked in yet.",
            errors=[FieldError(pointer="", code="not_arrived", detail="Check the firm in first.")],
        )
    if walk_in:
        return "walk_in"
    participant = day.participant(organisation_id)
    if participant is None or participant.kind != "sme":
        raise Conflict(
            "Bara företag kan stå i reserv. / Only firms (SMEs) can be on the stand-by list.",
            errors=[FieldError(pointer="", code="not_an_sme", detail="Not an SME of this event.")],
        )
    if not participant.free_time:
        raise Conflict(
            "Firman har redan så många möten som den kan ta. / The firm has no free time for another meeting.",
            errors=[FieldError(pointer="", code="no_free_time", detail="At its cap or no free slot left.")],
        )
    return "arrived"


async def join(
    conn: asyncpg.Connection, actor: Actor, event_id: UUID, organisation_id: UUID, source: Source, now: dt.datetime
) -> tuple[asyncpg.Record, bool]:
    """Put the firm on the list (inside a transaction); the row and whether it was not on it before."""
    current = await conn.fetchrow(sql.LOCK_STANDBY, event_id, organisation_id)
    if current is not None and current["left_at"] is None:
        return current, False
    row = await conn.fetchrow(sql.UPSERT_STANDBY, event_id, organisation_id, source, now)
    await record(
        conn,
        actor,
        "standby.join",
        "standby",
        f"{event_id}/{organisation_id}",
        event_id=event_id,
        organisation_id=organisation_id,
        details={"source": row["source"]},
    )
    return row, True


async def leave(
    conn: asyncpg.Connection, actor: Actor, event_id: UUID, organisation_id: UUID, now: dt.datetime
) -> bool:
    """Take the firm off the list (inside a transaction); False when it was not on it."""
    row = await conn.fetchrow(sql.LEAVE_STANDBY, event_id, organisation_id, now)
    if row is None:
        return False
    await record(
        conn,
        actor,
        "standby.leave",
        "standby",
        f"{event_id}/{organisation_id}",
        event_id=event_id,
        organisation_id=organisation_id,
    )
    return True
