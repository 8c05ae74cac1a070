"""Where the day stands on the board, and what the board shows: per table the meeting on now and the next.

Pure functions of the published version's grid and the time (from the application's clock): no I/O.
A point in the day is :class:`Moment`: how many slots have started, and whether the last of them is
still running. Every screen shows the same for the same version and moment, which is what makes the
rendered board cacheable.
"""

from __future__ import annotations

import bisect
import datetime as dt
from typing import Literal, NamedTuple
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ..agendas.model import EventGrid, GridSlot

Phase = Literal["before", "during", "after"]
REFRESH_SECONDS = 15

WORDS: dict[str, dict[str, str]] = {
    "sv": {
        "title": "Möten just nu",
        "table": "Bord",
        "now": "Nu",
        "next": "Nästa",
        "free": "Inget möte",
        "none_left": "Inga fler möten",
        "before": "Dagens första möten",
        "during": "",
        "after": "Tack för i dag!",
        "break": "Paus",
        "gone_title": "Länken till skärmen gäller inte längre",
        "gone_text": "Arrangören har återkallat den här skärmens länk. Be om en ny länk.",
        "unknown_title": "Länken finns inte",
        "unknown_text": "Kontrollera adressen eller be arrangören om en ny länk till skärmen.",
        "not_published_text": "Schemat är inte publicerat än. Skärmen visar mötena när det är publicerat.",
        "updated": "Uppdateras av sig själv",
    },
    "en": {
        "title": "Meetings now",
        "table": "Table",
        "now": "Now",
        "next": "Next",
        "free": "No meeting",
        "none_left": "No more meetings",
        "before": "The day's first meetings",
        "during": "",
        "after": "Thank you for today!",
        "break": "Break",
        "gone_title": "This screen's link is no longer valid",
        "gone_text": "The organiser has revoked this screen's link. Ask for a new one.",
        "unknown_title": "The link does not exist",
        "unknown_text": "Check the address or ask the organiser for a new link to the screen.",
        "not_published_text": "The schedule is not published yet. The screen shows the meetings once it is.",
        "updated": "Updates by itself",
    },
}


class Moment(NamedTuple):
    """A point in the day: ``started`` slots have begun; ``running``: the last of them has not ended."""

    started: int
    running: bool


def moment_of(slots: list[GridSlot], now: dt.datetime) -> Moment:
    """Where ``now`` falls among the slots (by start, in order).

    Examples
    --------
    >>> from datetime import UTC, datetime, timedelta
    >>> nine = datetime(2027, 3, 4, 8, 0, tzinfo=UTC)
    >>> slots = [GridSlot(index=i, start=nine + timedelta(minutes=30 * i),
    ...                   end=nine + timedelta(minutes=30 * i + 20), local_time="") for i in range(3)]
    >>> [tuple(moment_of(slots, nine + timedelta(minutes=m))) for m in (-60, 0, 10, 25, 70, 85)]
    [(0, False), (1, True), (1, True), (1, False), (3, True), (3, False)]
    """
    started = bisect.bisect_right([slot.start for slot in slots], now)
    return Moment(started, started > 0 and now < slots[started - 1].end)


def phase_of(slots: list[GridSlot], moment: Moment) -> Phase:
    """before the first slot starts, after the last has ended (or with no slots), else during."""
    if not slots or (moment.started == len(slots) and not moment.running):
        return "after"
    return "before" if moment.started == 0 else "during"


