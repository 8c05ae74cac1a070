"""Meetings on the day on the real matcher with a ManualClock and real PostgreSQL: marking held and no-show,
declines and busy slots before and on the day, the freed slots they queue for the live fill (with its
NOTIFY), the organiser's review list and day summary, and the day settings with If-Match."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from concurrent.futures import ThreadPoolExecutor
from html import unescape
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.matcher.agendas import PlacedMeeting
from services.matcher.app import create_app
from services.matcher.jobs import queue
from services.matcher.keys import REGISTRY_KEY
from services.matcher.privacy.erasure import apply_erasure
from services.matcher.schedules.runner import make_schedule_handler
from services.matcher.sql.onsite_day import LIVE_FILL_CHANNEL
from shared.auth import Role
from shared.clock import ManualClock
from shared.db import POOL_KEY
from shared.snapshot import EventSnapshot
from tests.conftest import bearer
from tests.matcher.test_agenda_routes import publish, store_version
from tests.test_events import create_event, move_to

WHY = {"sentence_sv": "Ni passar ihop.", "sentence_en": "You fit.", "need_id": None}
REASON = "Vår säljare Åsa Lindqvist är sjuk"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))  # set by the world to the event's days


@pytest.fixture
async def day_matcher(matcher_settings, matcher_port, clock):
    """The matcher on the test's ManualClock."""
    app = create_app(matcher_settings, clock=clock)
    async with TestClient(TestServer(app, host="127.0.0.1", port=matcher_port)) as client:
        yield client


@pytest.fixture
async def world(registry, day_matcher, db, make_org, make_token, service_token, clock):
    return await day_world(registry, day_matcher, db, make_org, make_token, service_token, clock)


async def day_world(registry, matcher, db, make_org, make_token, service_token, clock) -> dict:
    """A real event with two SMEs and two buyers signed up and version 1 published: SME a meets buyer x in
    the first slot and buyer y in the second; SME b meets buyer x in the second. The clock: the day before."""
    organiser = await make_token(Role.ORGANISER, label="day organiser")
    event = await create_event(registry, organiser, min_relevance_percent=0)  # any pair may meet
    await move_to(registry, organiser, event["id"], "open")
    orgs = {name: await make_org(kind) for name, kind in (("a", "sme"), ("b", "sme"), ("x", "buyer"), ("y", "buyer"))}
    tokens = {name: await make_token(Role.SME if name in "ab" else Role.BUYER, org) for name, org in orgs.items()}
    for name in orgs:
        signed = await registry.post(f"/events/{event['id']}/registrations", json={}, headers=bearer(tokens[name]))
        assert signed.status == 201, await signed.text()
    response = await registry.get(f"/events/{event['id']}/snapshot", headers=bearer(service_token))
    snapshot = EventSnapshot.model_validate(await response.json())
    first, second = snapshot.event.slots[0], snapshot.event.slots[1]
    meetings = [
        PlacedMeeting(orgs["a"], orgs["x"], first.index, 0, WHY),
        PlacedMeeting(orgs["a"], orgs["y"], second.index, 0, WHY),
        PlacedMeeting(orgs["b"], orgs["x"], second.index, 0, WHY),
    ]
    await store_version(db, snapshot, meetings, 1)
    await publish(db, snapshot.event.id, 1)
    made = await matcher.post(f"/events/{event['id']}/agenda-links", headers=bearer(organiser))
    assert made.status == 201, await made.text()
    links = {
        item["organisation_id"]: urlsplit(item["url"]).path.removeprefix("/a/") for item in (await made.json())["items"]
    }
    clock.set(first.start - dt.timedelta(days=1))
    return {
        "event": event["id"],
        "snapshot": snapshot,
        "slots": snapshot.event.slots,
        "orgs": {name: str(org) for name, org in orgs.items()},
        "tokens": {"organiser": organiser, **tokens},
        "links": {name: links[str(org)] for name, org in orgs.items()},
    }


