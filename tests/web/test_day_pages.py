"""The event day on the web pages, on the real front end, registry and matcher (the matcher on a ManualClock):
the buyer's one-tap Genomfört / Uteblev once a meeting has started, the firm's Kan inte and Upptagen with a
reason, and the organiser's day section with the declines to review and the day settings."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.matcher.app import create_app as create_matcher_app
from shared.clock import ManualClock
from tests.matcher.test_onsite_day import REASON, day_world
from tests.web.conftest import Browser


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))


@pytest.fixture
async def matcher(matcher_settings, matcher_port, clock) -> AsyncIterator[TestClient]:
    """The matcher on the test's clock (the web pages ask it whether a meeting has started)."""
    server = TestServer(create_matcher_app(matcher_settings, clock=clock), host="127.0.0.1", port=matcher_port)
    async with TestClient(server) as client:
        yield client


@pytest.fixture
async def world(registry, matcher, db, make_org, make_token, service_token, clock) -> dict:
    return await day_world(registry, matcher, db, make_org, make_token, service_token, clock)


def location(response) -> str:
    assert response.status == 303, response.status
    return response.headers["Location"]


async def test_the_buyer_marks_a_started_meeting_in_one_tap(web: Browser, world, db, clock) -> None:
    event, orgs = world["event"], world["orgs"]
    page = f"/kopare/evenemang/{event}/agenda"
    web.sign_in_with(world["tokens"]["x"])
    clock.set(world["slots"][0].start - dt.timedelta(minutes=5))
    html = await web.page(page)
    assert "På dagen" in html and 'value="no_show_sme"' not in html  # nothing has started yet
    clock.set(world["slots"][0].start + dt.timedelta(minutes=4))
    html = await web.page(page)
    form = re.search(rf'<form[^>]*id="day-{orgs["a"]}".*?</form>', html, re.S)
    assert form and "Genomfört" in form.group(0) and "Uteblev" in form.group(0)
    assert f'id="day-{orgs["b"]}"' not in html  # b's meeting is later: no buttons yet
    response = await web.submit(
        page, f"/kopare/evenemang/{event}/agenda/status", {"sme_id": orgs["a"], "status": "no_show_sme"}
    )
    assert location(response).startswith(f"{page}?dag=markerat")
    assert await db.fetchval("SELECT status FROM matcher.meeting_status") == "no_show_sme"
    html = await web.page(location(response))
    assert "Mötet är markerat." in html and "Företaget uteblev" in html
    english = await web.page(page + "?lang=en")
    assert "On the day" in english and "The firm did not come" in english


async def test_a_tap_before_the_meeting_started_says_so_and_changes_nothing(web: Browser, world, db, clock) -> None:
    event, orgs = world["event"], world["orgs"]
    page = f"/kopare/evenemang/{event}/agenda"
    web.sign_in_with(world["tokens"]["x"])
    clock.set(world["slots"][1].start - dt.timedelta(minutes=10))
    response = await web.submit(
        page, f"/kopare/evenemang/{event}/agenda/status", {"sme_id": orgs["b"], "status": "held"}
    )
    html = await web.page(location(response))
    assert "har inte börjat än" in html
    assert await db.fetchval("SELECT count(*) FROM matcher.meeting_status") == 0


async def test_the_firm_declines_a_meeting_and_marks_a_slot_busy(web: Browser, world, db, clock) -> None:
    event, orgs = world["event"], world["orgs"]
    page = f"/foretag/evenemang/{event}/agenda"
    web.sign_in_with(world["tokens"]["a"])
    html = await web.page(page)
    assert html.count("Kan inte") >= 2 and "Upptagen en stund?" in html
    response = await web.submit(
        page, f"/foretag/evenemang/{event}/agenda/kan-inte", {"counterpart_id": orgs["y"], "reason": REASON}
    )
    assert location(response).startswith(f"{page}?dag=avbojt")
    row = await db.fetchrow("SELECT kind, counterpart_id, reason, state FROM matcher.unavailability")
    assert (row["kind"], str(row["counterpart_id"]), row["reason"], row["state"]) == (
        "decline",
        orgs["y"],
        REASON,
        "pending",
    )
    html = await web.page(location(response))
    assert "Ni har meddelat att ni inte kan (väntar på arrangören)." in html
    busy = await web.submit(
        page,
        f"/foretag/evenemang/{event}/agenda/upptagen",
        {"slot": str(world["slots"][2].index), "reason": "Tandläkare"},
    )
    assert location(busy).startswith(f"{page}?dag=upptagen")
    assert await db.fetchval("SELECT slot FROM matcher.unavailability WHERE kind = 'busy'") == world["slots"][2].index
    english = await web.page(page + "?lang=en")
    assert "Can't make it" in english and "Busy for a while?" in english


