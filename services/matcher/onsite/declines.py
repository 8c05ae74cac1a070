""" "Kan inte": a participant declines one of its meetings, or is busy in one slot, with a reason.

Before the event's day a decline waits for the organiser's review (``pending``), or, with the event's day
setting ``declines_before_day = 'replan'``, is applied at once: a declined pair is kept apart like an
organiser's forbid rule and a re-plan job is queued through the job queue (the re-plan keeps every other
meeting where it is). A busy slot applied before the day leaves that slot out of the participant's
availability in the re-plan (:func:`without_busy_slots`).

On the day it is applied at once: the meeting is marked cancelled on the day, and the buyer's table-slot
is freed for the live fill (a ``matcher.freed_slots`` row with cause ``decline`` and ``NOTIFY
matcher_live_fill`` in the same transaction). A buyer busy in a slot frees no table (nobody sits at it).
A meeting that has started cannot be declined, and nothing can after the day.

Only a participant's own meetings can be declined: naming a counterpart it has no meeting with is a 404
and changes nothing. The reason is the participant's own words: shown to organisers, covered by the
erasure and the export, never copied into the audit log or the forbid rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, TypeVar
from uuid import UUID

import asyncpg
from pydantic import BaseModel, Field

from shared.errors import Conflict, FieldError, NotFound, ValidationProblem
from shared.snapshot import EventSnapshot, SnapshotBuyer, SnapshotSme

from ..audit import Actor, record
from ..jobs import queue
from ..jobs.parameters import JobParameters
from ..sql import onsite_day as sql
from .day_settings import load_day_settings
from .day_version import DayVersion, Meeting, after_the_day, organisation_meetings, published_day
from .meeting_status import free_table_slot, wake_live_fill

# The job a decline before the day queues: a re-plan that keeps every other meeting where it was.
REPLAN = JobParameters(mode="replan")
_Party = TypeVar("_Party", SnapshotSme, SnapshotBuyer)
DECLINE_RULE_REASON = "Avböjt av deltagaren (declined by the participant)"
NOT_YOUR_MEETING = (
    "Ni har inget möte med den organisationen i det publicerade schemat. "
    "(You have no meeting with that organisation in the published schedule.)"
)


class UnavailabilityOut(BaseModel):
    """A decline ("kan inte") of one meeting, or a busy slot, and where it stands."""

    id: int
    event_id: UUID
    organisation_id: UUID = Field(description="Who cannot")
    kind: Literal["decline", "busy"]
    counterpart_id: UUID | None = Field(description="decline: the other side of the meeting")
    slot: int | None = Field(description="busy: the slot")
    reason: str = Field(description="In the participant's own words")
    state: Literal["pending", "applied", "dismissed"] = Field(
        description="pending: waits for the organiser's review; applied: in a re-plan or the live fill; dismissed"
    )
    created_at: dt.datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> UnavailabilityOut:
        return cls.model_validate(dict(row))


@dataclass(frozen=True)
class Declared:
    """A decline or busy slot as stored, whether it was new, and what it set off."""

    row: asyncpg.Record
    created: bool
    freed: int = 0
    job_id: UUID | None = None


def without_busy_slots(snapshot: EventSnapshot, busy: dict[UUID, list[int]]) -> EventSnapshot:
    """The snapshot with each participant's applied busy slots left out of its availability (a copy).

    Examples
    --------
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snap = example_snapshot()
    >>> sme = snap.smes[0]
    >>> without_busy_slots(snap, {sme.organisation.id: [1]}).smes[0].available_slots, sme.available_slots
    ([0, 2, 3], [0, 1, 2, 3])
    """
    if not busy:
        return snapshot

    def free(party: _Party) -> _Party:
        slots = set(busy.get(party.organisation.id, ()))
        if not slots:
            return party
        return party.model_copy(update={"available_slots": [s for s in party.available_slots if s not in slots]})

    # The models are frozen: copies with the slots left out, the rest shared with ``snapshot``.
    return snapshot.model_copy(
        update={"smes": [free(sme) for sme in snapshot.smes], "buyers": [free(buyer) for buyer in snapshot.buyers]}
    )


async def applied_busy_slots(conn: asyncpg.Connection, event_id: UUID) -> dict[UUID, list[int]]:
    """Organisation → busy slots applied to the event's next re-plan."""
    return {r["organisation_id"]: list(r["slots"]) for r in await conn.fetch(sql.SELECT_APPLIED_BUSY, event_id)}


