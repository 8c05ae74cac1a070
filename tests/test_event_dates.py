"""Dates that make sense, through the real registry app on a clock the test moves: no event is made for a day
gone by or with its deadline passed, none opens for sign-up then, and a past event's other fields stay editable."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.registry.app import create_app as create_registry_app
from shared.auth import Role
from shared.clock import ManualClock
from tests.conftest import bearer
from tests.test_events import NEXT_YEAR, PROBLEM, event_body, move, move_to

# event_body(): 7 October next year, 09:00 Stockholm (07:00 UTC) first meeting, sign-up closes 1 October 12:00.
BEFORE = datetime(NEXT_YEAR, 9, 1, 8, 0, tzinfo=UTC)
DEADLINE_PASSED = datetime(NEXT_YEAR, 10, 2, 8, 0, tzinfo=UTC)
DAY_AFTER = datetime(NEXT_YEAR, 10, 8, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(BEFORE)


@pytest.fixture
async def registry(registry_settings, clock) -> AsyncIterator[TestClient]:
    """The registry on the test's clock (the shared fixture's runs on the machine's)."""
    app = create_registry_app(registry_settings, clock=clock)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


def codes(problem: dict) -> set[tuple[str, str]]:
    return {(error["pointer"], error["code"]) for error in problem["errors"]}


async def create(registry, token: str, **overrides: object):
    return await registry.post("/events", json=event_body(**overrides), headers=bearer(token))


async def test_a_past_day_or_a_passed_deadline_is_refused_at_create(registry, organiser_token, clock, db):
    clock.set(DAY_AFTER)
    response = await create(registry, organiser_token)
    assert response.status == 422 and response.content_type == PROBLEM
    assert codes(await response.json()) == {("/event_date", "event_date_past"), ("/signup_deadline", "deadline_passed")}

    clock.set(DEADLINE_PASSED)
    response = await create(registry, organiser_token)
    assert response.status == 422
    assert codes(await response.json()) == {("/signup_deadline", "deadline_passed")}
    assert await db.fetchval("SELECT count(*) FROM registry.events") == 0

    clock.set(BEFORE)
    assert (await create(registry, organiser_token)).status == 201


async def test_today_is_the_stockholm_date_not_the_utc_one(registry, organiser_token, clock):
    # 22:30 UTC on 6 October is already 7 October in Stockholm (UTC+2): 6 October has gone by there.
    clock.set(datetime(NEXT_YEAR, 10, 6, 22, 30, tzinfo=UTC))
    yesterday = await create(
        registry, organiser_token, event_date=f"{NEXT_YEAR}-10-06", signup_deadline=f"{NEXT_YEAR}-10-06T23:50:00+00:00"
    )
    assert yesterday.status == 422
    assert ("/event_date", "event_date_past") in codes(await yesterday.json())
    # The same day, sign-up closing an hour before the first meeting: still ahead, so it may be made.
    today = await create(registry, organiser_token, signup_deadline=f"{NEXT_YEAR}-10-07T08:00:00+02:00")
    assert today.status == 201, await today.text()


async def test_after_the_day_other_fields_change_but_no_date_moves_into_the_past(registry, organiser_token, clock):
    event = await (await create(registry, organiser_token)).json()
    await move_to(registry, organiser_token, event["id"], "open", "closed")
    clock.set(DAY_AFTER)
    url, headers = f"/events/{event['id']}", bearer(organiser_token)

    # What the organiser's form sends after the day: every field, dates as they were, a new description.
    unchanged = {name: event_body()[name] for name in ("event_date", "signup_deadline", "day_start", "breaks")}
    response = await registry.patch(
        url, json={**unchanged, "description": "Tack för i år!", "max_meetings_per_sme": 7}, headers=headers
    )
    assert response.status == 200, await response.text()
    changed = await response.json()
    assert (changed["description"], changed["max_meetings_per_sme"]) == ("Tack för i år!", 7)

    response = await registry.patch(url, json={"event_date": f"{NEXT_YEAR}-10-05"}, headers=headers)
    assert response.status == 422 and codes(await response.json()) == {("/event_date", "event_date_past")}
    response = await registry.patch(url, json={"signup_deadline": f"{NEXT_YEAR}-10-03T12:00:00+02:00"}, headers=headers)
    assert response.status == 422 and codes(await response.json()) == {("/signup_deadline", "deadline_passed")}
    read = await (await registry.get(url, headers=headers)).json()
    assert (read["event_date"], read["version"]) == (f"{NEXT_YEAR}-10-07", changed["version"])

    # Moved to a day still ahead, with a deadline ahead, it is a coming event again.
    response = await registry.patch(
        url,
        json={"event_date": f"{NEXT_YEAR}-11-12", "signup_deadline": f"{NEXT_YEAR}-11-05T12:00:00+01:00"},
        headers=headers,
    )
    assert response.status == 200, await response.text()


