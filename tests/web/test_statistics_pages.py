"""The organiser's statistics page (/arrangor/statistik) on the real front end, registry and matcher over
two published events a year apart (tests/matcher/test_statistics_report_pdf.py's world): the figures, the
filter form keeping its values, the charts with their data tables, and the CSV, spreadsheet and yearly PDF
arriving through the web with their types, read back with openpyxl and pypdf."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import openpyxl
import pypdf

from tests.matcher.test_statistics_report_pdf import stat_world
from tests.web.conftest import Browser


def shown(html: str) -> str:
    """The page's text as a person reads it (entities decoded, no-break spaces as spaces)."""
    return unescape(html).replace("\xa0", " ")


def figure(html: str, name: str) -> str:
    found = re.search(rf'<dd id="figure-{name}">([^<]*)</dd>', html)
    assert found, f"no figure {name}"
    return found.group(1)


async def test_the_page_shows_the_figures_charts_and_events_and_is_in_the_menu(organiser_browser: Browser, db) -> None:
    await stat_world(db)
    raw = await organiser_browser.page("/arrangor/statistik")
    html = shown(raw)
    assert '<a href="/arrangor/statistik" aria-current="page">Statistik</a>' in html
    assert figure(html, "firms-reached") == "2" and figure(html, "first-time-firms") == "2"
    assert figure(html, "meetings-held") == "2" and figure(html, "no-shows") == "1"
    assert figure(html, "awards") == "1" and figure(html, "awarded-value") == "450 000 kr"
    assert 'id="figure-awarded-value">450\u00a0000\u00a0kr<' in unescape(raw)  # no-break spaces: never split over lines
    # Each chart is drawn and says its numbers in a table too.
    for chart in ("chart-firms", "chart-meetings", "chart-chain", "chart-ratings"):
        part = html[html.index(f'id="{chart}"') :]
        part = part[: part.index("</figure>")]
        assert "<svg" in part and f'aria-labelledby="{chart}-title {chart}-desc"' in part
        assert '<table class="chart-data">' in part
    firms = html[html.index('id="chart-firms"') :]
    assert '<tr><th scope="row">2025</th><td class="num">2</td><td class="num">2</td></tr>' in firms
    assert '<tr><th scope="row">2026</th><td class="num">1</td><td class="num">0</td></tr>' in firms
    chain = html[html.index('id="chart-chain"') : html.index('id="chain-value"')]
    assert '<tr><th scope="row">Tilldelningar till mötta företag</th><td class="num">1</td></tr>' in chain
    events = html[html.index('id="statistics-events"') :]
    assert events.index("Affärsträff Borlänge") < events.index("Affärsträff Falun")  # the latest first
    assert "tisdag 7 oktober 2025" in events
    # The downloads name the latest year's report when no year is chosen.
    assert 'href="/arrangor/statistik/arsrapport-2026.pdf"' in html

    english = shown(await organiser_browser.page("/arrangor/statistik?lang=en"))
    assert "Statistics across the events" in english and "Firms reached per year" in english
    assert 'id="figure-awarded-value">SEK 450,000<' in english


async def test_the_filters_keep_their_values_and_narrow_the_figures(organiser_browser: Browser, db) -> None:
    world = await stat_world(db)
    query = f"year=2025&municipality=2062&buyer={world['buyer']}&cpv_division=90"
    html = shown(await organiser_browser.page(f"/arrangor/statistik?{query}"))
    form = html[html.index('id="statistics-filters"') :]
    form = form[: form.index("</form>")]
    assert '<option value="2025" selected>2025</option>' in form
    assert '<option value="2062" selected>Mora</option>' in form
    assert f'<option value="{world["buyer"]}" selected>Falu kommun</option>' in form
    assert re.search(r'<option value="90" selected>90 [^<]+</option>', form)
    assert '<form method="get" action="/arrangor/statistik" class="filters" id="statistics-filters">' in html
    assert figure(html, "firms-reached") == "1" and figure(html, "no-shows") == "1"  # the Mora builder only
    assert f'href="/arrangor/statistik/statistik.csv?{query}"' in html.replace("&amp;", "&")
    assert 'href="/arrangor/statistik/arsrapport-2025.pdf?municipality=2062' in html

    # A value that is no filter is left out rather than sent on.
    odd = shown(await organiser_browser.page("/arrangor/statistik?year=abc&municipality=1&buyer=x"))
    assert figure(odd, "firms-reached") == "2"


async def test_the_downloads_arrive_with_their_types(organiser_browser: Browser, db) -> None:
    await stat_world(db)
    client = organiser_browser.client
    response = await client.get("/arrangor/statistik/statistik.csv?year=2025")
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = (await response.read()).decode("utf-8-sig")
    assert "Affärsträff Falun" in text and "Affärsträff Borlänge" not in text
    assert len(list(csv.reader(io.StringIO(text), delimiter=";"))) >= 2

    response = await client.get("/arrangor/statistik/statistik.xlsx")
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(await response.read()))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "Affärsträff Falun" in cells and "Affärsträff Borlänge" in cells

    response = await client.get("/arrangor/statistik/arsrapport-2026.pdf?lang=en")
    assert response.status == 200 and response.headers["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(await response.read()))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Yearly report to the steering group" in text and "Compared with 2025" in text

    missing = await client.get("/arrangor/statistik/arsrapport-2024.pdf")
    assert missing.status == 404


async def test_only_organisers_see_the_statistics(web: Browser, db, make_token, make_org) -> None:
    from shared.auth import Role

    await stat_world(db)
    anonymous = await web.client.get("/arrangor/statistik", allow_redirects=False)
    assert anonymous.status == 303 and anonymous.headers["Location"].startswith("/logga-in")
    web.sign_in_with(await make_token(Role.SME, await make_org("sme")))
    for path in ("/arrangor/statistik", "/arrangor/statistik/statistik.csv", "/arrangor/statistik/arsrapport-2026.pdf"):
        response = await web.client.get(path, allow_redirects=False)
        assert response.status == 403, path
