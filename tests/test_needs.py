"""Needs through the real registry app on real PostgreSQL: create, visibility, ownership, status, ETags, search."""

from __future__ import annotations

import uuid
from datetime import date, time

import pytest

from shared.auth import Role
from tests.conftest import bearer

PROBLEM = "application/problem+json"


def need_body(**overrides: object) -> dict:
    body = {
        "title": "Snöröjning av kommunala gator",
        "description": "Snöröjning och sandning i centrala Falun, vintrarna 2026–2028.",
        "cpv_main": "90620000-9",
        "cpv_additional": ["90910000", "90620000", "90910000-9"],
        "estimated_value_sek": 500_000,
        "planned_tender_date": "2026-03-01",
        "contract_start": "2026-10-01",
        "contract_end": "2028-04-30",
        "procedure": "direct_award",
        "lots": [{"title": "Centrum", "estimated_value_sek": 300_000, "cpv_codes": ["90620000"]}],
        "delivery_municipality": "2080",
        "reference": "KS 2026/0042",
        "contact": {"name": "Anna Berg", "email": "anna.berg@falun.se", "phone": "070-123 45 67"},
    }
    body.update(overrides)
    return body


@pytest.fixture
async def buyers(make_org, make_token):
    """Two buyers (Falu kommun, Borlänge kommun) with tokens, and an SME token."""
    falun = await make_org("buyer", name="Falu kommun", buyer_category="municipality")
    borlange = await make_org("buyer", name="Borlänge kommun", municipality_code="2081", buyer_category="municipality")
    sme = await make_org("sme", name="Falu Städ AB")
    return {
        "falun": (falun, await make_token(Role.BUYER, falun)),
        "borlange": (borlange, await make_token(Role.BUYER, borlange)),
        "sme": (sme, await make_token(Role.SME, sme)),
    }


async def create(registry, token: str, body: dict, **headers: str):
    return await registry.post("/needs", json=body, headers={**bearer(token), **headers})


async def count(db) -> int:
    return await db.fetchval("SELECT count(*) FROM registry.needs")


def pointers(problem: dict) -> set[str]:
    return {error.get("pointer") for error in problem["errors"]}


async def test_buyer_creates_and_reads_its_need(registry, buyers, db):
    falun, token = buyers["falun"]
    response = await create(registry, token, need_body())
    assert response.status == 201, await response.text()
    need = await response.json()
    assert response.headers["Location"] == f"/needs/{need['id']}"
    assert response.headers["ETag"] == '"1"'
    assert need["buyer"] == {"id": str(falun), "name": "Falu kommun"}
    assert need["cpv_main"] == "90620000" and need["cpv_additional"] == ["90910000"]
    assert need["cpv_main_label"] == "Snöröjning" and need["cpv_additional_labels"] == ["Städning"]
    assert need["contact"]["phone"] == "+46701234567"
    assert need["lots"][0]["id"] == "1" and need["status"] == "planning" and need["version"] == 1
    assert need["value_band"] == "below_direct_award" and need["warnings"] == []
    entry = await db.fetchrow("SELECT action, organisation_id, changes FROM registry.audit_log WHERE entity = 'need'")
    assert entry["action"] == "need.create" and entry["organisation_id"] == falun
    assert "anna.berg" not in entry["changes"]  # personal data is not copied into the log

    response = await registry.get(f"/needs/{need['id']}", headers=bearer(token))
    assert response.status == 200 and response.headers["ETag"] == '"1"'
    assert (await response.json())["title"] == need["title"]


async def test_organiser_names_a_buyer_that_exists(registry, buyers, organiser_token, db):
    sme_id, _ = buyers["sme"]
    for body in (need_body(), need_body(buyer_id=str(sme_id)), need_body(buyer_id=str(uuid.uuid4()))):
        response = await create(registry, organiser_token, body)
        assert response.status == 422 and response.content_type == PROBLEM
        assert pointers(await response.json()) == {"/buyer_id"}
    assert await count(db) == 0
    falun, _ = buyers["falun"]
    response = await create(registry, organiser_token, need_body(buyer_id=str(falun)))
    assert response.status == 201
    assert (await response.json())["buyer"]["id"] == str(falun)


async def test_buyers_create_only_for_themselves(registry, buyers, db):
    falun, token = buyers["falun"]
    borlange, _ = buyers["borlange"]
    response = await create(registry, token, need_body(buyer_id=str(borlange)))
    assert response.status == 403
    response = await create(registry, buyers["sme"][1], need_body())
    assert response.status == 403
    response = await registry.post("/needs", json=need_body())
    assert response.status == 401
    assert await count(db) == 0
    response = await create(registry, token, need_body(buyer_id=str(falun)))
    assert response.status == 201


