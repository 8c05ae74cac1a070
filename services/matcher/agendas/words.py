"""The words on agendas, Swedish first, English on request; one place so the .ics, HTML and PDF agree.

Dates, times, phone numbers and the time zone's name are written by :mod:`shared.formatting`, as on the
web pages and in the e-mails ("torsdag 5 november 2026", "kl. 09:00", "070-174 07 58", "svensk tid").
"""

from __future__ import annotations

from typing import Literal

from shared import formatting

from .model import AgendaHeader, AgendaMeeting, AgendaNeed

Language = Literal["sv", "en"]

WORDS: dict[str, dict[str, str]] = {
    "sv": {
        "agenda_for": "Mötesschema för",
        "table_sheet": "Bord",
        "grid": "Mötesschema, alla bord",
        "meeting_with": "Möte med",
        "time": "Tid",
        "table": "Bord",
        "counterpart_buyer": "Köpare",
        "counterpart_sme": "Företag",
        "needs": "Att diskutera",
        "why": "Varför ni möts",
        "contacts": "Kontakt",
        "no_meetings": "Inga möten i denna version av schemat.",
        "venue": "Plats",
        "version": "Schemaversion",
        "live_changed": "Schemat har ändrats sedan ni öppnade sidan.",
        "live_show": "Visa det nya schemat",
        "published": "publicerad",
        "times_in": "Alla tider i",
        "representative": "Vid bordet",
        "of_buyer": "av köparens bord",
        "empty": "–",
        "cancelled": "Inställt",
        "caption_meetings": "Möten i tidsordning",
        "caption_grid": "Möten per tid och bord",
        "registration_cancelled": "Anmälan är avbokad",
        "cancelled_explained": "Anmälan är avbokad och alla möten är inställda för",
        "cancelled_meetings": "Inställda möten",
        "qr_caption": "Skanna koden för ditt aktuella schema",
        "qr_title": "QR-kod till ditt schema",
        "reception_title": "alla företags mötesscheman",
        "calendar_subscribe": "Prenumerera i din kalender",
        "calendar_subscribe_note": "följer varje ändring av schemat",
        "calendar_feed": "adress för webbkalendrar",
    },
    "en": {
        "agenda_for": "Meeting agenda for",
        "table_sheet": "Table",
        "grid": "Meeting grid, all tables",
        "meeting_with": "Meeting with",
        "time": "Time",
        "table": "Table",
        "counterpart_buyer": "Buyer",
        "counterpart_sme": "Company",
        "needs": "To discuss",
        "why": "Why you meet",
        "contacts": "Contact",
        "no_meetings": "No meetings in this version of the schedule.",
        "venue": "Venue",
        "version": "Schedule version",
        "live_changed": "The schedule has changed since you opened this page.",
        "live_show": "Show the new schedule",
        "published": "published",
        "times_in": "All times in",
        "representative": "At the table",
        "of_buyer": "of the buyer's tables",
        "empty": "–",
        "cancelled": "Cancelled",
        "caption_meetings": "Meetings in time order",
        "caption_grid": "Meetings by time and table",
        "registration_cancelled": "The registration is cancelled",
        "cancelled_explained": "The registration is cancelled and every meeting is off for",
        "cancelled_meetings": "Meetings that are off",
        "qr_caption": "Scan the code for your current agenda",
        "qr_title": "QR code of your agenda",
        "reception_title": "every company's agenda",
        "calendar_subscribe": "Subscribe in your calendar",
        "calendar_subscribe_note": "follows every change to the schedule",
        "calendar_feed": "address for web calendars",
    },
}


def words(lang: str) -> dict[str, str]:
    """The labels of one language (ValueError for anything but 'sv' or 'en').

    Examples
    --------
    >>> words("sv")["meeting_with"], words("en")["meeting_with"]
    ('Möte med', 'Meeting with')
    """
    if lang not in WORDS:
        raise ValueError(f"unknown agenda language {lang!r}: use 'sv' or 'en'")
    return WORDS[lang]


def need_line(need: AgendaNeed, lang: str) -> str:
    """A need as one line: title, then CPV code and label.

    Examples
    --------
    >>> from uuid import UUID
    >>> need_line(AgendaNeed(id=UUID(int=1), title="Snöröjning", cpv_code="90620000",
    ...     cpv_label_sv="Snöröjning", cpv_label_en="Snow-clearing services"), "en")
    'Snöröjning (CPV 90620000 Snow-clearing services)'
    """
    label = need.cpv_label_sv if lang == "sv" else need.cpv_label_en
    return f"{need.title} (CPV {need.cpv_code} {label})" if label else f"{need.title} (CPV {need.cpv_code})"


def why(meeting: AgendaMeeting, lang: str) -> str:
    """The reason for the meeting in the language asked for."""
    return meeting.why_sv if lang == "sv" else meeting.why_en


def contact_line(name: str, title: str, email: str, phone: str | None, lang: str = "sv") -> str:
    """A contact person on one line, the phone number as people dial it (:func:`shared.formatting.phone`).

    Examples
    --------
    >>> contact_line("Åsa Öberg", "Upphandlare", "asa@falun.se", None)
    'Åsa Öberg, Upphandlare, asa@falun.se'
    >>> contact_line("Åsa Öberg", "", "asa@falun.se", "+46701740758")
    'Åsa Öberg, asa@falun.se, 070-174 07 58'
    """
    return ", ".join(part for part in (name, title, email, formatting.phone(phone, lang)) if part)


def header_lines(header: AgendaHeader, lang: str) -> tuple[str, str]:
    """The two lines under an agenda's title: the event, its day and venue; the version and the time zone.

    Examples
    --------
    >>> from services.matcher.agendas.build import build_agendas
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> agendas = build_agendas(snapshot, [], version=1, published_at=snapshot.generated_at, include_contacts=False)
    >>> header_lines(agendas.smes[0], "sv")[0]
    'Affärsträff Falun · tisdag 7 oktober 2025'
    >>> header_lines(agendas.smes[0], "en")[1].endswith("· All times in Swedish time")
    True
    """
    w = words(lang)
    place = f" · {w['venue']}: {header.venue}" if header.venue else ""
    event = f"{header.event_name} · {formatting.day(header.event_date, lang)}{place}"
    published = formatting.when(header.published_at, lang, header.time_zone)
    zone = formatting.zone_name(header.time_zone, lang)
    return event, f"{w['version']} {header.version}, {w['published']} {published} · {w['times_in']} {zone}"
