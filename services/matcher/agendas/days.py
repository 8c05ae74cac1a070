"""One participant's day in a version, and what changed in it since a version it saw before.

A participant is an SME or a buyer (all its tables, or one of them for a per-table link); its day is an
SME's agenda or a buyer's table sheets, taken from a version's :class:`~.model.Agendas`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ..sql import agendas as sql
from .build import removed_meetings
from .model import AgendaMeeting, Agendas, SmeAgenda, TableAgenda
from .versions import Source

Kind = Literal["sme", "buyer"]


@dataclass(frozen=True)
class Participant:
    """Whose agenda: an SME, or a buyer (all its tables, or one of them for a per-table link)."""

    organisation_id: UUID
    kind: Kind
    table_index: int | None = None  # the buyer's own table, 0-based; None: all of them


def participant_kind(agendas: Agendas, organisation_id: UUID) -> Kind | None:
    """Whether the organisation takes part in this version as an SME or a buyer (None: not at all)."""
    if any(agenda.sme_id == organisation_id for agenda in agendas.smes):
        return "sme"
    if any(sheet.buyer_id == organisation_id for sheet in agendas.tables):
        return "buyer"
    return None


Day = SmeAgenda | TableAgenda | Sequence[TableAgenda]


def day_of(agendas: Agendas, participant: Participant) -> SmeAgenda | list[TableAgenda] | None:
    """The participant's agenda in this version: an SME's agenda or a buyer's table sheets (None: not in it)."""
    if participant.kind == "sme":
        try:
            return agendas.sme(participant.organisation_id)
        except KeyError:
            return None
    sheets = agendas.buyer_tables(participant.organisation_id)
    if participant.table_index is not None:
        sheets = [sheet for sheet in sheets if sheet.buyer_table == participant.table_index + 1]
    return sheets or None


class _Meetings(NamedTuple):
    """A day of one or more sheets, shaped like an agenda for :func:`.build.removed_meetings`."""

    meetings: list[AgendaMeeting]


def day_meetings(day: Day | None) -> list[AgendaMeeting]:
    """All meetings of a day (over all of a buyer's tables), by start time."""
    if day is None:
        return []
    if isinstance(day, SmeAgenda | TableAgenda):
        return list(day.meetings)
    return sorted((m for sheet in day for m in sheet.meetings), key=lambda m: (m.start, m.table))


class MovedMeeting(AgendaMeeting):
    """A meeting that still takes place but at another time or table: where it is now, and where it was."""

    previous_start: AwareDatetime = Field(description="The earlier start (UTC)")
    previous_end: AwareDatetime = Field(description="The earlier end (UTC)")
    previous_local_time: str = Field(description="The earlier local wall-clock span")
    previous_table: int = Field(ge=1, description="The earlier table number")


class AgendaChanges(BaseModel):
    """What changed in a participant's agenda since a version it saw before."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    since_version: int = Field(ge=1, description="The version compared with (the one last opened, or ?since)")
    added: list[AgendaMeeting] = Field(description="Meetings that are new, by start time")
    moved: list[MovedMeeting] = Field(description="Meetings at another time or table, by their new start time")
    removed: list[AgendaMeeting] = Field(description="Meetings that no longer take place (as they were)")


def changes_between(previous: Day | None, current: Day | None, *, since_version: int) -> AgendaChanges:
    """Added, moved and removed meetings of one participant between two versions, pair by pair.

    A pair (SME, buyer) in both versions at another slot or table is moved (it keeps its calendar entry);
    only in the earlier one, removed (the rule of :func:`.build.removed_meetings`); only in the later, added.
    A buyer's day spans all its tables, so a meeting moved from one of its tables to another is moved.

    Examples
    --------
    >>> from services.matcher.agendas.build import build_agendas
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> a, b = snapshot.smes[0].organisation.id, snapshot.smes[1].organisation.id
    >>> buyer = snapshot.buyers[0].organisation.id
    >>> def version(n, meetings):
    ...     return build_agendas(snapshot, [(s, buyer, slot, 0, {}) for s, slot in meetings], version=n,
    ...                          published_at=snapshot.generated_at, include_contacts=False).buyer_tables(buyer)
    >>> diff = changes_between(version(1, [(a, 0), (b, 1)]), version(2, [(a, 2)]), since_version=1)
    >>> [(m.counterpart_name, m.previous_local_time, m.local_time) for m in diff.moved]
    [('Städbolaget i Falun AB', '09:00–09:20', '09:50–10:10')]
    >>> [m.counterpart_name for m in diff.removed], diff.added
    (['Mora Bygg AB'], [])
    """
    before, after = day_meetings(previous), day_meetings(current)
    earlier = {meeting.pair: meeting for meeting in before}
    moved = []
    for meeting in after:
        old = earlier.get(meeting.pair)
        if old is not None and (old.slot, old.table) != (meeting.slot, meeting.table):
            moved.append(
                MovedMeeting(
                    **dict(meeting),
                    previous_start=old.start,
                    previous_end=old.end,
                    previous_local_time=old.local_time,
                    previous_table=old.table,
                )
            )
    return AgendaChanges(
        since_version=since_version,
        added=[meeting for meeting in after if meeting.pair not in earlier],
        moved=moved,
        removed=removed_meetings(_Meetings(before), _Meetings(after)),  # type: ignore[arg-type]
    )


async def last_seen_version(source: Source, event_id: UUID, organisation_id: UUID) -> int | None:
    """The version the participant last opened, or None on its first look."""
    return await source.fetchval(sql.SELECT_AGENDA_VIEW, event_id, organisation_id)