async def test_the_organiser_sees_the_day_reviews_a_decline_and_saves_the_day_settings(
    web: Browser, world, db, clock
) -> None:
    event, orgs = world["event"], world["orgs"]
    web.sign_in_with(world["tokens"]["a"])
    await web.submit(
        f"/foretag/evenemang/{event}/agenda", f"/foretag/evenemang/{event}/agenda/kan-inte",
        {"counterpart_id": orgs["y"], "reason": REASON},
    )  # fmt: skip
    web.sign_in_with(world["tokens"]["organiser"])
    page = f"/arrangor/evenemang/{event}"
    html = await web.page(page)
    assert 'id="day-summary"' in html and "0 av 4" in html
    assert REASON in html and "Planera om schemat" in html
    decline_id = await db.fetchval("SELECT id FROM matcher.unavailability")
    response = await web.submit(page, f"{page}/dagen/avbokning", {"decline_id": str(decline_id), "state": "applied"})
    assert location(response).startswith(f"{page}?dag=sparat")
    assert await db.fetchval("SELECT state FROM matcher.unavailability") == "applied"
    assert await db.fetchval("SELECT count(*) FROM matcher.jobs") == 1
    html = await web.page(page)
    etag = re.search(r'name="etag" value="([^"]+)"', html).group(1).replace("&#34;", '"')
    settings = {"etag": etag, "frozen_horizon_minutes": "15", "live_mode": "on", "declines_before_day": "replan"}
    settings |= {"remind_agenda_day_before": "on", "remind_minutes_before": "", "remind_signup_days_before": "3"}
    saved = await web.submit(page, f"{page}/dagen", settings)
    assert location(saved).startswith(f"{page}?dag=sparat")
    row = await db.fetchrow("SELECT * FROM matcher.event_day_settings")
    assert (row["frozen_horizon_minutes"], row["live_mode"], row["declines_before_day"]) == (15, True, "replan")
    assert (row["remind_signup_days_before"], row["remind_minutes_before"]) == (3, None)
    stale = await web.submit(page, f"{page}/dagen", settings | {"frozen_horizon_minutes": "5"})
    assert location(stale).startswith(f"{page}?dag=andrat")
    assert await db.fetchval("SELECT frozen_horizon_minutes FROM matcher.event_day_settings") == 15
    english = await web.page(page + "?lang=en")
    assert "The event day" in english and "Save the day settings" in english


async def test_the_organisers_log_names_the_days_actions_in_words(web: Browser, world, db, clock) -> None:
    event, orgs = world["event"], world["orgs"]
    clock.set(world["slots"][0].start + dt.timedelta(minutes=4))
    web.sign_in_with(world["tokens"]["x"])
    page = f"/kopare/evenemang/{event}/agenda"
    await web.submit(page, f"{page}/status", {"sme_id": orgs["a"], "status": "held"})
    web.sign_in_with(world["tokens"]["a"])
    await web.submit(
        f"/foretag/evenemang/{event}/agenda",
        f"/foretag/evenemang/{event}/agenda/kan-inte",
        {"counterpart_id": orgs["y"]},
    )
    web.sign_in_with(world["tokens"]["organiser"])
    html = await web.page(f"/arrangor/evenemang/{event}/logg")
    assert "Markerade ett möte på dagen" in html and "Meddelade att ett möte inte går (kan inte)" in html
