"""Registrations through the real registry app on real PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest

from shared.auth import Role
from tests.conftest import bearer
from tests.test_events import NEXT_YEAR, create_event, move_to, pointers

NO_SUCH_NEED = "00000000-0000-0000-0000-000000000000"
PAST_DEADLINE = f"{NEXT_YEAR - 2}-01-01T12:00:00+00:00"


async def add_need(db, buyer_id, status: str = "planned", title: str = "Snöröjning") -> str:
    need_id = await db.fetchval(
        "INSERT INTO registry.needs (buyer_id, title, cpv_main, status) VALUES ($1, $2, '90620000', $3) RETURNING id",
        buyer_id,
        title,
        status,
    )
    return str(need_id)


@pytest.fixture
async def world(registry, organiser_token, make_org, make_token, db):
    """An open event (six slots, ten tables), two SMEs and two buyers with tokens, and some needs."""
    event = await create_event(registry, organiser_token)
    await move_to(registry, organiser_token, event["id"], "open")
    sme, other_sme = await make_org("sme", name="Falu Städ AB"), await make_org("sme", name="Mora Bygg AB")
    buyer, other_buyer = await make_org("buyer", name="Falu kommun"), await make_org("buyer", name="Region Dalarna")
    return {
        "event": event,
        "url": f"/events/{event['id']}/registrations",
        "sme": sme,
        "other_sme": other_sme,
        "buyer": buyer,
        "other_buyer": other_buyer,
        "sme_token": await make_token(Role.SME, sme),
        "other_sme_token": await make_token(Role.SME, other_sme),
        "buyer_token": await make_token(Role.BUYER, buyer),
        "other_buyer_token": await make_token(Role.BUYER, other_buyer),
        "need": await add_need(db, buyer),
        "other_need": await add_need(db, other_buyer, title="Skolskjuts"),
        "planning_need": await add_need(db, other_buyer, status="planning", title="Hemligt"),
        "cancelled_need": await add_need(db, buyer, status="cancelled"),
    }


async def sign_up(registry, world, token_name: str, body: dict, expect: int = 201) -> dict:
    response = await registry.post(world["url"], json=body, headers=bearer(world[token_name]))
    assert response.status == expect, await response.text()
    return await response.json()


async def test_sme_signs_up_with_ranked_needs(registry, world, db):
    body = {
        "available_slots": [3, 0, 3],
        "wanted_needs": [world["other_need"], world["need"]],
        "languages": ["sv", "en"],
        "note": "Vi har elbilar",
    }
    response = await registry.post(
        world["url"], json=body, headers={**bearer(world["sme_token"]), "Idempotency-Key": "signup-1"}
    )
    assert response.status == 201
    registration = await response.json()
    assert response.headers["Location"] == f"/registrations/{registration['id']}"
    assert registration["kind"] == "sme" and registration["organisation_id"] == str(world["sme"])
    assert registration["available_slots"] == [0, 3]
    assert registration["wanted_needs"] == [world["other_need"], world["need"]]
    assert registration["max_meetings"] == 3  # the event's default
    assert registration["organisation_name"] == "Falu Städ AB"

    replay = await registry.post(
        world["url"], json=body, headers={**bearer(world["sme_token"]), "Idempotency-Key": "signup-1"}
    )
    assert replay.status == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert (await replay.json())["id"] == registration["id"]
    assert await db.fetchval("SELECT count(*) FROM registry.registrations") == 1
    ranks = await db.fetch("SELECT need_id::text, rank FROM registry.registration_needs ORDER BY rank")
    assert [(r["need_id"], r["rank"]) for r in ranks] == [(world["other_need"], 1), (world["need"], 2)]
    assert await db.fetchval("SELECT count(*) FROM registry.audit_log WHERE action = 'registration.create'") == 1

    event = await (await registry.get(f"/events/{world['event']['id']}", headers=bearer(world["sme_token"]))).json()
    assert event["sme_registrations"] == 1 and event["buyer_registrations"] == 0


async def test_buyer_signs_up_with_tables_and_representatives(registry, world):
    registration = await sign_up(
        registry,
        world,
        "buyer_token",
        {
            "tables": 2,
            "representatives": [{"name": "Anna Andersson", "title": "Upphandlare"}],
            "brought_needs": [world["need"], world["need"]],
            "wanted_smes": [str(world["other_sme"]), str(world["sme"])],
        },
    )
    assert registration["kind"] == "buyer" and registration["tables"] == 2
    # The buyer's order is its ranking, kept as sent (not sorted by id).
    assert registration["wanted_smes"] == [str(world["other_sme"]), str(world["sme"])]
    reversed_order = await registry.patch(
        f"/registrations/{registration['id']}",
        json={"wanted_smes": [str(world["sme"]), str(world["other_sme"])]},
        headers={**bearer(world["buyer_token"]), "If-Match": f'"{registration["version"]}"'},
    )
    assert reversed_order.status == 200, await reversed_order.text()
    assert (await reversed_order.json())["wanted_smes"] == [str(world["sme"]), str(world["other_sme"])]
    registration = await reversed_order.json()
    assert registration["max_meetings"] is None and registration["available_slots"] is None
    assert registration["brought_needs"] == [world["need"]]
    assert registration["representatives"][0]["name"] == "Anna Andersson"


async def test_ownership_and_roles(registry, world, organiser_token, service_token):
    response = await registry.post(
        world["url"], json={"organisation_id": str(world["other_sme"])}, headers=bearer(world["sme_token"])
    )
    assert response.status == 403
    assert (await registry.post(world["url"], json={}, headers=bearer(service_token))).status == 403
    assert (await registry.post(world["url"], json={})).status == 401
    # Organisers sign up anyone, and must say whom.
    missing = await registry.post(world["url"], json={}, headers=bearer(organiser_token))
    assert missing.status == 422 and pointers(await missing.json()) == {"/organisation_id"}
    response = await registry.post(
        world["url"], json={"organisation_id": str(world["other_sme"])}, headers=bearer(organiser_token)
    )
    assert response.status == 201
    registration = await response.json()

    other = bearer(world["sme_token"])
    assert (await registry.get(f"/registrations/{registration['id']}", headers=other)).status == 403
    assert (await registry.patch(f"/registrations/{registration['id']}", json={}, headers=other)).status == 403
    cancel = await registry.post(f"/registrations/{registration['id']}/cancel", json={}, headers=other)
    assert cancel.status == 403
    for token in (world["other_sme_token"], organiser_token, service_token):
        response = await registry.get(f"/registrations/{registration['id']}", headers=bearer(token))
        assert response.status == 200 and response.headers["ETag"] == '"1"'
    missing = await registry.get("/registrations/00000000-0000-0000-0000-000000000000", headers=other)
    assert missing.status == 404


async def test_signup_window(registry, organiser_token, make_org, make_token, db):
    sme = await make_org("sme")
    token = await make_token(Role.SME, sme)
    late = await create_event(registry, organiser_token)
    await move_to(registry, organiser_token, late["id"], "open")
    # Its deadline passes while it is open (the API takes no deadline already passed).
    past = datetime.fromisoformat(PAST_DEADLINE)
    await db.execute("UPDATE registry.events SET signup_deadline = $2 WHERE id = $1", late["id"], past)
    response = await registry.post(f"/events/{late['id']}/registrations", json={}, headers=bearer(token))
    assert response.status == 409 and "deadline" in (await response.json())["detail"]

    event = await create_event(registry, organiser_token)
    url = f"/events/{event['id']}/registrations"
    assert (await registry.post(url, json={}, headers=bearer(token))).status == 404  # a draft is invisible
    await move_to(registry, organiser_token, event["id"], "open", "closed")
    response = await registry.post(url, json={}, headers=bearer(token))
    assert response.status == 409 and "closed" in (await response.json())["detail"]
    by_organiser = await registry.post(url, json={"organisation_id": str(sme)}, headers=bearer(organiser_token))
    assert by_organiser.status == 201
    await move_to(registry, organiser_token, event["id"], "scheduled")
    other = await make_org("sme")
    response = await registry.post(url, json={"organisation_id": str(other)}, headers=bearer(organiser_token))
    assert response.status == 409


async def test_duplicate_is_409_and_cancelled_one_is_reactivated(registry, world, db):
    first = await sign_up(registry, world, "sme_token", {"available_slots": [1]})
    again = await registry.post(world["url"], json={}, headers=bearer(world["sme_token"]))
    assert again.status == 409
    problem = await again.json()
    assert problem["registration_id"] == first["id"] and pointers(problem) == {"/organisation_id"}

    cancelled = await registry.post(
        f"/registrations/{first['id']}/cancel", json={"reason": "sjuk"}, headers=bearer(world["sme_token"])
    )
    assert (await cancelled.json())["status"] == "cancelled"
    revived = await sign_up(registry, world, "sme_token", {"wanted_needs": [world["need"]]}, expect=200)
    assert revived["id"] == first["id"] and revived["status"] == "active"
    assert revived["available_slots"] is None and revived["wanted_needs"] == [world["need"]]
    assert revived["cancelled_at"] is None and revived["version"] == 3
    assert await db.fetchval("SELECT count(*) FROM registry.registrations") == 1


@pytest.mark.parametrize(
    ("token_name", "body", "expected"),
    [
        (
            "sme_token",
            {"available_slots": [0, 6, 99]},
            {("/available_slots/1", "unknown_slot"), ("/available_slots/2", "unknown_slot")},
        ),
        ("sme_token", {"max_meetings": 7}, {("/max_meetings", "above_event_max")}),
        ("sme_token", {"wanted_needs": ["planning_need"]}, {("/wanted_needs/0", "unknown_need")}),
        ("sme_token", {"wanted_needs": ["need", "cancelled_need"]}, {("/wanted_needs/1", "need_cancelled")}),
        ("sme_token", {"wanted_needs": [NO_SUCH_NEED]}, {("/wanted_needs/0", "unknown_need")}),
        ("sme_token", {"wanted_needs": ["need", "need"]}, {("/wanted_needs", "value_error")}),
        (
            "sme_token",
            {"tables": 1, "representatives": []},
            {("/tables", "not_for_kind"), ("/representatives", "not_for_kind")},
        ),
        (
            "buyer_token",
            {"max_meetings": 2, "wanted_needs": []},
            {("/max_meetings", "not_for_kind"), ("/wanted_needs", "not_for_kind")},
        ),
        ("buyer_token", {"brought_needs": ["other_need"]}, {("/brought_needs/0", "not_own_need")}),
        ("buyer_token", {"tables": 11}, {("/tables", "above_event_tables")}),
        ("buyer_token", {"wanted_smes": ["other_buyer"]}, {("/wanted_smes/0", "unknown_sme")}),
        ("buyer_token", {"representatives": [{"title": "x"}]}, {("/representatives/0/name", "missing")}),
    ],
)
async def test_invalid_signups_are_422_with_pointers(registry, world, db, token_name, body, expected):
    # Names of fixtures in id lists stand for their ids.
    resolved = {
        key: [str(world[item]) if isinstance(item, str) and item in world else item for item in value]
        if isinstance(value, list)
        else value
        for key, value in body.items()
    }
    response = await registry.post(world["url"], json=resolved, headers=bearer(world[token_name]))
    assert response.status == 422, await response.text()
    problem = await response.json()
    assert {(e["pointer"], e["code"]) for e in problem["errors"]} == expected
    assert await db.fetchval("SELECT count(*) FROM registry.registrations") == 0


async def test_organisers_see_planning_need_precisely(registry, world, organiser_token):
    body = {"organisation_id": str(world["sme"]), "wanted_needs": [world["planning_need"]]}
    response = await registry.post(world["url"], json=body, headers=bearer(organiser_token))
    assert response.status == 422
    assert (await response.json())["errors"][0]["code"] == "need_in_planning"


async def test_update_with_if_match_and_window(registry, world, organiser_token, db):
    registration = await sign_up(
        registry, world, "sme_token", {"available_slots": [0, 1], "wanted_needs": [world["need"]]}
    )
    url = f"/registrations/{registration['id']}"
    own = bearer(world["sme_token"])
    response = await registry.patch(
        url, json={"wanted_needs": [world["other_need"]], "max_meetings": 5}, headers={**own, "If-Match": '"1"'}
    )
    assert response.status == 200
    updated = await response.json()
    assert updated["wanted_needs"] == [world["other_need"]] and updated["max_meetings"] == 5
    assert updated["available_slots"] == [0, 1] and updated["version"] == 2
    stale = await registry.patch(url, json={"note": "x"}, headers={**own, "If-Match": '"1"'})
    assert stale.status == 412
    invalid = await registry.patch(url, json={"available_slots": [42], "tables": 1}, headers=own)
    assert invalid.status == 422 and pointers(await invalid.json()) == {"/tables"}
    invalid = await registry.patch(url, json={"available_slots": [42]}, headers=own)
    assert invalid.status == 422 and pointers(await invalid.json()) == {"/available_slots/0"}
    all_day = await registry.patch(url, json={"available_slots": None}, headers=own)
    assert (await all_day.json())["available_slots"] is None

    await move_to(registry, organiser_token, world["event"]["id"], "closed")
    assert (await registry.patch(url, json={"note": "sent"}, headers=own)).status == 409
    by_organiser = await registry.patch(url, json={"note": "ringde"}, headers=bearer(organiser_token))
    assert by_organiser.status == 200 and (await by_organiser.json())["note"] == "ringde"


async def test_cancel_before_and_after_publication(registry, world, organiser_token, db):
    early = await sign_up(registry, world, "sme_token", {})
    late = await sign_up(registry, world, "other_sme_token", {})
    response = await registry.post(
        f"/registrations/{early['id']}/cancel", json={"reason": "Sjuk"}, headers=bearer(world["sme_token"])
    )
    assert response.status == 200
    cancelled = await response.json()
    assert cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "Sjuk"
    assert cancelled["cancelled_after_publication"] is False and cancelled["cancelled_at"]

    await move_to(registry, organiser_token, world["event"]["id"], "closed", "scheduled", "published")
    response = await registry.post(
        f"/registrations/{late['id']}/cancel", json={"reason": "Krock"}, headers=bearer(world["other_sme_token"])
    )
    assert (await response.json())["cancelled_after_publication"] is True
    again = await registry.post(f"/registrations/{late['id']}/cancel", json={}, headers=bearer(organiser_token))
    assert again.status == 200 and (await again.json())["version"] == 2
    assert await db.fetchval("SELECT count(*) FROM registry.audit_log WHERE action = 'registration.cancel'") == 2
    event = await (await registry.get(f"/events/{world['event']['id']}", headers=bearer(organiser_token))).json()
    assert event["sme_registrations"] == 0


async def test_visibility_of_others_registrations(registry, world, organiser_token, service_token, db):
    await sign_up(registry, world, "sme_token", {"wanted_needs": [world["need"]], "note": "privat"})
    await sign_up(registry, world, "other_sme_token", {})
    buyer_body = {"representatives": [{"name": "Anna Andersson"}], "brought_needs": [world["need"]]}
    await sign_up(registry, world, "buyer_token", buyer_body)
    hidden = await add_need(db, world["other_buyer"], status="planning", title="Ej publicerat")
    await sign_up(registry, world, "other_buyer_token", {"brought_needs": [hidden, world["other_need"]]})

    listing = await (await registry.get(world["url"], headers=bearer(world["sme_token"]))).json()
    assert [item["organisation_id"] for item in listing["items"]] == [str(world["sme"])]
    buyers = {b["name"]: b for b in listing["attending_buyers"]}
    assert set(buyers) == {"Falu kommun", "Region Dalarna"}
    assert buyers["Region Dalarna"]["brought_needs"] == [{"id": world["other_need"], "title": "Skolskjuts"}]
    text = await (await registry.get(world["url"], headers=bearer(world["sme_token"]))).text()
    assert "Anna Andersson" not in text and "Mora Bygg" not in text

    for token in (organiser_token, service_token):
        everything = await (await registry.get(world["url"], headers=bearer(token))).json()
        assert len(everything["items"]) == 4 and everything["attending_buyers"] is None
    paged = await registry.get(world["url"], params={"limit": "3", "kind": "sme"}, headers=bearer(organiser_token))
    page = await paged.json()
    assert [item["organisation_name"] for item in page["items"]] == ["Falu Städ AB", "Mora Bygg AB"]
    first = await (await registry.get(world["url"], params={"limit": "3"}, headers=bearer(organiser_token))).json()
    rest = await (
        await registry.get(
            world["url"], params={"limit": "3", "cursor": first["next_cursor"]}, headers=bearer(organiser_token)
        )
    ).json()
    assert len(first["items"]) == 3 and len(rest["items"]) == 1 and rest["next_cursor"] is None


async def test_list_on_a_draft_is_404_for_participants(registry, organiser_token, make_org, make_token):
    event = await create_event(registry, organiser_token)
    token = await make_token(Role.SME, await make_org("sme"))
    assert (await registry.get(f"/events/{event['id']}/registrations", headers=bearer(token))).status == 404
    assert (await registry.get(f"/events/{event['id']}/registrations", headers=bearer(organiser_token))).status == 200
