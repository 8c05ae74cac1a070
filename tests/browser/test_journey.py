"""The whole Affärsträff in a real browser, as the issue tells it: a firm registers and signs up, a buyer
adds a need, the organiser schedules and publishes, and the firm sees its agenda.

The tests run in file order and hand state on through ``journey`` (the firm's browser cookies, the need's
title). Every page is audited with axe-core and photographed under ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import re
from typing import Any

import icalendar
import pytest
from playwright.async_api import expect

from shared.reference.orgnr import orgnr_from_serial

from .conftest import Stack, check_page

ORGANISER_PASSWORD = "ett långt lösenord för arrangören"
BUYER_PASSWORD = "ett långt lösenord för köparen"
FIRM = {"orgnr": orgnr_from_serial(777001), "name": "Siljans Fönsterputs AB", "email": "kontakt@siljansputs.example.se"}


@pytest.fixture(scope="session")
def journey() -> dict[str, Any]:
    return {}


async def sign_in(page: Any, email: str, password: str) -> None:
    await page.goto("/logga-in")
    await page.get_by_label("E-post").fill(email)
    await page.get_by_label("Lösenord").fill(password)
    await page.get_by_role("main").get_by_role("button", name="Logga in").click()


async def account(stack: Stack, body: dict[str, Any]) -> None:
    status, answer = await stack.api("POST", f"{stack.registry}/auth/accounts", body)
    assert status in (201, 409), answer


async def test_1_firm_registers_with_checked_orgnr_and_cpv_picker(new_page, stack: Stack, journey) -> None:
    page = await new_page()
    await page.goto("/registrera")
    await check_page(page, "sme-register")
    orgnr = page.get_by_label("Organisationsnummer")
    status = page.locator("#f-orgnr-status")
    # Checked as you type: a wrong check digit is pointed out before the form is sent.
    await orgnr.fill(FIRM["orgnr"][:-1] + str((int(FIRM["orgnr"][-1]) + 1) % 10))
    await orgnr.blur()
    # expect() polls from Playwright's own script world: the page's CSP forbids evaluating strings in it.
    await expect(status).to_have_text(re.compile(r"\S"))
    wrong = await status.inner_text()
    await orgnr.fill(FIRM["orgnr"])
    await orgnr.blur()
    await expect(status).not_to_have_text(wrong)
    await expect(status).to_have_text(re.compile(r"\S"))
    await page.get_by_label("Företagets namn").fill(FIRM["name"])
    await page.get_by_label("Kommun där företaget har sitt säte").select_option("2062")  # Mora
    # The CPV picker: search Swedish labels, see the hierarchy, pick with the keyboard.
    picker = page.get_by_role("combobox", name=re.compile("CPV"))
    await picker.fill("fönsterputs")
    await page.get_by_role("listbox").get_by_role("option").first.wait_for()
    await check_page(page, "sme-register-cpv-picker")
    await picker.press("ArrowDown")
    await picker.press("Enter")
    await page.get_by_role("button", name=re.compile("^Ta bort")).first.wait_for()
    await page.get_by_label("Hela Dalarna").check()
    await page.locator("#f-contact_name").fill("Karin Dahl")
    await page.get_by_label("E-post").fill(FIRM["email"])
    await page.get_by_role("button", name="Registrera företaget").click()
    await page.wait_for_url(re.compile(r"/foretag"))
    await check_page(page, "sme-start")
    status_code, found = await stack.api("GET", f"{stack.registry}/organisations?kind=sme&q={FIRM['name']}")
    assert status_code == 200 and [o["name"] for o in found["items"]] == [FIRM["name"]]
    journey["firm_id"] = found["items"][0]["id"]
    journey["firm_state"] = await page.context.storage_state()


async def test_2_firm_browses_needs_and_signs_up(new_page, stack: Stack, journey) -> None:
    page = await new_page(storage_state=journey["firm_state"])
    await page.goto(f"/foretag/evenemang/{stack.event_id}")
    await check_page(page, "sme-event-needs")
    await page.goto(f"/foretag/evenemang/{stack.event_id}/anmalan")
    await check_page(page, "sme-signup")
    for box in await page.locator("#f-slots input[type=checkbox]").all():
        await box.check()
    ranks = page.locator("#f-interests input[type=number]")
    assert await ranks.count() > 0, "the firm is offered the buyers' needs to rank"
    for index in range(min(3, await ranks.count())):
        await ranks.nth(index).fill(str(index + 1))
    await page.get_by_role("button", name="Skicka anmälan").click()
    await page.locator("#signup-saved").wait_for()
    await check_page(page, "sme-signup-saved")
    status, registrations = await stack.api("GET", f"{stack.registry}/events/{stack.event_id}/registrations?limit=200")
    assert status == 200
    mine = [r for r in registrations["items"] if r["organisation_id"] == journey["firm_id"]]
    assert len(mine) == 1 and mine[0]["status"] == "active"


async def test_3_buyer_adds_a_need(new_page, stack: Stack, journey) -> None:
    _, buyers = await stack.api("GET", f"{stack.registry}/organisations?kind=buyer&limit=1")
    buyer = buyers["items"][0]
    email = "inkop.browser@exempel.se"
    await account(
        stack,
        {"email": email, "password": BUYER_PASSWORD, "role": "buyer", "organisation_id": buyer["id"], "name": "Anna"},
    )
    page = await new_page()
    await sign_in(page, email, BUYER_PASSWORD)
    await page.wait_for_url(re.compile(r"/kopare$"))
    await check_page(page, "buyer-start")
    await page.locator("#new-need").click()
    await check_page(page, "buyer-need-new")
    await page.get_by_label("Rubrik").fill("")
    await page.locator("#save-need").click()
    # Errors next to their fields, in Swedish, nothing saved.
    assert await page.locator("#f-title-error").is_visible()
    await check_page(page, "buyer-need-errors")
    await page.get_by_label("Rubrik").fill("Fönsterputs i kommunens skolor 2028")
    # The buyer's CPV picker is the firms' (the codes travel in the same field): search, pick with the keyboard.
    picker = page.get_by_role("combobox", name=re.compile("CPV"))
    await picker.fill("fönsterputs")
    await page.get_by_role("listbox").get_by_role("option").first.wait_for()
    await picker.press("ArrowDown")
    await picker.press("Enter")
    await page.get_by_role("button", name=re.compile("^Ta bort")).first.wait_for()
    await page.get_by_label("Uppskattat värde i kronor, utan moms").fill("1 400 000")
    await page.locator("#save-need").click()
    await page.wait_for_load_state("load")
    _, needs = await stack.api("GET", f"{stack.registry}/needs?buyer={buyer['id']}&limit=200")
    titles = {need["title"]: need for need in needs["items"]}
    assert "Fönsterputs i kommunens skolor 2028" in titles
    assert titles["Fönsterputs i kommunens skolor 2028"]["estimated_value_sek"] == 1_400_000
    await check_page(page, "buyer-need-saved")
    await page.goto(f"/kopare/evenemang/{stack.event_id}/anmalan")
    await check_page(page, "buyer-signup")
    await page.goto("/kopare/behov/importera")
    await check_page(page, "buyer-need-import")


async def test_4_organiser_creates_an_event_with_a_slot_preview(new_page, stack: Stack) -> None:
    email = "arrangor.browser@exempel.se"
    await account(stack, {"email": email, "password": ORGANISER_PASSWORD, "role": "organiser", "name": "Eva"})
    page = await new_page()
    await sign_in(page, email, ORGANISER_PASSWORD)
    await page.wait_for_url(re.compile(r"/arrangor$"))
    await check_page(page, "organiser-events")
    await page.get_by_role("link", name="Nytt evenemang").click()
    await check_page(page, "organiser-event-new")
    await page.goto("/arrangor/konton")
    await check_page(page, "organiser-accounts")


async def test_5_organiser_schedules_and_publishes(new_page, stack: Stack) -> None:
    page = await new_page()
    await sign_in(page, "arrangor.browser@exempel.se", ORGANISER_PASSWORD)
    await page.wait_for_url(re.compile(r"/arrangor$"))
    await page.goto(f"/arrangor/evenemang/{stack.event_id}")
    await check_page(page, "organiser-event")
    await page.goto(f"/arrangor/evenemang/{stack.event_id}/anmalningar")
    assert await page.get_by_text(FIRM["name"]).count() >= 1
    await check_page(page, "organiser-signups")
    await page.goto(f"/arrangor/evenemang/{stack.event_id}")
    await page.locator("#transition-closed").click()
    await page.wait_for_load_state("load")
    await page.goto(f"/arrangor/evenemang/{stack.event_id}/schema")
    await check_page(page, "organiser-schedule-overview")
    await page.locator("#run-button").click()
    await page.wait_for_url(re.compile(r"/schema/jobb/"))
    job_page = page.url
    # job-progress.js follows the job live and opens the new version when it is done.
    await page.wait_for_url(re.compile(r"/schema/\d+$"), timeout=120_000)
    await check_page(page, "organiser-schedule-version")
    # The job page is audited once the job is done: while it runs, the script may leave it at any moment.
    await page.goto(job_page)
    assert await page.locator("#job-result-link").is_visible()
    await check_page(page, "organiser-job-done")
    await page.go_back()
    await page.locator("#publish-link").click()
    await check_page(page, "organiser-publish-confirm")
    await page.locator("#confirm-publish").click()
    await page.wait_for_load_state("load")
    assert "publicerad" in await page.get_by_role("heading", level=1).inner_text()
    await check_page(page, "organiser-published")
    status, versions = await stack.api("GET", f"{stack.matcher}/events/{stack.event_id}/schedules")
    assert status == 200
    items = versions["items"] if isinstance(versions, dict) else versions
    assert [v["status"] for v in items].count("published") == 1


async def test_6_firm_sees_its_agenda_and_downloads_it(new_page, stack: Stack, journey) -> None:
    page = await new_page(storage_state=journey["firm_state"])
    await page.goto(f"/foretag/evenemang/{stack.event_id}/agenda")
    meetings = page.locator("#agenda-meetings > li")
    assert await meetings.count() >= 1, await page.locator("main").inner_text()
    assert await page.get_by_text("Varför ni möts").first.is_visible()
    await check_page(page, "sme-agenda")
    calendar = await page.request.get(f"/foretag/evenemang/{stack.event_id}/agenda.ics")
    assert calendar.ok and "text/calendar" in calendar.headers["content-type"]
    events = [c for c in icalendar.Calendar.from_ical(await calendar.body()).walk("VEVENT")]
    assert len(events) == await meetings.count()
    pdf = await page.request.get(f"/foretag/evenemang/{stack.event_id}/agenda.pdf")
    assert pdf.ok and (await pdf.body()).startswith(b"%PDF")
    await page.goto(f"/foretag/evenemang/{stack.event_id}/agenda?lang=en")
    assert await page.locator("html").get_attribute("lang") == "en"
    await check_page(page, "sme-agenda-en")
    await page.set_viewport_size({"width": 375, "height": 740})
    await check_page(page, "sme-agenda-phone")


async def test_7_buyer_reads_its_table_agenda(new_page, stack: Stack) -> None:
    page = await new_page()
    await sign_in(page, "inkop.browser@exempel.se", BUYER_PASSWORD)
    await page.wait_for_url(re.compile(r"/kopare$"))
    await page.goto(f"/kopare/evenemang/{stack.event_id}/agenda")
    await check_page(page, "buyer-agenda")
    pdf = await page.request.get(f"/kopare/evenemang/{stack.event_id}/agenda.pdf")
    assert pdf.ok and (await pdf.body()).startswith(b"%PDF")


async def test_8_firm_cancels_and_the_organiser_replans_compares_republishes_and_reprints(
    new_page, stack: Stack, journey
) -> None:
    firm = await new_page(storage_state=journey["firm_state"])
    await firm.goto(f"/foretag/evenemang/{stack.event_id}/avboka")
    await check_page(firm, "sme-cancel")
    await firm.get_by_role("button", name="Ja, avboka anmälan").click()
    await firm.wait_for_load_state("load")

    page = await new_page()
    await sign_in(page, "arrangor.browser@exempel.se", ORGANISER_PASSWORD)
    await page.wait_for_url(re.compile(r"/arrangor$"))
    await page.goto(f"/arrangor/evenemang/{stack.event_id}/schema")
    # A sign-up changed after publication: the overview offers to re-plan from the published version.
    await page.locator("#replan-button").wait_for()
    await check_page(page, "organiser-schedule-replan")
    await page.locator("#replan-button").click()
    await page.wait_for_url(re.compile(r"/schema/2$"), timeout=120_000)
    await page.get_by_label("Jämför version 2 med").select_option("1")
    await page.get_by_role("button", name="Jämför").click()
    await page.wait_for_url(re.compile(r"jamfor=1"))
    compared = await page.locator("main").inner_text()
    assert FIRM["name"] in compared, "the cancelled firm's meetings show as removed"
    await check_page(page, "organiser-schedule-compare")
    await page.locator("#publish-link").click()
    await page.locator("#confirm-publish").click()
    await page.wait_for_load_state("load")
    assert "publicerad" in await page.get_by_role("heading", level=1).inner_text()
    grid = await page.request.get(f"/arrangor/evenemang/{stack.event_id}/utskrift/schema.pdf")
    assert grid.ok and (await grid.body()).startswith(b"%PDF")
    await page.goto(f"/arrangor/evenemang/{stack.event_id}/schema/2?lang=en")
    await check_page(page, "organiser-schedule-version-en")
    _, versions = await stack.api("GET", f"{stack.matcher}/events/{stack.event_id}/schedules")
    items = versions["items"] if isinstance(versions, dict) else versions
    assert {v["number"]: v["status"] for v in items} == {1: "superseded", 2: "published"}
