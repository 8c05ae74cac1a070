"""Hostile input to the matcher's real routes: NUL, deep JSON, integers beyond their columns, bidi characters.

Each is a 4xx problem with the field's pointer (or parameter), and nothing is queued or stored.
"""

from __future__ import annotations

import uuid

from tests.conftest import bearer
from tests.test_events import event_body
from tests.test_hostile_input import DEEP, errors_of, problem


async def open_event(registry, token: str) -> str:
    created = await registry.post("/events", json=event_body(), headers=bearer(token))
    assert created.status == 201, await created.text()
    event_id = (await created.json())["id"]
    opened = await registry.post(f"/events/{event_id}/transitions", json={"to": "open"}, headers=bearer(token))
    assert opened.status == 200, await opened.text()
    return event_id


async def test_schedule_requests_beyond_an_integer_column_or_too_deep_are_refused(
    matcher, registry, db, organiser_token
):
    event_id = await open_event(registry, organiser_token)
    url = f"/events/{event_id}/schedules"
    for body, pointer in (({"from_version": 2**31}, "/from_version"), ({"seed": 2**63}, "/seed")):
        document = await problem(await matcher.post(url, json=body, headers=bearer(organiser_token)), 422)
        assert errors_of(document) == [(pointer, "less_than_equal")]
    deep = await matcher.post(url, data=DEEP, headers={**bearer(organiser_token), "Content-Type": "application/json"})
    assert (await problem(deep, 400))["type"].endswith("malformed-json")
    nul = await matcher.post(url, json={"mode": "fresh\x00"}, headers=bearer(organiser_token))
    assert errors_of(await problem(nul, 422)) == [("/mode", "string_nul")]
    assert await db.fetchval("SELECT count(*) FROM matcher.jobs") == 0


async def test_rules_refuse_huge_slots_and_nul_and_drop_bidi_characters(
    matcher, registry, db, organiser_token, make_org
):
    event_id = await open_event(registry, organiser_token)
    sme, buyer = await make_org("sme"), await make_org("buyer")
    for organisation in (sme, buyer):
        signed_up = await registry.post(
            f"/events/{event_id}/registrations",
            json={"organisation_id": str(organisation)},
            headers=bearer(organiser_token),
        )
        assert signed_up.status == 201, await signed_up.text()
    url = f"/events/{event_id}/schedule-rules/{sme}/{buyer}"
    huge = await matcher.put(url, json={"rule": "lock", "slot": 2**31}, headers=bearer(organiser_token))
    assert errors_of(await problem(huge, 422)) == [("/slot", "less_than_equal")]
    nul = await matcher.put(url, json={"rule": "forbid", "reason": "jäv\x00"}, headers=bearer(organiser_token))
    assert errors_of(await problem(nul, 422)) == [("/reason", "string_nul")]
    assert await db.fetchval("SELECT count(*) FROM matcher.schedule_rules") == 0

    spoof = {"rule": "forbid", "reason": "Jäv:\u202e delägare\u202c\r\nse protokoll"}
    stored = await matcher.put(url, json=spoof, headers=bearer(organiser_token))
    assert stored.status in (200, 201), await stored.text()
    assert await db.fetchval("SELECT reason FROM matcher.schedule_rules") == "Jäv: delägare\nse protokoll"


async def test_nul_in_a_query_parameter_of_the_matcher_names_it(matcher, registry, organiser_token):
    event_id = await open_event(registry, organiser_token)
    for path, parameter in (
        (f"/events/{event_id}/agendas/grid.json?lang=sv%00", "lang"),
        (f"/jobs/{uuid.uuid4()}?wait=1%00", "wait"),
    ):
        document = await problem(await matcher.get(path, headers=bearer(organiser_token)), 422)
        assert errors_of(document) == [(parameter, "string_nul")]


async def test_the_matcher_openapi_document_states_the_integer_limits(matcher):
    document = await (await matcher.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    assert schemas["ScheduleRequest"]["properties"]["from_version"]["anyOf"][0]["maximum"] == 2**31 - 1
    assert schemas["RuleIn"]["properties"]["slot"]["anyOf"][0]["maximum"] == 2**31 - 1
