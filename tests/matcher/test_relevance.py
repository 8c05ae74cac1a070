"""``GET /events/{id}/relevance``: a firm's needs and a buyer's firms, best fit first, on the real services.

The world: Falu kommun brings a cleaning need delivered in Falun and a snow-clearing need; a Falun cleaner,
a Mora builder and a Falun snow clearer are signed up. The matcher scores from the registry's snapshot, so
a sign-up made between two requests is in the second answer.
"""

from __future__ import annotations

import uuid

from shared.auth import Role
from tests.conftest import bearer
from tests.test_events import create_event, move_to


async def _need(registry, token: str, **fields: object) -> dict:
    body = {"status": "planned", **fields}
    response = await registry.post("/needs", json=body, headers=bearer(token))
    assert response.status == 201, await response.text()
    return await response.json()


async def _sign_up(registry, event_id: str, token: str, body: dict | None = None) -> None:
    response = await registry.post(f"/events/{event_id}/registrations", json=body or {}, headers=bearer(token))
    assert response.status == 201, await response.text()


async def world(registry, make_org, make_token) -> dict:
    organiser = await make_token(Role.ORGANISER, label="relevance organiser")
    event = await create_event(registry, organiser)
    await move_to(registry, organiser, event["id"], "open")
    ids = {
        "organiser": organiser,
        "event": event["id"],
        "buyer": await make_org("buyer", name="Falu kommun", municipality_code="2080", cpv_codes=["90910000"]),
        "cleaner": await make_org(
            "sme", name="Falu Städ AB", cpv_codes=["90910000"], description="Städning och lokalvård i skolor"
        ),
        "builder": await make_org("sme", name="Mora Bygg AB", municipality_code="2062", cpv_codes=["45000000"]),
        "snow": await make_org("sme", name="Snöfria Falun AB", cpv_codes=["90620000"], description="Snöröjning"),
        "newcomer": await make_org("sme", name="Nystädarna AB", cpv_codes=["90911200"]),
    }
    tokens = {name: await make_token(Role.SME, ids[name]) for name in ("cleaner", "builder", "snow", "newcomer")}
    tokens["buyer"] = await make_token(Role.BUYER, ids["buyer"])
    tokens["organiser"] = organiser
    cleaning = await _need(
        registry, tokens["buyer"], title="Lokalvård i förskolor", cpv_main="90910000", delivery_municipality="2080"
    )
    snow = await _need(registry, tokens["buyer"], title="Snöröjning av gator", cpv_main="90620000")
    ids["cleaning"], ids["snow_need"] = cleaning["id"], snow["id"]
    await _sign_up(registry, event["id"], tokens["buyer"], {"brought_needs": [cleaning["id"], snow["id"]]})
    for name in ("cleaner", "builder", "snow"):
        await _sign_up(registry, event["id"], tokens[name])
    return {"ids": {k: str(v) for k, v in ids.items() if k != "organiser"}, "tokens": tokens}


async def _relevance(matcher, event_id: str, token: str, **query: str):
    return await matcher.get(f"/events/{event_id}/relevance", params=query, headers=bearer(token))


async def test_a_firm_sees_the_needs_that_fit_it_first_with_a_reason(registry, matcher, make_org, make_token):
    w = await world(registry, make_org, make_token)
    ids, tokens = w["ids"], w["tokens"]
    response = await _relevance(matcher, ids["event"], tokens["cleaner"], sme_id=ids["cleaner"])
    assert response.status == 200, await response.text()
    assert response.headers["Cache-Control"] == "private, no-store"
    body = await response.json()
    assert body["side"] == "sme" and body["signed_up"] is True
    titles = [item["need_title"] for item in body["items"]]
    assert titles == ["Lokalvård i förskolor", "Snöröjning av gator"]
    first, second = body["items"]
    assert first["score"] > second["score"] and 0 <= second["score"] <= 100
    assert first["reason_sv"].startswith("Passar er: samma CPV-kod 90910000 Städning, verksamma i Falun")
    assert first["reason_en"].startswith("Fits you: same CPV code 90910000 Cleaning services")
    assert first["organisation_id"] == ids["buyer"] and first["municipality_code"] == "2080"

    # The snow clearer's list is the other way round.
    response = await _relevance(matcher, ids["event"], tokens["snow"], sme_id=ids["snow"])
    assert (await response.json())["items"][0]["need_title"] == "Snöröjning av gator"


