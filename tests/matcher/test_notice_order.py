"""One notice per participant, in order: three versions published through the real publish path during an
SMTP outage reach each participant as one e-mail about the latest (earlier unsent ones superseded, their
meetings cancelled in the calendar file), with two deliverers running; a participant whose notice is being
sent gets the next one only after it."""

from __future__ import annotations

import asyncio
import dataclasses
import email
import email.policy
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import aiohttp
import asyncpg
import icalendar
import pytest
from aiosmtpd.controller import Controller

from services.matcher.agendas.ics import meeting_uid
from services.matcher.engine.examples import example_snapshot
from services.matcher.notify.deliver import deliver_due, run_deliverer
from services.matcher.registry_client import Snapshot
from services.matcher.schedules.compute import ComputeRequest, ComputeResult, compute_schedule
from services.matcher.schedules.publish import publish_version
from services.matcher.schedules.store import insert_version
from services.matcher.settings import MatcherSettings
from shared.db import init_connection
from tests.conftest import free_port

GENEROUS = 30.0  # seconds; only ever a bound on waiting, never a claim about speed
EVENT = uuid.UUID(int=1)
CLEANER, BUILDER, BUYER = uuid.UUID(int=10), uuid.UUID(int=11), uuid.UUID(int=20)
ADDRESSES = {CLEANER: "anna@stad.example", BUILDER: "bo@bygg.example", BUYER: "karin@falun.example"}
# Each participant's meetings change in every version; the builder's meeting is dropped in version 3.
VERSIONS = {1: {CLEANER: 0, BUILDER: 1}, 2: {CLEANER: 1, BUILDER: 2}, 3: {CLEANER: 2}}


