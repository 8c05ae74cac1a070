"""Every page a participant opens, and the organiser's pages, on a phone (375 × 740 CSS px): nothing wider
than the screen, no box that scrolls sideways (tables are stacked cards there; only the organiser's
schedule grid, tables × slots, scrolls inside its own labelled, focusable region), no word broken letter
by letter, and the axe-core audit of :func:`check_page`. Each page's document width is written to
``test-artifacts/phone-widths.json``; screenshots are ``test-artifacts/screenshots/phone-*.png``.

The pages are those of an event of this module's own (the browser stack's sample loaded again under
another name), so they do not depend on the journey's state: the open event's pages first, then the
published event's agendas, both the no-login agenda links (the e-mailed page, in Swedish and English)
and the signed-in agenda pages; then the organiser's list of events, the event, its form, sign-ups,
schedule versions, the grid with its rules and meetings, publishing, the log, the venue board's links and
the accounts.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from deploy.load_sample import load_sample
from deploy.sample_data import generate_sample

from .conftest import ARTIFACTS, Stack, check_page, close_schedule_publish

PHONE = {"width": 375, "height": 740}
WIDTHS = ARTIFACTS / "phone-widths.json"
EVENT_NAME = "Affärsträff Dalarna 2027 (telefonprov)"
BUYER_PASSWORD = "ett långt lösenord för köparen i telefonen"

# Boxes that scroll sideways (a table wider than its wrapper), as "tag.class scrolls N px". With
# ``regionsMayScroll`` a labelled, focusable region is let be: a wide data table (the schedule grid, tables
# × slots) may scroll inside it (WCAG 1.4.10 allows it for data that needs two dimensions), as the
# keyboard reaches and scrolls it and a screen reader names it.
_SIDEWAYS_SCROLLERS = """(regionsMayScroll) => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const style = getComputedStyle(el);
    if (!['auto', 'scroll'].includes(style.overflowX) || el.scrollWidth <= el.clientWidth + 1) continue;
    const named = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (regionsMayScroll && el.getAttribute('role') === 'region' && el.getAttribute('tabindex') === '0' && named) {
      continue;
    }
    out.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
             + ' scrolls ' + (el.scrollWidth - el.clientWidth) + ' px');
  }
  return out.slice(0, 8);
}"""

# Words of 4–20 letters laid out over three lines or more: a column squeezed until words break letter
# by letter (one break, at a hyphenation point, is allowed).
_BROKEN_WORDS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    for (const m of node.textContent.matchAll(/\\p{L}{4,20}/gu)) {
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (lines.size > 2) out.push(m[0] + ' on ' + lines.size + ' lines');
    }
  }
  return out.slice(0, 8);
}"""


def _record_width(name: str, url: str, width: int) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    widths = json.loads(WIDTHS.read_text()) if WIDTHS.exists() else {}
    widths[name] = {"url": re.sub(r"/a/[^/.?]+", "/a/…", url), "scroll_width": width}
    WIDTHS.write_text(json.dumps(widths, indent=2, ensure_ascii=False))


async def fits_a_phone(page: Any, name: str, problems: list[str], *, regions_may_scroll: bool = False) -> None:
    """Record the page's width and add to ``problems`` what is wider than the phone's screen (and axe-core's
    findings), so one run lists every page that does not fit. ``regions_may_scroll``: a labelled, focusable
    region may scroll its wide table sideways (see ``_SIDEWAYS_SCROLLERS``)."""
    await page.wait_for_load_state("load")
    width = await page.evaluate("document.documentElement.scrollWidth")
    _record_width(name, page.url, width)
    try:
        await check_page(page, f"phone-{name}")  # axe-core, screenshot, and what sticks out past the edge
    except AssertionError as error:
        problems.append(str(error))
    if width > PHONE["width"]:
        problems.append(f"{name} is {width} px wide")
    if scrollers := await page.evaluate(_SIDEWAYS_SCROLLERS, regions_may_scroll):
        problems.append(f"{name}: boxes scroll sideways: {scrollers}")
    if broken := await page.evaluate(_BROKEN_WORDS):
        problems.append(f"{name}: words broken letter by letter: {broken}")


