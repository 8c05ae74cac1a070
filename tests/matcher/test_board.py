"""The venue board on the real matcher app with a ManualClock: now and next per table at 09:10 on the day,
the first meetings before it, 'Tack för i dag' after; board links made, listed and revoked (410); names
only, never a contact's e-mail or phone; the page's script is a file the CSP allows, nothing inline."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import re
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.matcher.app import create_app as create_matcher_app
from services.matcher.keys import AGENDA_CACHE_KEY
from services.matcher.privacy.erasure import apply_erasure, forget_cached
from shared.clock import ManualClock
from shared.db import init_connection
from tests.conftest import bearer

# The agenda tests' fixtures (a stored version, organisations, tokens) serve here too.
from tests.matcher.test_agenda_routes import event, names, publish, world

__all__ = ["event", "world"]

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}  # what a TV's browser asks for


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(dt.datetime(2025, 10, 6, 12, 0, tzinfo=dt.UTC))


@pytest.fixture
async def clocked_matcher(matcher_settings, matcher_port, clock) -> AsyncIterator[TestClient]:
    """The matcher with a clock the test moves."""
    server = TestServer(create_matcher_app(matcher_settings, clock=clock), host="127.0.0.1", port=matcher_port)
    async with TestClient(server) as client:
        yield client


def local(snapshot, hour: int, minute: int) -> dt.datetime:
    """A wall-clock time on the event's day, in its time zone."""
    zone = ZoneInfo(snapshot.event.time_zone)
    return dt.datetime.combine(snapshot.event.date, dt.time(hour, minute), tzinfo=zone)


async def room_tables(client: TestClient, world) -> dict[tuple[uuid.UUID, int], int]:
    """(buyer, its own table 0-based) → table number in the room, from the buyers' sheets."""
    found = {}
    for buyer in world["snapshot"].buyers:
        path = f"/events/{world['event']}/agendas/buyers/{buyer.organisation.id}"
        sheets = await (await client.get(path, headers=bearer(world["tokens"]["organiser"]))).json()
        found.update({(buyer.organisation.id, t["buyer_table"] - 1): t["table"] for t in sheets["tables"]})
    return found


def expected(world, *, current: int | None, after: int) -> dict[int, tuple[str | None, str | None]]:
    """Per table number: the firm met in slot ``current`` and the first one from slot ``after`` on."""
    who = names(world["snapshot"])
    tables: dict[int, dict[int, str]] = {}
    for meeting in world["meetings"]:
        tables.setdefault(world["room"][meeting.buyer_id, meeting.table], {})[meeting.slot] = who[meeting.sme_id]
    return {
        table: (
            slots.get(current) if current is not None else None,
            next((slots[slot] for slot in sorted(slots) if slot >= after), None),
        )
        for table, slots in tables.items()
    }


def shown(document: dict) -> dict[int, tuple[str | None, str | None]]:
    return {
        t["table"]: ((t["now"] or {}).get("sme_name"), (t["next"] or {}).get("sme_name"))
        for t in document["tables"]
        if t["now"] or t["next"]
    }


async def make_board(client: TestClient, world) -> tuple[dict, str]:
    organiser = bearer(world["tokens"]["organiser"])
    made = await client.post(f"/events/{world['event']}/board-links", headers=organiser)
    assert made.status == 201, await made.text()
    link = await made.json()
    return link, urlsplit(link["url"]).path


