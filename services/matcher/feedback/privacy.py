"""Feedback in an erasure and an export (services/matcher/privacy/).

A comment is free text people type ("Anna on their side was great"), so an erased organisation's own
requests and answers go entirely, and its names, people, addresses and numbers are scrubbed from the
comments others gave in its events. The export lists the organisation's requests and its answers with
their comments, those of the follow-up round months later too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Literal
from uuid import UUID

import asyncpg
from pydantic import BaseModel, Field

from ..privacy.redact import scrub_text
from ..sql import feedback as sql
from .model import Awarded, Bid, Procured, Rating


class ExportedFeedbackRequest(BaseModel):
    event_id: UUID
    kind: Literal["after_day", "follow_up"]
    side: Literal["sme", "buyer"]
    sent_at: dt.datetime | None = Field(description="When the question was e-mailed")
    reminded_at: dt.datetime | None
    answered_at: dt.datetime | None


class ExportedFeedbackAnswer(BaseModel):
    event_id: UUID
    sme_id: UUID
    buyer_id: UUID
    rating: Rating
    comment: str = Field(description="As the organisation wrote it")
    answered_at: dt.datetime
    updated_at: dt.datetime


async def erase_feedback(
    conn: asyncpg.Connection, organisation_id: UUID, events: Sequence[UUID], needles: Mapping[str, str]
) -> int:
    """Delete the organisation's requests and answers, scrub it from others' comments in ``events``; rows changed."""
    await conn.execute(sql.DELETE_ORGANISATION_REQUESTS, organisation_id)
    status = await conn.execute(sql.DELETE_ORGANISATION_ANSWERS, organisation_id)
    changed = int(status.split()[-1])
    status = await conn.execute(sql.DELETE_ORGANISATION_FOLLOW_UP, organisation_id)
    changed += int(status.split()[-1])
    # Others' follow-up comments (one per organisation and need) are scrubbed as their meeting comments are.
    for row in await conn.fetch(sql.SELECT_EVENT_FOLLOW_UP_COMMENTS, list(events)):
        comment = scrub_text(row["comment"], needles)
        if comment != row["comment"]:
            await conn.execute(
                sql.UPDATE_FOLLOW_UP_COMMENT, row["event_id"], row["organisation_id"], row["need_id"], comment
            )
            changed += 1
    for row in await conn.fetch(sql.SELECT_EVENT_COMMENTS, list(events)):
        comment = scrub_text(row["comment"], needles)
        if comment != row["comment"]:
            await conn.execute(
                sql.UPDATE_COMMENT, row["event_id"], row["sme_id"], row["buyer_id"], row["organisation_id"], comment
            )
            changed += 1
    return changed


class ExportedFollowUpAnswer(BaseModel):
    event_id: UUID
    need_id: UUID
    buyer_id: UUID = Field(description="The need's buyer")
    side: Literal["sme", "buyer"]
    bid: Bid | None
    awarded: Awarded | None
    procured: Procured | None
    comment: str = Field(description="As the organisation wrote it")
    answered_at: dt.datetime
    updated_at: dt.datetime


async def export_follow_up(
    source: asyncpg.Pool | asyncpg.Connection, organisation_id: UUID
) -> list[ExportedFollowUpAnswer]:
    """The organisation's answers of the follow-up round, months after its events."""
    return [ExportedFollowUpAnswer(**dict(r)) for r in await source.fetch(sql.EXPORT_FOLLOW_UP, organisation_id)]


async def export_feedback(
    source: asyncpg.Pool | asyncpg.Connection, organisation_id: UUID
) -> tuple[list[ExportedFeedbackRequest], list[ExportedFeedbackAnswer]]:
    """The organisation's feedback requests and answers."""
    requests = [ExportedFeedbackRequest(**dict(r)) for r in await source.fetch(sql.EXPORT_REQUESTS, organisation_id)]
    answers = [ExportedFeedbackAnswer(**dict(r)) for r in await source.fetch(sql.EXPORT_ANSWERS, organisation_id)]
    return requests, answers