def status_path(world, sme: str, buyer: str) -> str:
    return f"/events/{world['event']}/meetings/{world['orgs'][sme]}/{world['orgs'][buyer]}/status"


async def counts(db) -> dict[str, int]:
    tables = ("meeting_status", "freed_slots", "unavailability", "jobs", "schedule_rules")
    result = {t: await db.fetchval(f"SELECT count(*) FROM matcher.{t}") for t in tables}  # noqa: S608
    result["audit"] = await db.fetchval(
        "SELECT count(*) FROM matcher.audit_log WHERE action LIKE 'meeting.%' OR action LIKE 'unavailability.%'"
    )
    return result


async def test_two_marks_at_once_give_one_record_and_the_audit_has_both(day_matcher, world, db, clock):
    clock.set(world["slots"][0].start + dt.timedelta(minutes=5))
    path = status_path(world, "a", "x")
    buyer, organiser = (
        day_matcher.put(path, json={"status": "held"}, headers=bearer(world["tokens"][who]))
        for who in ("x", "organiser")
    )
    answers = await asyncio.gather(buyer, organiser)
    assert [answer.status for answer in answers] == [200, 200]
    rows = await db.fetch("SELECT status, by_role FROM matcher.meeting_status")
    assert len(rows) == 1 and rows[0]["status"] == "held"
    assert await db.fetchval("SELECT count(*) FROM matcher.audit_log WHERE action = 'meeting.mark'") == 2
    assert await db.fetchval("SELECT count(*) FROM matcher.freed_slots") == 0  # a held meeting frees nothing


async def test_two_no_shows_at_once_free_the_slot_once(day_matcher, world, db, clock):
    clock.set(world["slots"][0].start + dt.timedelta(minutes=5))
    path = status_path(world, "a", "x")
    answers = await asyncio.gather(
        *(day_matcher.put(path, json={"status": "no_show_sme"}, headers=bearer(world["tokens"]["x"])) for _ in range(2))
    )
    assert [answer.status for answer in answers] == [200, 200]
    assert await db.fetchval("SELECT count(*) FROM matcher.meeting_status") == 1
    freed = await db.fetch("SELECT buyer_id, slot, cause, state FROM matcher.freed_slots ORDER BY slot")
    # The slot itself, and (SME a has not checked in) its meeting with y still to come; once each. The live
    # fill may already have given up on the one that started (expired); the other waits for a stand-by firm.
    assert [(str(r["buyer_id"]), r["slot"], r["cause"]) for r in freed] == [
        (world["orgs"]["x"], world["slots"][0].index, "no_show"),
        (world["orgs"]["y"], world["slots"][1].index, "no_show"),
    ]
    assert freed[0]["state"] in {"open", "expired"} and freed[1]["state"] == "open"


async def test_no_show_before_the_meeting_started_is_409_and_changes_nothing(day_matcher, world, db, clock):
    clock.set(world["slots"][0].start - dt.timedelta(minutes=1))  # the event's day, a minute early
    before = await counts(db)
    for status in ("no_show_sme", "held"):
        response = await day_matcher.put(
            status_path(world, "a", "x"), json={"status": status}, headers=bearer(world["tokens"]["organiser"])
        )
        assert response.status == 409
        assert response.content_type == "application/problem+json"
        problem = await response.json()
        assert "har inte börjat" in problem["detail"] and problem["type"].endswith("meeting-not-started")
    assert await counts(db) == before


