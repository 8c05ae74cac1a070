"""Individual support after the day on the real matcher and registry (app factories, PostgreSQL): requests
made once whether a firm asks at sign-up, in its feedback or an organiser records it; advisers are registry
accounts checked before they are assigned; hours never exceed the allowance, even when two posts race; an
adviser reads and writes only its own requests; notes are in the export and gone after an erasure."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from html import unescape

import pytest

from services.matcher.privacy.erasure import apply_erasure
from shared.clock import ManualClock
from shared.db import POOL_KEY
from shared.snapshot import EventSnapshot
from tests.conftest import bearer
from tests.matcher.test_agenda_routes import store_version
from tests.matcher.test_feedback import contact_org, pools, ticks
from tests.matcher.test_feedback import feedback_world as feedback_world_of
from tests.matcher.test_onsite_day import day_matcher, day_world, matcher_rows_containing

# Fixtures: firms with a contact, the matcher on the test's clock, a second pool for the schedulers.
__all__ = ["contact_org", "day_matcher", "pools"]

PASSWORD = "rådgivning är roligt"
NEEDLE = "Ingrid Hjortsberg-Stöd"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))


@pytest.fixture
async def world(registry, day_matcher, db, contact_org, make_token, service_token, clock):
    return await day_world(registry, day_matcher, db, contact_org, make_token, service_token, clock)


async def account(registry, organiser: str, name: str, role: str = "adviser") -> tuple[str, str]:
    """A web account made through the registry's API, signed in: (its id, its session token)."""
    email = f"{name.lower()}@radgivning.se"
    body = {"email": email, "password": PASSWORD, "role": role, "name": name}
    made = await registry.post("/auth/accounts", json=body, headers=bearer(organiser))
    assert made.status == 201, await made.text()
    session = await registry.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert session.status == 200, await session.text()
    return (await made.json())["id"], (await session.json())["token"]


def request_path(world, firm: str, tail: str = "") -> str:
    return f"/events/{world['event']}/support-requests/{world['orgs'][firm]}{tail}"


async def ask(matcher, world, firm: str, note: str = "", token: str | None = None):
    return await matcher.post(
        f"/events/{world['event']}/support-requests",
        json={"organisation_id": world["orgs"][firm], "note": note},
        headers=bearer(token or world["tokens"]["organiser"]),
    )


async def assigned(matcher, world, firm: str, adviser_id: str) -> dict:
    """The firm's request, made by the organiser and given to the adviser."""
    assert (await ask(matcher, world, firm)).status in (200, 201)
    response = await matcher.put(
        request_path(world, firm, "/adviser"),
        json={"adviser_account_id": adviser_id},
        headers=bearer(world["tokens"]["organiser"]),
    )
    assert response.status == 200, await response.text()
    return await response.json()


async def hours(matcher, world, firm: str, token: str, amount: float, note: str = ""):
    return await matcher.post(
        request_path(world, firm, "/hours"),
        json={"worked_on": "2031-03-20", "hours": amount, "note": note},
        headers=bearer(token),
    )


async def test_a_request_is_made_once_with_the_allowance_of_its_time(day_matcher, world, db):
    organiser = bearer(world["tokens"]["organiser"])
    settings = await day_matcher.put(
        f"/events/{world['event']}/support-settings", json={"allowance_hours": 6}, headers=organiser
    )
    assert settings.status == 200 and (await settings.json())["allowance_hours"] == 6
    first = await ask(day_matcher, world, "a", note="Hjälp med anbudet")
    assert first.status == 201, await first.text()
    again = await ask(day_matcher, world, "a", note="Något annat")
    assert again.status == 200
    found = await again.json()
    assert (found["source"], found["note"], found["status"], found["allowance_hours"], found["hours_left"]) == (
        "organiser", "Hjälp med anbudet", "requested", 6, 6,
    )  # fmt: skip
    # A later change of the setting does not shrink the promise already given.
    await day_matcher.put(f"/events/{world['event']}/support-settings", json={"allowance_hours": 2}, headers=organiser)
    listed = await (await day_matcher.get(f"/events/{world['event']}/support-requests", headers=organiser)).json()
    assert listed["allowance_hours"] == 2
    assert [(i["organisation_id"], i["allowance_hours"], i["organisation_name"] != "–") for i in listed["items"]] == [
        (world["orgs"]["a"], 6, True)
    ]
    actions = [r["action"] for r in await db.fetch("SELECT action FROM matcher.audit_log ORDER BY id")]
    assert actions.count("support_request.create") == 1 and actions.count("support_settings.change") == 2
    # A service passes a firm's own words on (the feedback path); firms themselves may not.
    refused = await ask(day_matcher, world, "b", token=world["tokens"]["b"])
    assert refused.status == 403


