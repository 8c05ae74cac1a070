"""The statistics documents across events (issue 14): what the partners report to their funders.

This module is the contract between the query (:mod:`.query`), the exports (CSV, spreadsheet, the yearly
PDF) and the web's statistics page: every figure is defined once here, in its field's description, and
every consumer reads it from these models. A figure counts what happened at **published** events (their
published version) that pass the filters.

Filters narrow what is counted, and each says what it narrows:

- ``year``: events whose date falls in that calendar year;
- ``municipality``: firms (SMEs) whose home municipality is that code, and their meetings;
- ``buyer``: meetings with that buyer, and the firms that had one;
- ``cpv_division``: meetings whose driving need's main CPV code is in that division (two digits), and the
  firms that had one.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from ..feedback.model import Rating

SCHEMA_VERSION = 1


class _Document(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# The filters besides the year, once for the documents and the yearly report's query (.report_routes).
MunicipalityFilter = Annotated[str | None, Field(pattern=r"^[0-9]{4}$", description="Firms' home municipality")]
BuyerFilter = Annotated[UUID | None, Field(description="Meetings with this buyer organisation")]
CpvDivisionFilter = Annotated[str | None, Field(pattern=r"^[0-9]{2}$", description="Driving need's CPV division")]


class StatisticsFilters(_Document):
    """The filters a report was made with (None: not filtered)."""

    year: int | None = Field(default=None, ge=2000, le=2100, description="Calendar year of the event date")
    municipality: MunicipalityFilter = None
    buyer: BuyerFilter = None
    cpv_division: CpvDivisionFilter = None


class Figures(_Document):
    """The figures for one set of events (all of them, one year, or one event)."""

    events: int = Field(ge=0, description="Published events counted")
    firms_reached: int = Field(ge=0, description="Distinct firms (SMEs) with at least one published meeting")
    first_time_firms: int = Field(
        ge=0, description="Of firms_reached, those for whom this was their first published event with a meeting"
    )
    buyers: int = Field(ge=0, description="Distinct buyers with at least one published meeting")
    meetings_planned: int = Field(ge=0, description="Meetings in the published versions")
    meetings_held: int = Field(ge=0, description="Planned meetings not marked no-show or cancelled on the day")
    no_shows: int = Field(ge=0, description="Planned meetings marked no-show (either side absent) on the day")
    no_show_rate: float | None = Field(
        ge=0, le=1, description="no_shows / meetings_planned of events whose day has passed (None: none has)"
    )
    feedback_asked: int = Field(ge=0, description="Participants asked for feedback after the day")
    feedback_answered: int = Field(ge=0, description="Of those, participants who answered")
    feedback_response_rate: float | None = Field(ge=0, le=1, description="answered / asked (None: nobody asked)")
    ratings: dict[Rating, int] = Field(description="Meeting answers per rating (both sides counted)")
    needs_discussed: int = Field(ge=0, description="Distinct needs that drove a meeting held")
    tenders_followed: int = Field(
        ge=0, description="Of needs_discussed, those whose tender was advertised after the event"
    )
    tenders_with_met_bidders: int = Field(
        ge=0, description="Of tenders_followed, those a firm that met the buyer about the need says it bid for"
    )
    awards_to_met_firms: int = Field(
        ge=0, description="Awards (need, firm) naming a firm that met the buyer about that need before the award"
    )
    awarded_value_sek: int = Field(ge=0, description="Sum of the values of awards_to_met_firms (SEK, where known)")
    support_requests: int = Field(ge=0, description="Requests for individual support")
    support_hours: float = Field(ge=0, description="Hours of individual support recorded")
    firms_helped: int = Field(ge=0, description="Distinct firms with support hours recorded")


class EventFigures(_Document):
    event_id: UUID
    name: str
    date: dt.date
    figures: Figures


class YearFigures(_Document):
    year: int
    figures: Figures


class Choice(_Document):
    """One value a filter can take, with what people see."""

    value: str
    label: str


class FilterChoices(_Document):
    """What the filters can be set to (the values present in the counted data)."""

    years: list[int]
    municipalities: list[Choice]
    buyers: list[Choice]
    cpv_divisions: list[Choice]


class StatisticsReport(_Document):
    """``GET /statistics``: the totals, per year (for the charts) and per event, under the filters."""

    schema_version: int = SCHEMA_VERSION
    generated_at: dt.datetime
    filters: StatisticsFilters
    totals: Figures
    per_year: list[YearFigures] = Field(description="Oldest year first")
    per_event: list[EventFigures] = Field(description="Oldest event first")
    choices: FilterChoices
