"""QR codes of agenda links on the agendas and the reception's file: each decoded back to its URL by a real
decoder (zxing-cpp) from the image the PDF holds (pypdf) or from the inline SVG the page holds (its path
drawn into pixels here), on the real matcher app."""

from __future__ import annotations

import io
import json
import re
import uuid
from urllib.parse import urlsplit

import numpy as np
import pypdf
import zxingcpp

from services.matcher.agendas.build import build_agendas
from services.matcher.agendas.html import sme_agenda_html, table_sheets_html
from services.matcher.agendas.pdf import agenda_pdf, table_sheets_pdf
from services.matcher.agendas.qr import qr_svg
from services.matcher.agendas.reception import swedish_sort_key
from services.matcher.engine.examples import example_snapshot
from shared.snapshot import EventSnapshot
from tests.conftest import bearer

# The agenda tests' fixtures (a stored version, organisations, tokens) serve here too.
from tests.matcher.test_agenda_routes import event, publish, world

__all__ = ["event", "world"]

URL = "https://affarstraff.example.se/a/" + "Q" * 43


def decode(image) -> list[str]:
    """Every QR code zxing-cpp finds in an image (PIL image or numpy array)."""
    return [found.text for found in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def svg_codes(html: str) -> list[str]:
    """The QR codes of every inline ``<svg>`` of a page, decoded: segno's path (``M x y``, ``m dx dy``,
    ``h dx`` with stroke width 1 on row centres) drawn into pixels, 8 per module."""
    found = []
    for view, path in re.findall(r'<svg viewBox="0 0 (\d+) \d+"[^>]*>.*?<path[^>]* d="([^"]+)"', html, re.S):
        size, scale = int(view), 8
        pixels = np.full((size * scale, size * scale), 255, dtype=np.uint8)
        x = y = 0.0
        for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
            if op == "M":
                x, y = float(a), float(b)
            elif op == "m":
                x, y = x + float(a), y + float(b)
            else:
                row = int(y - 0.5)
                pixels[row * scale : (row + 1) * scale, int(x) * scale : int(x + float(a)) * scale] = 0
                x += float(a)
        found += decode(pixels)
    return found


def pdf_codes(data: bytes) -> list[list[str]]:
    """Per page of a PDF, the QR codes decoded from the images on it."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [[text for image in page.images for text in decode(image.image)] for page in reader.pages]


def example_agendas():
    snapshot = example_snapshot()
    sme, buyer = snapshot.smes[0].organisation.id, snapshot.buyers[0].organisation.id
    agendas = build_agendas(
        snapshot, [(sme, buyer, 0, 0, {})], version=1, published_at=snapshot.generated_at, include_contacts=False
    )
    return agendas, sme, buyer


def test_the_qr_code_on_the_html_and_pdf_agendas_decodes_to_the_link():
    agendas, sme, buyer = example_agendas()
    page = sme_agenda_html(agendas.sme(sme), qr_url=URL)
    assert svg_codes(page) == [URL]
    assert qr_svg(URL, title="QR-kod till ditt schema") in page  # segno's own drawing of the URL, unchanged
    assert "Skanna koden för ditt aktuella schema" in page
    assert "Scan the code" in sme_agenda_html(agendas.sme(sme), qr_url=URL, lang="en")
    sheets = agendas.buyer_tables(buyer)
    assert svg_codes(table_sheets_html(sheets, qr_url=URL)) == [URL] * len(sheets)
    assert pdf_codes(agenda_pdf(agendas.sme(sme), qr_url=URL)) == [[URL]]
    assert pdf_codes(agenda_pdf(sheets[0], qr_url=URL)) == [[URL]]
    # Without a link, no code; the venue's sheets (left on the tables) never carry one.
    assert "<svg" not in sme_agenda_html(agendas.sme(sme)) and pdf_codes(agenda_pdf(agendas.sme(sme))) == [[]]
    assert all(codes == [] for codes in pdf_codes(table_sheets_pdf(agendas)))


async def test_each_participants_agenda_carries_its_own_link_and_drafts_none(matcher, db, world):
    event_id, sme, buyer = world["event"], world["sme"], world["buyer"]
    organiser = bearer(world["tokens"]["organiser"])
    sme_path = f"/events/{event_id}/agendas/smes/{sme}"
    # Before any link exists, the organiser's copy has no code to show.
    await publish(db, event_id, 1)
    assert pdf_codes(await (await matcher.get(sme_path + ".pdf", headers=organiser)).read()) == [[]]

    links = (await (await matcher.post(f"/events/{event_id}/agenda-links", headers=organiser)).json())["items"]
    url = {uuid.UUID(item["organisation_id"]): item["url"] for item in links}
    for who, path in ((sme, sme_path), (buyer, f"/events/{event_id}/agendas/buyers/{buyer}")):
        link_path = urlsplit(url[who]).path
        by_link = await matcher.get(link_path + ".pdf")
        assert by_link.status == 200
        pages = pdf_codes(await by_link.read())
        assert pages and all(codes == [url[who]] for codes in pages), who
        html = await (await matcher.get(link_path + ".html?lang=en")).text()
        assert set(svg_codes(html)) == {url[who]}
        # The organiser's and the participant's own copies show the participant's link too.
        token = world["tokens"]["sme" if who == sme else "buyer"]
        for auth in (organiser, bearer(token)):
            assert all(
                codes == [url[who]]
                for codes in pdf_codes(await (await matcher.get(path + ".pdf", headers=auth)).read())
            )
            assert set(svg_codes(await (await matcher.get(path + ".html", headers=auth)).text())) == {url[who]}

    # The venue's table sheets carry no code; neither does a draft preview (the link shows the published one).
    grid = await (await matcher.get(f"/events/{event_id}/agendas/grid.pdf", headers=organiser)).read()
    assert all(codes == [] for codes in pdf_codes(grid))
    await db.execute(
        "INSERT INTO matcher.schedule_versions (event_id, number, snapshot_hash, snapshot, venue) "
        "SELECT event_id, 2, snapshot_hash, snapshot, venue FROM matcher.schedule_versions WHERE event_id = $1",
        event_id,
    )
    draft = await (await matcher.get(sme_path + ".html?version=2", headers=organiser)).text()
    assert "<svg" not in draft

    # A revoked link leaves the page; the ETag changes with it (no stale code from a browser's cache).
    before = await matcher.get(sme_path + ".pdf", headers=organiser)
    sme_link = next(item for item in links if item["organisation_id"] == str(sme))
    assert (await matcher.delete(f"/events/{event_id}/agenda-links/{sme_link['id']}", headers=organiser)).status == 204
    after = await matcher.get(sme_path + ".pdf", headers=organiser)
    assert pdf_codes(await after.read()) == [[]] and after.headers["ETag"] != before.headers["ETag"]


async def test_the_reception_file_has_every_firm_by_name_with_its_code(matcher, db, world):
    event_id, snapshot = world["event"], world["snapshot"]
    organiser = bearer(world["tokens"]["organiser"])
    path = f"/events/{event_id}/agendas/smes.pdf"
    assert (await matcher.get(path, headers=organiser)).status == 404  # nothing published yet
    # Swedish names, so the order is Swedish: a–z, then å, ä, ö (not by code point: "Ä" < "Å" there).
    swedish = ["Örebro Städ AB", "Åre Bygg AB", "Zenit El AB", "Ärla Måleri AB", "avesta VVS AB", "Éclair Café"]
    stored = json.loads(
        await db.fetchval("SELECT snapshot FROM matcher.schedule_versions WHERE event_id = $1", event_id)
    )
    for sme, name in zip(stored["smes"], swedish, strict=False):
        sme["organisation"]["name"] = name
    await db.execute(
        "UPDATE matcher.schedule_versions SET snapshot = $2::text::jsonb WHERE event_id = $1",
        event_id,
        json.dumps(stored),
    )
    snapshot = EventSnapshot.model_validate(stored)
    await publish(db, event_id, 1)
    links = (await (await matcher.post(f"/events/{event_id}/agenda-links", headers=organiser)).json())["items"]
    url = {item["organisation_id"]: item["url"] for item in links}

    response = await matcher.get(path, headers=organiser)
    assert response.status == 200 and response.content_type == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-cache" and "ETag" in response.headers
    body = await response.read()
    reader = pypdf.PdfReader(io.BytesIO(body))
    firms = sorted((org.organisation for org in snapshot.smes), key=lambda org: swedish_sort_key(org.name))
    assert [firm.name for firm in firms][:6] == [
        "avesta VVS AB",
        "Éclair Café",
        "Företag 6",
        "Företag 7",
        "Företag 8",
        "Företag 9",
    ] and [firm.name for firm in firms][-4:] == ["Zenit El AB", "Åre Bygg AB", "Ärla Måleri AB", "Örebro Städ AB"]
    assert len(reader.pages) == len(firms)
    assert [page.extract_text().splitlines()[0] for page in reader.pages] == [
        f"Mötesschema för {firm.name}" for firm in firms
    ]
    assert pdf_codes(body) == [[url[str(firm.id)]] for firm in firms]
    english = pypdf.PdfReader(io.BytesIO(await (await matcher.get(path + "?lang=en", headers=organiser)).read()))
    assert english.pages[0].extract_text().startswith("Meeting agenda for")
    again = await matcher.get(path, headers={**organiser, "If-None-Match": response.headers["ETag"]})
    assert again.status == 304
    for caller in ("sme", "buyer"):
        assert (await matcher.get(path, headers=bearer(world["tokens"][caller]))).status == 403
