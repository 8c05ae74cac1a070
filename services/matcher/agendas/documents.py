"""The agenda documents the matcher serves: JSON shapes (with the version's status and what changed) and the
files (.ics, printable HTML, PDF) of a participant's day or the organiser's grid, with their file names."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from . import pdf as pdf_module
from .days import AgendaChanges, day_meetings
from .html import grid_html, sme_agenda_html, table_sheets_html
from .ics import agenda_ics
from .live import LivePage
from .model import AgendaHeader, AgendaMeeting, Agendas, EventGrid, SmeAgenda, TableAgenda
from .pdf import agenda_pdf, table_sheets_pdf
from .qr import check_in_url
from .versions import Status
from .words import words

Format = Literal["json", "ics", "html", "pdf"]

CONTENT_TYPES: dict[str, tuple[str, str | None]] = {
    "json": ("application/json", None),
    "ics": ("text/calendar", "utf-8"),
    "html": ("text/html", "utf-8"),
    "pdf": ("application/pdf", None),
}

_STATUS = Field(description="draft (organiser preview, no contacts), published, or superseded (an earlier one)")
_CHANGES = Field(
    default=None,
    description="For the participant's own reads: what changed since the version it last opened (or ?since); "
    "null on its first look, when it saw this version already, and on organisers' reads without ?since",
)


class SmeAgendaDocument(SmeAgenda):
    """An SME's agenda as served: the agenda, the version's status and what changed for the SME."""

    status: Status = _STATUS
    changes: AgendaChanges | None = _CHANGES


class BuyerAgenda(AgendaHeader):
    """A buyer's day as served: the sheets of its tables, the version's status and what changed for it."""

    kind: Literal["buyer"] = "buyer"
    buyer_id: UUID = Field(description="The buyer organisation")
    buyer_name: str = Field(description="Its name")
    status: Status = _STATUS
    tables: list[TableAgenda] = Field(description="One sheet per table the buyer staffs, by table number")
    changes: AgendaChanges | None = _CHANGES
    arrived: list[UUID] = Field(
        default_factory=list,
        description="The SMEs on these tables that have checked in at the reception (published version only)",
    )


class GridDocument(EventGrid):
    """The organiser's grid as served, with the version's status."""

    status: Status = _STATUS


class AgendaLink(BaseModel):
    """A participant's personal agenda link (anyone holding the URL reads that participant's agenda)."""

    model_config = ConfigDict(frozen=True)

    id: UUID = Field(description="Link id (revoke with DELETE …/agenda-links/{id})")
    organisation_id: UUID = Field(description="The participant")
    organisation_name: str | None = Field(description="Its name (null when not in the published version)")
    kind: Literal["sme", "buyer"] | None = Field(description="sme or buyer (null when not in the published version)")
    table: int | None = Field(description="For a link to one of a buyer's tables: which (1-based); else null")
    url: str = Field(description="The link; add .ics, .html or .pdf for those formats")
    created_at: dt.datetime = Field(description="When the link was made (UTC)")


class AgendaLinkList(BaseModel):
    items: list[AgendaLink] = Field(description="Active links: SMEs, then buyers, each by name")


def sme_document(agenda: SmeAgenda, status: Status, changes: AgendaChanges | None) -> SmeAgendaDocument:
    return SmeAgendaDocument(**dict(agenda), status=status, changes=changes)


def buyer_document(
    sheets: Sequence[TableAgenda], status: Status, changes: AgendaChanges | None, arrived: Sequence[UUID] = ()
) -> BuyerAgenda:
    first = sheets[0]
    header = {name: getattr(first, name) for name in AgendaHeader.model_fields}
    return BuyerAgenda(
        **header,
        buyer_id=first.buyer_id,
        buyer_name=first.buyer_name,
        status=status,
        tables=list(sheets),
        changes=changes,
        arrived=list(arrived),
    )


def grid_document(grid: EventGrid, status: Status) -> GridDocument:
    return GridDocument(**dict(grid), status=status)


def buyer_pdf(
    sheets: Sequence[TableAgenda], *, lang: str = "sv", qr_url: str | None = None, web_url: object | None = None
) -> bytes:
    """A buyer's own agenda as a PDF: every table it staffs with the full details, one page per table.

    Unlike the venue's sheets (:func:`.pdf.table_sheets_pdf`, titles only) the buyer's copy keeps the
    reasons, CPV codes and contacts, as :func:`.pdf.agenda_pdf` does for one table.

    Examples
    --------
    >>> import io, pypdf
    >>> from services.matcher.agendas.build import build_agendas
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> agendas = build_agendas(snapshot, [], version=1, published_at=snapshot.generated_at, include_contacts=False)
    >>> sheets = agendas.buyer_tables(snapshot.buyers[0].organisation.id)
    >>> len(pypdf.PdfReader(io.BytesIO(buyer_pdf(sheets + sheets))).pages)
    2
    """
    if not sheets:
        raise ValueError("no table sheets to render")
    if len(sheets) == 1:
        return agenda_pdf(sheets[0], lang=lang, qr_url=qr_url, web_url=web_url)
    # agendas.pdf offers several full sheets in one file only for the venue (brief); its page builders
    # are this package's own, so the buyer's copy is put together from them here.
    document = pdf_module._document(sheets[0], f"{words(lang)['agenda_for']} {sheets[0].buyer_name}", lang)
    code = check_in_url(qr_url, web_url) if qr_url else None
    for sheet in sheets:
        pdf_module._table_page(document, sheet, lang, brief=False, qr_url=code)
    return bytes(document.output())


def render_day(
    day: SmeAgenda | Sequence[TableAgenda],
    fmt: Format,
    lang: str,
    *,
    cancelled: Iterable[AgendaMeeting] = (),
    withdrawn: Iterable[AgendaMeeting] = (),
    qr_url: str | None = None,
    web_url: object | None = None,
    live: LivePage | None = None,
) -> bytes:
    """A participant's day as a file: .ics (with ``cancelled`` meetings of earlier versions and ``withdrawn``
    ones of this version, off since a party cancelled), HTML or PDF (with ``qr_url``, the participant's
    agenda link, as a QR code on it; with ``web_url`` the code holds the link's check-in address there;
    with ``live`` the HTML follows re-plans, :mod:`.live`).

    A buyer's .ics holds the meetings of all its tables in one calendar.
    """
    if isinstance(day, SmeAgenda):
        if fmt == "ics":
            return agenda_ics(day, lang=lang, cancelled=cancelled, withdrawn=withdrawn)
        if fmt == "html":
            return sme_agenda_html(day, lang=lang, qr_url=qr_url, web_url=web_url, live=live).encode()
        if fmt == "pdf":
            return agenda_pdf(day, lang=lang, qr_url=qr_url, web_url=web_url)
    else:
        if fmt == "ics":
            whole_day = day[0].model_copy(update={"meetings": day_meetings(day)})
            return agenda_ics(whole_day, lang=lang, cancelled=cancelled, withdrawn=withdrawn)
        if fmt == "html":
            return table_sheets_html(day, lang=lang, qr_url=qr_url, web_url=web_url, live=live).encode()
        if fmt == "pdf":
            return buyer_pdf(day, lang=lang, qr_url=qr_url, web_url=web_url)
    raise ValueError(f"no {fmt} rendering of an agenda")


def render_grid(agendas: Agendas, fmt: Format, lang: str) -> bytes:
    """The organiser's grid as HTML, or the venue's table sheets (one page per table) as PDF."""
    if fmt == "html":
        return grid_html(agendas.grid, lang=lang).encode()
    if fmt == "pdf":
        return table_sheets_pdf(agendas, lang=lang)
    raise ValueError(f"no {fmt} rendering of the grid")


def slug(text: str) -> str:
    """A file-name-safe ASCII form of a name.

    Examples
    --------
    >>> slug("Städbolaget i Falun AB"), slug("Åre & Östersund"), slug("???")
    ('stadbolaget-i-falun-ab', 'are-ostersund', 'agenda')
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-") or "agenda"


def filename(name: str, version: int, fmt: Format) -> str:
    """The download name of a file, e.g. ``stadbolaget-i-falun-ab-v2.ics``."""
    return f"{slug(name)}-v{version}.{fmt}"
