"""Walk-in registration in the registry on the event's day (a ManualClock): a firm already in the registry is
reused, a buyer's org.nr is refused, nothing is written another day, and only the event's own host may do it."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.registry.app import create_app
from shared.auth import Role
from shared.clock import ManualClock
from shared.reference.orgnr import orgnr_from_serial
from tests.conftest import bearer
from tests.test_events import NEXT_YEAR, create_event, move_to

ON_THE_DAY = dt.datetime(NEXT_YEAR, 10, 7, 6, 30, tzinfo=dt.UTC)  # 08:30 in Falun


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(ON_THE_DAY)


@pytest.fixture
async def registry(registry_settings, clock) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(create_app(registry_settings, clock=clock), host="127.0.0.1")) as client:
        yield client


def form(orgnr: str, **extra: object) -> dict:
    return {
        "orgnr": orgnr,
        "name": "Nya Måleri AB",
        "contact": {"name": "Lisa Lund", "email": "lisa@example.se"},
        "cpv_codes": ["45442100"],
        **extra,
    }


async def test_walk_ins_reuse_known_firms_refuse_buyers_and_other_events_hosts(
    registry, db, make_org, make_token, organiser_token, clock
):
    clock.set(ON_THE_DAY - dt.timedelta(days=10))  # both made, and this one opened, while sign-up lay ahead
    event = await create_event(registry, organiser_token)
    await move_to(registry, organiser_token, event["id"], "open", "closed")
    other = await create_event(registry, organiser_token)
    clock.set(ON_THE_DAY)
    path = f"/events/{event['id']}/walk-ins"
    host = await make_token(Role.HOST, event_id=event["id"])

    known = await make_org("sme", orgnr=orgnr_from_serial(55_001), name="Kända Städ AB")
    made = await registry.post(path, json=form(orgnr_from_serial(55_001)), headers=bearer(host))
    assert made.status == 201, await made.text()
    answer = await made.json()
    assert (answer["organisation_id"], answer["name"], answer["new_organisation"]) == (
        str(known),
        "Kända Städ AB",
        False,
    )
    row = await db.fetchrow(
        "SELECT kind, status, note, available_slots FROM registry.registrations WHERE id = $1",
        answer["registration_id"],
    )
    assert (row["kind"], row["status"], row["available_slots"]) == ("sme", "active", None)
    assert await db.fetchval("SELECT count(*) FROM registry.contacts WHERE organisation_id = $1", known) == 0

    await make_org("buyer", orgnr=orgnr_from_serial(55_002))
    buyer = await registry.post(path, json=form(orgnr_from_serial(55_002)), headers=bearer(host))
    assert buyer.status == 422 and (await buyer.json())["errors"][0]["code"] == "not_an_sme"

    stranger = await make_token(Role.HOST, event_id=other["id"])
    refused = await registry.post(path, json=form(orgnr_from_serial(55_003)), headers=bearer(stranger))
    assert refused.status == 403

    clock.advance(days=1)
    late = await registry.post(path, json=form(orgnr_from_serial(55_004)), headers=bearer(host))
    assert late.status == 409
    count = "SELECT count(*) FROM registry.organisations WHERE orgnr = ANY($1::text[])"
    assert await db.fetchval(count, [orgnr_from_serial(55_003), orgnr_from_serial(55_004)]) == 0
