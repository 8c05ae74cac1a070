"""How often a schedule job and its publication talk to the registry (issue 17): one consistent read for the
job (the snapshot carries the venue), one call for the publication (the move to ``published`` also says
whether the sign-ups changed since the version was computed), and the check that the event is not a draft
when the job is asked for."""

from __future__ import annotations

import uuid
from collections import Counter

import asyncpg
from aiohttp.test_utils import TestClient

from services.matcher.keys import REGISTRY_KEY
from tests.conftest import bearer
from tests.matcher.test_schedules import run_schedule, sample_event, working_matcher

__all__ = ["sample_event", "working_matcher"]  # fixtures of test_schedules, used here


def count_event_calls(matcher: TestClient, event_id: str) -> Counter:
    """Count the matcher's registry calls about ``event_id`` (the change feed's polls are about no event)."""
    client = matcher.server.app[REGISTRY_KEY]
    calls: Counter = Counter()
    call = client._call

    async def counted(method: str, path: str, **kwargs):
        if event_id in path:
            calls[(method, path.replace(event_id, "{id}"))] += 1
        return await call(method, path, **kwargs)

    client._call = counted
    return calls


async def test_a_job_and_its_publication_make_three_registry_calls(
    working_matcher: TestClient,
    registry: TestClient,
    organiser_token: str,
    sample_event: str,
    db: asyncpg.Connection,
):
    calls = count_event_calls(working_matcher, sample_event)
    version = await run_schedule(working_matcher, organiser_token, sample_event, mode="fresh", seed=1)
    assert calls == Counter({("GET", "/events/{id}"): 1, ("GET", "/events/{id}/snapshot"): 1}), calls
    venue = await db.fetchval(
        "SELECT venue FROM matcher.schedule_versions WHERE event_id = $1 AND number = $2",
        uuid.UUID(sample_event),
        version["number"],
    )
    assert venue == "Lugnet, Falun"  # it came with the snapshot

    response = await working_matcher.post(
        f"/events/{sample_event}/schedules/{version['number']}/publish", headers=bearer(organiser_token)
    )
    assert response.status == 200, await response.text()
    published = await response.json()
    assert published["registry_status"] == "published" and published["warnings"] == []
    assert sum(calls.values()) == 3, calls
    assert calls[("POST", "/events/{id}/publication")] == 1, calls

    event = await registry.get(f"/events/{sample_event}", headers=bearer(organiser_token))
    assert (await event.json())["status"] == "published"
    history = await registry.get(f"/events/{sample_event}/transitions", headers=bearer(organiser_token))
    moves = [(item["from_status"], item["to_status"]) for item in (await history.json())["items"]]
    assert moves[-2:] == [("closed", "scheduled"), ("scheduled", "published")]
