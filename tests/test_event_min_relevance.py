"""An event's minimum relevance for a meeting through the real registry: 20 % unless the organiser sets
another, validated field by field, changeable at any time, and carried in the matcher's snapshot."""

from __future__ import annotations

from tests.conftest import bearer
from tests.test_events import PROBLEM, create_event, event_body, pointers


async def test_the_floor_defaults_to_20_percent_and_reaches_the_snapshot(registry, organiser_token, service_token):
    event = await create_event(registry, organiser_token)
    assert event["min_relevance_percent"] == 20
    url = f"/events/{event['id']}"
    response = await registry.patch(url, json={"min_relevance_percent": 35}, headers=bearer(organiser_token))
    assert response.status == 200, await response.text()
    assert (await response.json())["min_relevance_percent"] == 35
    snapshot = await registry.get(f"{url}/snapshot", headers=bearer(service_token))
    assert (await snapshot.json())["event"]["min_relevance_percent"] == 35


async def test_a_floor_outside_0_to_100_is_a_problem_naming_the_field_and_changes_nothing(registry, organiser_token):
    for value in (-1, 101, 0.5, "tjugo", None):
        response = await registry.post(
            "/events", json=event_body(min_relevance_percent=value), headers=bearer(organiser_token)
        )
        assert response.status == 422 and response.content_type == PROBLEM, value
        assert pointers(await response.json()) == {"/min_relevance_percent"}, value
    event = await create_event(registry, organiser_token, min_relevance_percent=0)
    url = f"/events/{event['id']}"
    response = await registry.patch(url, json={"min_relevance_percent": 150}, headers=bearer(organiser_token))
    assert response.status == 422 and pointers(await response.json()) == {"/min_relevance_percent"}
    current = await (await registry.get(url, headers=bearer(organiser_token))).json()
    assert current["min_relevance_percent"] == 0 and current["version"] == 1
