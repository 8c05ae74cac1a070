"""Live fill through the matcher's database layer, on real PostgreSQL with a ManualClock: a published event,
a freed table-slot at 10:00 and an arrived stand-by firm → a new version with that meeting and nothing else
moved; live mode publishes it and e-mails only the two parties, draft mode leaves it for the organiser;
freed slots inside the frozen horizon expire; a fill that dies leaves its rows open; one version per slot."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from uuid import UUID

import asyncpg
import numpy as np
import pytest

import services.matcher.onsite.live_fill as live_fill_module
from benchmarks.live_fill import STOCKHOLM, day_snapshot
from services.matcher.engine.encode import encode_snapshot
from services.matcher.onsite.filler import run_filler
from services.matcher.onsite.live_fill import EncodingCache, FillOutcome, fill_event
from services.matcher.registry_client import Snapshot
from services.matcher.schedules.compute import ComputeRequest, compute_schedule
from services.matcher.schedules.publish import publish_version
from services.matcher.schedules.store import insert_version, stored_meetings
from services.matcher.settings import MatcherSettings
from shared.clock import ManualClock
from shared.db import init_connection
from shared.snapshot import EventSnapshot

DAY = dt.date(2027, 3, 4)
NINE_THIRTY = dt.datetime.combine(DAY, dt.time(9, 30), STOCKHOLM)  # slots 0–4 (08:00–09:20) are frozen
TEN, NINE_TWENTY = 6, 4  # slot indexes: 10:00 and 09:20


@pytest.fixture
async def pool(db_url: str) -> AsyncIterator[asyncpg.Pool]:
    created = await asyncpg.create_pool(db_url, min_size=1, max_size=6, init=init_connection)
    yield created
    await created.close()


@pytest.fixture
def settings(db_url: str) -> MatcherSettings:
    return MatcherSettings(database_url=db_url, link_secret="link-secret-" + "k" * 40, workers=0)


@pytest.fixture(scope="module")
def event() -> dict:
    """14 SMEs (one of them a walk-in, not in the published snapshot) × 3 buyers × 9 slots, planned once."""
    full = day_snapshot(14, 3, 9, seed=4, day=DAY)
    encoded = encode_snapshot(full)
    # The walk-in: the SME that fits the buyers best; the published snapshot is the event without it.
    walk_in = full.smes[int(np.argmax(encoded.instance.relevance.max(axis=1)))].organisation.id
    published = full.model_dump(mode="json")
    published["smes"] = [s for s in published["smes"] if s["organisation"]["id"] != str(walk_in)]
    snapshot = EventSnapshot.model_validate(published)
    result = compute_schedule(ComputeRequest(snapshot.model_dump(mode="json"), seed=1))
    return {"full": full, "snapshot": snapshot, "walk_in": walk_in, "result": result}


def freed_meeting(event: dict, slot: int):
    return next(m for m in event["result"].meetings if m.slot == slot)


def stand_by_candidate(event: dict, freed) -> UUID:
    """An SME of the published snapshot that can take the freed meeting (free then, room left, a fit)."""
    encoded = encode_snapshot(event["snapshot"])
    meetings = event["result"].meetings
    b = encoded.buyer_index(freed.buyer_id)
    for s, sme in enumerate(encoded.sme_ids):
        own = [m for m in meetings if m.sme_id == sme]
        cap = min(encoded.instance.sme_capacity[s], encoded.instance.sme_available[s].sum())
        if (
            encoded.instance.allowed[s, b]
            and encoded.instance.relevance[s, b] > 0
            and all(m.slot != freed.slot and m.buyer_id != freed.buyer_id for m in own)
            and len(own) < cap
        ):
            return sme
    raise AssertionError("no SME of the test event could take the freed meeting")


async def publish_first(pool: asyncpg.Pool, settings: MatcherSettings, event: dict) -> UUID:
    snapshot = event["snapshot"]
    async with pool.acquire() as conn, conn.transaction():
        stored = Snapshot(snapshot.model_dump(mode="json"), snapshot.content_hash)
        params = {"mode": "fresh"}
        version_id = await insert_version(
            conn, event_id=snapshot.event.id, job_id=None, based_on=None, snapshot=stored, venue="Lugnet, Falun",
            params=params, result=event["result"],
        )  # fmt: skip
        await publish_version(conn, settings, snapshot.event.id, 1, None)
        # Everyone has read the first version's e-mail: the next one is about what changed for them.
        await conn.execute("UPDATE matcher.outbox SET delivered_at = now()")
    return version_id


async def free(pool: asyncpg.Pool, meeting, *, event_id: UUID, cause: str = "no_show", notify: bool = False) -> int:
    """The meeting's table-slot freed; its buyer is at the table (checked in), so the fill may offer it."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO matcher.arrivals (event_id, organisation_id, arrived_at, how) VALUES ($1, $2, $3, 'qr') "
            "ON CONFLICT DO NOTHING",
            event_id, meeting.buyer_id, NINE_THIRTY,
        )  # fmt: skip
        row_id = await conn.fetchval(
            "INSERT INTO matcher.freed_slots (event_id, buyer_id, slot, table_index, cause, sme_id, freed_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            event_id, meeting.buyer_id, meeting.slot, meeting.table_index, cause, meeting.sme_id, NINE_THIRTY,
        )  # fmt: skip
        if notify:
            await conn.execute("SELECT pg_notify('matcher_live_fill', $1::text)", str(event_id))
    return row_id


