"""The reminder e-mails, Swedish first with English below, as outbox payloads (pure: data in, payload out).

Like the schedule notices (:mod:`services.matcher.notify.publication_notices`), an agenda or meeting reminder names
``{agenda_url}``, which the deliverer fills in with the participant's own agenda link at send time (the
token is never stored); a participant without a link gets the text without that line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from shared import formatting

from ..agendas.model import AgendaHeader, AgendaMeeting

AGENDA_URL = "{agenda_url}"


def _payload(to: str, subject: str, lines: list[str], link_id: UUID | None) -> dict[str, Any]:
    text = "\n".join(line for line in lines if link_id is not None or AGENDA_URL not in line)
    return {
        "to": to,
        "subject": subject,
        "text": text,
        "html": None,
        "link_id": str(link_id) if link_id is not None else None,
        "attachments": [],
    }


def _meeting_lines(meetings: Sequence[AgendaMeeting], table_word: str) -> list[str]:
    lines = []
    for meeting in meetings:
        need = f" — {meeting.needs[0].title}" if meeting.needs else ""
        lines.append(f"  {meeting.local_time}  {table_word} {meeting.table}  {meeting.counterpart_name}{need}")
    return lines or ["  –"]


def _where(header: AgendaHeader) -> str:
    return f", {header.venue}" if header.venue else ""


def agenda_reminder(
    to: str, name: str, header: AgendaHeader, meetings: Sequence[AgendaMeeting], link_id: UUID | None
) -> dict[str, Any]:
    """The day before: the participant's meetings and its agenda link.

    Examples
    --------
    >>> from services.matcher.agendas.build import build_agendas
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> sme, buyer = snapshot.smes[0].organisation.id, snapshot.buyers[0].organisation.id
    >>> agenda = build_agendas(snapshot, [(sme, buyer, 0, 0, {})], version=1, published_at=snapshot.generated_at,
    ...                        include_contacts=False, venue="Lugnet").sme(sme)
    >>> mail = agenda_reminder("anna@example.se", "Anna", agenda, agenda.meetings, UUID(int=7))
    >>> mail["subject"]
    'I morgon: Affärsträff Falun, tisdag 7 oktober 2025'
    >>> print(mail["text"].splitlines()[2], mail["text"].splitlines()[4], sep="\\n")
    I morgon är det Affärsträff Falun, tisdag 7 oktober 2025, Lugnet. Dina möten (svensk tid):
      09:00–09:20  bord 1  Falu kommun — Lokalvård i förskolor
    """
    where = _where(header)
    lines = [
        f"Hej {name}!",
        "",
        f"I morgon är det {header.event_name}, {formatting.day(header.event_date)}{where}. Dina möten (svensk tid):",
        "",
        *_meeting_lines(meetings, "bord"),
        "",
        f"Din agenda, alltid aktuell: {AGENDA_URL}",
        f"Prenumerera i din kalender (följer varje ändring): {AGENDA_URL}/calendar.ics",
        "",
        "---",
        f"Tomorrow is {header.event_name}, {formatting.day(header.event_date, 'en')}{where}. "
        "Your meetings (Swedish time):",
        "",
        *_meeting_lines(meetings, "table"),
        "",
        f"Your agenda, always up to date: {AGENDA_URL}",
        f"Subscribe in your calendar (follows every change): {AGENDA_URL}/calendar.ics",
        "",
    ]
    return _payload(to, f"I morgon: {header.event_name}, {formatting.day(header.event_date)}", lines, link_id)


def meeting_reminder(
    to: str, name: str, header: AgendaHeader, meeting: AgendaMeeting, minutes: int, link_id: UUID | None
) -> dict[str, Any]:
    """A few minutes before one meeting: with whom, at which table, when.

    Examples
    --------
    >>> from services.matcher.agendas.build import build_agendas
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> sme, buyer = snapshot.smes[0].organisation.id, snapshot.buyers[0].organisation.id
    >>> sheet = build_agendas(snapshot, [(sme, buyer, 0, 0, {})], version=1, published_at=snapshot.generated_at,
    ...                       include_contacts=False).buyer_tables(buyer)[0]
    >>> mail = meeting_reminder("karin@falun.se", "Karin", sheet, sheet.meetings[0], 10, None)
    >>> mail["subject"], "{agenda_url}" in mail["text"]
    ('Om 10 minuter: möte med Städbolaget i Falun AB, bord 1 (09:00–09:20)', False)
    """
    lines = [
        f"Hej {name}!",
        "",
        f"Om {minutes} minuter, {meeting.local_time}: möte med {meeting.counterpart_name} vid bord {meeting.table}"
        f" ({header.event_name}).",
        f"Din agenda: {AGENDA_URL}",
        "",
        "---",
        f"In {minutes} minutes, {meeting.local_time}: meeting with {meeting.counterpart_name} at table "
        f"{meeting.table} ({header.event_name}).",
        f"Your agenda: {AGENDA_URL}",
        "",
    ]
    subject = f"Om {minutes} minuter: möte med {meeting.counterpart_name}, bord {meeting.table} ({meeting.local_time})"
    return _payload(to, subject, lines, link_id)


def signup_reminder(
    to: str, name: str, event_name: str, deadline: dt.datetime, time_zone: str, signup_url: str | None
) -> dict[str, Any]:
    """The sign-up deadline is near and the firm has not said which needs it wants to discuss.

    Examples
    --------
    >>> deadline = dt.datetime(2025, 10, 1, 14, 0, tzinfo=dt.UTC)
    >>> mail = signup_reminder("bo@bygg.se", "Bo", "Affärsträff Falun", deadline, "Europe/Stockholm", None)
    >>> mail["subject"]
    'Anmälan stänger 1 oktober 2025 kl. 16:00: Affärsträff Falun'
    >>> "Sign-up closes on Wednesday 1 October 2025 at 16:00 (Swedish time)" in mail["text"]
    True
    """
    when_sv, when_en = formatting.when(deadline, "sv", time_zone), formatting.when(deadline, "en", time_zone)
    zone_sv, zone_en = formatting.zone_name(time_zone, "sv"), formatting.zone_name(time_zone, "en")
    where = [f"Logga in och välj behov: {signup_url}", ""] if signup_url else []
    where_en = [f"Sign in and choose needs: {signup_url}", ""] if signup_url else []
    lines = [
        f"Hej {name}!",
        "",
        f"Anmälan till {event_name} stänger {when_sv} ({zone_sv}).",
        "Ni har inte valt några av köparnas behov att prata om ännu. Rangordna de upphandlingar ni vill",
        "diskutera, så matchar vi er med rätt köpare.",
        "",
        *where,
        "---",
        f"Sign-up closes on {when_en} ({zone_en}) for {event_name}.",
        "You have not chosen any of the buyers' needs to discuss yet. Rank the procurements you would like to",
        "talk about, and we will match you with the right buyers.",
        "",
        *where_en,
    ]
    closes = formatting.when(deadline, "sv", time_zone, weekday=False)
    return _payload(to, f"Anmälan stänger {closes}: {event_name}", lines, None)
