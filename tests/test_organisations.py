"""Organisations through the real registry app on real PostgreSQL: create, self-register, list, read, change."""

from __future__ import annotations

import json
import uuid

from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given
from hypothesis import strategies as st

from services.registry.app import create_app
from services.registry.organisation_models import OrganisationCreate, organisation_row
from services.registry.organisation_search import cpv_codes_under
from services.registry.sql import escape_like
from shared.auth import Role
from shared.reference.orgnr import orgnr_from_serial
from tests.conftest import bearer

PROBLEM = "application/problem+json"
SOLE_TRADER = "880320-0016"  # a valid personnummer: a sole trader's organisation number


def sme_body(serial: int = 1, **overrides: object) -> dict:
    body = {
        "kind": "sme",
        "orgnr": orgnr_from_serial(serial),
        "name": f"Falu Städ {serial} AB",
        "municipality_code": "2080",
        "description": "Städtjänster och snöröjning i Falun",
        "keywords": [" Städning ", "fönsterputs", "städning"],
        "cpv_codes": ["90910000-9", "90620000"],
        "employees_band": "1-9",
        "areas_served": {"counties": ["20"]},
        "contacts": [{"name": "Anna Berg", "title": "VD", "email": "anna@falustad.se", "phone": "070-123 45 67"}],
    }
    body.update(overrides)
    return body


def buyer_body(serial: int = 100, **overrides: object) -> dict:
    body = {
        "kind": "buyer",
        "orgnr": orgnr_from_serial(serial, group=2),
        "name": "Falu kommun",
        "municipality_code": "2080",
        "buyer_category": "municipality",
    }
    body.update(overrides)
    return body


async def create(registry, token: str | None, body: dict, **headers: str):
    auth = bearer(token) if token else {}
    return await registry.post("/organisations", json=body, headers={**auth, **headers})


async def count(db) -> int:
    return await db.fetchval("SELECT count(*) FROM registry.organisations")


# --- create ---------------------------------------------------------------------------------------------


async def test_organiser_creates_sme_with_normalised_fields_and_audit(registry, db, organiser_token):
    response = await create(registry, organiser_token, sme_body())
    assert response.status == 201
    body = await response.json()
    assert response.headers["Location"] == f"/organisations/{body['id']}"
    assert response.headers["ETag"] == '"1"'
    assert body["keywords"] == ["städning", "fönsterputs"]
    assert body["cpv_codes"] == ["90910000", "90620000"]
    assert body["contacts"][0]["phone"] == "+46701234567"
    assert body["areas_served"] == {"whole_country": False, "counties": ["20"], "municipalities": []}
    assert body["languages"] == ["sv"] and body["erased"] is False and "token" not in body
    entry = await db.fetchrow("SELECT * FROM registry.audit_log WHERE entity = 'organisation'")
    assert entry["action"] == "organisation.created" and entry["actor_role"] == "organiser"
    assert "anna@falustad.se" not in str(entry["changes"])


async def test_organiser_creates_buyer(registry, organiser_token):
    response = await create(registry, organiser_token, buyer_body())
    assert response.status == 201
    assert (await response.json())["buyer_category"] == "municipality"


async def test_anonymous_sme_self_registration_returns_a_working_token(registry, db):
    response = await create(registry, None, sme_body())
    assert response.status == 201
    body = await response.json()
    token = body["token"]
    whoami = await registry.get("/auth/whoami", headers=bearer(token))
    assert (await whoami.json())["organisation_id"] == body["id"]
    assert (await whoami.json())["role"] == "sme"
    own = await registry.patch(
        f"/organisations/{body['id']}", json={"website": "https://falustad.se"}, headers=bearer(token)
    )
    assert own.status == 200
    assert await db.fetchval("SELECT actor_role FROM registry.audit_log ORDER BY id LIMIT 1") == "anonymous"


async def test_anonymous_buyer_and_sme_token_cannot_create(registry, make_org, make_token, db):
    response = await create(registry, None, buyer_body())
    assert response.status == 403 and response.content_type == PROBLEM
    sme_token = await make_token(Role.SME, await make_org("sme"))
    response = await create(registry, sme_token, sme_body(5))
    assert response.status == 403
    response = await create(registry, "atr_not-a-token", sme_body(6))
    assert response.status == 401
    assert await count(db) == 1