async def test_a_no_show_frees_the_slot_and_wakes_the_live_fill_after_commit(day_matcher, world, db, clock):
    heard: asyncio.Queue[str] = asyncio.Queue()
    await db.add_listener(LIVE_FILL_CHANNEL, lambda *args: heard.put_nowait(args[3]))
    clock.set(world["slots"][0].start + dt.timedelta(minutes=2))
    await db.execute(
        "INSERT INTO matcher.arrivals (event_id, organisation_id, arrived_at, how) VALUES ($1, $2, $3, 'qr')",
        uuid.UUID(world["event"]),
        uuid.UUID(world["orgs"]["a"]),
        clock.now(),
    )
    response = await day_matcher.put(
        status_path(world, "a", "x"), json={"status": "no_show_sme"}, headers=bearer(world["tokens"]["x"])
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["status"] == "no_show_sme" and body["freed_slots"] == 1  # arrived: its later meeting stays
    assert await asyncio.wait_for(heard.get(), 5) == world["event"]
    row = await db.fetchrow("SELECT cause, state, sme_id, freed_at FROM matcher.freed_slots")
    assert (row["cause"], str(row["sme_id"])) == ("no_show", world["orgs"]["a"])
    assert row["state"] in {"open", "expired"}  # it has started: the live fill may have given up on it already
    assert row["freed_at"] == clock.now()


async def test_the_buyer_marks_only_its_own_tables_and_only_held_or_no_show(day_matcher, world, db, clock):
    clock.set(world["slots"][1].start + dt.timedelta(minutes=1))
    other = await day_matcher.put(
        status_path(world, "a", "x"), json={"status": "held"}, headers=bearer(world["tokens"]["y"])
    )
    assert other.status == 403
    sme = await day_matcher.put(
        status_path(world, "a", "x"), json={"status": "held"}, headers=bearer(world["tokens"]["a"])
    )
    assert sme.status == 403
    cancel = await day_matcher.put(
        status_path(world, "a", "x"), json={"status": "cancelled_day"}, headers=bearer(world["tokens"]["x"])
    )
    assert cancel.status == 403
    unknown = await day_matcher.put(
        status_path(world, "b", "y"), json={"status": "held"}, headers=bearer(world["tokens"]["y"])
    )
    assert unknown.status == 404
    assert await db.fetchval("SELECT count(*) FROM matcher.meeting_status") == 0


async def test_the_buyers_agenda_link_marks_its_meetings_without_a_login(day_matcher, world, db, clock):
    clock.set(world["slots"][1].start + dt.timedelta(minutes=1))
    path = f"/a/{world['links']['x']}/meetings/{world['orgs']['b']}/status"
    response = await day_matcher.put(path, json={"status": "held"})
    assert response.status == 200, await response.text()
    assert response.headers["Cache-Control"] == "private, no-store"
    row = await db.fetchrow("SELECT status, by_role FROM matcher.meeting_status")
    assert (row["status"], row["by_role"]) == ("held", "agenda_link")
    by_sme_link = await day_matcher.put(
        f"/a/{world['links']['a']}/meetings/{world['orgs']['a']}/status", json={"status": "held"}
    )
    assert by_sme_link.status == 404
    day = await (await day_matcher.get(f"/a/{world['links']['x']}/day")).json()
    assert {(m["sme_id"], m["status"]) for m in day["meetings"]} == {
        (world["orgs"]["a"], "planned"),
        (world["orgs"]["b"], "held"),
    }


async def test_declining_someone_elses_meeting_is_refused_and_changes_nothing(day_matcher, world, db, clock):
    event, orgs, tokens = world["event"], world["orgs"], world["tokens"]
    before = await counts(db)
    # SME b has no meeting with buyer y: naming it is a 404, by token or by link.
    response = await day_matcher.post(
        f"/events/{event}/organisations/{orgs['b']}/declines",
        json={"counterpart_id": orgs["y"], "reason": REASON},
        headers=bearer(tokens["b"]),
    )
    assert response.status == 404 and response.content_type == "application/problem+json"
    linked = await day_matcher.post(f"/a/{world['links']['b']}/declines", json={"counterpart_id": orgs["y"]})
    assert linked.status == 404
    # SME b declining on behalf of SME a: 403.
    theirs = await day_matcher.post(
        f"/events/{event}/organisations/{orgs['a']}/declines",
        json={"counterpart_id": orgs["x"]},
        headers=bearer(tokens["b"]),
    )
    assert theirs.status == 403
    assert await counts(db) == before


async def test_a_decline_the_day_before_waits_for_the_organisers_review(day_matcher, world, db, clock):
    event, orgs = world["event"], world["orgs"]
    response = await day_matcher.post(
        f"/a/{world['links']['a']}/declines", json={"counterpart_id": orgs["y"], "reason": REASON}
    )
    assert response.status == 201, await response.text()
    decline = await response.json()
    assert decline["state"] == "pending" and decline["replan_job_id"] is None
    again = await day_matcher.post(f"/a/{world['links']['a']}/declines", json={"counterpart_id": orgs["y"]})
    assert again.status == 200 and (await again.json())["id"] == decline["id"]
    review = await day_matcher.get(
        f"/events/{event}/declines?state=pending", headers=bearer(world["tokens"]["organiser"])
    )
    items = (await review.json())["items"]
    assert [(i["id"], i["reason"], i["counterpart_id"]) for i in items] == [(decline["id"], REASON, orgs["y"])]
    assert items[0]["organisation_name"]
    assert await db.fetchval("SELECT count(*) FROM matcher.jobs") == 0
    assert await db.fetchval("SELECT count(*) FROM matcher.freed_slots") == 0
    # Applying it before the day keeps the pair apart and queues a re-plan.
    applied = await day_matcher.patch(
        f"/events/{event}/declines/{decline['id']}",
        json={"state": "applied"},
        headers=bearer(world["tokens"]["organiser"]),
    )
    assert applied.status == 200, await applied.text()
    assert (await applied.json())["replan_job_id"] is not None
    rule = await db.fetchrow("SELECT sme_id, buyer_id, rule FROM matcher.schedule_rules")
    assert (str(rule["sme_id"]), str(rule["buyer_id"]), rule["rule"]) == (orgs["a"], orgs["y"], "forbid")
    dismissed = await day_matcher.patch(
        f"/events/{event}/declines/{decline['id']}",
        json={"state": "dismissed"},
        headers=bearer(world["tokens"]["organiser"]),
    )
    assert dismissed.status == 409


async def test_with_replan_set_a_decline_before_the_day_queues_a_replan_job(day_matcher, world, db, clock):
    event, orgs, organiser = world["event"], world["orgs"], world["tokens"]["organiser"]
    settings = await day_matcher.put(
        f"/events/{event}/day-settings", json={"declines_before_day": "replan"}, headers=bearer(organiser)
    )
    assert settings.status == 201, await settings.text()
    response = await day_matcher.post(
        f"/events/{event}/organisations/{orgs['x']}/declines",
        json={"counterpart_id": orgs["b"], "reason": REASON},
        headers=bearer(world["tokens"]["x"]),
    )
    assert response.status == 201, await response.text()
    body = await response.json()
    assert body["state"] == "applied"
    job = await db.fetchrow("SELECT id, status, params FROM matcher.jobs")
    assert str(job["id"]) == body["replan_job_id"] and job["status"] == "queued"
    assert '"replan"' in job["params"]
    rule = await db.fetchrow("SELECT sme_id, buyer_id, rule FROM matcher.schedule_rules")
    assert (str(rule["sme_id"]), str(rule["buyer_id"])) == (orgs["b"], orgs["x"])  # the buyer declined the SME
    entry = await db.fetchrow("SELECT changes FROM matcher.audit_log WHERE action = 'unavailability.decline'")
    assert "Lindqvist" not in entry["changes"]  # the reason stays out of the log


async def test_on_the_day_a_decline_frees_the_table_slot_for_the_live_fill(day_matcher, world, db, clock):
    event, orgs = world["event"], world["orgs"]
    heard: asyncio.Queue[str] = asyncio.Queue()
    await db.add_listener(LIVE_FILL_CHANNEL, lambda *args: heard.put_nowait(args[3]))
    clock.set(world["slots"][0].start + dt.timedelta(minutes=3))
    started = await day_matcher.post(f"/a/{world['links']['a']}/declines", json={"counterpart_id": orgs["x"]})
    assert started.status == 409 and "redan börjat" in (await started.json())["detail"]
    response = await day_matcher.post(
        f"/a/{world['links']['a']}/declines", json={"counterpart_id": orgs["y"], "reason": REASON}
    )
    assert response.status == 201, await response.text()
    body = await response.json()
    assert (body["state"], body["freed_slots"]) == ("applied", 1)
    assert await asyncio.wait_for(heard.get(), 5) == event
    freed = await db.fetchrow("SELECT buyer_id, slot, cause, state FROM matcher.freed_slots")
    assert (str(freed["buyer_id"]), freed["slot"], freed["cause"]) == (orgs["y"], world["slots"][1].index, "decline")
    status = await db.fetchval("SELECT status FROM matcher.meeting_status")
    assert status == "cancelled_day"
    # Busy in a slot: SME b's meeting there is called off too.
    busy = await day_matcher.post(
        f"/events/{event}/organisations/{orgs['b']}/busy",
        json={"slot": world["slots"][1].index, "reason": "Möte på kontoret"},
        headers=bearer(world["tokens"]["b"]),
    )
    assert busy.status == 201, await busy.text()
    assert (await busy.json())["freed_slots"] == 1
    unknown_slot = await day_matcher.post(
        f"/events/{event}/organisations/{orgs['b']}/busy", json={"slot": 999}, headers=bearer(world["tokens"]["b"])
    )
    assert unknown_slot.status == 422
    summary = await (await day_matcher.get(f"/events/{event}/day", headers=bearer(world["tokens"]["organiser"]))).json()
    assert summary["phase"] == "day" and summary["expected"] == 4 and summary["arrived"] == 0
    assert summary["meetings"]["cancelled_day"] == 2 and summary["meetings"]["started_unmarked"] == 1
    assert summary["freed"] == {"open": 2, "filled": 0, "expired": 0, "withdrawn": 0}
    assert {slot["cause"] for slot in summary["freed_slots"]} == {"decline"}
    assert all(slot["buyer_name"] for slot in summary["freed_slots"])


async def test_after_the_day_nothing_can_be_declined(day_matcher, world, db, clock):
    clock.set(world["slots"][-1].end + dt.timedelta(days=1))
    response = await day_matcher.post(f"/a/{world['links']['a']}/declines", json={"counterpart_id": world["orgs"]["y"]})
    assert response.status == 409
    assert await db.fetchval("SELECT count(*) FROM matcher.unavailability") == 0


async def test_day_settings_defaults_then_if_match(day_matcher, world, db, clock):
    path, organiser = f"/events/{world['event']}/day-settings", bearer(world["tokens"]["organiser"])
    first = await day_matcher.get(path, headers=organiser)
    assert first.status == 200
    assert (await first.json())["frozen_horizon_minutes"] == 10 and first.headers["ETag"] == '"defaults"'
    stored = await day_matcher.put(
        path, json={"frozen_horizon_minutes": 15, "live_mode": True}, headers={**organiser, "If-Match": '"defaults"'}
    )
    assert stored.status == 201, await stored.text()
    tag = stored.headers["ETag"]
    stale = await day_matcher.put(
        path, json={"frozen_horizon_minutes": 5}, headers={**organiser, "If-Match": '"defaults"'}
    )
    assert stale.status == 412 and stale.headers["ETag"] == tag
    again = await day_matcher.get(path, headers=organiser)
    assert (await again.json())["frozen_horizon_minutes"] == 15 and again.headers["ETag"] == tag
    bad = await day_matcher.put(path, json={"frozen_horizon_minutes": 500}, headers=organiser)
    assert bad.status == 422
    assert (await bad.json())["errors"][0]["pointer"] == "/frozen_horizon_minutes"
    unknown = await day_matcher.get(f"/events/{uuid.uuid4()}/day-settings", headers=organiser)
    assert unknown.status == 404
    assert await db.fetchval("SELECT frozen_horizon_minutes FROM matcher.event_day_settings") == 15


async def matcher_rows_containing(db, needle: str) -> list[str]:
    """Every text and JSON column of the matcher's schema that contains ``needle`` (table.column)."""
    columns = await db.fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'matcher' AND data_type IN ('text', 'jsonb', 'json', 'character varying')"
    )
    hits = []
    for c in columns:
        query = f'SELECT count(*) FROM matcher."{c["table_name"]}" WHERE "{c["column_name"]}"::text ILIKE $1'  # noqa: S608
        if await db.fetchval(query, f"%{needle}%"):
            hits.append(f"{c['table_name']}.{c['column_name']}")
    return hits


