"""GDPR for people behind web accounts that act for no organisation (organisers, advisers, supporters):
the export gives its holder what the registry keeps, the erasure leaves none of its name or address in
any text column of either service's schema (real registry, real PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from shared.auth import Role
from tests.conftest import bearer
from tests.matcher.test_erasure_across_services import database_hits
from tests.supporters import make_account, session

PASSWORD = "correct horse battery staple"


async def make_event(db) -> uuid.UUID:
    return await db.fetchval(
        "INSERT INTO registry.events (name, event_date, municipality_code, day_start, day_end, meeting_minutes, "
        "tables, signup_deadline, status) VALUES ('Affärsträff Mora', $1, '2062', $2, $3, 20, 10, $4, 'open') "
        "RETURNING id",
        date.today() + timedelta(days=60),
        time(9),
        time(12),
        datetime.now(UTC) + timedelta(days=30),
    )


async def supporter_with_traces(registry, db, organiser_token: str) -> tuple[str, str, str, str]:
    """A supporter account that signed in, failed a login, was renamed and granted an event; its id, session,
    e-mail and name (unique, so that a search for them finds nothing else)."""
    tag = uuid.uuid4().hex[:8]
    email, name = f"radgivare-{tag}@almi.se", f"Ragnhild Rådgivarsson {tag}"
    created = await registry.post(
        "/auth/accounts",
        json={"email": email, "password": PASSWORD, "role": "supporter", "name": "Först Namn " + tag},
        headers=bearer(organiser_token),
    )
    assert created.status == 201, await created.text()
    account_id = (await created.json())["id"]
    renamed = await registry.patch(f"/auth/accounts/{account_id}", json={"name": name}, headers=bearer(organiser_token))
    assert renamed.status == 200, await renamed.text()
    failed = await registry.post("/auth/login", json={"email": email, "password": "wrong " + PASSWORD})
    assert failed.status == 401
    login = await registry.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status == 200, await login.text()
    own_session = (await login.json())["token"]
    event_id = await make_event(db)
    granted = await registry.put(
        f"/events/{event_id}/grants/{account_id}", json={"access": "read"}, headers=bearer(organiser_token)
    )
    assert granted.status == 201, await granted.text()
    return account_id, own_session, email, name


async def test_holder_exports_its_own_account(registry, db, organiser_token, make_token):
    account_id, own_session, email, name = await supporter_with_traces(registry, db, organiser_token)
    response = await registry.get(f"/auth/accounts/{account_id}/export", headers=bearer(own_session))
    assert response.status == 200, await response.text()
    assert "attachment" in response.headers["Content-Disposition"]
    export = await response.json()
    assert export["account"]["email"] == email and export["account"]["name"] == name
    assert "password_hash" not in str(export)
    assert [g["access"] for g in export["grants"]] == ["read"]
    assert any(s["label"].endswith(name) for s in export["sessions"])
    assert {e["action"] for e in export["audit_entries"]} >= {"account.created", "account.updated"}
    # Another account's holder may not read it; an organiser may.
    other = await session(make_token, Role.ADVISER, await make_account(db, "adviser"))
    assert (await registry.get(f"/auth/accounts/{account_id}/export", headers=bearer(other))).status == 403
    by_organiser = await registry.get(f"/auth/accounts/{account_id}/export", headers=bearer(organiser_token))
    assert by_organiser.status == 200


async def test_erasure_leaves_no_name_or_address_anywhere(registry, db, organiser_token):
    account_id, own_session, email, name = await supporter_with_traces(registry, db, organiser_token)
    assert await database_hits(db, [email, name]), "the traces this test erases were not made"

    response = await registry.delete(f"/auth/accounts/{account_id}", headers=bearer(organiser_token))
    assert response.status == 204, await response.text()

    assert await database_hits(db, [email, name]) == []
    # Its session no longer works, it cannot sign in, and the account is gone.
    assert (await registry.get("/auth/whoami", headers=bearer(own_session))).status == 401
    login = await registry.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status == 401
    missing = await registry.get(f"/auth/accounts/{account_id}", headers=bearer(organiser_token))
    assert missing.status == 404
    assert (await registry.delete(f"/auth/accounts/{account_id}", headers=bearer(organiser_token))).status == 404
    # The audit log keeps that it happened.
    actions = await db.fetch(
        "SELECT action FROM registry.audit_log WHERE entity = 'account' AND entity_id = $1 ORDER BY id", account_id
    )
    assert [row["action"] for row in actions][-1] == "account.erased"


async def test_organiser_cannot_erase_its_own_account(registry, db, make_token):
    account_id = await db.fetchval(
        "INSERT INTO registry.accounts (email, password_hash, role) VALUES ($1, 'scrypt$x', 'organiser') RETURNING id",
        f"org-{uuid.uuid4().hex[:8]}@falun.se",
    )
    own = await make_token(Role.ORGANISER, account_id=account_id, label="web session: test")
    response = await registry.delete(f"/auth/accounts/{account_id}", headers=bearer(own))
    assert response.status == 409
    assert response.content_type == "application/problem+json"
    assert await db.fetchval("SELECT count(*) FROM registry.accounts WHERE id = $1", account_id) == 1
