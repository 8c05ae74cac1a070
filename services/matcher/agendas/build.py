"""From a schedule (meetings by id) and the event snapshot to every agenda people read.

The snapshot gives names, needs, slot times and contacts; the meetings give who meets whom, when, at
which of the buyer's tables, and why (the engine's explanation). Room tables are numbered 1, 2, … in
the snapshot's buyer order (by organisation id), each buyer taking as many consecutive numbers as it
staffs tables, so the same snapshot always gives the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple, TypedDict
from uuid import UUID
from zoneinfo import ZoneInfo

from shared.reference.cpv import cpv_label
from shared.snapshot import EventSnapshot, SnapshotBuyer, SnapshotContact, SnapshotNeed, SnapshotSlot, SnapshotSme

from ..engine.encode import EncodedEvent
from ..engine.explain import Explanation, explain_pairs, explanation_dict
from ..engine.model import Schedule
from .model import (
    AgendaContact,
    AgendaHeader,
    AgendaMeeting,
    AgendaNeed,
    Agendas,
    EventGrid,
    GridCell,
    GridSlot,
    GridTable,
    Representative,
    SmeAgenda,
    TableAgenda,
)


class PlacedMeeting(NamedTuple):
    """One scheduled meeting by ids; plain 5-tuples in this order are accepted too.

    ``slot`` is the slot index in the event's grid and ``table`` the buyer's own table index (0-based, as
    in the engine's schedule); ``explanation`` holds at least ``sentence_sv``, ``sentence_en`` and
    ``need_id`` (see :func:`..engine.explain.explanation_dict`).
    """

    sme_id: UUID
    buyer_id: UUID
    slot: int
    table: int
    explanation: Mapping[str, Any]


class _BothSides(TypedDict):
    """What a meeting's two agenda entries (the SME's and the table's) have in common."""

    slot: int
    start: dt.datetime
    end: dt.datetime
    local_time: str
    table: int
    sme_id: UUID
    buyer_id: UUID
    needs: list[AgendaNeed]
    why_sv: str
    why_en: str


def local_span(start: dt.datetime, end: dt.datetime, zone: ZoneInfo) -> str:
    """ "HH:MM–HH:MM" in local time, the way the registry labels slots.

    Examples
    --------
    >>> utc = dt.UTC
    >>> local_span(dt.datetime(2025, 10, 7, 7, tzinfo=utc), dt.datetime(2025, 10, 7, 7, 20, tzinfo=utc),
    ...            ZoneInfo("Europe/Stockholm"))
    '09:00–09:20'
    """
    return f"{start.astimezone(zone):%H:%M}–{end.astimezone(zone):%H:%M}"


def meetings_from_engine(
    encoded: EncodedEvent, schedule: Schedule, explanations: Sequence[Explanation] | None = None
) -> list[PlacedMeeting]:
    """Map the engine's ``(sme, buyer, slot, table)`` index rows to ids, with each pair's explanation.

    Parameters
    ----------
    encoded : EncodedEvent
        The encoding the schedule was computed on (its index maps).
    schedule : Schedule
    explanations : sequence of Explanation, optional
        Any order; computed with ``explain_pairs(encoded, encoded.scores, …)`` when not given.

    Examples
    --------
    >>> from services.matcher.engine.encode import encode_snapshot
    >>> from services.matcher.engine.examples import example_snapshot
    >>> from services.matcher.engine.pipeline import plan_bipartite
    >>> encoded = encode_snapshot(example_snapshot())
    >>> placed = meetings_from_engine(encoded, plan_bipartite(encoded.instance).schedule)
    >>> [(m.sme_id.int, m.buyer_id.int, m.slot, m.table) for m in placed]
    [(10, 20, 1, 0), (11, 20, 0, 0)]
    """
    rows = schedule.meetings.tolist()
    if explanations is None:
        explanations = explain_pairs(encoded, encoded.scores, [row[:2] for row in rows])
    by_pair = {(e.sme, e.buyer): e for e in explanations}
    placed = []
    for sme, buyer, slot, table in rows:
        explanation = by_pair.get((sme, buyer))
        if explanation is None:
            raise ValueError(f"meeting (sme {sme}, buyer {buyer}) has no explanation")
        placed.append(
            PlacedMeeting(
                encoded.sme_ids[sme],
                encoded.buyer_ids[buyer],
                int(encoded.slot_indexes[slot]),
                int(table),
                explanation_dict(explanation),
            )
        )
    return placed


def _label(code: str, lang: str) -> str:
    try:
        return cpv_label(code, lang)  # type: ignore[arg-type]
    except (KeyError, ValueError):  # a code outside the CPV table still shows as its number
        return ""


def _agenda_need(need: SnapshotNeed) -> AgendaNeed:
    return AgendaNeed(
        id=need.id,
        title=need.title,
        cpv_code=need.cpv_main,
        cpv_label_sv=_label(need.cpv_main, "sv"),
        cpv_label_en=_label(need.cpv_main, "en"),
    )


def _contacts(contacts: list[SnapshotContact]) -> list[AgendaContact]:
    return [AgendaContact(name=c.name, title=c.title, email=c.email, phone=c.phone) for c in contacts]


def _needs_to_discuss(
    sme: SnapshotSme, buyer: SnapshotBuyer, driving: Any, needs: Mapping[UUID, SnapshotNeed]
) -> list[AgendaNeed]:
    """The need that drove the match, then the SME's other wanted needs of this buyer by rank."""
    wanted = sorted(sme.wanted_needs, key=lambda w: (w.rank is None, w.rank or 0))
    ordered = ([UUID(str(driving))] if driving else []) + [w.need_id for w in wanted]
    out: list[AgendaNeed] = []
    for need_id in dict.fromkeys(ordered):
        need = needs.get(need_id)
        if need is not None and need.buyer_id == buyer.organisation.id and need.status != "cancelled":
            out.append(_agenda_need(need))
    return out


def _representative(buyer: SnapshotBuyer, table: int) -> Representative | None:
    if table >= len(buyer.representatives):
        return None
    person = buyer.representatives[table]
    name = str(person.get("name") or "").strip()
    return Representative(name=name, title=str(person.get("title") or "")) if name else None


def _time_order(meetings: Iterable[AgendaMeeting]) -> list[AgendaMeeting]:
    return sorted(meetings, key=lambda m: (m.start, m.table))


def build_agendas(
    snapshot: EventSnapshot,
    meetings: Iterable[PlacedMeeting | tuple[UUID, UUID, int, int, Mapping[str, Any]]],
    *,
    version: int,
    published_at: dt.datetime,
    include_contacts: bool,
    venue: str | None = None,
) -> Agendas:
    """Every SME's agenda, every buyer table's sheet and the organiser's grid of one schedule version.

    Parameters
    ----------
    snapshot : EventSnapshot
        The snapshot the schedule was computed from.
    meetings : iterable of PlacedMeeting or (sme_id, buyer_id, slot, table, explanation)
        ``slot`` is a slot index of the grid, ``table`` the buyer's table index (0-based);
        :func:`meetings_from_engine` makes these from an engine run.
    version : int
        The schedule version number (also the .ics SEQUENCE).
    published_at : datetime
        When the version was published (aware).
    include_contacts : bool
        Show the counterpart's contact people (False before publication, or when not to be shared).
    venue : str, optional
        Where the event is held; the snapshot does not carry it, so the caller passes the registry's value.

    Raises
    ------
    ValueError
        A meeting naming an SME, buyer, slot or table not in the snapshot, or a need id that is not a UUID.

    Examples
    --------
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> why = {"need_id": None, "sentence_sv": "Ni passar.", "sentence_en": "You fit."}
    >>> agendas = build_agendas(snapshot, [(snapshot.smes[0].organisation.id, snapshot.buyers[0].organisation.id,
    ...     1, 0, why)], version=1, published_at=snapshot.generated_at, include_contacts=False, venue="Lugnet")
    >>> [(a.sme_name, [(m.local_time, m.table, m.counterpart_name) for m in a.meetings]) for a in agendas.smes]
    [('Städbolaget i Falun AB', [('09:25–09:45', 1, 'Falu kommun')]), ('Mora Bygg AB', [])]
    >>> [m.title for m in agendas.smes[0].meetings[0].needs]  # the SME ranked this need of Falu kommun
    ['Lokalvård i förskolor']
    """
    event = snapshot.event
    zone = ZoneInfo(event.time_zone)
    header = AgendaHeader(
        event_id=event.id,
        event_name=event.name,
        event_date=event.date,
        venue=venue if venue is not None else str(getattr(event, "venue", "") or ""),
        time_zone=event.time_zone,
        version=version,
        published_at=published_at,
    ).model_dump()
    slots: dict[int, SnapshotSlot] = {slot.index: slot for slot in event.slots}
    smes = {sme.organisation.id: sme for sme in snapshot.smes}
    buyers = {buyer.organisation.id: buyer for buyer in snapshot.buyers}
    needs = {need.id: need for need in snapshot.needs}
    first_table: dict[UUID, int] = {}
    next_table = 1
    for staffed in snapshot.buyers:
        first_table[staffed.organisation.id] = next_table
        next_table += staffed.tables

    sme_side: dict[UUID, list[AgendaMeeting]] = {sme_id: [] for sme_id in smes}
    table_side: dict[int, list[AgendaMeeting]] = {number: [] for number in range(1, next_table)}
    for row, (sme_id, buyer_id, slot_index, buyer_table, explanation) in enumerate(meetings):
        sme, buyer, slot = smes.get(sme_id), buyers.get(buyer_id), slots.get(slot_index)
        if sme is None or buyer is None or slot is None or not 0 <= buyer_table < (buyer.tables if buyer else 0):
            raise ValueError(
                f"meetings[{row}]: (sme {sme_id}, buyer {buyer_id}, slot {slot_index}, table {buyer_table}) "
                "is not in the snapshot"
            )
        try:
            discussed = _needs_to_discuss(sme, buyer, explanation.get("need_id"), needs)
        except ValueError:
            raise ValueError(f"meetings[{row}]: need_id {explanation.get('need_id')!r} is not a UUID") from None
        common: _BothSides = {
            "slot": slot.index,
            "start": slot.start,
            "end": slot.end,
            "local_time": local_span(slot.start, slot.end, zone),
            "table": first_table[buyer_id] + buyer_table,
            "sme_id": sme_id,
            "buyer_id": buyer_id,
            "needs": discussed,
            "why_sv": str(explanation.get("sentence_sv") or ""),
            "why_en": str(explanation.get("sentence_en") or ""),
        }
        sme_side[sme_id].append(
            AgendaMeeting(
                **common,
                counterpart_id=buyer_id,
                counterpart_name=buyer.organisation.name,
                counterpart_kind="buyer",
                contacts=_contacts(buyer.contacts) if include_contacts else None,
            )
        )
        table_side[common["table"]].append(
            AgendaMeeting(
                **common,
                counterpart_id=sme_id,
                counterpart_name=sme.organisation.name,
                counterpart_kind="sme",
                contacts=_contacts(sme.contacts) if include_contacts else None,
            )
        )

    sme_agendas = [
        SmeAgenda(**header, sme_id=sme_id, sme_name=smes[sme_id].organisation.name, meetings=_time_order(found))
        for sme_id, found in sme_side.items()
    ]
    table_agendas = []
    for buyer in snapshot.buyers:
        for own_table in range(buyer.tables):
            number = first_table[buyer.organisation.id] + own_table
            table_agendas.append(
                TableAgenda(
                    **header,
                    buyer_id=buyer.organisation.id,
                    buyer_name=buyer.organisation.name,
                    table=number,
                    buyer_table=own_table + 1,
                    representative=_representative(buyer, own_table),
                    meetings=_time_order(table_side[number]),
                )
            )
    return Agendas(smes=sme_agendas, tables=table_agendas, grid=_grid(header, snapshot, table_agendas, zone))


def _grid(header: dict[str, Any], snapshot: EventSnapshot, tables: list[TableAgenda], zone: ZoneInfo) -> EventGrid:
    rows = sorted(snapshot.event.slots, key=lambda slot: slot.index)
    row_of = {slot.index: r for r, slot in enumerate(rows)}
    cells: list[list[GridCell | None]] = [[None] * len(tables) for _ in rows]
    for column, sheet in enumerate(tables):
        for meeting in sheet.meetings:
            cells[row_of[meeting.slot]][column] = GridCell(
                sme_id=meeting.sme_id, sme_name=meeting.counterpart_name, buyer_id=meeting.buyer_id
            )
    return EventGrid(
        **header,
        slots=[
            GridSlot(index=s.index, start=s.start, end=s.end, local_time=local_span(s.start, s.end, zone)) for s in rows
        ],
        tables=[GridTable(table=t.table, buyer_id=t.buyer_id, buyer_name=t.buyer_name) for t in tables],
        cells=cells,
    )


def removed_meetings(previous: SmeAgenda | TableAgenda, current: SmeAgenda | TableAgenda) -> list[AgendaMeeting]:
    """Meetings of an earlier version's agenda whose pair no longer meets in this one (to cancel in calendars).

    A meeting that only moved (other slot or table) is not removed: it keeps its pair and so its calendar UID.

    Examples
    --------
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> sme, buyer = snapshot.smes[0].organisation.id, snapshot.buyers[0].organisation.id
    >>> why = {"need_id": None, "sentence_sv": "", "sentence_en": ""}
    >>> def version(n, meetings):
    ...     return build_agendas(snapshot, meetings, version=n, published_at=snapshot.generated_at,
    ...                          include_contacts=False).sme(sme)
    >>> [m.local_time for m in removed_meetings(version(1, [(sme, buyer, 0, 0, why)]), version(2, []))]
    ['09:00–09:20']
    >>> removed_meetings(version(1, [(sme, buyer, 0, 0, why)]), version(2, [(sme, buyer, 3, 0, why)]))
    []
    """
    still_meeting = {meeting.pair for meeting in current.meetings}
    return [meeting for meeting in previous.meetings if meeting.pair not in still_meeting]