@pytest.mark.parametrize(
    ("overrides", "pointer"),
    [
        ({"cpv_additional": ["90910000", "12345678"]}, "/cpv_additional/1"),
        ({"cpv_main": "90620000-1"}, "/cpv_main"),
        ({"contract_end": "2026-01-01"}, ""),
        ({"delivery_municipality": "1180"}, "/delivery_municipality"),
        ({"contact": {"name": "Anna", "email": "not-an-email"}}, "/contact/email"),
        ({"contact": {"name": "Anna", "email": "a@b.se", "phone": "12"}}, "/contact/phone"),
        ({"lots": [{"title": "A", "estimated_value_sek": -1}]}, "/lots/0/estimated_value_sek"),
        ({"lots": [{"title": f"Lot {i}"} for i in range(51)]}, "/lots"),
        ({"lots": [{"id": "A", "title": "x"}, {"id": "A", "title": "y"}]}, ""),
        ({"estimated_value_sek": -5}, "/estimated_value_sek"),
        ({"procedure": "negotiated"}, "/procedure"),
        ({"status": "unknown"}, "/status"),
        ({"title": ""}, "/title"),
    ],
)
async def test_invalid_needs_are_422_with_pointers_and_store_nothing(registry, buyers, db, overrides, pointer):
    response = await create(registry, buyers["falun"][1], need_body(**overrides))
    assert response.status == 422 and response.content_type == PROBLEM
    assert pointer in pointers(await response.json())
    assert await count(db) == 0


async def test_planning_needs_are_seen_only_by_their_buyer_organisers_and_service(
    registry, buyers, organiser_token, service_token
):
    _, falun_token = buyers["falun"]
    need = await (await create(registry, falun_token, need_body())).json()
    others = (buyers["borlange"][1], buyers["sme"][1])
    for token in others:
        assert (await registry.get(f"/needs/{need['id']}", headers=bearer(token))).status == 404
        listed = await (await registry.get("/needs", headers=bearer(token))).json()
        assert listed["items"] == []
    for token in (falun_token, organiser_token, service_token):
        response = await registry.get(f"/needs/{need['id']}", headers=bearer(token))
        assert response.status == 200
        assert (await response.json())["contact"]["email"] == "anna.berg@falun.se"

    await registry.post(f"/needs/{need['id']}/status", json={"status": "planned"}, headers=bearer(falun_token))
    for token in others:
        response = await registry.get(f"/needs/{need['id']}", headers=bearer(token))
        assert response.status == 200
        assert (await response.json())["contact"] is None  # personal data stays with the buyer
        listed = await (await registry.get("/needs", headers=bearer(token))).json()
        assert [item["id"] for item in listed["items"]] == [need["id"]]
        assert listed["items"][0]["contact"] is None


async def test_only_the_owner_or_an_organiser_changes_a_need(registry, buyers, organiser_token, service_token, db):
    _, falun_token = buyers["falun"]
    need = await (await create(registry, falun_token, need_body(status="planned"))).json()
    url = f"/needs/{need['id']}"
    for token in (buyers["borlange"][1], buyers["sme"][1], service_token):
        assert (await registry.patch(url, json={"title": "Kapat"}, headers=bearer(token))).status == 403
        assert (await registry.delete(url, headers=bearer(token))).status == 403
        response = await registry.post(f"{url}/status", json={"status": "cancelled"}, headers=bearer(token))
        assert response.status == 403
    assert await db.fetchval("SELECT title FROM registry.needs") == need["title"]
    response = await registry.patch(url, json={"title": "Snöröjning 2026"}, headers=bearer(organiser_token))
    assert response.status == 200 and (await response.json())["title"] == "Snöröjning 2026"
    assert (await registry.get("/needs/not-a-uuid", headers=bearer(falun_token))).status == 404