def _affected(day: DayVersion, meetings: list[Meeting], organisation_id: UUID, kind: str, counterpart, slot):
    """The participant's meetings a decline or busy slot calls off (404/422 when it names none of its own)."""
    if kind == "decline":
        mine = [m for m in meetings if counterpart in (m.sme_id, m.buyer_id) and counterpart != organisation_id]
        if not mine:
            raise NotFound(NOT_YOUR_MEETING, slug="no-such-meeting")
        return mine
    if slot not in day.slots:
        raise ValidationProblem(
            [
                FieldError(
                    pointer="/slot", code="unknown_slot", detail="Evenemanget har inget sådant pass. (No such slot.)"
                )
            ]
        )
    return [m for m in meetings if m.slot == slot]


async def _call_off(
    conn: asyncpg.Connection,
    day: DayVersion,
    event_id: UUID,
    organisation_id: UUID,
    kind: str,
    affected: list[Meeting],
    actor: Actor,
    now: dt.datetime,
) -> int:
    """On the day: each meeting is cancelled on the day and (unless a buyer is away) its table-slot freed."""
    freed = 0
    for meeting in affected:
        await conn.execute(sql.LOCK_MEETING, event_id, meeting.sme_id, meeting.buyer_id)
        await conn.execute(
            sql.INSERT_STATUS_IF_NONE,
            event_id,
            meeting.sme_id,
            meeting.buyer_id,
            "cancelled_day",
            day.id,
            now,
            actor.token_id,
            actor.role,
        )
        buyer_away = kind == "busy" and organisation_id == meeting.buyer_id
        if not buyer_away:
            freed += await free_table_slot(conn, event_id, meeting, "decline", now)
    if freed:
        await wake_live_fill(conn, event_id)
    return freed


async def _apply_before_day(
    conn: asyncpg.Connection, event_id: UUID, row: asyncpg.Record, declined: list[Meeting], actor: Actor
) -> UUID:
    """Before the day: keep a declined pair apart and queue a re-plan (or join the one already queued)."""
    for meeting in declined:
        await conn.execute(
            sql.UPSERT_DECLINE_RULE, event_id, meeting.sme_id, meeting.buyer_id, DECLINE_RULE_REASON, actor.token_id
        )
    job, created = await queue.enqueue(conn, event_id, params=REPLAN.stored(), created_by=actor.token_id)
    if created:
        await record(
            conn,
            actor,
            "schedule.replan",
            "schedule_job",
            job.id,
            event_id=event_id,
            details={"mode": "replan", "cause": row["kind"], "unavailability_id": row["id"]},
        )
    return job.id


async def _take_effect(
    conn: asyncpg.Connection, day: DayVersion, event_id: UUID, row: asyncpg.Record, actor: Actor, now: dt.datetime
) -> tuple[int, UUID | None]:
    """Apply a stored decline or busy slot: on the day to the live fill, before it as a re-plan."""
    organisation_id, kind = row["organisation_id"], row["kind"]
    meetings = await organisation_meetings(conn, day, organisation_id)
    if day.phase(now) == "day":
        affected = _affected(day, meetings, organisation_id, kind, row["counterpart_id"], row["slot"])
        affected = [m for m in affected if not day.started(m.slot, now)]  # a started meeting stays as it is
        return await _call_off(conn, day, event_id, organisation_id, kind, affected, actor, now), None
    declined = [m for m in meetings if kind == "decline" and row["counterpart_id"] in (m.sme_id, m.buyer_id)]
    return 0, await _apply_before_day(conn, event_id, row, declined, actor)


