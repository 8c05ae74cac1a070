"""Repeat pairs through the matcher's store (issue 14): event 1 is published with meetings, event 2 (later)
is scheduled as the job runner does it (repeat pairs read from the store, then computed); a pair that met
at event 1 is not paired again unless one of them asked, and only an earlier, published, attended meeting
counts. The last test takes the real path: registry, job worker and solver process."""

from __future__ import annotations

import datetime as dt
import uuid

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from pydantic import ValidationError

from services.matcher.engine.examples import example_snapshot
from services.matcher.engine.repeat_pairs import KEPT_EN, KEPT_SV
from services.matcher.jobs.parameters import JobParameters
from services.matcher.registry_client import Snapshot
from services.matcher.schedules import store
from services.matcher.schedules.compute import ComputeRequest, compute_schedule
from services.matcher.schedules.models import ScheduleRequest
from services.matcher.schedules.publish import step_up
from services.matcher.schedules.repeat_pairs import met_before
from shared.db import init_connection
from shared.snapshot import EventSnapshot
from tests.matcher.test_schedules import run_schedule, sample_event, snapshot_of, working_matcher

__all__ = ["sample_event", "working_matcher"]  # fixtures of test_schedules, used here

CLEANER, BUILDER = (str(sme.organisation.id) for sme in example_snapshot().smes)
BUYER = str(example_snapshot().buyers[0].organisation.id)


def event_snapshot(day: dt.date) -> dict:
    """The example event (two SMEs, one buyer) as another event on ``day``."""
    document = example_snapshot().model_dump(mode="json")
    document["event"] = {**document["event"], "id": str(uuid.uuid4()), "date": day.isoformat()}
    return document


async def store_version(conn: asyncpg.Connection, document: dict, *, publish: bool) -> uuid.UUID:
    await init_connection(conn)  # the pool's JSON codecs, as the service's connections have them
    event_id = uuid.UUID(document["event"]["id"])
    result = compute_schedule(ComputeRequest(document))
    content_hash = EventSnapshot.model_validate(document).content_hash
    async with conn.transaction():
        version_id = await store.insert_version(
            conn,
            event_id=event_id,
            job_id=None,
            based_on=None,
            snapshot=Snapshot(document, content_hash),
            venue="",
            params={},
            result=result,
        )
        if publish:
            await step_up(conn, event_id, version_id, None)
    return version_id


async def pairs_met(conn: asyncpg.Connection, document: dict, params: JobParameters | None = None) -> tuple:
    """The pairs of ``document``'s event that met before, read as the runner reads them (from the model)."""
    return await met_before(conn, EventSnapshot.model_validate(document), params or JobParameters())


async def plan(conn: asyncpg.Connection, document: dict, params: JobParameters | None = None) -> set[tuple[str, str]]:
    """Pairs of the version a schedule job with ``params`` computes for ``document`` (as the runner does)."""
    pairs = await pairs_met(conn, document, params)
    result = compute_schedule(ComputeRequest(document, met_before=pairs))
    return {(str(m.sme_id), str(m.buyer_id)) for m in result.meetings}


async def test_a_pair_that_met_at_a_published_earlier_event_is_not_paired_again_unless_asked(db: asyncpg.Connection):
    first, second = event_snapshot(dt.date(2026, 3, 10)), event_snapshot(dt.date(2026, 9, 15))
    await store_version(db, first, publish=True)
    assert await pairs_met(db, second) == (
        tuple(sorted(((uuid.UUID(CLEANER), uuid.UUID(BUYER)), (uuid.UUID(BUILDER), uuid.UUID(BUYER)))))
    )
    # The cleaner ranked the buyer's need: met again. Nobody asked for the builder: not paired.
    assert await plan(db, second) == {(CLEANER, BUYER)}
    # The organiser turns the setting off for a run: both meet again.
    assert await plan(db, second, JobParameters(avoid_repeat_pairs=False)) == {(CLEANER, BUYER), (BUILDER, BUYER)}
    # The builder asks (wishes for the buyer's need): paired again.
    second["smes"][1]["wanted_needs"] = [{"need_id": second["needs"][0]["id"], "rank": 1}]
    assert await plan(db, second) == {(CLEANER, BUYER), (BUILDER, BUYER)}
    # The earlier event's version is the record of the first event only: it never counts for itself.
    assert await pairs_met(db, first) == ()


