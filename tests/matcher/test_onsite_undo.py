"""The day's loose ends on the real matcher (app factory, PostgreSQL, ManualClock): undoing a day mark (its
open freed slots withdrawn, a meeting a fill took out put back and published to its two parties only, 409
when the live fill gave the time away), a firm marked absent that checks in after all (its freed meetings
nobody took and that have not started come back; given ones stay given), and the live fill offering only
tables whose buyer is at the venue.

The filler runs in the app as always; the tests call :func:`fill_event` themselves to know a fill is done
(it waits for the event's schedule lock, so a background fill and the test's own never overlap)."""

from __future__ import annotations

import datetime as dt
import json
from uuid import UUID

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from benchmarks.live_fill import STOCKHOLM, day_snapshot
from services.matcher.app import create_app
from services.matcher.engine.encode import EncodedEvent, encode_snapshot
from services.matcher.onsite.live_fill import EncodingCache, fill_event
from services.matcher.registry_client import Snapshot
from services.matcher.schedules.compute import ComputeRequest, StoredMeeting, compute_schedule
from services.matcher.schedules.publish import publish_version
from services.matcher.schedules.store import insert_version
from shared.auth import Role
from shared.clock import ManualClock
from shared.db import POOL_KEY
from tests.conftest import bearer
from tests.matcher.test_onsite_day import day_world

DAY = dt.date(2027, 3, 4)
MORNING = dt.datetime.combine(DAY, dt.time(8, 5), STOCKHOLM)  # slot 0 (08:00) has started, slot 1 is open


@pytest.fixture(scope="module")
def event() -> dict:
    """20 SMEs × 4 buyers × 9 slots (08:00–11:00), planned once."""
    snapshot = day_snapshot(20, 4, 9, seed=4, day=DAY)
    result = compute_schedule(ComputeRequest(snapshot.model_dump(mode="json"), seed=1))
    return {"snapshot": snapshot, "result": result, "encoded": encode_snapshot(snapshot)}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MORNING.astimezone(dt.UTC))


@pytest.fixture
async def matcher(matcher_settings, matcher_port, clock):
    app = create_app(matcher_settings, clock=clock)
    async with TestClient(TestServer(app, host="127.0.0.1", port=matcher_port)) as client:
        yield client


@pytest.fixture
async def organiser(make_token) -> str:
    return await make_token(Role.ORGANISER, label="day organiser")


@pytest.fixture
async def published(matcher, matcher_settings, event) -> UUID:
    """Version 1 published (its e-mails taken as read), live mode on; the event's id."""
    snapshot = event["snapshot"]
    async with matcher.server.app[POOL_KEY].acquire() as conn, conn.transaction():
        stored = Snapshot(snapshot.model_dump(mode="json"), snapshot.content_hash)
        await insert_version(
            conn, event_id=snapshot.event.id, job_id=None, based_on=None, snapshot=stored, venue="Lugnet, Falun",
            params={"mode": "fresh"}, result=event["result"],
        )  # fmt: skip
        await publish_version(conn, matcher_settings, snapshot.event.id, 1, None)
        await conn.execute("UPDATE matcher.outbox SET delivered_at = now()")
        await conn.execute(
            "INSERT INTO matcher.event_day_settings (event_id, live_mode) VALUES ($1, true)", snapshot.event.id
        )
    return snapshot.event.id


def fits(encoded: EncodedEvent, meetings: list[StoredMeeting], firm: UUID, buyer: UUID, slot: int) -> bool:
    """Could ``firm`` take a meeting with ``buyer`` in ``slot`` (rules, relevance, free then, room left)?"""
    s, b = encoded.sme_index(firm), encoded.buyer_index(buyer)
    t = encoded.slot_indexes.tolist().index(slot)
    own = [m for m in meetings if m.sme_id == firm]
    instance = encoded.instance
    cap = min(instance.sme_capacity[s], instance.sme_available[s].sum())
    return bool(
        instance.allowed[s, b]
        and instance.relevance[s, b] > max(0.0, instance.min_relevance)
        and not (instance.below_floor is not None and instance.below_floor[s, b])
        and instance.sme_available[s, t]
        and all(m.slot != slot and m.buyer_id != buyer for m in own)
        and len(own) < cap
    )


async def fill(matcher, matcher_settings, clock, event_id: UUID):
    return await fill_event(
        matcher.server.app[POOL_KEY], matcher_settings, event_id, clock=clock, cache=EncodingCache()
    )