async def test_reasons_are_in_the_export_and_gone_after_an_erasure(day_matcher, world, db, clock):
    orgs = world["orgs"]
    name_of_a = next(s.organisation.name for s in world["snapshot"].smes if str(s.organisation.id) == orgs["a"])
    mine = await day_matcher.post(
        f"/a/{world['links']['a']}/declines", json={"counterpart_id": orgs["y"], "reason": REASON}
    )
    assert mine.status == 201
    theirs = await day_matcher.post(
        f"/a/{world['links']['y']}/busy",
        json={"slot": world["slots"][2].index, "reason": f"Uppföljning med {name_of_a}"},
    )
    assert theirs.status == 201
    clock.set(world["slots"][0].start + dt.timedelta(minutes=1))
    marked = await day_matcher.put(
        status_path(world, "a", "x"), json={"status": "held"}, headers=bearer(world["tokens"]["organiser"])
    )
    assert marked.status == 200
    exported = await day_matcher.get(f"/privacy/organisations/{orgs['a']}", headers=bearer(world["tokens"]["a"]))
    assert exported.status == 200, await exported.text()
    document = await exported.json()
    assert [(u["kind"], u["counterpart_id"], u["reason"]) for u in document["unavailability"]] == [
        ("decline", orgs["y"], REASON)
    ]
    assert [(m["buyer_id"], m["status"]) for m in document["meeting_status"]] == [(orgs["x"], "held")]
    assert await matcher_rows_containing(db, "Lindqvist") == ["unavailability.reason"]

    async with day_matcher.server.app[POOL_KEY].acquire() as conn, conn.transaction():
        await apply_erasure(conn, uuid.UUID(orgs["a"]), clock.now())
    assert await matcher_rows_containing(db, "Lindqvist") == []
    reasons = await db.fetch("SELECT organisation_id, reason FROM matcher.unavailability ORDER BY id")
    assert [(str(r["organisation_id"]), r["reason"]) for r in reasons] == [
        (orgs["a"], ""),
        (orgs["y"], "Uppföljning med Borttagen organisation"),
    ]