@dataclass
class PhoneEvent:
    """This module's event and the participants whose pages are visited."""

    event_id: str
    sme_id: str = ""
    sme_email: str = ""
    buyer_id: str = ""
    buyer_email: str = ""
    links: dict[str, str] = field(default_factory=dict)  # kind → agenda link URL
    other_sme_id: str = ""
    other_sme_link: str = ""  # another firm with meetings (the one that cancels)
    published: bool = False


@pytest.fixture(scope="module")
async def phone_event(stack: Stack) -> PhoneEvent:
    sample = generate_sample(seed=7, smes=14)  # the stack's organisations again, in an event of its own
    sample.event = {**sample.event, "name": EVENT_NAME}
    loaded = await load_sample(stack.registry, stack.organiser_token, sample)
    status, registrations = await stack.api("GET", f"{stack.registry}/events/{loaded.event_id}/registrations?limit=200")
    assert status == 200, registrations
    kinds = {r["organisation_id"]: r["kind"] for r in registrations["items"] if r["status"] == "active"}
    event = PhoneEvent(loaded.event_id)
    # The firm and the buyer with the most needs: the longest rows, the likeliest to stick out.
    event.sme_id = next(org for org, kind in kinds.items() if kind == "sme")
    event.buyer_id = next(org for org, kind in kinds.items() if kind == "buyer")
    event.sme_email = await _contact_email(stack, event.sme_id)
    event.buyer_email = f"telefon.{event.buyer_id[:8]}@exempel.se"
    body = {
        "email": event.buyer_email,
        "password": BUYER_PASSWORD,
        "role": "buyer",
        "organisation_id": event.buyer_id,
        "name": "Telefonprov",
    }
    status, answer = await stack.api("POST", f"{stack.registry}/auth/accounts", body)
    assert status in (201, 409), answer
    return event


async def _contact_email(stack: Stack, organisation_id: str) -> str:
    status, organisation = await stack.api("GET", f"{stack.registry}/organisations/{organisation_id}")
    assert status == 200, organisation
    return organisation["contacts"][0]["email"]


async def _publish(stack: Stack, event: PhoneEvent) -> None:
    """Close sign-up, schedule, publish and make agenda links (once); the firm and buyer become ones with
    meetings."""
    if event.published:
        return
    base = f"{stack.matcher}/events/{event.event_id}"
    job = await close_schedule_publish(stack, event.event_id)
    status, version = await stack.api("GET", f"{base}/schedules/{job['result_version']}")
    meetings = version["meetings"]
    # The busiest firm and buyer: the longest agendas.
    event.sme_id = max({m["sme_id"] for m in meetings}, key=lambda o: sum(m["sme_id"] == o for m in meetings))
    event.buyer_id = max({m["buyer_id"] for m in meetings}, key=lambda o: sum(m["buyer_id"] == o for m in meetings))
    event.sme_email = await _contact_email(stack, event.sme_id)
    event.buyer_email = f"telefon.{event.buyer_id[:8]}@exempel.se"
    body = {"email": event.buyer_email, "password": BUYER_PASSWORD, "role": "buyer", "organisation_id": event.buyer_id}
    status, answer = await stack.api("POST", f"{stack.registry}/auth/accounts", body | {"name": "Telefonprov"})
    assert status in (201, 409), answer
    status, links = await stack.api("POST", f"{base}/agenda-links")
    assert status in (200, 201), links
    others = {m["sme_id"] for m in meetings} - {event.sme_id}
    for link in links["items"]:
        if link["organisation_id"] in others:
            event.other_sme_id, event.other_sme_link = link["organisation_id"], link["url"]
        if link["organisation_id"] == event.sme_id:
            event.links["sme"] = link["url"]
        if link["organisation_id"] == event.buyer_id:
            event.links["buyer"] = link["url"]
    assert set(event.links) == {"sme", "buyer"}, links
    event.published = True


async def _firm_page(new_page: Any, email: str) -> Any:
    """A phone signed in as the firm with ``email`` (by the e-mailed link the dev stack shows)."""
    page = await new_page(**PHONE)
    await page.goto("/logga-in/lank")
    await page.get_by_label("E-post").fill(email)
    await page.get_by_role("button", name="Skicka länk").click()
    await page.locator("a.dev-sign-in-link").first.click()
    await page.get_by_role("main").get_by_role("button", name="Logga in").click()
    await page.wait_for_url(re.compile(r"/foretag"))
    return page