async def declare(
    conn: asyncpg.Connection,
    *,
    event_id: UUID,
    organisation_id: UUID,
    kind: str,
    counterpart_id: UUID | None,
    slot: int | None,
    reason: str,
    actor: Actor,
    now: dt.datetime,
) -> Declared:
    """Store a decline (``counterpart_id``) or busy slot (``slot``) and let it take effect as the day decides."""
    async with conn.transaction():
        day = await published_day(conn, event_id)
        phase = day.phase(now)
        if phase == "after":
            raise after_the_day()
        meetings = await organisation_meetings(conn, day, organisation_id)
        affected = _affected(day, meetings, organisation_id, kind, counterpart_id, slot)
        if phase == "day":
            started = [m.slot for m in affected if day.started(m.slot, now)]
            # A busy slot that has begun counts too, after the meetings (a busy declaration always names its slot).
            if kind == "busy" and slot is not None and day.started(slot, now):
                started.append(slot)
            if started:
                label = day.label(started[0])
                raise Conflict(
                    f"Mötet kl. {label} har redan börjat och kan inte avböjas. (The meeting at {label} has already "
                    "started and cannot be declined.)",
                    slug="meeting-started",
                )
            state = "applied"
        else:
            settings = await load_day_settings(conn, event_id)
            state = "applied" if settings.declines_before_day == "replan" else "pending"
        row = await conn.fetchrow(
            sql.INSERT_UNAVAILABILITY,
            event_id,
            organisation_id,
            kind,
            counterpart_id,
            slot,
            reason,
            state,
            now,
            actor.token_id,
        )
        if row is None:  # declared before: that one stands
            existing = await conn.fetchrow(
                sql.SELECT_EXISTING_UNAVAILABILITY, event_id, organisation_id, kind, counterpart_id, slot
            )
            return Declared(existing, created=False)
        freed, job_id = (await _take_effect(conn, day, event_id, row, actor, now)) if state == "applied" else (0, None)
        await record(
            conn,
            actor,
            f"unavailability.{kind}",
            "unavailability",
            row["id"],
            event_id=event_id,
            organisation_id=organisation_id,
            details={
                "counterpart_id": str(counterpart_id) if counterpart_id else None,
                "slot": slot,
                "state": state,
                "phase": phase,
                "reason_given": bool(reason),
                "freed_slots": freed,
            },
        )
    return Declared(row, created=True, freed=freed, job_id=job_id)


async def review(
    conn: asyncpg.Connection, *, event_id: UUID, unavailability_id: int, state: str, actor: Actor, now: dt.datetime
) -> Declared:
    """The organiser applies or dismisses a pending decline; applying one twice changes nothing more."""
    async with conn.transaction():
        row = await conn.fetchrow(sql.LOCK_UNAVAILABILITY, event_id, unavailability_id)
        if row is None:
            raise NotFound("Det finns ingen sådan avbokning. (No such decline or busy slot.)")
        if row["state"] == state:
            return Declared(row, created=False)
        if row["state"] == "applied":
            raise Conflict(
                "Avbokningen är redan genomförd i schemat och kan inte ångras här. "
                "(The decline is already applied to the schedule.)",
                slug="already-applied",
            )
        freed, job_id = 0, None
        if state == "applied":
            day = await published_day(conn, event_id)
            if day.phase(now) == "after":
                raise after_the_day()
            freed, job_id = await _take_effect(conn, day, event_id, row, actor, now)
        updated = await conn.fetchrow(sql.SET_UNAVAILABILITY_STATE, unavailability_id, state)
        await record(
            conn,
            actor,
            f"unavailability.{'apply' if state == 'applied' else 'dismiss'}",
            "unavailability",
            str(unavailability_id),  # record stores every entity id as text
            event_id=event_id,
            organisation_id=row["organisation_id"],
            details={"kind": row["kind"], "previous": row["state"], "freed_slots": freed},
        )
    return Declared(updated, created=False, freed=freed, job_id=job_id)


async def listed(
    conn: asyncpg.Connection, event_id: UUID, *, organisation_id=None, kind=None, state=None
) -> list[asyncpg.Record]:
    return list(await conn.fetch(sql.SELECT_UNAVAILABILITY, event_id, organisation_id, kind, state))