async def stand_by(pool: asyncpg.Pool, event_id: UUID, organisation_id: UUID, how: str = "qr") -> None:
    source = "walk_in" if how == "walk_in" else "arrived"
    await pool.execute(
        "INSERT INTO matcher.arrivals (event_id, organisation_id, arrived_at, how) VALUES ($1, $2, $3, $4)",
        event_id, organisation_id, NINE_THIRTY, how,
    )  # fmt: skip
    await pool.execute(
        "INSERT INTO matcher.standby (event_id, organisation_id, source, since) VALUES ($1, $2, $3, $4)",
        event_id, organisation_id, source, NINE_THIRTY,
    )  # fmt: skip


async def live_mode(pool: asyncpg.Pool, event_id: UUID) -> None:
    await pool.execute("INSERT INTO matcher.event_day_settings (event_id, live_mode) VALUES ($1, true)", event_id)


async def version(pool: asyncpg.Pool, event_id: UUID, number: int) -> asyncpg.Record | None:
    return await pool.fetchrow(
        "SELECT id, number, status, based_on, snapshot FROM matcher.schedule_versions WHERE event_id = $1 "
        "AND number = $2",
        event_id,
        number,
    )


async def placements(pool: asyncpg.Pool, version_id: UUID) -> set[tuple]:
    async with pool.acquire() as conn:
        return {(m.sme_id, m.buyer_id, m.slot, m.table_index) for m in await stored_meetings(conn, version_id)}


async def fill(pool, settings, event_id, clock=None, cache=None, fetch=None) -> FillOutcome:
    clock = clock or ManualClock(NINE_THIRTY)
    return await fill_event(pool, settings, event_id, clock=clock, cache=cache or EncodingCache(), fetch_snapshot=fetch)


