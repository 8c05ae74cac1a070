"""Agendas as iCalendar files (RFC 5545): one VEVENT per meeting that calendars keep up to date.

Stable identity: a meeting's UID comes from (event id, SME id, buyer id) — never from its slot or table —
and its SEQUENCE is the schedule version. When a later version moves the meeting, re-importing or
re-subscribing updates the entry (same UID, higher SEQUENCE, new time) instead of adding a second one;
when a later version drops the pair, the meeting is sent once more with STATUS:CANCELLED.

Times are written in UTC (``DTSTART:20251007T070000Z``), not with a TZID and a VTIMEZONE: the schedule
is stored in UTC, every calendar client shows UTC times in the reader's own zone, and a UTC file needs
no VTIMEZONE block whose daylight-saving rules we would have to keep right. The local day and time
("tisdag 7 oktober 2025 kl. 09:00–09:20 (svensk tid)", :mod:`shared.formatting`) is spelled out in the
DESCRIPTION for people reading the raw text. DTSTAMP is the version's
``published_at`` so the same version always gives the same bytes.

Each meeting's SUMMARY names the event ("Affärsträff Falun: möte med Falu kommun"), since a calendar shows
it next to everything else that day; a confirmed meeting carries a display alarm :data:`ALARM_MINUTES`
before it (calendars ring it themselves, offline too: the e-mail reminders of :mod:`services.matcher.reminders`
are separate). Given the participant's live agenda address (``url``), every VEVENT links back to it (URL), so
the entry opens the current agenda rather than the state at the time of import. A subscription feed
(:func:`agenda_feed`) is the same file with refresh hints (REFRESH-INTERVAL, X-PUBLISHED-TTL) and SOURCE.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from uuid import UUID, uuid5

from icalendar import Alarm, Calendar, Event, vDuration

from shared import formatting

from .model import AgendaMeeting, SmeAgenda, TableAgenda
from .words import contact_line, need_line, why, words

PRODID = "-//Affärsträff matchmaker//Agendas//SV"
# A fixed namespace: UIDs are a pure function of (event, SME, buyer), the same in every process and release.
UID_NAMESPACE = UUID("6b1f8a52-3c1e-5d0f-9a57-1f0f4f6d2b11")
UID_DOMAIN = "affarstraff"
# The calendar's own alarm before each confirmed meeting (DISPLAY): walking from one table to the next.
ALARM_MINUTES = 10
# How often a subscribed calendar should look again (RFC 7986 REFRESH-INTERVAL; Outlook's X-PUBLISHED-TTL).
FEED_REFRESH = timedelta(hours=1)


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
    when = formatting.span(meeting.start, meeting.end, lang, agenda.time_zone)
    zone = formatting.zone_name(agenda.time_zone, lang)
    lines = [f"{w['time']}: {when} ({zone}), {w['table'].lower()} {meeting.table}"]
    if meeting.needs:
        lines += [f"{w['needs']}:", *(f"- {need_line(need, lang)}" for need in meeting.needs)]
    if why(meeting, lang):
        lines.append(f"{w['why']}: {why(meeting, lang)}")
    if meeting.contacts:
        lines += [
            f"{w['contacts']}:",
            *(f"- {contact_line(c.name, c.title, c.email, c.phone, lang)}" for c in meeting.contacts),
        ]
    lines.append(f"{w['version']} {agenda.version}")
    return "\n".join(lines)


def meeting_summary(event_name: str, counterpart_name: str, lang: str) -> str:
    """A meeting's calendar title: the event's name, then whom it is with.

    Examples
    --------
    >>> meeting_summary("Affärsträff Falun", "Falu kommun", "sv")
    'Affärsträff Falun: möte med Falu kommun'
    >>> meeting_summary("Affärsträff Falun", "Falu kommun", "en")
    'Affärsträff Falun: meeting with Falu kommun'
    """
    with_whom = f"{words(lang)['meeting_with']} {counterpart_name}"
    return f"{event_name}: {with_whom[0].lower()}{with_whom[1:]}"


def _alarm(summary: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", timedelta(minutes=-ALARM_MINUTES))
    return alarm


def _vevent(
    agenda: SmeAgenda | TableAgenda,
    meeting: AgendaMeeting,
    lang: str,
    *,
    cancelled: bool,
    sequence: int | None = None,
    url: str | None = None,
) -> Event:
    w = words(lang)
    event = Event()
    event.add("uid", meeting_uid(agenda.event_id, meeting.sme_id, meeting.buyer_id))
    event.add("sequence", agenda.version if sequence is None else sequence)
    event.add("dtstamp", agenda.published_at)
    event.add("dtstart", meeting.start)
    event.add("dtend", meeting.end)
    summary = meeting_summary(agenda.event_name, meeting.counterpart_name, lang)
    event.add("summary", f"{w['cancelled']}: {summary}" if cancelled else summary)
    where = f"{w['table']} {meeting.table}"
    event.add("location", f"{agenda.venue}, {where}" if agenda.venue else where)
    event.add("description", _description(agenda, meeting, lang))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if url is not None:
        event.add("url", url)
    if not cancelled:
        event.add_component(_alarm(summary))
    return event


def agenda_ics(
    agenda: SmeAgenda | TableAgenda,
    *,
    lang: str = "sv",
    cancelled: Iterable[AgendaMeeting] = (),
    withdrawn: Iterable[AgendaMeeting] = (),
    method: str = "PUBLISH",
    url: str | None = None,
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
    url : str, optional
        The participant's live agenda (its link's page): every VEVENT gets it as URL.

    Examples
    --------
    >>> from services.matcher.agendas.build import build_agendas
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> sme, buyer = snapshot.smes[0].organisation.id, snapshot.buyers[0].organisation.id
    >>> agendas = build_agendas(snapshot, [(sme, buyer, 0, 0, {"sentence_sv": "Ni passar."})], version=2,
    ...                         published_at=snapshot.generated_at, include_contacts=False, venue="Lugnet")
    >>> text = agenda_ics(agendas.sme(sme), url="https://matcher.example/a/abc.html").decode()
    >>> [line for line in text.splitlines() if line.startswith(("DTSTART", "SUMMARY", "SEQUENCE", "LOCATION", "URL",
    ...                                                             "TRIGGER"))]
    ['SUMMARY:Affärsträff Falun: möte med Falu kommun', 'DTSTART:20251007T070000Z', 'SEQUENCE:2', \
'LOCATION:Lugnet\\\\, Bord 1', 'URL:https://matcher.example/a/abc.html', 'TRIGGER:-PT10M']
    """
    return _calendar(agenda, lang, cancelled, withdrawn, method, url, feed=False).to_ical()