async def test_sign_up_opens_only_before_the_deadline_and_the_day(registry, organiser_token, clock, db):
    event = await (await create(registry, organiser_token)).json()
    clock.set(DEADLINE_PASSED)
    response = await move(registry, organiser_token, event["id"], "open")
    assert response.status == 409 and response.content_type == PROBLEM
    problem = await response.json()
    assert problem["type"].endswith(":dates-passed")
    assert codes(problem) == {("/signup_deadline", "deadline_passed")}
    assert await db.fetchval("SELECT status FROM registry.events WHERE id = $1", event["id"]) == "draft"

    url, headers = f"/events/{event['id']}", bearer(organiser_token)
    moved = await registry.patch(url, json={"signup_deadline": f"{NEXT_YEAR}-10-05T12:00:00+02:00"}, headers=headers)
    assert moved.status == 200
    await move_to(registry, organiser_token, event["id"], "open", "closed")

    clock.set(DAY_AFTER)
    response = await move(registry, organiser_token, event["id"], "open")
    assert response.status == 409
    assert codes(await response.json()) == {
        ("/event_date", "event_date_past"),
        ("/signup_deadline", "deadline_passed"),
    }
    assert await db.fetchval("SELECT status FROM registry.events WHERE id = $1", event["id"]) == "closed"
    # Closing, and the matcher's moves after the deadline, are not opening: they still work.
    await move_to(registry, organiser_token, event["id"], "scheduled")


async def test_a_copy_of_a_past_event_lies_ahead(registry, organiser_token, clock):
    source = await (await create(registry, organiser_token)).json()
    clock.set(DAY_AFTER)
    url, headers = f"/events/{source['id']}/copy", bearer(organiser_token)

    response = await registry.post(url, json={"name": "Igen", "event_date": f"{NEXT_YEAR}-10-01"}, headers=headers)
    assert response.status == 422
    assert codes(await response.json()) == {("/event_date", "event_date_past"), ("/signup_deadline", "deadline_passed")}
    # Two days ahead, the source's six days of lead time would close sign-up before today: say so.
    response = await registry.post(url, json={"name": "Snart", "event_date": f"{NEXT_YEAR}-10-10"}, headers=headers)
    assert response.status == 422 and codes(await response.json()) == {("/signup_deadline", "deadline_passed")}

    response = await registry.post(
        url, json={"name": "Nästa år", "event_date": f"{NEXT_YEAR + 1}-10-06"}, headers=headers
    )
    assert response.status == 201, await response.text()
    copied = await response.json()
    assert copied["event_date"] == f"{NEXT_YEAR + 1}-10-06"
    assert datetime.fromisoformat(copied["signup_deadline"]) > DAY_AFTER
    assert (await move(registry, organiser_token, copied["id"], "open")).status == 200


async def test_a_firm_signs_up_until_the_deadline_by_the_service_clock(
    registry, organiser_token, clock, make_org, make_token
):
    event = await (await create(registry, organiser_token)).json()
    await move_to(registry, organiser_token, event["id"], "open")
    firm = await make_token(Role.SME, await make_org("sme"))
    url = f"/events/{event['id']}/registrations"
    clock.set(DEADLINE_PASSED)
    late = await registry.post(url, json={}, headers=bearer(firm))
    assert late.status == 409 and "deadline" in (await late.json())["detail"]
    clock.set(BEFORE)
    assert (await registry.post(url, json={}, headers=bearer(firm))).status == 201