async def test_draft_mode_adds_the_meeting_in_a_draft_and_moves_nothing_else(pool, settings, event):
    event_id = event["snapshot"].event.id
    v1 = await publish_first(pool, settings, event)
    ten, early = freed_meeting(event, TEN), freed_meeting(event, NINE_TWENTY)
    firm = stand_by_candidate(event, ten)
    await stand_by(pool, event_id, firm)
    ten_row, early_row = await free(pool, ten, event_id=event_id), await free(pool, early, event_id=event_id)
    cache = EncodingCache()  # one filler process: the next fills start from what this one wrote

    outcome = await fill(pool, settings, event_id, cache=cache)

    assert (outcome.number, outcome.published, outcome.filled, outcome.expired) == (2, False, 1, 1)
    v2 = await version(pool, event_id, 2)
    assert v2["status"] == "draft" and v2["based_on"] == v1
    assert (await version(pool, event_id, 1))["status"] == "published"
    before, after = await placements(pool, v1), await placements(pool, v2["id"])
    gone = (ten.sme_id, ten.buyer_id, ten.slot, ten.table_index)
    assert after - before == {(firm, ten.buyer_id, ten.slot, ten.table_index)}
    assert before - after == {gone}  # the no-show's meeting leaves; every other meeting stays where it was
    assert {m for m in after if m[2] <= NINE_TWENTY} == {m for m in before if m[2] <= NINE_TWENTY}
    rows = {r["id"]: r for r in await pool.fetch("SELECT * FROM matcher.freed_slots")}
    assert (rows[ten_row]["state"], rows[ten_row]["filled_sme_id"]) == ("filled", firm)
    assert rows[ten_row]["filled_version_id"] == v2["id"] and rows[ten_row]["filled_at"] == NINE_THIRTY
    assert rows[early_row]["state"] == "expired"  # 09:20 has started: nothing is added there
    assert await pool.fetchval("SELECT count(*) FROM matcher.outbox WHERE version = 2") == 0
    audit = await pool.fetchrow("SELECT * FROM matcher.audit_log WHERE action = 'schedule.live_fill'")
    assert audit["actor_role"] == "service" and audit["changes"]["filled"] == 1

    # Nothing open any more: running again writes nothing.
    assert (await fill(pool, settings, event_id, cache=cache)).number is None
    # A second freed slot while the draft waits: the next draft builds on it (both fills in one click).
    later = next(
        m for m in event["result"].meetings if m.slot > TEN and m.sme_id != firm and m.buyer_id != ten.buyer_id
    )
    second = stand_by_candidate(event, later)
    if second != firm:
        await stand_by(pool, event_id, second)
    await free(pool, later, event_id=event_id)
    outcome = await fill(pool, settings, event_id, cache=cache)
    v3 = await version(pool, event_id, 3)
    assert outcome.number == 3 and v3["based_on"] == v2["id"] and v3["status"] == "draft"
    third = await placements(pool, v3["id"])
    assert (firm, ten.buyer_id, ten.slot, ten.table_index) in third
    assert len(third - after) == 1 and after - third == {(later.sme_id, later.buyer_id, later.slot, later.table_index)}
    # What the filler kept of version 3 is what the database holds.
    _, encoded, rows = cache.placements[event_id]
    ids = {(encoded.sme_ids[s], encoded.buyer_ids[b], int(encoded.slot_indexes[t]), table) for s, b, t, table in rows}
    assert ids == third


async def test_live_mode_publishes_and_tells_only_the_two_parties(pool, settings, event):
    event_id = event["snapshot"].event.id
    await publish_first(pool, settings, event)
    await live_mode(pool, event_id)
    ten = freed_meeting(event, TEN)
    firm = stand_by_candidate(event, ten)
    await stand_by(pool, event_id, firm)
    await free(pool, ten, event_id=event_id)

    async def fetch(asked_for: UUID) -> Snapshot:
        raise AssertionError("every stand-by firm is in the published snapshot: no need to ask the registry")

    outcome = await fill(pool, settings, event_id, fetch=fetch)

    assert outcome.published and outcome.number == 2 and outcome.notifications == 2
    assert (await version(pool, event_id, 2))["status"] == "published"
    assert (await version(pool, event_id, 1))["status"] == "superseded"
    told = await pool.fetch(
        "SELECT participant_id, payload FROM matcher.outbox WHERE version = 2 AND channel = 'email'"
    )
    # The no-show (its meeting left the agenda) is not e-mailed now; it reads the change on its agenda page.
    assert {row["participant_id"] for row in told} == {firm, ten.buyer_id}
    assert all("Ändrat schema" in row["payload"]["subject"] for row in told)
    # The buyer's calendar file cancels the no-show's meeting at that table and holds the new one.
    buyer = next(row["payload"] for row in told if row["participant_id"] == ten.buyer_id)
    calendar = "".join(a["content"] for a in buyer["attachments"])
    assert calendar.count("STATUS:CANCELLED") == 1


