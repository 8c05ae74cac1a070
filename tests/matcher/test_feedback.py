"""Feedback after the day on the real matcher (app factory, registry, PostgreSQL) with a ManualClock played
into the evening: the question goes out once per participant at 18:00 however many schedulers tick at once,
the one reminder only to those who have not answered; answers by the agenda link (JSON), each participant
its own only, organisers read the rates; a comment is in the export and gone after an erasure."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections import Counter
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from services.matcher.notify.mail import build_message
from services.matcher.privacy.cancellation import apply_cancellation
from services.matcher.privacy.erasure import apply_erasure
from services.matcher.reminders import tick
from shared.clock import ManualClock
from shared.db import POOL_KEY, init_connection
from shared.web import SETTINGS_KEY
from tests.conftest import bearer
from tests.matcher.test_onsite_day import day_matcher, day_world, matcher_rows_containing

__all__ = ["day_matcher"]  # the matcher on the test's clock, a fixture of the day's tests

STOCKHOLM = ZoneInfo("Europe/Stockholm")
NEEDLE = "Gunnel Åkerlund-Fbk"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))


@pytest.fixture
def contact_org(make_org, db_url):
    """make_org, with one contact person each (the e-mails go to the first contact)."""

    async def make(kind: str = "sme", **fields: object) -> uuid.UUID:
        org = await make_org(kind, **fields)
        conn = await asyncpg.connect(db_url)
        try:
            await conn.execute(
                "INSERT INTO registry.contacts (organisation_id, position, name, email) VALUES ($1, 0, $2, $3)",
                org, f"Kontakt {org.hex[:6]}", f"k{org.hex[:8]}@example.se",
            )  # fmt: skip
        finally:
            await conn.close()
        return org

    return make


@pytest.fixture
async def world(registry, day_matcher, db, contact_org, make_token, service_token, clock):
    return await feedback_world(registry, day_matcher, db, contact_org, make_token, service_token, clock)


async def feedback_world(registry, matcher, db, contact_org, make_token, service_token, clock) -> dict:
    """SME a meets buyers x and y, SME b meets x; version 1 published, agenda links made; the day before.
    ``evening``: 18:00 of the day in Stockholm."""
    found = await day_world(registry, matcher, db, contact_org, make_token, service_token, clock)
    last_end = max(slot.end for slot in found["slots"][:2])
    found["evening"] = dt.datetime.combine(last_end.astimezone(STOCKHOLM).date(), dt.time(18), STOCKHOLM)
    return found


async def feedback_mails(db, kind: str = "feedback") -> list[dict]:
    rows = await db.fetch(
        "SELECT participant_id, destination, payload FROM matcher.outbox WHERE kind = $1 ORDER BY created_at, id",
        f"reminder.{kind}",
    )
    return [{**dict(r), "payload": json.loads(r["payload"])} for r in rows]


async def ticks(pools, clock, rounds: int = 3) -> None:
    """Schedulers on separate pools at once (their claims really race in PostgreSQL)."""
    await asyncio.gather(*(tick(pool, clock) for pool in pools * rounds))


@pytest.fixture
async def pools(day_matcher, db_url):
    other = await asyncpg.create_pool(db_url, min_size=1, max_size=4, init=init_connection)
    yield (day_matcher.server.app[POOL_KEY], other)
    await other.close()


def org_ids(world, *names: str) -> list[str]:
    return [world["orgs"][name] for name in names]


async def test_the_evening_sends_each_participant_one_email_however_many_schedulers(
    day_matcher, world, db, clock, pools
):
    clock.set(world["evening"] - dt.timedelta(minutes=1))
    await ticks(pools, clock)
    assert await feedback_mails(db) == []
    clock.set(world["evening"])
    await ticks(pools, clock)
    await ticks(pools, clock)  # a restart, later the same evening: nothing again
    mails = await feedback_mails(db)
    assert Counter(str(r["participant_id"]) for r in mails) == Counter(org_ids(world, "a", "b", "x", "y"))
    # The e-mail as delivered names the participant's own agenda link's feedback page, which opens without a login.
    mail = next(r for r in mails if str(r["participant_id"]) == world["orgs"]["b"])
    assert mail["payload"]["subject"].startswith("Hur gick mötena?")
    text = build_message(day_matcher.server.app[SETTINGS_KEY], mail["payload"]).get_content()
    url = next(word for word in text.split() if word.endswith("/utvardering"))
    assert urlsplit(url).path == f"/a/{world['links']['b']}/utvardering"
    opened = await day_matcher.get(urlsplit(url).path)
    assert opened.status == 200 and 'name="rating-' + world["orgs"]["x"] + '"' in await opened.text()
    rates = await day_matcher.get(f"/events/{world['event']}/feedback", headers=bearer(world["tokens"]["organiser"]))
    document = await rates.json()
    assert (document["asked"], document["answered"], document["response_rate"]) == (4, 0, 0.0)
    assert document["sides"] == {"sme": {"asked": 2, "answered": 0}, "buyer": {"asked": 2, "answered": 0}}
    assert dt.datetime.fromisoformat(document["opens_at"]) == world["evening"]


async def test_the_reminder_goes_once_and_only_to_those_who_have_not_answered(day_matcher, world, db, clock, pools):
    clock.set(world["evening"] + dt.timedelta(hours=1))
    await ticks(pools, clock)
    a, x = world["orgs"]["a"], world["orgs"]["x"]
    answered = await day_matcher.put(
        f"/a/{world['links']['a']}/feedback", json={"answers": [{"counterpart_id": x, "rating": "will_follow_up"}]}
    )
    assert answered.status == 200, await answered.text()
    clock.set(world["evening"] + dt.timedelta(days=3) - dt.timedelta(minutes=1))
    await ticks(pools, clock)
    assert await feedback_mails(db, "feedback_reminder") == []
    clock.set(world["evening"] + dt.timedelta(days=3))
    await ticks(pools, clock)
    clock.set(world["evening"] + dt.timedelta(days=5))
    await ticks(pools, clock)
    reminded = await feedback_mails(db, "feedback_reminder")
    assert sorted(str(r["participant_id"]) for r in reminded) == sorted(org_ids(world, "b", "x", "y"))
    assert all(r["payload"]["subject"].startswith("Påminnelse: ") for r in reminded)
    states = await db.fetch(
        "SELECT organisation_id::text, state FROM matcher.reminders WHERE kind = 'feedback_reminder'"
    )
    assert dict((r["organisation_id"], r["state"]) for r in states)[a] == "skipped"
    rows = await db.fetch("SELECT organisation_id::text, reminded_at, answered_at FROM matcher.feedback_requests")
    assert {r["organisation_id"]: (r["reminded_at"] is not None, r["answered_at"] is not None) for r in rows} == {
        a: (False, True), world["orgs"]["b"]: (True, False), x: (True, False), world["orgs"]["y"]: (True, False),
    }  # fmt: skip


async def test_answers_by_the_link_are_checked_changed_until_the_round_closes_and_nothing_else(
    day_matcher, world, db, clock, pools
):
    links, orgs = world["links"], world["orgs"]
    path = f"/a/{links['a']}/feedback"
    clock.set(world["evening"] - dt.timedelta(hours=2))
    await ticks(pools, clock, rounds=1)  # plans the round
    early = await day_matcher.get(path)
    assert early.status == 200 and (await early.json())["open"] is False
    assert early.headers["Cache-Control"] == "private, no-store"
    too_early = await day_matcher.put(
        path, json={"answers": [{"counterpart_id": orgs["x"], "rating": "will_bid_or_buy"}]}
    )
    assert too_early.status == 409 and (await too_early.json())["type"].endswith("feedback-not-open")
    clock.set(world["evening"] + dt.timedelta(minutes=5))
    wrong = await day_matcher.put(
        path,
        json={"answers": [{"counterpart_id": orgs["x"], "rating": "will_follow_up"},
                          {"counterpart_id": orgs["b"], "rating": "will_follow_up"}]},
    )  # fmt: skip
    assert wrong.status == 422
    assert [e["pointer"] for e in (await wrong.json())["errors"]] == ["/answers/1/counterpart_id"]
    bad_rating = await day_matcher.put(path, json={"answers": [{"counterpart_id": orgs["x"], "rating": "great"}]})
    assert bad_rating.status == 422
    assert (await bad_rating.json())["errors"][0]["pointer"] == "/answers/0/rating"
    too_long = await day_matcher.put(
        path, json={"answers": [{"counterpart_id": orgs["x"], "rating": "will_follow_up", "comment": "x" * 2001}]}
    )
    assert too_long.status == 422 and (await too_long.json())["errors"][0]["pointer"] == "/answers/0/comment"
    assert await db.fetchval("SELECT count(*) FROM matcher.feedback_answers") == 0
    first = await day_matcher.put(
        path, json={"answers": [{"counterpart_id": orgs["x"], "rating": "will_follow_up", "comment": " Bra möte "}]}
    )
    assert first.status == 200
    changed = await day_matcher.put(
        path, json={"answers": [{"counterpart_id": orgs["x"], "rating": "will_bid_or_buy", "comment": "Anbud i maj"},
                                {"counterpart_id": orgs["y"], "rating": "no_further_interest"}]},
    )  # fmt: skip
    mine = {m["counterpart_id"]: (m["rating"], m["comment"]) for m in (await changed.json())["meetings"]}
    assert mine == {orgs["x"]: ("will_bid_or_buy", "Anbud i maj"), orgs["y"]: ("no_further_interest", "")}
    clock.set(world["evening"] + dt.timedelta(days=14))
    closed = await day_matcher.put(path, json={"answers": [{"counterpart_id": orgs["y"], "rating": "will_follow_up"}]})
    assert closed.status == 409 and (await closed.json())["type"].endswith("feedback-closed")
    assert (await (await day_matcher.get(path)).json())["open"] is False
    rows = await db.fetch("SELECT buyer_id::text, rating FROM matcher.feedback_answers ORDER BY rating")
    assert [(r["buyer_id"], r["rating"]) for r in rows] == [
        (orgs["y"], "no_further_interest"),
        (orgs["x"], "will_bid_or_buy"),
    ]
    unknown = await day_matcher.get("/a/" + "A" * 43 + "/feedback")
    assert unknown.status == 404


async def test_participants_never_see_each_others_answers_and_only_organisers_read_them(
    day_matcher, world, db, clock, pools
):
    links, orgs, tokens = world["links"], world["orgs"], world["tokens"]
    clock.set(world["evening"])
    await ticks(pools, clock, rounds=1)
    secret = "Vi ska lämna anbud på städningen"
    saved = await day_matcher.put(
        f"/a/{links['a']}/feedback",
        json={"answers": [{"counterpart_id": orgs["x"], "rating": "will_bid_or_buy", "comment": secret}]},
    )
    assert saved.status == 200
    # The buyer met: its link shows its own meetings (with a and b), with no answer of a's.
    theirs = await (await day_matcher.get(f"/a/{links['x']}/feedback")).json()
    assert sorted(m["counterpart_id"] for m in theirs["meetings"]) == sorted(org_ids(world, "a", "b"))
    assert all(m["rating"] is None and m["comment"] == "" for m in theirs["meetings"])
    assert secret not in await (await day_matcher.get(f"/a/{links['x']}/utvardering")).text()
    # Another firm's link cannot write a's meeting (it is not its own): 422, nothing changes.
    other = await day_matcher.put(
        f"/a/{links['b']}/feedback", json={"answers": [{"counterpart_id": orgs["y"], "rating": "did_not_take_place"}]}
    )
    assert other.status == 422
    assert await db.fetchval("SELECT count(*) FROM matcher.feedback_answers") == 1
    for who in ("x", "a"):
        refused = await day_matcher.get(f"/events/{world['event']}/feedback", headers=bearer(tokens[who]))
        assert refused.status == 403
    read = await day_matcher.get(f"/events/{world['event']}/feedback", headers=bearer(tokens["organiser"]))
    document = await read.json()
    assert (document["asked"], document["answered"], document["response_rate"]) == (4, 1, 0.25)
    assert document["ratings"] == {
        "did_not_take_place": 0, "no_further_interest": 0, "will_follow_up": 0, "will_bid_or_buy": 1
    }  # fmt: skip
    [answer] = document["answers"]
    assert (answer["organisation_id"], answer["side"], answer["comment"]) == (orgs["a"], "sme", secret)
    assert answer["buyer_name"] != "–" and answer["sme_name"] != "–"


async def test_the_feedback_settings_move_the_evening(day_matcher, world, db, clock, pools):
    organiser = bearer(world["tokens"]["organiser"])
    path = f"/events/{world['event']}/feedback-settings"
    assert (await (await day_matcher.get(path, headers=organiser)).json())["after_day_time"] == "18:00:00"
    bad = await day_matcher.put(path, json={"reminder_days": 5, "open_days": 4}, headers=organiser)
    assert bad.status == 422 and (await bad.json())["errors"][0]["pointer"] == "/open_days"
    stored = await day_matcher.put(path, json={"after_day_time": "20:30"}, headers=organiser)
    assert stored.status == 200, await stored.text()
    refused = await day_matcher.put(path, json={}, headers=bearer(world["tokens"]["x"]))
    assert refused.status == 403
    clock.set(world["evening"] + dt.timedelta(hours=2))
    await ticks(pools, clock, rounds=1)
    assert await feedback_mails(db) == []
    clock.set(world["evening"] + dt.timedelta(hours=2, minutes=30))
    await ticks(pools, clock, rounds=1)
    assert len(await feedback_mails(db)) == 4


async def test_an_erased_firm_is_not_asked_and_its_comments_are_exported_then_gone(
    day_matcher, world, db, clock, pools
):
    links, orgs, tokens = world["links"], world["orgs"], world["tokens"]
    name_of_a = next(s.organisation.name for s in world["snapshot"].smes if str(s.organisation.id) == orgs["a"])
    clock.set(world["evening"])
    await ticks(pools, clock, rounds=1)
    mine = await day_matcher.put(
        f"/a/{links['a']}/feedback",
        json={"answers": [{"counterpart_id": orgs["x"], "rating": "will_follow_up", "comment": f"Ring {NEEDLE}"}]},
    )
    assert mine.status == 200
    theirs = await day_matcher.put(
        f"/a/{links['x']}/feedback",
        json={
            "answers": [{"counterpart_id": orgs["a"], "rating": "will_follow_up", "comment": f"{name_of_a} var bra"}]
        },
    )
    assert theirs.status == 200
    exported = await day_matcher.get(f"/privacy/organisations/{orgs['a']}", headers=bearer(tokens["a"]))
    document = await exported.json()
    assert [(f["buyer_id"], f["comment"]) for f in document["feedback_answers"]] == [(orgs["x"], f"Ring {NEEDLE}")]
    assert [(r["kind"], r["side"]) for r in document["feedback_requests"]] == [("after_day", "sme")]
    assert {r["kind"] for r in document["reminders"]} >= {"feedback", "feedback_reminder"}
    assert await matcher_rows_containing(db, NEEDLE) == ["feedback_answers.comment"]
    async with day_matcher.server.app[POOL_KEY].acquire() as conn, conn.transaction():
        await apply_erasure(conn, uuid.UUID(orgs["a"]), clock.now())
    assert await matcher_rows_containing(db, NEEDLE) == []
    assert await matcher_rows_containing(db, name_of_a) == []
    left = await db.fetch("SELECT organisation_id::text, comment FROM matcher.feedback_answers")
    assert [(r["organisation_id"], r["comment"]) for r in left] == [(orgs["x"], "Borttagen organisation var bra")]
    assert await db.fetchval("SELECT count(*) FROM matcher.feedback_requests WHERE organisation_id = $1",
                             uuid.UUID(orgs["a"])) == 0  # fmt: skip
    # Three days on: the erased firm gets no reminder (nobody to write to), the others who did not answer do.
    clock.set(world["evening"] + dt.timedelta(days=3))
    await ticks(pools, clock, rounds=1)
    reminded = await feedback_mails(db, "feedback_reminder")
    assert sorted(str(r["participant_id"]) for r in reminded) == sorted(org_ids(world, "b", "y"))


async def test_a_firm_that_cancelled_after_publication_is_not_asked(day_matcher, world, db, clock, pools):
    clock.set(world["evening"] - dt.timedelta(hours=3))
    await ticks(pools, clock, rounds=1)  # planned with b, then b cancels: planned again without it
    app = day_matcher.server.app
    async with app[POOL_KEY].acquire() as conn, conn.transaction():
        await apply_cancellation(
            conn, app[SETTINGS_KEY], uuid.UUID(world["event"]), uuid.UUID(world["orgs"]["b"]), clock.now()
        )
    clock.set(world["evening"])
    await ticks(pools, clock)
    assert sorted(str(r["participant_id"]) for r in await feedback_mails(db)) == sorted(org_ids(world, "a", "x", "y"))
    states = await db.fetch(
        "SELECT kind, state FROM matcher.reminders WHERE organisation_id = $1 AND kind LIKE 'feedback%'",
        uuid.UUID(world["orgs"]["b"]),
    )
    assert sorted(tuple(r) for r in states) == [("feedback", "cancelled"), ("feedback_reminder", "cancelled")]
    # x met a and b: it rates only the meeting that was not called off.
    theirs = await (await day_matcher.get(f"/a/{world['links']['x']}/feedback")).json()
    assert [m["counterpart_id"] for m in theirs["meetings"]] == [world["orgs"]["a"]]