async def test_a_buyer_sees_the_firms_that_fit_its_needs_first(registry, matcher, make_org, make_token):
    w = await world(registry, make_org, make_token)
    ids, tokens = w["ids"], w["tokens"]
    response = await _relevance(matcher, ids["event"], tokens["buyer"], buyer_id=ids["buyer"])
    assert response.status == 200, await response.text()
    items = (await response.json())["items"]
    assert [item["name"] for item in items][-1] == "Mora Bygg AB"  # builds; the buyer wants cleaning and snow
    assert {item["name"] for item in items[:2]} == {"Falu Städ AB", "Snöfria Falun AB"}
    cleaner = next(item for item in items if item["name"] == "Falu Städ AB")
    assert cleaner["need_id"] == ids["cleaning"] and cleaner["cpv_main"] == "90910000"
    assert items[-1]["reason_sv"] == "Få gemensamma nämnare." and items[-1]["score"] < cleaner["score"]


async def test_a_new_sign_up_shows_up_and_a_firm_not_signed_up_is_scored_from_its_profile(
    registry, matcher, make_org, make_token
):
    w = await world(registry, make_org, make_token)
    ids, tokens = w["ids"], w["tokens"]
    before = await (await _relevance(matcher, ids["event"], tokens["buyer"], buyer_id=ids["buyer"])).json()
    assert "Nystädarna AB" not in {item["name"] for item in before["items"]}

    # Not signed up yet: its own list is scored from its profile (a cleaning code under the need's class).
    response = await _relevance(matcher, ids["event"], tokens["newcomer"], sme_id=ids["newcomer"])
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["signed_up"] is False and body["items"][0]["need_title"] == "Lokalvård i förskolor"
    assert "samma CPV-område 90910000 Städning" in body["items"][0]["reason_sv"]

    await _sign_up(registry, ids["event"], tokens["newcomer"])
    after = await (await _relevance(matcher, ids["event"], tokens["buyer"], buyer_id=ids["buyer"])).json()
    assert "Nystädarna AB" in {item["name"] for item in after["items"]}
    mine = await (await _relevance(matcher, ids["event"], tokens["newcomer"], sme_id=ids["newcomer"])).json()
    assert mine["signed_up"] is True


async def test_a_buyer_not_signed_up_is_scored_with_its_open_needs(registry, matcher, make_org, make_token):
    w = await world(registry, make_org, make_token)
    ids = w["ids"]
    other = await make_org("buyer", name="Mora kommun", municipality_code="2062")
    token = await make_token(Role.BUYER, other)
    await _need(registry, token, title="Ombyggnad av skola", cpv_main="45000000", delivery_municipality="2062")
    response = await _relevance(matcher, ids["event"], token, buyer_id=str(other))
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["signed_up"] is False and body["items"][0]["name"] == "Mora Bygg AB"
    assert body["items"][0]["need_title"] == "Ombyggnad av skola"


async def test_who_may_ask_and_what_is_refused(registry, matcher, make_org, make_token):
    w = await world(registry, make_org, make_token)
    ids, tokens = w["ids"], w["tokens"]
    event = ids["event"]
    # Another firm's list, a firm asking as a buyer, a buyer asking for a firm: refused.
    for token, query in (
        (tokens["builder"], {"sme_id": ids["cleaner"]}),
        (tokens["cleaner"], {"buyer_id": ids["cleaner"]}),
        (tokens["buyer"], {"sme_id": ids["buyer"]}),
    ):
        response = await _relevance(matcher, event, token, **query)
        assert response.status == 403, (query, await response.text())
    # The organiser reads any; neither or both parameters, an unknown party or event: named problems.
    assert (await _relevance(matcher, event, tokens["organiser"], sme_id=ids["builder"])).status == 200
    response = await _relevance(matcher, event, tokens["organiser"])
    assert response.status == 422
    assert {e["parameter"] for e in (await response.json())["errors"]} == {"sme_id", "buyer_id"}
    both = {"sme_id": ids["cleaner"], "buyer_id": ids["buyer"]}
    assert (await _relevance(matcher, event, tokens["organiser"], **both)).status == 422
    assert (await _relevance(matcher, event, tokens["organiser"], sme_id=str(uuid.uuid4()))).status == 404
    assert (await _relevance(matcher, event, tokens["organiser"], sme_id=ids["buyer"])).status == 404
    unknown_event = await _relevance(matcher, str(uuid.uuid4()), tokens["organiser"], sme_id=ids["cleaner"])
    assert unknown_event.status == 404 and unknown_event.content_type == "application/problem+json"


async def test_the_route_is_in_the_openapi_document(matcher):
    document = await (await matcher.get("/openapi.json")).json()
    operation = document["paths"]["/events/{event_id}/relevance"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"event_id", "sme_id", "buyer_id", "limit"}
    assert "RelevanceList" in str(operation["responses"]["200"])
