"""Invitations to an event, through the real matcher and registry on loopback with real PostgreSQL: the outbox
rows and their text, a second press inviting nobody twice, an erased firm left out, closed sign-up refused."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.matcher.app import create_app as create_matcher_app
from services.matcher.privacy.erasure import apply_erasure
from services.matcher.privacy.feed import delivery_gate
from services.matcher.registry_client import RegistryClient
from services.matcher.settings import MatcherSettings
from shared.clock import ManualClock
from tests.conftest import bearer
from tests.matcher.test_erasure_across_services import deliver_all, inbox, message_text, pool  # noqa: F401 - fixtures
from tests.test_events import NEXT_YEAR, PROBLEM, create_event, create_past_event, move_to
from tests.test_segments import contact, sign_up

WEB = "https://web.example"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(dt.datetime(NEXT_YEAR, 9, 1, 8, 0, tzinfo=dt.UTC))


@pytest.fixture
async def inviting_matcher(matcher_settings, matcher_port, clock) -> AsyncIterator[TestClient]:
    """The matcher with the web's address (the sign-up link) and a clock the test moves."""
    settings = matcher_settings.model_copy(update={"web_url": WEB})
    server = TestServer(create_matcher_app(settings, clock=clock), host="127.0.0.1", port=matcher_port)
    async with TestClient(server) as client:
        yield client


async def world(registry, organiser_token, db, make_org) -> dict:
    """Last year's Affärsträff Falun 2025 with two firms; the coming event, open; three more firms."""
    earlier = await create_past_event(
        registry,
        db,
        organiser_token,
        name="Affärsträff Falun 2025",
        event_date=f"{NEXT_YEAR - 1}-10-07",
        signup_deadline=f"{NEXT_YEAR - 1}-10-01T12:00:00+02:00",
    )
    coming = await create_event(registry, organiser_token, name="Affärsträff Ludvika", venue="Folkets hus")
    await move_to(registry, organiser_token, coming["id"], "open")
    firms = {
        "bygg": await make_org(name="Bygg i Ludvika AB", municipality_code="2085", cpv_codes=["45210000"]),
        "el": await make_org(name="El i Ludvika AB", municipality_code="2085", cpv_codes=["45310000"]),
        "tyst": await make_org(name="Tyst i Ludvika AB", municipality_code="2085", cpv_codes=["45000000"]),
        "anmäld": await make_org(name="Anmäld i Ludvika AB", municipality_code="2085", cpv_codes=["45000000"]),
        "städ": await make_org(name="Städ i Ludvika AB", municipality_code="2085", cpv_codes=["90910000"]),
    }
    await contact(db, firms["bygg"], "Bo Bygg", "bo@bygg.se")
    await contact(db, firms["el"], "Eva El", "eva@el.se")
    await contact(db, firms["anmäld"], "Ann Anmäld", "ann@anmald.se")
    await contact(db, firms["städ"], "Sam Städ", "sam@stad.se")
    await sign_up(db, earlier["id"], firms["bygg"])
    await sign_up(db, coming["id"], firms["anmäld"])
    return {"earlier": earlier, "coming": coming, "firms": firms}


async def invite(matcher, token: str, event_id: str, body: dict):
    return await matcher.post(f"/events/{event_id}/invitations", json=body, headers=bearer(token))


async def outbox(db, event_id) -> list[dict]:
    rows = await db.fetch(
        "SELECT destination, payload, participant_id FROM matcher.outbox WHERE kind = 'invitation' AND event_id = $1"
        " ORDER BY destination",
        event_id,
    )
    return [{**dict(row), "payload": json.loads(row["payload"])} for row in rows]


async def segments_of(db, event_id) -> list[dict]:
    rows = await db.fetch("SELECT segment FROM matcher.invitations WHERE event_id = $1", event_id)
    return [json.loads(row["segment"]) for row in rows]


