"""Agendas as PDF: an SME's or a table's agenda, and the venue's table sheets (one page per table).

Fonts: Noto Sans, shipped with the package (:mod:`shared.fonts`) and embedded as a subset, so every
name prints as written — "Łódź", "Ærø", "Åsa Öberg" — and the en dash of "09:00–09:20", the ”” quotes
of the explanations and € with them; only what even Noto lacks (emoji, CJK) is folded or printed "?"
(:func:`printable`), never raising. Dates, times and phone numbers are written as on the web pages
(:mod:`shared.formatting`, via :func:`.words.header_lines` and :func:`.words.contact_line`). The creation
date is the version's ``published_at`` so the same version always gives the same bytes.

A participant's own agenda carries a QR code of its agenda link in the top right corner (``qr_url``,
a PNG from :mod:`.qr`, 30 mm); the venue's table sheets carry none (they lie on the tables, and the
buyer's link opens its agenda with the firms' contacts). The reception's file (:func:`reception_pdf`)
has every firm's agenda, one firm per page, in Swedish alphabetical order, each with the firm's code.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from uuid import UUID

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from shared.fonts import FAMILY, add_fonts, printable

from .model import AgendaHeader, AgendaMeeting, Agendas, SmeAgenda, TableAgenda
from .qr import check_in_url, qr_png
from .words import contact_line, header_lines, need_line, why, words

FONT = FAMILY
LEFT_MARGIN_MM = 15
RIGHT_MARGIN_MM = 15
QR_MM = 30


def _document(header: AgendaHeader, title: str, lang: str) -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    add_fonts(pdf)
    pdf.set_margins(LEFT_MARGIN_MM, 15, RIGHT_MARGIN_MM)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(printable(title))
    pdf.set_subject(printable(header.event_name))
    pdf.set_lang(lang)
    pdf.set_creator("Affärsträff matchmaker")
    pdf.set_creation_date(header.published_at)
    return pdf


def _line(pdf: FPDF, text: str, *, size: float = 10, style: str = "", height: float = 5) -> None:
    pdf.set_font(FONT, style, size)
    pdf.multi_cell(0, height, printable(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _heading(pdf: FPDF, title: str, header: AgendaHeader, lang: str, qr_url: str | None = None) -> None:
    top = pdf.get_y()
    if qr_url:
        pdf.set_right_margin(RIGHT_MARGIN_MM + QR_MM + 4)  # the heading wraps beside the code
    _line(pdf, title, size=16, style="B", height=8)
    for line in header_lines(header, lang):
        _line(pdf, line)
    if qr_url:
        pdf.set_right_margin(RIGHT_MARGIN_MM)
        pdf.set_y(max(pdf.get_y(), _qr_block(pdf, qr_url, lang, top)))
    pdf.ln(3)


def _qr_block(pdf: FPDF, qr_url: str, lang: str, top: float) -> float:
    """The QR code of ``qr_url`` with its caption in the page's top right corner; the y below them."""
    w = words(lang)
    x, below = pdf.w - RIGHT_MARGIN_MM - QR_MM, pdf.get_y()
    pdf.image(io.BytesIO(qr_png(qr_url)), x=x, y=top, w=QR_MM, h=QR_MM, alt_text=printable(w["qr_title"]))
    pdf.set_xy(x, top + QR_MM)
    pdf.set_font(FONT, "", 7)
    pdf.multi_cell(QR_MM, 3, printable(w["qr_caption"]), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    bottom = pdf.get_y()
    pdf.set_xy(LEFT_MARGIN_MM, below)
    return bottom


def _details(meeting: AgendaMeeting, lang: str, *, brief: bool) -> str:
    w = words(lang)
    if brief:  # the venue's sheets: titles only, so a full day fits on one page per table
        return "\n".join(f"• {need.title}" for need in meeting.needs)
    lines = [f"• {need_line(need, lang)}" for need in meeting.needs]
    if why(meeting, lang):
        lines.append(f"{w['why']}: {why(meeting, lang)}")
    return "\n".join(lines)


def _counterpart(meeting: AgendaMeeting, lang: str, *, brief: bool) -> str:
    if brief:
        return meeting.counterpart_name
    contacts = [contact_line(c.name, c.title, c.email, c.phone, lang) for c in meeting.contacts or []]
    return "\n".join([meeting.counterpart_name, *contacts])


def _meetings_table(
    pdf: FPDF, sheet: SmeAgenda | TableAgenda, lang: str, *, show_table: bool, brief: bool = False
) -> None:
    w = words(lang)
    if not sheet.meetings:
        _line(pdf, w["no_meetings"])
        return
    pdf.set_font(FONT, "", 9)
    who = w["counterpart_buyer"] if sheet.kind == "sme" else w["counterpart_sme"]
    headings = [w["time"], *([w["table"]] if show_table else []), who, w["needs"]]
    widths = (24, 14, 56, 86) if show_table else (24, 50, 106)
    line_height = 4.0 if brief else 4.5
    with pdf.table(col_widths=widths, text_align="LEFT", v_align="TOP", line_height=line_height, padding=1.2) as table:
        table.row([printable(h) for h in headings])
        for meeting in sheet.meetings:
            cells = [meeting.local_time, *([str(meeting.table)] if show_table else [])]
            cells += [_counterpart(meeting, lang, brief=brief), _details(meeting, lang, brief=brief)]
            table.row([printable(c) for c in cells])


def _sme_page(pdf: FPDF, agenda: SmeAgenda, lang: str, qr_url: str | None = None) -> None:
    pdf.add_page()
    _heading(pdf, f"{words(lang)['agenda_for']} {agenda.sme_name}", agenda, lang, qr_url)
    _meetings_table(pdf, agenda, lang, show_table=True)


def _table_page(pdf: FPDF, sheet: TableAgenda, lang: str, *, brief: bool, qr_url: str | None = None) -> None:
    w = words(lang)
    pdf.add_page()
    _heading(pdf, f"{w['table_sheet']} {sheet.table}: {sheet.buyer_name}", sheet, lang, qr_url)
    if sheet.representative:
        person = ", ".join(p for p in (sheet.representative.name, sheet.representative.title) if p)
        _line(pdf, f"{w['representative']}: {person}", style="B")
        pdf.ln(2)
    _meetings_table(pdf, sheet, lang, show_table=False, brief=brief)


def agenda_pdf(
    agenda: SmeAgenda | TableAgenda, *, lang: str = "sv", qr_url: str | None = None, web_url: object | None = None
) -> bytes:
    """One agenda (an SME's, or one buyer table's) as a PDF; with ``qr_url`` a QR code of that link on it
    (of its check-in address on the web, ``web_url``, when that is given: :func:`.qr.check_in_url`).

    Examples
    --------
    >>> import io, pypdf
    >>> from services.matcher.agendas.build import build_agendas
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> sme, buyer = snapshot.smes[0].organisation.id, snapshot.buyers[0].organisation.id
    >>> agendas = build_agendas(snapshot, [(sme, buyer, 0, 0, {"sentence_sv": "Ni passar."})], version=1,
    ...                         published_at=snapshot.generated_at, include_contacts=False)
    >>> text = pypdf.PdfReader(io.BytesIO(agenda_pdf(agendas.sme(sme)))).pages[0].extract_text()
    >>> "Mötesschema för Städbolaget i Falun AB" in text, "09:00–09:20" in text, "Falu kommun" in text
    (True, True, True)
    >>> len(pypdf.PdfReader(io.BytesIO(agenda_pdf(agendas.sme(sme), qr_url="https://example.se/a/x"))).pages[0].images)
    1
    """
    code = check_in_url(qr_url, web_url) if qr_url else None
    if isinstance(agenda, SmeAgenda):
        pdf = _document(agenda, f"{words(lang)['agenda_for']} {agenda.sme_name}", lang)
        _sme_page(pdf, agenda, lang, code)
    else:
        pdf = _document(agenda, f"{words(lang)['table_sheet']} {agenda.table}: {agenda.buyer_name}", lang)
        _table_page(pdf, agenda, lang, brief=False, qr_url=code)
    return bytes(pdf.output())


def table_sheets_pdf(sheets: Agendas | Sequence[TableAgenda], *, lang: str = "sv") -> bytes:
    """The table sheets for the venue: one page per table, in table order.

    A sheet lists time, company and the titles of the needs to discuss, so a full day fits on a page; the
    reasons, CPV codes and contacts are on the buyer's own table agenda (:func:`agenda_pdf`). A sheet
    longer than a page continues on the next one rather than being cut.

    Examples
    --------
    >>> import io, pypdf
    >>> from services.matcher.agendas.build import build_agendas
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> agendas = build_agendas(snapshot, [], version=1, published_at=snapshot.generated_at, include_contacts=False)
    >>> reader = pypdf.PdfReader(io.BytesIO(table_sheets_pdf(agendas, lang="en")))
    >>> len(reader.pages), reader.pages[0].extract_text().splitlines()[0]
    (1, 'Table 1: Falu kommun')
    """
    tables = sorted(sheets.tables if isinstance(sheets, Agendas) else sheets, key=lambda sheet: sheet.table)
    if not tables:
        raise ValueError("no table sheets to render")
    pdf = _document(tables[0], f"{tables[0].event_name}: {words(lang)['table_sheet'].lower()}", lang)
    for sheet in tables:
        _table_page(pdf, sheet, lang, brief=True)
    return bytes(pdf.output())


def reception_pdf(
    smes: Sequence[SmeAgenda], qr_urls: Mapping[UUID, str], *, lang: str = "sv", web_url: object | None = None
) -> bytes:
    """Every firm's agenda for the reception desk: one firm per page, in the order given, with its QR code.

    ``qr_urls`` maps a firm to its agenda link (its code holds the check-in address on the web with a
    ``web_url``: :func:`.qr.check_in_url`); a firm without one gets its page without a code. The
    caller sorts (:func:`.reception.reception_order`). A firm whose day is longer than a page continues
    on the next one, so a page count above the number of firms means long days, never a cut agenda.

    Examples
    --------
    >>> import io, pypdf
    >>> from services.matcher.agendas.build import build_agendas
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> agendas = build_agendas(snapshot, [], version=1, published_at=snapshot.generated_at, include_contacts=False)
    >>> first = agendas.smes[0]
    >>> reader = pypdf.PdfReader(io.BytesIO(reception_pdf(agendas.smes, {first.sme_id: "https://example.se/a/x"})))
    >>> len(reader.pages) == len(agendas.smes), len(reader.pages[0].images), len(reader.pages[1].images)
    (True, 1, 0)
    """
    if not smes:
        raise ValueError("no agendas to render")
    pdf = _document(smes[0], f"{smes[0].event_name}: {words(lang)['reception_title']}", lang)
    for agenda in smes:
        link = qr_urls.get(agenda.sme_id)
        _sme_page(pdf, agenda, lang, check_in_url(link, web_url) if link else None)
    return bytes(pdf.output())