async def test_self_registration_is_rate_limited_per_address(registry_settings, db):
    settings = registry_settings.model_copy(update={"signup_limit_per_hour": 2})
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        for serial in (1, 2):
            assert (await create(client, None, sme_body(serial))).status == 201
        response = await create(client, None, sme_body(3))
        assert response.status == 429 and response.content_type == PROBLEM
        assert 1 <= int(response.headers["Retry-After"]) <= 3600
    assert await count(db) == 2


async def test_validation_errors_point_at_fields_and_store_nothing(registry, db, organiser_token):
    cases = {
        "/orgnr": sme_body(orgnr="556016-0681"),
        "/cpv_codes/0": sme_body(cpv_codes=["90910000-1"]),
        "/municipality_code": sme_body(municipality_code="1180"),
        "/contacts/0/phone": sme_body(contacts=[{"name": "A", "email": "a@b.se", "phone": "12"}]),
        "/contacts/0/email": sme_body(contacts=[{"name": "A", "email": "not-an-email"}]),
        "/cpv_codes": sme_body(cpv_codes=[]),
        "/unexpected": sme_body(unexpected=1),
        "/buyer_category": sme_body(buyer_category="municipality"),
        "/website": sme_body(website="ftp://example.se"),
        "/areas_served/counties/0": sme_body(areas_served={"counties": ["99"]}),
        "/languages/0": sme_body(languages=["SV"]),
    }
    for pointer, body in cases.items():
        response = await create(registry, organiser_token, body)
        assert response.status == 422, pointer
        problem = await response.json()
        assert pointer in [error["pointer"] for error in problem["errors"]], (pointer, problem)
    assert await count(db) == 0
    assert await db.fetchval("SELECT count(*) FROM registry.contacts") == 0


async def test_duplicate_orgnr_is_409_pointing_at_orgnr(registry, db, organiser_token):
    assert (await create(registry, organiser_token, sme_body(1))).status == 201
    response = await create(registry, organiser_token, sme_body(1, name="Another"))
    assert response.status == 409
    assert [error["pointer"] for error in (await response.json())["errors"]] == ["/orgnr"]
    assert await count(db) == 1


async def test_idempotent_create_replays_and_rejects_a_different_body(registry, db, organiser_token):
    first = await create(registry, organiser_token, sme_body(1), **{"Idempotency-Key": "k-1"})
    again = await create(registry, organiser_token, sme_body(1), **{"Idempotency-Key": "k-1"})
    assert first.status == again.status == 201
    assert await first.read() == await again.read()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    other = await create(registry, organiser_token, sme_body(2), **{"Idempotency-Key": "k-1"})
    assert other.status == 422
    assert (await other.json())["errors"][0]["parameter"] == "Idempotency-Key"
    assert await count(db) == 1


async def test_self_registration_replay_changes_nothing_and_is_scoped_to_the_visitor(registry_settings, db):
    """A replayed anonymous sign-up neither revokes the first visitor's token nor hands out a working one,
    and another visitor behind the same front end sending the same key and body gets no replay at all."""
    settings = registry_settings.model_copy(update={"trusted_proxies": ("127.0.0.1/32",)})
    key = {"Idempotency-Key": "signup-1"}
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        first = await create(client, None, sme_body(1), **key, **{"X-Forwarded-For": "198.51.100.7"})
        assert first.status == 201
        first_body = await first.json()
        assert await db.fetchval("SELECT count(*) FROM registry.idempotency_keys") == 1
        assert b"atr_" not in bytes(await db.fetchval("SELECT body FROM registry.idempotency_keys"))

        again = await create(client, None, sme_body(1), **key, **{"X-Forwarded-For": "198.51.100.7"})
        assert again.status == 201 and again.headers["Idempotent-Replayed"] == "true"
        assert again.headers["Location"] == first.headers["Location"]
        again_body = await again.json()
        assert again_body["id"] == first_body["id"] and again_body["token"] is None
        whoami = await client.get("/auth/whoami", headers=bearer(first_body["token"]))
        assert whoami.status == 200 and (await whoami.json())["organisation_id"] == first_body["id"]

        # Another visitor, same key and body: not the first visitor's answer, but a create of its own
        # (which the organisation number already taken refuses).
        other = await create(client, None, sme_body(1), **key, **{"X-Forwarded-For": "203.0.113.9"})
        assert other.status == 409 and "Idempotent-Replayed" not in other.headers
        assert "token" not in await other.json()

    tokens = "SELECT count(*) FROM registry.api_tokens WHERE organisation_id = $1"
    assert await db.fetchval(tokens, uuid.UUID(first_body["id"])) == 1
    assert await db.fetchval(tokens + " AND revoked_at IS NULL", uuid.UUID(first_body["id"])) == 1
    assert await count(db) == 1


