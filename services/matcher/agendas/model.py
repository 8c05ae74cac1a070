"""The published schedule as people read it: one agenda per SME, one sheet per buyer table, the organiser's grid.

These are the JSON shapes the matcher serves (and the input of the .ics, HTML and PDF renderers). Every
document carries the event's name, date, venue and time zone, the schedule ``version`` it shows and when
that version was ``published_at``, so a printed page says which version it is. Times are stored in UTC
(``start``/``end``) with the local wall-clock span next to them (``local_time``, e.g. "09:00–09:20" in
Europe/Stockholm) because that is what people read on the day. Table numbers are 1-based: "bord 1" is
the first table in the room.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class _Document(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AgendaContact(_Document):
    """A person to contact about the meeting (personal data: shown once the schedule is published)."""

    name: str = Field(description="Full name")
    title: str = Field(description="Role or job title")
    email: str = Field(description="E-mail address")
    phone: str | None = Field(description="Phone number in E.164 form")


class AgendaNeed(_Document):
    """An upcoming procurement to discuss at the meeting."""

    id: UUID = Field(description="Need id")
    title: str = Field(description="Title, as the buyer wrote it")
    cpv_code: str = Field(description="Main CPV code (8 digits)")
    cpv_label_sv: str = Field(description="The CPV code's Swedish label")
    cpv_label_en: str = Field(description="The CPV code's English label")


class AgendaMeeting(_Document):
    """One meeting as one side sees it: when, where, with whom, about what, and why."""

    slot: int = Field(description="Slot index in the event's grid")
    start: AwareDatetime = Field(description="Start (UTC)")
    end: AwareDatetime = Field(description="End (UTC)")
    local_time: str = Field(description="Local wall-clock span in the event's time zone, e.g. '09:00–09:20'")
    table: int = Field(ge=1, description="Table number in the room (1-based)")
    sme_id: UUID = Field(description="The SME organisation")
    buyer_id: UUID = Field(description="The buyer organisation")
    counterpart_id: UUID = Field(description="The organisation met (the buyer on an SME's agenda, and vice versa)")
    counterpart_name: str = Field(description="Its name")
    counterpart_kind: Literal["sme", "buyer"] = Field(description="sme or buyer")
    needs: list[AgendaNeed] = Field(description="Needs to discuss: the one that drove the match first")
    why_sv: str = Field(description="Why the two meet, in Swedish")
    why_en: str = Field(description="Why the two meet, in English")
    contacts: list[AgendaContact] | None = Field(
        description="The counterpart's contact people; null when contacts are not shown (before publication)"
    )

    @property
    def pair(self) -> tuple[UUID, UUID]:
        """``(sme_id, buyer_id)``: what identifies the meeting across schedule versions."""
        return self.sme_id, self.buyer_id


class AgendaHeader(_Document):
    """What every agenda document says about the event and the schedule version."""

    event_id: UUID = Field(description="Event id")
    event_name: str = Field(description="Event name")
    event_date: dt.date = Field(description="The day of the event (local)")
    venue: str = Field(description="Where the event is held ('' when not known)")
    time_zone: str = Field(description="IANA time zone the local times are in")
    version: int = Field(ge=1, description="Schedule version number")
    published_at: AwareDatetime = Field(description="When this version was published (UTC)")


class SmeAgenda(AgendaHeader):
    """An SME's day: its meetings in time order."""

    kind: Literal["sme"] = "sme"
    sme_id: UUID = Field(description="The SME organisation")
    sme_name: str = Field(description="Its name")
    meetings: list[AgendaMeeting] = Field(description="Meetings by start time")

    @property
    def owner_name(self) -> str:
        """Whose agenda this is (for titles)."""
        return self.sme_name


class Representative(_Document):
    """The person at a buyer's table, as the buyer registered."""

    name: str = Field(description="Full name")
    title: str = Field(default="", description="Role or job title")


class TableAgenda(AgendaHeader):
    """One buyer table's sheet (for the buyer and the venue): the SMEs that come, in time order."""

    kind: Literal["table"] = "table"
    buyer_id: UUID = Field(description="The buyer organisation")
    buyer_name: str = Field(description="Its name")
    table: int = Field(ge=1, description="Table number in the room (1-based)")
    buyer_table: int = Field(ge=1, description="Which of the buyer's own tables this is (1-based)")
    representative: Representative | None = Field(description="Who sits at the table, when the buyer named someone")
    meetings: list[AgendaMeeting] = Field(description="Meetings by start time")

    @property
    def owner_name(self) -> str:
        """Whose agenda this is (for titles)."""
        return self.buyer_name


class GridSlot(_Document):
    """A row of the grid: one meeting round."""

    index: int = Field(description="Slot index")
    start: AwareDatetime = Field(description="Start (UTC)")
    end: AwareDatetime = Field(description="End (UTC)")
    local_time: str = Field(description="Local wall-clock span")


class GridTable(_Document):
    """A column of the grid: one table in the room and the buyer who staffs it."""

    table: int = Field(ge=1, description="Table number in the room (1-based)")
    buyer_id: UUID = Field(description="The buyer organisation")
    buyer_name: str = Field(description="Its name")


class GridCell(_Document):
    """A meeting in the grid."""

    sme_id: UUID = Field(description="The SME organisation")
    sme_name: str = Field(description="Its name")
    buyer_id: UUID = Field(description="The buyer organisation")


class EventGrid(AgendaHeader):
    """The organiser's overview: slots × tables, each cell a meeting or empty."""

    kind: Literal["grid"] = "grid"
    slots: list[GridSlot] = Field(description="Rows, by slot index")
    tables: list[GridTable] = Field(description="Columns, by table number")
    cells: list[list[GridCell | None]] = Field(description="cells[row][column]: the meeting there, or null")


class Agendas(_Document):
    """Everything one published schedule version gives people to read."""

    smes: list[SmeAgenda] = Field(description="One agenda per registered SME (empty ones included), by SME id")
    tables: list[TableAgenda] = Field(description="One sheet per buyer table, by table number")
    grid: EventGrid = Field(description="The organiser's grid")

    def sme(self, sme_id: UUID) -> SmeAgenda:
        """The agenda of one SME (KeyError if it is not registered)."""
        for agenda in self.smes:
            if agenda.sme_id == sme_id:
                return agenda
        raise KeyError(sme_id)

    def buyer_tables(self, buyer_id: UUID) -> list[TableAgenda]:
        """A buyer's table sheets (empty if it is not registered)."""
        return [sheet for sheet in self.tables if sheet.buyer_id == buyer_id]
