"""The feedback documents: what a participant rates by its link, and what organisers read."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.text import multi_line
from shared.wall_clock import WallClock

Rating = Literal["did_not_take_place", "no_further_interest", "will_follow_up", "will_bid_or_buy"]
RATINGS: tuple[Rating, ...] = ("did_not_take_place", "no_further_interest", "will_follow_up", "will_bid_or_buy")
Side = Literal["sme", "buyer"]
SIDES: tuple[Side, ...] = ("sme", "buyer")
Comment = Annotated[str, *multi_line(2000, description="Free text, seen by the organiser only (up to 2000 characters)")]


class AnswerIn(BaseModel):
    """One meeting's answer, named by the organisation met."""

    model_config = ConfigDict(extra="forbid")

    counterpart_id: UUID = Field(description="The organisation met (the buyer for a firm, the firm for a buyer)")
    rating: Rating = Field(description="What came of the meeting")
    comment: Comment = ""


class FeedbackIn(BaseModel):
    """Answers for some or all of the participant's meetings; meetings left out keep their answers."""

    model_config = ConfigDict(extra="forbid")

    answers: list[AnswerIn] = Field(max_length=200)


class MeetingToRate(BaseModel):
    sme_id: UUID
    buyer_id: UUID
    counterpart_id: UUID = Field(description="The organisation met")
    counterpart_name: str
    time: str = Field(description="Local wall-clock span, e.g. '09:00–09:20'")
    table: int
    rating: Rating | None = Field(description="The answer given (null: none yet)")
    comment: str = Field(description="The comment given ('' when none)")


class MyFeedback(BaseModel):
    """The participant's own meetings to rate in the after-day round, with its answers so far."""

    event_id: UUID
    event_name: str
    organisation_id: UUID
    opens_at: dt.datetime
    closes_at: dt.datetime
    open: bool = Field(description="Whether answers can be given or changed now")
    meetings: list[MeetingToRate]


class SideRate(BaseModel):
    asked: int = Field(description="Participants sent the question")
    answered: int = Field(description="Of those and others, participants who answered at least one meeting")


class AnswerOut(BaseModel):
    sme_id: UUID
    sme_name: str
    buyer_id: UUID
    buyer_name: str
    organisation_id: UUID = Field(description="Who answered")
    side: Side
    rating: Rating
    comment: str
    answered_at: dt.datetime
    updated_at: dt.datetime


class EventFeedback(BaseModel):
    """The event's after-day round for organisers: response rates, counts per rating, every answer."""

    event_id: UUID
    opens_at: dt.datetime | None = Field(description="When the question goes out (null: nothing published)")
    closes_at: dt.datetime | None
    asked: int
    answered: int
    response_rate: float | None = Field(
        description="Share of those asked who answered (null when nobody was asked yet)"
    )
    sides: dict[Side, SideRate]
    ratings: dict[Rating, int] = Field(description="Answers per rating, over both sides")
    answers: list[AnswerOut]
    follow_up: FollowUpFigures | None = Field(
        default=None, description="The second round, months later (null before anything is published)"
    )


class FeedbackSettingsIn(BaseModel):
    """The event's feedback settings; every field can be left out (then its default)."""

    model_config = ConfigDict(extra="forbid")

    after_day_time: WallClock = Field(
        default=dt.time(18, 0), description="Local time on the event day the question goes out (HH:MM)"
    )
    reminder_days: int = Field(default=3, ge=1, le=30, description="One reminder this many days later, if unanswered")
    open_days: int = Field(default=14, ge=2, le=90, description="Answers can be changed this many days")
    follow_up_months: int = Field(default=6, ge=1, le=24, description="The second round, months after the event")


class FeedbackSettingsOut(FeedbackSettingsIn):
    event_id: UUID
    updated_at: dt.datetime | None = Field(description="null: never stored, the defaults")
    etag: str = Field(default="", description="The ETag of these settings: send it as If-Match to change them")


# --- The follow-up round, months later: per need discussed. ---

Bid = Literal["yes", "no", "unknown"]
BIDS: tuple[Bid, ...] = ("yes", "no", "unknown")
Awarded = Literal["yes", "no", "pending"]
AWARDS: tuple[Awarded, ...] = ("yes", "no", "pending")
Procured = Literal["direct_award", "tender", "cancelled", "not_yet"]
PROCURED: tuple[Procured, ...] = ("direct_award", "tender", "cancelled", "not_yet")


class FollowUpAnswerIn(BaseModel):
    """One need's answer: a firm gives ``bid`` and ``awarded``, a buyer ``procured``."""

    model_config = ConfigDict(extra="forbid")

    need_id: UUID = Field(description="A need discussed at one of the participant's meetings")
    bid: Bid | None = Field(default=None, description="Firms: did you bid?")
    awarded: Awarded | None = Field(default=None, description="Firms: were you awarded?")
    procured: Procured | None = Field(default=None, description="Buyers: was the need procured, and how?")
    comment: Comment = ""


class FollowUpIn(BaseModel):
    """Answers for some or all of the needs; needs left out keep their answers."""

    model_config = ConfigDict(extra="forbid")

    answers: list[FollowUpAnswerIn] = Field(max_length=200)


class NeedToAnswer(BaseModel):
    need_id: UUID
    title: str
    buyer_id: UUID
    buyer_name: str
    met: list[str] = Field(description="Whom the participant discussed it with (names)")
    bid: Bid | None
    awarded: Awarded | None
    procured: Procured | None
    comment: str


class MyFollowUp(BaseModel):
    """The participant's needs discussed at the event, to answer months later, with its answers so far."""

    event_id: UUID
    event_name: str
    organisation_id: UUID
    side: Side
    opens_at: dt.datetime
    closes_at: dt.datetime
    open: bool = Field(description="Whether answers can be given or changed now")
    needs: list[NeedToAnswer]


class NeedFigures(BaseModel):
    need_id: UUID
    title: str
    buyer_id: UUID
    buyer_name: str
    bids: dict[Bid, int] = Field(description="Firms' answers: did they bid")
    awards: dict[Awarded, int] = Field(description="Firms' answers: were they awarded")
    procured: Procured | None = Field(description="The buyer's answer (null: none)")


class FollowUpFigures(BaseModel):
    """The follow-up round for organisers: response rates, bids and awards per need, buyers' procured-how."""

    opens_at: dt.datetime | None
    closes_at: dt.datetime | None
    asked: int
    answered: int
    response_rate: float | None = Field(description="Share of those asked who answered (null: nobody asked yet)")
    sides: dict[Side, SideRate]
    needs: list[NeedFigures]
    procured: dict[Procured, int] = Field(description="Buyers' answers per way of procuring")
    comments: int = Field(description="Answers with a comment")


EventFeedback.model_rebuild()  # its follow_up field names a model defined after it
