"""A registration cancelled after publication: the published version stays the record, the meetings are off.

Applied once per (event, organisation), in the caller's transaction: the cancellation is recorded (agendas of
the published version then leave the organisation's meetings out, and its agenda link says the sign-up is
cancelled), and the news goes to the outbox — the organisation gets a confirmation whose calendar file
cancels each of its meetings (METHOD:CANCEL, the UIDs its calendar has), each counterpart a notice that
the meeting is off with its agenda as it is now (the meeting cancelled in its calendar file), and the
event's webhooks a ``registration.cancelled`` POST (ids and counts, no names).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import asyncpg

from shared import formatting
from shared.snapshot import EventSnapshot, SnapshotBuyer, SnapshotSme

from ..agendas import AgendaMeeting, Agendas, SmeAgenda, TableAgenda, agenda_ics
from ..agendas.days import day_meetings, participant_kind
from ..agendas.link_store import add_missing_links, event_links
from ..agendas.versions import VersionRef, agendas_from_stored
from ..links import link_key
from ..settings import MatcherSettings
from ..sql import agendas as agenda_sql
from ..sql import privacy as sql
from ..sql import schedules as schedule_sql

KIND = "registration.cancelled"
OutboxRow = tuple[str, str, dict[str, Any]]


def _lines(meetings: Sequence[AgendaMeeting], table_word: str) -> list[str]:
    return [f"  {m.local_time}  {table_word} {m.table}  {m.counterpart_name}" for m in meetings] or ["  –"]


def _where(header: SmeAgenda | TableAgenda, lang: str = "sv") -> str:
    venue = f", {header.venue}" if header.venue else ""
    return f"{header.event_name}, {formatting.day(header.event_date, lang)}{venue}"


def _calendar(filename: str, content: bytes, method: str) -> dict[str, str]:
    return {"filename": filename, "content_type": f"text/calendar; method={method}", "content": content.decode()}


def _payload(address: str, subject: str, text: str, link_id: UUID | None, attachment: dict[str, str]) -> OutboxRow:
    payload = {
        "to": address,
        "subject": subject,
        "text": text,
        "html": None,
        "link_id": str(link_id) if link_id else None,
        "attachments": [attachment],
    }
    return "email", address, payload


def confirmation_email(
    day: SmeAgenda | Sequence[TableAgenda], contact: tuple[str, str], link_id: UUID | None
) -> OutboxRow:
    """The organisation's own confirmation: Swedish then English, its meetings cancelled in the calendar file.

    Examples
    --------
    >>> from services.matcher.agendas.build import build_agendas
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> sme, buyer = snapshot.smes[0].organisation.id, snapshot.buyers[0].organisation.id
    >>> agendas = build_agendas(snapshot, [(sme, buyer, 0, 0, {})], version=1,
    ...                         published_at=snapshot.generated_at, include_contacts=True)
    >>> channel, to, payload = confirmation_email(agendas.sme(sme), ("Åsa", "asa@example.se"), None)
    >>> payload["subject"], payload["attachments"][0]["content_type"]
    ('Avbokad: Affärsträff Falun (Your registration is cancelled)', 'text/calendar; method=CANCEL')
    >>> calendar = payload["attachments"][0]["content"]
    >>> "METHOD:CANCEL" in calendar, "STATUS:CANCELLED" in calendar
    (True, True)
    """
    header = day if isinstance(day, SmeAgenda) else day[0]
    meetings = day_meetings(day)
    empty = header.model_copy(update={"meetings": []})
    ics = agenda_ics(empty, withdrawn=meetings, method="CANCEL")
    name, address = contact
    text = "\n".join(
        [
            f"Hej {name}!",
            "",
            f"Er anmälan till {_where(header)} är avbokad. Dessa möten är inställda (svensk tid):",
            *_lines(meetings, "bord"),
            "",
            "Kalenderfilen i detta brev tar bort mötena ur din kalender.",
            "Er agendalänk visar att anmälan är avbokad: {agenda_url}",
            "",
            "---",
            f"Your registration for {_where(header, 'en')} is cancelled. These meetings are off (Swedish time):",
            *_lines(meetings, "table"),
            "",
            "The calendar file in this message removes them from your calendar.",
            "",
        ]
    )
    subject = f"Avbokad: {header.event_name} (Your registration is cancelled)"
    return _payload(address, subject, text, link_id, _calendar("avbokning.ics", ics, "CANCEL"))


def counterpart_email(
    now: SmeAgenda | Sequence[TableAgenda],
    off: Sequence[AgendaMeeting],
    contact: tuple[str, str],
    link_id: UUID | None,
) -> OutboxRow:
    """A counterpart's notice: which meeting is off, its agenda now, and a calendar file cancelling the meeting."""
    header = now if isinstance(now, SmeAgenda) else now[0]
    meetings = day_meetings(now)
    whole = header.model_copy(update={"meetings": meetings})
    ics = agenda_ics(whole, withdrawn=off)
    name, address = contact
    who = off[0].counterpart_name
    text = "\n".join(
        [
            f"Hej {name}!",
            "",
            f"{who} har avbokat sitt deltagande i {_where(header)}. Detta möte är inställt:",
            *_lines(off, "bord"),
            "Dina möten nu (svensk tid):",
            *_lines(meetings, "bord"),
            "",
            "Din agenda, med kalenderfil och utskrivbar PDF: {agenda_url}",
            "Kalenderfilen i detta brev stryker mötet i din kalender.",
            "",
            "---",
            f"{who} has cancelled their participation in {_where(header, 'en')}. This meeting is off:",
            *_lines(off, "table"),
            "Your meetings now (Swedish time):",
            *_lines(meetings, "table"),
            "",
            "Your agenda, with a calendar file and a printable PDF: {agenda_url}",
            "",
        ]
    )
    subject = f"Inställt möte: {header.event_name} (A meeting is off)"
    return _payload(address, subject, text, link_id, _calendar("agenda.ics", ics, "PUBLISH"))