# --- list -----------------------------------------------------------------------------------------------


async def test_list_filters_and_swedish_search(registry, organiser_token, make_token, make_org):
    specs = [
        sme_body(
            1,
            name="Snöröjarna i Mora AB",
            municipality_code="2062",
            description="Snöröjning av vägar",
            cpv_codes=["90620000"],
            keywords=["plogning"],
            certificates=["ISO 14001"],
            areas_served={"municipalities": ["2062", "2039"]},
        ),
        sme_body(
            2,
            name="Städtjänster Borlänge AB",
            municipality_code="2081",
            description="Kontorsstädning",
            cpv_codes=["90910000"],
            keywords=[],
            areas_served={"whole_country": True},
        ),
        sme_body(
            3,
            name="Åkeri Ängsö AB",
            municipality_code="2080",
            description="Transporter med lastbil",
            cpv_codes=["60100000"],
            keywords=["frakt"],
            areas_served={},
        ),
        buyer_body(100, name="Mora kommun", municipality_code="2062"),
    ]
    ids = []
    for spec in specs:
        response = await create(registry, organiser_token, spec)
        assert response.status == 201, await response.text()
        ids.append((await response.json())["id"])
    token = await make_token(Role.BUYER, uuid.UUID(ids[3]))

    async def names(query: str) -> list[str]:
        response = await registry.get(f"/organisations?{query}", headers=bearer(token))
        assert response.status == 200, await response.text()
        body = await response.json()
        assert all(item["contacts"] is None for item in body["items"])
        return [item["name"] for item in body["items"]]

    assert await names("kind=buyer") == ["Mora kommun"]
    assert await names("kind=sme&municipality=2062&municipality=2081") == [
        "Snöröjarna i Mora AB",
        "Städtjänster Borlänge AB",
    ]
    assert await names("county=20&kind=sme") == ["Snöröjarna i Mora AB", "Städtjänster Borlänge AB", "Åkeri Ängsö AB"]
    assert await names("cpv=909") == ["Städtjänster Borlänge AB"]
    assert await names("cpv=9062&cpv=601") == ["Snöröjarna i Mora AB", "Åkeri Ängsö AB"]
    # A whole division covers too many codes for the index path and is matched by prefix instead.
    assert await names("cpv=90") == ["Snöröjarna i Mora AB", "Städtjänster Borlänge AB"]
    assert await names("cpv=90&cpv=60100000") == [
        "Snöröjarna i Mora AB",
        "Städtjänster Borlänge AB",
        "Åkeri Ängsö AB",
    ]
    assert await names("q=röjning") == ["Snöröjarna i Mora AB"]
    assert await names("q=städ") == ["Städtjänster Borlänge AB"]
    assert await names("q=ÄNGSÖ") == ["Åkeri Ängsö AB"]
    assert await names("q=lastbilar") == ["Åkeri Ängsö AB"]  # stemmed word match
    assert await names("q=100%25") == []  # a LIKE wildcard is matched literally
    assert await names("certificate=iso 14001") == ["Snöröjarna i Mora AB"]
    assert await names("serves=2039&kind=sme") == ["Snöröjarna i Mora AB", "Städtjänster Borlänge AB"]
    assert await names("serves=0180&kind=sme") == ["Städtjänster Borlänge AB"]


async def test_list_rejects_bad_parameters(registry, organiser_token):
    for query, parameter in [
        ("cpv=9", "cpv.0"),
        ("county=99", "county"),
        ("municipality=1180", "municipality.0"),
        ("cursor=garbage", "cursor"),
        ("nope=1", "nope"),
        ("limit=0", "limit"),
    ]:
        response = await registry.get(f"/organisations?{query}", headers=bearer(organiser_token))
        assert response.status == 422, query
        assert parameter in [error["parameter"] for error in (await response.json())["errors"]], query


