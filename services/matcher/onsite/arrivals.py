"""Arrivals at the reception: who of an event's participants has checked in, by whom, when and how.

A participant is found in the published version's snapshot (by name, by org.nr through the registry, or
by the agenda link its QR code holds) and checked in with one tap. Checking in is idempotent (one row per
organisation and event, the first arrival stays), recorded with the token and role that did it, and
possible only on the event's day in the event's own time zone, by the application's clock. A firm that
came unannounced is registered in the registry first (``POST /events/{id}/walk-ins``) and then checked in
with ``how: walk_in``: it is not in the published version, so the registry's snapshot must show it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

import asyncpg

from shared.errors import Conflict, FieldError, NotFound
from shared.event_day import is_event_day

from ..audit import Actor, record
from ..sql import onsite_arrivals as sql

How = Literal["qr", "name", "orgnr", "walk_in"]


@dataclass(frozen=True)
class Participant:
    """One organisation of the published version, as the reception sees it."""

    id: UUID
    name: str
    kind: Literal["sme", "buyer"]
    meeting_slots: tuple[int, ...] = ()
    max_meetings: int | None = None
    available_slots: tuple[int, ...] = ()
    cancelled: bool = False

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Participant:
        return cls(
            id=row["id"],
            name=row["name"] or "",
            kind=row["kind"],
            meeting_slots=tuple(row["meeting_slots"] or ()),
            max_meetings=row["max_meetings"],
            available_slots=tuple(row["available_slots"] or ()),
            cancelled=bool(row["cancelled"]),
        )

    @property
    def free_time(self) -> bool:
        """An SME below its meeting cap with an available slot still without a meeting (it can take one more).

        Examples
        --------
        >>> Participant(UUID(int=1), "A", "sme", (0, 1), 3, (0, 1, 2)).free_time
        True
        >>> Participant(UUID(int=1), "A", "sme", (0, 1), 2, (0, 1, 2)).free_time
        False
        >>> Participant(UUID(int=1), "A", "sme", (0, 1), 4, (0, 1)).free_time
        False
        >>> Participant(UUID(int=2), "B", "buyer").free_time
        False
        """
        if self.kind != "sme" or self.max_meetings is None:
            return False
        return len(self.meeting_slots) < self.max_meetings and bool(set(self.available_slots) - set(self.meeting_slots))


def matches(participant: Participant, words: Sequence[str]) -> bool:
    """Whether every word of a name search occurs in the participant's name (case-insensitively).

    Examples
    --------
    >>> firm = Participant(UUID(int=1), "Falu Städ & Fönsterputs AB", "sme")
    >>> matches(firm, ["städ"]), matches(firm, ["FALU", "fönster"]), matches(firm, ["mora"]), matches(firm, [])
    (True, True, False, True)
    """
    name = participant.name.casefold()
    return all(word.casefold() in name for word in words)


@dataclass(frozen=True)
class EventDay:
    """The published version's day and participants."""

    date: dt.date
    time_zone: str
    participants: tuple[Participant, ...]

    def participant(self, organisation_id: UUID) -> Participant | None:
        return next((p for p in self.participants if p.id == organisation_id), None)

    def require_today(self, now: dt.datetime) -> None:
        """409 unless ``now`` (the application's clock) is on the event's day where it is held."""
        if not is_event_day(now, self.date, self.time_zone):
            raise Conflict(
                f"Incheckning sker på evenemangsdagen ({self.date.isoformat()}). / "
                f"Check-in is possible on the event's day ({self.date.isoformat()}) only.",
                errors=[FieldError(pointer="", code="not_event_day", detail="Not the event's day.")],
            )


async def event_day(conn: asyncpg.Connection | asyncpg.Pool, event_id: UUID) -> EventDay:
    """The event's published day; 404 before a version is published."""
    head = await conn.fetchrow(sql.SELECT_PUBLISHED_EVENT, event_id)
    if head is None:
        raise NotFound("Inget schema är publicerat för evenemanget än. / No schedule is published for the event yet.")
    rows = await conn.fetch(sql.SELECT_PUBLISHED_PARTICIPANTS, event_id)
    return EventDay(
        date=dt.date.fromisoformat(head["event_date"]),
        time_zone=head["time_zone"],
        participants=tuple(Participant.from_row(row) for row in rows),
    )


async def check_in(
    conn: asyncpg.Connection, actor: Actor, event_id: UUID, organisation_id: UUID, how: How, now: dt.datetime
) -> tuple[asyncpg.Record, bool]:
    """Record the arrival (call inside a transaction); the row and whether this call made it.

    A second check-in of the same organisation returns the first row and writes nothing, not even to
    the audit log.
    """
    row = await conn.fetchrow(sql.INSERT_ARRIVAL, event_id, organisation_id, now, how, actor.token_id, actor.role)
    if row is None:
        return await conn.fetchrow(sql.SELECT_ARRIVAL, event_id, organisation_id), False
    await record(
        conn,
        actor,
        "arrival.check_in",
        "arrival",
        f"{event_id}/{organisation_id}",
        event_id=event_id,
        organisation_id=organisation_id,
        details={"how": how},
    )
    return row, True


async def undo_check_in(
    conn: asyncpg.Connection, actor: Actor, event_id: UUID, organisation_id: UUID, now: dt.datetime
) -> bool:
    """Take back a mistaken check-in (inside a transaction): the firm also leaves the stand-by list."""
    row = await conn.fetchrow(sql.DELETE_ARRIVAL, event_id, organisation_id)
    if row is None:
        return False
    left = await conn.fetchrow(sql.LEAVE_STANDBY, event_id, organisation_id, now)
    await record(
        conn,
        actor,
        "arrival.undo",
        "arrival",
        f"{event_id}/{organisation_id}",
        event_id=event_id,
        organisation_id=organisation_id,
        details={"how": row["how"], "left_standby": left is not None},
    )
    return True


async def arrived_counterparts(
    source: asyncpg.Pool | asyncpg.Connection, event_id: UUID, version_id: UUID, buyer_id: UUID, status: str
) -> list[UUID]:
    """The SMEs meeting ``buyer_id`` in the version that have checked in, by id (none for an SME or a draft).

    The buyer's table agenda shows them on the day, so whatever caches that agenda must key on this list.
    """
    if status != "published":
        return []
    return [
        row["sme_id"] for row in await source.fetch(sql.SELECT_ARRIVED_COUNTERPARTS, event_id, version_id, buyer_id)
    ]
