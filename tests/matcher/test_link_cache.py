"""The link cache with two matcher instances on one database: agenda link and board reads served from
memory, and forgotten when a revoke, a re-publish, an erasure or a check-in's NOTIFY is delivered; a lost
listening connection forgets everything (a change whose notification was lost is not served stale)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.matcher.app import create_app as create_matcher_app
from services.matcher.keys import AGENDA_CACHE_KEY, LINK_CACHE_KEY
from services.matcher.link_cache import MISSING, LinkCache
from services.matcher.links import token_hash
from services.matcher.privacy.erasure import apply_erasure, forget_cached
from shared.db import init_connection
from tests.conftest import bearer

# The agenda tests' fixtures (a stored version, organisations, tokens) serve here too.
from tests.matcher.test_agenda_routes import busy_sme, event, publish, second_version, store_version, world

__all__ = ["event", "world"]

DELIVERY = 30.0  # seconds a NOTIFY may take to arrive on a loaded machine (a bound on the wait, not a sleep)


@pytest.fixture
async def second(matcher_settings) -> AsyncIterator[TestClient]:
    """A second matcher instance on the same database (as a second process or host would be)."""
    async with TestClient(TestServer(create_matcher_app(matcher_settings), host="127.0.0.1")) as client:
        yield client


def cache_of(client: TestClient) -> LinkCache:
    return client.server.app[LINK_CACHE_KEY]


async def both_listening(*clients: TestClient) -> None:
    for client in clients:
        await asyncio.wait_for(cache_of(client).until_usable(), DELIVERY)


async def agenda_links(matcher: TestClient, world) -> dict[uuid.UUID, str]:
    """Every participant's agenda link path, by organisation."""
    made = await matcher.post(f"/events/{world['event']}/agenda-links", headers=bearer(world["tokens"]["organiser"]))
    assert made.status in (200, 201)
    return {uuid.UUID(item["organisation_id"]): urlsplit(item["url"]).path for item in (await made.json())["items"]}


def cached(client: TestClient, path: str) -> bool:
    """Whether the instance holds what the link (``/a/{token}``, ``/b/{token}``) stands for in memory."""
    kind, token = path.strip("/").split("/")[:2]
    key = ("link" if kind == "a" else "board", token_hash(token.split(".")[0]))
    return cache_of(client).get(key) is not MISSING


async def delivered(client: TestClient, generation: int) -> None:
    """Wait until a notification (or a loss) after ``generation`` reached the instance."""
    await asyncio.wait_for(cache_of(client).changed_after(generation), DELIVERY)


async def test_a_link_revoked_on_one_instance_is_404_on_the_other_once_the_notify_arrives(matcher, second, db, world):
    await publish(db, world["event"], 1)
    await both_listening(matcher, second)
    path = (await agenda_links(matcher, world))[world["sme"]] + ".json"
    assert (await second.get(path)).status == 200
    assert cached(second, path)  # the next reads ask no database
    assert (await second.get(path)).status == 200

    link_id = await db.fetchval(
        "SELECT id FROM matcher.agenda_links WHERE event_id = $1 AND organisation_id = $2",
        world["event"],
        world["sme"],
    )
    generation = cache_of(second).generation
    revoked = await matcher.delete(
        f"/events/{world['event']}/agenda-links/{link_id}", headers=bearer(world["tokens"]["organiser"])
    )
    assert revoked.status == 204
    assert (await matcher.get(path)).status == 404  # the revoking instance at once, before its NOTIFY
    await delivered(second, generation)
    assert not cached(second, path)
    response = await second.get(path)
    assert response.status == 404 and response.headers["Cache-Control"] == "private, no-store"


