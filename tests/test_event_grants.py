"""Supporters' grants to events, through the real registry app on real PostgreSQL: who owns an event, who
grants it, and what a read-only or an editing supporter reaches (its events only, never grants or accounts)."""

from __future__ import annotations

from shared.auth import Role
from tests.conftest import bearer
from tests.supporters import grant, make_account, session, supporter_token
from tests.test_events import create_event


async def owner_session(db, make_token) -> tuple[str, str]:
    account_id = await make_account(db, "organiser")
    return str(account_id), await session(make_token, Role.ORGANISER, account_id)


async def put_grant(registry, token: str, event_id: str, account_id, access: str):
    return await registry.put(f"/events/{event_id}/grants/{account_id}", json={"access": access}, headers=bearer(token))


async def test_the_creating_account_owns_the_event_and_alone_grants_it(registry, db, make_token, organiser_token):
    owner_id, owner = await owner_session(db, make_token)
    _, colleague = await owner_session(db, make_token)
    event = await create_event(registry, owner)
    assert event["owner_account_id"] == owner_id
    supporter_id = await make_account(db, "supporter", "naringsliv@falun.se")

    first = await put_grant(registry, owner, event["id"], supporter_id, "read")
    assert first.status == 201, await first.text()
    assert (await first.json())["email"] == "naringsliv@falun.se"
    again = await put_grant(registry, owner, event["id"], supporter_id, "edit")
    assert again.status == 200 and (await again.json())["access"] == "edit"
    listed = await (await registry.get(f"/events/{event['id']}/grants", headers=bearer(owner))).json()
    assert [(item["account_id"], item["access"], item["granted_by"]) for item in listed["items"]] == [
        (str(supporter_id), "edit", owner_id)
    ]

    # Another organiser (and a token of no account) runs the event as before, but does not grant it.
    for other in (colleague, organiser_token):
        refused = await put_grant(registry, other, event["id"], supporter_id, "read")
        assert refused.status == 403, await refused.text()
        patched = await registry.patch(f"/events/{event['id']}", json={"venue": "Lugnet"}, headers=bearer(other))
        assert patched.status == 200
    audit = await db.fetch("SELECT action FROM registry.audit_log WHERE event_id = $1 ORDER BY id", event["id"])
    assert [row["action"] for row in audit].count("event.grant") == 2


async def test_an_event_without_owner_is_granted_by_any_organiser(registry, db, make_token, organiser_token):
    event = await create_event(registry, organiser_token)  # a bootstrap-like token: no account, no owner
    assert event["owner_account_id"] is None
    _, colleague = await owner_session(db, make_token)
    supporter_id = await make_account(db, "supporter")
    assert (await put_grant(registry, colleague, event["id"], supporter_id, "read")).status == 201
    revoked = await registry.delete(f"/events/{event['id']}/grants/{supporter_id}", headers=bearer(organiser_token))
    assert revoked.status == 204
    again = await registry.delete(f"/events/{event['id']}/grants/{supporter_id}", headers=bearer(organiser_token))
    assert again.status == 404


async def test_only_supporter_accounts_are_granted(registry, db, organiser_token):
    event = await create_event(registry, organiser_token)
    buyer_like = await make_account(db, "organiser")
    wrong = await put_grant(registry, organiser_token, event["id"], buyer_like, "read")
    assert wrong.status == 409 and (await wrong.json())["type"].endswith("not-a-supporter")
    unknown = await put_grant(registry, organiser_token, event["id"], "00000000-0000-4000-8000-000000000000", "read")
    assert unknown.status == 404
    bad = await put_grant(registry, organiser_token, event["id"], buyer_like, "admin")
    assert bad.status == 422 and (await bad.json())["errors"][0]["pointer"] == "/access"
    assert await db.fetchval("SELECT count(*) FROM registry.event_grants") == 0


async def test_organisers_create_supporter_accounts_without_organisation(registry, organiser_token, make_org):
    body = {"email": "Naringsliv@Mora.se", "password": "correct horse battery", "role": "supporter"}
    created = await registry.post("/auth/accounts", json=body, headers=bearer(organiser_token))
    assert created.status == 201, await created.text()
    assert (await created.json())["role"] == "supporter"
    with_org = {**body, "email": "annan@mora.se", "organisation_id": str(await make_org("buyer"))}
    refused = await registry.post("/auth/accounts", json=with_org, headers=bearer(organiser_token))
    assert refused.status == 422 and (await refused.json())["errors"][0]["pointer"] == "/organisation_id"


