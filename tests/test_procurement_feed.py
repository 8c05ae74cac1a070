"""The matcher reads need.stage entries from the registry's change feed without tripping over them, and
skips kinds it does not know (a newer registry may add some) while still applying the changes after them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from services.matcher.privacy.feed import sync_feed
from services.matcher.registry_client import RegistryClient
from services.matcher.settings import MatcherSettings
from services.registry.ocds import EXAMPLE_RELEASE
from shared.auth import Role
from shared.db import init_connection
from shared.privacy import Change, ChangeKind
from tests.conftest import bearer
from tests.test_procurement import FALUN_ORGNR, award_release, package

ERASED = uuid.UUID(int=7)


@pytest.fixture
async def pool(db_url: str) -> AsyncIterator[asyncpg.Pool]:
    created = await asyncpg.create_pool(db_url, min_size=1, max_size=2, init=init_connection)
    yield created
    await created.close()


def test_a_kind_the_reader_does_not_know_stays_a_plain_string():
    known = Change(id=1, kind="need.stage", organisation_id=ERASED, event_id=None, at="2027-01-01T00:00:00Z")
    future = Change(id=2, kind="need.bidders", organisation_id=ERASED, event_id=None, at="2027-01-01T00:00:00Z")
    assert known.kind is ChangeKind.NEED_STAGE and future.kind == "need.bidders"
    assert not isinstance(future.kind, ChangeKind)


async def test_the_matcher_skips_unknown_kinds_and_applies_what_comes_after(pool, db_url):
    """A registry (a small one on loopback) whose feed has a kind from the future, a stage move, an erasure."""
    entries = [
        {"id": 1, "kind": "need.bidders", "organisation_id": str(uuid.uuid4()), "event_id": None,
         "at": "2027-01-01T09:00:00Z", "need_id": str(uuid.uuid4()), "bidders": 3},
        {"id": 2, "kind": "need.stage", "organisation_id": str(uuid.uuid4()), "event_id": None,
         "at": "2027-01-01T09:01:00Z", "need_id": str(uuid.uuid4()), "stage": "tender"},
        {"id": 3, "kind": "organisation.erased", "organisation_id": str(ERASED), "event_id": None,
         "at": "2027-01-01T09:02:00Z"},
    ]  # fmt: skip

    async def changes(request: web.Request) -> web.Response:
        after = int(request.query["after"])
        items = [e for e in entries if e["id"] > after]
        return web.json_response({"items": items, "last_id": items[-1]["id"] if items else after})

    app = web.Application()
    app.router.add_get("/changes", changes)
    settings = MatcherSettings(database_url=db_url, log_format="text")
    async with TestServer(app, host="127.0.0.1") as server, aiohttp.ClientSession() as session:
        client = RegistryClient(session, str(server.make_url("")), "s" * 40, tries=1)
        result = await sync_feed(pool, settings, client)
        assert (result.applied, result.last_id) == (3, 3)
        assert await pool.fetchval("SELECT last_id FROM matcher.registry_feed") == 3
        assert await pool.fetchval("SELECT organisation_id FROM matcher.erased_organisations") == ERASED
        assert (await sync_feed(pool, settings, client)).applied == 0  # nothing again


async def test_the_matcher_follows_the_real_feed_past_a_stage_move(
    registry, pool, db_url, make_org, make_token, service_token
):
    buyer = await make_org("buyer", name="Falu kommun", orgnr=FALUN_ORGNR, buyer_category="municipality")
    token = await make_token(Role.BUYER, buyer)
    response = await registry.post(
        "/needs/import/ocds", json=package(EXAMPLE_RELEASE, award_release()), headers=bearer(token)
    )
    assert response.status == 200, await response.text()
    settings = MatcherSettings(database_url=db_url, log_format="text")
    async with aiohttp.ClientSession() as session:
        client = RegistryClient(session, str(registry.make_url("")), service_token, tries=1)
        page = await client.changes(0)
        assert [(c.kind, c.stage) for c in page.items] == [(ChangeKind.NEED_STAGE, "awarded")]
        assert page.items[0].organisation_id == buyer
        result = await sync_feed(pool, settings, client)
    assert result.last_id == page.items[0].id
