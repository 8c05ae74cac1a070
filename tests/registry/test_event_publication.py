"""``POST /events/{id}/publication``: the matcher's one call when a version is published (issue 17).

It compares the version's snapshot hash with the sign-ups now, and moves the event to published through
scheduled in one transaction, with one history entry per step and one audit entry."""

from __future__ import annotations

import asyncpg
from aiohttp.test_utils import TestClient

from tests.conftest import bearer
from tests.test_events import create_event, move_to

PROBLEM = "application/problem+json"


async def publication(registry: TestClient, token: str, event_id: str, snapshot_hash: str):
    return await registry.post(
        f"/events/{event_id}/publication", json={"snapshot_hash": snapshot_hash}, headers=bearer(token)
    )


async def snapshot_hash(registry: TestClient, token: str, event_id: str) -> str:
    response = await registry.get(f"/events/{event_id}/snapshot", headers=bearer(token))
    return (await response.json())["content_hash"]


async def history(db: asyncpg.Connection, event_id: str) -> list[tuple[str, str]]:
    rows = await db.fetch(
        "SELECT from_status, to_status FROM registry.event_transitions WHERE event_id = $1 ORDER BY id", event_id
    )
    return [(row["from_status"], row["to_status"]) for row in rows]


async def test_a_closed_event_steps_through_scheduled_to_published_in_one_call(
    registry: TestClient, organiser_token: str, service_token: str, db: asyncpg.Connection
):
    event = await create_event(registry, organiser_token)
    await move_to(registry, organiser_token, event["id"], "open", "closed")
    computed_from = await snapshot_hash(registry, service_token, event["id"])

    response = await publication(registry, service_token, event["id"], computed_from)
    assert response.status == 200, await response.text()
    assert await response.json() == {
        "status": "published",
        "snapshot_unchanged": True,
        "moved_through": ["scheduled", "published"],
    }
    assert (await history(db, event["id"]))[-2:] == [("closed", "scheduled"), ("scheduled", "published")]
    audit = await db.fetch("SELECT action, changes FROM registry.audit_log WHERE action = 'event.publication'")
    assert len(audit) == 1

    again = await publication(registry, service_token, event["id"], computed_from)
    assert (await again.json())["moved_through"] == []  # already published: nothing moves, nothing recorded
    assert len(await history(db, event["id"])) == 4
    assert await db.fetchval("SELECT count(*) FROM registry.audit_log WHERE action = 'event.publication'") == 1


async def test_changed_sign_ups_are_reported_and_an_open_event_is_left_open(
    registry: TestClient, organiser_token: str, service_token: str, db: asyncpg.Connection
):
    event = await create_event(registry, organiser_token)
    await move_to(registry, organiser_token, event["id"], "open")
    response = await publication(registry, service_token, event["id"], "0" * 64)
    assert response.status == 200
    assert await response.json() == {"status": "open", "snapshot_unchanged": False, "moved_through": []}
    assert await history(db, event["id"]) == [("draft", "open")]


async def test_only_the_service_token_records_and_bad_input_changes_nothing(
    registry: TestClient, organiser_token: str, service_token: str, db: asyncpg.Connection
):
    event = await create_event(registry, organiser_token)
    await move_to(registry, organiser_token, event["id"], "open", "closed")
    refused = await publication(registry, organiser_token, event["id"], "0" * 64)
    assert refused.status == 403 and refused.content_type == PROBLEM
    malformed = await publication(registry, service_token, event["id"], "not-a-hash")
    assert malformed.status == 422 and malformed.content_type == PROBLEM
    assert [error["pointer"] for error in (await malformed.json())["errors"]] == ["/snapshot_hash"]
    missing = await publication(registry, service_token, "00000000-0000-0000-0000-000000000000", "0" * 64)
    assert missing.status == 404
    assert await history(db, event["id"]) == [("draft", "open"), ("open", "closed")]
