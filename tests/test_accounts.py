"""Web login through the real registry on real PostgreSQL: accounts, password login and logout, SME
sign-in links, and rate limits behind a trusted proxy (the web front end)."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

import deploy.local
from services.registry import login_limits, password_links, sign_in_links
from services.registry.app import create_app
from services.registry.settings import RegistrySettings
from shared.auth import Role
from shared.proxies import parse_trusted
from shared.reference.orgnr import orgnr_from_serial
from tests.conftest import bearer

PROBLEM = "application/problem+json"
PASSWORD = "correct horse battery staple"
ACCOUNT_FIELDS = {"id", "email", "role", "organisation_id", "name", "created_at", "disabled_at"}
SESSION_FIELDS = {"token", "expires_at", "role", "organisation_id", "name"}


def account_body(**overrides: object) -> dict:
    body = {"email": "Anna.Berg@Falun.se", "password": PASSWORD, "role": "organiser", "name": "Anna Berg"}
    body.update(overrides)
    return {name: value for name, value in body.items() if value is not None}


async def create_account(client, token: str, **overrides: object):
    return await client.post("/auth/accounts", json=account_body(**overrides), headers=bearer(token))


async def login(client, email: str, password: str = PASSWORD):
    return await client.post("/auth/login", json={"email": email, "password": password})


async def whoami(client, token: str):
    return await client.get("/auth/whoami", headers=bearer(token))


def without_request_id(document: dict) -> dict:
    return {name: value for name, value in document.items() if name != "request_id"}


def pointers(document: dict) -> set[str]:
    return {error["pointer"] for error in document.get("errors", [])}


async def add_contact(db, organisation_id: uuid.UUID, email: str, position: int = 0) -> None:
    await db.execute(
        "INSERT INTO registry.contacts (organisation_id, position, name, email) VALUES ($1, $2, 'Kim Ek', $3)",
        organisation_id,
        position,
        email,
    )


@pytest.fixture
def one_window(monkeypatch):
    """Rate-limit windows so long that a test never straddles a window edge."""
    monkeypatch.setattr(login_limits, "ADDRESS_WINDOW_SECONDS", 10**8)
    monkeypatch.setattr(sign_in_links, "LINK_REQUEST_WINDOW_SECONDS", 10**8)
    monkeypatch.setattr(password_links, "LINK_REQUEST_WINDOW_SECONDS", 10**8)


# --- accounts ---------------------------------------------------------------------------------------


async def test_organiser_creates_and_lists_accounts(registry, db, organiser_token, make_org):
    buyer = await make_org("buyer")
    response = await create_account(registry, organiser_token)
    assert response.status == 201, await response.text()
    organiser = await response.json()
    assert set(organiser) == ACCOUNT_FIELDS
    assert organiser["email"] == "anna.berg@falun.se"  # stored lower-cased
    assert organiser["role"] == "organiser" and organiser["organisation_id"] is None

    response = await create_account(
        registry, organiser_token, email="per@falun.se", role="buyer", organisation_id=str(buyer), name=None
    )
    assert response.status == 201, await response.text()
    assert (await response.json())["organisation_id"] == str(buyer)

    response = await registry.get("/auth/accounts", headers=bearer(organiser_token))
    assert response.status == 200
    items = (await response.json())["items"]
    assert [item["email"] for item in items] == ["anna.berg@falun.se", "per@falun.se"]
    assert all(set(item) == ACCOUNT_FIELDS for item in items)
    assert items[1]["name"] == ""

    stored = await db.fetchval("SELECT password_hash FROM registry.accounts WHERE id = $1", uuid.UUID(organiser["id"]))
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$") and PASSWORD not in stored
    entry = await db.fetchrow("SELECT * FROM registry.audit_log WHERE action = 'account.created' LIMIT 1")
    assert "falun.se" not in json.dumps(entry["changes"]) and PASSWORD not in json.dumps(entry["changes"])


async def test_same_email_again_is_a_conflict(registry, db, organiser_token):
    assert (await create_account(registry, organiser_token)).status == 201
    response = await create_account(registry, organiser_token, email="ANNA.BERG@falun.se")
    assert response.status == 409 and response.content_type == PROBLEM
    assert pointers(await response.json()) == {"/email"}
    assert await db.fetchval("SELECT count(*) FROM registry.accounts") == 1


async def test_invalid_accounts_get_field_errors_and_store_nothing(registry, db, organiser_token, make_org):
    sme = await make_org("sme")
    buyer = await make_org("buyer")
    cases = {
        "short password": (account_body(password="kort lösen"), {"/password"}),
        "buyer without organisation": (account_body(role="buyer"), {"/organisation_id"}),
        "organiser with organisation": (account_body(organisation_id=str(buyer)), {"/organisation_id"}),
        "organisation of kind sme": (account_body(role="buyer", organisation_id=str(sme)), {"/organisation_id"}),
        "unknown organisation": (account_body(role="buyer", organisation_id=str(uuid.uuid4())), {"/organisation_id"}),
        "bad email": (account_body(email="not-an-address"), {"/email"}),
        "everything at once": (
            {"email": "x", "password": "short", "role": "buyer", "name": "n" * 201},
            {"/email", "/password", "/organisation_id", "/name"},
        ),
    }
    for case, (body, expected) in cases.items():
        response = await registry.post("/auth/accounts", json=body, headers=bearer(organiser_token))
        assert response.status == 422 and response.content_type == PROBLEM, case
        assert pointers(await response.json()) == expected, case
    response = await registry.post(
        "/auth/accounts", json=account_body(role="buyer", organisation_id=str(sme)), headers=bearer(organiser_token)
    )
    assert (await response.json())["errors"][0]["code"] == "not_a_buyer"
    assert await db.fetchval("SELECT count(*) FROM registry.accounts") == 0


# --- login and logout -------------------------------------------------------------------------------


async def test_login_gives_a_token_of_the_account(registry, db, organiser_token, make_org):
    buyer = await make_org("buyer")
    await create_account(registry, organiser_token, email="per@falun.se", role="buyer", organisation_id=str(buyer))
    before = datetime.now(UTC)
    response = await login(registry, "  PER@Falun.se ")
    assert response.status == 200, await response.text()
    session = await response.json()
    assert set(session) == SESSION_FIELDS
    assert session["role"] == "buyer" and session["organisation_id"] == str(buyer) and session["name"] == "Anna Berg"
    expires_at = datetime.fromisoformat(session["expires_at"])
    assert before + timedelta(hours=11, minutes=59) < expires_at < datetime.now(UTC) + timedelta(hours=12, minutes=1)

    response = await whoami(registry, session["token"])
    assert response.status == 200
    principal = await response.json()
    assert principal["role"] == "buyer" and principal["organisation_id"] == str(buyer)
    assert principal["label"] == "web session: Anna Berg"
    stored = await db.fetchrow(
        "SELECT expires_at FROM registry.api_tokens WHERE id = $1", uuid.UUID(principal["token_id"])
    )
    assert stored["expires_at"] == expires_at

    account = await db.fetchrow("SELECT id, last_login_at FROM registry.accounts")
    assert account["last_login_at"] is not None
    entry = await db.fetchrow("SELECT * FROM registry.audit_log WHERE action = 'account.logged_in'")
    assert entry["entity_id"] == str(account["id"]) and entry["organisation_id"] == buyer
    assert PASSWORD not in json.dumps(entry["changes"])


async def test_an_old_scrypt_hash_is_rehashed_with_argon2id_at_the_next_login(registry, db, organiser_token):
    await create_account(registry, organiser_token)
    legacy = hashlib.scrypt(PASSWORD.encode(), salt=bytes(16), n=2**14, r=8, p=1, dklen=32)
    scrypt_hash = f"scrypt$16384$8$1${base64.b64encode(bytes(16)).decode()}${base64.b64encode(legacy).decode()}"
    await db.execute("UPDATE registry.accounts SET password_hash = $1", scrypt_hash)

    assert (await login(registry, "anna.berg@falun.se", "wrong password, long")).status == 401
    assert await db.fetchval("SELECT password_hash FROM registry.accounts") == scrypt_hash  # only on success
    assert (await login(registry, "anna.berg@falun.se")).status == 200
    stored = await db.fetchval("SELECT password_hash FROM registry.accounts")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert (await login(registry, "anna.berg@falun.se")).status == 200  # the new hash verifies
    assert await db.fetchval("SELECT password_hash FROM registry.accounts") == stored  # and stays


async def test_login_label_falls_back_to_the_email(registry, organiser_token):
    await create_account(registry, organiser_token, name=None)
    session = await (await login(registry, "anna.berg@falun.se")).json()
    assert (await (await whoami(registry, session["token"])).json())["label"] == "web session: anna.berg@falun.se"


async def test_failed_logins_all_look_the_same(registry, db, organiser_token):
    await create_account(registry, organiser_token)
    await create_account(registry, organiser_token, email="off@falun.se")
    await db.execute("UPDATE registry.accounts SET disabled_at = now() WHERE email = 'off@falun.se'")
    answers = [
        await login(registry, "anna.berg@falun.se", "wrong password, long"),
        await login(registry, "nobody@falun.se"),
        await login(registry, "off@falun.se"),  # right password, disabled account
    ]
    bodies = []
    for response in answers:
        assert response.status == 401 and response.content_type == PROBLEM
        bodies.append(without_request_id(await response.json()))
    assert bodies[0] == bodies[1] == bodies[2]
    assert await db.fetchval("SELECT count(*) FROM registry.accounts WHERE last_login_at IS NOT NULL") == 0


async def login_from(client, address: str, email: str, proof: str, password: str = PASSWORD):
    """A login as the web front end sends it for a visitor at ``address``."""
    headers = {"X-Forwarded-For": address, "X-Proxy-Token": proof}
    return await client.post("/auth/login", json={"email": email, "password": password}, headers=headers)


async def let_the_pause_pass(db) -> None:
    """As if the account's current pause had passed (no test sleeps): move its last failure back."""
    failures = await db.fetchval("SELECT failures FROM registry.login_failures")
    await db.execute(
        "UPDATE registry.login_failures SET last_failed_at = last_failed_at - make_interval(secs => $1)",
        float(login_limits.pause_seconds(failures)),
    )


