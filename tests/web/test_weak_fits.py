"""The event's minimum relevance on the organiser's pages (real front end, registry and matcher with a job
worker): set on the event form, shown on the event page, and on a version page the meetings just above it
flagged in words, in the grid and in a table, with the floor's figures from the quality report."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from deploy.load_sample import load_sample
from deploy.sample_data import generate_sample
from services.matcher.settings import MatcherSettings
from tests.conftest import bearer

from .conftest import Browser
from .test_organiser_pages import create_through_form, event_form
from .test_schedule_pages import follow_status, matcher_get, run_from_page

pytestmark = pytest.mark.db


@pytest.fixture
def matcher_settings(matcher_settings: MatcherSettings) -> MatcherSettings:
    """The matcher with one job worker (the shared fixture has none)."""
    return matcher_settings.model_copy(update={"workers": 1, "job_poll_seconds": 0.5, "solve_time_limit": 10})


async def test_the_floor_is_set_on_the_event_form_and_checked(
    organiser_browser: Browser, registry: TestClient, organiser_token: str
) -> None:
    event_id = await create_through_form(organiser_browser, min_relevance_percent="45")
    event = await (await registry.get(f"/events/{event_id}", headers=bearer(organiser_token))).json()
    assert event["min_relevance_percent"] == 45
    page = f"/arrangor/evenemang/{event_id}"
    assert '<dd id="min-relevance">45 %</dd>' in await organiser_browser.page(page)
    edit = f"{page}/andra"
    html = await organiser_browser.page(edit)
    assert 'id="f-min_relevance_percent"' in html and 'value="45"' in html
    response = await organiser_browser.submit(edit, edit, {**event_form(min_relevance_percent="150"), "version": "1"})
    html = await response.text()
    assert response.status == 422 and 'id="f-min_relevance_percent-error"' in html
    # Left empty on a new event: the registry's default.
    other = await create_through_form(organiser_browser)
    created = await (await registry.get(f"/events/{other}", headers=bearer(organiser_token))).json()
    assert created["min_relevance_percent"] == 20


async def test_weak_fits_are_flagged_in_words_on_the_version_page(
    organiser_browser: Browser, matcher: TestClient, registry: TestClient, organiser_token: str
) -> None:
    loaded = await load_sample(str(registry.make_url("/")), organiser_token, generate_sample(smes=14))
    event_id = str(loaded.event_id)
    for change in ({"min_relevance_percent": 40},):
        response = await registry.patch(f"/events/{event_id}", json=change, headers=bearer(organiser_token))
        assert response.status == 200, await response.text()
    response = await registry.post(
        f"/events/{event_id}/transitions", json={"to": "closed"}, headers=bearer(organiser_token)
    )
    assert response.status == 200, await response.text()
    job = await follow_status(organiser_browser, await run_from_page(organiser_browser, event_id))
    assert job["status"] == "done", job

    version = await matcher_get(matcher, organiser_token, f"/events/{event_id}/schedules/1")
    quality = version["quality"]
    assert quality["min_relevance"] == 0.4 and min(m["relevance"] for m in version["meetings"]) >= 0.4
    weak = [m for m in version["meetings"] if m["relevance"] < 0.55]
    assert weak, "the sample has meetings just above a 40 % floor"

    html = await organiser_browser.page(f"/arrangor/evenemang/{event_id}/schema/1")
    due = quality["zero_meeting_smes_due_to_floor"]
    assert f"40 %; 0 möten under gränsen; {due} företag utan möte på grund av gränsen" in html
    assert "relevansen är under 55 %" in html
    table = html.split('id="weak-meetings"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == len(weak) + 1  # header row + one per weak meeting
    grid = html.split('id="grid"', 1)[1].split("</table>", 1)[0]
    assert grid.count("Svag matchning") == len(weak) and "Under lägsta relevans" not in grid
    english = await organiser_browser.page(f"/arrangor/evenemang/{event_id}/schema/1?lang=en")
    assert "Weak fits" in english and english.count("Weak fit</span>") == len(weak)
