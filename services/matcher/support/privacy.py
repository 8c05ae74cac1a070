"""Support in an export and an erasure (services/matcher/privacy/).

The notes are free text people typed (what the firm wants help with, what the adviser did), so an erased
organisation's requests go with their hours; the export lists its requests and the hours given, notes
included. The advisers' account ids are not the firm's data and are left out of its export.
"""

from __future__ import annotations

import datetime as dt
from uuid import UUID

import asyncpg
from pydantic import BaseModel, Field

from ..sql import support as sql
from .model import Source, Status


class ExportedSupportRequest(BaseModel):
    event_id: UUID
    source: Source
    note: str = Field(description="What the organisation asked for, as written")
    status: Status
    allowance_hours: float
    requested_at: dt.datetime
    assigned_at: dt.datetime | None
    closed_at: dt.datetime | None


class ExportedSupportHours(BaseModel):
    event_id: UUID
    worked_on: dt.date
    hours: float
    note: str = Field(description="What was done, as the adviser wrote it")
    recorded_at: dt.datetime


async def erase_support(conn: asyncpg.Connection, organisation_id: UUID) -> int:
    """Delete the organisation's requests and, with them, their hours; how many requests went."""
    status = await conn.execute(sql.DELETE_ORGANISATION_REQUESTS, organisation_id)
    return int(status.split()[-1])


async def export_support(
    source: asyncpg.Pool | asyncpg.Connection, organisation_id: UUID
) -> tuple[list[ExportedSupportRequest], list[ExportedSupportHours]]:
    """The organisation's support requests and the hours given to it."""
    requests = [ExportedSupportRequest(**dict(r)) for r in await source.fetch(sql.EXPORT_REQUESTS, organisation_id)]
    hours = [ExportedSupportHours(**dict(r)) for r in await source.fetch(sql.EXPORT_HOURS, organisation_id)]
    return requests, hours
