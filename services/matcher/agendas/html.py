"""Agendas as printable HTML pages: an SME's agenda, the table sheets for the venue, the organiser's grid.

The pages are self-contained (CSS inline, no scripts, fonts or images from elsewhere) so they print and
save offline; ``@media print`` sets A4 (the grid landscape) and starts each table sheet on a new page.
Every value is autoescaped. Swedish by default, ``lang="en"`` for English; the ``<html lang>`` follows.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from .live import LivePage
from .model import AgendaHeader, Agendas, EventGrid, SmeAgenda, TableAgenda
from .qr import check_in_url, qr_svg
from .words import contact_line, header_lines, need_line, why, words

TEMPLATES = Path(__file__).with_name("templates")


@functools.cache
def environment() -> Environment:
    """The template environment: autoescaping on for every template, undefined names are errors."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(contact_line=contact_line, header_lines=header_lines, need_line=need_line, why=why)
    return env


def _render(template: str, doc: AgendaHeader, lang: str, **extra: Any) -> str:
    extra.setdefault("live", None)  # only a page read by its link follows re-plans (:mod:`.live`)
    return environment().get_template(template).render(doc=doc, lang=lang, w=words(lang), **extra)


def _qr(qr_url: str | None, lang: str, web_url: object | None) -> Markup | None:
    """The inline SVG of the participant's code (:func:`.qr.check_in_url` of its link; segno escapes the
    title, the rest is path data), or None without a link."""
    if not qr_url:
        return None
    return Markup(qr_svg(check_in_url(qr_url, web_url), title=words(lang)["qr_title"]))  # noqa: S704


def _calendar(qr_url: str | None) -> dict[str, str | None]:
    """The participant's calendar subscription, from its agenda link: ``webcal://…/calendar.ics`` and the
    https address of the same feed (web calendars take that one), or nothing without a link.

    Examples
    --------
    >>> _calendar("https://matcher.example/a/abc")["webcal"]
    'webcal://matcher.example/a/abc/calendar.ics'
    """
    feed = f"{qr_url}/calendar.ics" if qr_url else None
    return {"webcal": "webcal://" + feed.split("://", 1)[1] if feed else None, "feed": feed}


def sme_agenda_html(
    agenda: SmeAgenda,
    *,
    lang: str = "sv",
    qr_url: str | None = None,
    web_url: object | None = None,
    live: LivePage | None = None,
) -> str:
    """An SME's agenda as a printable page; with ``qr_url`` (the SME's agenda link) a QR code of it (of its
    check-in address on the web, ``web_url``, when that is given).

    Examples
    --------
    >>> from services.matcher.agendas.build import build_agendas
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> sme, buyer = snapshot.smes[0].organisation.id, snapshot.buyers[0].organisation.id
    >>> agendas = build_agendas(snapshot, [(sme, buyer, 0, 0, {"sentence_sv": "<b>Ni</b> passar."})], version=1,
    ...                         published_at=snapshot.generated_at, include_contacts=False)
    >>> page = sme_agenda_html(agendas.sme(sme))
    >>> "<h1>Mötesschema för Städbolaget i Falun AB</h1>" in page, "&lt;b&gt;Ni&lt;/b&gt; passar." in page
    (True, True)
    >>> "<svg" in page, "<svg" in sme_agenda_html(agendas.sme(sme), qr_url="https://example.se/a/x")
    (False, True)
    """
    return _render("sme_agenda.html", agenda, lang, qr=_qr(qr_url, lang, web_url), live=live, **_calendar(qr_url))


def table_sheets_html(
    sheets: Agendas | Sequence[TableAgenda],
    *,
    lang: str = "sv",
    qr_url: str | None = None,
    web_url: object | None = None,
    live: LivePage | None = None,
) -> str:
    """Buyer table sheets on one printable page, each starting a new printed page (one sheet for a buyer's own).

    ``qr_url``: the buyer's agenda link, drawn as a QR code on every sheet (its own sheets only: the
    venue's copy, left on the tables, carries none); with ``web_url`` the code holds its check-in address.

    Examples
    --------
    >>> from services.matcher.agendas.build import build_agendas
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> agendas = build_agendas(snapshot, [], version=1, published_at=snapshot.generated_at, include_contacts=False)
    >>> page = table_sheets_html(agendas, lang="en")
    >>> '<html lang="en">' in page, "Table 1: Falu kommun" in page, "No meetings" in page
    (True, True, True)
    """
    tables = list(sheets.tables if isinstance(sheets, Agendas) else sheets)
    if not tables:
        raise ValueError("no table sheets to render")
    w = words(lang)
    title = (
        f"{w['table_sheet']} {tables[0].table}: {tables[0].buyer_name}" if len(tables) == 1 else tables[0].event_name
    )
    calendar = _calendar(qr_url)
    return _render(
        "table_sheets.html",
        tables[0],
        lang,
        sheets=tables,
        title=title,
        qr=_qr(qr_url, lang, web_url),
        live=live,
        **calendar,
    )


def grid_html(grid: EventGrid, *, lang: str = "sv") -> str:
    """The organiser's grid (slots × tables) as a printable landscape page.

    Examples
    --------
    >>> from services.matcher.agendas.build import build_agendas
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> sme, buyer = snapshot.smes[1].organisation.id, snapshot.buyers[0].organisation.id
    >>> agendas = build_agendas(snapshot, [(sme, buyer, 2, 0, {})], version=1, published_at=snapshot.generated_at,
    ...                         include_contacts=False)
    >>> "<td>Mora Bygg AB</td>" in grid_html(agendas.grid)
    True
    """
    return _render("grid.html", grid, lang)
