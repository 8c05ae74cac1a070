"""The matcher's audit log on the real app and registry: every organiser action leaves one entry naming who
did it, in the same transaction (a refused action leaves none), readable through ``GET /audit`` with
filters and pages, and without personal data or the secrets a webhook URL may carry."""

from __future__ import annotations

import json

from tests.conftest import bearer
from tests.matcher.test_role_matrix import build_world

HOOK = "https://mottagare.example/affarstraff?token=mottagarens-hemlighet"


async def audit(matcher, token: str, **params: str) -> dict:
    response = await matcher.get("/audit", params=params, headers=bearer(token))
    assert response.status == 200, await response.text()
    return await response.json()


async def test_organiser_actions_are_in_the_audit_log_with_who_did_them(
    registry, matcher, db, make_org, make_token, service_token
):
    ids, tokens = await build_world(registry, matcher, db, make_org, make_token, service_token, ("links",))
    organiser, event = tokens["organiser"], ids["event"]
    auth = bearer(organiser)
    whoami = await (await matcher.get("/auth/whoami", headers=auth)).json()
    rules = f"/events/{event}/schedule-rules/{ids['sme']}/{ids['buyer']}"

    steps = [
        ("PUT", rules, {"rule": "forbid", "reason": "Jäv: Anna Andersson är gift med säljaren"}, 201),
        ("PUT", rules, {"rule": "lock", "slot": 0}, 200),
        ("DELETE", rules, None, 204),
        ("POST", f"/events/{event}/webhooks", {"url": HOOK}, 201),
        ("POST", f"/events/{event}/schedules/2/publish", None, 200),
        ("POST", f"/events/{event}/schedules", {}, 202),
        ("DELETE", f"/events/{event}/agenda-links/{ids['link']}", None, 204),
    ]
    for method, path, body, status in steps:
        response = await matcher.request(method, path, json=body, headers=auth)
        assert response.status == status, (method, path, await response.text())
        if path.endswith("/webhooks"):
            webhook = (await response.json())["id"]
    response = await matcher.delete(f"/events/{event}/webhooks/{webhook}", headers=auth)
    assert response.status == 204

    entries = (await audit(matcher, organiser, event_id=event))["items"]
    assert [e["action"] for e in entries] == [
        "webhook.delete",
        "agenda_link.revoke",
        "schedule.replan",  # a version is published, so the run re-plans from it
        "schedule.publish",
        "webhook.create",
        "schedule_rule.delete",
        "schedule_rule.lock",
        "schedule_rule.forbid",
    ]
    for entry in entries:
        assert (entry["actor_token_id"], entry["actor_role"]) == (whoami["token_id"], "organiser")
        assert entry["event_id"] == event and entry["at"]
    by_action = {e["action"]: e for e in entries}
    assert by_action["schedule.publish"]["changes"]["number"] == 2
    assert by_action["schedule.publish"]["changes"]["previous_published"] == 1
    assert by_action["schedule_rule.forbid"]["organisation_id"] == ids["sme"]
    assert by_action["schedule_rule.forbid"]["changes"]["buyer_id"] == ids["buyer"]
    assert by_action["schedule_rule.forbid"]["changes"]["reason_given"] is True
    assert by_action["schedule_rule.lock"]["changes"]["slot"] == 0
    assert by_action["agenda_link.revoke"]["organisation_id"] == ids["sme"]
    assert by_action["agenda_link.revoke"]["entity_id"] == ids["link"]
    assert by_action["webhook.create"]["changes"]["host"] == "https://mottagare.example"
    # Neither what the organiser typed about a person nor the receiver's token reaches the log.
    text = json.dumps(entries, ensure_ascii=False)
    assert "Anna" not in text and "hemlighet" not in text

    # Filters and pages.
    locks = await audit(matcher, organiser, action="schedule_rule.lock")
    assert [e["action"] for e in locks["items"]] == ["schedule_rule.lock"]
    hooks = await audit(matcher, organiser, entity="webhook", event_id=event)
    assert [e["action"] for e in hooks["items"]] == ["webhook.delete", "webhook.create"]
    about_sme = await audit(matcher, organiser, organisation_id=ids["sme"])
    assert {e["action"] for e in about_sme["items"]} == {
        "agenda_link.revoke",
        "schedule_rule.delete",
        "schedule_rule.lock",
        "schedule_rule.forbid",
    }
    seen, params = [], {"event_id": event, "limit": "3"}
    while True:
        page = await audit(matcher, organiser, **params)
        seen += [e["id"] for e in page["items"]]
        if not page.get("next_cursor"):
            break
        params["cursor"] = page["next_cursor"]
    assert seen == [e["id"] for e in entries]

    response = await matcher.get("/audit", params={"cursor": "not-a-cursor"}, headers=auth)
    assert response.status == 422
    assert [e["parameter"] for e in (await response.json())["errors"]] == ["cursor"]
    response = await matcher.get("/audit", params={"since": "2026-01-01T10:00:00"}, headers=auth)
    assert response.status == 422  # a time without an offset


async def test_a_refused_action_leaves_no_entry(registry, matcher, db, make_org, make_token, service_token):
    ids, tokens = await build_world(registry, matcher, db, make_org, make_token, service_token, ())
    auth, event = bearer(tokens["organiser"]), ids["event"]
    outsider = await make_org("sme")
    for method, path, body, status in (
        ("PUT", f"/events/{event}/schedule-rules/{outsider}/{ids['buyer']}", {"rule": "forbid"}, 404),
        ("DELETE", f"/events/{event}/schedule-rules/{ids['sme']}/{ids['buyer']}", None, 404),
        ("POST", f"/events/{event}/webhooks", {"url": "https://169.254.169.254/"}, 422),
        ("POST", f"/events/{event}/schedules/9/publish", None, 404),
    ):
        response = await matcher.request(method, path, json=body, headers=auth)
        assert response.status == status, (method, path, await response.text())
    response = await matcher.post(f"/events/{event}/webhooks", json={"url": HOOK}, headers=auth)
    assert response.status == 201
    response = await matcher.post(f"/events/{event}/webhooks", json={"url": HOOK}, headers=auth)
    assert response.status == 409  # the insert fails, so does its entry
    entries = (await audit(matcher, tokens["organiser"]))["items"]
    assert [e["action"] for e in entries] == ["webhook.create"]