class BoardMeeting(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: AwareDatetime = Field(description="Start (UTC)")
    local_time: str = Field(description="Local wall-clock span, e.g. '09:00–09:20'")
    sme_name: str = Field(description="The firm at the table")


class BoardTable(BaseModel):
    model_config = ConfigDict(frozen=True)

    table: int = Field(ge=1, description="Table number in the room")
    buyer_name: str = Field(description="The buyer at the table")
    now: BoardMeeting | None = Field(description="The meeting on now (null: none at this table now)")
    next: BoardMeeting | None = Field(description="The table's next meeting after now (null: none left)")


class BoardDocument(BaseModel):
    """What the venue's screen shows (names only: no contact people)."""

    model_config = ConfigDict(frozen=True)

    event_id: UUID = Field(description="Event id")
    event_name: str = Field(description="Event name")
    event_date: dt.date = Field(description="The day of the event (local)")
    venue: str = Field(description="Where the event is held ('' when not known)")
    time_zone: str = Field(description="IANA time zone of the local times")
    version: int = Field(ge=1, description="The published schedule version shown")
    phase: Phase = Field(description="before the first meeting, during the day, after the last meeting")
    message: str = Field(description="What the screen says above the tables (e.g. 'Tack för i dag!')")
    now_time: str | None = Field(description="The span of the round on now, e.g. '09:00–09:20' (null: none)")
    refresh_seconds: int = Field(description="How often the screen asks again")
    labels: dict[str, str] = Field(description="The screen's words in its language")
    tables: list[BoardTable] = Field(description="Every table by number (empty after the day)")


def board_document(grid: EventGrid, moment: Moment, lang: str, tables: tuple[int, int] | None = None) -> BoardDocument:
    """The board at ``moment`` of the day, from the published version's grid.

    ``tables``: only the tables numbered from the first to the second (a big hall splits its tables over
    several screens); None: every table.

    Examples
    --------
    >>> from services.matcher.agendas.build import build_agendas
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> sme, buyer = snapshot.smes[0].organisation.id, snapshot.buyers[0].organisation.id
    >>> grid = build_agendas(snapshot, [(sme, buyer, 1, 0, {})], version=1, published_at=snapshot.generated_at,
    ...                      include_contacts=True).grid
    >>> before = board_document(grid, Moment(0, False), "sv")
    >>> before.message, before.tables[0].now, before.tables[0].next.sme_name, before.tables[0].next.local_time
    ('Dagens första möten', None, 'Städbolaget i Falun AB', '09:25–09:45')
    >>> during = board_document(grid, Moment(2, True), "en")
    >>> during.now_time, during.tables[0].now.sme_name, during.tables[0].next
    ('09:25–09:45', 'Städbolaget i Falun AB', None)
    >>> [t.table for t in board_document(grid, Moment(0, False), "sv", tables=(1, 1)).tables]
    [1]
    >>> board_document(grid, Moment(0, False), "sv", tables=(2, 3)).tables
    []
    >>> after = board_document(grid, Moment(len(grid.slots), False), "sv")
    >>> after.message, after.tables
    ('Tack för i dag!', [])
    """
    w = WORDS[lang]
    phase = phase_of(grid.slots, moment)
    current = moment.started - 1 if moment.running else None
    shown = []
    low, high = tables if tables is not None else (1, len(grid.tables))
    if phase != "after":
        for column, table in enumerate(grid.tables):
            if not low <= table.table <= high:
                continue

            def meeting(row: int, column: int = column) -> BoardMeeting | None:
                cell, slot = grid.cells[row][column], grid.slots[row]
                return (
                    None
                    if cell is None
                    else BoardMeeting(start=slot.start, local_time=slot.local_time, sme_name=cell.sme_name)
                )

            upcoming = (meeting(row) for row in range(moment.started, len(grid.slots)))
            shown.append(
                BoardTable(
                    table=table.table,
                    buyer_name=table.buyer_name,
                    now=meeting(current) if current is not None else None,
                    next=next((found for found in upcoming if found is not None), None),
                )
            )
    return BoardDocument(
        event_id=grid.event_id,
        event_name=grid.event_name,
        event_date=grid.event_date,
        venue=grid.venue,
        time_zone=grid.time_zone,
        version=grid.version,
        phase=phase,
        message=w[phase] if phase != "during" or current is not None else w["break"],
        now_time=grid.slots[current].local_time if current is not None else None,
        refresh_seconds=REFRESH_SECONDS,
        labels={key: w[key] for key in ("title", "table", "now", "next", "free", "none_left", "updated")},
        tables=shown,
    )
