"""Every matcher route × every kind of caller: who gets in, who is turned away.

The callers are: nobody (no token), an organiser, the matcher's own service token (a registry service
token), an SME and a buyer that own the resource the request is about ("owner": signed up for the
event and in its published schedule), an SME and a buyer of other organisations ("other"), and the host
(värd) of the world's event, an adviser, and a supporter (stödroll) holding an 'edit' grant on the world's
event: it gets what an organiser gets for that event (after the organiser, so a second create or delete finds
the first's result), and never webhooks, invitations, support, audit or statistics. Each row
runs on a fresh database with the same small world: an open event in the registry with the SME and the
buyer signed up, version 1 of its schedule published (one meeting), version 2 a draft, and a finished job;
rows that need a rule, a webhook or agenda links get them too. Callers who must be refused go first,
with a request that would succeed for the organiser, so a broken check shows as a changed status rather
than being masked by a validation error or a state the refused call left behind. A route added to the
app without a row here fails :func:`test_every_route_is_in_the_matrix`.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import make_mocked_request

from services.matcher.agendas import PlacedMeeting
from services.matcher.app import create_app
from services.matcher.links import token_for
from services.matcher.settings import MatcherSettings
from shared import api_docs
from shared.auth import Role
from shared.snapshot import EventSnapshot
from tests.conftest import bearer
from tests.matcher.test_agenda_routes import publish as publish_in_sql
from tests.matcher.test_agenda_routes import store_version
from tests.supporters import supporter_token
from tests.test_events import NEXT_YEAR, create_event, move_to

CALLERS = (
    "anonymous",
    "organiser",
    "service",
    "sme",
    "sme_other",
    "buyer",
    "buyer_other",
    "host",
    "adviser",
    "supporter",
)
# Served to everyone, and not part of the matrix (the registry's matrix checks the shared health and docs).
UNCHECKED = frozenset({"/healthz", "/readyz", "/openapi.json", "/docs", "/docs/text"}) | {
    api_docs.asset_url(name) for name in api_docs.ASSETS
}
HOOK_URL = "https://mottagare.example/affarstraff"  # never called: no row both has a webhook and publishes


@dataclass(frozen=True)
class Row:
    """One request and what each allowed caller gets (everyone else: 401 without a token, else 403).

    ``setup`` names what the world needs beyond the basics for this row: "rule" (a forbid rule for the
    SME and the buyer), "webhook", "links" (agenda links for every participant of the published version).
    """

    method: str
    path: str
    allowed: dict[str, set[int]]
    body: Any = None
    setup: tuple[str, ...] = ()


def everyone(*statuses: int) -> dict[str, set[int]]:
    return {caller: set(statuses) for caller in CALLERS}


def signed_in(*statuses: int) -> dict[str, set[int]]:
    return {caller: set(statuses) for caller in CALLERS if caller != "anonymous"}


def only(**callers: set[int]) -> dict[str, set[int]]:
    return dict(callers)


DAY_FORMATS = ("", ".json", ".ics", ".pdf", ".html")
GRID_FORMATS = ("", ".json", ".pdf", ".html")

MATRIX: list[Row] = [
    Row("GET", "/auth/whoami", signed_in(200)),
    # Jobs: organisers only. The world's job is finished, so a new request queues one (202).
    Row("POST", "/events/{event}/schedules", only(organiser={202}, supporter={200}), body={}),
    Row("GET", "/events/{event}/jobs", only(organiser={200}, supporter={200})),
    Row("GET", "/jobs/{job}", only(organiser={200}, supporter={200})),
    Row("GET", "/jobs/{job}/events", only(organiser={200}, supporter={200})),
    # Schedule versions: organisers only.
    Row("GET", "/events/{event}/schedules", only(organiser={200}, supporter={200})),
    Row("GET", "/events/{event}/schedules/1", only(organiser={200}, supporter={200})),
    Row("GET", "/events/{event}/schedules/1/compare/2", only(organiser={200}, supporter={200})),
    Row("POST", "/events/{event}/schedules/2/publish", only(organiser={200}, supporter={200, 409})),
    # Rules: organisers only; the PUT makes a new rule (a refused caller that got through would make it 200).
    Row("GET", "/events/{event}/schedule-rules", only(organiser={200}, supporter={200}), setup=("rule",)),
    Row(
        "PUT",
        "/events/{event}/schedule-rules/{sme}/{buyer}",
        only(organiser={201}, supporter={200, 201}),
        body={"rule": "forbid"},
    ),
    Row(
        "DELETE",
        "/events/{event}/schedule-rules/{sme}/{buyer}",
        only(organiser={204}, supporter={404}),
        setup=("rule",),
    ),
    # Webhooks: organisers only.
    Row("POST", "/events/{event}/webhooks", only(organiser={201}), body={"url": HOOK_URL}),
    Row("GET", "/events/{event}/webhooks", only(organiser={200}), setup=("webhook",)),
    Row("DELETE", "/events/{event}/webhooks/{webhook}", only(organiser={204}), setup=("webhook",)),
    # Agendas: organisers, and the SME or buyer whose agenda it is; the grid is for organisers.
    *(
        Row("GET", "/events/{event}/agendas/smes/{sme}" + ext, only(organiser={200}, sme={200}, supporter={200}))
        for ext in DAY_FORMATS
    ),
    *(
        Row("GET", "/events/{event}/agendas/buyers/{buyer}" + ext, only(organiser={200}, buyer={200}, supporter={200}))
        for ext in DAY_FORMATS
    ),
    *(Row("GET", "/events/{event}/agendas/grid" + ext, only(organiser={200}, supporter={200})) for ext in GRID_FORMATS),
    # Agenda links: organisers make (201: new links), list and revoke them.
    Row("POST", "/events/{event}/agenda-links", only(organiser={201}, supporter={200, 201})),
    Row("GET", "/events/{event}/agenda-links", only(organiser={200}, supporter={200}), setup=("links",)),
    Row("DELETE", "/events/{event}/agenda-links/{link}", only(organiser={204}, supporter={204}), setup=("links",)),
    # A live link is the credential: whoever holds it reads the agenda, token or not; a forged one is 404.
    *(Row("GET", "/a/{link_token}" + ext, everyone(200), setup=("links",)) for ext in DAY_FORMATS),
    Row("GET", "/a/{forged_token}", everyone(404), setup=("links",)),
    # The calendar subscription of a link (webcal): the same credential.
    Row("GET", "/a/{link_token}/calendar.ics", everyone(200), setup=("links",)),
    Row("GET", "/a/{forged_token}/calendar.ics", everyone(404), setup=("links",)),
    # The matcher's audit log: organisers only.
    Row("GET", "/audit", only(organiser={200})),
    # What the matcher holds about an organisation (the registry's export asks with the caller's token).
    Row("GET", "/privacy/organisations/{sme}", only(organiser={200}, sme={200})),
    Row("GET", "/privacy/organisations/{buyer}", only(organiser={200}, buyer={200})),
    # The reception's file of every firm's agenda and the venue screens' links: organisers. The board itself
    # (a screen's link) and its script need no token.
    Row("GET", "/events/{event}/agendas/smes.pdf", only(organiser={200}, supporter={200})),
    Row("POST", "/events/{event}/board-links", only(organiser={201}, supporter={201})),
    Row("GET", "/events/{event}/board-links", only(organiser={200}, supporter={200}), setup=("board",)),
    Row("DELETE", "/events/{event}/board-links/{board_link}", only(organiser={204}, supporter={204}), setup=("board",)),
    Row("GET", "/b/{board_token}", everyone(200), setup=("board",)),
    Row("GET", "/b/{board_token}.json", everyone(200), setup=("board",)),
    Row("GET", "/b/board.js", everyone(200)),
    Row("GET", "/a/live.js", everyone(200)),  # the script an agenda page opened by its link runs
    # The reception: organisers and the event's host; changes only on the event's day (weeks away here: 409).
    Row(
        "POST",
        "/events/{event}/arrivals",
        only(organiser={409}, host={409}, supporter={409}),
        body={"organisation_id": str(uuid.UUID(int=1))},
    ),
    Row("GET", "/events/{event}/arrivals", only(organiser={200}, host={200}, supporter={200})),
    Row("DELETE", "/events/{event}/arrivals/{sme}", only(organiser={404}, host={404}, supporter={404})),
    Row("GET", "/events/{event}/reception", only(organiser={200}, host={200}, supporter={200})),
    # A QR code scanned by the reception's phone: whom it names (changes nothing).
    Row(
        "POST",
        "/reception/scans",
        only(organiser={200}, host={200}, supporter={200}),
        body={"link_token": "{link_token}"},
        setup=("links",),
    ),
    # The stand-by list: the reception, or the firm itself.
    Row("POST", "/events/{event}/standby/{sme}", only(organiser={409}, host={409}, sme={409}, supporter={409})),
    Row("DELETE", "/events/{event}/standby/{sme}", only(organiser={404}, host={404}, sme={404}, supporter={404})),
    # The event day's meetings (H2). The world's event is weeks away: marks are 409 (not started), a busy slot
    # or decline waits for review (201, then 200 for the same again). Organisers and the event's host act for
    # anyone, the buyer marks its own table, participants declare for themselves; by link without a token.
    Row(
        "PUT",
        "/events/{event}/meetings/{sme}/{buyer}/status",
        only(organiser={409}, buyer={409}, host={409}, supporter={409}),
        body={"status": "held"},
    ),
    Row("PUT", "/a/{buyer_link_token}/meetings/{sme}/status", everyone(409), body={"status": "held"}, setup=("links",)),
    # Undoing a mark (back to planned): the same callers as marking; nothing is marked here, so it is planned (200).
    Row(
        "DELETE",
        "/events/{event}/meetings/{sme}/{buyer}/status",
        only(organiser={200}, buyer={200}, host={200}, supporter={200}),
    ),
    Row("DELETE", "/a/{buyer_link_token}/meetings/{sme}/status", everyone(200), setup=("links",)),
    Row("GET", "/events/{event}/day", only(organiser={200}, host={200}, supporter={200})),
    Row("GET", "/events/{event}/day-settings", only(organiser={200}, supporter={200})),
    Row("PUT", "/events/{event}/day-settings", only(organiser={201}, supporter={200, 201}), body={}),
    Row(
        "GET", "/events/{event}/organisations/{sme}/day", only(organiser={200}, sme={200}, host={200}, supporter={200})
    ),
    Row(
        "GET",
        "/events/{event}/organisations/{buyer}/day",
        only(organiser={200}, buyer={200}, host={200}, supporter={200}),
    ),
    Row(
        "POST",
        "/events/{event}/organisations/{sme}/declines",
        only(organiser={201}, sme={200}, host={200}, supporter={200}),
        body={"counterpart_id": "{buyer}"},
    ),
    Row(
        "GET",
        "/events/{event}/organisations/{sme}/declines",
        only(organiser={200}, sme={200}, host={200}, supporter={200}),
    ),
    Row(
        "POST",
        "/events/{event}/organisations/{buyer}/busy",
        only(organiser={201}, buyer={200}, host={200}, supporter={200}),
        body={"slot": 0},
    ),
    Row(
        "GET",
        "/events/{event}/organisations/{buyer}/busy",
        only(organiser={200}, buyer={200}, host={200}, supporter={200}),
    ),
    Row("GET", "/events/{event}/declines", only(organiser={200}, supporter={200}), setup=("decline",)),
    Row(
        "PATCH",
        "/events/{event}/declines/{decline}",
        only(organiser={200}, supporter={200, 409}),
        body={"state": "dismissed"},
        setup=("decline",),
    ),
    Row("GET", "/a/{link_token}/day", everyone(200), setup=("links",)),
    Row("POST", "/a/{link_token}/declines", everyone(200, 201), body={"counterpart_id": "{buyer}"}, setup=("links",)),
    Row("GET", "/a/{link_token}/declines", everyone(200), setup=("links",)),
    Row("POST", "/a/{link_token}/busy", everyone(200, 201), body={"slot": 0}, setup=("links",)),
    Row("GET", "/a/{link_token}/busy", everyone(200), setup=("links",)),
    # The no-login day page and its plain forms (answered 303 back to the page, which the client follows).
    Row("GET", "/a/{link_token}/dagen.html", everyone(200), setup=("links",)),
    *(
        Row("POST", "/a/{link_token}/dagen/" + form, everyone(200, 303), setup=("links",))
        for form in ("kan-inte", "upptagen", "markera")
    ),
    # Feedback after the day: each participant its own by its link; organisers read every answer.
    Row("GET", "/a/{link_token}/feedback", everyone(200), setup=("links",)),
    Row("PUT", "/a/{link_token}/feedback", everyone(200, 409), body={"answers": []}, setup=("links",)),
    Row("GET", "/a/{link_token}/utvardering", everyone(200), setup=("links",)),
    Row("POST", "/a/{link_token}/utvardering", everyone(200, 303), setup=("links",)),
    # The follow-up months later: the same, each its own by its link.
    Row("GET", "/a/{link_token}/follow-up", everyone(200), setup=("links",)),
    Row("PUT", "/a/{link_token}/follow-up", everyone(200, 409), body={"answers": []}, setup=("links",)),
    Row("GET", "/a/{link_token}/uppfoljning", everyone(200), setup=("links",)),
    Row("POST", "/a/{link_token}/uppfoljning", everyone(200, 303), setup=("links",)),
    Row("GET", "/events/{event}/feedback", only(organiser={200}, supporter={200})),
    Row("GET", "/events/{event}/feedback-settings", only(organiser={200}, supporter={200})),
    Row("PUT", "/events/{event}/feedback-settings", only(organiser={200}, supporter={200}), body={}),
    Row("POST", "/events/{event}/invitations", only(organiser={200}), body={"took_part_before": True}),
    Row("GET", "/events/{event}/invitations", only(organiser={200})),
    # Individual support: organisers keep it; the adviser the SME's request is assigned to records hours.
    Row("GET", "/events/{event}/support-settings", only(organiser={200})),
    Row("PUT", "/events/{event}/support-settings", only(organiser={200}), body={}),
    Row("GET", "/events/{event}/support-requests", only(organiser={200}), setup=("support",)),
    Row(
        "POST",
        "/events/{event}/support-requests",
        only(organiser={201}, service={200}),
        body={"organisation_id": "{sme}", "source": "feedback"},
    ),
    Row(
        "PUT",
        "/events/{event}/support-requests/{sme}/adviser",
        only(organiser={200}),
        body={"adviser_account_id": "{adviser_account}"},
        setup=("support",),
    ),
    Row(
        "PUT",
        "/events/{event}/support-requests/{sme}/status",
        only(organiser={200}),
        body={"status": "declined"},
        setup=("support",),
    ),
    Row(
        "POST",
        "/events/{event}/support-requests/{sme}/hours",
        only(organiser={201}, adviser={201}),
        body={"worked_on": "2031-03-20", "hours": 1},
        setup=("support",),
    ),
    # The organiser, first, takes the entry back; the adviser then finds it gone.
    Row(
        "DELETE",
        "/events/{event}/support-requests/{sme}/hours/{support_hours}",
        only(organiser={200}, adviser={404}),
        setup=("support",),
    ),
    Row("GET", "/support/assigned", only(organiser={200}, adviser={200})),
    Row("POST", "/events/{event}/invitations", only(organiser={200}), body={"took_part_before": True}),
    Row("GET", "/events/{event}/invitations", only(organiser={200})),
    # The sign-up pages' relevance lists: organisers (and a supporter of the event), a firm or a buyer its own.
    Row("GET", "/events/{event}/relevance?sme_id={sme}", only(organiser={200}, sme={200}, supporter={200})),
    Row("GET", "/events/{event}/relevance?buyer_id={buyer}", only(organiser={200}, buyer={200}, supporter={200})),
    # The statistics across events: organisers, and the web as service.
    *(Row("GET", f"/statistics{suffix}", only(organiser={200}, service={200})) for suffix in ("", ".csv", ".xlsx")),
    Row("GET", f"/statistics/report/{NEXT_YEAR}.pdf", only(organiser={200}, service={200})),  # the world's year
]


async def build_world(registry, matcher, db, make_org, make_token, service_token, setup) -> tuple[dict, dict]:
    """The event, organisations, tokens, schedule versions and job a row runs against."""
    organiser = await make_token(Role.ORGANISER, label="matrix organiser")
    event = await create_event(registry, organiser)
    await move_to(registry, organiser, event["id"], "open")
    orgs = {
        "sme": await make_org("sme"),
        "sme_other": await make_org("sme"),
        "buyer": await make_org("buyer"),
        "buyer_other": await make_org("buyer"),
    }
    tokens = {
        "organiser": organiser,
        "service": service_token,
        "sme": await make_token(Role.SME, orgs["sme"]),
        "sme_other": await make_token(Role.SME, orgs["sme_other"]),
        "buyer": await make_token(Role.BUYER, orgs["buyer"]),
        "buyer_other": await make_token(Role.BUYER, orgs["buyer_other"]),
        "host": await make_token(Role.HOST, event_id=event["id"]),
    }
    adviser = await db.fetchval(
        "INSERT INTO registry.accounts (email, password_hash, role, name) "
        "VALUES ('radgivare@matris.se', '$argon2id$never', 'adviser', 'Rut') RETURNING id"
    )
    tokens["adviser"] = await make_token(Role.ADVISER, account_id=adviser)
    _, tokens["supporter"] = await supporter_token(db, make_token, event["id"], "edit")
    for party in ("sme", "buyer"):
        signed_up = await registry.post(f"/events/{event['id']}/registrations", json={}, headers=bearer(tokens[party]))
        assert signed_up.status == 201, await signed_up.text()
    response = await registry.get(f"/events/{event['id']}/snapshot", headers=bearer(service_token))
    assert response.status == 200, await response.text()
    snapshot = EventSnapshot.model_validate(await response.json())
    why = {"sentence_sv": "Ni passar ihop.", "sentence_en": "You fit.", "need_id": None}
    meetings = [PlacedMeeting(orgs["sme"], orgs["buyer"], snapshot.event.slots[0].index, 0, why)]
    first = await store_version(db, snapshot, meetings, 1)
    await publish_in_sql(db, snapshot.event.id, 1)
    await store_version(db, snapshot, meetings, 2)
    ids: dict[str, Any] = {
        **orgs,
        "event": event["id"],
        "job": await db.fetchval(
            "INSERT INTO matcher.jobs (event_id, status, progress, finished_at, result_version_id) "
            "VALUES ($1, 'done', 100, now(), $2) RETURNING id",
            snapshot.event.id,
            first,
        ),
        "forged_token": token_for(b"not the matcher's key", uuid.uuid4()),
    }
    if "rule" in setup:
        await db.execute(
            "INSERT INTO matcher.schedule_rules (event_id, sme_id, buyer_id, rule) VALUES ($1, $2, $3, 'forbid')",
            snapshot.event.id,
            orgs["sme"],
            orgs["buyer"],
        )
    if "webhook" in setup:
        ids["webhook"] = await db.fetchval(
            "INSERT INTO matcher.webhooks (event_id, url, secret) VALUES ($1, $2, $3) RETURNING id",
            snapshot.event.id,
            HOOK_URL,
            "s" * 40,
        )
    if "links" in setup:
        made = await matcher.post(f"/events/{event['id']}/agenda-links", headers=bearer(organiser))
        assert made.status == 201, await made.text()
        link = next(item for item in (await made.json())["items"] if item["organisation_id"] == str(orgs["sme"]))
        ids["link"], ids["link_token"] = link["id"], urlsplit(link["url"]).path.removeprefix("/a/")
        items = (await made.json())["items"]
        buyer_link = next(item for item in items if item["organisation_id"] == str(orgs["buyer"]))
        ids["buyer_link_token"] = urlsplit(buyer_link["url"]).path.removeprefix("/a/")
    if "decline" in setup:
        ids["decline"] = await db.fetchval(
            "INSERT INTO matcher.unavailability (event_id, organisation_id, kind, counterpart_id, created_at) "
            "VALUES ($1, $2, 'decline', $3, now()) RETURNING id",
            snapshot.event.id,
            orgs["sme"],
            orgs["buyer"],
        )
    ids["adviser_account"] = adviser
    if "support" in setup:
        request = await db.fetchval(
            "INSERT INTO matcher.support_requests (event_id, organisation_id, source, status, adviser_account_id, "
            "allowance_hours, requested_at, assigned_at, updated_at) "
            "VALUES ($1, $2, 'signup', 'assigned', $3, 10, now(), now(), now()) RETURNING id",
            snapshot.event.id,
            orgs["sme"],
            adviser,
        )
        ids["support_hours"] = await db.fetchval(
            "INSERT INTO matcher.support_hours (request_id, adviser_account_id, worked_on, hours, recorded_at) "
            "VALUES ($1, $2, '2031-03-20', 1, now()) RETURNING id",
            request,
            adviser,
        )
    if "board" in setup:
        made = await matcher.post(f"/events/{event['id']}/board-links", headers=bearer(organiser))
        assert made.status == 201, await made.text()
        board = await made.json()
        ids["board_link"], ids["board_token"] = board["id"], urlsplit(board["url"]).path.removeprefix("/b/")
    return {name: str(value) for name, value in ids.items()}, tokens


async def send(matcher, row: Row, ids: dict[str, str], token: str | None):
    headers = bearer(token) if token is not None else {}
    data = None
    if row.body is not None:
        body = {k: v.format(**ids) if isinstance(v, str) else v for k, v in row.body.items()}  # "{buyer}" → its id
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    return await matcher.request(row.method, row.path.format(**ids), headers=headers, data=data)


@pytest.mark.parametrize("row", MATRIX, ids=[f"{row.method} {row.path}" for row in MATRIX])
async def test_route_admits_exactly_its_callers(registry, matcher, db, make_org, make_token, service_token, row: Row):
    ids, tokens = await build_world(registry, matcher, db, make_org, make_token, service_token, row.setup)
    for caller in (caller for caller in CALLERS if caller not in row.allowed):
        response = await send(matcher, row, ids, tokens.get(caller))
        expected = 401 if caller == "anonymous" else 403
        assert response.status == expected, f"{caller}: {response.status} {await response.text()}"
        assert response.content_type == "application/problem+json"
    for caller in (caller for caller in CALLERS if caller in row.allowed):
        response = await send(matcher, row, ids, tokens.get(caller))
        assert response.status in row.allowed[caller], f"{caller}: {response.status} {await response.text()}"
        response.close()  # the job's event stream, among others, need not be read to the end


async def test_every_route_is_in_the_matrix():
    app = create_app(MatcherSettings(service_token="t" * 40, workers=0))
    routes = {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.method != "HEAD" and route.resource.canonical not in UNCHECKED
    }
    names = {"event", "sme", "buyer", "job", "webhook", "link", "link_token", "forged_token", "buyer_link_token"}
    names.add("decline")
    names |= {"board_link", "board_token", "adviser_account", "support_hours"}
    sample = {name: str(uuid.uuid4()) for name in names}
    covered = set()
    for row in MATRIX:
        match = await app.router.resolve(make_mocked_request(row.method, row.path.format(**sample), app=app))
        assert match.http_exception is None, f"{row.method} {row.path} names no route"
        covered.add((row.method, match.route.resource.canonical))
    assert routes - covered == set(), "routes without a row in the role matrix"
    assert covered - routes == set(), "rows for routes that are not checked"
