"""The first run and the shared formats in a real browser, on a stack of this module's own.

First, what ``python3 dev.py up`` offers a newcomer: the sample's open event, loaded here by
:func:`deploy.open_event.load_open_event` itself, and the firm :func:`deploy.first_run.first_run` names as
one that can sign up. That firm signs in by link, finds the event on its start page and the home page,
reads the public event page, signs up ranking a need and is told what happens next.

Then the formats (:mod:`shared.formatting`) on a published agenda, as a page and as the PDF its link
downloads: phones as dialled in Sweden from the stored E.164 number, dates with their weekday and "kl.",
the zone as "svensk tid" and never "Europe/Stockholm", and a firm's Polish name printed as written.
Every page passes axe-core (:func:`check_page`).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import pypdf
import pytest
from playwright.async_api import expect

from deploy.first_run import SampleEvent, first_run, registry_facts
from deploy.open_event import event_name, generate_open_event, load_open_event, open_event_date
from deploy.sample_accounts import SampleAccounts
from deploy.sample_data import generate_sample
from shared.clock import SystemClock
from shared.formatting import STOCKHOLM
from shared.reference.orgnr import orgnr_from_serial

from .conftest import Stack, check_page, close_schedule_publish, pages_on, start_stack

# The sample start_stack loads (tests/browser/conftest.py): the open event is drawn from the same one.
SAMPLE = generate_sample(seed=7, smes=14)
WEEKDAYS = "måndag|tisdag|onsdag|torsdag|fredag|lördag|söndag"
# "fredag 4 december 2026 kl. 19:05": a moment as shared.formatting.when writes it in Swedish.
MOMENT = re.compile(rf"\b(?:{WEEKDAYS}) \d{{1,2}} [a-zä]+ \d{{4}} kl\. \d{{2}}:\d{{2}}\b")
MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
          "november", "december")  # fmt: skip
NATIONAL_PHONE = re.compile(r"\b0\d{2}-\d{3} \d{2} \d{2}\b")
POLISH_FIRM = {"name": "Łódź Städservice AB", "email": "kontakt@lodz-stad.example.se", "phone": "+46701740758"}


def swedish_day(day: dt.date) -> str:
    """A day of the month as the next steps write it ("8 september"), spelt out here."""
    return f"{day.day} {MONTHS[day.month - 1]}"


def national_mobile(e164: str) -> str:
    """A Swedish mobile number as it is dialled at home, written out here rather than by the code under test:
    "+46701740758" -> "070-174 07 58"."""
    assert re.fullmatch(r"\+467\d{8}", e164), e164
    digits = "0" + e164[3:]
    return f"{digits[:3]}-{digits[3:6]} {digits[6:8]} {digits[8:]}"


@pytest.fixture(scope="module")
async def own_stack(pg_server: str, tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> AsyncIterator:
    """A stack of this module's own: the open event joins the sample's, and the sample's gets published."""
    async with start_stack(pg_server, tmp_path_factory.mktemp("first-run-formats")) as stack:
        yield stack


@pytest.fixture
async def pages(browser: Any, own_stack: Stack) -> AsyncIterator[Any]:
    async with pages_on(browser, own_stack.web) as make:
        yield make


async def firm_signs_in_by_link(page: Any, email: str) -> None:
    """As a firm does without a mail server: the link is shown on the page (WEB_DEV_SHOW_SIGN_IN_LINKS)."""
    await page.goto("/logga-in/lank")
    await page.get_by_label("E-post").fill(email)
    await page.get_by_role("button", name="Skicka länk").click()
    await page.locator("a.dev-sign-in-link").first.click()
    await page.get_by_role("main").get_by_role("button", name="Logga in").click()
    await page.wait_for_url(re.compile(r"/foretag$"))