async def test_status_transitions(registry, buyers, db):
    _, token = buyers["falun"]
    need = await (await create(registry, token, need_body())).json()
    url = f"/needs/{need['id']}/status"

    async def move(status: str):
        return await registry.post(url, json={"status": status, "reason": "test"}, headers=bearer(token))

    response = await move("published")
    assert response.status == 409 and "planned" in (await response.json())["detail"]
    assert (await move("planning")).status == 200  # already there: nothing changes
    assert await db.fetchval("SELECT version FROM registry.needs") == 1
    assert (await move("planned")).status == 200
    response = await move("published")
    assert response.status == 200 and (await response.json())["status"] == "published"
    for target in ("cancelled", "planned", "planning"):
        assert (await move(target)).status == 409
    assert await db.fetchval("SELECT status FROM registry.needs") == "published"
    response = await registry.patch(f"/needs/{need['id']}", json={"status": "cancelled"}, headers=bearer(token))
    assert response.status == 422 and pointers(await response.json()) == {"/status"}
    actions = await db.fetch("SELECT action FROM registry.audit_log WHERE action = 'need.status'")
    assert len(actions) == 2

    other = await (await create(registry, token, need_body(reference="B"))).json()
    ok = await registry.post(f"/needs/{other['id']}/status", json={"status": "cancelled"}, headers=bearer(token))
    assert ok.status == 200
    response = await registry.patch(f"/needs/{other['id']}", json={"title": "x"}, headers=bearer(token))
    assert response.status == 409


async def test_etag_if_none_match_and_if_match(registry, buyers, db):
    _, token = buyers["falun"]
    need = await (await create(registry, token, need_body())).json()
    url = f"/needs/{need['id']}"
    response = await registry.get(url, headers={**bearer(token), "If-None-Match": '"1"'})
    assert response.status == 304 and response.headers["ETag"] == '"1"'
    response = await registry.patch(
        url, json={"estimated_value_sek": 900_000}, headers={**bearer(token), "If-Match": '"1"'}
    )
    assert response.status == 200 and response.headers["ETag"] == '"2"'
    changed = await response.json()
    assert changed["value_band"] == "below_eu_threshold"
    assert [w["code"] for w in changed["warnings"]] == ["direct_award_above_limit"]
    response = await registry.patch(url, json={"title": "Stale"}, headers={**bearer(token), "If-Match": '"1"'})
    assert response.status == 412 and response.headers["ETag"] == '"2"'
    response = await registry.delete(url, headers={**bearer(token), "If-Match": '"1"'})
    assert response.status == 412
    assert await db.fetchval("SELECT title FROM registry.needs") == need["title"]


async def test_patch_is_validated_as_a_whole_and_changes_nothing_when_invalid(registry, buyers, db):
    _, token = buyers["falun"]
    need = await (await create(registry, token, need_body())).json()
    url = f"/needs/{need['id']}"
    for patch, pointer in (({"contract_start": "2029-01-01"}, ""), ({"title": None}, "/title"), ({"x": 1}, "/x")):
        response = await registry.patch(url, json=patch, headers=bearer(token))
        assert response.status == 422 and pointer in pointers(await response.json())
    assert await db.fetchval("SELECT version FROM registry.needs") == 1
    response = await registry.patch(url, json={"contact": None, "lots": []}, headers=bearer(token))
    body = await response.json()
    assert body["contact"] is None and body["lots"] == [] and body["title"] == need["title"]


async def test_idempotent_create(registry, buyers, db):
    _, token = buyers["falun"]
    first = await create(registry, token, need_body(), **{"Idempotency-Key": "need-1"})
    again = await create(registry, token, need_body(), **{"Idempotency-Key": "need-1"})
    assert first.status == again.status == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (await first.json())["id"] == (await again.json())["id"]
    assert await count(db) == 1
    other = await create(registry, token, need_body(title="Annat"), **{"Idempotency-Key": "need-1"})
    assert other.status == 422
    assert await count(db) == 1


async def test_delete_refuses_needs_used_by_scheduled_events(registry, buyers, db):
    falun, token = buyers["falun"]
    need = await (await create(registry, token, need_body())).json()
    event_id = await db.fetchval(
        """INSERT INTO registry.events (name, event_date, municipality_code, day_start, day_end, meeting_minutes,
                                        tables, signup_deadline, status)
           VALUES ('Affärsträff Falun', $1, '2080', $2, $3, 20, 10, now(), 'scheduled') RETURNING id""",
        date(2026, 5, 1),
        time(9),
        time(12),
    )
    registration = await db.fetchval(
        "INSERT INTO registry.registrations (event_id, organisation_id, kind) VALUES ($1, $2, 'buyer') RETURNING id",
        event_id,
        falun,
    )
    await db.execute(
        "INSERT INTO registry.registration_needs (registration_id, need_id) VALUES ($1, $2)",
        registration,
        uuid.UUID(need["id"]),
    )
    response = await registry.delete(f"/needs/{need['id']}", headers=bearer(token))
    assert response.status == 409
    problem = await response.json()
    assert "cancel" in problem["detail"] and problem["events"][0]["name"] == "Affärsträff Falun"
    assert await count(db) == 1
    await db.execute("UPDATE registry.events SET status = 'closed'")
    assert (await registry.delete(f"/needs/{need['id']}", headers=bearer(token))).status == 204
    assert await count(db) == 0
    assert (await registry.get(f"/needs/{need['id']}", headers=bearer(token))).status == 404