async def test_a_read_only_supporter_reads_its_event_and_nothing_else(registry, db, make_token, organiser_token):
    mine = await create_event(registry, organiser_token)
    other = await create_event(registry, organiser_token, name="Affärsträff Mora")
    _, token = await supporter_token(db, make_token, mine["id"], "read")
    headers = bearer(token)

    listed = await (await registry.get("/events", headers=headers)).json()
    assert [item["id"] for item in listed["items"]] == [mine["id"]]  # a draft, seen as its organisers see it
    assert (await registry.get(f"/events/{mine['id']}", headers=headers)).status == 200
    assert (await registry.get(f"/events/{mine['id']}/registrations", headers=headers)).status == 200
    assert (await registry.get(f"/events/{mine['id']}/transitions", headers=headers)).status == 200
    assert (await registry.get(f"/events/{mine['id']}/pair-rules", headers=headers)).status == 200
    for method, path in [
        ("GET", f"/events/{other['id']}"),
        ("GET", f"/events/{other['id']}/registrations"),
        ("PATCH", f"/events/{mine['id']}"),
        ("POST", f"/events/{mine['id']}/transitions"),
        ("GET", f"/events/{mine['id']}/grants"),
        ("DELETE", f"/events/{mine['id']}"),
        ("GET", "/auth/accounts"),
        ("GET", "/auth/tokens"),
        ("GET", "/audit"),
    ]:
        response = await registry.request(method, path, json={"venue": "x", "to": "open"}, headers=headers)
        assert response.status == 403, f"{method} {path}: {response.status}"
    assert (await (await registry.get(f"/events/{mine['id']}", headers=bearer(organiser_token))).json())["venue"] == (
        mine["venue"]
    )


async def test_an_editing_supporter_changes_its_event_and_a_revoke_ends_it(
    registry, db, make_token, organiser_token, make_org
):
    event = await create_event(registry, organiser_token)
    other = await create_event(registry, organiser_token, name="Affärsträff Mora")
    supporter_id, token = await supporter_token(db, make_token, event["id"], "edit")
    headers = bearer(token)
    patched = await registry.patch(f"/events/{event['id']}", json={"venue": "Kulturhuset"}, headers=headers)
    assert patched.status == 200, await patched.text()
    opened = await registry.post(f"/events/{event['id']}/transitions", json={"to": "open"}, headers=headers)
    assert opened.status == 200, await opened.text()
    sme, buyer = await make_org("sme"), await make_org("buyer")
    signed = await registry.post(
        f"/events/{event['id']}/registrations", json={"organisation_id": str(sme)}, headers=headers
    )
    assert signed.status == 201, await signed.text()
    cancelled = await registry.post(
        f"/registrations/{(await signed.json())['id']}/cancel", json={"reason": "Sjuk"}, headers=headers
    )
    assert cancelled.status == 200, await cancelled.text()
    rule = await registry.put(
        f"/events/{event['id']}/pair-rules/{sme}/{buyer}", json={"rule": "never"}, headers=headers
    )
    assert rule.status == 201, await rule.text()
    assert (await registry.patch(f"/events/{other['id']}", json={"venue": "x"}, headers=headers)).status == 403
    assert (await put_grant(registry, token, event["id"], supporter_id, "edit")).status == 403

    await db.execute("DELETE FROM registry.event_grants WHERE account_id = $1", supporter_id)
    assert (await registry.get(f"/events/{event['id']}", headers=headers)).status == 403
    assert (await (await registry.get("/events", headers=headers)).json())["items"] == []


async def test_grants_go_with_their_account(registry, db, make_token, organiser_token):
    """Grants hold ids only; an account deleted takes its grants (its address was the only personal data)."""
    event = await create_event(registry, organiser_token)
    supporter_id, _ = await supporter_token(db, make_token, event["id"], "read")
    await grant(db, (await create_event(registry, organiser_token, name="Mora"))["id"], supporter_id, "edit")
    await db.execute("DELETE FROM registry.accounts WHERE id = $1", supporter_id)
    assert await db.fetchval("SELECT count(*) FROM registry.event_grants") == 0


async def test_a_supporter_signs_in_and_its_session_carries_its_grants(registry, organiser_token):
    event = await create_event(registry, organiser_token)
    body = {"email": "naringsliv@falun.se", "password": "correct horse battery", "role": "supporter"}
    account = await (await registry.post("/auth/accounts", json=body, headers=bearer(organiser_token))).json()
    assert (await put_grant(registry, organiser_token, event["id"], account["id"], "read")).status == 201
    login = await registry.post("/auth/login", json={"email": body["email"], "password": body["password"]})
    assert login.status == 200, await login.text()
    session_token = (await login.json())["token"]
    me = await (await registry.get("/auth/whoami", headers=bearer(session_token))).json()
    assert (me["role"], me["account_id"], me["event_access"]) == ("supporter", account["id"], {event["id"]: "read"})
