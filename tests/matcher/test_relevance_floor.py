"""The event's minimum relevance through the real job path: registry event setting → snapshot → worker →
stored version. With the default no meeting is under 20 %, and the quality report says how many firms the
floor left without one; with the floor set to 0 the fairness stage makes meetings without any fit again."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from deploy.load_sample import load_sample
from deploy.sample_data import generate_sample
from services.matcher.app import create_app
from services.matcher.settings import MatcherSettings
from tests.conftest import bearer
from tests.matcher.test_schedules import run_schedule


@pytest.fixture
async def worker_matcher(matcher_settings: MatcherSettings) -> AsyncIterator[TestClient]:
    settings = matcher_settings.model_copy(update={"workers": 1, "job_poll_seconds": 0.5, "solve_time_limit": 10})
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        yield client


@pytest.fixture
async def closed_sample(registry: TestClient, organiser_token: str) -> str:
    """The Dalarna sample with 40 firms (one in eight sells what nobody there buys), signed up and closed."""
    loaded = await load_sample(str(registry.make_url("/")), organiser_token, generate_sample(smes=40))
    response = await registry.post(
        f"/events/{loaded.event_id}/transitions", json={"to": "closed"}, headers=bearer(organiser_token)
    )
    assert response.status == 200, await response.text()
    return loaded.event_id


async def test_no_meeting_under_the_events_floor_and_the_report_counts_what_it_cost(
    worker_matcher: TestClient, registry: TestClient, organiser_token: str, closed_sample: str
):
    client, token, event_id = worker_matcher, organiser_token, closed_sample
    floored = await run_schedule(client, token, event_id, mode="fresh", seed=1)
    quality, summary = floored["quality"], floored["summary"]
    assert quality["min_relevance"] == summary["min_relevance"] == 0.2  # the event's default, 20 %
    assert floored["meetings"] and min(m["relevance"] for m in floored["meetings"]) >= 0.2
    assert quality["meetings_below_floor"] == summary["meetings_below_floor"] == 0
    # The firms that sell what no buyer at the event buys: no meeting, counted as the floor's doing.
    assert quality["zero_meeting_smes_due_to_floor"] == quality["min_zero_meeting_smes"] > 0
    assert quality["smes_only_below_floor"] == quality["zero_meeting_smes_due_to_floor"]
    assert quality["zero_meeting_smes"] == quality["min_zero_meeting_smes"]
    assert quality["relevance"] <= quality["bound"] + 1e-9

    # The organiser turns the floor off: fairness gives those firms a meeting without a fit, as before.
    response = await registry.patch(
        f"/events/{event_id}", json={"min_relevance_percent": 0}, headers=bearer(organiser_token)
    )
    assert response.status == 200, await response.text()
    unfloored = await run_schedule(client, token, event_id, mode="fresh", seed=1)
    assert unfloored["quality"]["min_relevance"] == 0.0
    assert unfloored["quality"]["zero_meeting_smes"] < quality["zero_meeting_smes"]
    assert min(m["relevance"] for m in unfloored["meetings"]) == 0.0
