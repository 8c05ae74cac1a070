"""Events through the real registry app on real PostgreSQL: CRUD, validation, visibility, statuses, grid edits."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

import pytest

from shared.auth import Role
from tests.conftest import bearer

PROBLEM = "application/problem+json"
NEXT_YEAR = date.today().year + 1


def event_body(**overrides: object) -> dict:
    """09:00–12:00, 20 + 5 minutes, coffee 10:15–10:30: six slots."""
    body = {
        "name": "Affärsträff Falun",
        "description": "Möt kommunerna i Dalarna",
        "event_date": f"{NEXT_YEAR}-10-07",
        "venue": "Lugnet",
        "municipality_code": "2080",
        "day_start": "09:00",
        "day_end": "12:00",
        "meeting_minutes": 20,
        "changeover_minutes": 5,
        "breaks": [{"start": "10:15", "end": "10:30", "label": "Fika"}],
        "tables": 10,
        "signup_deadline": f"{NEXT_YEAR}-10-01T12:00:00+02:00",
        "default_meetings_per_sme": 3,
        "max_meetings_per_sme": 6,
    }
    body.update(overrides)
    return body


async def create_event(registry, token: str, **overrides: object) -> dict:
    response = await registry.post("/events", json=event_body(**overrides), headers=bearer(token))
    assert response.status == 201, await response.text()
    return await response.json()


async def create_past_event(
    registry, db, token: str, event_date: str, signup_deadline: str, **overrides: object
) -> dict:
    """An event whose day has gone by: made while it lay ahead (the API refuses a past date), then moved back
    in the database as the calendar would have moved on."""
    event = await create_event(registry, token, **overrides)
    await db.execute(
        "UPDATE registry.events SET event_date = $2, signup_deadline = $3 WHERE id = $1",
        event["id"],
        date.fromisoformat(event_date),
        datetime.fromisoformat(signup_deadline),
    )
    return event | {"event_date": event_date, "signup_deadline": signup_deadline}


async def move(registry, token: str, event_id: str, to: str, reason: str = "") -> object:
    return await registry.post(
        f"/events/{event_id}/transitions", json={"to": to, "reason": reason}, headers=bearer(token)
    )


async def move_to(registry, token: str, event_id: str, *statuses: str) -> None:
    for status in statuses:
        response = await move(registry, token, event_id, status, reason="test")
        assert response.status == 200, await response.text()


def pointers(problem: dict) -> set[str]:
    return {error["pointer"] for error in problem["errors"]}


async def test_create_read_and_grid(registry, organiser_token, db):
    response = await registry.post(
        "/events", json=event_body(), headers={**bearer(organiser_token), "Idempotency-Key": "ev-1"}
    )
    assert response.status == 201
    event = await response.json()
    assert response.headers["Location"] == f"/events/{event['id']}"
    assert response.headers["ETag"] == '"1"'
    assert event["status"] == "draft" and event["version"] == 1
    assert event["time_zone"] == "Europe/Stockholm"
    labels = [slot["label"] for slot in event["slots"]]
    assert labels == ["09:00–09:20", "09:25–09:45", "09:50–10:10", "10:30–10:50", "10:55–11:15", "11:20–11:40"]
    assert event["slots"][0]["start"].startswith(f"{NEXT_YEAR}-10-07T07:00:00")
    assert event["sme_registrations"] == 0 and event["buyer_registrations"] == 0

    replay = await registry.post(
        "/events", json=event_body(), headers={**bearer(organiser_token), "Idempotency-Key": "ev-1"}
    )
    assert replay.status == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert (await replay.json())["id"] == event["id"]
    assert await db.fetchval("SELECT count(*) FROM registry.events") == 1
    assert await db.fetchval("SELECT count(*) FROM registry.audit_log WHERE action = 'event.create'") == 1

    read = await registry.get(f"/events/{event['id']}", headers=bearer(organiser_token))
    assert read.status == 200 and read.headers["ETag"] == '"1"'
    assert (await read.json())["slots"] == event["slots"]
    cached = await registry.get(f"/events/{event['id']}", headers={**bearer(organiser_token), "If-None-Match": '"1"'})
    assert cached.status == 304


@pytest.mark.parametrize(
    ("overrides", "pointer", "code"),
    [
        ({"breaks": [{"start": "08:00", "end": "08:30"}]}, "/breaks/0/start", "break_outside_day"),
        ({"breaks": [{"start": "11:30", "end": "12:30"}]}, "/breaks/0/end", "break_outside_day"),
        (
            {"breaks": [{"start": "10:00", "end": "10:30"}, {"start": "10:15", "end": "10:45"}]},
            "/breaks/1",
            "breaks_overlap",
        ),
        ({"time_zone": "Europe/Borlänge"}, "/time_zone", "value_error"),
        ({"signup_deadline": f"{NEXT_YEAR}-10-07T09:30:00+02:00"}, "/signup_deadline", "deadline_not_before_start"),
        ({"signup_deadline": f"{NEXT_YEAR}-10-01T12:00:00"}, "/signup_deadline", "timezone_aware"),
        ({"day_end": "09:15", "breaks": []}, "/meeting_minutes", "no_slots"),
        ({"day_end": "08:00", "breaks": []}, "/day_end", "day_end_not_after_start"),
        ({"default_meetings_per_sme": 7}, "/default_meetings_per_sme", "default_above_max"),
        ({"municipality_code": "2000"}, "/municipality_code", "value_error"),
        ({"tables": 0}, "/tables", "greater_than_equal"),
        ({"unknown": 1}, "/unknown", "extra_forbidden"),
    ],
)
async def test_invalid_events_are_422_and_store_nothing(registry, organiser_token, db, overrides, pointer, code):
    response = await registry.post("/events", json=event_body(**overrides), headers=bearer(organiser_token))
    assert response.status == 422 and response.content_type == PROBLEM
    problem = await response.json()
    assert (pointer, code) in {(e["pointer"], e["code"]) for e in problem["errors"]}
    assert await db.fetchval("SELECT count(*) FROM registry.events") == 0


async def test_only_organisers_create_and_anonymous_is_401(registry, make_token, make_org):
    sme = await make_token(Role.SME, await make_org("sme"))
    response = await registry.post("/events", json=event_body(), headers=bearer(sme))
    assert response.status == 403
    response = await registry.post("/events", json=event_body())
    assert response.status == 401
    response = await registry.get("/events")
    assert response.status == 401


async def test_drafts_are_invisible_to_smes_and_buyers(registry, organiser_token, make_token, make_org, service_token):
    draft = await create_event(registry, organiser_token)
    opened = await create_event(registry, organiser_token, name="Öppen träff", event_date=f"{NEXT_YEAR}-11-05")
    await move_to(registry, organiser_token, opened["id"], "open")
    sme = await make_token(Role.SME, await make_org("sme"))
    buyer = await make_token(Role.BUYER, await make_org("buyer"))

    for token in (sme, buyer):
        assert (await registry.get(f"/events/{draft['id']}", headers=bearer(token))).status == 404
        assert (await registry.get(f"/events/{opened['id']}", headers=bearer(token))).status == 200
        listed = await (await registry.get("/events", headers=bearer(token))).json()
        assert [item["id"] for item in listed["items"]] == [opened["id"]]
    for token in (organiser_token, service_token):
        assert (await registry.get(f"/events/{draft['id']}", headers=bearer(token))).status == 200
        listed = await (await registry.get("/events", headers=bearer(token))).json()
        assert [item["id"] for item in listed["items"]] == [draft["id"], opened["id"]]
    assert (await registry.get("/events/not-a-uuid", headers=bearer(sme))).status == 404


async def test_list_filters_and_cursor_pages(registry, organiser_token):
    ids = []
    for month in (3, 4, 5, 6, 9):
        event = await create_event(
            registry,
            organiser_token,
            event_date=f"{NEXT_YEAR}-{month:02}-10",
            signup_deadline=f"{NEXT_YEAR}-{month:02}-01T12:00:00+00:00",
        )
        ids.append(event["id"])
    await move_to(registry, organiser_token, ids[0], "open")

    seen, cursor = [], None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        response = await registry.get("/events", params=params, headers=bearer(organiser_token))
        page = await response.json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            assert "Link" not in response.headers
            break
        assert 'rel="next"' in response.headers["Link"]
    assert seen == ids

    ranged = await registry.get(
        "/events", params={"from": f"{NEXT_YEAR}-04-01", "to": f"{NEXT_YEAR}-06-30"}, headers=bearer(organiser_token)
    )
    assert [item["id"] for item in (await ranged.json())["items"]] == ids[1:4]
    by_status = await registry.get("/events", params={"status": "open"}, headers=bearer(organiser_token))
    assert [item["id"] for item in (await by_status.json())["items"]] == ids[:1]
    bad = await registry.get("/events", params={"cursor": "garbage", "status": "nope"}, headers=bearer(organiser_token))
    assert bad.status == 422
    assert {e["parameter"] for e in (await bad.json())["errors"]} == {"status.0"}
    bad = await registry.get("/events", params={"cursor": "garbage"}, headers=bearer(organiser_token))
    assert bad.status == 422 and (await bad.json())["errors"][0]["parameter"] == "cursor"


async def test_update_with_if_match(registry, organiser_token, db):
    event = await create_event(registry, organiser_token)
    url = f"/events/{event['id']}"
    response = await registry.patch(
        url,
        json={"name": "Affärsträff Borlänge", "municipality_code": "2081"},
        headers={**bearer(organiser_token), "If-Match": '"1"'},
    )
    assert response.status == 200
    updated = await response.json()
    assert updated["name"] == "Affärsträff Borlänge" and updated["version"] == 2
    assert response.headers["ETag"] == '"2"'

    stale = await registry.patch(url, json={"name": "X"}, headers={**bearer(organiser_token), "If-Match": '"1"'})
    assert stale.status == 412 and stale.headers["ETag"] == '"2"'
    invalid = await registry.patch(url, json={"name": None, "day_end": "09:10"}, headers=bearer(organiser_token))
    assert invalid.status == 422
    assert pointers(await invalid.json()) == {"/name"}
    no_slots = await registry.patch(url, json={"day_end": "09:10", "breaks": []}, headers=bearer(organiser_token))
    assert no_slots.status == 422 and pointers(await no_slots.json()) == {"/meeting_minutes"}
    assert await db.fetchval("SELECT name FROM registry.events") == "Affärsträff Borlänge"

    missing = await registry.patch(
        "/events/00000000-0000-0000-0000-000000000000", json={"name": "X"}, headers=bearer(organiser_token)
    )
    assert missing.status == 404


async def test_delete_only_drafts(registry, organiser_token, db):
    draft = await create_event(registry, organiser_token)
    opened = await create_event(registry, organiser_token)
    await move_to(registry, organiser_token, opened["id"], "open")
    response = await registry.delete(f"/events/{opened['id']}", headers=bearer(organiser_token))
    assert response.status == 409
    response = await registry.delete(f"/events/{draft['id']}", headers=bearer(organiser_token))
    assert response.status == 204
    assert await db.fetchval("SELECT count(*) FROM registry.events") == 1
    response = await registry.delete(f"/events/{draft['id']}", headers=bearer(organiser_token))
    assert response.status == 404


async def test_every_allowed_transition_and_history(registry, organiser_token, db):
    event = await create_event(registry, organiser_token)
    path = ["open", "closed", "open", "closed", "scheduled", "closed", "scheduled", "published", "closed"]
    for status in path:
        response = await move(registry, organiser_token, event["id"], status, reason="omplanering")
        assert response.status == 200, await response.text()
        assert (await response.json())["status"] == status
    history = await registry.get(f"/events/{event['id']}/transitions", headers=bearer(organiser_token))
    items = (await history.json())["items"]
    assert [(item["from_status"], item["to_status"]) for item in items] == list(
        zip(["draft", *path[:-1]], path, strict=True)
    )
    assert await db.fetchval("SELECT count(*) FROM registry.audit_log WHERE action = 'event.transition'") == len(path)


@pytest.mark.parametrize(
    ("setup", "target"),
    [([], "closed"), ([], "published"), (["open"], "scheduled"), (["open", "closed"], "draft"), (["open"], "open")],
)
async def test_forbidden_transitions_are_409_with_allowed(registry, organiser_token, db, setup, target):
    event = await create_event(registry, organiser_token)
    await move_to(registry, organiser_token, event["id"], *setup)
    response = await move(registry, organiser_token, event["id"], target)
    assert response.status == 409
    problem = await response.json()
    assert problem["allowed"] and target not in problem["allowed"]
    assert await db.fetchval("SELECT count(*) FROM registry.event_transitions") == len(setup)


async def test_reopening_a_schedule_needs_a_reason(registry, organiser_token):
    event = await create_event(registry, organiser_token)
    await move_to(registry, organiser_token, event["id"], "open", "closed", "scheduled")
    response = await move(registry, organiser_token, event["id"], "closed")
    assert response.status == 422 and pointers(await response.json()) == {"/reason"}


async def test_service_may_only_schedule_and_publish(registry, organiser_token, service_token, make_token, make_org):
    event = await create_event(registry, organiser_token)
    assert (await move(registry, service_token, event["id"], "open")).status == 403
    await move_to(registry, organiser_token, event["id"], "open", "closed")
    assert (await move(registry, service_token, event["id"], "scheduled")).status == 200
    assert (await move(registry, service_token, event["id"], "published")).status == 200
    assert (await move(registry, service_token, event["id"], "closed", "x")).status == 403
    sme = await make_token(Role.SME, await make_org("sme"))
    assert (await move(registry, sme, event["id"], "closed", "x")).status == 403
    history = await registry.get(f"/events/{event['id']}/transitions", headers=bearer(service_token))
    assert history.status == 403


async def test_concurrent_transitions_one_wins(registry, organiser_token, db):
    event = await create_event(registry, organiser_token)
    await move_to(registry, organiser_token, event["id"], "open")
    responses = await asyncio.gather(*(move(registry, organiser_token, event["id"], "closed") for _ in range(4)))
    assert sorted(r.status for r in responses) == [200, 409, 409, 409]
    assert await db.fetchval("SELECT count(*) FROM registry.event_transitions WHERE to_status = 'closed'") == 1


async def test_grid_is_frozen_after_scheduling_until_reopened(registry, organiser_token):
    event = await create_event(registry, organiser_token)
    url = f"/events/{event['id']}"
    await move_to(registry, organiser_token, event["id"], "open", "closed", "scheduled")
    blocked = await registry.patch(url, json={"tables": 12}, headers=bearer(organiser_token))
    assert blocked.status == 409
    problem = await blocked.json()
    assert "Re-open" in problem["detail"] and problem["fields"] == ["tables"]
    # Non-grid fields may still change, and re-sending an unchanged grid value is no change.
    renamed = await registry.patch(url, json={"name": "Nytt namn", "tables": 10}, headers=bearer(organiser_token))
    assert renamed.status == 200
    await move_to(registry, organiser_token, event["id"], "closed")
    allowed = await registry.patch(url, json={"tables": 12}, headers=bearer(organiser_token))
    assert allowed.status == 200 and (await allowed.json())["tables"] == 12


async def test_shrinking_grid_trims_availability_with_warning(registry, organiser_token, db, make_org):
    event = await create_event(registry, organiser_token)
    await move_to(registry, organiser_token, event["id"], "open")
    sme_a, sme_b, sme_c = [await make_org("sme") for _ in range(3)]
    rows = {}
    for org, slots in ((sme_a, [0, 4, 5]), (sme_b, [5]), (sme_c, None)):
        rows[org] = await db.fetchval(
            "INSERT INTO registry.registrations (event_id, organisation_id, kind, available_slots, max_meetings)"
            " VALUES ($1, $2, 'sme', $3, 3) RETURNING id",
            event["id"],
            org,
            slots,
        )
    response = await registry.patch(
        f"/events/{event['id']}", json={"day_end": "11:00"}, headers=bearer(organiser_token)
    )
    assert response.status == 200
    updated = await response.json()
    assert len(updated["slots"]) == 4
    warnings = {w["code"]: w for w in updated["warnings"]}
    assert set(warnings["availability_trimmed"]["registrations"]) == {str(rows[o]) for o in list(rows)[:2]}
    assert warnings["availability_empty"]["registrations"] == [str(list(rows.values())[1])]
    stored = dict(await db.fetch("SELECT id, available_slots FROM registry.registrations"))
    assert [stored[row_id] for row_id in rows.values()] == [[0], [], None]
    # The deadline rule follows the grid: moving the day before the deadline is refused.
    moved = await registry.patch(
        f"/events/{event['id']}", json={"event_date": f"{NEXT_YEAR}-09-30"}, headers=bearer(organiser_token)
    )
    assert moved.status == 422 and pointers(await moved.json()) == {"/signup_deadline"}


async def test_openapi_lists_event_routes(registry):
    document = await (await registry.get("/openapi.json")).json()
    assert {"/events", "/events/{event_id}", "/events/{event_id}/transitions"} <= set(document["paths"])
    assert document["paths"]["/events"]["post"]["x-roles"] == ["organiser"]
