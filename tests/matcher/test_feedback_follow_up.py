"""The follow-up round months after the event, on the real matcher (registry, PostgreSQL) with a ManualClock
played from the event day to six months later: the question goes out once per participant at 10:00
Stockholm however many schedulers tick at once, the one reminder only to those who have not answered;
per need discussed a firm answers bid and award and a buyer how it was procured (JSON and the no-script
form); bad input is a 422 at its pointer with nothing stored; organisers read the figures; the answers are
in the export and gone after an erasure. Also: the feedback settings' ETag, If-Match and audit entry."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import Counter
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from services.matcher.agendas import PlacedMeeting
from services.matcher.feedback.plan import months_later
from services.matcher.notify.mail import build_message
from services.matcher.privacy.erasure import apply_erasure
from shared.auth import Role
from shared.db import POOL_KEY
from shared.snapshot import EventSnapshot
from shared.web import SETTINGS_KEY
from tests.conftest import bearer
from tests.matcher.test_agenda_routes import publish, store_version
from tests.matcher.test_feedback import clock, contact_org, feedback_mails, org_ids, pools, ticks
from tests.matcher.test_onsite_day import day_matcher, matcher_rows_containing
from tests.test_events import create_event, move_to

__all__ = ["clock", "contact_org", "day_matcher", "pools"]  # fixtures

STOCKHOLM = ZoneInfo("Europe/Stockholm")
NEEDLE = "Britt-Marie Fbk-Uppföljning"


def why(need: str | None) -> dict:
    return {"sentence_sv": "Ni passar ihop.", "sentence_en": "You fit.", "need_id": need}


async def follow_up_world(registry, matcher, db, contact_org, make_token, service_token, clock) -> dict:
    """Buyer x brings needs x1 and x2, buyer y brings y1. SME a wants x2 and meets x (driven by x1) and y (the
    meeting names no need: y's needs at the event stand for it); SME b meets x (driven by x1). Version 1
    published, links made. ``opens``: six months after the day at 10:00 Stockholm."""
    organiser = await make_token(Role.ORGANISER, label="follow-up organiser")
    event = await create_event(registry, organiser, min_relevance_percent=0)
    await move_to(registry, organiser, event["id"], "open")
    orgs = {
        name: await contact_org(kind) for name, kind in (("a", "sme"), ("b", "sme"), ("x", "buyer"), ("y", "buyer"))
    }
    tokens = {name: await make_token(Role.SME if name in "ab" else Role.BUYER, org) for name, org in orgs.items()}
    needs = {}
    for name, buyer in (("x1", "x"), ("x2", "x"), ("y1", "y")):
        body = {"title": f"Behov {name}", "cpv_main": "90910000", "buyer_id": str(orgs[buyer]), "status": "planned"}
        made = await registry.post("/needs", json=body, headers=bearer(organiser))
        assert made.status == 201, await made.text()
        needs[name] = (await made.json())["id"]
    bodies = {"a": {"wanted_needs": [needs["x2"]]}, "b": {}, "x": {"brought_needs": [needs["x1"], needs["x2"]]},
              "y": {"brought_needs": [needs["y1"]]}}  # fmt: skip
    for name in orgs:
        signed = await registry.post(
            f"/events/{event['id']}/registrations", json=bodies[name], headers=bearer(tokens[name])
        )
        assert signed.status == 201, await signed.text()
    snapshot = EventSnapshot.model_validate(
        await (await registry.get(f"/events/{event['id']}/snapshot", headers=bearer(service_token))).json()
    )
    first, second = snapshot.event.slots[0], snapshot.event.slots[1]
    meetings = [
        PlacedMeeting(orgs["a"], orgs["x"], first.index, 0, why(needs["x1"])),
        PlacedMeeting(orgs["a"], orgs["y"], second.index, 0, why(None)),
        PlacedMeeting(orgs["b"], orgs["x"], second.index, 0, why(needs["x1"])),
    ]
    await store_version(db, snapshot, meetings, 1)
    await publish(db, snapshot.event.id, 1)
    made = await matcher.post(f"/events/{event['id']}/agenda-links", headers=bearer(organiser))
    assert made.status == 201, await made.text()
    links = {i["organisation_id"]: urlsplit(i["url"]).path.removeprefix("/a/") for i in (await made.json())["items"]}
    day = first.start.astimezone(STOCKHOLM).date()
    clock.set(first.start - dt.timedelta(hours=1))
    return {
        "event": event["id"], "orgs": {n: str(o) for n, o in orgs.items()}, "needs": needs,
        "tokens": {"organiser": organiser, **tokens}, "links": {n: links[str(o)] for n, o in orgs.items()},
        "snapshot": snapshot, "day": day,
        "opens": dt.datetime.combine(months_later(day, 6), dt.time(10), STOCKHOLM),
    }  # fmt: skip


@pytest.fixture
async def world(registry, day_matcher, db, contact_org, make_token, service_token, clock):
    return await follow_up_world(registry, day_matcher, db, contact_org, make_token, service_token, clock)


def firm(need: str, bid: str, awarded: str, comment: str = "") -> dict:
    return {"need_id": need, "bid": bid, "awarded": awarded, "comment": comment}


async def test_six_months_on_each_participant_gets_one_email_and_one_reminder_if_it_has_not_answered(
    day_matcher, world, db, clock, pools
):
    # The day itself and the after-day round pass; nothing of the follow-up goes out.
    for at in (world["opens"] - dt.timedelta(days=180), world["opens"] - dt.timedelta(days=30),
               world["opens"] - dt.timedelta(minutes=1)):  # fmt: skip
        clock.set(at)
        await ticks(pools, clock, rounds=1)
    assert await feedback_mails(db, "follow_up") == []
    clock.set(world["opens"])
    await ticks(pools, clock)  # six schedulers at once
    await ticks(pools, clock)  # a restart: nothing again
    mails = await feedback_mails(db, "follow_up")
    assert Counter(str(r["participant_id"]) for r in mails) == Counter(org_ids(world, "a", "b", "x", "y"))
    mail = next(r for r in mails if str(r["participant_id"]) == world["orgs"]["a"])
    assert mail["payload"]["subject"].startswith("Vad blev det av?")
    text = build_message(day_matcher.server.app[SETTINGS_KEY], mail["payload"]).get_content()
    url = next(word for word in text.split() if word.endswith("/uppfoljning"))
    assert urlsplit(url).path == f"/a/{world['links']['a']}/uppfoljning"
    opened = await day_matcher.get(urlsplit(url).path)
    assert opened.status == 200 and f'name="bid-{world["needs"]["x1"]}"' in await opened.text()
    # a answers; ten days on the others are reminded, once, a not.
    answered = await day_matcher.put(
        f"/a/{world['links']['a']}/follow-up", json={"answers": [firm(world["needs"]["x1"], "yes", "pending")]}
    )
    assert answered.status == 200, await answered.text()
    clock.set(world["opens"] + dt.timedelta(days=10))
    await ticks(pools, clock)
    clock.set(world["opens"] + dt.timedelta(days=12))
    await ticks(pools, clock)
    reminded = await feedback_mails(db, "follow_up_reminder")
    assert sorted(str(r["participant_id"]) for r in reminded) == sorted(org_ids(world, "b", "x", "y"))
    assert all(r["payload"]["subject"].startswith("Påminnelse: Vad blev det av?") for r in reminded)
    # The first round's e-mails went once each, separately.
    assert len(await feedback_mails(db, "feedback")) == 4
    # Closed after 30 days.
    clock.set(world["opens"] + dt.timedelta(days=30))
    closed = await day_matcher.put(
        f"/a/{world['links']['b']}/follow-up", json={"answers": [firm(world["needs"]["x1"], "no", "no")]}
    )
    assert closed.status == 409 and (await closed.json())["type"].endswith("feedback-closed")


async def test_needs_discussed_come_from_the_meetings_and_the_buyers_needs_when_a_meeting_names_none(
    day_matcher, world, db, clock, pools
):
    clock.set(world["opens"] - dt.timedelta(days=1))
    early = await day_matcher.get(f"/a/{world['links']['a']}/follow-up")
    assert early.status == 200 and (await early.json())["open"] is False
    not_yet = await day_matcher.put(
        f"/a/{world['links']['a']}/follow-up", json={"answers": [firm(world["needs"]["x1"], "yes", "yes")]}
    )
    assert not_yet.status == 409 and (await not_yet.json())["type"].endswith("feedback-not-open")
    clock.set(world["opens"])
    needs = world["needs"]
    mine = await (await day_matcher.get(f"/a/{world['links']['a']}/follow-up")).json()
    assert mine["side"] == "sme"
    # x1 drove a's meeting with x, x2 is a's wanted need of x; the meeting with y named none: y's needs.
    assert [n["need_id"] for n in mine["needs"]] == [needs["x1"], needs["x2"], needs["y1"]]
    buyer = await (await day_matcher.get(f"/a/{world['links']['x']}/follow-up")).json()
    assert buyer["side"] == "buyer" and [n["need_id"] for n in buyer["needs"]] == [needs["x1"], needs["x2"]]
    [x1] = [n for n in buyer["needs"] if n["need_id"] == needs["x1"]]
    assert len(x1["met"]) == 2  # discussed with a and with b


async def test_bad_answers_are_422_at_their_pointer_and_store_nothing(day_matcher, world, db, clock):
    clock.set(world["opens"] + dt.timedelta(hours=1))
    needs, links = world["needs"], world["links"]
    path = f"/a/{links['a']}/follow-up"
    cases = [
        ({"answers": [firm(needs["x1"], "yes", "yes"), firm(str(uuid.uuid4()), "no", "no")]}, "/answers/1/need_id"),
        ({"answers": [firm(needs["x1"], "yes", "yes"), firm(needs["x1"], "no", "no")]}, "/answers/1/need_id"),
        ({"answers": [{"need_id": needs["x1"], "bid": "yes"}]}, "/answers/0/awarded"),
        ({"answers": [{**firm(needs["x1"], "yes", "yes"), "procured": "tender"}]}, "/answers/0/procured"),
        ({"answers": [firm(needs["x1"], "maybe", "yes")]}, "/answers/0/bid"),
        ({"answers": [firm(needs["x1"], "yes", "yes", "x" * 2001)]}, "/answers/0/comment"),
    ]
    for body, pointer in cases:
        refused = await day_matcher.put(path, json=body)
        assert refused.status == 422, body
        assert pointer in [e["pointer"] for e in (await refused.json())["errors"]], body
    buyer = await day_matcher.put(f"/a/{links['y']}/follow-up", json={"answers": [{"need_id": needs["y1"]}]})
    assert buyer.status == 422 and (await buyer.json())["errors"][0]["pointer"] == "/answers/0/procured"
    # A firm cannot answer for a buyer's need it did not discuss (b never met y).
    other = await day_matcher.put(f"/a/{links['b']}/follow-up", json={"answers": [firm(needs["y1"], "no", "no")]})
    assert other.status == 422
    form = await day_matcher.post(
        f"/a/{links['a']}/uppfoljning", data={f"bid-{needs['x1']}": "yes", f"awarded-{needs['x1']}": "bogus"}
    )
    assert form.status == 422 and 'id="follow-up-errors"' in await form.text()
    assert await db.fetchval("SELECT count(*) FROM matcher.follow_up_answers") == 0
    assert await db.fetchval("SELECT count(*) FROM matcher.feedback_requests WHERE kind = 'follow_up'") == 0


async def test_the_form_saves_and_organisers_read_the_figures_participants_do_not(day_matcher, world, db, clock, pools):
    clock.set(world["opens"])
    await ticks(pools, clock, rounds=1)
    needs, links, tokens = world["needs"], world["links"], world["tokens"]
    saved = await day_matcher.post(
        f"/a/{links['a']}/uppfoljning",
        data={f"bid-{needs['x1']}": "yes", f"awarded-{needs['x1']}": "yes", "lang": "en"},
        allow_redirects=False,
    )
    assert saved.status == 303 and saved.headers["Location"].endswith("/uppfoljning?sparat=1&lang=en")
    page = await (await day_matcher.get(saved.headers["Location"])).text()
    assert "Your answers are saved" in page and "Did you bid?" in page
    b = await day_matcher.put(f"/a/{links['b']}/follow-up", json={"answers": [firm(needs["x1"], "yes", "no")]})
    assert b.status == 200
    x = await day_matcher.put(
        f"/a/{links['x']}/follow-up", json={"answers": [{"need_id": needs["x1"], "procured": "tender"},
                                                        {"need_id": needs["x2"], "procured": "cancelled"}]},
    )  # fmt: skip
    assert x.status == 200, await x.text()
    for who in ("a", "x"):
        assert (await day_matcher.get(f"/events/{world['event']}/feedback", headers=bearer(tokens[who]))).status == 403
    read = await day_matcher.get(f"/events/{world['event']}/feedback", headers=bearer(tokens["organiser"]))
    figures = (await read.json())["follow_up"]
    assert (figures["asked"], figures["answered"], figures["response_rate"]) == (4, 3, 0.75)
    assert figures["sides"] == {"sme": {"asked": 2, "answered": 2}, "buyer": {"asked": 2, "answered": 1}}
    assert figures["procured"] == {"direct_award": 0, "tender": 1, "cancelled": 1, "not_yet": 0}
    by_need = {n["need_id"]: n for n in figures["needs"]}
    assert by_need[needs["x1"]]["bids"] == {"yes": 2, "no": 0, "unknown": 0}
    assert by_need[needs["x1"]]["awards"] == {"yes": 1, "no": 1, "pending": 0}
    assert by_need[needs["x1"]]["procured"] == "tender" and by_need[needs["y1"]]["procured"] is None


async def test_follow_up_answers_are_exported_then_gone_with_an_erasure(day_matcher, world, db, clock, pools):
    clock.set(world["opens"])
    await ticks(pools, clock, rounds=1)
    needs, links, orgs = world["needs"], world["links"], world["orgs"]
    name_of_a = next(s.organisation.name for s in world["snapshot"].smes if str(s.organisation.id) == orgs["a"])
    mine = await day_matcher.put(
        f"/a/{links['a']}/follow-up", json={"answers": [firm(needs["x1"], "yes", "yes", f"Tack {NEEDLE}")]}
    )
    assert mine.status == 200
    theirs = await day_matcher.put(
        f"/a/{links['x']}/follow-up",
        json={"answers": [{"need_id": needs["x1"], "procured": "tender", "comment": f"{name_of_a} vann"}]},
    )
    assert theirs.status == 200
    exported = await (
        await day_matcher.get(f"/privacy/organisations/{orgs['a']}", headers=bearer(world["tokens"]["a"]))
    ).json()
    assert [(f["need_id"], f["bid"], f["comment"]) for f in exported["follow_up_answers"]] == [
        (needs["x1"], "yes", f"Tack {NEEDLE}")
    ]
    assert {r["kind"] for r in exported["reminders"]} >= {"follow_up", "follow_up_reminder"}
    assert await matcher_rows_containing(db, NEEDLE) == ["follow_up_answers.comment"]
    async with day_matcher.server.app[POOL_KEY].acquire() as conn, conn.transaction():
        await apply_erasure(conn, uuid.UUID(orgs["a"]), clock.now())
    assert await matcher_rows_containing(db, NEEDLE) == []
    assert await matcher_rows_containing(db, name_of_a) == []
    left = await db.fetch("SELECT organisation_id::text, comment FROM matcher.follow_up_answers")
    assert [(r["organisation_id"], r["comment"]) for r in left] == [(orgs["x"], "Borttagen organisation vann")]


async def test_both_new_outbox_kinds_and_the_need_notice_kind_insert(db):
    for kind in ("reminder.follow_up", "reminder.follow_up_reminder", "need.stage", "reminder.feedback"):
        await db.execute(
            "INSERT INTO matcher.outbox (event_id, kind, channel, destination, payload) "
            "VALUES ($1, $2, 'email', 'a@example.se', '{}')",
            uuid.uuid4(), kind,
        )  # fmt: skip
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute(
            "INSERT INTO matcher.outbox (event_id, kind, channel, destination, payload) "
            "VALUES ($1, 'reminder.nonsense', 'email', 'a@example.se', '{}')",
            uuid.uuid4(),
        )


async def test_the_feedback_settings_have_an_etag_if_match_and_an_audit_entry(day_matcher, world, db):
    organiser = bearer(world["tokens"]["organiser"])
    path = f"/events/{world['event']}/feedback-settings"
    first = await day_matcher.get(path, headers=organiser)
    assert first.headers["ETag"] == '"defaults"' == (await first.json())["etag"]
    stored = await day_matcher.put(path, json={"follow_up_months": 3}, headers={**organiser, "If-Match": '"defaults"'})
    assert stored.status == 200, await stored.text()
    tag = stored.headers["ETag"]
    assert tag != '"defaults"' and (await day_matcher.get(path, headers=organiser)).headers["ETag"] == tag
    stale = await day_matcher.put(path, json={"follow_up_months": 9}, headers={**organiser, "If-Match": '"defaults"'})
    assert stale.status == 412
    assert (await (await day_matcher.get(path, headers=organiser)).json())["follow_up_months"] == 3
    rows = await db.fetch(
        "SELECT action, changes FROM matcher.audit_log WHERE action = 'feedback_settings.change' AND event_id = $1",
        uuid.UUID(world["event"]),
    )
    assert len(rows) == 1 and json.loads(rows[0]["changes"])["follow_up_months"] == 3


async def test_the_buyers_form_asks_how_each_need_was_procured_without_script(day_matcher, world, clock):
    clock.set(world["opens"] + dt.timedelta(days=1))
    needs, links = world["needs"], world["links"]
    page = await day_matcher.get(f"/a/{links['x']}/uppfoljning?lang=en")
    html = await page.text()
    assert page.status == 200 and page.headers["Cache-Control"] == "private, no-store"
    assert "<script" not in html and 'name="viewport" content="width=device-width' in html
    assert "How was it procured?" in html and "Did you bid?" not in html
    assert f'name="procured-{needs["x1"]}" value="tender"' in html and f'name="bid-{needs["x1"]}"' not in html
    assert "form-action 'self'" in page.headers["Content-Security-Policy"]
    posted = await day_matcher.post(
        f"/a/{links['x']}/uppfoljning",
        data={f"procured-{needs['x2']}": "direct_award", f"comment-{needs['x2']}": "Köpt av annan"},
        allow_redirects=False,
    )
    assert posted.status == 303
    again = await (await day_matcher.get(f"/a/{links['x']}/follow-up")).json()
    assert {n["need_id"]: (n["procured"], n["comment"]) for n in again["needs"]} == {
        needs["x1"]: (None, ""),
        needs["x2"]: ("direct_award", "Köpt av annan"),
    }
    closed_later = clock.now() + dt.timedelta(days=30)
    clock.set(closed_later)
    shown = await (await day_matcher.get(f"/a/{links['x']}/uppfoljning")).text()
    assert 'id="follow-up-state"' in shown and "Uppföljningen är stängd." in shown and "Köpt av annan" in shown