async def test_only_published_earlier_attended_meetings_count(db: asyncpg.Connection):
    second = event_snapshot(dt.date(2026, 9, 15))
    await store_version(db, event_snapshot(dt.date(2026, 3, 10)), publish=False)  # a draft: never held
    await store_version(db, event_snapshot(dt.date(2026, 10, 1)), publish=True)  # later than this one
    assert await pairs_met(db, second) == ()

    cancelled = event_snapshot(dt.date(2026, 4, 1))
    await store_version(db, cancelled, publish=True)
    # The builder cancelled after that schedule was published: it was not there, so only the cleaner met.
    await db.execute(
        "INSERT INTO matcher.cancellations (event_id, organisation_id, up_to_version, cancelled_at) "
        "VALUES ($1, $2, 1, now())",
        uuid.UUID(cancelled["event"]["id"]),
        uuid.UUID(BUILDER),
    )
    assert await pairs_met(db, second) == ((uuid.UUID(CLEANER), uuid.UUID(BUYER)),)
    assert await plan(db, second) == {(CLEANER, BUYER), (BUILDER, BUYER)}


def test_the_setting_is_a_schedule_job_parameter_on_by_default():
    assert "avoid_repeat_pairs" not in ScheduleRequest().parameters().stored()  # on: earlier jobs read the same
    assert ScheduleRequest(avoid_repeat_pairs=False).parameters().stored()["avoid_repeat_pairs"] is False
    assert JobParameters.model_validate({"mode": "auto", "seed": 0}).avoid_repeat_pairs  # a job stored before
    with pytest.raises(ValidationError) as raised:
        ScheduleRequest.model_validate({"avoid_repeat_pairs": "sometimes"})
    assert [error["loc"] for error in raised.value.errors()] == [("avoid_repeat_pairs",)]


async def test_the_worker_leaves_out_who_met_at_the_earlier_event(
    working_matcher: TestClient,
    registry: TestClient,
    organiser_token: str,
    service_token: str,
    sample_event: str,
    db: asyncpg.Connection,
):
    """The real path: registry snapshot → job → repeat pairs read from the store → stored version."""
    client, token, event_id = working_matcher, organiser_token, sample_event
    first = await run_schedule(client, token, event_id, mode="fresh", seed=1)
    assert first["quality"]["repeat_pairs_avoided"] == 0
    # The same firms met a month before, at another Affärsträff whose schedule was published.
    document = await snapshot_of(registry, service_token, event_id)
    earlier = {**document, "event": {**document["event"], "id": str(uuid.uuid4())}}
    earlier["event"]["date"] = (dt.date.fromisoformat(document["event"]["date"]) - dt.timedelta(days=30)).isoformat()
    await store_version(db, earlier, publish=True)
    met = {(str(s), str(b)) for s, b in await pairs_met(db, document)}
    assert met == {(m["sme_id"], m["buyer_id"]) for m in first["meetings"]}

    second = await run_schedule(client, token, event_id, mode="fresh", seed=1)
    assert second["quality"]["repeat_pairs_avoided"] > 0
    asked = asked_in(document)
    again = [m for m in second["meetings"] if (m["sme_id"], m["buyer_id"]) in met]
    assert {(m["sme_id"], m["buyer_id"]) for m in again} <= asked  # only who asked meets again
    assert all(m["why_sv"].endswith(KEPT_SV) and m["why_en"].endswith(KEPT_EN) for m in again)
    assert not any(m["why_sv"].endswith(KEPT_SV) for m in second["meetings"] if m not in again)

    off = await run_schedule(client, token, event_id, mode="fresh", seed=1, avoid_repeat_pairs=False)
    assert off["quality"]["repeat_pairs_avoided"] == 0
    assert {(m["sme_id"], m["buyer_id"]) for m in off["meetings"]} & met - asked


def asked_in(document: dict) -> set[tuple[str, str]]:
    """(sme, buyer) pairs of the snapshot where one side asked: a wanted need, a buyer's wish or 'must meet'."""
    buyer_of = {need["id"]: need["buyer_id"] for need in document["needs"]}
    asked = {
        (sme["organisation"]["id"], buyer_of[w["need_id"]]) for sme in document["smes"] for w in sme["wanted_needs"]
    }
    asked |= {(s, buyer["organisation"]["id"]) for buyer in document["buyers"] for s in buyer["wanted_sme_ids"]}
    return asked | {(r["sme_id"], r["buyer_id"]) for r in document["pair_rules"] if r["rule"] == "must_meet"}