async def test_invitations_queue_once_each_with_why_and_the_link(
    inviting_matcher, registry, organiser_token, db, make_org
):
    w = await world(registry, organiser_token, db, make_org)
    event_id, segment = w["coming"]["id"], {"municipality": "2085", "cpv_division": "45"}

    preview = await invite(inviting_matcher, organiser_token, event_id, {**segment, "dry_run": True})
    assert preview.status == 200, await preview.text()
    assert await preview.json() == {
        "matched": 4,
        "queued": 2,
        "left_out": {"signed_up": 1, "already_invited": 0, "erased": 0, "no_contact": 1},
        "dry_run": True,
    }
    assert await outbox(db, event_id) == []

    response = await invite(inviting_matcher, organiser_token, event_id, segment)
    assert (await response.json())["queued"] == 2
    mails = await outbox(db, event_id)
    assert [m["destination"] for m in mails] == ["bo@bygg.se", "eva@el.se"]
    assert {m["participant_id"] for m in mails} == {w["firms"]["bygg"], w["firms"]["el"]}
    text = mails[0]["payload"]["text"]
    weekdays = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
    weekday = weekdays[dt.date(NEXT_YEAR, 10, 7).weekday()]
    assert mails[0]["payload"]["subject"] == f"Inbjudan: Affärsträff Ludvika, {weekday} 7 oktober {NEXT_YEAR}"
    assert f"Välkommen till Affärsträff Ludvika, {weekday} 7 oktober {NEXT_YEAR}, Folkets hus." in text
    assert "kl. " in text and "(svensk tid)" in text and "Europe/Stockholm" not in text
    assert f"{WEB}/foretag/evenemang/{event_id}/anmalan" in text
    assert "ert företag är registrerat i Ludvika och ni säljer inom CPV 45 Anläggningsarbete" in text
    assert "you sell within CPV 45 Construction work" in text and "Kontakta arrangören" in text
    assert text.index("Hej Bo Bygg!") < text.index("---") < text.index("You are welcome")

    # However often the button is pressed: nobody twice.
    again = await (await invite(inviting_matcher, organiser_token, event_id, segment)).json()
    assert again["queued"] == 0 and again["left_out"]["already_invited"] == 2
    assert len(await outbox(db, event_id)) == 2

    # Those who took part before: the reason names the event they were at.
    before = await (await invite(inviting_matcher, organiser_token, event_id, {"took_part_before": True})).json()
    assert before["queued"] == 0 and before["left_out"]["already_invited"] == 1
    assert {tuple(sorted(segment)) for segment in await segments_of(db, event_id)} == {("cpv_division", "municipality")}

    listed = await inviting_matcher.get(f"/events/{event_id}/invitations", headers=bearer(organiser_token))
    body = await listed.json()
    assert body["count"] == 2 and {i["name"] for i in body["items"]} == {"Bygg i Ludvika AB", "El i Ludvika AB"}
    assert all(i["delivered_at"] is None and not i["given_up"] for i in body["items"])
    audited = await db.fetchval("SELECT count(*) FROM matcher.audit_log WHERE action = 'invitations.queue'")
    assert audited == 1

    # In the firm's GDPR export: the e-mail (its address came from the registry, in no snapshot).
    export = await inviting_matcher.get(f"/privacy/organisations/{w['firms']['bygg']}", headers=bearer(organiser_token))
    notifications = (await export.json())["notifications"]
    assert [(n["kind"], n["destination"]) for n in notifications] == [("invitation", "bo@bygg.se")]


async def test_took_part_before_names_the_earlier_event(inviting_matcher, registry, organiser_token, db, make_org):
    w = await world(registry, organiser_token, db, make_org)
    response = await invite(inviting_matcher, organiser_token, w["coming"]["id"], {"took_part_before": True})
    assert (await response.json())["queued"] == 1
    [mail] = await outbox(db, w["coming"]["id"])
    assert "Ni får den här inbjudan eftersom ni deltog i Affärsträff Falun 2025." in mail["payload"]["text"]
    assert await segments_of(db, w["coming"]["id"]) == [
        {"took_part_before": True, "earlier_event_id": w["earlier"]["id"]}
    ]


async def test_erased_firms_are_left_out_and_an_erasure_takes_the_invitation(
    inviting_matcher, registry, organiser_token, db, make_org
):
    w = await world(registry, organiser_token, db, make_org)
    event_id = w["coming"]["id"]
    # Erased in the matcher before the registry's list shows it: still left out.
    await db.execute(
        "INSERT INTO matcher.erased_organisations (organisation_id, erased_at) VALUES ($1, now())", w["firms"]["el"]
    )
    outcome = await (await invite(inviting_matcher, organiser_token, event_id, {"cpv_division": "45"})).json()
    assert (outcome["queued"], outcome["left_out"]["erased"]) == (1, 1)
    assert [m["destination"] for m in await outbox(db, event_id)] == ["bo@bygg.se"]

    async with db.transaction():
        result = await apply_erasure(db, w["firms"]["bygg"], dt.datetime.now(dt.UTC))
    assert result.dropped_messages == 1
    assert await outbox(db, event_id) == []
    assert await db.fetchval("SELECT count(*) FROM matcher.invitations WHERE event_id = $1", event_id) == 0


