"""The organiser's feedback page shows the follow-up round months later (on the real front end, registry and
matcher, a ManualClock played six months on): its response rate, the firms' bids and awards per need and the
buyers' ways of procuring, in Swedish and English."""

from __future__ import annotations

from html import unescape

import pytest
from aiohttp.test_utils import TestClient

from tests.matcher.test_feedback import clock, contact_org, pools, ticks
from tests.matcher.test_feedback_follow_up import firm, follow_up_world
from tests.web.conftest import Browser
from tests.web.test_day_pages import matcher

__all__ = ["clock", "contact_org", "matcher", "pools"]


@pytest.fixture
def day_matcher(matcher: TestClient) -> TestClient:
    return matcher  # the name the feedback tests' pools fixture asks for


@pytest.fixture
async def world(registry, matcher, db, contact_org, make_token, service_token, clock) -> dict:
    return await follow_up_world(registry, matcher, db, contact_org, make_token, service_token, clock)


async def test_the_feedback_page_shows_the_follow_up_figures(organiser_browser: Browser, matcher, world, clock, pools):
    page = f"/arrangor/evenemang/{world['event']}/utvardering"
    clock.set(world["opens"])
    await ticks(pools, clock, rounds=1)
    needs, links = world["needs"], world["links"]
    for who, answers in (
        ("a", [firm(needs["x1"], "yes", "pending"), firm(needs["y1"], "no", "no")]),
        ("b", [firm(needs["x1"], "yes", "yes")]),
        ("x", [{"need_id": needs["x1"], "procured": "tender"}]),
    ):
        response = await matcher.put(f"/a/{links[who]}/follow-up", json={"answers": answers})
        assert response.status == 200, await response.text()
    html = unescape(await organiser_browser.page(page))
    assert '<dd id="follow-up-asked">4</dd>' in html and '<dd id="follow-up-rate">75 %</dd>' in html
    rows = html[html.index('id="follow-up-needs"') : html.index('id="follow-up-procured"')]
    assert '<td data-label="Lämnade anbud">2 / 0 / 0</td>' in rows  # x1: both firms bid
    assert '<td data-label="Fick uppdraget">1 / 0 / 1</td>' in rows
    assert "Annonserad upphandling" in rows
    procured = html[html.index('id="follow-up-procured"') :]
    assert '<th scope="row">Annonserad upphandling</th><td>1</td>' in procured
    english = unescape(await organiser_browser.page(page + "?lang=en"))
    assert "Follow-up months later" in english and "Advertised tender" in english
