"""Dates that make sense in a real browser, across real processes sharing a CLOCK_FILE the test moves: the
organiser's form refuses a day gone by next to its field, an event's public page works without signing in, and
a firm that comes after the deadline is told when sign-up closed and whom to ask. Each page passes axe-core."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import expect

from shared.clock import write_clock_file

from .conftest import Stack, check_page, pages_on, start_stack

STOCKHOLM = ZoneInfo("Europe/Stockholm")
ORGANISER_EMAIL = "arrangor.datum@exempel.se"
ORGANISER_PASSWORD = "ett långt lösenord för datumproven"
CONTACT = {"name": "Karin Arrangör", "email": "karin.arrangor@exempel.se"}


@pytest.fixture(scope="module")
async def dated(pg_server: str, tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> AsyncIterator:
    """A stack of its own whose clock the test moves (absent file: the real time)."""
    tmp = tmp_path_factory.mktemp("event-dates")
    clock_file = tmp / "clock"
    async with start_stack(pg_server, tmp, {"CLOCK_FILE": str(clock_file)}) as stack:
        yield stack, clock_file


@pytest.fixture
async def pages(browser: Any, dated: tuple[Stack, Path]) -> AsyncIterator[Any]:
    async with pages_on(browser, dated[0].web) as make:
        yield make


async def open_event(stack: Stack, name: str, deadline: dt.datetime) -> dict[str, Any]:
    """An event three days ahead, 09:00–12:00 with a coffee break, open for sign-up until ``deadline``."""
    day = dt.datetime.now(STOCKHOLM).date() + dt.timedelta(days=3)
    body = {
        "name": name, "event_date": day.isoformat(), "venue": "Folkets hus, Borlänge", "municipality_code": "2081",
        "day_start": "09:00", "day_end": "12:00", "meeting_minutes": 20, "changeover_minutes": 5,
        "breaks": [{"start": "10:15", "end": "10:30", "label": "Fika"}], "tables": 6,
        "signup_deadline": deadline.isoformat(), "default_meetings_per_sme": 3, "max_meetings_per_sme": 4,
        "contact": CONTACT,
    }  # fmt: skip
    status, event = await stack.api("POST", f"{stack.registry}/events", body)
    assert status == 201, event
    status, answer = await stack.api("POST", f"{stack.registry}/events/{event['id']}/transitions", {"to": "open"})
    assert status == 200, answer
    return event


async def test_the_organisers_form_refuses_a_day_gone_by(pages, dated: tuple[Stack, Path]) -> None:
    stack, _ = dated
    body = {"email": ORGANISER_EMAIL, "password": ORGANISER_PASSWORD, "role": "organiser", "name": "Datum"}
    status, answer = await stack.api("POST", f"{stack.registry}/auth/accounts", body)
    assert status in (201, 409), answer
    page = await pages()
    await page.goto("/logga-in")
    await page.get_by_label("E-post").fill(ORGANISER_EMAIL)
    await page.get_by_label("Lösenord").fill(ORGANISER_PASSWORD)
    await page.get_by_role("main").get_by_role("button", name="Logga in").click()
    await page.wait_for_url(re.compile(r"/arrangor$"))

    await page.goto("/arrangor/evenemang/ny")
    past = dt.datetime.now(STOCKHOLM).date() - dt.timedelta(days=2)
    await page.locator("#f-name").fill("Affärsträff i förrgår")
    await page.locator("#f-event_date").fill(past.isoformat())
    await page.locator("#f-signup_deadline").fill(f"{past - dt.timedelta(days=7)}T12:00")
    await page.get_by_role("button", name="Spara evenemanget").click()

    error = page.locator("#f-event_date-error")
    await expect(error).to_contain_text("Dagen har redan varit.")
    await expect(page.locator("#f-signup_deadline-error")).to_contain_text("Sista anmälningsdag har redan passerat.")
    # Next to its field: the input names the message, and the summary links to the input.
    assert "f-event_date-error" in (await page.locator("#f-event_date").get_attribute("aria-describedby") or "")
    await expect(page.locator("#f-event_date")).to_have_value(past.isoformat())
    await expect(page.locator(".error-summary a[href='#f-event_date']")).to_be_visible()
    await check_page(page, "event-form-past-date")
    status, events = await stack.api("GET", f"{stack.registry}/events?limit=200")
    assert "Affärsträff i förrgår" not in {event["name"] for event in events["items"]}


async def test_the_public_event_page_needs_no_sign_in(pages, dated: tuple[Stack, Path]) -> None:
    stack, _ = dated
    event = await open_event(stack, "Affärsträff Borlänge höst", dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    page = await pages()
    await page.goto("/")
    await page.get_by_role("link", name="Affärsträff Borlänge höst").click()
    await page.wait_for_url(re.compile(rf"/evenemang/{event['id']}$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Affärsträff Borlänge höst")
    programme = page.locator("#programme")
    await expect(programme).to_contain_text("09:00")
    await expect(programme).to_contain_text("10:15–10:30")
    await expect(programme).to_contain_text("11:40")
    await expect(page.locator("#contact")).to_contain_text("karin.arrangor@exempel.se")
    await check_page(page, "public-event")
    await page.get_by_role("link", name="Anmäl er").click()
    await page.wait_for_url(re.compile(r"/logga-in\?next="))  # signing in as firms do today, then back
    await page.goto(f"/evenemang/{event['id']}?lang=en")
    await expect(page.get_by_role("link", name="Sign up", exact=True)).to_be_visible()
    await check_page(page, "public-event-en")


async def test_a_firm_after_the_deadline_is_told_when_it_closed_and_whom_to_ask(
    pages, dated: tuple[Stack, Path]
) -> None:
    stack, clock_file = dated
    deadline = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    event = await open_event(stack, "Affärsträff Borlänge sent", deadline)
    status, smes = await stack.api("GET", f"{stack.registry}/organisations?kind=sme&limit=1")
    assert status == 200, smes
    status, sme = await stack.api("GET", f"{stack.registry}/organisations/{smes['items'][0]['id']}")
    assert status == 200, sme
    page = await pages()
    await page.goto("/logga-in/lank")
    await page.get_by_label("E-post").fill(sme["contacts"][0]["email"])
    await page.get_by_role("button", name="Skicka länk").click()
    await page.locator("a.dev-sign-in-link").first.click()
    await page.get_by_role("main").get_by_role("button", name="Logga in").click()
    await page.wait_for_url(re.compile(r"/foretag"))
    signup = f"/foretag/evenemang/{event['id']}/anmalan"
    await page.goto(signup)
    await expect(page.locator("#signup-form")).to_be_visible()

    write_clock_file(clock_file, deadline + dt.timedelta(hours=1))  # every service: the deadline has passed
    try:
        await page.goto(signup)
        closed_on = f"{deadline.astimezone(STOCKHOLM).day} "
        notice = page.locator("#signup-closed")
        await expect(notice).to_contain_text(re.compile(rf"Anmälan stängde {closed_on}\w+\."))
        await expect(page.locator("#organiser-contact")).to_contain_text("Karin Arrangör")
        await expect(page.get_by_role("link", name="karin.arrangor@exempel.se")).to_have_attribute(
            "href", "mailto:karin.arrangor@exempel.se"
        )
        assert await page.locator("#signup-form").count() == 0  # no form that could only fail
        await check_page(page, "signup-closed")
        public = await pages()
        await public.goto(f"/evenemang/{event['id']}")
        await expect(public.locator("#signup-closed")).to_contain_text("Anmälan stängde")
        assert await public.get_by_role("link", name="Anmäl er").count() == 0
    finally:
        clock_file.unlink()  # the real time again