async def test_wrong_passwords_from_anyone_slow_the_account_but_never_lock_its_owner_out(
    registry, db, organiser_token, service_token, one_window
):
    await create_account(registry, organiser_token)
    attacker, owner = "198.51.100.66", "192.0.2.10"
    statuses = []
    for _ in range(10):
        response = await login_from(registry, attacker, "anna.berg@falun.se", service_token, "wrong password, long")
        statuses.append(response.status)
        if response.status == 429:  # a pause: tries meanwhile are refused without looking at the password
            await let_the_pause_pass(db)
            response = await login_from(registry, attacker, "anna.berg@falun.se", service_token, "wrong password, long")
            assert response.status == 401
    assert statuses[: login_limits.ACCOUNT_FREE_FAILURES] == [401] * login_limits.ACCOUNT_FREE_FAILURES
    assert statuses[login_limits.ACCOUNT_FREE_FAILURES :] == [429] * (10 - login_limits.ACCOUNT_FREE_FAILURES)
    assert await db.fetchval("SELECT failures FROM registry.login_failures") == 10  # 429s count no failure

    # Right after the attacker's last guess the owner waits a pause, never longer than a minute ...
    response = await login_from(registry, owner, "anna.berg@falun.se", service_token)
    assert response.status == 429 and response.content_type == PROBLEM
    assert 1 <= int(response.headers["Retry-After"]) <= login_limits.ACCOUNT_MAX_PAUSE_SECONDS
    assert "/auth/password-links" in (await response.json())["detail"]
    # ... and then gets in with the right password (the lock used to last 15 minutes).
    await let_the_pause_pass(db)
    assert (await login_from(registry, owner, "anna.berg@falun.se", service_token)).status == 200
    assert await db.fetchval("SELECT count(*) FROM registry.login_failures") == 0  # success forgets them