async def test_a_walk_in_is_taken_from_a_fresh_snapshot_and_no_one_else_changes(pool, settings, event):
    event_id, walk_in = event["snapshot"].event.id, event["walk_in"]
    v1 = await publish_first(pool, settings, event)
    await live_mode(pool, event_id)
    encoded = encode_snapshot(event["full"])
    w = encoded.sme_index(walk_in)
    ten = next(
        m
        for m in event["result"].meetings
        if m.slot >= 5 and encoded.instance.relevance[w, encoded.buyer_index(m.buyer_id)] > 0
    )
    await stand_by(pool, event_id, walk_in, how="walk_in")
    await free(pool, ten, event_id=event_id)
    asked = []

    async def fetch(asked_for: UUID) -> Snapshot:
        asked.append(asked_for)
        return Snapshot(event["full"].model_dump(mode="json"), event["full"].content_hash)

    cache = EncodingCache()
    outcome = await fill(pool, settings, event_id, fetch=fetch, cache=cache)

    assert asked == [event_id] and outcome.filled == 1 and outcome.published
    v2 = await version(pool, event_id, 2)
    added = await placements(pool, v2["id"]) - await placements(pool, v1)
    assert added == {(walk_in, ten.buyer_id, ten.slot, ten.table_index)}
    stored = EventSnapshot.model_validate(v2["snapshot"])
    assert walk_in in {s.organisation.id for s in stored.smes}
    assert stored.buyers == event["snapshot"].buyers and stored.hash_matches()
    told = await pool.fetch(
        "SELECT participant_id, payload FROM matcher.outbox WHERE version = 2 AND channel = 'email'"
    )
    assert {row["participant_id"] for row in told} == {walk_in, ten.buyer_id}
    # The next freed slot: the walk-in is in the snapshot the filler keeps, so the registry is not asked again.
    later = next(m for m in event["result"].meetings if m.slot > ten.slot and m.sme_id != walk_in)
    await free(pool, later, event_id=event_id)
    assert (await fill(pool, settings, event_id, fetch=fetch, cache=cache)).expired == 0
    assert asked == [event_id]


async def test_a_fill_that_dies_leaves_the_rows_open_and_one_slot_gets_one_version(pool, settings, event, monkeypatch):
    event_id = event["snapshot"].event.id
    await publish_first(pool, settings, event)
    ten = freed_meeting(event, TEN)
    await stand_by(pool, event_id, stand_by_candidate(event, ten))
    row = await free(pool, ten, event_id=event_id)

    async def killed(*_args, **_kwargs):
        raise RuntimeError("the process died here")

    monkeypatch.setattr(live_fill_module, "record", killed)
    with pytest.raises(RuntimeError):
        await fill(pool, settings, event_id)
    assert await pool.fetchval("SELECT state FROM matcher.freed_slots WHERE id = $1", row) == "open"
    assert await version(pool, event_id, 2) is None
    monkeypatch.undo()

    # Two fillers at once (two processes): one writes the version, the other finds nothing left.
    outcomes = await asyncio.gather(*(fill(pool, settings, event_id) for _ in range(2)))
    assert sorted(o.filled for o in outcomes) == [0, 1]
    assert await pool.fetchval("SELECT count(*) FROM matcher.schedule_versions WHERE event_id = $1", event_id) == 2


async def test_the_filler_loop_wakes_on_notify_and_expires_what_the_clock_freezes(pool, settings, event):
    event_id = event["snapshot"].event.id
    await publish_first(pool, settings, event)
    await live_mode(pool, event_id)
    ten = freed_meeting(event, TEN)
    clock, stop, passes = ManualClock(NINE_THIRTY), asyncio.Event(), asyncio.Queue()
    # No one on stand-by yet: the freed slot waits.
    task = asyncio.create_task(
        run_filler(pool, settings, clock=clock, stop=stop, poll_seconds=60, on_pass=passes.put_nowait)
    )
    try:
        await asyncio.wait_for(passes.get(), 10)
        row = await free(pool, ten, event_id=event_id, notify=True)
        outcome = (await asyncio.wait_for(passes.get(), 10))[0]
        assert (outcome.filled, outcome.waiting) == (0, 1)
        # 09:55: the 10:00 meeting is inside the frozen horizon; the next pass expires its freed slot.
        clock.set(NINE_THIRTY + dt.timedelta(minutes=25))
        await stand_by(pool, event_id, stand_by_candidate(event, ten))
        await pool.execute("SELECT pg_notify('matcher_live_fill', $1::text)", str(event_id))
        outcome = (await asyncio.wait_for(passes.get(), 10))[0]
        assert (outcome.filled, outcome.expired) == (0, 1)
        assert await pool.fetchval("SELECT state FROM matcher.freed_slots WHERE id = $1", row) == "expired"
        assert await version(pool, event_id, 2) is None
    finally:
        stop.set()
        await task
