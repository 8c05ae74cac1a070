"""The schedule job parses the registry's snapshot once (issue 17): the busy slots, the repeat pairs and the
solver process get the model, while the version stores the document as the registry sent it."""

from __future__ import annotations

import json
import uuid

import asyncpg
from aiohttp.test_utils import TestClient

from services.matcher.engine.examples import example_snapshot
from services.matcher.jobs.parameters import JobParameters
from services.matcher.onsite.declines import without_busy_slots
from services.matcher.registry_client import Snapshot
from services.matcher.schedules.compute import ComputeRequest, compute_schedule
from services.matcher.schedules.runner import job_request
from services.matcher.schedules.store import Rules
from shared.snapshot import UNHASHED_FIELDS, EventSnapshot
from tests.matcher.test_schedules import run_schedule, sample_event, snapshot_of, working_matcher

__all__ = ["sample_event", "working_matcher"]  # fixtures of test_schedules, used here


def test_a_fetched_snapshot_is_parsed_once_and_keeps_its_document():
    document = example_snapshot().model_dump(mode="json")
    fetched = Snapshot(document, "0" * 64)
    assert fetched.model == example_snapshot()
    assert fetched.model is fetched.model  # one parse, however many readers
    assert fetched.document is document and document == example_snapshot().model_dump(mode="json")


def test_busy_slots_leave_a_copy_of_the_model_and_the_solver_gets_it():
    snapshot = example_snapshot()
    sme, buyer = snapshot.smes[1], snapshot.buyers[0]
    busy = {sme.organisation.id: [0, 2], buyer.organisation.id: [3]}
    request = job_request(JobParameters(), without_busy_slots(snapshot, busy), Rules(), None, 60.0)
    assert isinstance(request.snapshot, EventSnapshot)
    assert request.snapshot.smes[1].available_slots == [1, 3]
    assert request.snapshot.buyers[0].available_slots == [0, 1, 2]
    assert request.snapshot.smes[0] == snapshot.smes[0]  # nobody else's availability changed
    assert sme.available_slots == [0, 1, 2, 3] and buyer.available_slots == [0, 1, 2, 3]  # the fetched one
    assert without_busy_slots(snapshot, {}) is snapshot
    meetings = compute_schedule(request).meetings
    assert meetings and all(m.slot in (1, 3) for m in meetings if m.sme_id == sme.organisation.id)


def test_a_document_is_parsed_where_the_request_is_made():
    snapshot = example_snapshot()
    from_document = ComputeRequest(snapshot.model_dump(mode="json"), seed=3)
    assert from_document.snapshot == snapshot and from_document == ComputeRequest(snapshot, seed=3)
    assert compute_schedule(from_document).meetings == compute_schedule(ComputeRequest(snapshot, seed=3)).meetings


async def test_the_version_stores_the_document_the_registry_sent(
    working_matcher: TestClient,
    registry: TestClient,
    organiser_token: str,
    service_token: str,
    sample_event: str,
    db: asyncpg.Connection,
):
    version = await run_schedule(working_matcher, organiser_token, sample_event, mode="fresh", seed=1)
    assert {"fetch", "validate", "solver_process", "transfer"} <= set(version["quality"]["job_seconds"])
    stored = await db.fetchval(
        "SELECT snapshot::text FROM matcher.schedule_versions WHERE event_id = $1 AND number = $2",
        uuid.UUID(sample_event),
        version["number"],
    )
    document = await snapshot_of(registry, service_token, sample_event)

    def content(data: dict) -> dict:
        return {key: value for key, value in data.items() if key not in UNHASHED_FIELDS}

    assert content(json.loads(stored)) == content(document)
