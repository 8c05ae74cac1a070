"""Agendas as iCalendar files (RFC 5545): one VEVENT per meeting that calendars keep up to date.

Stable identity: a meeting's UID comes from (event id, SME id, buyer id) — never from its slot or table —
and its SEQUENCE is the schedule version. When a later version moves the meeting, re-importing or
re-subscribing updates the entry (same UID, higher SEQUENCE, new time) instead of adding a second one;
when a later version drops the pair, the meeting is sent once more with STATUS:CANCELLED.

Times are written in UTC (``DTSTART:20251007T070000Z``), not with a TZID and a VTIMEZONE: the schedule
is stored in UTC, every calendar client shows UTC times in the reader's own zone, and a UTC file needs
no VTIMEZONE block whose daylight-saving rules we would have to keep right. The local time (Europe/
Stockholm) is spelled out in the DESCRIPTION for people reading the raw text. DTSTAMP is the version's
``published_at`` so the same version always gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID, uuid5

from icalendar import Calendar, Event

from .model import AgendaMeeting, SmeAgenda, TableAgenda
from .words import contact_line, need_line, why, words

PRODID = "-//Affärsträff matchmaker//Agendas//SV"
# A fixed namespace: UIDs are a pure function of (event, SME, buyer), the same in every process and release.
UID_NAMESPACE = UUID("6b1f8a52-3c1e-5d0f-9a57-1f0f4f6d2b11")
UID_DOMAIN = "affarstraff"


def meeting_uid(event_id: UUID, sme_id: UUID, buyer_id: UUID) -> str:
    """The calendar UID of the meeting between an SME and a buyer at an event (same in every version).

    Examples
    --------
    >>> a = meeting_uid(UUID(int=1), UUID(int=10), UUID(int=20))
    >>> a == meeting_uid(UUID(int=1), UUID(int=10), UUID(int=20)), a == meeting_uid(UUID(int=1), UUID(int=20),
    ...     UUID(int=10)), a.endswith("@affarstraff")
    (True, False, True)
    """
    return f"{uuid5(UID_NAMESPACE, f'{event_id}/{sme_id}/{buyer_id}')}@{UID_DOMAIN}"


def _description(agenda: SmeAgenda | TableAgenda, meeting: AgendaMeeting, lang: str) -> str:
    w = words(lang)
    lines = [f"{w['time']}: {meeting.local_time} ({agenda.time_zone}), {w['table'].lower()} {meeting.table}"]
    if meeting.needs:
        lines += [f"{w['needs']}:", *(f"- {need_line(need, lang)}" for need in meeting.needs)]
    if why(meeting, lang):
        lines.append(f"{w['why']}: {why(meeting, lang)}")
    if meeting.contacts:
        lines += [
            f"{w['contacts']}:",
            *(f"- {contact_line(c.name, c.title, c.email, c.phone)}" for c in meeting.contacts),
        ]
    lines.append(f"{w['version']} {agenda.version}")
    return "\n".join(lines)


def _vevent(
    agenda: SmeAgenda | TableAgenda, meeting: AgendaMeeting, lang: str, *, cancelled: bool, sequence: int | None = None
) -> Event:
    w = words(lang)
    event = Event()
    event.add("uid", meeting_uid(agenda.event_id, meeting.sme_id, meeting.buyer_id))
    event.add("sequence", agenda.version if sequence is None else sequence)
    event.add("dtstamp", agenda.published_at)
    event.add("dtstart", meeting.start)
    event.add("dtend", meeting.end)
    summary = f"{w['meeting_with']} {meeting.counterpart_name}"
    event.add("summary", f"{w['cancelled']}: {summary}" if cancelled else summary)
    where = f"{w['table']} {meeting.table}"
    event.add("location", f"{agenda.venue}, {where}" if agenda.venue else where)
    event.add("description", _description(agenda, meeting, lang))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def agenda_ics(
    agenda: SmeAgenda | TableAgenda,
    *,
    lang: str = "sv",
    cancelled: Iterable[AgendaMeeting] = (),
    withdrawn: Iterable[AgendaMeeting] = (),
    method: str = "PUBLISH",
) -> bytes:
    """An agenda as an iCalendar file (METHOD:PUBLISH), one VEVENT per meeting.

    Parameters
    ----------
    agenda : SmeAgenda or TableAgenda
    lang : {'sv', 'en'}
    cancelled : iterable of AgendaMeeting
        Meetings of earlier versions that this version drops (see :func:`.build.removed_meetings`):
        emitted with STATUS:CANCELLED and this version's SEQUENCE so calendars remove them.
    withdrawn : iterable of AgendaMeeting
        Meetings of this version that are off because a party cancelled after publication: STATUS:CANCELLED
        with SEQUENCE one above the version's (they were published as CONFIRMED at the version's).
    method : {'PUBLISH', 'CANCEL'}
        CANCEL for the file that tells a party who cancelled that its meetings are off (RFC 5546).

    Examples
    --------
    >>> from services.matcher.agendas.build import build_agendas
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> sme, buyer = snapshot.smes[0].organisation.id, snapshot.buyers[0].organisation.id
    >>> agendas = build_agendas(snapshot, [(sme, buyer, 0, 0, {"sentence_sv": "Ni passar."})], version=2,
    ...                         published_at=snapshot.generated_at, include_contacts=False, venue="Lugnet")
    >>> text = agenda_ics(agendas.sme(sme)).decode()
    >>> [line for line in text.splitlines() if line.startswith(("DTSTART", "SUMMARY", "SEQUENCE", "LOCATION"))]
    ['SUMMARY:Möte med Falu kommun', 'DTSTART:20251007T070000Z', 'SEQUENCE:2', 'LOCATION:Lugnet\\\\, Bord 1']
    """
    w = words(lang)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add("x-wr-calname", f"{agenda.event_name}: {agenda.owner_name}")
    calendar.add("x-wr-caldesc", f"{w['agenda_for']} {agenda.owner_name}, {w['version'].lower()} {agenda.version}")
    for meeting in agenda.meetings:
        calendar.add_component(_vevent(agenda, meeting, lang, cancelled=False))
    current = {meeting.pair for meeting in agenda.meetings}
    off = {meeting.pair: meeting for meeting in withdrawn if meeting.pair not in current}
    for meeting in cancelled:
        if meeting.pair not in current and meeting.pair not in off:  # a pair that still meets is never cancelled
            calendar.add_component(_vevent(agenda, meeting, lang, cancelled=True))
    for meeting in off.values():
        calendar.add_component(_vevent(agenda, meeting, lang, cancelled=True, sequence=agenda.version + 1))
    return calendar.to_ical()