async def check_in(matcher, organiser: str, event_id: UUID, organisation_id: UUID) -> dict:
    response = await matcher.post(
        f"/events/{event_id}/arrivals", json={"organisation_id": str(organisation_id)}, headers=bearer(organiser)
    )
    assert response.status in (200, 201), await response.text()
    return await response.json()


async def arrive_standing_by(db: asyncpg.Connection, event_id: UUID, firm: UUID, at: dt.datetime) -> None:
    await db.execute(
        "INSERT INTO matcher.arrivals (event_id, organisation_id, arrived_at, how) VALUES ($1, $2, $3, 'qr')",
        event_id, firm, at,
    )  # fmt: skip
    await db.execute(
        "INSERT INTO matcher.standby (event_id, organisation_id, source, since) VALUES ($1, $2, 'arrived', $3)",
        event_id, firm, at,
    )  # fmt: skip


def status_path(event_id: UUID, meeting) -> str:
    return f"/events/{event_id}/meetings/{meeting.sme_id}/{meeting.buyer_id}/status"


async def mark(matcher, organiser: str, event_id: UUID, meeting, status: str) -> dict:
    response = await matcher.put(status_path(event_id, meeting), json={"status": status}, headers=bearer(organiser))
    assert response.status == 200, await response.text()
    return await response.json()


async def placements(db: asyncpg.Connection, event_id: UUID, number: int) -> set[tuple]:
    rows = await db.fetch(
        "SELECT m.sme_id, m.buyer_id, m.slot, m.table_index FROM matcher.schedule_meetings m "
        "JOIN matcher.schedule_versions v ON v.id = m.version_id WHERE v.event_id = $1 AND v.number = $2",
        event_id, number,
    )  # fmt: skip
    return {tuple(r.values()) for r in rows}


async def state(db: asyncpg.Connection) -> dict:
    """What an answer that changes nothing must leave as it was."""
    return {
        "marks": await db.fetch("SELECT sme_id, buyer_id, status FROM matcher.meeting_status ORDER BY 1, 2"),
        "freed": await db.fetch("SELECT id, state FROM matcher.freed_slots ORDER BY id"),
        "versions": await db.fetch("SELECT number, status FROM matcher.schedule_versions ORDER BY number"),
        "outbox": await db.fetchval("SELECT count(*) FROM matcher.outbox"),
        "audit": await db.fetchval("SELECT count(*) FROM matcher.audit_log"),
    }


async def last_audit(db: asyncpg.Connection, action: str) -> dict:
    changes = await db.fetchval(
        "SELECT changes FROM matcher.audit_log WHERE action = $1 ORDER BY id DESC LIMIT 1", action
    )
    return json.loads(changes)


def two_cells_one_firm(event: dict) -> tuple:
    """Two meetings at one time (from 08:40) at two buyers' tables, and a firm that could take either."""
    meetings, encoded = event["result"].meetings, event["encoded"]
    for slot in range(2, 9):
        here = [m for m in meetings if m.slot == slot]
        for i, first in enumerate(here):
            for second in here[i + 1 :]:
                if first.buyer_id == second.buyer_id:
                    continue
                for firm in encoded.sme_ids:
                    if firm not in (first.sme_id, second.sme_id) and all(
                        fits(encoded, meetings, firm, m.buyer_id, slot) for m in (first, second)
                    ):
                        return first, second, firm
    raise AssertionError("the test event has no two cells one stand-by firm could fill")