async def test_a_password_link_signs_the_owner_in_while_logins_pause(
    registry, db, organiser_token, service_token, one_window
):
    await create_account(registry, organiser_token)
    for _ in range(login_limits.ACCOUNT_FREE_FAILURES + 1):
        await login_from(registry, "198.51.100.66", "anna.berg@falun.se", service_token, "wrong password, long")
    assert (await login_from(registry, "192.0.2.10", "anna.berg@falun.se", service_token)).status == 429
    (link,) = (await (await ask_password_link(registry, service_token, "Anna.Berg@falun.se")).json())["links"]
    session = await redeem_password_link(registry, link["token"], "a new password, long enough")
    assert session.status == 200
    assert (await whoami(registry, (await session.json())["token"])).status == 200
    # Setting the password forgot the failures: the new one works at once.
    assert (
        await login_from(registry, "192.0.2.10", "anna.berg@falun.se", service_token, "a new password, long enough")
    ).status == 200


async def test_failed_logins_are_limited_hard_per_client_address(registry, organiser_token, service_token, one_window):
    await create_account(registry, organiser_token)
    attacker = "198.51.100.77"
    for serial in range(login_limits.ADDRESS_FAILURE_LIMIT):  # one guess each at many addresses
        response = await login_from(registry, attacker, f"guess{serial}@falun.se", service_token, "wrong password")
        assert response.status == 401
    response = await login_from(registry, attacker, "anna.berg@falun.se", service_token)
    assert response.status == 429 and int(response.headers["Retry-After"]) >= 1
    assert (await login_from(registry, "192.0.2.10", "anna.berg@falun.se", service_token)).status == 200


