"""The region (county, län) an event serves, and firms from anywhere in Sweden, through the real registry
(issue 15, "Flera kan göra som vi"): Dalarna unless the organiser says otherwise, validated field by field."""

from __future__ import annotations

import pytest

from tests.conftest import bearer
from tests.test_events import PROBLEM, create_event, event_body, pointers
from tests.test_organisations import create, sme_body


async def test_an_event_serves_dalarna_unless_told_otherwise_and_the_region_can_change(registry, organiser_token, db):
    event = await create_event(registry, organiser_token)
    assert event["region"] == "20"
    assert await db.fetchval("SELECT region FROM registry.events WHERE id = $1", event["id"]) == "20"

    skane = await create_event(
        registry, organiser_token, name="Affärsträff Malmö", municipality_code="1280", region="12"
    )
    assert (skane["region"], skane["municipality_code"]) == ("12", "1280")

    url = f"/events/{event['id']}"
    response = await registry.patch(
        url, json={"region": "21"}, headers=bearer(organiser_token) | {"If-Match": f'"{event["version"]}"'}
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["region"] == "21"
    listed = await (await registry.get("/events", headers=bearer(organiser_token))).json()
    assert {item["id"]: item["region"] for item in listed["items"]} == {event["id"]: "21", skane["id"]: "12"}


@pytest.mark.parametrize("region", ["11", "2", "020", "Dalarna", "", 20, None])
async def test_a_region_that_is_no_county_is_a_problem_naming_the_field(registry, organiser_token, db, region):
    response = await registry.post("/events", json=event_body(region=region), headers=bearer(organiser_token))
    assert response.status == 422 and response.content_type == PROBLEM
    problem = await response.json()
    assert pointers(problem) == {"/region"}, problem
    assert await db.fetchval("SELECT count(*) FROM registry.events") == 0


async def test_patching_a_bad_region_changes_nothing(registry, organiser_token):
    event = await create_event(registry, organiser_token, region="25")
    url = f"/events/{event['id']}"
    for region in ("26", None):
        response = await registry.patch(
            url, json={"region": region}, headers=bearer(organiser_token) | {"If-Match": f'"{event["version"]}"'}
        )
        assert response.status == 422 and pointers(await response.json()) == {"/region"}, region
    current = await (await registry.get(url, headers=bearer(organiser_token))).json()
    assert (current["region"], current["version"]) == ("25", event["version"])


async def test_the_database_refuses_a_region_that_is_no_county(db, registry, organiser_token):
    event = await create_event(registry, organiser_token)
    with pytest.raises(Exception, match="check"):
        await db.execute("UPDATE registry.events SET region = '11' WHERE id = $1", event["id"])


async def test_a_firm_in_malmo_is_accepted_and_a_made_up_municipality_is_not(registry, organiser_token, db):
    body = sme_body(name="Malmö Städ AB", municipality_code="1280", areas_served={"municipalities": ["1280", "1281"]})
    response = await create(registry, organiser_token, body)
    assert response.status == 201, await response.text()
    firm = await response.json()
    assert firm["municipality_code"] == "1280"
    assert firm["areas_served"]["municipalities"] == ["1280", "1281"]

    # Well formed (county 12, not 00) but no such municipality: SCB's list decides, not the pattern.
    for pointer, bad in {
        "/municipality_code": sme_body(2, municipality_code="1201"),
        "/areas_served/municipalities/0": sme_body(3, areas_served={"municipalities": ["2099"]}),
    }.items():
        response = await create(registry, organiser_token, bad)
        assert response.status == 422 and response.content_type == PROBLEM
        assert pointer in pointers(await response.json()), pointer
    assert await db.fetchval("SELECT count(*) FROM registry.organisations") == 1
