"""Every registry route × every kind of caller: who gets in, who is turned away.

The callers are: nobody (no token), an organiser, the matcher's service token, an SME and a buyer
acting for the organisation the request is about ("owner"), and an SME and a buyer acting for another
organisation ("other"), the host (värd) of the world's event, and a supporter (stödroll) whose account holds an
'edit' grant on that event. Each route runs on a fresh database
with the same small world (two SMEs, two buyers, a need, an open event with registrations and a pair
rule). Callers who must be refused go
first, with a request that would succeed for the owner, so a broken check shows as a change rather
than being masked by a validation error. A route added to the app without a row here fails
:func:`test_every_route_is_in_the_matrix`.
"""

from __future__ import annotations

import itertools
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestServer

from services.matcher.app import create_app as create_matcher_app
from shared.auth import Role
from shared.reference.orgnr import orgnr_from_serial
from shared.web import SETTINGS_KEY
from tests.conftest import bearer
from tests.supporters import grant, make_account, session

CALLERS = (
    "anonymous", "organiser", "service", "sme", "sme_other", "buyer", "buyer_other", "host", "supporter", "adviser",
)  # fmt: skip
PUBLIC = frozenset(CALLERS)
STALE = {"If-Match": '"999"'}  # a version no row has: allowed destructive calls answer 412 and change nothing
_serials = itertools.count(7_000_000)


@dataclass(frozen=True)
class Row:
    """One route: the request to send and what each allowed caller gets (everyone else is refused)."""

    method: str
    path: str
    allowed: dict[str, set[int]]
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    allowed_headers: dict[str, str] | None = None  # headers for allowed callers (e.g. a stale If-Match)
    content_type: str = "application/json"


def everyone(*statuses: int) -> dict[str, set[int]]:
    return {caller: set(statuses) for caller in CALLERS}


def signed_in(*statuses: int) -> dict[str, set[int]]:
    return {caller: set(statuses) for caller in CALLERS if caller != "anonymous"}


def only(**callers: set[int]) -> dict[str, set[int]]:
    return dict(callers)


def new_sme_body() -> dict[str, Any]:
    return {
        "kind": "sme",
        "orgnr": orgnr_from_serial(next(_serials)),
        "name": "Nya Städ AB",
        "municipality_code": "2080",
        "cpv_codes": ["90910000"],
    }


EVENT_BODY = {
    "name": "Affärsträff Mora",
    "event_date": "2031-03-12",
    "municipality_code": "2062",
    "day_start": "09:00",
    "day_end": "12:00",
    "meeting_minutes": 20,
    "tables": 10,
    "signup_deadline": "2031-02-26T16:00:00+01:00",
}

