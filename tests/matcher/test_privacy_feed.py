"""The matcher's side of erasure on the real test database: a snapshot fetched before an erasure is stored
redacted, applying an erasure twice changes nothing, queued e-mails wait while the registry's change feed
cannot be read, and a cancellation after publication queues its notices once."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.matcher.app import create_app
from services.matcher.engine.examples import example_snapshot
from services.matcher.notify.deliver import deliver_due
from services.matcher.privacy.cancellation import apply_cancellation
from services.matcher.privacy.erasure import apply_erasure
from services.matcher.privacy.feed import delivery_gate
from services.matcher.registry_client import RegistryClient, Snapshot
from services.matcher.schedules.compute import ComputeResult
from services.matcher.schedules.store import insert_version
from services.matcher.settings import MatcherSettings
from shared.db import init_connection
from shared.privacy import ERASED_NAME
from shared.snapshot import EventSnapshot
from tests.conftest import bearer, free_port

NOW = dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC)


def with_contact(snapshot: EventSnapshot) -> dict:
    data = snapshot.model_dump(mode="json")
    data["smes"][0]["contacts"] = [
        {"id": str(uuid.UUID(int=77)), "position": 0, "name": "Stina Sandberg", "title": "VD",
         "email": "stina@sandbergs.example.com", "phone": "+46701740526"}
    ]  # fmt: skip
    return data


@pytest.fixture
async def pool(db_url: str) -> AsyncIterator[asyncpg.Pool]:
    created = await asyncpg.create_pool(db_url, min_size=1, max_size=4, init=init_connection)
    yield created
    await created.close()


async def test_a_snapshot_fetched_before_an_erasure_is_stored_redacted(pool):
    document = with_contact(example_snapshot())
    erased = uuid.UUID(document["smes"][0]["organisation"]["id"])
    name = document["smes"][0]["organisation"]["name"]
    async with pool.acquire() as conn, conn.transaction():
        await apply_erasure(conn, erased, NOW)  # nothing stored yet: only recorded
    result = ComputeResult(meetings=[], quality={}, mode="fresh")
    async with pool.acquire() as conn, conn.transaction():
        version = await insert_version(
            conn,
            event_id=uuid.UUID(document["event"]["id"]),
            job_id=None,
            based_on=None,
            snapshot=Snapshot(document, "0" * 64),
            venue="Lugnet",
            params={},
            result=result,
        )
    stored = await pool.fetchval("SELECT snapshot::text FROM matcher.schedule_versions WHERE id = $1", version)
    assert name not in stored and "stina" not in stored.lower() and "740526" not in stored
    assert json.loads(stored)["smes"][0]["organisation"]["name"] == ERASED_NAME
    # The other SME is untouched.
    assert document["smes"][1]["organisation"]["name"] in stored


async def test_applying_an_erasure_twice_changes_nothing_the_second_time(pool):
    document = with_contact(example_snapshot())
    erased = uuid.UUID(document["smes"][0]["organisation"]["id"])
    event_id = uuid.UUID(document["event"]["id"])
    await pool.execute(
        "INSERT INTO matcher.schedule_versions (event_id, number, snapshot_hash, snapshot) VALUES ($1, 1, $2, $3)",
        event_id,
        "0" * 64,
        document,
    )
    await pool.execute(
        "INSERT INTO matcher.outbox (event_id, kind, channel, destination, payload) VALUES "
        "($1, 'schedule.published', 'email', 'Stina@Sandbergs.example.com', $2), "
        "($1, 'schedule.published', 'email', 'other@example.com', $3)",
        event_id,
        {"to": "stina@sandbergs.example.com", "text": "Hej Stina Sandberg"},
        {"to": "other@example.com", "text": f"Du möter {document['smes'][0]['organisation']['name']}"},
    )
    async with pool.acquire() as conn, conn.transaction():
        first = await apply_erasure(conn, erased, NOW)
    assert (first.versions, first.dropped_messages, first.redacted_messages) == (1, 1, 1)
    revision = await pool.fetchval("SELECT revision FROM matcher.schedule_versions")
    async with pool.acquire() as conn, conn.transaction():
        second = await apply_erasure(conn, erased, NOW)
    assert (second.versions, second.meetings, second.dropped_messages, second.redacted_messages) == (0, 0, 0, 0)
    assert await pool.fetchval("SELECT revision FROM matcher.schedule_versions") == revision
    [left] = await pool.fetch("SELECT payload FROM matcher.outbox")
    assert left["payload"]["text"] == f"Du möter {ERASED_NAME}"


async def test_emails_wait_while_the_registry_feed_cannot_be_read(pool, db_url):
    await pool.execute(
        "INSERT INTO matcher.outbox (event_id, kind, channel, destination, payload) "
        "VALUES ($1, 'schedule.published', 'email', 'a@example.com', $2)",
        uuid.uuid4(),
        {"to": "a@example.com", "subject": "Ditt schema", "text": "Hej"},
    )
    settings = MatcherSettings(database_url=db_url, smtp_host="127.0.0.1", smtp_port=free_port(), log_format="text")
    async with aiohttp.ClientSession() as session:
        nowhere = RegistryClient(session, f"http://127.0.0.1:{free_port()}", "s" * 40, tries=1)
        gate = delivery_gate(pool, settings, lambda: nowhere)
        assert await deliver_due(pool, settings, session, before_claim=gate) == 0
    row = await pool.fetchrow("SELECT attempts, delivered_at FROM matcher.outbox")
    # Not even tried: the batch waited for the feed instead of claiming the row.
    assert row["attempts"] == 0 and row["delivered_at"] is None


async def test_a_registry_outage_is_one_log_line_however_often_the_feed_is_polled(
    pool, db_url, registry, service_token, caplog
):
    """The feed is polled every few seconds (and before every batch of e-mails): one line when it cannot be
    read, one when it can again, not one per poll."""
    settings = MatcherSettings(database_url=db_url, log_format="text")
    caplog.set_level(logging.INFO, logger="services.matcher.privacy.feed")
    async with aiohttp.ClientSession() as session:
        nowhere = RegistryClient(session, f"http://127.0.0.1:{free_port()}", "s" * 40, tries=1)
        reachable = RegistryClient(session, str(registry.make_url("")), service_token, tries=1)
        current = [nowhere]
        gate = delivery_gate(pool, settings, lambda: current[0])
        assert [await gate() for _ in range(5)] == [False] * 5
        current[0] = reachable
        assert await gate() is True
    lines = [r.getMessage() for r in caplog.records if r.name == "services.matcher.privacy.feed"]
    assert len(lines) == 2, lines
    assert lines[0].startswith("cannot read the registry's change feed (notifications wait) now")
    assert lines[1] == "read the registry's change feed (notifications wait) again after 5 failed tries"


async def test_a_cancellation_is_applied_once_with_notices_and_a_webhook(pool, db_url):
    document = with_contact(example_snapshot())
    document["buyers"][0]["contacts"] = [
        {"id": str(uuid.UUID(int=78)), "position": 0, "name": "Bo Ek", "title": "Upphandlare",
         "email": "bo@falun.example.com", "phone": None}
    ]  # fmt: skip
    sme = uuid.UUID(document["smes"][0]["organisation"]["id"])
    buyer = uuid.UUID(document["buyers"][0]["organisation"]["id"])
    event_id = uuid.UUID(document["event"]["id"])
    version = await pool.fetchval(
        "INSERT INTO matcher.schedule_versions (event_id, number, snapshot_hash, snapshot, status, published_at) "
        "VALUES ($1, 1, $2, $3, 'published', now()) RETURNING id",
        event_id,
        "0" * 64,
        document,
    )
    await pool.execute(
        "INSERT INTO matcher.schedule_meetings (version_id, sme_id, buyer_id, slot, table_index, relevance, "
        "explanation) VALUES ($1, $2, $3, 0, 0, 0.5, '{}')",
        version,
        sme,
        buyer,
    )
    await pool.execute(
        "INSERT INTO matcher.webhooks (event_id, url, secret) VALUES ($1, 'https://mottagare.example/hook', $2)",
        event_id,
        "s" * 40,
    )
    settings = MatcherSettings(database_url=db_url, link_secret="l" * 40, log_format="text")
    async with pool.acquire() as conn, conn.transaction():
        assert await apply_cancellation(conn, settings, event_id, sme, NOW) == 3
    async with pool.acquire() as conn, conn.transaction():
        assert await apply_cancellation(conn, settings, event_id, sme, NOW) == 0  # a replayed change: nothing new
    rows = {row["destination"]: row for row in await pool.fetch("SELECT * FROM matcher.outbox")}
    assert set(rows) == {"stina@sandbergs.example.com", "bo@falun.example.com", "https://mottagare.example/hook"}
    assert {row["kind"] for row in rows.values()} == {"registration.cancelled"}
    hook = rows["https://mottagare.example/hook"]["payload"]
    assert hook["organisation_id"] == str(sme) and hook["meetings_cancelled"] == 1
    assert "Stina" not in json.dumps(hook) and document["smes"][0]["organisation"]["name"] not in json.dumps(hook)
    notice = rows["bo@falun.example.com"]["payload"]
    assert document["smes"][0]["organisation"]["name"] in notice["text"] and notice["link_id"]
    calendar = notice["attachments"][0]["content"]
    assert "STATUS:CANCELLED" in calendar and "SEQUENCE:2" in calendar


async def test_the_matcher_applies_the_feed_in_the_background(
    registry, matcher_settings, db, organiser_token, make_org
):
    organisation = await make_org("sme")
    # The deliverer also applies the feed before each batch: its polls are far apart here, so only the
    # background task can apply the erasure within the bound below.
    settings = matcher_settings.model_copy(update={"feed_poll_seconds": 0.05, "outbox_poll_seconds": 600})
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")):
        response = await registry.delete(f"/organisations/{organisation}", headers=bearer(organiser_token))
        assert response.status == 204
        deadline = time.monotonic() + 10  # a bound on waiting (polls every 0.05 s), not a claim about speed
        while await db.fetchval("SELECT last_id FROM matcher.registry_feed") == 0:
            assert time.monotonic() < deadline, "the feed was not applied in the background"
            await asyncio.sleep(0.02)
    assert await db.fetchval("SELECT organisation_id FROM matcher.erased_organisations") == organisation
