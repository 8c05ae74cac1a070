"""Agendas: the published schedule as people use it on the day (JSON models, .ics, printable HTML, PDF).

The package, by concern:

- building, pure: :mod:`.build` (:func:`build_agendas`: a snapshot and meetings to every SME's agenda,
  every buyer table's sheet and the organiser's grid), :mod:`.model`, and the renderers :mod:`.ics`,
  :mod:`.html`, :mod:`.pdf`, :mod:`.documents` (the served shapes and files);
- stored versions: :mod:`.versions` (a version's head and the one way it becomes agendas), :mod:`.cache`
  (the app's cache of them and their files), :mod:`.days` (one participant's day and what changed);
- serving over HTTP: :mod:`.routes` (the operations), :mod:`.serving` (a day or the grid in a format),
  :mod:`.reading` (which version, which format, ETags), :mod:`.link_reads` and :mod:`.link_store`
  (agenda links), :mod:`.seen` and :mod:`.reads` (what participants opened; the link reads' pool).

This module re-exports the pure part only, so importing it pulls in no web code.
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
