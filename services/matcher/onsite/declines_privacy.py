"""Declines and meeting marks in an erasure and an export (services/matcher/privacy/).

A decline's reason is free text people type ("our salesperson Åsa is ill"), so an erased organisation's
own reasons are emptied entirely, and its names, people, addresses and numbers are scrubbed from the
reasons others gave in its events. The rows themselves stay (ids only: what happened to the day's
meetings). The export lists the organisation's declines and busy slots with their reasons, and the
status its meetings were given on the day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Literal
from uuid import UUID

import asyncpg
from pydantic import BaseModel, Field

from ..privacy.redact import scrub_text
from ..sql import onsite_day as sql


class ExportedUnavailability(BaseModel):
    event_id: UUID
    kind: Literal["decline", "busy"] = Field(description="decline: one meeting (counterpart); busy: one slot")
    counterpart_id: UUID | None
    slot: int | None
    reason: str = Field(description="As the organisation gave it")
    state: Literal["pending", "applied", "dismissed"]
    created_at: dt.datetime


class ExportedMeetingStatus(BaseModel):
    event_id: UUID
    sme_id: UUID
    buyer_id: UUID
    status: Literal["held", "no_show_sme", "no_show_buyer", "cancelled_day"]
    marked_at: dt.datetime


async def erase_reasons(
    conn: asyncpg.Connection, organisation_id: UUID, events: Sequence[UUID], needles: Mapping[str, str]
) -> int:
    """Empty the organisation's own reasons and scrub it from others' in ``events``; rows changed."""
    status = await conn.execute(sql.CLEAR_ORGANISATION_REASONS, organisation_id)
    changed = int(status.split()[-1])
    for row in await conn.fetch(sql.SELECT_EVENT_REASONS, list(events)):
        reason = scrub_text(row["reason"], needles)
        if reason != row["reason"]:
            await conn.execute(sql.UPDATE_REASON, row["id"], reason)
            changed += 1
    return changed


async def export_day(
    source: asyncpg.Pool | asyncpg.Connection, organisation_id: UUID
) -> tuple[list[ExportedUnavailability], list[ExportedMeetingStatus]]:
    """The organisation's declines and busy slots, and its meetings' marks on the day."""
    unavailability = [
        ExportedUnavailability(**dict(r)) for r in await source.fetch(sql.EXPORT_UNAVAILABILITY, organisation_id)
    ]
    marks = [ExportedMeetingStatus(**dict(r)) for r in await source.fetch(sql.EXPORT_MEETING_STATUS, organisation_id)]
    return unavailability, marks