async def test_successful_logins_are_not_limited(registry, organiser_token, one_window):
    await create_account(registry, organiser_token)
    for _ in range(login_limits.ACCOUNT_FREE_FAILURES + 2):
        assert (await login(registry, "anna.berg@falun.se")).status == 200


async def test_logout_revokes_the_calling_token(registry, organiser_token):
    await create_account(registry, organiser_token)
    token = (await (await login(registry, "anna.berg@falun.se")).json())["token"]
    other = (await (await login(registry, "anna.berg@falun.se")).json())["token"]
    response = await registry.post("/auth/logout", headers=bearer(token))
    assert response.status == 204
    assert (await whoami(registry, token)).status == 401
    assert (await whoami(registry, other)).status == 200  # only the calling session ends
    assert (await registry.post("/auth/logout")).status == 401


# --- sign-in links ------------------------------------------------------------------------------------


async def ask_links(client, token: str | None, email: str):
    headers = bearer(token) if token else {}
    return await client.post("/auth/sign-in-links", json={"email": email}, headers=headers)


async def redeem(client, token: str):
    return await client.post("/auth/sign-in-links/redeem", json={"token": token})


async def test_only_the_service_role_may_ask_for_links(registry, service_token, organiser_token, make_org, make_token):
    sme = await make_org("sme")
    buyer = await make_org("buyer")
    callers = {
        None: 401,
        organiser_token: 403,
        await make_token(Role.SME, sme): 403,
        await make_token(Role.BUYER, buyer): 403,
    }
    for token, status in callers.items():
        response = await ask_links(registry, token, "kim@falustad.se")
        assert response.status == status and response.content_type == PROBLEM
    assert (await ask_links(registry, service_token, "kim@falustad.se")).status == 200


async def test_unknown_address_gets_no_links(registry, db, service_token, make_org):
    await add_contact(db, await make_org("buyer"), "kim@falun.se")  # buyers sign in by account, not by link
    response = await ask_links(registry, service_token, "kim@falun.se")
    assert response.status == 200 and await response.json() == {"links": []}
    assert await db.fetchval("SELECT count(*) FROM registry.sign_in_links") == 0


