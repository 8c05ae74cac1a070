"""The reception on the event's day, through the real registry and matcher on real PostgreSQL with a ManualClock:
check-in by search and by a scanned agenda link, only on the day, once, never another event's link; walk-ins
registered in the registry and checked in onto the stand-by list; the host (värd) token of one event; the
buyer's table agenda saying who has arrived."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.matcher.agendas import PlacedMeeting
from services.matcher.app import create_app as create_matcher_app
from services.matcher.privacy.erasure import apply_erasure
from services.registry.app import create_app as create_registry_app
from shared.auth import Role
from shared.clock import ManualClock
from shared.db import POOL_KEY
from shared.reference.orgnr import orgnr_from_serial
from shared.snapshot import EventSnapshot
from tests.conftest import bearer
from tests.matcher.test_agenda_routes import publish, store_version
from tests.test_events import NEXT_YEAR, create_event, move_to

PROBLEM = "application/problem+json"
# 07:00 UTC is 09:00 in Stockholm in October (summer time).
DAY = dt.date(NEXT_YEAR, 10, 7)
ON_THE_DAY = dt.datetime(NEXT_YEAR, 10, 7, 7, 0, tzinfo=dt.UTC)
DAY_BEFORE = ON_THE_DAY - dt.timedelta(days=1)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(DAY_BEFORE)


@pytest.fixture
async def registry(registry_settings, clock) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(create_registry_app(registry_settings, clock=clock), host="127.0.0.1")) as client:
        yield client


@pytest.fixture
async def matcher(matcher_settings, matcher_port, clock) -> AsyncIterator[TestClient]:
    server = TestServer(create_matcher_app(matcher_settings, clock=clock), host="127.0.0.1", port=matcher_port)
    async with TestClient(server) as client:
        yield client


async def published_event(registry, matcher, db, make_org, make_token, service_token) -> dict:
    """An event with two SMEs and a buyer signed up and version 1 published (the first SME meets the buyer)."""
    organiser = await make_token(Role.ORGANISER, label="reception organiser")
    # Sign-up open until the evening before (the clock starts the day before): the firms sign up in time.
    event = await create_event(registry, organiser, signup_deadline=f"{NEXT_YEAR}-10-06T18:00:00+02:00")
    await move_to(registry, organiser, event["id"], "open")
    orgs = {
        "sme": await make_org("sme", name="Falu Städ & Fönsterputs AB"),
        "sme_free": await make_org("sme", name="Mora Snöröjning AB"),
        "buyer": await make_org("buyer", name="Falu kommun"),
    }
    tokens = {name: await make_token(Role.BUYER if name == "buyer" else Role.SME, org) for name, org in orgs.items()}
    for name in orgs:
        signed = await registry.post(f"/events/{event['id']}/registrations", json={}, headers=bearer(tokens[name]))
        assert signed.status == 201, await signed.text()
    await move_to(registry, organiser, event["id"], "closed")
    snapshot = await registry.get(f"/events/{event['id']}/snapshot", headers=bearer(service_token))
    snapshot = EventSnapshot.model_validate(await snapshot.json())
    why = {"sentence_sv": "Ni passar ihop.", "sentence_en": "You fit.", "need_id": None}
    meetings = [PlacedMeeting(orgs["sme"], orgs["buyer"], snapshot.event.slots[0].index, 0, why)]
    await store_version(db, snapshot, meetings, 1)
    await publish(db, snapshot.event.id, 1)
    await move_to(registry, organiser, event["id"], "scheduled", "published")
    made = await matcher.post(f"/events/{event['id']}/agenda-links", headers=bearer(organiser))
    assert made.status == 201, await made.text()
    links = {
        item["organisation_id"]: urlsplit(item["url"]).path.removeprefix("/a/") for item in (await made.json())["items"]
    }
    host = await make_token(Role.HOST, label="Värd Anna", event_id=event["id"])
    return {
        "id": event["id"],
        "organiser": organiser,
        "host": host,
        "orgs": {name: str(org) for name, org in orgs.items()},
        "tokens": tokens,
        "links": {name: links[str(org)] for name, org in orgs.items()},
    }


@pytest.fixture
async def event(registry, matcher, db, make_org, make_token, service_token) -> dict:
    return await published_event(registry, matcher, db, make_org, make_token, service_token)


async def arrivals_in_db(db, event_id) -> list:
    return await db.fetch("SELECT organisation_id, how, by_role FROM matcher.arrivals WHERE event_id = $1", event_id)


async def test_check_in_only_on_the_day_and_once(matcher, db, event, clock):
    path = f"/events/{event['id']}/arrivals"
    body = {"organisation_id": event["orgs"]["sme"]}
    before = await matcher.post(path, json=body, headers=bearer(event["host"]))
    assert before.status == 409 and before.content_type == PROBLEM
    assert (await before.json())["errors"][0]["code"] == "not_event_day"
    assert await arrivals_in_db(db, event["id"]) == []

    clock.set(ON_THE_DAY)
    first = await matcher.post(path, json=body, headers=bearer(event["host"]))
    assert first.status == 201, await first.text()
    arrival = await first.json()
    assert arrival["name"] == "Falu Städ & Fönsterputs AB" and arrival["how"] == "name" and arrival["by_role"] == "host"
    assert dt.datetime.fromisoformat(arrival["arrived_at"]) == ON_THE_DAY

    clock.advance(minutes=5)
    again = await matcher.post(path, json={**body, "how": "orgnr"}, headers=bearer(event["organiser"]))
    assert again.status == 200
    assert (await again.json())["arrived_at"] == arrival["arrived_at"]
    rows = await arrivals_in_db(db, event["id"])
    assert [(str(r["organisation_id"]), r["how"], r["by_role"]) for r in rows] == [
        (event["orgs"]["sme"], "name", "host")
    ]
    audit = await db.fetch("SELECT action, actor_role FROM matcher.audit_log WHERE action LIKE 'arrival.%'")
    assert [(r["action"], r["actor_role"]) for r in audit] == [("arrival.check_in", "host")]

    listed = await (await matcher.get(path, headers=bearer(event["host"]))).json()
    assert (listed["arrived"], listed["expected"]) == (1, 3)

    clock.set(ON_THE_DAY + dt.timedelta(days=1))
    after = await matcher.post(path, json={"organisation_id": event["orgs"]["buyer"]}, headers=bearer(event["host"]))
    assert after.status == 409
    assert len(await arrivals_in_db(db, event["id"])) == 1


async def test_qr_link_checks_in_its_participant_and_no_other_events(
    registry, matcher, db, event, clock, make_org, make_token, service_token
):
    other = await published_event(registry, matcher, db, make_org, make_token, service_token)
    clock.set(ON_THE_DAY)
    path = f"/events/{event['id']}/arrivals"
    foreign = await matcher.post(path, json={"link_token": other["links"]["sme"]}, headers=bearer(event["host"]))
    assert foreign.status == 422 and (await foreign.json())["errors"][0]["code"] == "other_event"
    forged = await matcher.post(path, json={"link_token": "x" * 43}, headers=bearer(event["host"]))
    assert forged.status == 422
    stranger = await matcher.post(path, json={"organisation_id": other["orgs"]["sme"]}, headers=bearer(event["host"]))
    assert stranger.status == 422 and (await stranger.json())["errors"][0]["code"] == "not_participant"
    assert await arrivals_in_db(db, event["id"]) == []

    scanned = await matcher.post(path, json={"link_token": event["links"]["buyer"]}, headers=bearer(event["host"]))
    assert scanned.status == 201
    assert (await scanned.json())["organisation_id"] == event["orgs"]["buyer"]
    assert [r["how"] for r in await arrivals_in_db(db, event["id"])] == ["qr"]

    # The other event's host may not run this event's reception.
    refused = await matcher.post(path, json={"organisation_id": event["orgs"]["sme"]}, headers=bearer(other["host"]))
    assert refused.status == 403


async def test_search_and_undo(matcher, db, event, clock):
    clock.set(ON_THE_DAY)
    reception = f"/events/{event['id']}/reception"
    found = await (await matcher.get(reception, params={"q": "städ falu"}, headers=bearer(event["host"]))).json()
    assert [item["name"] for item in found["items"]] == ["Falu Städ & Fönsterputs AB"]
    assert found["items"][0]["arrived"] is False
    everyone = await (await matcher.get(reception, headers=bearer(event["host"]))).json()
    assert len(everyone["items"]) == 3 and (everyone["arrived"], everyone["expected"]) == (0, 3)

    await matcher.post(
        f"/events/{event['id']}/arrivals", json={"organisation_id": event["orgs"]["sme"]}, headers=bearer(event["host"])
    )
    found = await (await matcher.get(reception, params={"q": "Städ"}, headers=bearer(event["host"]))).json()
    assert found["items"][0]["arrived"] is True and found["arrived"] == 1

    undo = await matcher.delete(
        f"/events/{event['id']}/arrivals/{event['orgs']['sme']}", headers=bearer(event["organiser"])
    )
    assert undo.status == 204
    assert await arrivals_in_db(db, event["id"]) == []
    again = await matcher.delete(
        f"/events/{event['id']}/arrivals/{event['orgs']['sme']}", headers=bearer(event["organiser"])
    )
    assert again.status == 404


async def test_search_by_orgnr(matcher, db, event, clock):
    orgnr = await db.fetchval("SELECT orgnr FROM registry.organisations WHERE id = $1", event["orgs"]["sme_free"])
    found = await matcher.get(
        f"/events/{event['id']}/reception", params={"q": orgnr.replace("-", "")}, headers=bearer(event["host"])
    )
    assert found.status == 200, await found.text()
    assert [item["organisation_id"] for item in (await found.json())["items"]] == [event["orgs"]["sme_free"]]


async def test_standby_for_arrived_firms_with_free_time(matcher, db, event, clock):
    clock.set(ON_THE_DAY)
    standby = f"/events/{event['id']}/standby/{event['orgs']['sme_free']}"
    not_arrived = await matcher.post(standby, headers=bearer(event["host"]))
    assert not_arrived.status == 409
    await matcher.post(
        f"/events/{event['id']}/arrivals",
        json={"organisation_id": event["orgs"]["sme_free"]},
        headers=bearer(event["host"]),
    )
    # The firm opts in itself.
    joined = await matcher.post(standby, headers=bearer(event["tokens"]["sme_free"]))
    assert joined.status == 201, await joined.text()
    assert (await joined.json())["source"] == "arrived"
    assert (await matcher.post(standby, headers=bearer(event["host"]))).status == 200
    buyer = f"/events/{event['id']}/standby/{event['orgs']['buyer']}"
    await matcher.post(
        f"/events/{event['id']}/arrivals",
        json={"organisation_id": event["orgs"]["buyer"]},
        headers=bearer(event["host"]),
    )
    assert (await matcher.post(buyer, headers=bearer(event["host"]))).status == 409
    other_firm = await matcher.post(standby, headers=bearer(event["tokens"]["sme"]))
    assert other_firm.status == 403
    rows = await db.fetch("SELECT organisation_id, source, left_at FROM matcher.standby")
    assert [(str(r["organisation_id"]), r["source"], r["left_at"]) for r in rows] == [
        (event["orgs"]["sme_free"], "arrived", None)
    ]
    assert (await matcher.delete(standby, headers=bearer(event["host"]))).status == 204
    assert (await matcher.delete(standby, headers=bearer(event["host"]))).status == 404


async def test_walk_in_registered_on_the_day_then_checked_in_onto_standby(registry, matcher, db, event, clock):
    form = {
        "orgnr": orgnr_from_serial(4_242_424),
        "name": "Säters Måleri AB",
        "contact": {"name": "Lisa Lund", "email": "lisa@malerisater.se", "phone": "0225-123 45"},
        "cpv_codes": ["45442100"],
    }
    walk_ins = f"/events/{event['id']}/walk-ins"
    early = await registry.post(walk_ins, json=form, headers=bearer(event["host"]))
    assert early.status == 409 and early.content_type == PROBLEM
    assert await db.fetchval("SELECT count(*) FROM registry.organisations WHERE name = 'Säters Måleri AB'") == 0

    clock.set(ON_THE_DAY)
    made = await registry.post(walk_ins, json=form, headers=bearer(event["host"]))
    assert made.status == 201, await made.text()
    walk_in = await made.json()
    assert walk_in["new_organisation"] is True
    contact = await db.fetchrow(
        "SELECT name, email FROM registry.contacts WHERE organisation_id = $1", walk_in["organisation_id"]
    )
    assert (contact["name"], contact["email"]) == ("Lisa Lund", "lisa@malerisater.se")
    twice = await registry.post(walk_ins, json=form, headers=bearer(event["host"]))
    assert twice.status == 409

    # Not in the published version: only as a walk-in, which the registry's snapshot vouches for.
    path = f"/events/{event['id']}/arrivals"
    plain = await matcher.post(
        path, json={"organisation_id": walk_in["organisation_id"]}, headers=bearer(event["host"])
    )
    assert plain.status == 422
    arrived = await matcher.post(
        path, json={"organisation_id": walk_in["organisation_id"], "how": "walk_in"}, headers=bearer(event["host"])
    )
    assert arrived.status == 201, await arrived.text()
    assert (await arrived.json())["standby"] is True and (await arrived.json())["name"] == "Säters Måleri AB"
    row = await db.fetchrow(
        "SELECT source, left_at FROM matcher.standby WHERE organisation_id = $1", walk_in["organisation_id"]
    )
    assert (row["source"], row["left_at"]) == ("walk_in", None)
    listed = await (await matcher.get(path, headers=bearer(event["host"]))).json()
    assert (listed["arrived"], listed["expected"]) == (1, 4)
    assert listed["items"][0]["name"] == "Säters Måleri AB"


async def test_host_tokens_name_their_event(registry, event, organiser_token):
    made = await registry.post(
        "/auth/tokens",
        json={"role": "host", "event_id": event["id"], "label": "Värd Per"},
        headers=bearer(organiser_token),
    )
    assert made.status == 201, await made.text()
    token = (await made.json())["token"]
    me = await (await registry.get("/auth/whoami", headers=bearer(token))).json()
    assert (me["role"], me["event_id"]) == ("host", event["id"])
    missing = await registry.post("/auth/tokens", json={"role": "host"}, headers=bearer(organiser_token))
    assert missing.status == 422
    stray = await registry.post(
        "/auth/tokens", json={"role": "organiser", "event_id": event["id"]}, headers=bearer(organiser_token)
    )
    assert stray.status == 422
    unknown = await registry.post(
        "/auth/tokens",
        json={"role": "host", "event_id": "00000000-0000-4000-8000-000000000000"},
        headers=bearer(organiser_token),
    )
    assert unknown.status == 422 and (await unknown.json())["errors"][0]["pointer"] == "/event_id"


async def test_export_lists_and_erasure_deletes_arrivals_and_standby(matcher, db, event, clock):
    clock.set(ON_THE_DAY)
    firm, other = event["orgs"]["sme_free"], event["orgs"]["sme"]
    for org in (firm, other):
        await matcher.post(
            f"/events/{event['id']}/arrivals", json={"organisation_id": org}, headers=bearer(event["host"])
        )
    await matcher.post(f"/events/{event['id']}/standby/{firm}", headers=bearer(event["host"]))
    exported = await matcher.get(f"/privacy/organisations/{firm}", headers=bearer(event["tokens"]["sme_free"]))
    assert exported.status == 200, await exported.text()
    document = await exported.json()
    assert [(a["event_id"], a["how"], a["by_role"]) for a in document["arrivals"]] == [(event["id"], "name", "host")]
    assert [(s["event_id"], s["source"], s["left_at"]) for s in document["standby"]] == [(event["id"], "arrived", None)]

    async with matcher.server.app[POOL_KEY].acquire() as conn, conn.transaction():
        await apply_erasure(conn, uuid.UUID(firm), ON_THE_DAY)
    assert [str(r["organisation_id"]) for r in await arrivals_in_db(db, event["id"])] == [other]
    assert await db.fetchval("SELECT count(*) FROM matcher.standby") == 0


async def test_buyer_agenda_says_who_has_arrived(matcher, db, event, clock):
    clock.set(ON_THE_DAY)
    by_token = f"/events/{event['id']}/agendas/buyers/{event['orgs']['buyer']}"
    by_link = f"/a/{event['links']['buyer']}"
    first = await matcher.get(by_token, headers=bearer(event["tokens"]["buyer"]))
    assert (await first.json())["arrived"] == []
    assert (await (await matcher.get(by_link)).json())["arrived"] == []
    tag = first.headers["ETag"]

    await matcher.post(
        f"/events/{event['id']}/arrivals", json={"organisation_id": event["orgs"]["sme"]}, headers=bearer(event["host"])
    )
    again = await matcher.get(by_token, headers={**bearer(event["tokens"]["buyer"]), "If-None-Match": tag})
    assert again.status == 200, "the agenda changed: its SME arrived"
    assert (await again.json())["arrived"] == [event["orgs"]["sme"]]
    assert (await (await matcher.get(by_link)).json())["arrived"] == [event["orgs"]["sme"]]
    # A firm that arrived but meets another buyer is not this buyer's news; an SME's agenda has no such list.
    sme = await (await matcher.get(f"/a/{event['links']['sme']}")).json()
    assert "arrived" not in sme
