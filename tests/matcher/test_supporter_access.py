"""The matcher honours supporters' grants (it learns them from the registry's token check): a read-only
supporter reads the event's schedule versions but may not queue a job or publish; an editing one may; another
event is closed to both; a revoked grant stops working once the matcher's token cache has let it go."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from services.matcher.app import create_app
from services.matcher.auth import RegistryTokenVerifier
from shared.auth import VERIFIER_KEY
from tests.conftest import bearer
from tests.matcher.test_role_matrix import build_world
from tests.supporters import supporter_token
from tests.test_events import create_event

CACHE_SECONDS = 30.0


async def world(registry, matcher, db, make_org, make_token, service_token) -> tuple[dict, dict]:
    return await build_world(registry, matcher, db, make_org, make_token, service_token, ())


async def test_a_read_only_supporter_reads_versions_but_neither_plans_nor_publishes(
    registry, matcher, db, make_org, make_token, service_token
):
    ids, _ = await world(registry, matcher, db, make_org, make_token, service_token)
    _, token = await supporter_token(db, make_token, ids["event"], "read")
    headers = bearer(token)
    event = f"/events/{ids['event']}"
    for path in (f"{event}/schedules", f"{event}/schedules/2", f"{event}/schedules/1/compare/2", f"/jobs/{ids['job']}"):
        response = await matcher.get(path, headers=headers)
        assert response.status == 200, f"{path}: {response.status} {await response.text()}"
    assert (await matcher.get(f"{event}/agendas/smes/{ids['sme']}.json", headers=headers)).status == 200
    for method, path in (
        ("POST", f"{event}/schedules"),
        ("POST", f"{event}/schedules/2/publish"),
        ("PUT", f"{event}/day-settings"),
        ("POST", f"{event}/webhooks"),  # never: webhooks send the event's data away
        ("GET", "/audit"),
        ("GET", "/statistics"),
    ):
        response = await matcher.request(method, path, json={}, headers=headers)
        assert response.status == 403, f"{method} {path}: {response.status}"
        assert response.content_type == "application/problem+json"
    versions = await (await matcher.get(f"{event}/schedules", headers=headers)).json()
    assert [item["status"] for item in versions["items"] if item["number"] == 2] == ["draft"]


async def test_an_editing_supporter_plans_and_publishes_its_event_only(
    registry, matcher, db, make_org, make_token, service_token
):
    ids, tokens = await world(registry, matcher, db, make_org, make_token, service_token)
    other = await create_event(registry, tokens["organiser"], name="Affärsträff Mora")
    _, token = await supporter_token(db, make_token, ids["event"], "edit")
    headers = bearer(token)
    published = await matcher.post(f"/events/{ids['event']}/schedules/2/publish", headers=headers)
    assert published.status == 200, await published.text()
    queued = await matcher.post(f"/events/{ids['event']}/schedules", json={}, headers=headers)
    assert queued.status == 202, await queued.text()
    for method, path in (("GET", f"/events/{other['id']}/schedules"), ("POST", f"/events/{other['id']}/schedules")):
        response = await matcher.request(method, path, json={}, headers=headers)
        assert response.status == 403, f"{method} {path}: {response.status}"


async def test_a_revoked_grant_stops_within_the_token_cache_lifetime(
    registry, matcher, matcher_settings, db, make_org, make_token, service_token
):
    ids, tokens = await world(registry, matcher, db, make_org, make_token, service_token)
    account_id, token = await supporter_token(db, make_token, ids["event"], "edit")
    app = create_app(matcher_settings)
    clock = [1000.0]
    app[VERIFIER_KEY] = RegistryTokenVerifier(
        app, str(matcher_settings.registry_url), service_token, ttl=CACHE_SECONDS, monotonic=lambda: clock[0]
    )
    versions = f"/events/{ids['event']}/schedules"
    async with TestClient(TestServer(app, host="127.0.0.1")) as cached:
        assert (await cached.get(versions, headers=bearer(token))).status == 200
        revoked = await registry.delete(
            f"/events/{ids['event']}/grants/{account_id}", headers=bearer(tokens["organiser"])
        )
        assert revoked.status == 204, await revoked.text()
        assert (await matcher.get(versions, headers=bearer(token))).status == 403  # a fresh token check: at once
        clock[0] += CACHE_SECONDS - 1
        assert (await cached.get(versions, headers=bearer(token))).status == 200  # still the cached answer
        clock[0] += 1
        assert (await cached.get(versions, headers=bearer(token))).status == 403


async def test_a_scanned_link_is_looked_up_only_by_a_supporter_that_may_check_in(
    registry, matcher, db, make_org, make_token, service_token
):
    ids, _ = await build_world(registry, matcher, db, make_org, make_token, service_token, ("links",))
    scan = {"link_token": ids["link_token"]}
    _, reader = await supporter_token(db, make_token, ids["event"], "read")
    _, editor = await supporter_token(db, make_token, ids["event"], "edit")
    assert (await matcher.post("/reception/scans", json=scan, headers=bearer(reader))).status == 403
    found = await matcher.post("/reception/scans", json=scan, headers=bearer(editor))
    assert found.status == 200, await found.text()
    assert (await found.json())["organisation_id"] == ids["sme"]