async def test_the_board_shows_now_and_next_per_table_by_the_clock(clocked_matcher, clock, db, world):
    snapshot = world["snapshot"]
    await publish(db, world["event"], 1)
    world = {**world, "room": await room_tables(clocked_matcher, world)}
    _, path = await make_board(clocked_matcher, world)
    assert re.fullmatch(r"/b/[A-Za-z0-9_-]{43}", path)

    # The day before: each table's first meetings, nothing on now.
    before = await (await clocked_matcher.get(path + ".json")).json()
    assert before["phase"] == "before" and before["message"] == "Dagens första möten" and before["now_time"] is None
    assert shown(before) == expected(world, current=None, after=0)
    assert [t["table"] for t in before["tables"]] == [1, 2, 3]

    # 09:10 on the day: slot 0 (09:00–09:20) is on, next is from slot 1 on.
    clock.set(local(snapshot, 9, 10))
    response = await clocked_matcher.get(path + ".json")
    assert response.status == 200 and response.headers["Cache-Control"] == "private, no-cache"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    during = await response.json()
    assert during["phase"] == "during" and during["now_time"] == "09:00–09:20" and during["version"] == 1
    assert shown(during) == expected(world, current=0, after=1)
    assert any(t["now"] for t in during["tables"]) and during["refresh_seconds"] == 15
    # A screen polling within the same round gets a 304.
    again = await clocked_matcher.get(path + ".json", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status == 304

    page = await clocked_matcher.get(path)
    assert page.status == 200 and page.content_type == "text/html"
    html = await page.text()
    assert '<html lang="sv">' in html and '<noscript><meta http-equiv="refresh" content="60"></noscript>' in html
    assert '<script src="board.js" defer></script>' in html and "<script>" not in html
    for table, (now, upcoming) in expected(world, current=0, after=1).items():
        assert f"Bord {table}" in html and all(name in html for name in (now, upcoming) if name)
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy
    for css in re.findall(r"<style>(.*?)</style>", html, re.DOTALL):
        assert "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'" in policy
    script = await clocked_matcher.get("/b/board.js")
    assert script.status == 200 and script.content_type == "text/javascript"
    assert "fetch(" in await script.text()

    part = await (await clocked_matcher.get(path + ".json?first=2&last=3")).json()
    assert [t["table"] for t in part["tables"]] == [2, 3]
    assert {k: v for k, v in shown(during).items() if k >= 2} == shown(part)
    assert (await clocked_matcher.get(path + ".json?first=0")).status == 422
    english = await (await clocked_matcher.get(path + ".json?lang=en")).json()
    assert english["labels"]["next"] == "Next" and shown(english) == shown(during)
    assert 'lang="en"' in await (await clocked_matcher.get(path + "?lang=en")).text()

    # In the break between rounds: nothing on now, the next round next.
    clock.set(local(snapshot, 9, 22))
    pause = await (await clocked_matcher.get(path + ".json")).json()
    assert pause["message"] == "Paus" and shown(pause) == expected(world, current=None, after=1)

    # After the last round: thanks, no tables.
    clock.set(local(snapshot, 10, 40))
    after = await (await clocked_matcher.get(path + ".json")).json()
    assert after["phase"] == "after" and after["message"] == "Tack för i dag!" and after["tables"] == []
    assert "Tack för i dag!" in await (await clocked_matcher.get(path)).text()


async def test_the_board_shows_no_contacts(clocked_matcher, clock, db, world):
    snapshot = world["snapshot"]
    await publish(db, world["event"], 1)
    _, path = await make_board(clocked_matcher, world)
    contacts = [c for org in [*snapshot.smes, *snapshot.buyers] for c in org.contacts]
    assert contacts and all(c.email for c in contacts)
    for moment in (local(snapshot, 7, 0), local(snapshot, 9, 10), local(snapshot, 10, 20)):
        clock.set(moment)
        for suffix in ("", ".json", "?lang=en", ".json?lang=en"):
            body = await (await clocked_matcher.get(path + suffix)).text()
            assert not re.search(r"[\w.+-]+@[\w-]+\.", body), suffix  # no e-mail address at all
            for contact in contacts:
                assert contact.name not in body and contact.email not in body
                assert not contact.phone or contact.phone not in body


async def test_board_links_are_for_organisers_and_revoked_ones_answer_410(clocked_matcher, db, world, caplog):
    caplog.set_level(logging.INFO)
    event_id = world["event"]
    organiser = bearer(world["tokens"]["organiser"])
    links_path = f"/events/{event_id}/board-links"
    # Before publication the screen waits (and says so); its JSON is not-published.
    link, path = await make_board(clocked_matcher, world)
    waiting = await clocked_matcher.get(path)
    assert waiting.status == 200 and "inte publicerat" in await waiting.text()
    assert (await clocked_matcher.get(path + ".json")).status == 404
    await publish(db, event_id, 1)
    assert (await clocked_matcher.get(path + ".json")).status == 200

    for caller in ("sme", "buyer"):
        auth = bearer(world["tokens"][caller])
        assert (await clocked_matcher.post(links_path, headers=auth)).status == 403
        assert (await clocked_matcher.get(links_path, headers=auth)).status == 403
    assert (await clocked_matcher.post(links_path)).status == 401

    second, second_path = await make_board(clocked_matcher, world)
    listed = (await (await clocked_matcher.get(links_path, headers=organiser)).json())["items"]
    assert {item["id"] for item in listed} == {second["id"], link["id"]}  # one clock time: order by id then
    assert all("url" not in item and item["revoked_at"] is None for item in listed)  # the token was shown once
    token = path.removeprefix("/b/")
    assert token not in await (await clocked_matcher.get(links_path, headers=organiser)).text()

    assert (await clocked_matcher.delete(f"{links_path}/{link['id']}", headers=organiser)).status == 204
    gone = await clocked_matcher.get(path, headers=BROWSER)
    assert gone.status == 410 and "återkallat" in await gone.text()
    gone_problem = await clocked_matcher.get(path)  # not a browser: the problem document
    assert gone_problem.status == 410 and gone_problem.content_type == "application/problem+json"
    assert "script" not in gone.headers["Content-Security-Policy"]  # the notice page runs nothing
    gone_json = await clocked_matcher.get(path + ".json?lang=en")
    assert gone_json.status == 410 and (await gone_json.json())["type"].endswith(":board-link-revoked")
    assert (await clocked_matcher.get(second_path + ".json")).status == 200  # the other screen goes on
    assert (await clocked_matcher.delete(f"{links_path}/{link['id']}", headers=organiser)).status == 204
    assert (await clocked_matcher.delete(f"{links_path}/{uuid.uuid4()}", headers=organiser)).status == 404
    revoked = next(
        i
        for i in (await (await clocked_matcher.get(links_path, headers=organiser)).json())["items"]
        if i["id"] == link["id"]
    )
    assert revoked["revoked_at"] is not None

    for unknown in ("/b/" + "A" * 43, "/b/short"):
        answer = await clocked_matcher.get(unknown, headers=BROWSER)
        assert answer.status == 404 and answer.content_type == "text/html" and "finns inte" in await answer.text()
        assert (await clocked_matcher.get(unknown + ".json")).status == 404

    actions = await db.fetch(
        "SELECT action FROM matcher.audit_log WHERE entity = 'board_link' AND event_id = $1 ORDER BY id", event_id
    )
    assert [row["action"] for row in actions] == [
        "board_link.create",
        "board_link.create",
        "board_link.revoke",
        "board_link.revoke",
    ]
    ours = [record for record in caplog.records if record.name != "aiohttp.access"]
    assert not any(token in record.getMessage() or token in str(getattr(record, "path", "")) for record in ours)


async def test_an_erased_firm_leaves_the_board(clocked_matcher, clock, db, db_url, world):
    snapshot = world["snapshot"]
    await publish(db, world["event"], 1)
    _, path = await make_board(clocked_matcher, world)
    clock.set(local(snapshot, 9, 10))
    before = await (await clocked_matcher.get(path + ".json")).text()
    firm = next(sme for sme in snapshot.smes if sme.organisation.name in before)
    conn = await asyncpg.connect(db_url)
    try:
        await init_connection(conn)  # as the matcher's pool: jsonb as Python objects
        async with conn.transaction():
            result = await apply_erasure(conn, firm.organisation.id, clock.now())
    finally:
        await conn.close()
    forget_cached(result, clocked_matcher.server.app[AGENDA_CACHE_KEY])
    assert result.versions == 1
    for suffix in (".json", ""):
        shown_now = await (await clocked_matcher.get(path + suffix)).text()
        assert firm.organisation.name not in shown_now, suffix
