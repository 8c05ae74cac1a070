"""Organiser pair rules (must meet / never) on the real app and real PostgreSQL."""

from __future__ import annotations

import uuid

from shared.auth import Role
from tests.conftest import bearer
from tests.test_snapshot import insert_event

PROBLEM = "application/problem+json"


def rule_path(event_id, sme_id, buyer_id) -> str:
    return f"/events/{event_id}/pair-rules/{sme_id}/{buyer_id}"


async def stored_rules(db) -> list:
    return await db.fetch("SELECT event_id, sme_id, buyer_id, rule, reason FROM registry.pair_rules")


async def audit_entries(db) -> list:
    return await db.fetch("SELECT action, entity, entity_id, event_id, changes FROM registry.audit_log ORDER BY id")


async def test_organiser_creates_replaces_lists_and_deletes_a_rule(registry, db, make_org, make_token, organiser_token):
    event_id = await insert_event(db)
    sme, buyer = await make_org("sme"), await make_org("buyer")
    path = rule_path(event_id, sme, buyer)

    response = await registry.put(
        path, json={"rule": "never", "reason": "Jäv: styrelseledamot"}, headers=bearer(organiser_token)
    )
    assert response.status == 201
    body = await response.json()
    assert (body["event_id"], body["sme_id"], body["buyer_id"]) == (str(event_id), str(sme), str(buyer))
    assert (body["rule"], body["reason"]) == ("never", "Jäv: styrelseledamot")
    assert body["created_by"] is not None

    response = await registry.put(path, json={"rule": "must_meet"}, headers=bearer(organiser_token))
    assert response.status == 200
    assert (await response.json())["rule"] == "must_meet"
    assert [tuple(row) for row in await stored_rules(db)] == [(event_id, sme, buyer, "must_meet", "")]

    for token in (organiser_token, await make_token(Role.SERVICE)):
        response = await registry.get(f"/events/{event_id}/pair-rules", headers=bearer(token))
        assert response.status == 200
        items = (await response.json())["items"]
        assert [(item["sme_id"], item["buyer_id"], item["rule"]) for item in items] == [
            (str(sme), str(buyer), "must_meet")
        ]

    response = await registry.delete(path, headers=bearer(organiser_token))
    assert response.status == 204
    assert await stored_rules(db) == []
    response = await registry.delete(path, headers=bearer(organiser_token))
    assert response.status == 404
    assert response.content_type == PROBLEM

    entries = await audit_entries(db)
    assert [entry["action"] for entry in entries] == ["pair_rule.create", "pair_rule.replace", "pair_rule.delete"]
    assert {entry["event_id"] for entry in entries} == {event_id}
    assert {entry["entity"] for entry in entries} == {"pair_rule"}
    assert entries[0]["entity_id"] == f"{sme}/{buyer}"
    assert '"never"' in entries[0]["changes"]


async def test_rule_shows_up_in_the_snapshot(registry, db, make_org, organiser_token):
    event_id = await insert_event(db)
    sme, buyer = await make_org("sme"), await make_org("buyer")
    before = (await registry.get(f"/events/{event_id}/snapshot", headers=bearer(organiser_token))).headers["ETag"]
    await registry.put(rule_path(event_id, sme, buyer), json={"rule": "must_meet"}, headers=bearer(organiser_token))
    response = await registry.get(f"/events/{event_id}/snapshot", headers=bearer(organiser_token))
    assert response.headers["ETag"] != before
    assert (await response.json())["pair_rules"] == [
        {"sme_id": str(sme), "buyer_id": str(buyer), "rule": "must_meet", "reason": ""}
    ]