async def test_a_link_per_sme_of_the_contact_and_redeeming_it_once(registry, db, service_token, make_org):
    first = await make_org("sme", name="Alfa Städ AB")
    second = await make_org("sme", name="Beta Bygg AB")
    erased = await make_org("sme", name="Borttagen organisation", orgnr=None, erased_at=datetime.now(UTC))
    await add_contact(db, first, "Kim.Ek@FaluStad.se")
    await add_contact(db, second, "kim.ek@falustad.se")
    await add_contact(db, erased, "kim.ek@falustad.se")

    response = await ask_links(registry, service_token, "KIM.ek@falustad.SE")
    assert response.status == 200, await response.text()
    links = (await response.json())["links"]
    assert [(link["organisation_id"], link["organisation_name"]) for link in links] == [
        (str(first), "Alfa Städ AB"),
        (str(second), "Beta Bygg AB"),
    ]
    for link in links:
        assert set(link) == {"token", "organisation_id", "organisation_name", "expires_at"}
        assert link["token"].startswith("atl_")
        expires_at = datetime.fromisoformat(link["expires_at"])
        assert timedelta(minutes=19) < expires_at - datetime.now(UTC) <= timedelta(minutes=20)
    stored = await db.fetch("SELECT token_hash, email FROM registry.sign_in_links")
    assert {row["email"] for row in stored} == {"kim.ek@falustad.se"}
    assert all(links[0]["token"].encode() not in row["token_hash"] for row in stored)

    response = await redeem(registry, links[1]["token"])
    assert response.status == 200, await response.text()
    session = await response.json()
    assert set(session) == SESSION_FIELDS
    assert session["role"] == "sme" and session["organisation_id"] == str(second)
    assert session["name"] == "Beta Bygg AB"
    assert datetime.fromisoformat(session["expires_at"]) > datetime.now(UTC) + timedelta(hours=11)
    principal = await (await whoami(registry, session["token"])).json()
    assert principal["role"] == "sme" and principal["organisation_id"] == str(second)
    assert principal["label"] == "web session (sign-in link)"

    again = await redeem(registry, links[1]["token"])
    unknown = await redeem(registry, "atl_" + "x" * 43)
    assert again.status == unknown.status == 401
    assert without_request_id(await again.json()) == without_request_id(await unknown.json())
    assert await db.fetchval("SELECT count(*) FROM registry.audit_log WHERE action = 'sign_in_link.redeemed'") == 1


async def test_an_expired_link_is_refused(registry, db, service_token, make_org):
    sme = await make_org("sme")
    await add_contact(db, sme, "kim@falustad.se")
    (link,) = (await (await ask_links(registry, service_token, "kim@falustad.se")).json())["links"]
    await db.execute("UPDATE registry.sign_in_links SET expires_at = now() - interval '1 second'")
    response = await redeem(registry, link["token"])
    assert response.status == 401 and response.content_type == PROBLEM


async def test_a_link_ends_with_the_contact(registry, db, service_token, make_org):
    sme = await make_org("sme")
    await add_contact(db, sme, "kim@falustad.se")
    (link,) = (await (await ask_links(registry, service_token, "kim@falustad.se")).json())["links"]
    await db.execute("DELETE FROM registry.contacts")  # the address is no longer the firm's
    assert (await redeem(registry, link["token"])).status == 401


async def test_link_requests_are_limited_per_address(registry, db, service_token, make_org, one_window):
    sme = await make_org("sme")
    await add_contact(db, sme, "kim@falustad.se")
    for _ in range(sign_in_links.LINK_REQUEST_LIMIT):
        assert (await ask_links(registry, service_token, "kim@falustad.se")).status == 200
    response = await ask_links(registry, service_token, "KIM@falustad.se")
    assert response.status == 429 and response.content_type == PROBLEM
    assert "Retry-After" in response.headers
    assert (await ask_links(registry, service_token, "other@falustad.se")).status == 200


async def ask_password_link(client, token: str | None, email: str):
    headers = bearer(token) if token else {}
    return await client.post("/auth/password-links", json={"email": email}, headers=headers)


async def redeem_password_link(client, token: str, password: str):
    return await client.post("/auth/password-links/redeem", json={"token": token, "password": password})


