"""Events (Affärsträffar): what clients send and get back, and the rules a whole event must obey.

Field-level rules (types, ranges, a real IANA zone, a Swedish kommunkod) are pydantic's. Rules that
tie fields together (breaks inside the day and apart, a deadline before the first meeting, a grid
with at least one slot) live in :func:`event_rule_errors`, which runs on the *merged* event, so a
create and a partial update are checked the same way and the errors point at the offending fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from itertools import pairwise
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from shared.errors import FieldError
from shared.event_states import EventStatus
from shared.reference.municipalities import DALARNA_COUNTY_CODE, CountyCode, MunicipalityCode
from shared.reference.phone import ContactPerson
from shared.snapshot import DEFAULT_MIN_RELEVANCE_PERCENT
from shared.text import Name, Reason, multi_line, single_line
from shared.wall_clock import WallClock, WallClockOut

from .pagination import PageQuery
from .slots import DEFAULT_TIME_ZONE, event_slot_grid

# Fields that define the slot grid: changing them moves or removes slots, so only before scheduling.
GRID_FIELDS = frozenset(
    {"event_date", "time_zone", "day_start", "day_end", "meeting_minutes", "changeover_minutes", "breaks", "tables"}
)
GRID_EDITABLE_STATUSES = frozenset({EventStatus.DRAFT, EventStatus.OPEN, EventStatus.CLOSED})
# Fields a PATCH may clear with null (every other field keeps a value).
NULLABLE_FIELDS = frozenset({"contact"})


def _check_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("not an IANA time zone, e.g. Europe/Stockholm") from None
    return name


TimeZoneName = Annotated[str, AfterValidator(_check_zone)]
EventName = Name
EventDescription = Annotated[str, *multi_line(5000)]
Venue = Annotated[str, *single_line(300)]
BreakLabel = Annotated[str, *single_line(100)]


class BreakIn(BaseModel):
    """A pause (lunch, coffee) in local time; no meeting overlaps it."""

    model_config = ConfigDict(extra="forbid")

    start: WallClock
    end: WallClock
    label: BreakLabel = Field(default="", description="E.g. Lunch, Fika")


class EventContact(ContactPerson):
    """Whom firms ask about the event: the organisers' choice (often a shared mailbox), shown on its public page."""


class EventCreate(BaseModel):
    """A new event (it starts as a draft, visible only to organisers and the matcher)."""

    model_config = ConfigDict(extra="forbid")

    name: EventName
    description: EventDescription = ""
    event_date: date
    venue: Venue = ""
    municipality_code: MunicipalityCode = Field(description="Kommunkod of the venue, e.g. 2080 (Falun)")
    time_zone: TimeZoneName = Field(default=DEFAULT_TIME_ZONE, description="IANA zone of the times of the day")
    day_start: WallClock = Field(description="First meeting starts, local time")
    day_end: WallClock = Field(description="No meeting ends later, local time")
    meeting_minutes: int = Field(ge=5, le=120)
    changeover_minutes: int = Field(default=5, ge=0, le=60, description="Gap after each meeting")
    breaks: list[BreakIn] = Field(default_factory=list, max_length=20)
    tables: int = Field(ge=1, le=1000, description="Tables in the room: meetings per slot at most")
    signup_deadline: AwareDatetime = Field(description="Sign-up closes; before the first meeting")
    default_meetings_per_sme: int = Field(default=4, ge=1, le=100)
    max_meetings_per_sme: int = Field(default=8, ge=1, le=100)
    min_relevance_percent: int = Field(
        default=DEFAULT_MIN_RELEVANCE_PERCENT,
        ge=0,
        le=100,
        description="Minimum relevance (0–100 %) of a pair for a meeting: the matcher makes no meeting under it, "
        "not even to give a firm its only one (organiser locks and 'must meet' pairs excepted). The default, 20, "
        "keeps every pair with a real CPV or text fit and drops those with none.",
    )
    contact: EventContact | None = Field(
        default=None,
        description="Whom firms ask about the event, shown on its public page and when sign-up has closed "
        "(personal data: give a shared mailbox where you can)",
    )
    region: CountyCode = Field(
        default=DALARNA_COUNTY_CODE,
        description="The county (län) the event serves, by SCB's two-digit code, e.g. 20 (Dalarna, the default) or "
        "12 (Skåne): sign-up forms list its municipalities first",
    )