async def test_wrong_kinds_are_422_naming_the_parameter(registry, db, make_org, organiser_token):
    event_id = await insert_event(db)
    sme, buyer = await make_org("sme"), await make_org("buyer")
    cases = [
        ((buyer, buyer), {("sme_id", "wrong_kind")}),
        ((sme, sme), {("buyer_id", "wrong_kind")}),
        ((buyer, sme), {("sme_id", "wrong_kind"), ("buyer_id", "wrong_kind")}),
        ((uuid.uuid4(), buyer), {("sme_id", "unknown_organisation")}),
        (("not-a-uuid", buyer), {("sme_id", "uuid_parsing")}),
    ]
    for (sme_id, buyer_id), expected in cases:
        response = await registry.put(
            rule_path(event_id, sme_id, buyer_id), json={"rule": "never"}, headers=bearer(organiser_token)
        )
        assert response.status == 422, (sme_id, buyer_id)
        assert response.content_type == PROBLEM
        errors = (await response.json())["errors"]
        assert {(error["parameter"], error["code"]) for error in errors} == expected
    assert await stored_rules(db) == []
    assert await audit_entries(db) == []


async def test_invalid_body_is_422_with_pointers(registry, db, make_org, organiser_token):
    event_id = await insert_event(db)
    path = rule_path(event_id, await make_org("sme"), await make_org("buyer"))
    response = await registry.put(path, json={"rule": "maybe", "reason": "x" * 1001}, headers=bearer(organiser_token))
    assert response.status == 422
    pointers = {error["pointer"] for error in (await response.json())["errors"]}
    assert pointers == {"/rule", "/reason"}
    response = await registry.put(path, json={"rule": "never", "extra": 1}, headers=bearer(organiser_token))
    assert response.status == 422
    assert await stored_rules(db) == []


async def test_unknown_event_is_404(registry, make_org, organiser_token):
    sme, buyer = await make_org("sme"), await make_org("buyer")
    for event_id in (uuid.uuid4(), "nope"):
        response = await registry.put(
            rule_path(event_id, sme, buyer), json={"rule": "never"}, headers=bearer(organiser_token)
        )
        assert response.status == 404
        assert response.content_type == PROBLEM
        response = await registry.get(f"/events/{event_id}/pair-rules", headers=bearer(organiser_token))
        assert response.status == 404
        response = await registry.delete(rule_path(event_id, sme, buyer), headers=bearer(organiser_token))
        assert response.status == 404


async def test_only_organisers_change_rules_and_sme_buyer_cannot_read(registry, db, make_org, make_token):
    event_id = await insert_event(db)
    sme, buyer = await make_org("sme"), await make_org("buyer")
    path = rule_path(event_id, sme, buyer)
    for token in (
        await make_token(Role.SME, sme),
        await make_token(Role.BUYER, buyer),
        await make_token(Role.SERVICE),
    ):
        response = await registry.put(path, json={"rule": "never"}, headers=bearer(token))
        assert response.status == 403
        assert response.content_type == PROBLEM
        response = await registry.delete(path, headers=bearer(token))
        assert response.status == 403
    for token in (await make_token(Role.SME, sme), await make_token(Role.BUYER, buyer)):
        response = await registry.get(f"/events/{event_id}/pair-rules", headers=bearer(token))
        assert response.status == 403
    assert (await registry.put(path, json={"rule": "never"})).status == 401
    assert (await registry.get(f"/events/{event_id}/pair-rules")).status == 401
    assert await stored_rules(db) == []
    assert await audit_entries(db) == []


async def test_routes_are_in_the_openapi_document(registry):
    document = await (await registry.get("/openapi.json")).json()
    put = document["paths"]["/events/{event_id}/pair-rules/{sme_id}/{buyer_id}"]["put"]
    assert put["x-roles"] == ["organiser", "supporter"]  # a supporter only with an 'edit' grant
    assert {"200", "201", "403", "404", "422"} <= set(put["responses"])
    snapshot = document["paths"]["/events/{event_id}/snapshot"]["get"]
    assert snapshot["x-roles"] == ["service", "supporter"]  # a supporter only with a grant
    assert "304" in snapshot["responses"]
    assert "EventSnapshot" in document["components"]["schemas"]