MATRIX: list[Row] = [
    Row("GET", "/healthz", everyone(200)),
    Row("GET", "/readyz", everyone(200)),
    Row("GET", "/openapi.json", everyone(200)),
    Row("GET", "/docs", everyone(200)),
    Row("GET", "/docs/text", everyone(200)),
    # The docs viewer's files (shared/api_docs.py), one route each.
    Row("GET", "/docs/static/swagger-ui-bundle.js", everyone(200)),
    Row("GET", "/docs/static/swagger-ui.css", everyone(200)),
    Row("GET", "/docs/static/docs-init.js", everyone(200)),
    Row("GET", "/docs/static/docs.css", everyone(200)),
    Row("POST", "/auth/tokens", only(organiser={201}), body={"role": "organiser"}),
    Row("GET", "/auth/tokens", only(organiser={200})),
    Row("DELETE", "/auth/tokens/{token}", only(organiser={204})),
    Row("GET", "/auth/whoami", signed_in(200)),
    Row("POST", "/auth/introspect", only(organiser={200}, service={200}), body={"token": "atr_unknown"}),
    # Web login. Login and redeem need no token: an empty body reaches validation (422) for every caller,
    # where a route behind a token check would answer anonymous callers 401.
    Row(
        "POST",
        "/auth/accounts",
        only(organiser={201}),
        body={"email": "ny@falun.se", "password": "correct horse battery", "role": "organiser"},
    ),
    Row("GET", "/auth/accounts", only(organiser={200})),
    Row("GET", "/auth/accounts/{account}", only(organiser={200}, service={200})),
    Row("PATCH", "/auth/accounts/{account}", only(organiser={200}), body={"disabled": True}),
    # GDPR for the people behind accounts: organisers for any account, a holder for its own (the adviser's
    # and the supporter's tokens are sessions of their accounts); erasure by organisers only.
    Row("GET", "/auth/accounts/{account}/export", only(organiser={200})),
    Row("GET", "/auth/accounts/{adviser_account}/export", only(organiser={200}, adviser={200})),
    Row("DELETE", "/auth/accounts/{account}", only(organiser={204})),
    Row("POST", "/auth/login", everyone(422), body={"email": "", "password": ""}),
    Row("POST", "/auth/logout", signed_in(204)),
    # Only the web front end's service token asks for SME sign-in links (organisers included are refused).
    Row("POST", "/auth/sign-in-links", only(service={200}), body={"email": "nobody@falun.se"}),
    Row("POST", "/auth/sign-in-links/redeem", everyone(422), body={"token": ""}),
    # Forgotten passwords: the same, for accounts (the new password is checked before the link).
    Row("POST", "/auth/password-links", only(service={200}), body={"email": "nobody@falun.se"}),
    Row("POST", "/auth/password-links/redeem", everyone(422), body={"token": "", "password": "x"}),
    # Organisations: SMEs may register themselves without a token; members act only for their own.
    Row("POST", "/organisations", only(anonymous={201}, organiser={201}), body="new-sme"),
    Row("GET", "/organisations", signed_in(200)),
    Row("GET", "/organisations/{sme_a}", signed_in(200)),
    Row("PATCH", "/organisations/{sme_a}", only(organiser={200}, sme={200}), body={"description": "Fönsterputs"}),
    Row("DELETE", "/organisations/{sme_a}", only(organiser={412}, sme={412}), allowed_headers=STALE),
    Row("GET", "/organisations/{sme_a}/export", only(organiser={200}, sme={200})),
    Row("GET", "/organisations/{sme_a}/audit", only(organiser={200}, sme={200})),
    # Follows: a firm follows needs or CPV divisions (the second allowed caller finds it followed: 200).
    Row("GET", "/organisations/{sme_a}/follows", only(organiser={200}, sme={200})),
    Row(
        "POST",
        "/organisations/{sme_a}/follows",
        only(organiser={200, 201}, sme={200, 201}),
        body={"cpv_division": "90"},
    ),
    Row("DELETE", "/organisations/{sme_a}/follows", only(organiser={422}, sme={422})),  # say what to stop following
    Row(
        "POST",
        "/organisations/import",
        only(organiser={200}),
        body="orgnr,name,municipality_code,cpv_codes\r\n",
        content_type="text/csv",
    ),
    Row("GET", "/audit", only(organiser={200})),
    # Needs: buyers publish their own; everyone signed in reads those past planning.
    Row(
        "POST",
        "/needs",
        only(organiser={422}, buyer={201}, buyer_other={201}),
        body={"title": "Fönsterputs", "cpv_main": "90911300"},
    ),
    Row("GET", "/needs", signed_in(200)),
    Row("GET", "/needs/{need}", signed_in(200)),
    Row("PATCH", "/needs/{need}", only(organiser={200}, buyer={200}), body={"description": "Alla skolor"}),
    Row("DELETE", "/needs/{need}", only(organiser={412}, buyer={412}), allowed_headers=STALE),
    Row("POST", "/needs/{need}/status", only(organiser={200}, buyer={200}), body={"status": "published"}),
    Row("POST", "/needs/import/ocds", only(organiser={422}, buyer={422}, buyer_other={422}), body={"releases": []}),
    Row("GET", "/needs/export/ocds", signed_in(200)),
    Row("GET", "/needs/{need}/followers", only(organiser={200}, service={200})),
    Row("GET", "/segments/firms", only(organiser={200}, service={200})),
    Row("GET", "/thresholds", signed_in(200)),
    Row(
        "POST",
        "/thresholds",
        only(organiser={201}),
        body={"kind": "eu_works", "valid_from": "2031-01-01", "amount_sek": 60_000_000},
    ),
    # Events: organisers run them; members see those past draft.
    Row("POST", "/events", only(organiser={201}), body=EVENT_BODY),
    Row("GET", "/events", signed_in(200)),
    Row("GET", "/events/{event}", signed_in(200)),
    Row("GET", "/public/events", everyone(200)),
    Row("GET", "/public/events/{event}", everyone(200)),
    # The supporter holds an 'edit' grant on the world's event: it changes the event as its organisers do.
    Row("PATCH", "/events/{event}", only(organiser={200}, supporter={200}), body={"venue": "Lugnet"}),
    Row("DELETE", "/events/{event}", only(organiser={409})),  # past draft: refused by state, not by role
    # The organiser closed it first, so the supporter's same move is 409 (admitted, refused by state).
    Row("POST", "/events/{event}/transitions", only(organiser={200}, supporter={409}), body={"to": "closed"}),
    Row("GET", "/events/{event}/transitions", only(organiser={200}, supporter={200})),
    Row(
        "POST",
        "/events/{event}/copy",
        only(organiser={201}),
        body={"name": "Affärsträff Falun igen", "event_date": "2031-03-12"},
    ),
    Row(
        "POST",
        "/events/{event}/registrations",
        # Everyone signs up their own organisation; the owners already are (409).
        only(organiser={422}, sme={409}, sme_other={201}, buyer={409}, buyer_other={201}, supporter={422}),
        body={},
    ),
    Row("GET", "/events/{event}/registrations", signed_in(200)),
    # Walk-ins: the organiser or the event's host, on the event's day only (the world's event is weeks away).
    Row(
        "POST",
        "/events/{event}/walk-ins",
        only(organiser={409}, host={409}, supporter={409}),
        body={
            "orgnr": orgnr_from_serial(7_999_999),
            "name": "Nya Måleri AB",
            "contact": {"name": "Lisa Lund", "email": "lisa@example.se"},
            "cpv_codes": ["45442100"],
        },
    ),
    Row("GET", "/registrations/{registration}", only(organiser={200}, service={200}, sme={200}, supporter={200})),
    Row(
        "PATCH",
        "/registrations/{registration}",
        only(organiser={200}, sme={200}, supporter={200}),
        body={"note": "Kommer 9.30"},
    ),
    Row(
        "POST",
        "/registrations/{registration}/cancel",
        only(organiser={200}, sme={200}, supporter={200}),
        body={"reason": "Sjuk"},
    ),
    Row("GET", "/events/{event}/snapshot", only(organiser={200}, service={200}, supporter={200})),
    Row("GET", "/changes", only(organiser={200}, service={200})),
    Row("GET", "/events/{event}/pair-rules", only(organiser={200}, service={200}, supporter={200})),
    Row(
        "PUT",
        "/events/{event}/pair-rules/{sme_a}/{buyer_x}",
        only(organiser={200}, supporter={200}),
        body={"rule": "never"},
    ),
    # The organiser removed the rule first: the supporter finds none (404, admitted).
    Row("DELETE", "/events/{event}/pair-rules/{sme_a}/{buyer_x}", only(organiser={204}, supporter={404})),
    # Grants: organisers only (the world's event has no owner, so any organiser), never the supporter itself.
    Row("GET", "/events/{event}/grants", only(organiser={200})),
    Row("PUT", "/events/{event}/grants/{supporter_account}", only(organiser={200}), body={"access": "read"}),
    Row("DELETE", "/events/{event}/grants/{supporter_account}", only(organiser={204})),
    # The matcher's record of a publication; last, as it moves the world's event on to published.
    Row("POST", "/events/{event}/publication", only(service={200}), body={"snapshot_hash": "0" * 64}),
]