async def test_a_busy_slot_applied_before_the_day_is_left_out_of_the_replan(day_matcher, world, db, clock):
    event, orgs, organiser = world["event"], world["orgs"], world["tokens"]["organiser"]
    busy_slot = world["slots"][1].index  # where SME b meets buyer x
    await day_matcher.put(
        f"/events/{event}/day-settings", json={"declines_before_day": "replan"}, headers=bearer(organiser)
    )
    response = await day_matcher.post(
        f"/events/{event}/organisations/{orgs['b']}/busy",
        json={"slot": busy_slot},
        headers=bearer(world["tokens"]["b"]),
    )
    assert response.status == 201 and (await response.json())["state"] == "applied"
    app = day_matcher.server.app
    handler = make_schedule_handler(app[POOL_KEY], app[REGISTRY_KEY], ThreadPoolExecutor(1), default_time_limit=10)
    async with app[POOL_KEY].acquire() as conn:
        job = await queue.get_job(conn, uuid.UUID((await response.json())["replan_job_id"]))
        write = await handler(job, lambda progress, phase: None)
        async with conn.transaction():
            version_id = await write(conn)
    meetings = await db.fetch(
        "SELECT sme_id, buyer_id, slot FROM matcher.schedule_meetings WHERE version_id = $1", version_id
    )
    kept = {(str(m["sme_id"]), str(m["buyer_id"]), m["slot"]) for m in meetings}
    assert not [m for m in kept if m[0] == orgs["b"] and m[2] == busy_slot]  # nothing for b in its busy slot
    assert (orgs["a"], orgs["x"], world["slots"][0].index) in kept  # everyone else stays where they were
    assert (orgs["a"], orgs["y"], world["slots"][1].index) in kept


