"""What the reception's routes take and answer (:mod:`.reception_routes`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.text import single_line

from .arrivals import How

SearchText = Annotated[str, *single_line(100, min_length=1)]


class ArrivalIn(BaseModel):
    """Who arrived: the organisation, or the agenda link its QR code holds (exactly one of the two)."""

    model_config = ConfigDict(extra="forbid")

    organisation_id: UUID | None = Field(default=None, description="The participant (from the reception's search)")
    link_token: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="The token of the participant's agenda link (/a/{token}), as scanned from its QR code",
    )
    how: How | None = Field(
        default=None,
        description="How the reception found them: qr, name, orgnr, or walk_in (registered on the spot with "
        "POST /events/{id}/walk-ins in the registry); default qr for a link, name otherwise",
    )

    @model_validator(mode="after")
    def one_target(self) -> Self:
        if (self.organisation_id is None) == (self.link_token is None):
            raise ValueError("send either organisation_id or link_token")
        return self


class Arrival(BaseModel):
    """A participant that has checked in."""

    organisation_id: UUID
    name: str | None = Field(description="From the published version (a walk-in: the registry's snapshot)")
    kind: Literal["sme", "buyer"] | None
    arrived_at: dt.datetime
    how: How
    by_role: str | None = Field(description="Who checked them in: organiser or host")
    standby: bool = Field(description="On the stand-by list now")
    restored: int = Field(
        default=0,
        description="Meetings the firm got back by checking in after it was marked absent (they were freed "
        "for the live fill and nobody had been given them yet)",
    )
    restored_version: int | None = Field(
        default=None, description="The version that put meetings a live fill had taken out back in, if any"
    )


class ArrivalList(BaseModel):
    """The event's arrivals so far."""

    arrived: int = Field(description="Organisations checked in (walk-ins included)")
    expected: int = Field(description="Participants of the published version still signed up, plus walk-ins")
    items: list[Arrival]


class ReceptionQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: SearchText | None = Field(
        default=None, description="Part of the name (every word must occur), or an organisationsnummer"
    )


class ReceptionParticipant(BaseModel):
    """A participant as the reception lists it."""

    organisation_id: UUID
    name: str
    kind: Literal["sme", "buyer"]
    arrived: bool
    arrived_at: dt.datetime | None
    standby: bool = Field(description="On the stand-by list now")
    meetings: int = Field(description="Meetings in the published version")
    free_time: bool = Field(description="An SME that could take another meeting (may join the stand-by list)")
    cancelled: bool = Field(description="Its sign-up was cancelled after publication (check-in refused)")


class ReceptionList(BaseModel):
    arrived: int
    expected: int
    items: list[ReceptionParticipant]


class StandbyEntry(BaseModel):
    """A firm on the stand-by list."""

    organisation_id: UUID
    source: Literal["walk_in", "arrived"]
    since: dt.datetime