async def build_world(db, make_org, make_token) -> tuple[dict[str, str], dict[str, str]]:
    """The organisations, need, event, registrations and pair rule every row runs against."""
    ids: dict[str, Any] = {
        "sme_a": await make_org("sme", cpv_codes=["90910000"]),
        "sme_b": await make_org("sme", cpv_codes=["90910000"]),
        "buyer_x": await make_org("buyer"),
        "buyer_y": await make_org("buyer"),
    }
    ids["need"] = await db.fetchval(
        "INSERT INTO registry.needs (buyer_id, title, cpv_main, status) VALUES ($1, 'Städning', '90910000', 'planned') "
        "RETURNING id",
        ids["buyer_x"],
    )
    soon = date.today() + timedelta(days=60)
    ids["event"] = await db.fetchval(
        "INSERT INTO registry.events (name, event_date, municipality_code, day_start, day_end, meeting_minutes, "
        "tables, signup_deadline, status) VALUES ('Affärsträff Falun', $1, '2080', $2, $3, 20, 10, $4, 'open') "
        "RETURNING id",
        soon,
        time(9),
        time(12),
        datetime.now(UTC) + timedelta(days=30),
    )
    ids["registration"] = await db.fetchval(
        "INSERT INTO registry.registrations (event_id, organisation_id, kind) VALUES ($1, $2, 'sme') RETURNING id",
        ids["event"],
        ids["sme_a"],
    )
    await db.execute(
        "INSERT INTO registry.registrations (event_id, organisation_id, kind, tables) VALUES ($1, $2, 'buyer', 1)",
        ids["event"],
        ids["buyer_x"],
    )
    await db.execute(
        "INSERT INTO registry.pair_rules (event_id, sme_id, buyer_id, rule) VALUES ($1, $2, $3, 'must_meet')",
        ids["event"],
        ids["sme_a"],
        ids["buyer_x"],
    )
    ids["token"] = await db.fetchval(
        "INSERT INTO registry.api_tokens (token_hash, role, label) VALUES ($1, 'organiser', 'spare') RETURNING id",
        uuid.uuid4().bytes * 2,
    )
    ids["account"] = await db.fetchval(
        "INSERT INTO registry.accounts (email, password_hash, role) VALUES ('eva@falun.se', 'scrypt$x', 'organiser') "
        "RETURNING id"
    )
    ids["supporter_account"] = await make_account(db, "supporter")
    ids["adviser_account"] = await make_account(db, "adviser")
    await grant(db, ids["event"], ids["supporter_account"], "edit")
    tokens = {
        "organiser": await make_token(Role.ORGANISER),
        "service": await make_token(Role.SERVICE),
        "sme": await make_token(Role.SME, ids["sme_a"]),
        "sme_other": await make_token(Role.SME, ids["sme_b"]),
        "buyer": await make_token(Role.BUYER, ids["buyer_x"]),
        "buyer_other": await make_token(Role.BUYER, ids["buyer_y"]),
        "host": await make_token(Role.HOST, event_id=ids["event"]),
        "supporter": await session(make_token, Role.SUPPORTER, ids["supporter_account"]),
        # An adviser (rådgivare) works in the matcher's support routes: the registry admits it nowhere else.
        "adviser": await session(make_token, Role.ADVISER, ids["adviser_account"]),
    }
    return {name: str(value) for name, value in ids.items()}, tokens