async def test_the_no_login_day_page_declines_and_marks_by_plain_forms(day_matcher, world, db, clock):
    orgs, links = world["orgs"], world["links"]
    page = await day_matcher.get(f"/a/{links['a']}/dagen.html")
    assert page.status == 200 and page.content_type == "text/html"
    assert "form-action 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "private, no-store"
    html = await page.text()
    assert html.count("Kan inte") == 2 and "Upptagen en stund?" in html and "Genomfört" not in html
    sent = await day_matcher.post(
        f"/a/{links['a']}/dagen/kan-inte",
        data={"counterpart_id": orgs["y"], "reason": REASON, "lang": "en"},
        allow_redirects=False,
    )
    assert sent.status == 303 and sent.headers["Location"] == f"/a/{links['a']}/dagen.html?dag=avbojt&lang=en"
    row = await db.fetchrow("SELECT kind, counterpart_id, reason FROM matcher.unavailability")
    assert (row["kind"], str(row["counterpart_id"]), row["reason"]) == ("decline", orgs["y"], REASON)
    english = unescape(await (await day_matcher.get(sent.headers["Location"])).text())
    assert "the organiser can see you can't make it" in english and "You have said you can't make it." in english

    clock.set(world["slots"][1].start + dt.timedelta(minutes=2))
    buyer_page = await (await day_matcher.get(f"/a/{links['x']}/dagen.html")).text()
    assert buyer_page.count('value="no_show_sme"') == 2  # both of x's meetings have started
    early = await day_matcher.post(
        f"/a/{links['x']}/dagen/markera", data={"sme_id": orgs["b"], "status": "bogus"}, allow_redirects=False
    )
    assert early.headers["Location"].endswith("?dag=fel")
    marked = await day_matcher.post(
        f"/a/{links['x']}/dagen/markera", data={"sme_id": orgs["b"], "status": "held"}, allow_redirects=False
    )
    assert marked.status == 303 and marked.headers["Location"].endswith("?dag=markerat")
    assert await db.fetchval("SELECT status FROM matcher.meeting_status") == "held"
    forged = await day_matcher.get("/a/" + "A" * 43 + "/dagen.html")
    assert forged.status == 404


