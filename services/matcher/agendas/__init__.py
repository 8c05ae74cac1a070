"""Agendas: the published schedule as people use it on the day (JSON models, .ics, printable HTML, PDF).

A pure library: :func:`build_agendas` turns an event snapshot and a schedule version's meetings into
every SME's agenda, every buyer table's sheet and the organiser's grid; the renderers turn those into
calendar files (:func:`agenda_ics`), printable pages (:mod:`.html`) and PDFs (:mod:`.pdf`).
"""

from .build import PlacedMeeting, build_agendas, meetings_from_engine, removed_meetings
from .html import grid_html, sme_agenda_html, table_sheets_html
from .ics import agenda_ics, meeting_uid
from .model import AgendaMeeting, Agendas, EventGrid, SmeAgenda, TableAgenda
from .pdf import agenda_pdf, table_sheets_pdf

__all__ = [
    "AgendaMeeting",
    "Agendas",
    "EventGrid",
    "PlacedMeeting",
    "SmeAgenda",
    "TableAgenda",
    "agenda_ics",
    "agenda_pdf",
    "build_agendas",
    "grid_html",
    "meeting_uid",
    "meetings_from_engine",
    "removed_meetings",
    "sme_agenda_html",
    "table_sheets_html",
    "table_sheets_pdf",
]