async def test_undo_withdraws_the_open_freed_slot_puts_the_meeting_back_and_409s_the_given_one(
    matcher, matcher_settings, clock, db, event, published, organiser
):
    event_id = published
    first, second, firm = two_cells_one_firm(event)
    for buyer in (first.buyer_id, second.buyer_id):
        await check_in(matcher, organiser, event_id, buyer)
    for meeting in (first, second):  # both freed before anyone stands by: one fill sees both
        assert (await mark(matcher, organiser, event_id, meeting, "cancelled_day"))["freed_slots"] == 1
    await arrive_standing_by(db, event_id, firm, MORNING)
    await fill(matcher, matcher_settings, clock, event_id)
    v2 = await placements(db, event_id, 2)
    # One firm, one time: it takes one of the two tables; both cancelled meetings leave version 2.
    given = next(m for m in (first, second) if (firm, m.buyer_id, m.slot, m.table_index) in v2)
    other = second if given is first else first
    assert (other.sme_id, other.buyer_id, other.slot, other.table_index) not in v2
    assert await db.fetchval("SELECT state FROM matcher.freed_slots WHERE buyer_id = $1", other.buyer_id) == "open"
    before = await state(db)

    # The time of the given one went to the firm: 409, and nothing changes.
    refused = await matcher.delete(status_path(event_id, given), headers=bearer(organiser))
    assert refused.status == 409 and refused.content_type == "application/problem+json"
    problem = await refused.json()
    assert problem["type"].endswith(":freed-slot-filled")
    assert "annat företag" in problem["detail"] and "another firm" in problem["detail"]
    assert await state(db) == before

    # The other is undone: its freed slot withdrawn, the meeting back in a version of its own, published,
    # everything else where it was.
    undone = await matcher.delete(status_path(event_id, other), headers=bearer(organiser))
    assert undone.status == 200, await undone.text()
    answer = await undone.json()
    assert (answer["status"], answer["withdrawn_slots"], answer["restored"], answer["restored_version"]) == (
        "planned", 1, 1, 3,
    )  # fmt: skip
    v3 = await placements(db, event_id, 3)
    assert v3 == v2 | {(other.sme_id, other.buyer_id, other.slot, other.table_index)}
    versions = await db.fetch("SELECT number, status FROM matcher.schedule_versions")
    assert {(r["number"], r["status"]) for r in versions} == {(1, "superseded"), (2, "superseded"), (3, "published")}
    # Nobody else is told; the two parties were never e-mailed that the meeting left (a fill tells only the
    # parties of what it adds), so their agenda is again what they were told: no e-mail either.
    told = await db.fetch("SELECT DISTINCT participant_id FROM matcher.outbox WHERE version = 3")
    assert {r["participant_id"] for r in told} <= {other.sme_id, other.buyer_id}
    assert await db.fetchval("SELECT state FROM matcher.freed_slots WHERE buyer_id = $1", other.buyer_id) == (
        "withdrawn"
    )
    assert await db.fetchval(
        "SELECT count(*) FROM matcher.meeting_status WHERE sme_id = $1 AND buyer_id = $2", other.sme_id,
        other.buyer_id,
    ) == 0  # fmt: skip
    entry = await last_audit(db, "meeting.mark")
    assert (entry["previous"], entry["status"], entry["restored_version"]) == ("cancelled_day", "planned", 3)
    # The next fill builds on version 3 and does not touch the undone meeting again.
    assert (await fill(matcher, matcher_settings, clock, event_id)).number is None
    # Undoing again (an unmarked meeting) answers planned and changes nothing.
    after = await state(db)
    again = await matcher.delete(status_path(event_id, other), headers=bearer(organiser))
    assert again.status == 200 and (await again.json())["withdrawn_slots"] == 0
    assert await state(db) == after


def absent_firm(event: dict) -> tuple:
    """An SME meeting at 08:00 with three meetings later (the first of them 08:20 or after) and a firm that
    could take the second of them."""
    meetings, encoded = event["result"].meetings, event["encoded"]
    for sme in encoded.sme_ids:
        own = sorted((m for m in meetings if m.sme_id == sme), key=lambda m: m.slot)
        if len(own) >= 4 and own[0].slot == 0 and own[1].slot >= 1:
            taker = next(
                (f for f in encoded.sme_ids if f != sme and fits(encoded, meetings, f, own[2].buyer_id, own[2].slot)),
                None,
            )
            if taker is not None and len({m.buyer_id for m in own[1:4]}) == 3:
                return own, taker
    raise AssertionError("the test event has no SME for the late arrival")


async def test_a_firm_marked_absent_that_checks_in_gets_back_what_nobody_took(
    matcher, matcher_settings, clock, db, event, published, organiser
):
    event_id = published
    own, taker = absent_firm(event)
    missed, started_later, given, waiting = own[0], own[1], own[2], own[3]
    # The firm misses 08:00 without having checked in: its later meetings are freed. The buyer of the third is
    # at its table with a stand-by firm that fits; the buyers of the second and fourth have not come yet.
    await check_in(matcher, organiser, event_id, given.buyer_id)
    await arrive_standing_by(db, event_id, taker, MORNING)
    freed = (await mark(matcher, organiser, event_id, missed, "no_show_sme"))["freed_slots"]
    assert freed == len(own)
    await fill(matcher, matcher_settings, clock, event_id)
    v2 = await placements(db, event_id, 2)
    assert (taker, given.buyer_id, given.slot, given.table_index) in v2
    assert all((m.sme_id, m.buyer_id, m.slot, m.table_index) in v2 for m in (started_later, waiting))
    # It arrives when its second meeting has begun: that one and the given one stay as they are.
    slot_start = {s.index: s.start for s in event["snapshot"].event.slots}
    clock.set(slot_start[started_later.slot] + dt.timedelta(minutes=2))
    arrival = await check_in(matcher, organiser, event_id, missed.sme_id)
    assert arrival["restored"] == len(own) - 3 and arrival["restored_version"] is None  # still in version 2
    rows = await db.fetch("SELECT slot, state FROM matcher.freed_slots WHERE sme_id = $1", missed.sme_id)
    states = {r["slot"]: r["state"] for r in rows}
    assert states[given.slot] == "filled" and states[waiting.slot] == "withdrawn"
    assert states[started_later.slot] in ("open", "expired") and states[missed.slot] == "expired"
    assert await db.fetchval("SELECT count(*) FROM matcher.schedule_versions WHERE event_id = $1", event_id) == 2
    entry = await last_audit(db, "arrival.late")
    assert entry["meetings_back"] == len(own) - 3
    # Its buyer comes now: the withdrawn slot is not offered to anyone, the firm has its meeting.
    await check_in(matcher, organiser, event_id, waiting.buyer_id)
    await fill(matcher, matcher_settings, clock, event_id)
    assert (missed.sme_id, waiting.buyer_id, waiting.slot, waiting.table_index) in await placements(
        db, event_id, await db.fetchval("SELECT max(number) FROM matcher.schedule_versions")
    )
    # A second check-in changes nothing and restores nothing.
    assert (await check_in(matcher, organiser, event_id, missed.sme_id))["restored"] == 0


