"""Erasure and cancellation after publication across both services, on real processes' app factories, real
PostgreSQL, a real SMTP server on loopback.

The sample event is scheduled and published; one firm is erased and another cancels. The matcher applies the
registry's change feed right before it sends the queued e-mails. Then every text, JSON and bytea column of
both schemas, every agenda format of every version and every e-mail sent are searched for the erased firm's
name, e-mail and phone: zero hits, and no mail reaches it. The firm that cancelled gets a confirmation whose
calendar file cancels its meetings with the UIDs its calendar has; its counterparts are told; its link says
the sign-up is cancelled; its export includes what the matcher holds.
"""

from __future__ import annotations

import email
import email.policy
import io
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import asyncpg
import icalendar
import pypdf
import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiosmtpd.controller import Controller
from pydantic import SecretStr

from services.matcher.agendas.ics import meeting_uid
from services.matcher.app import create_app
from services.matcher.links import link_key, token_for
from services.matcher.notify.deliver import deliver_due
from services.matcher.privacy.feed import delivery_gate, sync_feed
from services.matcher.registry_client import RegistryClient
from services.matcher.settings import MatcherSettings
from services.registry.sql import escape_like
from shared.db import init_connection
from tests.conftest import bearer, free_port
from tests.matcher.test_schedules import make_sme_token, run_schedule, sample_event  # noqa: F401 - a fixture

LINK_SECRET = "link-secret-" + "e" * 40


class Inbox:
    """aiosmtpd handler keeping every message with its envelope recipients."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls these by name
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
def inbox() -> AsyncIterator[tuple[Inbox, int]]:
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
async def working_matcher(matcher_settings: MatcherSettings, matcher_port: int) -> AsyncIterator[TestClient]:
    """The matcher with a job worker, on the port the registry asks for exports; e-mails stay queued here."""
    settings = matcher_settings.model_copy(
        update={"workers": 1, "job_poll_seconds": 0.5, "solve_time_limit": 10, "link_secret": SecretStr(LINK_SECRET)}
    )
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1", port=matcher_port)) as client:
        yield client


@pytest.fixture
async def pool(db_url: str) -> AsyncIterator[asyncpg.Pool]:
    created = await asyncpg.create_pool(db_url, min_size=1, max_size=6, init=init_connection)
    yield created
    await created.close()


async def text_columns(db: asyncpg.Connection) -> list[asyncpg.Record]:
    """Every text-like column (text, varchar, json, jsonb, bytea, text[]) of both services' tables."""
    return await db.fetch(
        """
        SELECT c.table_schema, c.table_name, c.column_name, c.data_type
        FROM information_schema.columns AS c
        JOIN information_schema.tables AS t USING (table_schema, table_name)
        WHERE c.table_schema IN ('registry', 'matcher') AND t.table_type = 'BASE TABLE'
          AND (c.data_type IN ('text', 'character varying', 'json', 'jsonb', 'bytea')
               OR c.udt_name IN ('_text', '_varchar'))
        ORDER BY 1, 2, 3
        """
    )


async def database_hits(db: asyncpg.Connection, needles: list[str]) -> list[str]:
    """``schema.table.column: needle`` for every column holding a needle (any case; bytea byte-wise)."""
    hits = []
    for column in await text_columns(db):
        name = f'{column["table_schema"]}.{column["table_name"]}."{column["column_name"]}"'
        for needle in needles:
            if column["data_type"] == "bytea":
                query = f"SELECT count(*) FROM {name.rsplit('.', 1)[0]} WHERE position($1::bytea IN {name}) > 0"  # noqa: S608
                found = sum([await db.fetchval(query, variant.encode()) for variant in {needle, needle.lower()}])
            else:
                query = f"SELECT count(*) FROM {name.rsplit('.', 1)[0]} WHERE {name}::text ILIKE $1"  # noqa: S608
                found = await db.fetchval(query, f"%{escape_like(needle)}%")
            if found:
                hits.append(f"{name}: {needle} ({found})")
    return hits