async def test_filters_and_swedish_search(registry, buyers, organiser_token):
    falun, falun_token = buyers["falun"]
    _, borlange_token = buyers["borlange"]
    snow = need_body(title="Snöröjning Falun", description="Plogning av gator", status="planned")
    meals = need_body(
        title="Skolmåltider Borlänge",
        description="Tillagning av lunch i grundskolor",
        cpv_main="55524000",
        cpv_additional=["90910000"],
        estimated_value_sek=3_000_000,
        planned_tender_date="2026-09-01",
        delivery_municipality="2081",
        procedure="open",
        status="planned",
    )
    school = need_body(
        title="Ombyggnad av skola",
        description="Renovering av Britsarvsskolan",
        cpv_main="45214200",
        cpv_additional=[],
        estimated_value_sek=20_000_000,
        planned_tender_date="2027-01-15",
        suitable_for_smes=False,
        procedure="open",
    )
    ids = {}
    for name, token, body in (
        ("snow", falun_token, snow),
        ("meals", borlange_token, meals),
        ("school", falun_token, school),
    ):
        ids[name] = (await (await create(registry, token, body)).json())["id"]

    async def found(query: str, token: str = organiser_token) -> set[str]:
        response = await registry.get(f"/needs?{query}", headers=bearer(token))
        assert response.status == 200, await response.text()
        names = {value: key for key, value in ids.items()}
        return {names[item["id"]] for item in (await response.json())["items"]}

    assert await found("q=röjning") == {"snow"}
    assert await found("q=måltid") == {"meals"}
    assert await found("q=skolmåltider") == {"meals"}
    assert await found("q=skol") == {"school", "meals"}  # inside compounds: grundskolor, Britsarvsskolan
    assert await found("q=gatorna") == {"snow"}  # Swedish stemming: gatorna ~ gator
    assert await found("q=100%25") == set()
    assert await found("cpv=9062") == {"snow"}
    assert await found("cpv=45&cpv=55") == {"school", "meals"}
    assert await found("cpv=9091") == {"snow", "meals"}
    assert await found("municipality=2081") == {"meals"}
    assert await found(f"buyer_id={falun}") == {"snow", "school"}
    assert await found("status=planning") == {"school"}
    assert await found("status=planned&status=published") == {"snow", "meals"}
    assert await found("suitable_for_smes=false") == {"school"}
    assert await found("tender_from=2026-06-01&tender_to=2026-12-31") == {"meals"}
    assert await found("value_min=1000000&value_max=5000000") == {"meals"}
    assert await found("q=skol", token=borlange_token) == {"meals"}  # Falun's school is still planning
    response = await registry.get("/needs?cpv=9&municipality=abc&status=x", headers=bearer(organiser_token))
    assert response.status == 422
    assert {e["parameter"] for e in (await response.json())["errors"]} >= {"cpv.0", "municipality", "status.0"}


async def test_cursor_walk_visits_every_need_once(registry, buyers):
    _, token = buyers["falun"]
    created = [(await (await create(registry, token, need_body(title=f"Behov {i}"))).json())["id"] for i in range(5)]
    seen, url = [], "/needs?limit=2"
    while True:
        response = await registry.get(url, headers=bearer(token))
        page = await response.json()
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            assert "Link" not in response.headers
            break
        assert 'rel="next"' in response.headers["Link"]
        url = f"/needs?limit=2&cursor={page['next_cursor']}"
    assert seen == created
    response = await registry.get("/needs?cursor=bm9wZQ", headers=bearer(token))
    assert response.status == 422 and (await response.json())["errors"][0]["parameter"] == "cursor"


async def test_openapi_documents_need_routes(registry):
    document = await (await registry.get("/openapi.json")).json()
    assert {"/needs", "/needs/{need_id}", "/needs/{need_id}/status", "/needs/import/ocds", "/thresholds"} <= set(
        document["paths"]
    )
    assert "status" in document["paths"]["/needs/{need_id}"]["patch"]["summary"]