async def test_a_forgotten_password_is_replaced_by_link_once(registry, db, organiser_token, service_token, make_org):
    await create_account(registry, organiser_token)
    old_session = (await (await login(registry, "anna.berg@falun.se")).json())["token"]
    assert (await ask_password_link(registry, organiser_token, "anna.berg@falun.se")).status == 403
    assert await (await ask_password_link(registry, service_token, "nobody@falun.se")).json() == {"links": []}
    await add_contact(db, await make_org("sme"), "kim@falustad.se")  # SMEs' contacts have no password
    assert await (await ask_password_link(registry, service_token, "kim@falustad.se")).json() == {"links": []}

    response = await ask_password_link(registry, service_token, "ANNA.berg@falun.se")
    assert response.status == 200
    (link,) = (await response.json())["links"]
    assert set(link) == {"token", "name", "expires_at"} and link["name"] == "Anna Berg"
    expires_at = datetime.fromisoformat(link["expires_at"])
    assert timedelta(minutes=19) < expires_at - datetime.now(UTC) <= timedelta(minutes=20)
    assert (await redeem(registry, link["token"])).status == 401  # not an SME sign-in link

    short = await redeem_password_link(registry, link["token"], "short")
    assert short.status == 422 and pointers(await short.json()) == {"/password"}
    assert await db.fetchval("SELECT count(*) FROM registry.sign_in_links WHERE used_at IS NOT NULL") == 0

    response = await redeem_password_link(registry, link["token"], "a new password, long enough")
    assert response.status == 200, await response.text()
    session = await response.json()
    assert set(session) == SESSION_FIELDS and session["role"] == "organiser"
    assert (await whoami(registry, session["token"])).status == 200
    assert (await whoami(registry, old_session)).status == 401  # other sessions end
    assert (await login(registry, "anna.berg@falun.se")).status == 401  # the old password is gone
    assert (await login(registry, "anna.berg@falun.se", "a new password, long enough")).status == 200
    stored = await db.fetchval("SELECT password_hash FROM registry.accounts")
    assert stored.startswith("$argon2id$")
    again = await redeem_password_link(registry, link["token"], "yet another password here")
    assert again.status == 401 and again.content_type == PROBLEM
    assert await db.fetchval("SELECT count(*) FROM registry.audit_log WHERE action = 'account.password_reset'") == 1


async def test_a_disabled_account_gets_no_password_link_and_its_links_stop(
    registry, db, organiser_token, service_token
):
    await create_account(registry, organiser_token)
    (link,) = (await (await ask_password_link(registry, service_token, "anna.berg@falun.se")).json())["links"]
    await db.execute("UPDATE registry.accounts SET disabled_at = now()")
    assert (await redeem_password_link(registry, link["token"], "a new password, long enough")).status == 401
    assert await (await ask_password_link(registry, service_token, "anna.berg@falun.se")).json() == {"links": []}


# --- the web front end as a trusted proxy ---------------------------------------------------------------


def sme_body(serial: int) -> dict:
    return {
        "kind": "sme",
        "orgnr": orgnr_from_serial(6_000_000 + serial),
        "name": f"Proxy Städ {serial} AB",
        "municipality_code": "2080",
        "cpv_codes": ["90910000"],
    }


async def self_register(client, serial: int, forwarded_for: str):
    return await client.post("/organisations", json=sme_body(serial), headers={"X-Forwarded-For": forwarded_for})


@pytest.mark.parametrize(
    ("trusted", "second_status"),
    [(("127.0.0.1",), 201), ((), 429)],
    ids=["trusted-proxy", "untrusted-peer"],
)
async def test_self_registration_limit_counts_the_forwarded_address(registry_settings, trusted, second_status):
    settings = registry_settings.model_copy(update={"signup_limit_per_hour": 1, "trusted_proxies": trusted})
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        assert (await self_register(client, 1, "198.51.100.1")).status == 201
        response = await self_register(client, 2, "203.0.113.1, 198.51.100.2")
        assert response.status == second_status, await response.text()
        if trusted:  # the same user again is limited
            assert (await self_register(client, 3, "198.51.100.2")).status == 429