async def _password_page(new_page: Any, email: str, password: str, landing: str) -> Any:
    """A phone signed in with an account's password; it lands on ``landing``."""
    page = await new_page(**PHONE)
    await page.goto("/logga-in")
    await page.get_by_label("E-post").fill(email)
    await page.get_by_label("Lösenord").fill(password)
    await page.get_by_role("main").get_by_role("button", name="Logga in").click()
    await page.wait_for_url(re.compile(landing + "$"))
    return page


async def _buyer_page(new_page: Any, email: str) -> Any:
    return await _password_page(new_page, email, BUYER_PASSWORD, "/kopare")


async def test_pages_before_signing_in_fit_a_phone(new_page, stack: Stack, phone_event: PhoneEvent) -> None:
    page, problems = await new_page(**PHONE), []
    for path, name in [
        ("/", "start"),
        ("/registrera", "register"),
        ("/logga-in", "sign-in"),
        ("/logga-in/lank", "sign-in-link"),
        ("/logga-in/glomt", "password-forgot"),
        ("/integritet", "privacy"),
        ("/integritet?lang=en", "privacy-en"),
        ("/cpv?q=st%C3%A4dning", "cpv-search"),
    ]:
        await page.goto(path)
        await fits_a_phone(page, name, problems)
    # Signing in with an e-mailed link: the page saying it was sent, and the one the link opens.
    await page.goto("/logga-in/lank?lang=sv")
    await page.get_by_label("E-post").fill(phone_event.sme_email)
    await page.get_by_role("button", name="Skicka länk").click()
    await fits_a_phone(page, "sign-in-link-sent", problems)
    await page.locator("a.dev-sign-in-link").first.click()
    await fits_a_phone(page, "sign-in-link-confirm", problems)
    assert not problems, "\n".join(problems)


async def test_firm_pages_fit_a_phone(new_page, stack: Stack, phone_event: PhoneEvent) -> None:
    page, problems = await _firm_page(new_page, phone_event.sme_email), []
    event = f"/foretag/evenemang/{phone_event.event_id}"
    for path, name in [
        ("/foretag", "sme-start"),
        ("/foretag/profil", "sme-profile"),
        (event, "sme-needs"),
        (event + "?lang=en", "sme-needs-en"),
        (event + "/anmalan", "sme-signup"),
        (event + "/avboka", "sme-cancel"),
    ]:
        await page.goto(path)
        await fits_a_phone(page, name, problems)
    assert not problems, "\n".join(problems)


async def test_buyer_pages_fit_a_phone(new_page, stack: Stack, phone_event: PhoneEvent) -> None:
    page, problems = await _buyer_page(new_page, phone_event.buyer_email), []
    for path, name in [
        ("/kopare", "buyer-start"),
        ("/kopare/organisation", "buyer-organisation"),
        ("/kopare/behov/ny", "buyer-need-new"),
        ("/kopare/behov/importera", "buyer-need-import"),
        (f"/kopare/evenemang/{phone_event.event_id}/anmalan", "buyer-signup"),
    ]:
        await page.goto(path)
        await fits_a_phone(page, name, problems)
    assert not problems, "\n".join(problems)


async def test_emailed_agenda_pages_fit_a_phone(new_page, stack: Stack, phone_event: PhoneEvent) -> None:
    await _publish(stack, phone_event)
    page, problems = await new_page(**PHONE), []
    for kind, name in [("sme", "agenda-link"), ("buyer", "table-agenda-link")]:
        await page.goto(phone_event.links[kind] + ".html")
        assert await page.locator("html").get_attribute("lang") == "sv"
        assert await page.locator("tbody tr").count() >= 1
        await fits_a_phone(page, name, problems)
        await page.goto(phone_event.links[kind] + ".html?lang=en")
        assert await page.locator("html").get_attribute("lang") == "en"
        await fits_a_phone(page, name + "-en", problems)
    assert not problems, "\n".join(problems)


