"""The support documents: the event's allowance, a firm's request with its hours, what an adviser records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.text import multi_line

Source = Literal["signup", "feedback", "organiser"]
Status = Literal["requested", "assigned", "closed", "declined"]
Note = Annotated[
    str, *multi_line(2000, description="Free text (up to 2000 characters), seen by organisers and the adviser")
]
# Tenths of an hour, as the columns keep them (numeric(…, 1)).
Hours = Annotated[Decimal, Field(gt=0, le=24, decimal_places=1, description="Hours, in tenths (e.g. 1.5)")]
DEFAULT_ALLOWANCE = Decimal(10)


class SupportSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    allowance_hours: Annotated[Decimal, Field(gt=0, le=200, decimal_places=1)] = Field(
        default=DEFAULT_ALLOWANCE, description="Hours of support each firm that asks may get (default 10)"
    )


class SupportSettingsOut(BaseModel):
    event_id: UUID
    allowance_hours: float = Field(description="Hours each new request gets; a request keeps the figure it got")
    updated_at: dt.datetime | None = Field(description="null: the defaults, never stored")


class SupportRequestIn(BaseModel):
    """A request recorded for a firm: by an organiser, or a service passing on the firm's own words."""

    model_config = ConfigDict(extra="forbid")

    organisation_id: UUID = Field(description="The firm that asks")
    note: Note = ""
    source: Literal["signup", "feedback"] | None = Field(
        default=None, description="Services only: where the firm asked (organisers' requests are 'organiser')"
    )


class AdviserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    adviser_account_id: UUID = Field(description="A registry account with the role adviser")


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["declined", "closed"] = Field(
        description="declined: no support will be given; closed: the support is over (an adviser was assigned)"
    )


class HoursIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    worked_on: dt.date = Field(description="The day the support was given")
    hours: Hours
    note: Note = ""


class HoursOut(BaseModel):
    id: UUID
    adviser_account_id: UUID
    worked_on: dt.date
    hours: float
    note: str
    recorded_at: dt.datetime


class SupportRequestOut(BaseModel):
    """A firm's request with what was given against its allowance."""

    id: UUID
    event_id: UUID
    event_name: str = Field(description="From the published version ('' before one)")
    organisation_id: UUID
    organisation_name: str = Field(description="From the published version ('–' when not in it)")
    contact_name: str = Field(description="The firm's first contact ('' when none)")
    contact_email: str
    source: Source
    note: str
    status: Status
    adviser_account_id: UUID | None
    allowance_hours: float
    hours_used: float
    hours_left: float
    requested_at: dt.datetime
    assigned_at: dt.datetime | None
    closed_at: dt.datetime | None
    hours: list[HoursOut]


class SupportRequestList(BaseModel):
    event_id: UUID
    allowance_hours: float = Field(description="The event's allowance for new requests")
    items: list[SupportRequestOut]


class AssignedList(BaseModel):
    """An adviser's own requests, across events."""

    items: list[SupportRequestOut]
