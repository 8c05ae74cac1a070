"""Copying an event as a template, through the real registry app on real PostgreSQL."""

from __future__ import annotations

from shared.auth import Role
from tests.conftest import bearer
from tests.test_events import NEXT_YEAR, PROBLEM, create_event, pointers

WINTER = f"{NEXT_YEAR + 1}-01-13"  # the source is on 7 October (UTC+2); 13 January is UTC+1


async def copy(registry, token: str, event_id: str, body: dict, **headers: str):
    return await registry.post(f"/events/{event_id}/copy", json=body, headers={**bearer(token), **headers})


async def test_copy_keeps_the_local_grid_and_settings_and_nobody(registry, organiser_token, db, make_org):
    source = await create_event(registry, organiser_token, tables=14, min_relevance_percent=35)
    sme, buyer = await make_org("sme"), await make_org("buyer")
    await db.execute(
        "INSERT INTO registry.registrations (event_id, organisation_id, kind) VALUES ($1, $2, 'sme')",
        source["id"],
        sme,
    )
    buyer_reg = await db.fetchval(
        "INSERT INTO registry.registrations (event_id, organisation_id, kind, tables) VALUES ($1, $2, 'buyer', 1) "
        "RETURNING id",
        source["id"],
        buyer,
    )
    await db.execute(
        "INSERT INTO registry.registration_wishes (registration_id, sme_id, rank) VALUES ($1, $2, 1)", buyer_reg, sme
    )
    await db.execute(
        "INSERT INTO registry.pair_rules (event_id, sme_id, buyer_id, rule) VALUES ($1, $2, $3, 'never')",
        source["id"],
        sme,
        buyer,
    )

    response = await copy(
        registry, organiser_token, source["id"], {"name": "Affärsträff Falun vinter", "event_date": WINTER}
    )
    assert response.status == 201, await response.text()
    event = await response.json()
    assert response.headers["Location"] == f"/events/{event['id']}"
    assert event["id"] != source["id"] and event["status"] == "draft"
    assert event["name"] == "Affärsträff Falun vinter" and event["event_date"] == WINTER
    same = ("venue", "description", "municipality_code", "time_zone", "day_start", "day_end", "meeting_minutes")
    same += ("changeover_minutes", "breaks", "tables", "default_meetings_per_sme", "max_meetings_per_sme")
    same += ("min_relevance_percent",)
    assert {k: event[k] for k in same} == {k: source[k] for k in same}
    assert (event["tables"], event["min_relevance_percent"], len(event["breaks"])) == (14, 35, 1)
    # Same wall-clock rounds; in UTC an hour later, since January is winter time.
    assert [s["label"] for s in event["slots"]] == [s["label"] for s in source["slots"]]
    assert source["slots"][0]["start"].startswith(f"{NEXT_YEAR}-10-07T07:00:00")
    assert event["slots"][0]["start"].startswith(f"{WINTER}T08:00:00")
    # The source closed six days before its day (1 Oct 12:00 +02:00 = 10:00 UTC); so does the copy.
    assert event["signup_deadline"].startswith(f"{NEXT_YEAR + 1}-01-07T10:00:00")
    assert event["sme_registrations"] == 0 and event["buyer_registrations"] == 0

    copied = event["id"]
    assert await db.fetchval("SELECT count(*) FROM registry.registrations WHERE event_id = $1", copied) == 0
    assert await db.fetchval("SELECT count(*) FROM registry.pair_rules WHERE event_id = $1", copied) == 0
    assert await db.fetchval("SELECT count(*) FROM registry.registration_wishes") == 1  # the source's, untouched
    assert await db.fetchval("SELECT count(*) FROM registry.registrations WHERE event_id = $1", source["id"]) == 2
    audited = await db.fetchval(
        "SELECT count(*) FROM registry.audit_log WHERE entity_id = $1::text AND action = 'event.copy'", copied
    )
    assert audited == 1


async def test_copy_with_deadline_and_venue_and_idempotency(registry, organiser_token, db):
    source = await create_event(registry, organiser_token)
    body = {
        "name": "Affärsträff Borlänge",
        "event_date": WINTER,
        "signup_deadline": f"{NEXT_YEAR + 1}-01-10T16:00:00+01:00",
        "venue": "Folkets hus",
    }
    first = await copy(registry, organiser_token, source["id"], body, **{"Idempotency-Key": "copy-1"})
    assert first.status == 201, await first.text()
    event = await first.json()
    assert event["venue"] == "Folkets hus" and event["signup_deadline"].startswith(f"{NEXT_YEAR + 1}-01-10T15:00:00")
    again = await copy(registry, organiser_token, source["id"], body, **{"Idempotency-Key": "copy-1"})
    assert again.status == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert (await again.json())["id"] == event["id"]
    assert await db.fetchval("SELECT count(*) FROM registry.events") == 2


async def test_bad_dates_are_422_field_by_field_and_change_nothing(registry, organiser_token, db):
    source = await create_event(registry, organiser_token)
    late = {"name": "Sent", "event_date": WINTER, "signup_deadline": f"{WINTER}T09:00:00+01:00"}
    response = await copy(registry, organiser_token, source["id"], late)
    assert response.status == 422 and response.content_type == PROBLEM
    assert pointers(await response.json()) == {"/signup_deadline"}

    response = await copy(registry, organiser_token, source["id"], {"name": "", "event_date": "13 januari"})
    assert response.status == 422 and response.content_type == PROBLEM
    assert {"/name", "/event_date"} <= pointers(await response.json())

    response = await copy(
        registry,
        organiser_token,
        source["id"],
        {"name": "Utan tidszon", "event_date": WINTER, "signup_deadline": "2031-01-01T10:00:00"},
    )
    assert response.status == 422 and pointers(await response.json()) == {"/signup_deadline"}
    assert await db.fetchval("SELECT count(*) FROM registry.events") == 1


async def test_only_organisers_copy_and_unknown_sources_are_404(registry, organiser_token, make_token, make_org, db):
    source = await create_event(registry, organiser_token)
    sme_token = await make_token(Role.SME, organisation_id=await make_org("sme"))
    response = await copy(registry, sme_token, source["id"], {"name": "Min egen", "event_date": WINTER})
    assert response.status == 403 and response.content_type == PROBLEM
    missing = "00000000-0000-0000-0000-000000000000"
    response = await copy(registry, organiser_token, missing, {"name": "Ingen", "event_date": WINTER})
    assert response.status == 404
    assert await db.fetchval("SELECT count(*) FROM registry.events") == 1