async def test_emailed_agenda_cells_say_their_column_on_a_phone(
    new_page, stack: Stack, phone_event: PhoneEvent
) -> None:
    """Stacked cards still say what each value is: every cell names its column, visibly on a phone."""
    await _publish(stack, phone_event)
    page = await new_page(**PHONE)
    await page.goto(phone_event.links["sme"] + ".html")
    headers = [h.strip() for h in await page.locator("thead th").all_inner_texts()]
    first_row = page.locator("tbody tr").first
    cells = first_row.locator("th, td")
    assert await cells.count() == len(headers)
    for index, header in enumerate(headers):
        assert await cells.nth(index).get_attribute("data-label") == header
    # On a phone the header row is out of sight and each cell shows its column's name before its value.
    for index in range(1, len(headers)):
        shown = await cells.nth(index).evaluate("(el) => getComputedStyle(el, '::before').content")
        assert headers[index] in shown, (headers[index], shown)
    assert await _layout(page, "table.meetings") == ("block", "Bord")
    # On paper (even printed from the phone) and on a wider screen it is the table, labels in its header.
    await page.emulate_media(media="print")
    assert await _layout(page, "table.meetings") == ("table", "none")
    await page.emulate_media(media="screen")
    await page.set_viewport_size({"width": 1024, "height": 740})
    assert await _layout(page, "table.meetings") == ("table", "none")


async def _layout(page: Any, table: str) -> tuple[str, str]:
    """How ``table`` is laid out, and what its first row's second cell shows before its value."""
    display, before = await page.locator(table).first.evaluate(
        """(t) => [getComputedStyle(t).display,
                   getComputedStyle(t.tBodies[0].rows[0].cells[1], '::before').content.replace(/"/g, '')]"""
    )
    return display, before


async def test_signed_in_agendas_fit_a_phone(new_page, stack: Stack, phone_event: PhoneEvent) -> None:
    await _publish(stack, phone_event)
    problems: list[str] = []
    firm = await _firm_page(new_page, phone_event.sme_email)
    await firm.goto(f"/foretag/evenemang/{phone_event.event_id}/agenda")
    assert await firm.locator("#agenda-meetings > li").count() >= 1
    await fits_a_phone(firm, "sme-agenda", problems)
    await firm.goto(f"/foretag/evenemang/{phone_event.event_id}?lang=en")
    await fits_a_phone(firm, "sme-needs-closed-en", problems)
    buyer = await _buyer_page(new_page, phone_event.buyer_email)
    await buyer.goto(f"/kopare/evenemang/{phone_event.event_id}/agenda")
    assert await buyer.locator("table tbody tr").count() >= 1
    await fits_a_phone(buyer, "buyer-agenda", problems)
    assert await _layout(buyer, "table.stack") == ("block", "Företag")
    await buyer.goto(f"/kopare/evenemang/{phone_event.event_id}/agenda?lang=en")
    await fits_a_phone(buyer, "buyer-agenda-en", problems)
    assert not problems, "\n".join(problems)
    await buyer.emulate_media(media="print")
    assert await _layout(buyer, "table.stack") == ("table", "none")
    await buyer.emulate_media(media="screen")
    await buyer.set_viewport_size({"width": 1024, "height": 740})
    assert await _layout(buyer, "table.stack") == ("table", "none")


async def test_cancelled_firms_agenda_page_fits_a_phone(new_page, stack: Stack, phone_event: PhoneEvent) -> None:
    """A firm that cancels after publication opens its e-mailed link: the page saying so lists what is off."""
    await _publish(stack, phone_event)
    status, registrations = await stack.api(
        "GET", f"{stack.registry}/events/{phone_event.event_id}/registrations?limit=200"
    )
    assert status == 200, registrations
    (registration,) = [r for r in registrations["items"] if r["organisation_id"] == phone_event.other_sme_id]
    if registration["status"] == "active":
        status, answer = await stack.api(
            "POST", f"{stack.registry}/registrations/{registration['id']}/cancel", {"reason": "Telefonprov"}
        )
        assert status == 200, answer
    page, problems = await new_page(**PHONE), []
    # The matcher learns of the cancellation from the registry's change feed (polled every few seconds).
    for _ in range(120):
        response = await page.goto(phone_event.other_sme_link + ".html")
        if response.status == 410:
            break
        await asyncio.sleep(0.25)
    assert response.status == 410, await page.content()
    assert await page.locator("table.meetings tbody tr").count() >= 1
    await fits_a_phone(page, "agenda-link-cancelled", problems)
    await page.goto(phone_event.other_sme_link + ".html?lang=en")
    await fits_a_phone(page, "agenda-link-cancelled-en", problems)
    assert not problems, "\n".join(problems)
    assert await _layout(page, "table.meetings") == ("block", "Table")


