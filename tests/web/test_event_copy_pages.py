"""'Kopiera som mall' on the real front end, registry and matcher: the button on the event page, the form
(without JavaScript), the copy's page, the matcher's day and feedback settings carried over, and the
registry's refusals shown next to the fields, in Swedish and English."""

from __future__ import annotations

from html import unescape

import pytest

from tests.conftest import bearer
from tests.test_events import NEXT_YEAR, create_event

from .conftest import Browser

pytestmark = pytest.mark.db

WINTER = f"{NEXT_YEAR + 1}-01-13"


async def test_the_form_copies_grid_and_matcher_settings(
    organiser_browser: Browser, registry, matcher, organiser_token
):
    source = await create_event(registry, organiser_token, tables=14)
    api = bearer(organiser_token)
    day = {"live_mode": True, "remind_minutes_before": 15, "declines_before_day": "replan"}
    assert (await matcher.put(f"/events/{source['id']}/day-settings", json=day, headers=api)).status in (200, 201)
    feedback = {"after_day_time": "17:30", "reminder_days": 5}
    assert (await matcher.put(f"/events/{source['id']}/feedback-settings", json=feedback, headers=api)).status == 200

    page = f"/arrangor/evenemang/{source['id']}"
    assert f'href="{page}/kopiera"' in await organiser_browser.page(page)
    form = unescape(await organiser_browser.page(f"{page}/kopiera"))
    assert 'value="Affärsträff Falun"' in form and 'value="Lugnet"' in form
    response = await organiser_browser.submit(
        f"{page}/kopiera",
        f"{page}/kopiera",
        {"name": "Affärsträff Falun vinter", "event_date": WINTER, "signup_deadline": "", "venue": "Folkets hus"},
    )
    assert response.status in (302, 303), await response.text()
    location = response.headers["Location"]
    copy_id = location.rsplit("/", 1)[1]
    assert location == f"/arrangor/evenemang/{copy_id}" and copy_id != source["id"]

    html = unescape(await organiser_browser.page(location))
    assert "Affärsträff Falun vinter" in html and "Folkets hus" in html and 'data-status="draft"' in html
    copied = await (await registry.get(f"/events/{copy_id}", headers=api)).json()
    assert [s["label"] for s in copied["slots"]] == [s["label"] for s in source["slots"]]
    assert copied["tables"] == 14 and copied["sme_registrations"] == 0

    day_copy = await (await matcher.get(f"/events/{copy_id}/day-settings", headers=api)).json()
    assert {k: day_copy[k] for k in day} == day and day_copy["etag"] != '"defaults"'
    feedback_copy = await (await matcher.get(f"/events/{copy_id}/feedback-settings", headers=api)).json()
    assert feedback_copy["after_day_time"].startswith("17:30") and feedback_copy["reminder_days"] == 5


async def test_defaults_stay_defaults_and_bad_input_is_shown_by_field(
    organiser_browser: Browser, registry, matcher, organiser_token
):
    source = await create_event(registry, organiser_token)
    page = f"/arrangor/evenemang/{source['id']}/kopiera"
    late = {"name": "Sent", "event_date": WINTER, "signup_deadline": f"{WINTER} 10:00", "venue": ""}
    response = await organiser_browser.submit(page, page, late)
    html = unescape(await response.text())
    assert response.status == 422 and 'id="f-signup_deadline-error"' in html

    response = await organiser_browser.submit(
        page, page, {"name": "", "event_date": "13 jan", "signup_deadline": "", "venue": ""}
    )
    html = unescape(await response.text())
    assert response.status == 422 and 'id="f-name-error"' in html and 'id="f-event_date-error"' in html
    events = await (await registry.get("/events", headers=bearer(organiser_token))).json()
    assert len(events["items"]) == 1  # nothing was made

    response = await organiser_browser.submit(
        page, page, {"name": "Kopia", "event_date": WINTER, "signup_deadline": "", "venue": ""}
    )
    copy_id = response.headers["Location"].rsplit("/", 1)[1]
    day_copy = await (await matcher.get(f"/events/{copy_id}/day-settings", headers=bearer(organiser_token))).json()
    assert day_copy["etag"] == '"defaults"'  # the source never changed them: nothing is written

    english = await organiser_browser.page(f"{page}?lang=en")
    assert "Copy as a template" in english and "Create the copy" in english