async def send(registry, row: Row, ids: dict[str, str], token: str | None, allowed: bool):
    headers = {**row.headers, **(row.allowed_headers or {} if allowed else {})}
    if token is not None:
        headers.update(bearer(token))
    kwargs: dict[str, Any] = {"headers": headers}
    if row.body is not None:
        body = new_sme_body() if row.body == "new-sme" else row.body
        data = body if isinstance(body, str) else json.dumps(body)
        kwargs["data"] = data.encode()
        headers["Content-Type"] = row.content_type
    return await registry.request(row.method, row.path.format(**ids), **kwargs)


@pytest.mark.parametrize("row", MATRIX, ids=[f"{row.method} {row.path}" for row in MATRIX])
async def test_route_admits_exactly_its_callers(registry, db, make_org, make_token, row: Row, matcher_settings):
    if row.path.endswith("/export"):
        # The export asks the matcher what it holds: run it on the port the registry calls.
        async with TestServer(create_matcher_app(matcher_settings), host="127.0.0.1", port=matcher_port(registry)):
            await _admits_exactly_its_callers(registry, db, make_org, make_token, row)
    else:
        await _admits_exactly_its_callers(registry, db, make_org, make_token, row)


def matcher_port(registry) -> int:
    return urlsplit(str(registry.app[SETTINGS_KEY].matcher_url)).port


async def _admits_exactly_its_callers(registry, db, make_org, make_token, row: Row) -> None:
    ids, tokens = await build_world(db, make_org, make_token)
    refused = [caller for caller in CALLERS if caller not in row.allowed]
    for caller in refused:
        response = await send(registry, row, ids, tokens.get(caller), allowed=False)
        expected = {401} if caller == "anonymous" else {403, 404}
        assert response.status in expected, f"{caller}: {response.status} {await response.text()}"
        assert response.content_type == "application/problem+json"
    for caller in CALLERS:
        if caller in row.allowed:
            response = await send(registry, row, ids, tokens.get(caller), allowed=True)
            assert response.status in row.allowed[caller], f"{caller}: {response.status} {await response.text()}"


def test_every_route_is_in_the_matrix(registry):
    routes = {
        (route.method, route.resource.canonical)
        for route in registry.app.router.routes()
        if route.method not in ("HEAD", "OPTIONS")
    }
    placeholders = {
        "{token}": "{token_id}",
        "{sme_a}": "{organisation_id}",
        "{need}": "{need_id}",
        "{event}": "{event_id}",
        "{registration}": "{registration_id}",
        "{account}": "{account_id}",
        "{supporter_account}": "{account_id}",
        "{adviser_account}": "{account_id}",
    }

    def canonical(path: str) -> str:
        if "pair-rules/" in path:
            return (
                path.replace("{event}", "{event_id}").replace("{sme_a}", "{sme_id}").replace("{buyer_x}", "{buyer_id}")
            )
        for placeholder, name in placeholders.items():
            path = path.replace(placeholder, name)
        return path

    covered = {(row.method, canonical(row.path)) for row in MATRIX}
    assert routes - covered == set(), "routes without a row in the role matrix"
    assert covered - routes == set(), "rows for routes that do not exist"