def text_hits(text: str, needles: list[str]) -> list[str]:
    unfolded = text.replace("\r\n ", "").replace("\n ", "").lower()
    return [needle for needle in needles if needle.lower() in unfolded]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages)


async def agenda_hits(client: TestClient, token: str, event_id: str, version: int, needles: list[str]) -> list[str]:
    """Every agenda of one version in every format (JSON, .ics, .html, PDF text) searched for the needles."""
    detail = await (await client.get(f"/events/{event_id}/schedules/{version}", headers=bearer(token))).json()
    smes = {m["sme_id"] for m in detail["meetings"]}
    buyers = {m["buyer_id"] for m in detail["meetings"]}
    paths = [f"/events/{event_id}/agendas/grid{ext}" for ext in ("", ".html", ".pdf")]
    for kind, ids in (("smes", smes), ("buyers", buyers)):
        paths += [
            f"/events/{event_id}/agendas/{kind}/{org}{ext}" for org in ids for ext in ("", ".ics", ".html", ".pdf")
        ]
    hits = []
    for path in paths:
        response = await client.get(path, params={"version": str(version)}, headers=bearer(token))
        assert response.status == 200, (path, await response.text())
        body = await response.read()
        text = pdf_text(body) if path.endswith(".pdf") else body.decode()
        hits += [f"{path} v{version}: {needle}" for needle in text_hits(text, needles)]
    return hits


def message_text(message: email.message.EmailMessage) -> str:
    parts = [str(message["Subject"]), str(message["To"])]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)


def calendars(message: email.message.EmailMessage) -> list[icalendar.Calendar]:
    return [
        icalendar.Calendar.from_ical(part.get_content())
        for part in message.walk()
        if part.get_content_type() == "text/calendar"
    ]


async def deliver_all(pool: asyncpg.Pool, settings: MatcherSettings, session, gate) -> int:
    """Send until nothing more is due (each batch first applies the registry's change feed)."""
    sent = 0
    for _ in range(200):
        delivered = await deliver_due(pool, settings, session, backoff_base=0, before_claim=gate)
        if delivered == 0:
            return sent
        sent += delivered
    raise AssertionError("the outbox did not drain")


