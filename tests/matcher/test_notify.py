"""Notifications on the real test database: outbox rows delivered to a real webhook receiver and a real SMTP
server on loopback, signed, retried with back-off, given up on, never sent twice by racing deliverers; and
the organisers' webhook routes on the real matcher app."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import aiohttp
import asyncpg
import icalendar
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from aiosmtpd.controller import Controller

from services.matcher.links import link_id_of, link_key, token_for, token_hash
from services.matcher.notify.deliver import deliver_due, run_deliverer
from services.matcher.notify.webhooks import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, verify_signature
from services.matcher.settings import MatcherSettings
from shared.auth import Role
from shared.db import init_connection
from tests.conftest import bearer, free_port

GENEROUS = 30.0  # seconds; only ever a bound on waiting, never a claim about speed
SECRET = "webhook-secret-" + "x" * 40
PUBLIC_URL = "https://matcher.example"


# --- a webhook receiver and an SMTP server on loopback ----------------------------------------------------


@dataclass
class Received:
    delivery: str
    kind: str
    body: bytes
    signed: bool


@dataclass
class Receiver:
    """A real HTTP server that checks signatures and answers with the statuses it is told to, in order."""

    secret: str = SECRET
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    server: TestServer | None = None

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        signed = verify_signature(self.secret, request.headers.get(SIGNATURE_HEADER), body)
        self.received.append(
            Received(request.headers.get(DELIVERY_HEADER, ""), request.headers.get(EVENT_HEADER, ""), body, signed)
        )
        status = self.statuses.pop(0) if self.statuses else 200
        if status in (301, 302):
            raise web.HTTPFound("/elsewhere")
        return web.Response(status=status, text="ok" if status < 300 else "no")

    async def elsewhere(self, request: web.Request) -> web.Response:
        raise AssertionError("redirects must not be followed")

    def url(self, path: str = "/hook") -> str:
        assert self.server is not None
        return str(self.server.make_url(path))


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    app = web.Application()
    app.router.add_post("/hook", found.handle)
    app.router.add_post("/other", found.handle)
    app.router.add_route("*", "/elsewhere", found.elsewhere)
    found.server = TestServer(app, host="127.0.0.1")
    await found.server.start_server()
    yield found
    await found.server.close()


class MailHandler:
    """aiosmtpd handler: refuses ``refuse@…`` for good (550) and ``busy@…`` for now (451), keeps the rest."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # aiosmtpd calls these by name
        if address.startswith("refuse@"):
            return "550 5.1.1 No such user here"
        if address.startswith("busy@"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls these by name
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> AsyncIterator[tuple[MailHandler, int]]:
    handler = MailHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


# --- database and settings ----------------------------------------------------------------------------------


@pytest.fixture
async def pool(db_url: str) -> AsyncIterator[asyncpg.Pool]:
    """A pool set up like the service's (jsonb decoded to Python objects)."""
    created = await asyncpg.create_pool(db_url, min_size=1, max_size=8, init=init_connection)
    yield created
    await created.close()


@pytest.fixture
def settings(db_url: str, smtp: tuple[MailHandler, int]) -> MatcherSettings:
    return MatcherSettings(
        database_url=db_url,
        public_url=PUBLIC_URL,
        link_secret="link-secret-" + "k" * 40,
        smtp_host="127.0.0.1",
        smtp_port=smtp[1],
        mail_from="Affärsträff Dalarna <noreply@affarstraff.example>",
        outbox_max_attempts=3,
        outbox_poll_seconds=60,
        log_format="text",
        # The receivers here listen on loopback over http (tests/matcher/test_webhook_addresses.py checks
        # that without these settings such webhooks are refused).
        webhook_allow_private=True,
        webhook_allow_http=True,
    )


@pytest.fixture
def matcher_settings(matcher_settings: MatcherSettings) -> MatcherSettings:
    """The shared matcher's settings, letting webhooks reach the loopback receivers of these tests."""
    return matcher_settings.model_copy(update={"webhook_allow_private": True, "webhook_allow_http": True})


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as opened:
        yield opened


async def add_webhook(pool: asyncpg.Pool, event_id: uuid.UUID, url: str, secret: str = SECRET) -> None:
    await pool.execute(
        "INSERT INTO matcher.webhooks (event_id, url, secret) VALUES ($1, $2, $3)", event_id, url, secret
    )


async def add_outbox(
    pool: asyncpg.Pool, event_id: uuid.UUID, channel: str, destination: str, payload: dict[str, Any]
) -> uuid.UUID:
    return await pool.fetchval(
        "INSERT INTO matcher.outbox (event_id, kind, channel, destination, payload) "
        "VALUES ($1, 'schedule.published', $2, $3, $4) RETURNING id",
        event_id,
        channel,
        destination,
        payload,
    )


async def outbox_row(pool: asyncpg.Pool, row_id: uuid.UUID) -> asyncpg.Record:
    return await pool.fetchrow("SELECT * FROM matcher.outbox WHERE id = $1", row_id)


async def wait_until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + GENEROUS
    while not await check():
        assert time.monotonic() < deadline, f"not within {GENEROUS} s: {what}"
        await asyncio.sleep(0.02)


def webhook_payload(event_id: uuid.UUID, version: int = 1) -> dict[str, Any]:
    return {"kind": "schedule.published", "event_id": str(event_id), "version": version, "ort": "Falun, Dalarnas län"}


# --- webhooks -------------------------------------------------------------------------------------------------


async def test_a_webhook_is_delivered_once_signed_and_marked(pool, settings, session, receiver):
    event = uuid.uuid4()
    await add_webhook(pool, event, receiver.url())
    payload = webhook_payload(event)
    row_id = await add_outbox(pool, event, "webhook", receiver.url(), payload)

    assert await deliver_due(pool, settings, session) == 1
    [got] = receiver.received
    assert got.signed and got.delivery == str(row_id) and got.kind == "schedule.published"
    assert json.loads(got.body) == payload
    # Compact JSON in UTF-8: the very bytes that were signed.
    assert got.body == json.dumps(json.loads(got.body), separators=(",", ":"), ensure_ascii=False).encode()
    assert "Dalarnas län".encode() in got.body
    row = await outbox_row(pool, row_id)
    assert row["delivered_at"] is not None and row["attempts"] == 1 and row["last_error"] is None

    # Delivered rows are not sent again.
    assert await deliver_due(pool, settings, session) == 0
    assert len(receiver.received) == 1


async def test_a_signature_made_with_another_secret_or_for_another_body_is_rejected(pool, settings, session, receiver):
    event = uuid.uuid4()
    await add_webhook(pool, event, receiver.url(), secret="another-secret-" + "y" * 40)
    await add_outbox(pool, event, "webhook", receiver.url(), webhook_payload(event))
    assert await deliver_due(pool, settings, session) == 1
    [got] = receiver.received
    assert not got.signed  # the receiver holds SECRET, the webhook signs with its own
    assert verify_signature("another-secret-" + "y" * 40, None, got.body) is False


async def test_a_failing_receiver_is_retried_after_a_back_off_and_attempts_are_counted(
    pool, settings, session, receiver
):
    event = uuid.uuid4()
    await add_webhook(pool, event, receiver.url())
    row_id = await add_outbox(pool, event, "webhook", receiver.url(), webhook_payload(event))
    receiver.statuses = [500]

    assert await deliver_due(pool, settings, session, backoff_base=0.3) == 0
    row = await outbox_row(pool, row_id)
    assert row["delivered_at"] is None and row["attempts"] == 1 and "500" in row["last_error"]
    wait = row["next_attempt_at"] - datetime.now(UTC)
    assert timedelta(0) < wait <= timedelta(seconds=1)

    # Not due during the back-off …
    assert await deliver_due(pool, settings, session, backoff_base=0.3) == 0
    assert len(receiver.received) == 1
    # … and delivered once it ran out.
    await asyncio.sleep(0.4)
    assert await deliver_due(pool, settings, session, backoff_base=0.3) == 1
    row = await outbox_row(pool, row_id)
    assert row["delivered_at"] is not None and row["attempts"] == 2
    assert [r.delivery for r in receiver.received] == [str(row_id)] * 2  # receivers dedupe on this id
    assert all(r.signed for r in receiver.received)


async def test_the_default_back_off_is_ten_seconds_doubling(pool, settings, session, receiver):
    event = uuid.uuid4()
    await add_webhook(pool, event, receiver.url())
    row_id = await add_outbox(pool, event, "webhook", receiver.url(), webhook_payload(event))
    receiver.statuses = [503]
    assert await deliver_due(pool, settings, session) == 0
    wait = (await outbox_row(pool, row_id))["next_attempt_at"] - datetime.now(UTC)
    assert timedelta(seconds=8) < wait <= timedelta(seconds=10)


async def test_410_gone_stops_delivery_to_that_receiver(pool, settings, session, receiver):
    event = uuid.uuid4()
    await add_webhook(pool, event, receiver.url())
    row_id = await add_outbox(pool, event, "webhook", receiver.url(), webhook_payload(event))
    receiver.statuses = [410]

    assert await deliver_due(pool, settings, session, backoff_base=0) == 0
    assert await deliver_due(pool, settings, session, backoff_base=0) == 0
    assert len(receiver.received) == 1
    row = await outbox_row(pool, row_id)
    assert row["delivered_at"] is None and row["attempts"] == 1 and "410" in row["last_error"]
    assert row["last_error"].startswith("gave up")


async def test_redirects_are_not_followed_but_retried(pool, settings, session, receiver):
    event = uuid.uuid4()
    await add_webhook(pool, event, receiver.url())
    row_id = await add_outbox(pool, event, "webhook", receiver.url(), webhook_payload(event))
    receiver.statuses = [302]
    assert await deliver_due(pool, settings, session, backoff_base=0) == 0
    row = await outbox_row(pool, row_id)
    assert row["delivered_at"] is None and "302" in row["last_error"] and "redirects" in row["last_error"]
    assert await deliver_due(pool, settings, session, backoff_base=0) == 1  # the next attempt gets 200


async def test_an_unreachable_receiver_is_retried_then_given_up_without_leaking_the_secret(pool, settings, session):
    event = uuid.uuid4()
    url = f"http://127.0.0.1:{free_port()}/hook?token=also-secret"  # nothing listens there
    await add_webhook(pool, event, url)
    row_id = await add_outbox(pool, event, "webhook", url, webhook_payload(event))

    assert await deliver_due(pool, settings, session, backoff_base=0) == 0
    row = await outbox_row(pool, row_id)
    assert row["delivered_at"] is None and row["attempts"] == 1
    assert row["last_error"].startswith("cannot connect to 127.0.0.1")
    assert row["next_attempt_at"] < datetime.max.replace(tzinfo=UTC)  # will be tried again

    # settings.outbox_max_attempts is 3: the third failure gives up, and nothing claims the row again.
    for _ in range(2):
        await deliver_due(pool, settings, session, backoff_base=0)
    row = await outbox_row(pool, row_id)
    assert row["attempts"] == 3 and row["delivered_at"] is None
    assert row["last_error"].startswith("gave up after 3 attempts: cannot connect")
    assert await deliver_due(pool, settings, session, backoff_base=0) == 0
    assert (await outbox_row(pool, row_id))["attempts"] == 3
    for secret in (SECRET, "also-secret"):
        assert secret not in row["last_error"]


async def test_a_row_for_a_deleted_webhook_is_dropped(pool, settings, session, receiver):
    event = uuid.uuid4()
    row_id = await add_outbox(pool, event, "webhook", receiver.url(), webhook_payload(event))
    assert await deliver_due(pool, settings, session) == 0
    row = await outbox_row(pool, row_id)
    assert row["delivered_at"] is None and "no webhook" in row["last_error"]
    assert receiver.received == []
    assert await deliver_due(pool, settings, session) == 0


async def test_racing_deliverers_never_send_a_row_twice(pool, settings, session, receiver):
    event = uuid.uuid4()
    await add_webhook(pool, event, receiver.url())
    ids = {await add_outbox(pool, event, "webhook", receiver.url(), webhook_payload(event, n)) for n in range(40)}

    counts = await asyncio.gather(
        deliver_due(pool, settings, session, batch=15), deliver_due(pool, settings, session, batch=15)
    )
    assert sum(counts) == 30 and all(counts)  # both took part, each row claimed by one
    counts += await asyncio.gather(*(deliver_due(pool, settings, session, batch=15) for _ in range(3)))
    assert sum(counts) == 40
    deliveries = [r.delivery for r in receiver.received]
    assert sorted(deliveries) == sorted(str(i) for i in ids)  # each exactly once
    assert await pool.fetchval("SELECT count(*) FROM matcher.outbox WHERE delivered_at IS NULL") == 0


# --- e-mail ------------------------------------------------------------------------------------------------------


def calendar_text() -> str:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Affärsträff//test//SV")
    cal.add("version", "2.0")
    meeting = icalendar.Event()
    meeting.add("uid", "meeting-1@affarstraff.example")
    meeting.add("summary", "Möte med Falu kommun")
    meeting.add("dtstart", datetime(2027, 3, 18, 9, 0, tzinfo=UTC))
    meeting.add("dtend", datetime(2027, 3, 18, 9, 20, tzinfo=UTC))
    meeting.add("dtstamp", datetime(2027, 1, 1, tzinfo=UTC))
    cal.add_component(meeting)
    return cal.to_ical().decode()


async def add_link(pool: asyncpg.Pool, settings: MatcherSettings, event_id: uuid.UUID) -> uuid.UUID:
    link_id = uuid.uuid4()
    await pool.execute(
        "INSERT INTO matcher.agenda_links (id, event_id, organisation_id, token_hash) VALUES ($1, $2, $3, $4)",
        link_id,
        event_id,
        uuid.uuid4(),
        token_hash(token_for(link_key(settings), link_id)),
    )
    return link_id


def email_payload(to: str, link_id: uuid.UUID | None) -> dict[str, Any]:
    where = "{agenda_url}" if link_id is not None else "på mötesdagen"
    return {
        "to": to,
        "subject": "Ditt mötesschema – Affärsträff Dalarna 2027",
        "text": f"Hej!\n\nDitt schema finns här: {where}\n\nVälkommen till Falun.",
        "html": f'<p>Hej!</p><p><a href="{where}">Öppna ditt schema</a></p>',
        "link_id": None if link_id is None else str(link_id),
        "attachments": [{"filename": "agenda.ics", "content_type": "text/calendar", "content": calendar_text()}],
    }


def agenda_link_in(text: str) -> str:
    found = re.search(re.escape(PUBLIC_URL) + r"/a/([A-Za-z0-9_-]{43})", text)
    assert found, text
    return found.group(1)


async def test_an_email_is_sent_with_the_agenda_link_and_the_calendar(pool, settings, session, smtp):
    handler, _ = smtp
    event = uuid.uuid4()
    link_id = await add_link(pool, settings, event)
    row_id = await add_outbox(
        pool, event, "email", "anna@foretag.example", email_payload("anna@foretag.example", link_id)
    )

    assert await deliver_due(pool, settings, session) == 1
    [(mail_from, rcpt_tos, raw)] = handler.messages
    assert mail_from == "noreply@affarstraff.example" and rcpt_tos == ["anna@foretag.example"]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    assert message["Subject"] == "Ditt mötesschema – Affärsträff Dalarna 2027"
    assert message["To"] == "anna@foretag.example"
    assert str(row_id) in message["Message-ID"]

    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "{agenda_url}" not in text + html and "Välkommen till Falun." in text
    token = agenda_link_in(text)
    assert link_id_of(link_key(settings), token) == link_id
    assert agenda_link_in(html) == token

    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "agenda.ics" and attachment.get_content_type() == "text/calendar"
    calendar = icalendar.Calendar.from_ical(attachment.get_content())
    [meeting] = calendar.walk("VEVENT")
    assert str(meeting["SUMMARY"]) == "Möte med Falu kommun"

    row = await outbox_row(pool, row_id)
    assert row["delivered_at"] is not None and row["attempts"] == 1


async def test_an_email_refused_for_good_is_given_up_at_once(pool, settings, session, smtp):
    handler, _ = smtp
    event = uuid.uuid4()
    row_id = await add_outbox(pool, event, "email", "refuse@foretag.example", email_payload("refuse@x.example", None))
    assert await deliver_due(pool, settings, session, backoff_base=0) == 0
    row = await outbox_row(pool, row_id)
    assert row["delivered_at"] is None and row["attempts"] == 1
    assert row["last_error"].startswith("gave up") and "550" in row["last_error"]
    assert await deliver_due(pool, settings, session, backoff_base=0) == 0
    assert (await outbox_row(pool, row_id))["attempts"] == 1 and handler.messages == []


async def test_an_email_refused_for_now_is_retried(pool, settings, session, smtp):
    event = uuid.uuid4()
    row_id = await add_outbox(pool, event, "email", "busy@foretag.example", email_payload("busy@x.example", None))
    assert await deliver_due(pool, settings, session) == 0
    row = await outbox_row(pool, row_id)
    assert row["delivered_at"] is None and "451" in row["last_error"] and not row["last_error"].startswith("gave up")
    assert row["next_attempt_at"] > datetime.now(UTC)


async def test_an_email_naming_the_agenda_link_without_a_link_is_given_up(pool, settings, session, smtp):
    handler, _ = smtp
    payload = {**email_payload("anna@foretag.example", None), "text": "Se {agenda_url}"}
    row_id = await add_outbox(pool, uuid.uuid4(), "email", "anna@foretag.example", payload)
    assert await deliver_due(pool, settings, session) == 0
    row = await outbox_row(pool, row_id)
    assert row["delivered_at"] is None and "no link_id" in row["last_error"] and handler.messages == []


async def test_without_an_smtp_server_emails_stay_queued_and_webhooks_go_out(pool, settings, session, receiver):
    event = uuid.uuid4()
    no_mail = settings.model_copy(update={"smtp_host": None})
    await add_webhook(pool, event, receiver.url())
    mail_id = await add_outbox(pool, event, "email", "anna@foretag.example", email_payload("anna@x.example", None))
    hook_id = await add_outbox(pool, event, "webhook", receiver.url(), webhook_payload(event))

    assert await deliver_due(pool, no_mail, session) == 1
    assert (await outbox_row(pool, hook_id))["delivered_at"] is not None
    mail = await outbox_row(pool, mail_id)
    assert mail["delivered_at"] is None and mail["attempts"] == 0 and mail["last_error"] is None


# --- the background loop ---------------------------------------------------------------------------------------


async def test_the_loop_is_woken_by_inserts_and_survives_losing_its_connections(pool, settings, session, receiver):
    event = uuid.uuid4()
    await add_webhook(pool, event, receiver.url())
    stop, idle = asyncio.Event(), asyncio.Event()
    # Polling once a minute (settings): only the NOTIFY of the outbox trigger can make deliveries prompt.
    task = asyncio.create_task(run_deliverer(pool, settings, session, stop=stop, on_idle=idle.set))

    async def delivered(row_id: uuid.UUID) -> bool:
        return (await outbox_row(pool, row_id))["delivered_at"] is not None

    try:
        await asyncio.wait_for(idle.wait(), GENEROUS)  # listening
        first = await add_outbox(pool, event, "webhook", receiver.url(), webhook_payload(event, 1))
        await wait_until(lambda: delivered(first), "the first row delivered on NOTIFY")

        # The database drops every connection (as in a failover): the loop logs, listens again and goes on.
        idle.clear()
        await pool.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        await asyncio.wait_for(idle.wait(), GENEROUS)
        assert not task.done()
        second = await add_outbox(pool, event, "webhook", receiver.url(), webhook_payload(event, 2))
        await wait_until(lambda: delivered(second), "the second row delivered after the outage")
    finally:
        stop.set()
        await asyncio.wait_for(task, GENEROUS)
    assert [r.delivery for r in receiver.received] == [str(first), str(second)]


# --- the organisers' routes, on the real app (which also runs the deliverer) ---------------------------------


async def test_webhook_routes_create_list_delete(matcher, organiser_token, db_url, receiver):
    event = uuid.uuid4()
    path = f"/events/{event}/webhooks"
    auth = bearer(organiser_token)

    response = await matcher.post(path, json={"url": receiver.url()}, headers=auth)
    assert response.status == 201, await response.text()
    created = await response.json()
    assert created["secret"].startswith("atr_") and created["url"] == receiver.url()
    assert response.headers["Location"] == f"{path}/{created['id']}"

    response = await matcher.post(path, json={"url": receiver.url("/other"), "secret": SECRET}, headers=auth)
    assert response.status == 201 and (await response.json())["secret"] == SECRET

    response = await matcher.get(path, headers=auth)
    assert response.status == 200
    listed = await response.json()
    assert [w["url"] for w in listed["items"]] == [receiver.url(), receiver.url("/other")]
    assert "secret" not in json.dumps(listed) and created["secret"] not in json.dumps(listed)

    # The app's own deliverer sends what a publish queues, signed with the secret shown once.
    receiver.secret = created["secret"]
    conn = await asyncpg.connect(db_url)
    try:
        row_id = await conn.fetchval(
            "INSERT INTO matcher.outbox (event_id, kind, channel, destination, payload) "
            "VALUES ($1, 'schedule.changed', 'webhook', $2, $3::text::jsonb) RETURNING id",
            event,
            receiver.url(),
            json.dumps(webhook_payload(event)),
        )
    finally:
        await conn.close()

    async def received() -> bool:
        return bool(receiver.received)

    await wait_until(received, "the app's deliverer sent the row")
    [got] = receiver.received
    assert got.signed and got.delivery == str(row_id) and got.kind == "schedule.changed"

    response = await matcher.delete(f"{path}/{created['id']}", headers=auth)
    assert response.status == 204
    response = await matcher.delete(f"{path}/{created['id']}", headers=auth)
    assert response.status == 404
    response = await matcher.delete(f"/events/{uuid.uuid4()}/webhooks/{listed['items'][1]['id']}", headers=auth)
    assert response.status == 404  # another event's webhook
    response = await matcher.get(path, headers=auth)
    assert [w["url"] for w in (await response.json())["items"]] == [receiver.url("/other")]


async def test_webhook_route_errors(matcher, organiser_token, make_token, make_org):
    path = f"/events/{uuid.uuid4()}/webhooks"
    auth = bearer(organiser_token)
    url = "https://mottagare.example/affarstraff"
    assert (await matcher.post(path, json={"url": url}, headers=auth)).status == 201

    response = await matcher.post(path, json={"url": url}, headers=auth)
    assert response.status == 409
    assert response.content_type == "application/problem+json"
    assert (await response.json())["status"] == 409

    for body, pointer in (
        ({"url": "ftp://mottagare.example/x"}, "/url"),
        ({"url": "inte en adress"}, "/url"),
        ({"url": "https://user:pass@mottagare.example/"}, "/url"),
        ({"url": url + "/2", "secret": "too short"}, "/secret"),
        ({}, "/url"),
    ):
        response = await matcher.post(path, json=body, headers=auth)
        assert response.status == 422, body
        assert response.content_type == "application/problem+json"
        assert [e["pointer"] for e in (await response.json())["errors"]] == [pointer], body

    assert (await matcher.get("/events/not-a-uuid/webhooks", headers=auth)).status == 404
    assert (await matcher.get(path)).status == 401

    sme_token = await make_token(Role.SME, await make_org("sme"))
    for method, target, body in (
        ("POST", path, {"url": url + "/sme"}),
        ("GET", path, None),
        ("DELETE", f"{path}/{uuid.uuid4()}", None),
    ):
        response = await matcher.request(method, target, json=body, headers=bearer(sme_token))
        assert response.status == 403, (method, target)
        assert response.content_type == "application/problem+json"
