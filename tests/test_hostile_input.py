"""Hostile input to the registry's real routes: NUL, deep JSON, huge integers, control and bidi characters.

Each is a 4xx problem with the field's pointer (or parameter) and stores nothing; none is a 500. Names
keep their letters but lose the characters that could turn an agenda's line around.
"""

from __future__ import annotations

import json

import asyncpg

from services.registry.app import MIGRATIONS as REGISTRY_MIGRATIONS
from services.registry.app import migrator as registry_migrator
from shared.auth import Role
from shared.migrations import Migrator
from tests.conftest import bearer
from tests.test_bulk import csv_of, post_csv, sme_line
from tests.test_events import event_body
from tests.test_organisations import PROBLEM, buyer_body, sme_body

DEEP = b"[" * 100_000 + b"]" * 100_000


async def count(db, table: str) -> int:
    return await db.fetchval(f"SELECT count(*) FROM registry.{table}")  # noqa: S608 (a fixed table name)


async def problem(response, status: int) -> dict:
    assert response.status == status, await response.text()
    assert response.content_type == PROBLEM
    return await response.json()


def errors_of(document: dict) -> list[tuple[str | None, str]]:
    return [(e.get("pointer") or e.get("parameter"), e["code"]) for e in document["errors"]]


async def test_nul_in_anonymous_sign_up_is_a_422_at_each_field_and_stores_nothing(registry, db):
    body = sme_body(name="Falu\x00 Städ", contacts=[{"name": "Anna", "email": "anna\x00@falustad.se"}])
    tokens = await count(db, "api_tokens")  # the service's bootstrap token
    document = await problem(await registry.post("/organisations", json=body), 422)
    assert errors_of(document) == [("/name", "string_nul"), ("/contacts/0/email", "string_nul")]
    assert await count(db, "organisations") == 0
    assert await count(db, "api_tokens") == tokens


async def test_nul_in_login_is_a_422_not_a_500(registry):
    for body, pointer in (
        ({"email": "anna@falun.se", "password": "lösen\x00ord"}, "/password"),
        ({"email": "anna\x00@falun.se", "password": "lösenord"}, "/email"),
    ):
        document = await problem(await registry.post("/auth/login", json=body), 422)
        assert errors_of(document) == [(pointer, "string_nul")]


async def test_nul_in_plain_string_fields_of_organiser_routes(registry, db, organiser_token):
    # Fields typed as plain str (the token to introspect, a password) pass the same parser.
    answers = [
        await registry.post("/auth/introspect", json={"token": "x\x00"}, headers=bearer(organiser_token)),
        await registry.post(
            "/auth/accounts",
            json={"email": "bo@mora.se", "password": "ett långt lösen\x00ord", "role": "organiser"},
            headers=bearer(organiser_token),
        ),
        await registry.post("/events", json=event_body(venue="Lugnet\x00"), headers=bearer(organiser_token)),
    ]
    assert [errors_of(await problem(a, 422)) for a in answers] == [
        [("/token", "string_nul")],
        [("/password", "string_nul")],
        [("/venue", "string_nul")],
    ]
    assert await count(db, "events") == 0


async def test_nul_in_query_parameters_names_the_parameter(registry, organiser_token):
    for path in ("/needs?q=st%00d", "/organisations?q=%00", "/events?cursor=%00", "/audit?entity=a%00"):
        document = await problem(await registry.get(path, headers=bearer(organiser_token)), 422)
        assert errors_of(document)[0][1] == "string_nul"
        assert errors_of(document)[0][0] == path.split("?")[1].split("=")[0]


async def test_nul_in_a_csv_cell_points_at_row_and_column_and_stores_nothing(registry, db, organiser_token):
    upload = csv_of(sme_line(1), sme_line(2, contact_name="Anna\x00 Lind"))
    document = await problem(await post_csv(registry, organiser_token, upload), 422)
    assert ("/rows/2/contact_name", "string_nul") in errors_of(document)
    assert await count(db, "organisations") == 0


async def test_json_nested_100000_deep_is_a_400_on_every_body(registry, organiser_token):
    headers = {"Content-Type": "application/json"}
    for path, auth in (
        ("/organisations", {}),
        ("/auth/login", {}),
        ("/needs/import/ocds", bearer(organiser_token)),
        ("/events", bearer(organiser_token)),
    ):
        response = await registry.post(path, data=DEEP, headers={**headers, **auth})
        document = await problem(response, 400)
        assert document["type"].endswith("malformed-json"), path
        assert "nested deeper" in document["detail"]