async def test_a_new_firm_signs_up_for_the_first_runs_open_event(pages, own_stack: Stack) -> None:
    stack = own_stack
    # The services run on the real time here, so "today" is the system clock's, as in ``up`` without CLOCK_FILE.
    today = SystemClock().now().astimezone(STOCKHOLM).date()
    opened = await load_open_event(stack.registry, stack.organiser_token, sample=SAMPLE, today=today)
    assert opened.name == event_name(open_event_date(today)) and opened.name.startswith("Affärsträff Mora ")
    assert not opened.already_loaded and opened.registrations > 0
    # Who ``up`` names as "a firm that can sign up", picked as deploy/local.py picks it.
    _, signed_up = await registry_facts(stack.registry, stack.organiser_token, set(), opened.event_id)
    accounts = SampleAccounts("arrangor@exempel.se", "-", None, None, "-", None, None)
    run = first_run(
        SAMPLE, SampleEvent(stack.event_id, SAMPLE.event["name"]), accounts, set(),
        open_event=(SampleEvent(opened.event_id, opened.name), generate_open_event(SAMPLE, today), signed_up),
    )  # fmt: skip
    assert run.new_firm is not None, "the sample offers a firm that fits the open event"
    firm = run.new_firm

    # Before signing in: the home page lists the event, and its public page tells what the day is.
    visitor = await pages()
    await visitor.goto("/")
    coming = visitor.locator("#coming-events")
    await expect(coming.get_by_role("link", name=opened.name)).to_be_visible()
    await expect(coming.locator("li", has_text=opened.name)).to_contain_text("Öppen för anmälan")
    await check_page(visitor, "first-run-home")
    await coming.get_by_role("link", name=opened.name).click()
    await visitor.wait_for_url(re.compile(rf"/evenemang/{opened.event_id}$"))
    await expect(visitor.get_by_role("heading", level=1)).to_have_text(opened.name)
    await expect(visitor.locator("#programme")).to_contain_text("Lunch")
    await expect(visitor.get_by_role("link", name="Anmäl er", exact=True)).to_be_visible()
    await check_page(visitor, "first-run-public-event")

    # The firm signs in (a signed-in firm's home is its start page), finds the event there and signs up.
    page = await pages()
    await firm_signs_in_by_link(page, firm.email)
    await expect(page.get_by_role("heading", level=1)).to_have_text(firm.name)
    card = page.locator("#event-list .card", has=page.get_by_role("heading", name=opened.name))
    await expect(card).to_contain_text("Sista anmälningsdag")
    await expect(card.get_by_role("link", name=f"Anmäl er till {opened.name}")).to_be_visible()
    await check_page(page, "first-run-firm-start")
    await page.goto(f"/evenemang/{opened.event_id}")
    await page.get_by_role("link", name="Anmäl er", exact=True).click()
    await page.wait_for_url(re.compile(rf"/foretag/evenemang/{opened.event_id}/anmalan$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Anmäl er till {opened.name}")
    await check_page(page, "first-run-signup")
    for box in await page.locator("#f-slots input[type=checkbox]").all():
        await box.check()
    ranks = page.locator("#interest-list input[type=number]")
    await expect(ranks.first).to_be_visible()  # the buyers' needs brought to Mora, best fit first
    ranked = (await ranks.first.get_attribute("name") or "").removeprefix("rank-")
    await ranks.first.fill("1")
    await page.get_by_role("button", name="Skicka anmälan").click()

    await expect(page.locator("#signup-saved")).to_be_visible()
    next_steps = page.locator("#signup-next")
    await expect(next_steps.get_by_role("heading", name="Vad händer nu?")).to_be_visible()
    closes = dt.datetime.fromisoformat(opened.deadline).astimezone(STOCKHOLM)
    await expect(next_steps.locator("li").first).to_have_text(re.compile(rf"^Anmälan stänger {swedish_day(closes)}\. "))
    await expect(next_steps).to_contain_text(f"före träffen den {swedish_day(opened.day)}:")
    await check_page(page, "first-run-signup-saved")

    status, found = await stack.api("GET", f"{stack.registry}/organisations?kind=sme&q={quote(firm.name)}")
    assert status == 200, found
    firm_id = next(org["id"] for org in found["items"] if org["name"] == firm.name)
    status, registrations = await stack.api(
        "GET", f"{stack.registry}/events/{opened.event_id}/registrations?status=active&limit=200"
    )
    assert status == 200, registrations
    mine = [r for r in registrations["items"] if r["organisation_id"] == firm_id]
    assert len(mine) == 1, mine
    assert ranked in [str(need) for need in mine[0]["wanted_needs"]], (ranked, mine[0])
    brought = {str(need) for r in registrations["items"] if r["kind"] == "buyer" for need in r["brought_needs"]}
    assert ranked in brought, "the need ranked is one a buyer brings to the open event"


async def _post(stack: Stack, url: str, body: dict[str, Any]) -> dict[str, Any]:
    status, answer = await stack.api("POST", url, body)
    assert status in (200, 201), answer
    return answer


async def polish_firm_signs_up(stack: Stack) -> str:
    """A firm with a Polish name, selling what a need brought to the sample event asks for, signs up wanting it."""
    status, registrations = await stack.api("GET", f"{stack.registry}/events/{stack.event_id}/registrations?limit=200")
    assert status == 200, registrations
    need_id = next(r["brought_needs"][0] for r in registrations["items"] if r["kind"] == "buyer" and r["brought_needs"])
    status, need = await stack.api("GET", f"{stack.registry}/needs/{need_id}")
    assert status == 200, need
    contact = {"name": "Łucja Wójcik", "email": POLISH_FIRM["email"], "phone": POLISH_FIRM["phone"]}
    body = {
        "kind": "sme", "orgnr": orgnr_from_serial(779_001), "name": POLISH_FIRM["name"],
        "municipality_code": need.get("delivery_municipality") or "2080", "cpv_codes": [need["cpv_main"]],
        "areas_served": {"whole_country": True, "counties": [], "municipalities": []}, "contacts": [contact],
    }  # fmt: skip
    firm = await _post(stack, f"{stack.registry}/organisations", body)
    await _post(
        stack,
        f"{stack.registry}/events/{stack.event_id}/registrations",
        {"organisation_id": firm["id"], "wanted_needs": [need_id], "max_meetings": 3},
    )
    return firm["id"]


def pdf_text(data: bytes) -> str:
    """The PDF's text with its whitespace folded to single spaces (table cells wrap lines anywhere)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


async def test_a_published_agenda_shows_the_shared_formats_on_its_page_and_in_its_pdf(pages, own_stack: Stack) -> None:
    stack = own_stack
    await polish_firm_signs_up(stack)
    await close_schedule_publish(stack, stack.event_id)

    page = await pages()
    await firm_signs_in_by_link(page, POLISH_FIRM["email"])
    await expect(page.get_by_role("heading", level=1)).to_have_text(POLISH_FIRM["name"])
    await page.goto(f"/foretag/evenemang/{stack.event_id}/agenda")
    meetings = page.locator("#agenda-meetings > li")
    await expect(meetings.first).to_be_visible()  # it wanted a need brought there, so it meets its buyer

    # Phones: dialled from the stored E.164 number, read in the national form.
    phones = page.locator("#agenda-meetings a[href^='tel:']")
    await expect(phones.first).to_be_visible()
    shown: list[str] = []
    for link in await phones.all():
        stored = (await link.get_attribute("href") or "").removeprefix("tel:")
        shown.append(await link.inner_text())
        assert shown[-1] == national_mobile(stored), (stored, shown[-1])
    main = " ".join((await page.locator("main").inner_text()).split())
    assert "+46" not in main, main
    assert re.search(rf"publicerad {MOMENT.pattern}\.", main), main  # "publicerad fredag 4 december 2026 kl. 19:05."
    body = await page.locator("body").inner_text()
    assert "svensk tid" in body and "Europe/Stockholm" not in body
    await check_page(page, "formats-agenda")

    # The PDF its link downloads says the same, in the same words.
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Ladda ner agendan som PDF").click()
    download = await download_info.value
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    data = (await download.path()).read_bytes()
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert f"Mötesschema för {POLISH_FIRM['name']}" in text, text[:400]  # "Łódź" printed as written
    assert all(number in text for number in shown), (shown, text)
    assert NATIONAL_PHONE.search(text) and "+46" not in text, text
    assert MOMENT.search(text), text
    assert re.search(rf"\b(?:{WEEKDAYS}) \d{{1,2}} [a-zä]+ \d{{4}}\b", text), text  # the event's day
    assert "Alla tider i svensk tid" in text and "Europe/Stockholm" not in text, text
