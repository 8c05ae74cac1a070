"""The organiser's feedback page on the real front end, registry and matcher (on a ManualClock played into
the evening): linked from the event page, the response rates per side, the answers per rating and each
answer with its comment, in Swedish and English; participants' answers come in by their agenda links."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from aiohttp.test_utils import TestClient

from tests.matcher.test_feedback import clock, contact_org, feedback_world, pools, ticks
from tests.web.conftest import Browser
from tests.web.test_day_pages import matcher

__all__ = ["clock", "contact_org", "matcher", "pools"]  # the matcher on the test's clock, and its feedback fixtures


@pytest.fixture
def day_matcher(matcher: TestClient) -> TestClient:
    return matcher  # the name the feedback tests' pools fixture asks for


@pytest.fixture
async def world(registry, matcher, db, contact_org, make_token, service_token, clock) -> dict:
    return await feedback_world(registry, matcher, db, contact_org, make_token, service_token, clock)


async def test_the_feedback_page_shows_rates_ratings_and_comments(
    organiser_browser: Browser, matcher, world, clock, pools
) -> None:
    path = f"/arrangor/evenemang/{world['event']}"
    assert f'href="{path}/utvardering"' in await organiser_browser.page(path)
    before = unescape(await organiser_browser.page(f"{path}/utvardering"))
    assert "Inga svar ännu." in before

    clock.set(world["evening"] + dt.timedelta(minutes=1))
    await ticks(pools, clock, rounds=1)
    orgs, links = world["orgs"], world["links"]
    comment = "Vi lämnar anbud på städningen i vår"
    for who, answers in (
        ("a", [{"counterpart_id": orgs["x"], "rating": "will_bid_or_buy", "comment": comment},
               {"counterpart_id": orgs["y"], "rating": "no_further_interest"}]),
        ("x", [{"counterpart_id": orgs["a"], "rating": "will_follow_up"}]),
    ):  # fmt: skip
        response = await matcher.put(f"/a/{links[who]}/feedback", json={"answers": answers})
        assert response.status == 200, await response.text()

    html = unescape(await organiser_browser.page(f"{path}/utvardering"))
    assert '<dd id="feedback-asked">4</dd>' in html and '<dd id="feedback-answered">2</dd>' in html
    assert '<dd id="feedback-rate">50 %</dd>' in html
    sides = html[html.index('id="feedback-sides"') : html.index('id="feedback-ratings"')]
    assert '<th scope="row">Företag</th><td>2</td><td>1</td><td>50 %</td>' in sides
    assert '<th scope="row">Köpare</th><td>2</td><td>1</td><td>50 %</td>' in sides
    ratings = html[html.index('id="feedback-ratings"') : html.index('id="feedback-answers"')]
    assert '<th scope="row">Lämnar anbud eller köper</th><td>1</td><td>33 %</td>' in ratings
    assert '<th scope="row">Mötet blev inte av</th><td>0</td><td>0 %</td>' in ratings
    answers = html[html.index('id="feedback-answers"') : html.index('id="h-follow-up"')]
    assert comment in answers and answers.count("<tr>") == 1 + 3  # the header row and three answers

    english = unescape(await organiser_browser.page(f"{path}/utvardering?lang=en"))
    assert "Feedback after the day" in english and "Will bid or buy" in english and "Response rate" in english


async def test_the_organiser_sets_when_the_question_goes_out(organiser_browser: Browser, matcher, world, db) -> None:
    page = f"/arrangor/evenemang/{world['event']}/utvardering"
    html = await organiser_browser.page(page)
    assert 'name="after_day_time" value="18:00"' in html
    refused = await organiser_browser.submit(page, page, {"after_day_time": "19:30", "reminder_days": "9",
                                                         "open_days": "5"})  # fmt: skip
    assert refused.status == 303 and refused.headers["Location"].endswith("?installningar=fel#feedback-settings")
    assert await db.fetchval("SELECT count(*) FROM matcher.feedback_settings") == 0
    saved = await organiser_browser.submit(page, page, {"after_day_time": "19:30", "reminder_days": "2",
                                                       "open_days": "10", "follow_up_months": "4"})  # fmt: skip
    assert saved.status == 303
    shown = unescape(await organiser_browser.page(saved.headers["Location"]))
    assert "Inställningarna för utvärderingen är sparade." in shown and 'value="19:30"' in shown
    row = await db.fetchrow(
        "SELECT after_day_time, reminder_days, open_days, follow_up_months FROM matcher.feedback_settings"
    )
    assert tuple(row) == (dt.time(19, 30), 2, 10, 4)
    # Without the form's CSRF token the post is refused and nothing changes.
    forged = await organiser_browser.client.post(page, data={"after_day_time": "07:00"}, allow_redirects=False)
    assert forged.status in (400, 403)
    assert await db.fetchval("SELECT after_day_time FROM matcher.feedback_settings") == dt.time(19, 30)


async def test_a_settings_form_read_before_someone_elses_change_does_not_overwrite_it(
    organiser_browser: Browser, matcher, world, db
) -> None:
    page = f"/arrangor/evenemang/{world['event']}/utvardering"
    html = await organiser_browser.page(page)
    assert 'name="etag" value="&#34;defaults&#34;"' in html or 'name="etag" value="&quot;defaults&quot;"' in html
    first = await organiser_browser.submit(page, page, {"etag": '"defaults"', "after_day_time": "19:00"})
    assert first.status == 303 and first.headers["Location"].endswith("?installningar=sparat#feedback-settings")
    # A second form read before that change still carries the old tag: refused, the first change stays.
    stale = await organiser_browser.submit(page, page, {"etag": '"defaults"', "after_day_time": "07:00"})
    assert stale.status == 303 and stale.headers["Location"].endswith("?installningar=andrad#feedback-settings")
    assert await db.fetchval("SELECT after_day_time FROM matcher.feedback_settings") == dt.time(19)
    shown = unescape(await organiser_browser.page(stale.headers["Location"]))
    assert "någon annan ändrade dem under tiden" in shown and 'value="19:00"' in shown