async def test_cursor_walk_visits_every_organisation_once(registry, organiser_token, make_org, db):
    for index in range(23):
        # Repeated names make the id tie-breaker matter; erased ones must not appear.
        await make_org("sme", name=f"Firma {index % 5}")
    await db.execute("UPDATE registry.organisations SET erased_at = now(), orgnr = NULL WHERE name = 'Firma 4'")
    expected = {
        str(row["id"]) for row in await db.fetch("SELECT id FROM registry.organisations WHERE erased_at IS NULL")
    }
    seen: list[str] = []
    url = "/organisations?limit=4"
    pages = 0
    while url:
        response = await registry.get(url, headers=bearer(organiser_token))
        body = await response.json()
        seen.extend(item["id"] for item in body["items"])
        pages += 1
        if body["next_cursor"] is None:
            assert "Link" not in response.headers
            break
        link = response.headers["Link"]
        url = link[link.index("<") + 1 : link.index(">")]
    assert len(seen) == len(set(seen)) == len(expected)
    assert set(seen) == expected
    assert pages == -(-len(expected) // 4)


async def test_anonymous_cannot_list_or_read(registry, make_org):
    org = await make_org("sme")
    assert (await registry.get("/organisations")).status == 401
    assert (await registry.get(f"/organisations/{org}")).status == 401


# --- read ------------------------------------------------------------------------------------------------


async def test_contacts_and_personnummer_visible_only_to_itself_organisers_and_service(
    registry, organiser_token, make_token, service_token
):
    response = await create(registry, organiser_token, sme_body(orgnr=SOLE_TRADER))
    a_id = (await response.json())["id"]
    b_id = (await (await create(registry, organiser_token, sme_body(2))).json())["id"]
    a_token = await make_token(Role.SME, uuid.UUID(a_id))
    b_token = await make_token(Role.SME, uuid.UUID(b_id))

    async def view(token: str) -> dict:
        response = await registry.get(f"/organisations/{a_id}", headers=bearer(token))
        assert response.status == 200
        return await response.json()

    other = await view(b_token)
    assert other["contacts"] is None and other["orgnr"] is None and other["orgnr_is_personal_number"] is True
    for token in (a_token, organiser_token, service_token):
        seen = await view(token)
        assert seen["orgnr"] == SOLE_TRADER
        assert seen["contacts"][0]["email"] == "anna@falustad.se"
    listed = await registry.get("/organisations", headers=bearer(b_token))
    by_id = {item["id"]: item for item in (await listed.json())["items"]}
    assert by_id[a_id]["orgnr"] is None and by_id[b_id]["orgnr"] == orgnr_from_serial(2)


async def test_get_sends_etag_and_honours_if_none_match(registry, organiser_token, make_org):
    org = await make_org("sme")
    response = await registry.get(f"/organisations/{org}", headers=bearer(organiser_token))
    assert response.headers["ETag"] == '"1"'
    cached = await registry.get(f"/organisations/{org}", headers={**bearer(organiser_token), "If-None-Match": '"1"'})
    assert cached.status == 304
    for missing in (uuid.uuid4(), "not-a-uuid"):
        response = await registry.get(f"/organisations/{missing}", headers=bearer(organiser_token))
        assert response.status == 404 and response.content_type == PROBLEM


# --- change ----------------------------------------------------------------------------------------------


async def test_patch_changes_fields_replaces_contacts_and_audits(registry, db, organiser_token):
    created = await (await create(registry, organiser_token, sme_body())).json()
    url = f"/organisations/{created['id']}"
    patch = {
        "turnover_sek": 2_500_000,
        "website": "https://falustad.se",
        "contacts": [{"name": "Bo Ek", "email": "bo@falustad.se"}, {"name": "Cilla", "email": "c@falustad.se"}],
    }
    response = await registry.patch(url, json=patch, headers={**bearer(organiser_token), "If-Match": '"1"'})
    assert response.status == 200, await response.text()
    body = await response.json()
    assert response.headers["ETag"] == '"2"' and body["version"] == 2
    assert [c["name"] for c in body["contacts"]] == ["Bo Ek", "Cilla"]
    assert body["turnover_sek"] == 2_500_000 and body["name"] == created["name"]
    cleared = await registry.patch(url, json={"website": None}, headers=bearer(organiser_token))
    assert (await cleared.json())["website"] is None
    changes = json.loads(
        await db.fetchval(
            "SELECT changes FROM registry.audit_log WHERE action = 'organisation.updated' ORDER BY id LIMIT 1"
        )
    )
    assert changes["fields"] == ["contacts", "turnover_sek", "website"]
    assert "contacts" not in changes["values"]
    assert await db.fetchval("SELECT count(*) FROM registry.contacts") == 2


async def test_patch_with_stale_if_match_is_412_and_changes_nothing(registry, db, organiser_token, make_org):
    org = await make_org("sme", cpv_codes=["90910000"])
    await registry.patch(f"/organisations/{org}", json={"name": "Nytt namn"}, headers=bearer(organiser_token))
    response = await registry.patch(
        f"/organisations/{org}", json={"name": "Gammalt"}, headers={**bearer(organiser_token), "If-Match": '"1"'}
    )
    assert response.status == 412 and response.headers["ETag"] == '"2"'
    assert await db.fetchval("SELECT name FROM registry.organisations WHERE id = $1", org) == "Nytt namn"


async def test_patch_rules(registry, db, organiser_token, make_token, make_org):
    org = await make_org("sme", cpv_codes=["90910000"])
    other = await make_org("sme", cpv_codes=["90910000"])
    own_token = await make_token(Role.SME, org)
    url = f"/organisations/{org}"

    async def patch(body: dict, token: str = own_token):
        return await registry.patch(url, json=body, headers=bearer(token))

    assert (
        await registry.patch(f"/organisations/{other}", json={"name": "X"}, headers=bearer(own_token))
    ).status == 403
    assert (await patch({"orgnr": orgnr_from_serial(500)})).status == 403
    response = await patch({"kind": "buyer"})
    assert response.status == 422 and (await response.json())["errors"][0]["pointer"] == "/kind"
    response = await patch({"name": None})
    assert response.status == 422 and (await response.json())["errors"][0]["pointer"] == "/name"
    response = await patch({"cpv_codes": []})
    assert response.status == 422 and (await response.json())["errors"][0]["pointer"] == "/cpv_codes"
    response = await patch({"buyer_category": "region"})
    assert response.status == 422 and (await response.json())["errors"][0]["pointer"] == "/buyer_category"
    service = await make_token(Role.SERVICE)
    assert (await patch({"name": "Y"}, service)).status == 403
    taken = await db.fetchval("SELECT orgnr FROM registry.organisations WHERE id = $1", other)
    response = await patch({"orgnr": taken}, organiser_token)
    assert response.status == 409 and (await response.json())["errors"][0]["pointer"] == "/orgnr"
    response = await patch({"orgnr": orgnr_from_serial(500)}, organiser_token)
    assert response.status == 200 and (await response.json())["orgnr"] == orgnr_from_serial(500)
    assert await db.fetchval("SELECT version FROM registry.organisations WHERE id = $1", org) == 2


# --- pure helpers ------------------------------------------------------------------------------------------


def test_organisation_row_has_every_written_column():
    create_ = OrganisationCreate.model_validate(sme_body())
    row = organisation_row(create_)
    assert row["served_counties"] == ["20"] and "contacts" not in row and "areas_served" not in row


@given(st.text(max_size=30))
def test_escape_like_leaves_no_bare_wildcards(text):
    escaped = escape_like(text)
    index = 0
    while index < len(escaped):
        if escaped[index] == "\\":
            assert escaped[index + 1] in "\\%_"
            index += 2
        else:
            assert escaped[index] not in "%_"
            index += 1


@given(st.sampled_from(["0", "03", "45", "4521", "90910000"]))
def test_cpv_expansion_covers_exactly_the_prefix(prefix):
    codes = cpv_codes_under([prefix])
    assert all(code.startswith(prefix) for code in codes)
    assert len(codes) == len(set(codes))


async def test_lists_are_in_swedish_alphabetical_order_across_pages(registry, organiser_token, make_org):
    names = ["Östra Bygg AB", "Åre Städ AB", "Ängby El AB", "Zetterbergs Måleri", "Avesta Snöröjning", "Ärlig VVS"]
    for name in names:
        await make_org("sme", name=name)
    seen: list[str] = []
    url = "/organisations?kind=sme&limit=2"
    while url:
        page = await (await registry.get(url, headers=bearer(organiser_token))).json()
        seen += [item["name"] for item in page["items"]]
        url = f"/organisations?kind=sme&limit=2&cursor={page['next_cursor']}" if page.get("next_cursor") else None
    # SAOL order: a–z, then å, ä, ö (not the byte order Ä, Å, Ö).
    assert seen == [
        "Avesta Snöröjning",
        "Zetterbergs Måleri",
        "Åre Städ AB",
        "Ängby El AB",
        "Ärlig VVS",
        "Östra Bygg AB",
    ]