async def test_the_live_fill_offers_only_tables_whose_buyer_is_there(
    matcher, matcher_settings, clock, db, event, published, organiser
):
    event_id = published
    meetings = event["result"].meetings
    first, _, firm = two_cells_one_firm(event)
    at_eight = next(m for m in meetings if m.buyer_id == first.buyer_id and m.slot == 0)
    await arrive_standing_by(db, event_id, firm, MORNING)
    await mark(matcher, organiser, event_id, first, "cancelled_day")
    # Not checked in, nothing marked at its table: the freed slot waits.
    outcome = await fill(matcher, matcher_settings, clock, event_id)
    assert (outcome.number, outcome.waiting) == (None, 1)
    # Checked in, but then its 08:00 meeting is marked "the buyer did not come": still nobody at the table.
    # (The firm steps off the list meanwhile, so that the filler's own polling cannot fill in between.)
    await db.execute("UPDATE matcher.standby SET left_at = $1", MORNING)
    await check_in(matcher, organiser, event_id, first.buyer_id)
    clock.set(clock.now() + dt.timedelta(minutes=1))
    await mark(matcher, organiser, event_id, at_eight, "no_show_buyer")
    await db.execute("UPDATE matcher.standby SET left_at = NULL")
    outcome = await fill(matcher, matcher_settings, clock, event_id)
    assert (outcome.number, outcome.waiting) == (None, 1)
    # The reception corrects it: the meeting was held. The buyer is there, the firm gets the table.
    await mark(matcher, organiser, event_id, at_eight, "held")
    await fill(matcher, matcher_settings, clock, event_id)  # this one, or the filler's woken by the mark
    assert (firm, first.buyer_id, first.slot, first.table_index) in await placements(db, event_id, 2)
    assert await db.fetchval("SELECT state FROM matcher.freed_slots") == "filled"


async def a_at_x_started(registry, matcher, db, make_org, make_token, service_token, clock) -> tuple[dict, str]:
    """The small world of tests/matcher/test_onsite_day.py, five minutes into SME a's meeting with buyer x;
    that meeting's status path."""
    world = await day_world(registry, matcher, db, make_org, make_token, service_token, clock)
    clock.set(world["slots"][0].start + dt.timedelta(minutes=5))
    return world, f"/events/{world['event']}/meetings/{world['orgs']['a']}/{world['orgs']['x']}/status"


