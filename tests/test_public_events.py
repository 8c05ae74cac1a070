"""The events' public read model and their contact person, through the real registry app on real PostgreSQL:
anyone reads coming events (open ones first) without a token, drafts stay hidden, and the contact is personal
data an account's export shows and its erasure removes."""

from __future__ import annotations

from shared.auth import Role
from tests.conftest import bearer
from tests.matcher.test_erasure_across_services import database_hits
from tests.supporters import make_account, session
from tests.test_events import NEXT_YEAR, create_event, move_to

CONTACT = {"name": "Karin Arrangör", "email": "Karin.Arrangor@falun.se", "phone": "023-123 45"}


async def test_anyone_reads_an_event_but_never_a_draft(registry, organiser_token):
    event = await create_event(registry, organiser_token, contact=CONTACT)
    assert event["contact"] == {**CONTACT, "phone": "+462312345"}
    assert (await registry.get(f"/public/events/{event['id']}")).status == 404  # a draft

    await move_to(registry, organiser_token, event["id"], "open")
    response = await registry.get(f"/public/events/{event['id']}")
    assert response.status == 200
    public = await response.json()
    assert (public["name"], public["venue"], public["event_date"]) == (
        "Affärsträff Falun",
        "Lugnet",
        event["event_date"],
    )
    assert public["signup_open"] is True and public["status"] == "open"
    # 09:00–12:00 with coffee 10:15–10:30: six rounds, from 09:00 to 11:40 Stockholm time (UTC+2 in October).
    assert public["slot_count"] == 6
    assert public["first_meeting"].startswith(f"{NEXT_YEAR}-10-07T07:00:00")
    assert public["last_meeting_end"].startswith(f"{NEXT_YEAR}-10-07T09:40:00")
    assert public["breaks"] == [{"start": "10:15", "end": "10:30", "label": "Fika"}]
    assert public["max_meetings_per_sme"] == 6 and public["contact"]["email"] == CONTACT["email"]
    assert not {"sme_registrations", "owner_account_id", "min_relevance_percent"} & public.keys()
    assert (await registry.get("/public/events/00000000-0000-0000-0000-000000000000")).status == 404


async def test_coming_events_open_ones_first_without_drafts_or_past_days(registry, organiser_token, db):
    later_open = await create_event(registry, organiser_token, name="Öppen i november", event_date=f"{NEXT_YEAR}-11-05")
    sooner_closed = await create_event(registry, organiser_token, name="Stängd i oktober")
    await create_event(registry, organiser_token, name="Utkast")
    past = await create_event(registry, organiser_token, name="Förra året")
    await move_to(registry, organiser_token, later_open["id"], "open")
    await move_to(registry, organiser_token, sooner_closed["id"], "open", "closed")
    await move_to(registry, organiser_token, past["id"], "open")
    # Open when its day came and went (a year ago): listed no more.
    await db.execute(
        "UPDATE registry.events SET event_date = event_date - 730, "
        "signup_deadline = signup_deadline - interval '730 days' WHERE id = $1",
        past["id"],
    )

    response = await registry.get("/public/events")
    assert response.status == 200
    items = (await response.json())["items"]
    assert [(item["name"], item["signup_open"]) for item in items] == [
        ("Öppen i november", True),
        ("Stängd i oktober", False),
    ]
    assert [item["name"] for item in (await (await registry.get("/public/events?limit=1")).json())["items"]] == [
        "Öppen i november"
    ]
    assert (await registry.get("/public/events?limit=0")).status == 422


async def test_a_contact_is_cleared_by_null_and_kept_out_of_the_audit_log(registry, organiser_token, db):
    event = await create_event(registry, organiser_token, contact=CONTACT)
    cleared = await registry.patch(f"/events/{event['id']}", json={"contact": None}, headers=bearer(organiser_token))
    assert cleared.status == 200, await cleared.text()
    assert (await cleared.json())["contact"] is None
    named = await registry.patch(f"/events/{event['id']}", json={"name": None}, headers=bearer(organiser_token))
    assert named.status == 422  # other fields still cannot be cleared
    logged = await db.fetch("SELECT changes::text AS changes FROM registry.audit_log WHERE entity = 'event'")
    assert len(logged) == 2 and not [row for row in logged if "falun.se" in row["changes"].lower()]


async def test_an_accounts_export_and_erasure_cover_the_events_naming_it(registry, organiser_token, db, make_token):
    account_id = await make_account(db, "organiser", "karin.arrangor@falun.se")
    event = await create_event(registry, organiser_token, contact=CONTACT)  # the address typed in other case
    other = await create_event(registry, organiser_token, contact={"name": "Annan", "email": "info@mora.se"})
    own = await session(make_token, Role.ORGANISER, account_id)
    export = await (await registry.get(f"/auth/accounts/{account_id}/export", headers=bearer(own))).json()
    assert [(e["event_id"], e["contact"]["name"]) for e in export["contact_of_events"]] == [
        (event["id"], "Karin Arrangör")
    ]

    erased = await registry.delete(f"/auth/accounts/{account_id}", headers=bearer(organiser_token))
    assert erased.status == 204
    assert await db.fetchval("SELECT contact FROM registry.events WHERE id = $1", event["id"]) is None
    kept = await db.fetchval("SELECT contact->>'email' FROM registry.events WHERE id = $1", other["id"])
    assert kept == "info@mora.se"
    # Nowhere else either: no text column of either schema holds the erased address or name.
    assert await database_hits(db, ["karin.arrangor@falun.se", "Karin Arrangör"]) == []