async def test_the_agenda_page_of_a_link_leads_to_the_day_page(day_matcher, world):
    for who, words in (("a", "Kan ni inte komma till ett möte"), ("x", "vid bordet markerar ni möten")):
        html = unescape(await (await day_matcher.get(f"/a/{world['links'][who]}.html")).text())
        assert f"/a/{world['links'][who]}/dagen.html" in html and words in html
    english = unescape(await (await day_matcher.get(f"/a/{world['links']['a']}.html?lang=en")).text())
    assert "/dagen.html?lang=en" in english and "Can't make a meeting" in english


async def test_a_no_show_and_a_decline_of_the_firms_next_meeting_at_once_free_it_once(day_matcher, world, db, clock):
    clock.set(world["slots"][0].start + dt.timedelta(minutes=5))
    orgs = world["orgs"]
    for _ in range(3):
        await db.execute("TRUNCATE matcher.freed_slots, matcher.meeting_status, matcher.unavailability")
        answers = await asyncio.gather(
            day_matcher.put(
                status_path(world, "a", "x"), json={"status": "no_show_sme"}, headers=bearer(world["tokens"]["x"])
            ),
            day_matcher.post(f"/a/{world['links']['a']}/declines", json={"counterpart_id": orgs["y"]}),
        )
        assert sorted(answer.status for answer in answers) == [200, 201]
        cells = await db.fetch(
            "SELECT buyer_id, slot FROM matcher.freed_slots WHERE buyer_id = $1", uuid.UUID(orgs["y"])
        )
        assert len(cells) == 1