async def test_the_buyer_undoes_its_own_tables_marks_only(
    registry, matcher, db, make_org, make_token, service_token, clock
):
    world, path = await a_at_x_started(registry, matcher, db, make_org, make_token, service_token, clock)
    orgs, tokens = world["orgs"], world["tokens"]
    held = await matcher.put(path, json={"status": "held"}, headers=bearer(tokens["x"]))
    assert held.status == 200
    # Another buyer cannot touch it; the buyer itself can.
    assert (await matcher.delete(path, headers=bearer(tokens["y"]))).status == 403
    undone = await matcher.delete(path, headers=bearer(tokens["x"]))
    assert undone.status == 200 and (await undone.json())["status"] == "planned"
    assert await db.fetchval("SELECT count(*) FROM matcher.meeting_status") == 0
    # "The buyer did not come" is the reception's to mark, and to undo.
    away = await matcher.put(path, json={"status": "no_show_buyer"}, headers=bearer(tokens["organiser"]))
    assert away.status == 200
    before = await state(db)
    refused = await matcher.delete(path, headers=bearer(tokens["x"]))
    assert refused.status == 403 and refused.content_type == "application/problem+json"
    assert await state(db) == before
    assert (await matcher.delete(path, headers=bearer(tokens["organiser"]))).status == 200
    # By the agenda link at the table: the firm's no-show (SME a has not checked in, so its meeting with y
    # later is freed too), then undone: the freed slots go back, a's meeting with y is on again.
    link = f"/a/{world['links']['x']}/meetings/{orgs['a']}/status"
    marked = await matcher.put(link, json={"status": "no_show_sme"})
    assert marked.status == 200 and (await marked.json())["freed_slots"] == 2
    back = await matcher.delete(link)
    assert back.status == 200, await back.text()
    assert (await back.json())["withdrawn_slots"] >= 1  # 08:00 itself may have expired already
    later = await db.fetchval("SELECT state FROM matcher.freed_slots WHERE buyer_id = $1", UUID(orgs["y"]))
    assert later == "withdrawn"
    assert await db.fetchval("SELECT count(*) FROM matcher.meeting_status") == 0
    # An SME's link has no table to undo at.
    assert (await matcher.delete(f"/a/{world['links']['a']}/meetings/{orgs['a']}/status")).status == 404


async def test_the_link_day_page_has_angra_for_the_buyers_own_marks_only(
    registry, matcher, db, make_org, make_token, service_token, clock
):
    world = await day_world(registry, matcher, db, make_org, make_token, service_token, clock)
    orgs, token = world["orgs"], world["links"]["x"]
    clock.set(world["slots"][1].start + dt.timedelta(minutes=4))
    form = {"sme_id": orgs["a"], "status": "held", "lang": "sv"}
    marked = await matcher.post(f"/a/{token}/dagen/markera", data=form, allow_redirects=False)
    assert marked.status == 303
    html = await (await matcher.get(f"/a/{token}/dagen.html")).text()
    assert 'value="planned"' in html and "Ångra" in html
    form = {"sme_id": orgs["a"], "status": "planned", "lang": "en"}
    undone = await matcher.post(f"/a/{token}/dagen/markera", data=form, allow_redirects=False)
    assert undone.status == 303 and "dag=angrat" in undone.headers["Location"]
    assert await db.fetchval("SELECT count(*) FROM matcher.meeting_status") == 0
    english = await (await matcher.get(undone.headers["Location"])).text()
    assert "The mark is undone" in english
    # The reception marks b's meeting as the buyer's no-show: no Ångra for that one at the table.
    await matcher.put(
        f"/events/{world['event']}/meetings/{orgs['b']}/{orgs['x']}/status",
        json={"status": "no_show_buyer"},
        headers=bearer(world["tokens"]["organiser"]),
    )
    html = await (await matcher.get(f"/a/{token}/dagen.html")).text()
    assert "Köparen uteblev" in html and 'value="planned"' not in html


async def test_held_after_a_no_show_takes_the_freed_slots_back_and_a_new_no_show_frees_them_anew(
    registry, matcher, db, make_org, make_token, service_token, clock
):
    world, path = await a_at_x_started(registry, matcher, db, make_org, make_token, service_token, clock)
    orgs, tokens = world["orgs"], world["tokens"]
    missed = await matcher.put(path, json={"status": "no_show_sme"}, headers=bearer(tokens["x"]))
    assert (await missed.json())["freed_slots"] == 2  # SME a had not checked in: its meeting with y too
    clock.set(clock.now() + dt.timedelta(minutes=1))
    came = await matcher.put(path, json={"status": "held"}, headers=bearer(tokens["x"]))
    assert came.status == 200 and (await came.json())["status"] == "held"
    later = "SELECT state FROM matcher.freed_slots WHERE buyer_id = $1 ORDER BY id DESC LIMIT 1"
    assert await db.fetchval(later, UUID(orgs["y"])) == "withdrawn"
    entry = await last_audit(db, "meeting.mark")
    assert (entry["previous"], entry["status"], entry["withdrawn_slots"] >= 1) == ("no_show_sme", "held", True)
    # Marked missed again (a has still not checked in): its meeting with y is freed anew.
    clock.set(clock.now() + dt.timedelta(minutes=1))
    again = await matcher.put(path, json={"status": "no_show_sme"}, headers=bearer(tokens["x"]))
    assert (await again.json())["freed_slots"] >= 1
    assert await db.fetchval(later, UUID(orgs["y"])) == "open"