async def test_nan_is_not_json(registry):
    body = b'{"email": "a@b.se", "password": NaN}'
    response = await registry.post("/auth/login", data=body, headers={"Content-Type": "application/json"})
    await problem(response, 400)


async def test_integers_beyond_their_columns_are_422(registry, db, organiser_token, make_org, make_token):
    buyer = await make_org("buyer")
    buyer_token = await make_token(Role.BUYER, organisation_id=buyer)
    need = {"title": "Snöröjning", "cpv_main": "90620000-9", "estimated_value_sek": 2**63}
    document = await problem(await registry.post("/needs", json=need, headers=bearer(buyer_token)), 422)
    assert errors_of(document) == [("/estimated_value_sek", "less_than_equal")]
    lot = {"title": "Snöröjning", "cpv_main": "90620000-9", "lots": [{"title": "Norr", "estimated_value_sek": 2**64}]}
    document = await problem(await registry.post("/needs", json=lot, headers=bearer(buyer_token)), 422)
    assert errors_of(document) == [("/lots/0/estimated_value_sek", "less_than_equal")]
    assert await count(db, "needs") == 0

    for query in (f"value_min={2**63}", f"value_max={10**30}"):
        document = await problem(await registry.get(f"/needs?{query}", headers=bearer(buyer_token)), 422)
        assert errors_of(document) == [(query.split("=")[0], "less_than_equal")]

    threshold = {"kind": "eu_works", "valid_from": "2030-01-01", "amount_sek": 2**63}
    document = await problem(await registry.post("/thresholds", json=threshold, headers=bearer(organiser_token)), 422)
    assert errors_of(document) == [("/amount_sek", "less_than_equal")]

    event = await registry.post("/events", json=event_body(), headers=bearer(organiser_token))
    event_id = (await event.json())["id"]
    opened = await registry.post(
        f"/events/{event_id}/transitions", json={"to": "open"}, headers=bearer(organiser_token)
    )
    assert opened.status == 200, await opened.text()
    sme = await make_org("sme")
    url = f"/events/{event_id}/registrations"
    for body, pointer in (
        ({"max_meetings": 2**31}, "/max_meetings"),
        ({"available_slots": [0, 2**31]}, "/available_slots/1"),
    ):
        body = {"organisation_id": str(sme), **body}
        document = await problem(await registry.post(url, json=body, headers=bearer(organiser_token)), 422)
        assert errors_of(document) == [(pointer, "less_than_equal")]
    buyer_signup = {"organisation_id": str(buyer), "tables": 2**40}
    document = await problem(await registry.post(url, json=buyer_signup, headers=bearer(organiser_token)), 422)
    assert errors_of(document) == [("/tables", "less_than_equal")]
    assert await count(db, "registrations") == 0


async def test_names_lose_control_and_bidi_characters_descriptions_keep_their_lines(registry, db, organiser_token):
    body = sme_body(
        name="\u202eBA dätS ulaF\u202c",
        description="Städning\r\nFönsterputs\u2066\x1b[2J",
        keywords=["Sn\u00f6\u200fr\u00f6jning\t"],
        contacts=[{"name": "Anna\nBerg\x07", "title": "VD\u2067", "email": "anna@falustad.se"}],
    )
    response = await registry.post("/organisations", json=body, headers=bearer(organiser_token))
    assert response.status == 201, await response.text()
    stored = await db.fetchrow("SELECT name, description, keywords FROM registry.organisations")
    assert stored["name"] == "BA dätS ulaF"
    assert stored["description"] == "Städning\nFönsterputs[2J"
    assert stored["keywords"] == ["snöröjning"]
    contact = await db.fetchrow("SELECT name, title FROM registry.contacts")
    assert (contact["name"], contact["title"]) == ("Anna Berg", "VD")

    # A name of nothing but controls is no name.
    nameless = buyer_body(name="\u202e\u202c\x1b")
    document = await problem(await registry.post("/organisations", json=nameless, headers=bearer(organiser_token)), 422)
    assert errors_of(document) == [("/name", "string_too_short")]

    event = await registry.post(
        "/events",
        json=event_body(
            name="Affärsträff\u202e nuLaF", breaks=[{"start": "10:15", "end": "10:30", "label": "Fi\u2068ka"}]
        ),
        headers=bearer(organiser_token),
    )
    assert event.status == 201, await event.text()
    assert (await event.json())["name"] == "Affärsträff nuLaF"
    assert (await event.json())["breaks"][0]["label"] == "Fika"


