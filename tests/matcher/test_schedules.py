"""Schedule jobs, versions, rules and publishing on the real matcher app, its worker, and the real registry."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from deploy.load_sample import load_sample
from deploy.sample_data import generate_sample
from services.matcher.app import create_app
from services.matcher.settings import MatcherSettings
from shared.auth import Role
from tests.conftest import bearer


@pytest.fixture
async def working_matcher(matcher_settings: MatcherSettings) -> AsyncIterator[TestClient]:
    """The matcher with one job worker and one solver process in it."""
    settings = matcher_settings.model_copy(update={"workers": 1, "job_poll_seconds": 0.5, "solve_time_limit": 10})
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        yield client


@pytest.fixture
async def sample_event(registry: TestClient, organiser_token: str) -> str:
    """A small Dalarna event loaded through the registry's API, signed up and closed."""
    loaded = await load_sample(str(registry.make_url("/")), organiser_token, generate_sample(smes=18))
    response = await registry.post(
        f"/events/{loaded.event_id}/transitions", json={"to": "closed"}, headers=bearer(organiser_token)
    )
    assert response.status == 200, await response.text()
    return loaded.event_id


async def wait_for_job(client: TestClient, token: str, job_id: str, timeout: float = 90) -> dict:
    """Follow a job by long polls until it ends."""
    tag, deadline = None, asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        headers = bearer(token) | ({"If-None-Match": tag} if tag else {})
        response = await client.get(f"/jobs/{job_id}", params={"wait": "20"}, headers=headers)
        if response.status == 304:
            continue
        assert response.status == 200, await response.text()
        tag, job = response.headers["ETag"], await response.json()
        if job["status"] not in ("queued", "running"):
            return job
    raise AssertionError(f"job {job_id} did not end within {timeout} s")


async def run_schedule(client: TestClient, token: str, event_id: str, **body: object) -> dict:
    response = await client.post(f"/events/{event_id}/schedules", json=body, headers=bearer(token))
    assert response.status == 202, await response.text()
    job = await wait_for_job(client, token, (await response.json())["id"])
    assert job["status"] == "done", job
    response = await client.get(job["links"]["result"], headers=bearer(token))
    assert response.status == 200
    return await response.json()


async def snapshot_of(registry: TestClient, service_token: str, event_id: str) -> dict:
    response = await registry.get(f"/events/{event_id}/snapshot", headers=bearer(service_token))
    return await response.json()


def assert_valid(version: dict, snapshot: dict) -> None:
    """Nobody double-booked, availability, capacities and tables respected, every meeting explained."""
    meetings = version["meetings"]
    assert Counter((m["sme_id"], m["slot"]) for m in meetings).most_common(1)[0][1] == 1
    assert Counter((m["table"], m["slot"]) for m in meetings).most_common(1)[0][1] == 1
    assert len({(m["sme_id"], m["buyer_id"]) for m in meetings}) == len(meetings)
    smes = {s["organisation"]["id"]: s for s in snapshot["smes"]}
    buyers = {b["organisation"]["id"]: b for b in snapshot["buyers"]}
    for meeting in meetings:
        sme, buyer = smes[meeting["sme_id"]], buyers[meeting["buyer_id"]]
        assert meeting["slot"] in sme["available_slots"] and meeting["slot"] in buyer["available_slots"]
        assert 1 <= meeting["buyer_table"] <= buyer["tables"]
        assert meeting["why_sv"] and meeting["why_en"]
    per_sme = Counter(m["sme_id"] for m in meetings)
    assert all(per_sme[sme_id] <= sme["max_meetings"] for sme_id, sme in smes.items())