async def test_a_made_up_forwarded_for_does_not_escape_the_sign_up_limit(
    registry_settings, service_token, make_token, make_org
):
    """The local runner's registry trusts no address (not even loopback): a local client writing a new
    X-Forwarded-For each time is still counted as itself, and only a peer proving the service role (the
    web front end, with X-Proxy-Token) has its forwarded visitor's address counted."""
    local_runner = parse_trusted(deploy.local.REGISTRY_TRUSTED_PROXIES)
    settings = registry_settings.model_copy(update={"signup_limit_per_hour": 10, "trusted_proxies": local_runner})
    sme_token = await make_token(Role.SME, await make_org("sme"))
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        forged = [(await self_register(client, serial, f"198.51.100.{serial}")).status for serial in range(1, 13)]
        assert forged.count(201) == 10 and forged[10:] == [429, 429]

        not_a_proxy = {"X-Forwarded-For": "198.51.100.50", "X-Proxy-Token": sme_token}
        response = await client.post("/organisations", json=sme_body(50), headers=not_a_proxy)
        assert response.status == 429  # only a service-role token proves a proxy

        proxied = {"X-Forwarded-For": "198.51.100.51", "X-Proxy-Token": service_token}
        assert (await client.post("/organisations", json=sme_body(51), headers=proxied)).status == 201
        again = {"X-Forwarded-For": "198.51.100.52", "X-Proxy-Token": "atr_" + "x" * 43}
        assert (await client.post("/organisations", json=sme_body(52), headers=again)).status == 429


def test_trusted_proxies_setting_is_a_comma_separated_list(monkeypatch):
    monkeypatch.setenv("REGISTRY_TRUSTED_PROXIES", " 127.0.0.1, ::0:1 , 10.42.0.0/16")
    assert RegistrySettings(database_url="postgresql://unused/db").trusted_proxies == (
        "127.0.0.1/32",
        "::1/128",
        "10.42.0.0/16",
    )
    monkeypatch.setenv("REGISTRY_TRUSTED_PROXIES", "")
    assert RegistrySettings(database_url="postgresql://unused/db").trusted_proxies == ()


async def test_organiser_sets_a_new_password_or_disables_an_account_and_its_sessions_end(
    registry, organiser_token, make_org
):
    buyer = await make_org("buyer")
    created = await registry.post(
        "/auth/accounts",
        json={
            "email": "bo@mora.se",
            "password": "det gamla lösenordet",
            "role": "buyer",
            "organisation_id": str(buyer),
        },
        headers=bearer(organiser_token),
    )
    account = await created.json()
    assert account["disabled_at"] is None
    login = await registry.post("/auth/login", json={"email": "bo@mora.se", "password": "det gamla lösenordet"})
    session = (await login.json())["token"]
    assert (await registry.get("/auth/whoami", headers=bearer(session))).status == 200

    changed = await registry.patch(
        f"/auth/accounts/{account['id']}", json={"password": "ett helt nytt lösenord"}, headers=bearer(organiser_token)
    )
    assert changed.status == 200, await changed.text()
    # The session made with the old password ends at once; the old password no longer works, the new one does.
    assert (await registry.get("/auth/whoami", headers=bearer(session))).status == 401
    old = await registry.post("/auth/login", json={"email": "bo@mora.se", "password": "det gamla lösenordet"})
    assert old.status == 401
    new = await registry.post("/auth/login", json={"email": "bo@mora.se", "password": "ett helt nytt lösenord"})
    assert new.status == 200
    session = (await new.json())["token"]

    disabled = await registry.patch(
        f"/auth/accounts/{account['id']}", json={"disabled": True}, headers=bearer(organiser_token)
    )
    assert (await disabled.json())["disabled_at"] is not None
    assert (await registry.get("/auth/whoami", headers=bearer(session))).status == 401
    refused = await registry.post("/auth/login", json={"email": "bo@mora.se", "password": "ett helt nytt lösenord"})
    assert refused.status == 401
    enabled = await registry.patch(
        f"/auth/accounts/{account['id']}", json={"disabled": False}, headers=bearer(organiser_token)
    )
    assert (await enabled.json())["disabled_at"] is None
    again = await registry.post("/auth/login", json={"email": "bo@mora.se", "password": "ett helt nytt lösenord"})
    assert again.status == 200

    short = await registry.patch(
        f"/auth/accounts/{account['id']}", json={"password": "kort"}, headers=bearer(organiser_token)
    )
    assert short.status == 422 and (await short.json())["errors"][0]["pointer"] == "/password"
    missing = await registry.patch(
        "/auth/accounts/00000000-0000-0000-0000-000000000000", json={"disabled": True}, headers=bearer(organiser_token)
    )
    assert missing.status == 404