async def test_a_token_that_would_be_born_expired_is_refused(registry, db, organiser_token):
    tokens = await count(db, "api_tokens")
    body = {"role": "organiser", "label": "Anna", "expires_at": "2020-01-01T00:00:00+01:00"}
    response = await registry.post("/auth/tokens", json=body, headers=bearer(organiser_token))
    assert errors_of(await problem(response, 422)) == [("/expires_at", "expires_in_past")]
    without_offset = {**body, "expires_at": "2099-01-01T00:00:00"}
    response = await registry.post("/auth/tokens", json=without_offset, headers=bearer(organiser_token))
    assert errors_of(await problem(response, 422)) == [("/expires_at", "timezone_aware")]
    assert await count(db, "api_tokens") == tokens


async def test_the_openapi_document_states_limits_times_and_expiry(registry):
    document = await (await registry.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    needs = {p["name"]: p["schema"] for p in document["paths"]["/needs"]["get"]["parameters"]}
    assert needs["value_min"]["anyOf"][0] == {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}
    registration = schemas["RegistrationCreate"]["properties"]
    assert registration["max_meetings"]["anyOf"][0]["maximum"] == 2**31 - 1
    assert registration["available_slots"]["anyOf"][0]["items"]["maximum"] == 2**31 - 1
    assert schemas["NeedCreate"]["properties"]["estimated_value_sek"]["anyOf"][0]["maximum"] == 2**63 - 1
    # Wall-clock times have no offset, so not JSON Schema's "format: time" (which requires one).
    day_start = schemas["EventCreate"]["properties"]["day_start"]
    assert "format" not in day_start
    assert day_start["pattern"].startswith("^([01][0-9]|2[0-3]):[0-5][0-9]")
    assert "future" in schemas["TokenRequest"]["properties"]["expires_at"]["description"]


async def test_names_stored_before_the_cleaning_are_cleaned_by_the_migration(empty_db_url, tmp_path):
    # The registry's schema up to migration 8, rows typed in as the old API let them through, then the rest.
    for path in sorted(REGISTRY_MIGRATIONS.glob("*.sql"))[:8]:
        (tmp_path / path.name).write_text(path.read_text())
    conn = await asyncpg.connect(empty_db_url)
    try:
        await Migrator("registry", tmp_path).migrate(conn)
        organisation = await conn.fetchval(
            "INSERT INTO registry.organisations (kind, orgnr, name, municipality_code, description, keywords)"
            " VALUES ('sme', '556016-0680', $1, '2080', $2, $3) RETURNING id",
            "\u202eBA dätS\u202c\r\nulaF",
            "Rad 1\r\nRad 2\u2066\x1b",
            ["st\u200fäd"],
        )
        await conn.execute(
            "INSERT INTO registry.contacts (organisation_id, position, name, title, email)"
            " VALUES ($1, 0, $2, $3, 'a@b.se')",
            organisation,
            "\x07\u202e",
            "VD\t",
        )
        lots = [{"id": "1", "title": "Norr\u2067", "estimated_value_sek": 5}]
        await conn.execute(
            "INSERT INTO registry.needs (buyer_id, title, cpv_main, lots, contact)"
            " VALUES ($1, $2, '90620000', $3::jsonb, $4::jsonb)",
            organisation,
            "Snö\u202eröjning",
            json.dumps(lots),
            json.dumps({"name": "Bo\u202e", "email": "bo@falun.se"}),
        )
        await registry_migrator().migrate(conn)
        row = await conn.fetchrow("SELECT name, description, keywords FROM registry.organisations")
        assert (row["name"], row["description"], row["keywords"]) == ("BA dätS  ulaF", "Rad 1\nRad 2", ["städ"])
        assert await conn.fetchval("SELECT name || '|' || title FROM registry.contacts") == "–|VD"
        need = await conn.fetchrow("SELECT title, lots::text, contact::text FROM registry.needs")
        assert need["title"] == "Snöröjning"
        assert json.loads(need["lots"]) == [{"id": "1", "title": "Norr", "estimated_value_sek": 5}]
        assert json.loads(need["contact"]) == {"name": "Bo", "email": "bo@falun.se"}
    finally:
        await conn.close()
