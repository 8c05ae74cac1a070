"""GDPR erasure and export, and the audit log's routes, through the real registry app on real PostgreSQL."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from shared.auth import Role
from tests.conftest import bearer

CONTACTS = [{"name": "Anna Berg", "email": "anna@falustad.se", "phone": "0701234567"}]


async def insert_event(db, status: str) -> uuid.UUID:
    return await db.fetchval(
        """
        INSERT INTO registry.events (name, event_date, municipality_code, day_start, day_end, meeting_minutes,
                                     tables, signup_deadline, status)
        VALUES ('Affärsträff Falun', '2030-03-12', '2080', '09:00', '12:00', 20, 10, now(), $1)
        RETURNING id
        """,
        status,
    )


async def register(db, event_id: uuid.UUID, organisation_id: uuid.UUID, kind: str, **columns: object) -> uuid.UUID:
    names = ", ".join(["event_id", "organisation_id", "kind", *columns])
    values = [event_id, organisation_id, kind, *columns.values()]
    placeholders = ", ".join(f"${i}" for i in range(1, len(values) + 1))
    return await db.fetchval(
        f"INSERT INTO registry.registrations ({names}) VALUES ({placeholders}) RETURNING id",  # noqa: S608
        *values,
    )


async def insert_need(db, buyer_id: uuid.UUID) -> uuid.UUID:
    return await db.fetchval(
        """
        INSERT INTO registry.needs (buyer_id, title, cpv_main, contact)
        VALUES ($1, 'Snöröjning 2031', '90620000', '{"name": "Bo Ek", "email": "bo@falun.se"}')
        RETURNING id
        """,
        buyer_id,
    )


async def create_org(registry, organiser_token: str, **overrides: object) -> dict:
    body = {
        "kind": "sme",
        "orgnr": "556016-0680",
        "name": "Falu Städ AB",
        "municipality_code": "2080",
        "cpv_codes": ["90910000"],
        "contacts": CONTACTS,
        **overrides,
    }
    response = await registry.post("/organisations", json=body, headers=bearer(organiser_token))
    assert response.status == 201, await response.text()
    return await response.json()


# --- erasure -------------------------------------------------------------------------------------------


async def test_erasure_of_unreferenced_organisation_deletes_it(registry, db, organiser_token):
    created = await registry.post(
        "/organisations",
        json={"kind": "sme", "orgnr": "556016-0680", "name": "Falu Städ AB", "municipality_code": "2080",
              "cpv_codes": ["90910000"], "contacts": CONTACTS},
    )  # fmt: skip
    body = await created.json()
    token = body["token"]
    url = f"/organisations/{body['id']}"
    response = await registry.delete(url, headers=bearer(token))
    assert response.status == 204
    assert await db.fetchval("SELECT count(*) FROM registry.organisations") == 0
    assert await db.fetchval("SELECT count(*) FROM registry.contacts") == 0
    assert (await registry.get("/auth/whoami", headers=bearer(token))).status == 401
    assert (await registry.get(url, headers=bearer(organiser_token))).status == 404
    entry = await db.fetchrow("SELECT * FROM registry.audit_log WHERE action = 'organisation.deleted'")
    assert entry["entity_id"] == body["id"] and "anna" not in entry["changes"].lower()


async def test_erasure_of_scheduled_organisation_keeps_an_anonymised_row(
    registry, db, organiser_token, make_token, make_org
):
    sme = await create_org(registry, organiser_token)
    sme_id = uuid.UUID(sme["id"])
    token = await make_token(Role.SME, sme_id)
    event = await insert_event(db, "published")
    await register(db, event, sme_id, "sme", note="Ring Anna på 070-1234567")
    url = f"/organisations/{sme_id}"

    stale = await registry.delete(url, headers={**bearer(token), "If-Match": '"7"'})
    assert stale.status == 412
    other = await make_token(Role.SME, await make_org("sme"))
    assert (await registry.delete(url, headers=bearer(other))).status == 403
    assert (await registry.delete(url, headers={**bearer(token), "If-Match": '"1"'})).status == 204

    row = await db.fetchrow("SELECT * FROM registry.organisations WHERE id = $1", sme_id)
    assert row["name"] == "Borttagen organisation" and row["orgnr"] is None and row["erased_at"] is not None
    assert row["description"] == "" and row["keywords"] == [] and row["website"] is None
    assert await db.fetchval("SELECT count(*) FROM registry.contacts") == 0
    assert await db.fetchval("SELECT note FROM registry.registrations WHERE organisation_id = $1", sme_id) == ""
    assert (await registry.get("/auth/whoami", headers=bearer(token))).status == 401
    seen = await registry.get(url, headers=bearer(organiser_token))
    assert (await seen.json())["erased"] is True and (await seen.json())["contacts"] == []
    listed = await registry.get("/organisations", headers=bearer(organiser_token))
    assert sme["id"] not in [item["id"] for item in (await listed.json())["items"]]
    patch = await registry.patch(url, json={"name": "Tillbaka"}, headers=bearer(organiser_token))
    assert patch.status == 409
    assert (await registry.delete(url, headers=bearer(organiser_token))).status == 204  # already erased
    assert await db.fetchval("SELECT count(*) FROM registry.audit_log WHERE action = 'organisation.anonymised'") == 1


async def test_erasure_of_buyer_with_ranked_needs_erases_need_contacts_and_representatives(
    registry, db, organiser_token, make_org
):
    buyer = uuid.UUID((await create_org(registry, organiser_token, kind="buyer", cpv_codes=[]))["id"])
    need = await insert_need(db, buyer)
    event = await insert_event(db, "open")
    await register(db, event, buyer, "buyer", representatives='[{"name": "Bo Ek"}]', tables=1)
    sme_registration = await register(db, event, await make_org("sme"), "sme")
    await db.execute(
        "INSERT INTO registry.registration_needs (registration_id, need_id, rank) VALUES ($1, $2, 1)",
        sme_registration,
        need,
    )
    account = await registry.post(
        "/auth/accounts",
        json={
            "email": "bo.ek@falun.se",
            "password": "ett långt lösenord",
            "role": "buyer",
            "organisation_id": str(buyer),
        },
        headers=bearer(organiser_token),
    )
    assert account.status == 201
    response = await registry.delete(f"/organisations/{buyer}", headers=bearer(organiser_token))
    assert response.status == 204
    assert await db.fetchval("SELECT erased_at IS NOT NULL FROM registry.organisations WHERE id = $1", buyer)
    assert await db.fetchval("SELECT contact FROM registry.needs WHERE id = $1", need) is None
    # The person's account (e-mail, name) goes too, not only their ability to sign in.
    assert await db.fetchval("SELECT count(*) FROM registry.accounts WHERE organisation_id = $1", buyer) == 0
    representatives = await db.fetchval(
        "SELECT representatives FROM registry.registrations WHERE organisation_id = $1", buyer
    )
    assert json.loads(representatives) == []
    assert await db.fetchval("SELECT count(*) FROM registry.registration_needs") == 1


async def test_service_and_anonymous_cannot_erase(registry, make_org, service_token):
    org = await make_org("sme")
    assert (await registry.delete(f"/organisations/{org}")).status == 401
    assert (await registry.delete(f"/organisations/{org}", headers=bearer(service_token))).status == 403


# --- export ------------------------------------------------------------------------------------------------


async def test_export_holds_everything_about_the_organisation(
    registry, matcher, db, organiser_token, make_token, make_org
):
    buyer = await create_org(registry, organiser_token, kind="buyer", cpv_codes=[], orgnr="212000-2080")
    buyer_id = uuid.UUID(buyer["id"])
    token = await make_token(Role.BUYER, buyer_id, label="Falu kommun, Bo")
    need = await insert_need(db, buyer_id)
    event = await insert_event(db, "open")
    sme = await make_org("sme")
    registration = await register(db, event, buyer_id, "buyer", representatives='[{"name": "Bo Ek"}]', tables=2)
    await db.execute("INSERT INTO registry.registration_needs VALUES ($1, $2, NULL)", registration, need)
    await db.execute("INSERT INTO registry.registration_wishes VALUES ($1, $2)", registration, sme)
    await db.execute(
        "INSERT INTO registry.pair_rules (event_id, sme_id, buyer_id, rule) VALUES ($1, $2, $3, 'never')",
        event,
        sme,
        buyer_id,
    )
    await registry.patch(f"/organisations/{buyer_id}", json={"website": "https://falun.se"}, headers=bearer(token))
    await registry.post(
        "/auth/accounts",
        json={
            "email": "bo@falun.se",
            "password": "ett långt lösenord",
            "role": "buyer",
            "organisation_id": str(buyer_id),
        },
        headers=bearer(organiser_token),
    )

    response = await registry.get(f"/organisations/{buyer_id}/export", headers=bearer(token))
    assert response.status == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=") and disposition.endswith('.json"')
    document = await response.json()
    assert document["organisation"]["contacts"][0]["email"] == "anna@falustad.se"
    assert document["needs"][0]["id"] == str(need) and document["needs"][0]["contact"]["name"] == "Bo Ek"
    exported_registration = document["registrations"][0]
    assert exported_registration["representatives"] == [{"name": "Bo Ek"}]
    assert exported_registration["needs"] == [{"need_id": str(need), "rank": None}]
    assert exported_registration["wishes"] == [str(sme)]
    assert document["pair_rules"][0]["rule"] == "never"
    assert [entry["action"] for entry in document["audit_entries"]] == [
        "organisation.created",
        "organisation.updated",
        "account.created",
    ]
    assert [t["label"] for t in document["tokens"]] == ["Falu kommun, Bo"]
    assert [(a["email"], a["role"]) for a in document["accounts"]] == [("bo@falun.se", "buyer")]
    assert "token_hash" not in json.dumps(document) and "password" not in json.dumps(document)

    other = await make_token(Role.SME, sme)
    assert (await registry.get(f"/organisations/{buyer_id}/export", headers=bearer(other))).status == 403
    assert (await registry.get(f"/organisations/{buyer_id}/export", headers=bearer(organiser_token))).status == 200
    missing = await registry.get(f"/organisations/{uuid.uuid4()}/export", headers=bearer(organiser_token))
    assert missing.status == 404


# --- audit routes --------------------------------------------------------------------------------------------


async def test_audit_log_is_for_organisers_and_filters(registry, organiser_token, make_token, service_token):
    first = await create_org(registry, organiser_token)
    second = await create_org(registry, organiser_token, orgnr="212000-2080", name="Andra AB")
    await registry.patch(f"/organisations/{first['id']}", json={"name": "Nytt"}, headers=bearer(organiser_token))
    token = await make_token(Role.SME, uuid.UUID(first["id"]))

    assert (await registry.get("/audit", headers=bearer(token))).status == 403
    assert (await registry.get("/audit", headers=bearer(service_token))).status == 403
    assert (await registry.get("/audit")).status == 401

    response = await registry.get("/audit", headers=bearer(organiser_token))
    actions = [(entry["action"], entry["entity_id"]) for entry in (await response.json())["items"]]
    assert actions == [
        ("organisation.updated", first["id"]),
        ("organisation.created", second["id"]),
        ("organisation.created", first["id"]),
    ]
    filtered = await registry.get(f"/audit?organisation_id={second['id']}", headers=bearer(organiser_token))
    assert [e["entity_id"] for e in (await filtered.json())["items"]] == [second["id"]]
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    later = await registry.get("/audit", params={"since": future}, headers=bearer(organiser_token))
    assert (await later.json())["items"] == []
    paged = await registry.get("/audit?limit=2&entity=organisation", headers=bearer(organiser_token))
    page = await paged.json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = await registry.get(f"/audit?limit=2&cursor={page['next_cursor']}", headers=bearer(organiser_token))
    assert [e["entity_id"] for e in (await rest.json())["items"]] == [first["id"]]
    bad = await registry.get("/audit?since=yesterday", headers=bearer(organiser_token))
    assert bad.status == 422

    own = await registry.get(f"/organisations/{first['id']}/audit", headers=bearer(token))
    assert [e["action"] for e in (await own.json())["items"]] == ["organisation.updated", "organisation.created"]
    foreign = await registry.get(f"/organisations/{second['id']}/audit", headers=bearer(token))
    assert foreign.status == 403


async def test_sole_trader_identity_is_not_copied_into_the_audit_log(registry, db, organiser_token):
    created = await create_org(registry, organiser_token, orgnr="880320-0016", name="Anna Bergs Städ")
    await registry.patch(
        f"/organisations/{created['id']}", json={"name": "Anna Berg Städ"}, headers=bearer(organiser_token)
    )
    logged = await db.fetchval("SELECT string_agg(changes::text, ' ') FROM registry.audit_log")
    assert "880320" not in logged and "Anna" not in logged


# --- the change feed and the export's matcher part ---------------------------------------------------------


async def test_the_change_feed_records_erasures_and_cancellations_after_publication(
    registry, db, organiser_token, service_token, make_token, make_org
):
    sme = await create_org(registry, organiser_token)
    sme_id = uuid.UUID(sme["id"])
    open_event, published_event = await insert_event(db, "open"), await insert_event(db, "published")
    early = await register(db, open_event, sme_id, "sme")
    late = await register(db, published_event, await make_org("sme"), "sme")
    for registration in (early, late):
        response = await registry.post(
            f"/registrations/{registration}/cancel", json={"reason": "sjuk"}, headers=bearer(organiser_token)
        )
        assert response.status == 200
    assert (await registry.delete(f"/organisations/{sme_id}", headers=bearer(organiser_token))).status == 204

    response = await registry.get("/changes", headers=bearer(service_token))
    assert response.status == 200
    feed = await response.json()
    # Only the cancellation after publication is news for the matcher; the erasure always is.
    assert [(c["kind"], c["event_id"]) for c in feed["items"]] == [
        ("registration.cancelled", str(published_event)),
        ("organisation.erased", None),
    ]
    assert feed["items"][1]["organisation_id"] == str(sme_id) and feed["last_id"] == feed["items"][1]["id"]
    assert "Falu" not in json.dumps(feed) and "anna" not in json.dumps(feed)
    after = await registry.get("/changes", params={"after": str(feed["items"][0]["id"])}, headers=bearer(service_token))
    assert [c["kind"] for c in (await after.json())["items"]] == ["organisation.erased"]
    rest = await registry.get("/changes", params={"after": str(feed["last_id"])}, headers=bearer(service_token))
    assert await rest.json() == {"items": [], "last_id": feed["last_id"]}
    bad = await registry.get("/changes", params={"after": "-1"}, headers=bearer(service_token))
    assert bad.status == 422 and (await bad.json())["errors"][0]["parameter"] == "after"
    sme_token = await make_token(Role.SME, await make_org("sme"))
    assert (await registry.get("/changes", headers=bearer(sme_token))).status == 403


async def test_an_erasure_rolled_back_leaves_no_feed_entry(registry, db, organiser_token):
    sme = await create_org(registry, organiser_token)
    stale = await registry.delete(f"/organisations/{sme['id']}", headers={**bearer(organiser_token), "If-Match": '"9"'})
    assert stale.status == 412
    assert await db.fetchval("SELECT count(*) FROM registry.changes") == 0


async def test_erasure_removes_the_organisation_from_stored_responses_and_audit_values(registry, db, organiser_token):
    created = await registry.post(
        "/organisations",
        json={"kind": "sme", "orgnr": "556016-0680", "name": "Falu Städ AB", "municipality_code": "2080",
              "cpv_codes": ["90910000"], "contacts": CONTACTS},
        headers={**bearer(organiser_token), "Idempotency-Key": "reg-1"},
    )  # fmt: skip
    org = (await created.json())["id"]
    event = await insert_event(db, "published")
    await register(db, event, uuid.UUID(org), "sme")
    assert (await registry.delete(f"/organisations/{org}", headers=bearer(organiser_token))).status == 204
    assert await db.fetchval("SELECT count(*) FROM registry.idempotency_keys") == 0
    logged = await db.fetchval("SELECT string_agg(changes::text, ' ') FROM registry.audit_log")
    assert "Falu Städ" not in logged and "556016" not in logged


async def test_the_export_is_refused_while_the_matcher_cannot_be_asked(registry, organiser_token):
    sme = await create_org(registry, organiser_token)  # no matcher listens on the registry's matcher_url
    response = await registry.get(f"/organisations/{sme['id']}/export", headers=bearer(organiser_token))
    assert response.status == 503 and response.content_type == "application/problem+json"
    assert (await response.json())["type"].endswith("matcher-unavailable") and response.headers["Retry-After"]
