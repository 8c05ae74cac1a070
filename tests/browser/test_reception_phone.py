"""The reception on a phone (375 × 740 CSS px), as the event's värd: signed in with the organiser's link,
the reception's list, a search, a check-in refused the day before (the stack runs on the real clock, weeks
ahead of the event), the walk-in form, and a scanned agenda link. Each page goes through
:func:`fits_a_phone` (nothing wider than the screen, no sideways scrolling, axe-core); without JavaScript
the search, the tap and the walk-in form's server-side check work as well."""

from __future__ import annotations

import re
from typing import Any

import pytest

from deploy.load_sample import load_sample
from deploy.sample_data import generate_sample

from .conftest import SCREENSHOTS, Stack, close_schedule_publish
from .test_phone_layouts import PHONE, fits_a_phone

EVENT_NAME = "Affärsträff Dalarna 2027 (receptionsprov)"


@pytest.fixture(scope="module")
async def published(stack: Stack) -> dict[str, Any]:
    """An event of its own, scheduled and published with agenda links, and a värd's sign-in link."""
    return await publish_event_of_its_own(stack, EVENT_NAME)


async def publish_event_of_its_own(stack: Stack, name: str) -> dict[str, Any]:
    """A sample event named ``name`` (one per test module: the stack is shared), closed, scheduled and
    published, with agenda links and a värd token."""
    sample = generate_sample(seed=7, smes=14)
    sample.event = {**sample.event, "name": name}
    loaded = await load_sample(stack.registry, stack.organiser_token, sample)
    event_id = loaded.event_id
    base = f"{stack.matcher}/events/{event_id}"
    await close_schedule_publish(stack, event_id)
    status, links = await stack.api("POST", f"{base}/agenda-links")
    assert status in (200, 201), links
    status, host = await stack.api(
        "POST", f"{stack.registry}/auth/tokens", {"role": "host", "event_id": event_id, "label": "Värd i telefonen"}
    )
    assert status == 201, host
    token = links["items"][0]["url"].rsplit("/a/", 1)[1]
    return {"event_id": event_id, "host": host["token"], "link_token": token}


async def _host_at_the_desk(new_page, published: dict[str, Any], *, javascript: bool) -> tuple[Any, str]:
    page = await new_page(**PHONE, javascript=javascript)
    await page.goto(f"/logga-in/vard/{published['host']}")
    await page.get_by_role("main").get_by_role("button", name="Logga in").click()
    desk = f"/arrangor/evenemang/{published['event_id']}/reception"
    await page.wait_for_url(re.compile(re.escape(desk) + "$"))
    assert await page.locator(".reception-item").count() > 10
    return page, desk


async def _search_and_tap(page: Any) -> None:
    await page.get_by_label("Sök på namn eller organisationsnummer, eller skanna agendans QR-kod").fill("AB")
    await page.get_by_role("button", name="Sök", exact=True).click()
    await page.wait_for_url(re.compile(r"\?q=AB"))
    # The day before: the tap is refused in words, on the same page.
    await page.locator(".reception-item button.big").first.click()
    await page.wait_for_selector("#reception-problem")
    assert "Incheckning går bara på evenemangsdagen." in await page.locator("#reception-problem").inner_text()


async def test_the_reception_fits_a_phone(new_page, stack: Stack, published: dict[str, Any]) -> None:
    problems: list[str] = []
    page = await new_page(**PHONE)
    await page.goto(f"/logga-in/vard/{published['host']}")
    await fits_a_phone(page, "host-sign-in", problems)
    page, desk = await _host_at_the_desk(new_page, published, javascript=True)
    await fits_a_phone(page, "reception", problems)
    await _search_and_tap(page)
    await fits_a_phone(page, "reception-refused", problems)
    await page.goto(desk + "/ny")
    await fits_a_phone(page, "reception-walk-in", problems)
    await page.goto(f"/incheckning/{published['link_token']}")
    await fits_a_phone(page, "reception-scanned", problems)
    await page.goto(desk + "?lang=en")
    await fits_a_phone(page, "reception-en", problems)
    assert not problems, "\n".join(problems)


async def test_the_reception_works_without_javascript(new_page, stack: Stack, published: dict[str, Any]) -> None:
    page, desk = await _host_at_the_desk(new_page, published, javascript=False)
    await _search_and_tap(page)
    await page.goto(desk + "/ny")
    await page.get_by_role("button", name="Registrera och checka in").click()
    await page.locator("#f-orgnr-error").wait_for()  # checked on the server, next to its field
    assert await page.get_by_role("alert").count() == 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "nojs-reception-walk-in.png"), full_page=True)