async def test_a_lost_listening_connection_forgets_every_link(matcher, second, db, world):
    """A revoke whose NOTIFY is lost with the connection: the loss itself clears the cache."""
    await publish(db, world["event"], 1)
    await both_listening(matcher, second)
    path = (await agenda_links(matcher, world))[world["sme"]] + ".json"
    assert (await second.get(path)).status == 200 and cached(second, path)

    async with db.transaction():
        await db.execute("SET LOCAL session_replication_role = replica")  # no triggers: no NOTIFY is sent
        await db.execute(
            "UPDATE matcher.agenda_links SET revoked_at = now() WHERE event_id = $1 AND organisation_id = $2",
            world["event"],
            world["sme"],
        )
    # Without the notification the instance still answers from memory: what the loss below must clear.
    assert (await second.get(path)).status == 200

    generation = cache_of(second).generation
    ended = await db.fetchval(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND query = 'LISTEN \"matcher_link_cache\"'"
    )
    assert ended == 2  # both instances' listening connections
    await delivered(second, generation)
    assert not cached(second, path)
    assert (await second.get(path)).status == 404
    # It listens again on its own, and serves from memory again: a new link is read once, then kept.
    await both_listening(second)
    other = (await agenda_links(matcher, world))[world["buyer"]]
    assert (await second.get(other + ".json")).status == 200 and cached(second, other + ".json")


async def test_a_re_publish_shows_at_once_and_an_erasure_ends_the_link(matcher, second, db, db_url, world):
    snapshot, meetings = world["snapshot"], world["meetings"]
    await publish(db, world["event"], 1)
    await both_listening(matcher, second)
    path = (await agenda_links(matcher, world))[world["sme"]] + ".json"
    first = await second.get(path)
    assert first.status == 200 and (await first.json())["version"] == 1
    tag = first.headers["ETag"]
    assert (await second.get(path, headers={"If-None-Match": tag})).status == 304

    changed, _, _ = second_version(snapshot, meetings, busy_sme(meetings))
    await store_version(db, snapshot, changed, 2)
    generation = cache_of(second).generation
    await publish(db, world["event"], 2)
    await delivered(second, generation)
    again = await second.get(path, headers={"If-None-Match": tag})
    assert again.status == 200 and again.headers["ETag"] != tag
    document = await again.json()
    assert document["version"] == 2 and document["changes"]["since_version"] == 1

    conn = await asyncpg.connect(db_url)
    try:
        await init_connection(conn)  # as the matcher's pool: jsonb as Python objects
        generation = cache_of(second).generation
        async with conn.transaction():
            result = await apply_erasure(conn, world["sme"], dt.datetime.now(dt.UTC))
    finally:
        await conn.close()
    forget_cached(result, second.server.app[AGENDA_CACHE_KEY])
    await delivered(second, generation)
    assert (await second.get(path)).status == 404


async def test_a_check_in_shows_on_the_buyers_link(matcher, second, db, world):
    await publish(db, world["event"], 1)
    await both_listening(matcher, second)
    path = (await agenda_links(matcher, world))[world["buyer"]] + ".json"
    before = await (await second.get(path)).json()
    assert before["arrived"] == [] and cached(second, path)
    sme = next(m.sme_id for m in world["meetings"] if m.buyer_id == world["buyer"])

    generation = cache_of(second).generation
    await db.execute(
        "INSERT INTO matcher.arrivals (event_id, organisation_id, arrived_at, how, by_role) "
        "VALUES ($1, $2, now(), 'name', 'organiser')",
        world["event"],
        sme,
    )
    await delivered(second, generation)
    assert (await (await second.get(path)).json())["arrived"] == [str(sme)]


async def test_a_revoked_board_is_410_on_both_instances(matcher, second, db, world):
    await publish(db, world["event"], 1)
    await both_listening(matcher, second)
    organiser = bearer(world["tokens"]["organiser"])
    made = await (await matcher.post(f"/events/{world['event']}/board-links", headers=organiser)).json()
    path = urlsplit(made["url"]).path + ".json"
    for client in (matcher, second):
        assert (await client.get(path)).status == 200 and cached(client, path)

    generation = cache_of(second).generation
    gone = await matcher.delete(f"/events/{world['event']}/board-links/{made['id']}", headers=organiser)
    assert gone.status == 204
    assert (await matcher.get(path)).status == 410  # at once where it was revoked
    await delivered(second, generation)
    response = await second.get(path)
    assert response.status == 410 and (await response.json())["type"].endswith(":board-link-revoked")