def _day(agendas: Agendas, organisation_id: UUID) -> SmeAgenda | list[TableAgenda] | None:
    kind = participant_kind(agendas, organisation_id)
    if kind == "sme":
        return agendas.sme(organisation_id)
    if kind == "buyer":
        return agendas.buyer_tables(organisation_id)
    return None


def cancellation_notices(
    published: Agendas,
    now: Agendas,
    organisation_id: UUID,
    contacts: Mapping[UUID, tuple[str, str]],
    links: Mapping[UUID, UUID],
) -> list[OutboxRow]:
    """The e-mails a cancellation sends: the organisation's confirmation and one notice per counterpart.

    ``published`` are the version's agendas as published, ``now`` the same without the organisation's
    meetings; ``contacts`` maps organisation → (name, e-mail) of its primary contact, ``links`` → its link.
    """
    own = _day(published, organisation_id)
    if own is None:
        return []
    rows = []
    if organisation_id in contacts:
        rows.append(confirmation_email(own, contacts[organisation_id], links.get(organisation_id)))
    for counterpart in dict.fromkeys(m.counterpart_id for m in day_meetings(own)):
        before, after = _day(published, counterpart), _day(now, counterpart)
        if before is None or after is None or counterpart not in contacts:
            continue
        off = [m for m in day_meetings(before) if m.counterpart_id == organisation_id]
        rows.append(counterpart_email(after, off, contacts[counterpart], links.get(counterpart)))
    return rows


def _parties(snapshot: EventSnapshot) -> tuple[SnapshotSme | SnapshotBuyer, ...]:
    """The event's SMEs, then its buyers: each with its organisation and contacts."""
    return (*snapshot.smes, *snapshot.buyers)


def primary_contacts(snapshot: EventSnapshot) -> dict[UUID, tuple[str, str]]:
    """Organisation id → (name, e-mail) of its first contact person."""
    found = {}
    for party in _parties(snapshot):
        if party.contacts:
            first = min(party.contacts, key=lambda contact: contact.position)
            found[party.organisation.id] = (first.name, first.email)
    return found


async def apply_cancellation(
    conn: asyncpg.Connection,
    settings: MatcherSettings,
    event_id: UUID,
    organisation_id: UUID,
    cancelled_at: dt.datetime,
) -> int:
    """Record the cancellation against the published version and queue its notices; how many were queued.

    Nothing to do when nothing is published, or when this cancellation was applied before. Run inside a
    transaction; it holds the event's schedule lock, so a publish does not interleave.
    """
    await conn.execute(schedule_sql.LOCK_EVENT_SCHEDULES, event_id)
    version = await conn.fetchrow(sql.SELECT_PUBLISHED_FOR_NOTICE, event_id)
    if version is None:
        return 0
    if await conn.fetchval(sql.INSERT_CANCELLATION, event_id, organisation_id, version["number"], cancelled_at) is None:
        return 0
    # As people have it now (earlier cancellations already off), and without this organisation's meetings.
    ref = VersionRef.from_row(version)
    meetings = await conn.fetch(agenda_sql.SELECT_VERSION_MEETINGS, version["id"])
    published = agendas_from_stored(ref, version["snapshot"], meetings)
    now = agendas_from_stored(
        dataclasses.replace(ref, cancelled=ref.cancelled | {organisation_id}), version["snapshot"], meetings
    )
    snapshot = EventSnapshot.model_validate(version["snapshot"])
    parties = [party.organisation.id for party in _parties(snapshot)]
    await add_missing_links(conn, link_key(settings), event_id, parties)
    links = {link.organisation_id: link.id for link in await event_links(conn, event_id) if link.table_index is None}
    rows = cancellation_notices(published, now, organisation_id, primary_contacts(snapshot), links)
    own = _day(published, organisation_id)
    webhook = {
        "type": KIND,
        "event_id": str(event_id),
        "organisation_id": str(organisation_id),
        "version": version["number"],
        "cancelled_at": cancelled_at.isoformat(),
        "meetings_cancelled": len(day_meetings(own)) if own is not None else 0,
        "links": {"grid": f"/events/{event_id}/agendas/grid.html"},
    }
    rows += [
        ("webhook", row["url"], webhook) for row in await conn.fetch(schedule_sql.SELECT_EVENT_WEBHOOK_URLS, event_id)
    ]
    if rows:
        await conn.execute(
            sql.INSERT_NOTICES,
            event_id,
            KIND,
            [channel for channel, _, _ in rows],
            [destination for _, destination, _ in rows],
            [payload for _, _, payload in rows],
        )
    return len(rows)