async def test_only_an_enabled_adviser_account_can_be_assigned(day_matcher, registry, world, db):
    organiser = world["tokens"]["organiser"]
    other_organiser, _ = await account(registry, organiser, "Olle", role="organiser")
    assert (await ask(day_matcher, world, "a")).status == 201
    for adviser_id, code in ((str(uuid.uuid4()), "unknown_account"), (other_organiser, "not_an_adviser")):
        response = await day_matcher.put(
            request_path(world, "a", "/adviser"), json={"adviser_account_id": adviser_id}, headers=bearer(organiser)
        )
        assert response.status == 422
        assert [(e["pointer"], e["code"]) for e in (await response.json())["errors"]] == [("/adviser_account_id", code)]
    adviser_id, _ = await account(registry, organiser, "Rut")
    found = await assigned(day_matcher, world, "a", adviser_id)
    assert (found["status"], found["adviser_account_id"]) == ("assigned", adviser_id)
    # The firm and the adviser are told once; assigning the same adviser again sends nothing.
    await assigned(day_matcher, world, "a", adviser_id)
    mails = await db.fetch(
        "SELECT destination, participant_id::text, payload->>'text' AS text FROM matcher.outbox "
        "WHERE kind = 'support.assigned' ORDER BY destination"
    )
    assert [(m["destination"], m["participant_id"]) for m in mails] == sorted(
        [(found["contact_email"], world["orgs"]["a"]), ("rut@radgivning.se", None)]
    )
    assert all("upp till 10 timmar" in m["text"] for m in mails)


async def test_hours_stay_within_the_allowance_and_an_overshoot_stores_nothing(day_matcher, registry, world):
    organiser = world["tokens"]["organiser"]
    adviser_id, adviser = await account(registry, organiser, "Rut")
    await day_matcher.put(
        f"/events/{world['event']}/support-settings", json={"allowance_hours": 6}, headers=bearer(organiser)
    )
    await assigned(day_matcher, world, "a", adviser_id)
    first = await hours(day_matcher, world, "a", adviser, 4)
    assert first.status == 201, await first.text()
    assert ((await first.json())["hours_used"], (await first.json())["hours_left"]) == (4, 2)
    over = await hours(day_matcher, world, "a", organiser, 2.5)
    assert over.status == 409
    problem = await over.json()
    assert problem["hours_left"] == 2 and "2.0 timmar kvar" in problem["detail"]
    found = await (
        await day_matcher.get(f"/events/{world['event']}/support-requests", headers=bearer(organiser))
    ).json()
    assert [(i["hours_used"], len(i["hours"])) for i in found["items"]] == [(4, 1)]
    rest = await hours(day_matcher, world, "a", organiser, 2)  # an organiser records for the adviser
    assert rest.status == 201 and (await rest.json())["hours_left"] == 0
    entry = next(h for h in (await rest.json())["hours"] if h["hours"] == 4)
    assert entry["adviser_account_id"] == adviser_id
    taken_back = await day_matcher.delete(request_path(world, "a", f"/hours/{entry['id']}"), headers=bearer(adviser))
    assert taken_back.status == 200 and (await taken_back.json())["hours_left"] == 4


async def test_two_advisers_posting_at_once_cannot_overshoot(day_matcher, registry, world, db):
    organiser = world["tokens"]["organiser"]
    adviser_id, adviser = await account(registry, organiser, "Rut")
    await day_matcher.put(
        f"/events/{world['event']}/support-settings", json={"allowance_hours": 6}, headers=bearer(organiser)
    )
    found = await assigned(day_matcher, world, "a", adviser_id)
    # Hold the request's row so that both posts are inside their transactions, waiting, before either goes on.
    async with day_matcher.server.app[POOL_KEY].acquire() as holder:
        transaction = holder.transaction()
        await transaction.start()
        await holder.execute("SELECT 1 FROM matcher.support_requests WHERE id = $1 FOR UPDATE", uuid.UUID(found["id"]))
        posts = [asyncio.ensure_future(hours(day_matcher, world, "a", token, 4)) for token in (adviser, organiser)]
        waiting = 0
        for _ in range(10_000):
            waiting = await db.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%'"
            )
            if waiting == 2:
                break
            await asyncio.sleep(0)  # yield to the posts (no time passes)
        assert waiting == 2
        await transaction.rollback()
        answers = await asyncio.gather(*posts)
    assert sorted(a.status for a in answers) == [201, 409]
    assert await db.fetchval("SELECT sum(hours) FROM matcher.support_hours") == 4