async def test_participant_tables_fit_tablets_and_laptops_too(new_page, stack: Stack, phone_event: PhoneEvent) -> None:
    """Between the phone and the big screen (cards up to 64rem, the matcher's up to 40rem) nothing scrolls
    sideways either: the table comes back only where its columns fit."""
    await _publish(stack, phone_event)
    firm = await _firm_page(new_page, phone_event.sme_email)
    buyer = await _buyer_page(new_page, phone_event.buyer_email)
    event = phone_event.event_id
    pages = [
        (firm, f"/foretag/evenemang/{event}", "sme-needs"),
        (buyer, "/kopare", "buyer-start"),
        (buyer, f"/kopare/evenemang/{event}/anmalan", "buyer-signup"),
        (buyer, f"/kopare/evenemang/{event}/agenda", "buyer-agenda"),
        (buyer, phone_event.links["sme"] + ".html", "agenda-link"),
        (buyer, phone_event.links["buyer"] + ".html", "table-agenda-link"),
    ]
    problems = []
    for width in (640, 768, 1024, 1280):
        for page, path, name in pages:
            await page.set_viewport_size({"width": width, "height": 800})
            await page.goto(path)
            scroll_width = await page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width:
                problems.append(f"{name} at {width} px is {scroll_width} px wide")
            if scrollers := await page.evaluate(_SIDEWAYS_SCROLLERS):
                problems.append(f"{name} at {width} px: {scrollers}")
    assert not problems, "\n".join(problems)


ORGANISER_EMAIL = "arrangor.telefon@exempel.se"
ORGANISER_PASSWORD = "ett långt lösenord för arrangören i telefonen"


async def _organiser_page(new_page: Any, stack: Stack) -> Any:
    body = {"email": ORGANISER_EMAIL, "password": ORGANISER_PASSWORD, "role": "organiser", "name": "Telefonprov"}
    status, answer = await stack.api("POST", f"{stack.registry}/auth/accounts", body)
    assert status in (201, 409), answer
    return await _password_page(new_page, ORGANISER_EMAIL, ORGANISER_PASSWORD, "/arrangor")


async def test_organiser_pages_fit_a_phone(new_page, stack: Stack, phone_event: PhoneEvent) -> None:
    """The organiser's pages at 375 px, the schedule's grid (tables × slots) among them: the page never
    scrolls sideways; the grid, the weak meetings and the meeting list scroll inside their own labelled,
    focusable regions; axe-core finds nothing serious."""
    await _publish(stack, phone_event)
    page, problems = await _organiser_page(new_page, stack), []
    event = f"/arrangor/evenemang/{phone_event.event_id}"
    status, versions = await stack.api("GET", f"{stack.matcher}/events/{phone_event.event_id}/schedules")
    assert status == 200, versions
    number = max(item["number"] for item in versions["items"])
    for path, name in [
        ("/arrangor", "organiser-events"),
        ("/arrangor/evenemang/ny", "organiser-event-new"),
        (event, "organiser-event"),
        (event + "/andra", "organiser-event-edit"),
        (event + "/anmalningar", "organiser-signups"),
        (event + "/schema", "organiser-schedule"),
        (f"{event}/schema/{number}", "organiser-schedule-version"),
        (f"{event}/schema/{number}?lang=en", "organiser-schedule-version-en"),
        (f"{event}/schema/{number}/publicera?lang=sv", "organiser-schedule-publish"),
        (event + "/logg", "organiser-log"),
        (event + "/skarm", "organiser-board"),
        ("/arrangor/konton", "organiser-accounts"),
        ("/arrangor/statistik", "organiser-statistics"),
    ]:
        await page.goto(path)
        await fits_a_phone(page, name, problems, regions_may_scroll=True)
    assert not problems, "\n".join(problems)
    # The grid is wider than the phone; its region is reached by the keyboard, and the arrow keys scroll it.
    await page.goto(f"{event}/schema/{number}")
    grid = page.get_by_role("region", name=re.compile("Bord och tider"))
    assert await grid.evaluate("el => el.scrollWidth > el.clientWidth + 1 && el.scrollLeft === 0")
    await grid.focus()
    for _ in range(3):
        await page.keyboard.press("ArrowRight")
    await page.wait_for_function("() => document.querySelector('.grid-scroll').scrollLeft > 0")
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