async def test_erasure_and_cancellation_after_publication_reach_every_copy(
    working_matcher: TestClient,
    registry: TestClient,
    organiser_token: str,
    service_token: str,
    sample_event: str,  # noqa: F811 - the fixture imported above
    db: asyncpg.Connection,
    db_url: str,
    pool: asyncpg.Pool,
    inbox: tuple[Inbox, int],
):
    client, token, event_id = working_matcher, organiser_token, sample_event
    v1 = await run_schedule(client, token, event_id, seed=1)
    published = await client.post(f"/events/{event_id}/schedules/{v1['number']}/publish", headers=bearer(token))
    assert published.status == 200, await published.text()

    # The firm to erase and the firm that cancels: both meet buyers; the erased one's strings are its own.
    per_sme: dict[str, list[dict]] = {}
    for meeting in v1["meetings"]:
        per_sme.setdefault(meeting["sme_id"], []).append(meeting)
    people = {
        row["organisation_id"]: row
        for row in await db.fetch(
            "SELECT DISTINCT ON (c.organisation_id) c.organisation_id::text, o.name, c.email, c.phone "
            "FROM registry.contacts c JOIN registry.organisations o ON o.id = c.organisation_id "
            "ORDER BY c.organisation_id, c.position"
        )
    }
    everyone = " ".join(f"{r['name']} {r['email']} {r['phone']}" for r in people.values()).lower()

    def own_strings(org: str) -> list[str]:
        row = people[org]
        return [value for value in (row["name"], row["email"], row["phone"]) if value]

    candidates = [
        sme
        for sme in sorted(per_sme, key=lambda s: -len(per_sme[s]))
        if sme in people and all(everyone.count(value.lower()) == 1 for value in own_strings(sme))
    ]
    erased, cancelled = candidates[0], candidates[1]
    needles = own_strings(erased)
    assert len(needles) == 3, needles

    # Before: the search finds the erased firm's strings (so that zero hits later means something).
    assert await database_hits(db, needles)
    assert await agenda_hits(client, token, event_id, v1["number"], needles[:1])

    # The firm cancels (after publication); the other is erased by the organiser.
    cancelled_token = await make_sme_token(db_url, cancelled)
    registration = await db.fetchval(
        "SELECT id FROM registry.registrations WHERE event_id = $1 AND organisation_id = $2", event_id, cancelled
    )
    response = await registry.post(
        f"/registrations/{registration}/cancel", json={"reason": "sjuk"}, headers=bearer(cancelled_token)
    )
    assert response.status == 200, await response.text()
    response = await registry.delete(f"/organisations/{erased}", headers=bearer(token))
    assert response.status == 204
    feed = await (await registry.get("/changes", headers=bearer(service_token))).json()
    assert [(c["kind"], c["organisation_id"]) for c in feed["items"]] == [
        ("registration.cancelled", cancelled),
        ("organisation.erased", erased),
    ]
    assert "name" not in json.dumps(feed) and "@" not in json.dumps(feed)

    # The queued e-mails go out now: the deliverer applies the feed right before its first batch.
    handler, smtp_port = inbox
    settings = MatcherSettings(
        database_url=db_url,
        link_secret=LINK_SECRET,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        log_format="text",
    )
    async with aiohttp.ClientSession() as session:
        registry_client = RegistryClient(session, str(registry.make_url("/")), service_token)
        gate = delivery_gate(pool, settings, lambda: registry_client)
        assert await deliver_all(pool, settings, session, gate) > 10
        # Applying the feed again changes nothing (the cursor has moved; a replay would find nothing to do).
        outbox_before = await db.fetchval("SELECT count(*) FROM matcher.outbox")
        assert (await sync_feed(pool, settings, registry_client)).applied == 0
        assert await db.fetchval("SELECT count(*) FROM matcher.outbox") == outbox_before

        # The organiser re-plans around the cancellation and publishes version 2; its e-mails go out too.
        v2 = await run_schedule(client, token, event_id)
        response = await client.post(f"/events/{event_id}/schedules/{v2['number']}/publish", headers=bearer(token))
        assert response.status == 200, await response.text()
        await deliver_all(pool, settings, session, gate)

    # Nothing anywhere names the erased firm, its e-mail or its phone.
    assert await database_hits(db, needles) == []
    for version in (v1["number"], v2["number"]):
        assert await agenda_hits(client, token, event_id, version, needles) == []
    erased_email = people[erased]["email"].lower()
    assert handler.messages
    for recipients, message in handler.messages:
        assert erased_email not in [r.lower() for r in recipients]
        assert text_hits(message_text(message), needles) == [], message["Subject"]
    # The erased firm's meetings stay in the published record, anonymised.
    record = await (await client.get(f"/events/{event_id}/schedules/{v1['number']}", headers=bearer(token))).json()
    kept = [m for m in record["meetings"] if m["sme_id"] == erased]
    assert kept and {m["sme_name"] for m in kept} == {"Borttagen organisation"}
    assert (
        await db.fetchval(
            "SELECT count(*) FROM matcher.agenda_links WHERE organisation_id = $1 AND revoked_at IS NULL", erased
        )
        == 0
    )

    # The firm that cancelled: a confirmation that cancels each of its meetings in its calendar.
    cancelled_email = people[cancelled]["email"].lower()
    own = [m for r, m in handler.messages if cancelled_email in [x.lower() for x in r]]
    confirmation = [m for m in own if str(m["Subject"]).startswith("Avbokad")]
    assert len(confirmation) == 1
    text = confirmation[0].get_body(("plain",)).get_content()
    assert "avbokad" in text and "cancelled" in text and text.index("avbokad") < text.index("cancelled")
    [calendar] = calendars(confirmation[0])
    assert str(calendar["METHOD"]) == "CANCEL"
    meetings = per_sme[cancelled]
    expected = {meeting_uid(uuid.UUID(event_id), uuid.UUID(cancelled), uuid.UUID(m["buyer_id"])) for m in meetings}
    vevents = calendar.walk("VEVENT")
    assert {str(e["UID"]) for e in vevents} == expected
    assert {str(e["STATUS"]) for e in vevents} == {"CANCELLED"}
    assert all(int(e["SEQUENCE"]) > v1["number"] for e in vevents)

    # Each counterpart hears that its meeting is off, with the meeting cancelled in its calendar file.
    counterparts = {
        row["organisation_id"]: row["email"].lower()
        for row in await db.fetch(
            "SELECT DISTINCT ON (organisation_id) organisation_id::text, email FROM registry.contacts "
            "WHERE organisation_id = ANY($1::uuid[]) ORDER BY organisation_id, position",
            [m["buyer_id"] for m in meetings],
        )
    }
    for meeting in meetings:
        address = counterparts[meeting["buyer_id"]]
        notices = [m for r, m in handler.messages if address in r and str(m["Subject"]).startswith("Inställt")]
        assert len(notices) == 1, meeting["buyer_id"]
        assert people[cancelled]["name"] in notices[0].get_body(("plain",)).get_content()
        uid = meeting_uid(uuid.UUID(event_id), uuid.UUID(cancelled), uuid.UUID(meeting["buyer_id"]))
        [calendar] = calendars(notices[0])
        [off] = [e for e in calendar.walk("VEVENT") if str(e["UID"]) == uid]
        assert str(off["STATUS"]) == "CANCELLED"
        # Its agenda of the published version says the same: the meeting is gone, cancelled in its calendar.
        path = f"/events/{event_id}/agendas/buyers/{meeting['buyer_id']}"
        params = {"version": str(v1["number"])}
        agenda = await (await client.get(path, params=params, headers=bearer(token))).json()
        assert cancelled not in {m["sme_id"] for sheet in agenda["tables"] for m in sheet["meetings"]}
        served = icalendar.Calendar.from_ical(
            await (await client.get(path + ".ics", params=params, headers=bearer(token))).read()
        )
        [entry] = [e for e in served.walk("VEVENT") if str(e["UID"]) == uid]
        assert str(entry["STATUS"]) == "CANCELLED" and int(entry["SEQUENCE"]) == v1["number"] + 1

    # Its agenda link says the sign-up is cancelled (a page, not a 404); the .ics cancels the meetings.
    link_id = await db.fetchval(
        "SELECT id FROM matcher.agenda_links WHERE organisation_id = $1 AND event_id = $2", cancelled, event_id
    )
    link = f"/a/{token_for(link_key(settings), link_id)}"
    page = await client.get(link + ".html")
    assert page.status == 410 and "Anmälan är avbokad" in await page.text()
    english = await client.get(link + ".html", params={"lang": "en"})
    assert "The registration is cancelled" in await english.text()
    ics = await client.get(link + ".ics")
    assert ics.status == 200
    calendar = icalendar.Calendar.from_ical(await ics.read())
    assert str(calendar["METHOD"]) == "CANCEL" and {str(e["UID"]) for e in calendar.walk("VEVENT")} == expected
    document = await client.get(link)
    assert document.status == 410 and (await document.json())["type"].endswith("registration-cancelled")

    # Its export includes what the matcher holds: meetings in every version, its link, the notices sent.
    export = await registry.get(f"/organisations/{cancelled}/export", headers=bearer(cancelled_token))
    assert export.status == 200, await export.text()
    held: dict[str, Any] = (await export.json())["matcher"]
    by_version = {v["version"]: v for v in held["versions"]}
    assert by_version[v1["number"]]["cancelled"] is True
    assert {m["buyer_id"] for m in by_version[v1["number"]]["meetings"]} == {m["buyer_id"] for m in meetings}
    assert link_id in {uuid.UUID(item["id"]) for item in held["agenda_links"]}
    kinds = {(n["kind"], n["status"]) for n in held["notifications"]}
    assert ("registration.cancelled", "delivered") in kinds and ("schedule.published", "delivered") in kinds
    assert [c["event_id"] for c in held["cancellations"]] == [event_id]