async def test_an_adviser_sees_and_records_only_its_own_requests(day_matcher, registry, world):
    organiser = world["tokens"]["organiser"]
    rut_id, rut = await account(registry, organiser, "Rut")
    sven_id, sven = await account(registry, organiser, "Sven")
    await assigned(day_matcher, world, "a", rut_id)
    await assigned(day_matcher, world, "b", sven_id)
    mine = await day_matcher.get("/support/assigned", headers=bearer(rut))
    items = (await mine.json())["items"]
    assert [(i["organisation_id"], i["event_id"], i["hours_left"]) for i in items] == [
        (world["orgs"]["a"], world["event"], 10)
    ]
    assert items[0]["contact_email"] and items[0]["event_name"]
    assert (await hours(day_matcher, world, "a", sven, 1)).status == 403
    entry = (await (await hours(day_matcher, world, "a", rut, 1)).json())["hours"][0]
    refused = await day_matcher.delete(request_path(world, "a", f"/hours/{entry['id']}"), headers=bearer(sven))
    assert refused.status == 403
    for token in (world["tokens"]["a"], world["tokens"]["x"]):
        assert (await day_matcher.get("/support/assigned", headers=bearer(token))).status == 403
    assert (await day_matcher.get(f"/events/{world['event']}/support-requests", headers=bearer(rut))).status == 403


async def test_decline_and_close(day_matcher, registry, world):
    organiser = bearer(world["tokens"]["organiser"])
    adviser_id, adviser = await account(registry, world["tokens"]["organiser"], "Rut")
    await ask(day_matcher, world, "b")
    closing_unassigned = await day_matcher.put(
        request_path(world, "b", "/status"), json={"status": "closed"}, headers=organiser
    )
    assert closing_unassigned.status == 409
    declined = await day_matcher.put(
        request_path(world, "b", "/status"), json={"status": "declined"}, headers=organiser
    )
    assert declined.status == 200 and (await declined.json())["status"] == "declined"
    await assigned(day_matcher, world, "a", adviser_id)
    closed = await day_matcher.put(request_path(world, "a", "/status"), json={"status": "closed"}, headers=organiser)
    assert closed.status == 200 and (await closed.json())["closed_at"]
    assert (await hours(day_matcher, world, "a", adviser, 1)).status == 409  # no hours after the close
    mine = await (await day_matcher.get("/support/assigned", headers=bearer(adviser))).json()
    assert [i["status"] for i in mine["items"]] == ["closed"]


async def test_notes_are_in_the_export_and_gone_after_an_erasure(day_matcher, registry, world, db, clock):
    adviser_id, adviser = await account(registry, world["tokens"]["organiser"], "Rut")
    await ask(day_matcher, world, "a", note=f"Kontakt: {NEEDLE}")
    await assigned(day_matcher, world, "a", adviser_id)
    assert (await hours(day_matcher, world, "a", adviser, 1.5, note=f"Genomgång med {NEEDLE}")).status == 201
    exported = await day_matcher.get(
        f"/privacy/organisations/{world['orgs']['a']}", headers=bearer(world["tokens"]["a"])
    )
    document = await exported.json()
    assert [r["note"] for r in document["support_requests"]] == [f"Kontakt: {NEEDLE}"]
    assert [(h["hours"], h["note"]) for h in document["support_hours"]] == [(1.5, f"Genomgång med {NEEDLE}")]
    assert sorted(await matcher_rows_containing(db, NEEDLE)) == ["support_hours.note", "support_requests.note"]
    async with day_matcher.server.app[POOL_KEY].acquire() as conn, conn.transaction():
        await apply_erasure(conn, uuid.UUID(world["orgs"]["a"]), clock.now())
    assert await matcher_rows_containing(db, NEEDLE) == []
    # An erased firm asks for nothing afterwards (a late feedback post, a stale snapshot).
    again = await ask(day_matcher, world, "a", note="igen")
    assert again.status == 404
    assert (await db.fetchval("SELECT count(*) FROM matcher.support_requests")) == 0


@pytest.fixture
async def feedback_world(registry, day_matcher, db, contact_org, make_token, service_token, clock):
    return await feedback_world_of(registry, day_matcher, db, contact_org, make_token, service_token, clock)