def agenda_feed(
    agenda: SmeAgenda | TableAgenda,
    *,
    lang: str = "sv",
    cancelled: Iterable[AgendaMeeting] = (),
    withdrawn: Iterable[AgendaMeeting] = (),
    url: str | None = None,
    source: str | None = None,
) -> bytes:
    """A participant's subscription feed: :func:`agenda_ics` with refresh hints, and SOURCE (the feed's address).

    Examples
    --------
    >>> from services.matcher.agendas.build import build_agendas
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> agendas = build_agendas(snapshot, [], version=1, published_at=snapshot.generated_at, include_contacts=False)
    >>> text = agenda_feed(agendas.smes[0], source="https://matcher.example/a/abc/calendar.ics").decode()
    >>> [line for line in text.splitlines() if line.startswith(("REFRESH", "X-PUBLISHED", "SOURCE"))]
    ['REFRESH-INTERVAL;VALUE=DURATION:PT1H', 'SOURCE;VALUE=URI:https://matcher.example/a/abc/calendar.ics', \
'X-PUBLISHED-TTL:PT1H']
    """
    calendar = _calendar(agenda, lang, cancelled, withdrawn, "PUBLISH", url, feed=True)
    if source is not None:
        calendar.add("source", source, parameters={"VALUE": "URI"})
    return calendar.to_ical()


def _calendar(
    agenda: SmeAgenda | TableAgenda,
    lang: str,
    cancelled: Iterable[AgendaMeeting],
    withdrawn: Iterable[AgendaMeeting],
    method: str,
    url: str | None,
    *,
    feed: bool,
) -> Calendar:
    w = words(lang)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add("x-wr-calname", f"{agenda.event_name}: {agenda.owner_name}")
    calendar.add("x-wr-caldesc", f"{w['agenda_for']} {agenda.owner_name}, {w['version'].lower()} {agenda.version}")
    if feed:
        calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(FEED_REFRESH))
    for meeting in agenda.meetings:
        calendar.add_component(_vevent(agenda, meeting, lang, cancelled=False, url=url))
    current = {meeting.pair for meeting in agenda.meetings}
    off = {meeting.pair: meeting for meeting in withdrawn if meeting.pair not in current}
    for meeting in cancelled:
        if meeting.pair not in current and meeting.pair not in off:  # a pair that still meets is never cancelled
            calendar.add_component(_vevent(agenda, meeting, lang, cancelled=True, url=url))
    for meeting in off.values():
        calendar.add_component(_vevent(agenda, meeting, lang, cancelled=True, sequence=agenda.version + 1, url=url))
    return calendar