async def test_closed_sign_up_and_bad_criteria_are_refused(
    inviting_matcher, registry, organiser_token, db, make_org, clock
):
    w = await world(registry, organiser_token, db, make_org)
    # The earlier event is long past (and a draft): refused.
    response = await invite(inviting_matcher, organiser_token, w["earlier"]["id"], {"municipality": "2085"})
    assert response.status == 409 and response.content_type == PROBLEM
    assert (await response.json())["type"].endswith("signup-closed")
    # The coming event after its deadline: refused too, and nothing queued.
    clock.set(dt.datetime(NEXT_YEAR, 10, 2, 8, 0, tzinfo=dt.UTC))
    response = await invite(inviting_matcher, organiser_token, w["coming"]["id"], {"municipality": "2085"})
    assert response.status == 409
    assert await outbox(db, w["coming"]["id"]) == []
    clock.set(dt.datetime(NEXT_YEAR, 9, 1, 8, 0, tzinfo=dt.UTC))
    response = await invite(inviting_matcher, organiser_token, w["coming"]["id"], {})
    assert response.status == 422
    response = await invite(
        inviting_matcher,
        organiser_token,
        w["coming"]["id"],
        {"municipality": "99", "cpv_division": "00", "took_part_before": "maybe"},
    )
    assert response.status == 422
    assert {e["pointer"] for e in (await response.json())["errors"]} == {
        "/municipality",
        "/cpv_division",
        "/took_part_before",
    }
    unknown = "7d2c0c1e-3f43-4a36-9e8a-1b2d6f0f4b11"
    assert (await invite(inviting_matcher, organiser_token, unknown, {"municipality": "2085"})).status == 404


async def test_an_invitation_is_delivered_by_smtp(
    inviting_matcher,
    registry,
    organiser_token,
    db,
    make_org,
    db_url,
    service_token,
    inbox,  # noqa: F811
    pool,  # noqa: F811
):
    """The queued e-mail goes out through the real deliverer to a real SMTP server, and the list says so."""
    w = await world(registry, organiser_token, db, make_org)
    event_id = w["coming"]["id"]
    assert (await (await invite(inviting_matcher, organiser_token, event_id, {"took_part_before": True})).json())[
        "queued"
    ] == 1
    handler, smtp_port = inbox
    settings = MatcherSettings(database_url=db_url, smtp_host="127.0.0.1", smtp_port=smtp_port, log_format="text")
    async with aiohttp.ClientSession() as session:
        registry_client = RegistryClient(session, str(registry.make_url("/")), service_token)
        assert await deliver_all(pool, settings, session, delivery_gate(pool, settings, lambda: registry_client)) == 1
    [(recipients, message)] = handler.messages
    text = message_text(message)
    assert recipients == ["bo@bygg.se"] and "Inbjudan: Affärsträff Ludvika" in text
    assert f"{WEB}/foretag/evenemang/{event_id}/anmalan" in text and "ni deltog i Affärsträff Falun 2025" in text
    listed = await (
        await inviting_matcher.get(f"/events/{event_id}/invitations", headers=bearer(organiser_token))
    ).json()
    assert listed["items"][0]["delivered_at"] is not None


async def test_a_segment_of_several_pages_is_invited_whole(inviting_matcher, registry, organiser_token, db, make_org):
    """More firms than one page of the registry's segment (200): every one is read and invited once."""
    w = await world(registry, organiser_token, db, make_org)
    await db.execute(
        "INSERT INTO registry.organisations (kind, name, municipality_code, cpv_codes)"
        " SELECT 'sme', 'Mora firma ' || g, '2062', '{45210000}' FROM generate_series(1, 230) AS g"
    )
    await db.execute(
        "INSERT INTO registry.contacts (organisation_id, position, name, email)"
        " SELECT id, 0, 'Kontakt', 'k-' || id || '@mora.se' FROM registry.organisations"
        " WHERE municipality_code = '2062'"
    )
    first = await db.fetchval("SELECT id FROM registry.organisations WHERE name = 'Mora firma 1'")
    await sign_up(db, w["coming"]["id"], first)
    outcome = await (
        await invite(inviting_matcher, organiser_token, w["coming"]["id"], {"municipality": "2062"})
    ).json()
    assert (outcome["matched"], outcome["queued"], outcome["left_out"]["signed_up"]) == (230, 229, 1)
    assert len({m["destination"] for m in await outbox(db, w["coming"]["id"])}) == 229