async def test_schedule_review_publish_and_replan(
    working_matcher: TestClient,
    registry: TestClient,
    organiser_token: str,
    service_token: str,
    sample_event: str,
    db_url: str,
):
    client, token, event_id = working_matcher, organiser_token, sample_event
    first = await client.post(f"/events/{event_id}/schedules", json={"seed": 1}, headers=bearer(token))
    again = await client.post(f"/events/{event_id}/schedules", json={}, headers=bearer(token))
    assert first.status == 202 and first.headers["Location"].startswith("/jobs/")
    assert again.status == 200 and (await again.json())["id"] == (await first.json())["id"]
    job = await wait_for_job(client, token, (await first.json())["id"])
    assert job["status"] == "done" and job["progress"] == 100 and job["result_version"] == 1, job["failure_reason"]

    v1 = await (await client.get(job["links"]["result"], headers=bearer(token))).json()
    snapshot = await snapshot_of(registry, service_token, event_id)
    assert v1["status"] == "draft" and v1["mode"] == "fresh" and v1["meeting_count"] == len(v1["meetings"]) > 20
    assert (
        v1["summary"]["meetings"] == len(v1["meetings"]) and v1["summary"]["relevance"] <= v1["summary"]["bound"] + 1e-6
    )
    assert_valid(v1, snapshot)

    # The organiser forbids one pair and locks another meeting, then re-runs (no version published: fresh).
    forbidden, locked = v1["meetings"][0], v1["meetings"][1]
    path = f"/events/{event_id}/schedule-rules"
    response = await client.put(
        f"{path}/{forbidden['sme_id']}/{forbidden['buyer_id']}",
        json={"rule": "forbid", "reason": "jäv"},
        headers=bearer(token),
    )
    assert response.status == 201
    response = await client.put(
        f"{path}/{locked['sme_id']}/{locked['buyer_id']}", json={"rule": "lock"}, headers=bearer(token)
    )
    assert response.status == 201 and (await response.json())["slot"] == locked["slot"]
    v2 = await run_schedule(client, token, event_id, seed=2)
    pairs = {(m["sme_id"], m["buyer_id"]): m for m in v2["meetings"]}
    assert (forbidden["sme_id"], forbidden["buyer_id"]) not in pairs
    kept = pairs[(locked["sme_id"], locked["buyer_id"])]
    assert kept["slot"] == locked["slot"] and kept["locked"]
    assert_valid(v2, snapshot)

    comparison = await (await client.get(f"/events/{event_id}/schedules/1/compare/2", headers=bearer(token))).json()
    assert (forbidden["sme_id"], forbidden["buyer_id"]) in {(m["sme_id"], m["buyer_id"]) for m in comparison["removed"]}
    assert len(comparison["added"]) - len(comparison["removed"]) == len(v2["meetings"]) - len(v1["meetings"])

    published = await client.post(f"/events/{event_id}/schedules/2/publish", headers=bearer(token))
    body = await published.json()
    assert published.status == 200, body
    assert (
        body["status"] == "published" and body["previous_published"] is None and body["registry_status"] == "published"
    )
    assert body["notifications"] > 0 and body["warnings"] == []

    # An SME cancels; the re-run starts from the published version and keeps everyone else's meetings.
    cancelled = v2["meetings"][5]["sme_id"]
    conn = await asyncpg.connect(db_url)
    try:
        registration = await conn.fetchval(
            "SELECT id FROM registry.registrations WHERE event_id = $1 AND organisation_id = $2", event_id, cancelled
        )
    finally:
        await conn.close()
    sme_token = await make_sme_token(db_url, cancelled)
    response = await registry.post(
        f"/registrations/{registration}/cancel", json={"reason": "sjuk"}, headers=bearer(sme_token)
    )
    assert response.status == 200, await response.text()
    v3 = await run_schedule(client, token, event_id)
    assert v3["mode"] == "replan" and v3["based_on"] == 2 and v3["changes"]["removed"] >= 1
    assert cancelled not in {m["sme_id"] for m in v3["meetings"]}
    before = {(m["sme_id"], m["buyer_id"]): (m["slot"], m["table"]) for m in v2["meetings"] if m["sme_id"] != cancelled}
    after = {(m["sme_id"], m["buyer_id"]): (m["slot"], m["table"]) for m in v3["meetings"]}
    assert all(after.get(pair) == place for pair, place in before.items() if pair[0] != forbidden["sme_id"]), "kept"

    response = await client.post(f"/events/{event_id}/schedules/3/publish", headers=bearer(token))
    assert (await response.json())["previous_published"] == 2
    versions = (await (await client.get(f"/events/{event_id}/schedules", headers=bearer(token))).json())["items"]
    assert [(v["number"], v["status"]) for v in versions] == [(3, "published"), (2, "superseded"), (1, "draft")]
    conn = await asyncpg.connect(db_url)
    try:
        outbox = await conn.fetch("SELECT kind, channel, payload FROM matcher.outbox ORDER BY created_at")
    finally:
        await conn.close()
    changed = [row for row in outbox if row["kind"] == "schedule.changed" and row["channel"] == "email"]
    # Only the people whose agendas changed hear about the re-plan, and the cancelled firm is not among them.
    assert 0 < len(changed) < len([row for row in outbox if row["kind"] == "schedule.published"])
    assert all("{agenda_url}" in json.loads(row["payload"])["text"] for row in changed)


async def make_sme_token(db_url: str, organisation_id: str) -> str:
    from services.registry.tokens import issue_token

    conn = await asyncpg.connect(db_url)
    try:
        token, _ = await issue_token(conn, Role.SME, organisation_id=organisation_id)
    finally:
        await conn.close()
    return token
