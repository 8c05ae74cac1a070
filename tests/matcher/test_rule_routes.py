"""Lock and forbid rules name a pair that takes part in the event: an SME and a buyer both signed up.

On the real matcher and the real registry (the matcher learns who takes part from the registry's snapshot).
"""

from __future__ import annotations

import uuid

from shared.auth import Role
from tests.conftest import bearer
from tests.test_events import create_event, move_to


async def signed_up_world(registry, make_org, make_token) -> dict:
    organiser = await make_token(Role.ORGANISER, label="rules organiser")
    event = await create_event(registry, organiser)
    await move_to(registry, organiser, event["id"], "open")
    world = {
        "organiser": organiser,
        "event": event["id"],
        "sme": await make_org("sme"),
        "buyer": await make_org("buyer"),
        "sme_elsewhere": await make_org("sme"),  # registered with the registry, not signed up for this event
        "buyer_elsewhere": await make_org("buyer"),
        "sme_cancelled": await make_org("sme"),
    }
    for party in ("sme", "buyer", "sme_cancelled"):
        token = await make_token(Role.SME if party.startswith("sme") else Role.BUYER, world[party])
        response = await registry.post(f"/events/{event['id']}/registrations", json={}, headers=bearer(token))
        assert response.status == 201, await response.text()
        if party == "sme_cancelled":
            registration = (await response.json())["id"]
            response = await registry.post(
                f"/registrations/{registration}/cancel", json={"reason": "sjuk"}, headers=bearer(token)
            )
            assert response.status == 200, await response.text()
    return world


async def test_rules_for_a_pair_outside_the_event_are_404_and_store_nothing(
    registry, matcher, make_org, make_token, db
):
    world = await signed_up_world(registry, make_org, make_token)
    auth, event = bearer(world["organiser"]), world["event"]

    def rule_path(sme: object, buyer: object, event_id: object = event) -> str:
        return f"/events/{event_id}/schedule-rules/{sme}/{buyer}"

    for sme, buyer, event_id, says in (
        (world["sme_elsewhere"], world["buyer"], event, "SME"),
        (world["sme"], world["buyer_elsewhere"], event, "buyer"),
        (uuid.uuid4(), world["buyer"], event, "SME"),  # no such organisation at all
        (world["buyer"], world["sme"], event, "SME"),  # both take part, but the roles are swapped
        (world["sme"], world["sme"], event, "buyer"),  # an SME is no buyer
        (world["sme_cancelled"], world["buyer"], event, "SME"),  # cancelled its sign-up
        (world["sme"], world["buyer"], uuid.uuid4(), "event"),  # no such event
    ):
        for body in ({"rule": "forbid"}, {"rule": "lock", "slot": 0}):
            response = await matcher.put(rule_path(sme, buyer, event_id), json=body, headers=auth)
            assert response.status == 404, (says, body, await response.text())
            assert response.content_type == "application/problem+json"
            assert says in (await response.json())["detail"]
    assert await db.fetchval("SELECT count(*) FROM matcher.schedule_rules") == 0

    # The pair that does take part gets its rule.
    response = await matcher.put(rule_path(world["sme"], world["buyer"]), json={"rule": "forbid"}, headers=auth)
    assert response.status == 201, await response.text()
    assert await db.fetchval("SELECT count(*) FROM matcher.schedule_rules") == 1