class EventUpdate(BaseModel):
    """A partial change (PATCH): a present key sets its field; grid fields only before scheduling."""

    model_config = ConfigDict(extra="forbid")

    name: EventName | None = None
    description: EventDescription | None = None
    event_date: date | None = None
    venue: Venue | None = None
    municipality_code: MunicipalityCode | None = None
    time_zone: TimeZoneName | None = None
    day_start: WallClock | None = None
    day_end: WallClock | None = None
    meeting_minutes: int | None = Field(default=None, ge=5, le=120)
    changeover_minutes: int | None = Field(default=None, ge=0, le=60)
    breaks: list[BreakIn] | None = Field(default=None, max_length=20)
    tables: int | None = Field(default=None, ge=1, le=1000)
    signup_deadline: AwareDatetime | None = None
    default_meetings_per_sme: int | None = Field(default=None, ge=1, le=100)
    max_meetings_per_sme: int | None = Field(default=None, ge=1, le=100)
    min_relevance_percent: int | None = Field(default=None, ge=0, le=100)
    contact: EventContact | None = Field(default=None, description="null clears it")
    region: CountyCode | None = None

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, as column values (breaks as JSON-ready dicts)."""
        return {name: stored_value(name, getattr(self, name)) for name in self.model_fields_set}

    def null_errors(self) -> list[FieldError]:
        """Every field of an event keeps a value: an explicit null is an error, not a clear."""
        return [
            FieldError(pointer=f"/{name}", code="null_not_allowed", detail="This field cannot be cleared.")
            for name in sorted(self.model_fields_set - NULLABLE_FIELDS)
            if getattr(self, name) is None
        ]


def stored_value(name: str, value: Any) -> Any:
    """A validated field as the events table stores it (breaks become jsonb with "HH:MM" times)."""
    if name == "contact" and isinstance(value, BaseModel):
        return value.model_dump()
    if name == "breaks" and value is not None:
        return [
            {"start": f"{b.start:%H:%M}", "end": f"{b.end:%H:%M}", "label": b.label}
            for b in (item if isinstance(item, BreakIn) else BreakIn.model_validate(item) for item in value)
        ]
    return value


def event_rule_errors(event: Mapping[str, Any]) -> list[FieldError]:
    """What breaks the rules tying an event's fields together (empty when none).

    ``event`` holds column values (breaks as stored). Checks: the day ends after it starts; every
    break lies within the day, ends after it starts and overlaps no other; the grid has a slot; the
    sign-up deadline is before the first meeting; the default meeting count is within the maximum.

    Examples
    --------
    >>> from datetime import UTC
    >>> event = {"event_date": date(2025, 10, 7), "time_zone": "Europe/Stockholm", "day_start": time(9),
    ...          "day_end": time(12), "meeting_minutes": 20, "changeover_minutes": 5,
    ...          "breaks": [{"start": "08:00", "end": "08:30", "label": ""}],
    ...          "signup_deadline": datetime(2025, 10, 1, tzinfo=UTC),
    ...          "default_meetings_per_sme": 4, "max_meetings_per_sme": 8}
    >>> [(e.pointer, e.code) for e in event_rule_errors(event)]
    [('/breaks/0/start', 'break_outside_day')]
    """
    errors: list[FieldError] = []
    day_start, day_end = event["day_start"], event["day_end"]
    if day_end <= day_start:
        errors.append(FieldError(pointer="/day_end", code="day_end_not_after_start", detail="Must be after day_start."))

    pauses = sorted(
        (
            (time.fromisoformat(b["start"]), time.fromisoformat(b["end"]), index)
            for index, b in enumerate(event["breaks"])
        ),
    )
    for start, end, index in pauses:
        if end <= start:
            errors.append(
                FieldError(
                    pointer=f"/breaks/{index}/end", code="break_end_not_after_start", detail="Must be after start."
                )
            )
        if start < day_start or end > day_end:
            which = "start" if start < day_start or start >= day_end else "end"
            errors.append(
                FieldError(
                    pointer=f"/breaks/{index}/{which}",
                    code="break_outside_day",
                    detail=f"Breaks must lie within the day ({day_start:%H:%M}–{day_end:%H:%M}).",
                )
            )
    for (_, earlier_end, earlier), (later_start, _, later) in pairwise(pauses):
        if later_start < earlier_end:
            errors.append(
                FieldError(
                    pointer=f"/breaks/{later}",
                    code="breaks_overlap",
                    detail=f"Overlaps break {earlier}; breaks may touch but not overlap.",
                )
            )
    if event["default_meetings_per_sme"] > event["max_meetings_per_sme"]:
        errors.append(
            FieldError(
                pointer="/default_meetings_per_sme",
                code="default_above_max",
                detail="Must not exceed max_meetings_per_sme.",
            )
        )
    if errors:
        return errors  # the grid of a malformed day means nothing

    grid = event_slot_grid(event)
    if not grid:
        errors.append(
            FieldError(
                pointer="/meeting_minutes",
                code="no_slots",
                detail="No meeting fits in the day with these times, breaks and change-overs.",
            )
        )
    elif event["signup_deadline"] >= grid[0].start:
        errors.append(
            FieldError(
                pointer="/signup_deadline",
                code="deadline_not_before_start",
                detail=f"Sign-up must close before the first meeting ({grid[0].start.isoformat()}).",
            )
        )
    return errors


class SlotOut(BaseModel):
    """One meeting round of the grid."""

    index: int
    start: datetime = Field(description="UTC")
    end: datetime = Field(description="UTC")
    label: str = Field(description="Local time, e.g. 09:00–09:20")


class BreakOut(BaseModel):
    start: str = Field(description="Local time HH:MM")
    end: str = Field(description="Local time HH:MM")
    label: str


class EventWarning(BaseModel):
    """Something an update did besides what was asked (e.g. trimmed availabilities)."""

    code: str
    detail: str
    registrations: list[UUID] = Field(default_factory=list)


class Event(BaseModel):
    """An event with its computed slot grid and how many have signed up."""

    id: UUID
    name: str
    description: str
    event_date: date
    venue: str
    municipality_code: str
    time_zone: str
    day_start: WallClockOut
    day_end: WallClockOut
    meeting_minutes: int
    changeover_minutes: int
    breaks: list[BreakOut]
    tables: int
    signup_deadline: datetime
    default_meetings_per_sme: int
    max_meetings_per_sme: int
    min_relevance_percent: int = Field(description="Minimum relevance (0–100 %) of a pair for a meeting")
    contact: EventContact | None = Field(default=None, description="Whom firms ask about the event (public)")
    region: str = Field(description="The county (län) the event serves, two digits, e.g. 20 (Dalarna)")
    status: EventStatus
    version: int
    owner_account_id: UUID | None = Field(
        default=None, description="The organiser account that created it; it alone grants supporters the event"
    )
    created_at: datetime
    updated_at: datetime
    slots: list[SlotOut]
    sme_registrations: int = Field(description="Active SME registrations")
    buyer_registrations: int = Field(description="Active buyer registrations")
    warnings: list[EventWarning] = Field(default_factory=list)

    @classmethod
    def from_row(cls, row: Mapping[str, Any], warnings: list[EventWarning] | None = None) -> Event:
        data = dict(row)
        data["slots"] = [SlotOut(index=s.index, start=s.start, end=s.end, label=s.label) for s in event_slot_grid(row)]
        return cls(**data, warnings=warnings or [])


class EventPage(BaseModel):
    items: list[Event]
    next_cursor: str | None = None


class EventListQuery(PageQuery):
    """Filters of the event list."""

    model_config = ConfigDict(populate_by_name=True)

    status: list[EventStatus] | None = Field(default=None, description="Repeat for several")
    from_date: date | None = Field(default=None, alias="from", description="Events on or after this date")
    to_date: date | None = Field(default=None, alias="to", description="Events on or before this date")


class TransitionRequest(BaseModel):
    """Move an event to another status."""

    model_config = ConfigDict(extra="forbid")

    to: EventStatus
    reason: Reason = Field(default="", description="Required when re-opening a scheduled or published event")


class Transition(BaseModel):
    """One status change in an event's history."""

    id: int
    from_status: EventStatus
    to_status: EventStatus
    reason: str
    actor_token_id: UUID | None
    at: datetime


class TransitionList(BaseModel):
    items: list[Transition]