async def test_a_firm_asks_in_its_feedback_form_once(day_matcher, feedback_world, db, clock, pools):
    world = feedback_world
    clock.set(world["evening"] + dt.timedelta(minutes=10))
    await ticks(pools, clock, rounds=1)
    page = f"/a/{world['links']['a']}/utvardering"
    form = unescape(await (await day_matcher.get(page)).text())
    assert "Vi vill gärna ha individuellt stöd efter träffen" in form and 'name="support-note"' in form
    english = unescape(await (await day_matcher.get(page + "?lang=en")).text())
    assert "We would like individual support after the event" in english
    buyers = unescape(await (await day_matcher.get(f"/a/{world['links']['x']}/utvardering")).text())
    assert 'name="support"' not in buyers  # the support is for the firms
    too_long = await day_matcher.post(page, data={"support": "1", "support-note": "x" * 2001}, allow_redirects=False)
    assert too_long.status == 422 and "högst 2000 tecken" in unescape(await too_long.text())
    assert await db.fetchval("SELECT count(*) FROM matcher.support_requests") == 0
    saved = await day_matcher.post(
        page, data={"support": "1", "support-note": "Hjälp med anbudet", "lang": "sv"}, allow_redirects=False
    )
    assert saved.status == 303
    shown = unescape(await (await day_matcher.get(saved.headers["Location"])).text())
    assert "Ni har bett om individuellt stöd" in shown and 'name="support"' not in shown
    again = await day_matcher.post(page, data={"support": "1", "support-note": "Något annat"}, allow_redirects=False)
    assert again.status == 303
    rows = await db.fetch("SELECT organisation_id::text, source, note, status FROM matcher.support_requests")
    assert [tuple(r) for r in rows] == [(world["orgs"]["a"], "feedback", "Hjälp med anbudet", "requested")]
    listed = await day_matcher.get(
        f"/events/{world['event']}/support-requests", headers=bearer(world["tokens"]["organiser"])
    )
    assert [i["source"] for i in (await listed.json())["items"]] == ["feedback"]


async def test_a_firm_that_asked_at_sign_up_has_a_request_once_its_version_is_published(
    day_matcher, registry, world, db, service_token
):
    event, organiser = world["event"], bearer(world["tokens"]["organiser"])
    own = await (await registry.get(f"/events/{event}/registrations", headers=bearer(world["tokens"]["b"]))).json()
    registration = own["items"][0]
    changed = await registry.patch(
        f"/registrations/{registration['id']}",
        json={"support_requested": True, "support_note": "Hjälp med upphandlingsregler"},
        headers={**bearer(world["tokens"]["b"]), "If-Match": f'"{registration["version"]}"'},
    )
    assert changed.status == 200, await changed.text()
    assert (await changed.json())["support_requested"] is True
    raw = await (await registry.get(f"/events/{event}/snapshot", headers=bearer(service_token))).json()
    smes = {s["organisation"]["id"]: s for s in raw["smes"]}
    assert smes[world["orgs"]["b"]]["support_requested"] is True
    assert "support_requested" not in smes[world["orgs"]["a"]]  # firms that did not ask: as before
    snapshot = EventSnapshot.model_validate(raw)
    assert snapshot.hash_matches()
    before = await (await day_matcher.get(f"/events/{event}/support-requests", headers=organiser)).json()
    assert before["items"] == []  # the published version 1 was made before b asked
    await store_version(db, snapshot, [], 2)
    published = await day_matcher.post(f"/events/{event}/schedules/2/publish", headers=organiser)
    assert published.status == 200, await published.text()
    # Made by the publication itself (the statistics count it before anyone opens the list).
    assert await db.fetchval("SELECT source FROM matcher.support_requests") == "signup"
    for _ in range(2):  # read twice: made once
        listed = await (await day_matcher.get(f"/events/{event}/support-requests", headers=organiser)).json()
        assert [(i["organisation_id"], i["source"], i["note"]) for i in listed["items"]] == [
            (world["orgs"]["b"], "signup", "Hjälp med upphandlingsregler")
        ]
    declined = await day_matcher.put(
        request_path(world, "b", "/status"), json={"status": "declined"}, headers=organiser
    )
    assert declined.status == 200
    listed = await (await day_matcher.get(f"/events/{event}/support-requests", headers=organiser)).json()
    assert [i["status"] for i in listed["items"]] == ["declined"]
    # The firm's words at sign-up are in its export, and go with its erasure: the registry's registration, the
    # matcher's request and the stored snapshot.
    exported = await registry.get(f"/organisations/{world['orgs']['b']}/export", headers=bearer(world["tokens"]["b"]))
    assert exported.status == 200, await exported.text()
    [signed_up] = (await exported.json())["registrations"]
    assert (signed_up["support_requested"], signed_up["support_note"]) == (True, "Hjälp med upphandlingsregler")
    erased = await registry.delete(f"/organisations/{world['orgs']['b']}", headers=organiser)
    assert erased.status == 204, await erased.text()
    assert await db.fetchval("SELECT count(*) FROM registry.registrations WHERE support_note <> ''") == 0
    async with day_matcher.server.app[POOL_KEY].acquire() as conn, conn.transaction():
        await apply_erasure(conn, uuid.UUID(world["orgs"]["b"]), dt.datetime.now(dt.UTC))
    assert await matcher_rows_containing(db, "upphandlingsregler") == []
