"""Registrations (sign-ups of SMEs and buyers for an event): what clients send and get back.

One body serves both kinds, because the kind comes from the organisation, not the client:
:func:`kind_errors` then names every field that does not fit (422 with pointers).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from shared.errors import FieldError
from shared.integers import Int32
from shared.text import Name, Reason, multi_line, single_line

from .pagination import PageQuery

Kind = Literal["sme", "buyer"]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
Note = Annotated[str, *multi_line(2000)]

RepresentativeTitle = Annotated[str, *single_line(200)]

SME_ONLY = ("max_meetings", "wanted_needs", "support_requested", "support_note")
BUYER_ONLY = ("tables", "representatives", "brought_needs", "wanted_smes")


def _dedupe(values: list[Any] | None) -> list[Any] | None:
    """Drop repeats, keeping first positions.

    Examples
    --------
    >>> _dedupe([3, 1, 3])
    [3, 1]
    """
    return None if values is None else list(dict.fromkeys(values))


def _no_repeats(values: list[UUID] | None) -> list[UUID] | None:
    if values is not None and len(set(values)) != len(values):
        raise ValueError("a ranked list names each need once")
    return values


class Representative(BaseModel):
    """A person at the buyer's table (personal data)."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    title: RepresentativeTitle = ""


class RegistrationFields(BaseModel):
    """Fields of a registration; SME-only and buyer-only ones are checked against the kind later.

    Lists of ids and slot indexes are kept as sent, so that errors found against the database can
    point at the position the client used; repeats are dropped when stored.
    """

    model_config = ConfigDict(extra="forbid")

    available_slots: list[Annotated[Int32, Field(ge=0)]] | None = Field(
        default=None, max_length=200, description="Slot indexes of the event's grid; null or absent = all day"
    )
    languages: Annotated[list[LanguageCode] | None, AfterValidator(_dedupe)] = Field(
        default=None, min_length=1, max_length=20, description="ISO 639-1; absent = the organisation's languages"
    )
    note: Note | None = None
    # SMEs
    max_meetings: Int32 | None = Field(default=None, ge=1, description="SMEs: at most this many meetings")
    wanted_needs: Annotated[list[UUID] | None, AfterValidator(_no_repeats)] = Field(
        default=None, max_length=50, description="SMEs: buyers' needs to discuss, most wanted first"
    )
    support_requested: bool | None = Field(
        default=None, description="SMEs: the firm would like the individual support after the day (default false)"
    )
    support_note: Note | None = Field(default=None, description="SMEs: what the firm would like help with")
    # Buyers
    tables: Int32 | None = Field(default=None, ge=1, description="Buyers: tables the buyer staffs")
    representatives: list[Representative] | None = Field(
        default=None, max_length=20, description="Buyers: the people at the tables (personal data)"
    )
    brought_needs: list[UUID] | None = Field(default=None, max_length=100, description="Buyers: own needs to present")
    wanted_smes: list[UUID] | None = Field(
        default=None, max_length=100, description="Buyers: SME organisations they would like to meet, best first"
    )

    def kind_errors(self, kind: str) -> list[FieldError]:
        """Fields that the organisation's kind does not have."""
        foreign = BUYER_ONLY if kind == "sme" else SME_ONLY
        other = "buyers" if kind == "sme" else "SMEs"
        return [
            FieldError(pointer=f"/{name}", code="not_for_kind", detail=f"Only {other} have this field.")
            for name in foreign
            if name in self.model_fields_set and getattr(self, name) is not None
        ]


class RegistrationCreate(RegistrationFields):
    """A sign-up. SMEs and buyers sign up their own organisation; organisers any."""

    organisation_id: UUID | None = Field(default=None, description="Absent: the caller's own organisation")


class RegistrationUpdate(RegistrationFields):
    """A partial change (PATCH): present keys replace their field; interest lists are replaced whole."""


class CancelRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = ""


class Registration(BaseModel):
    """A stored registration (representatives are shown only to the organisation, organisers and the matcher)."""

    id: UUID
    event_id: UUID
    organisation_id: UUID
    organisation_name: str
    kind: Kind
    status: Literal["active", "cancelled"]
    available_slots: list[int] | None
    languages: list[str]
    note: str
    max_meetings: int | None
    wanted_needs: list[UUID] = Field(description="Ranked, most wanted first")
    support_requested: bool = Field(description="SMEs: asked for the individual support after the day")
    support_note: str = Field(description="SMEs: what the firm would like help with")
    tables: int | None
    representatives: list[Representative]
    brought_needs: list[UUID]
    wanted_smes: list[UUID]
    cancelled_at: datetime | None
    cancel_reason: str
    cancelled_after_publication: bool
    version: int
    created_at: datetime
    updated_at: datetime


class BroughtNeed(BaseModel):
    id: UUID
    title: str


class AttendingBuyer(BaseModel):
    """A buyer that will be there: who, and which needs it brings (no people)."""

    organisation_id: UUID
    name: str
    brought_needs: list[BroughtNeed]


class RegistrationListing(BaseModel):
    """Organisers and the matcher: every registration (paged). SMEs and buyers: their own, plus the buyers attending."""

    items: list[Registration]
    next_cursor: str | None = None
    attending_buyers: list[AttendingBuyer] | None = Field(
        default=None, description="For SMEs and buyers only: buyers with an active registration"
    )


class RegistrationListQuery(PageQuery):
    kind: Kind | None = None
    status: Literal["active", "cancelled"] | None = None