class Mailbox:
    """aiosmtpd handler keeping every message; while ``gate`` is clear it holds each DATA (a slow server)."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.gate = threading.Event()
        self.gate.set()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls these by name
        await asyncio.get_running_loop().run_in_executor(None, self.gate.wait, GENEROUS)
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def subjects_to(self, address: str) -> list[str]:
        return [message["Subject"] for rcpt, message in self.messages if address in rcpt]


@pytest.fixture
def mailbox() -> AsyncIterator[tuple[Mailbox, int]]:
    handler, port = Mailbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    handler.gate.set()
    controller.stop()


@pytest.fixture
async def pool(db_url: str) -> AsyncIterator[asyncpg.Pool]:
    created = await asyncpg.create_pool(db_url, min_size=1, max_size=8, init=init_connection)
    yield created
    await created.close()


@pytest.fixture
def settings(db_url: str, mailbox: tuple[Mailbox, int]) -> MatcherSettings:
    return MatcherSettings(
        database_url=db_url,
        public_url="https://matcher.example",
        link_secret="link-secret-" + "k" * 40,
        smtp_host="127.0.0.1",
        smtp_port=mailbox[1],
        mail_from="Affärsträff Dalarna <noreply@affarstraff.example>",
        outbox_max_attempts=10,
        outbox_poll_seconds=60,
        log_format="text",
    )


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as opened:
        yield opened


def snapshot_with_contacts() -> dict:
    document = example_snapshot().model_dump(mode="json")
    for position, party in enumerate((*document["smes"], *document["buyers"])):
        organisation = uuid.UUID(party["organisation"]["id"])
        party["contacts"] = [
            {
                "id": str(uuid.UUID(int=900 + position)),
                "position": 0,
                "name": ADDRESSES[organisation].split("@")[0].title(),
                "title": "VD",
                "email": ADDRESSES[organisation],
                "phone": None,
            }
        ]
    return document


async def store_versions(pool: asyncpg.Pool) -> None:
    """Versions 1–3 of the example event as drafts, each placing the meetings of :data:`VERSIONS`."""
    document = snapshot_with_contacts()
    computed = compute_schedule(ComputeRequest(document))
    template = {m.sme_id: m for m in computed.meetings}
    async with pool.acquire() as conn:
        for number in sorted(VERSIONS):
            meetings = [dataclasses.replace(template[sme], slot=slot) for sme, slot in VERSIONS[number].items()]
            async with conn.transaction():
                await insert_version(
                    conn,
                    event_id=EVENT,
                    job_id=None,
                    based_on=None,
                    snapshot=Snapshot(document, f"{number:064x}"),
                    venue="Falun",
                    params={},
                    result=ComputeResult(meetings, {}, "fresh"),
                )


async def publish(pool: asyncpg.Pool, settings: MatcherSettings, number: int) -> None:
    async with pool.acquire() as conn:
        assert await publish_version(conn, settings, EVENT, number, uuid.uuid4()) is not None


async def wait_until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + GENEROUS
    while not await check():
        assert time.monotonic() < deadline, f"not within {GENEROUS} s: {what}"
        await asyncio.sleep(0.02)


def calendar_of(message: email.message.EmailMessage) -> icalendar.Calendar:
    [attachment] = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    return icalendar.Calendar.from_ical(attachment.get_content())


async def test_after_an_smtp_outage_each_participant_gets_one_message_about_the_latest_version(
    pool, settings, session, mailbox
):
    handler, _ = mailbox
    down = settings.model_copy(update={"smtp_port": free_port()})  # nothing listens there: the outage
    await store_versions(pool)

    await publish(pool, settings, 1)
    assert await deliver_due(pool, down, session, backoff_base=0) == 0  # all three refused: retry later
    await publish(pool, settings, 2)
    assert await deliver_due(pool, down, session, backoff_base=0) == 0
    await publish(pool, settings, 3)  # version 3's notices are queued behind the failed version 2 ones

    # The server is back; two deliverers run at once until the outbox is empty.
    stop = asyncio.Event()
    deliverers = [asyncio.create_task(run_deliverer(pool, settings, session, stop=stop)) for _ in range(2)]

    async def settled() -> bool:
        return not await pool.fetchval(
            "SELECT count(*) FROM matcher.outbox WHERE delivered_at IS NULL AND next_attempt_at <> 'infinity'"
        )

    try:
        await wait_until(settled, "every notice delivered or superseded")
    finally:
        stop.set()
        await asyncio.gather(*deliverers)

    assert sorted(address for rcpt, _ in handler.messages for address in rcpt) == sorted(ADDRESSES.values())
    for address in ADDRESSES.values():
        [subject] = handler.subjects_to(address)
        # Never told before (versions 1 and 2 never reached anyone): the schedule, as published now.
        assert subject == "Ditt schema: Affärsträff Falun (version 3)", subject
    by_address = {rcpt[0]: message for rcpt, message in handler.messages}

    # The builder's meeting, announced by versions 1 and 2 (never sent), is gone in 3: its calendar cancels it.
    builder = calendar_of(by_address[ADDRESSES[BUILDER]])
    events = {str(e["UID"]): str(e.get("STATUS", "")) for e in builder.walk("VEVENT")}
    assert events == {meeting_uid(EVENT, BUILDER, BUYER): "CANCELLED"}
    cleaner = calendar_of(by_address[ADDRESSES[CLEANER]])
    [meeting] = cleaner.walk("VEVENT")
    assert str(meeting["UID"]) == meeting_uid(EVENT, CLEANER, BUYER) and str(meeting.get("STATUS")) != "CANCELLED"
    slot_2 = example_snapshot().event.slots[2].start
    assert meeting.decoded("DTSTART") == slot_2  # version 3's time, not 1's or 2's
    text = by_address[ADDRESSES[CLEANER]].get_body(("plain",)).get_content()
    assert "(version 3)" in text and "version 1" not in text and "version 2" not in text

    rows = await pool.fetch(
        "SELECT o.version, o.delivered_at, o.superseded_by, n.version AS by_version, o.last_error "
        "FROM matcher.outbox o LEFT JOIN matcher.outbox n ON n.id = o.superseded_by WHERE o.channel = 'email'"
    )
    assert sorted((r["version"], r["delivered_at"] is not None, r["by_version"]) for r in rows) == [
        (1, False, 2),
        (1, False, 2),
        (1, False, 2),
        (2, False, 3),
        (2, False, 3),
        (2, False, 3),
        (3, True, None),
        (3, True, None),
        (3, True, None),
    ]
    assert all("superseded" in r["last_error"] for r in rows if r["superseded_by"] is not None)


async def test_a_participant_gets_no_newer_notice_while_an_older_one_is_being_sent(pool, settings, session, mailbox):
    handler, _ = mailbox
    await store_versions(pool)
    await publish(pool, settings, 1)

    handler.gate.clear()  # the server accepts the connection and then takes its time over each message
    first = asyncio.create_task(deliver_due(pool, settings, session, concurrency=3))

    async def in_flight() -> bool:
        return await pool.fetchval("SELECT count(*) FROM matcher.outbox WHERE sending_until > now()") == 3

    await wait_until(in_flight, "version 1's notices being sent")
    await publish(pool, settings, 2)
    # A second deliverer finds version 2's notices due, but their participants' version 1 is still on the way:
    # it neither sends them nor supersedes version 1 (which may yet arrive).
    assert await deliver_due(pool, settings, session) == 0
    assert await pool.fetchval("SELECT count(*) FROM matcher.outbox WHERE superseded_by IS NOT NULL") == 0

    handler.gate.set()
    assert await first == 3
    assert await deliver_due(pool, settings, session) == 3
    for address in ADDRESSES.values():
        assert [s.rsplit("(", 1)[1] for s in handler.subjects_to(address)] == ["version 1)", "version 2)"]
    # Version 2's notice measures against version 1 as sent: the builder's calendar moves the meeting.
    builder = calendar_of(next(m for rcpt, m in handler.messages[3:] if ADDRESSES[BUILDER] in rcpt))
    [meeting] = builder.walk("VEVENT")
    assert meeting.decoded("DTSTART") == example_snapshot().event.slots[2].start


async def test_a_dead_deliverers_notice_is_superseded_once_its_visibility_runs_out(pool, settings, session, mailbox):
    handler, _ = mailbox
    await store_versions(pool)
    await publish(pool, settings, 1)
    # A deliverer claimed version 1's notices and died mid-send: its claim lapsed a moment ago.
    await pool.execute(
        "UPDATE matcher.outbox SET attempts = 1, sending_until = now() - $1::interval,"
        " next_attempt_at = now() - $1::interval",
        timedelta(seconds=1),
    )
    await publish(pool, settings, 2)
    assert await deliver_due(pool, settings, session) == 3
    assert [m["Subject"] for _, m in handler.messages] == ["Ditt schema: Affärsträff Falun (version 2)"] * 3
    assert await pool.fetchval("SELECT count(*) FROM matcher.outbox WHERE version = 1 AND superseded_by IS NULL") == 0
