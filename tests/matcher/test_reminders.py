"""Reminders before the day on real PostgreSQL, driven by a ManualClock (no sleeping): versions published
through the real publish path, schedulers ticking concurrently, restarted, after a re-plan and a
cancellation; the e-mails they write to the outbox are read back."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import uuid
from collections import Counter
from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.matcher.engine.examples import example_snapshot, synthetic_snapshot
from services.matcher.keys import REGISTRY_KEY
from services.matcher.notify.mail import build_message
from services.matcher.privacy.erasure import apply_erasure
from services.matcher.registry_client import Snapshot
from services.matcher.reminders import tick
from services.matcher.reminders.signup import send_signup_reminders
from services.matcher.schedules.compute import ComputeRequest, ComputeResult, compute_schedule
from services.matcher.schedules.publish import publish_version
from services.matcher.schedules.store import insert_version
from services.matcher.settings import MatcherSettings
from services.matcher.sql import reminders as sql
from shared.auth import Role
from shared.clock import ManualClock
from shared.db import POOL_KEY, init_connection
from tests.conftest import bearer
from tests.test_events import create_event, move_to

UTC = dt.UTC
EVENT = uuid.UUID(int=1)
CLEANER, BUILDER, BUYER = uuid.UUID(int=10), uuid.UUID(int=11), uuid.UUID(int=20)
# The example event: 2025-10-07 in Stockholm, slots at 07:00, 07:25, 07:50, 08:15 UTC (09:00 … local).
SLOT_START = {0: dt.datetime(2025, 10, 7, 7, 0, tzinfo=UTC), 1: dt.datetime(2025, 10, 7, 7, 25, tzinfo=UTC)}
SLOT_START |= {2: dt.datetime(2025, 10, 7, 7, 50, tzinfo=UTC), 3: dt.datetime(2025, 10, 7, 8, 15, tzinfo=UTC)}
THE_DAY_BEFORE_AT_FOUR = dt.datetime(2025, 10, 6, 14, 0, tzinfo=UTC)  # 16:00 in Stockholm
PUBLISHED = dt.datetime(2025, 10, 1, 8, 0, tzinfo=UTC)


async def _pool(db_url: str) -> asyncpg.Pool:
    return await asyncpg.create_pool(db_url, min_size=1, max_size=6, init=init_connection)


@pytest.fixture
async def pool(db_url: str) -> AsyncIterator[asyncpg.Pool]:
    created = await _pool(db_url)
    yield created
    await created.close()


@pytest.fixture
def settings(db_url: str) -> MatcherSettings:
    return MatcherSettings(
        database_url=db_url,
        public_url="https://matcher.example",
        web_url="https://affarstraff.example",
        link_secret="link-secret-" + "k" * 40,
        log_format="text",
    )


def with_contacts(document: dict) -> dict:
    for n, party in enumerate((*document["smes"], *document["buyers"])):
        party["contacts"] = [
            {
                "id": str(uuid.UUID(int=900 + n)),
                "position": 0,
                "name": f"Kontakt {n}",
                "title": "VD",
                "email": f"kontakt{n}@example.se",
                "phone": None,
            }
        ]
    return document


def address_of(document: dict) -> dict[uuid.UUID, str]:
    return {
        uuid.UUID(p["organisation"]["id"]): p["contacts"][0]["email"] for p in (*document["smes"], *document["buyers"])
    }


async def store(pool: asyncpg.Pool, document: dict, meetings: list, number: int) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await insert_version(
            conn,
            event_id=uuid.UUID(document["event"]["id"]),
            job_id=None,
            based_on=None,
            snapshot=Snapshot(document, f"{number:064x}"),
            venue="Lugnet",
            params={},
            result=ComputeResult(meetings, {}, "fresh"),
        )


async def publish(pool: asyncpg.Pool, settings: MatcherSettings, event_id: uuid.UUID, number: int) -> None:
    async with pool.acquire() as conn:
        assert await publish_version(conn, settings, event_id, number, uuid.uuid4()) is not None
        # The publish stamps the database's time (today); this event took place in 2025, so say it was a week
        # before (the agenda reminder is not planned for a version published after it was due).
        await conn.execute(
            "UPDATE matcher.schedule_versions SET published_at = $3 WHERE event_id = $1 AND number = $2",
            event_id,
            number,
            PUBLISHED + dt.timedelta(hours=number),
        )


async def day_settings(pool: asyncpg.Pool, event_id: uuid.UUID, **columns: object) -> None:
    names = ", ".join(columns)
    values = ", ".join(f"${i + 2}" for i in range(len(columns)))
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in columns)
    await pool.execute(
        f"INSERT INTO matcher.event_day_settings (event_id, {names}) VALUES ($1, {values}) "  # noqa: S608
        f"ON CONFLICT (event_id) DO UPDATE SET {updates}",
        event_id,
        *columns.values(),
    )


async def reminder_mails(pool: asyncpg.Pool, kind: str | None = None) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT id, kind, destination, participant_id, payload FROM matcher.outbox "
        "WHERE kind LIKE 'reminder.%' AND ($1::text IS NULL OR kind = $1) ORDER BY created_at, id",
        None if kind is None else f"reminder.{kind}",
    )


def example_versions() -> tuple[dict, dict[int, list]]:
    """The example event with contacts: version 1 puts the cleaner at 09:00 and the builder at 09:25;
    version 2 moves the cleaner to 09:50 and drops the builder's meeting."""
    document = with_contacts(example_snapshot().model_dump(mode="json"))
    template = {m.sme_id: m for m in compute_schedule(ComputeRequest(document)).meetings}
    placed = {1: {CLEANER: 0, BUILDER: 1}, 2: {CLEANER: 2}}
    return document, {
        n: [dataclasses.replace(template[sme], slot=slot) for sme, slot in slots.items()] for n, slots in placed.items()
    }


async def test_two_schedulers_ticking_at_once_send_each_reminder_once(db_url, pool, settings):
    document = with_contacts(synthetic_snapshot(smes=12, buyers=3, needs_per_buyer=2, seed=5).model_dump(mode="json"))
    event_id = uuid.UUID(document["event"]["id"])
    meetings = compute_schedule(ComputeRequest(document)).meetings
    await day_settings(pool, event_id, remind_minutes_before=10)
    await store(pool, document, meetings, 1)
    await publish(pool, settings, event_id, 1)
    participants = {m.sme_id for m in meetings} | {m.buyer_id for m in meetings}
    other = await _pool(db_url)
    try:
        clock = ManualClock(THE_DAY_BEFORE_AT_FOUR)
        # Six rounds at once on two pools (separate connections, so the claims really race in PostgreSQL).
        await asyncio.gather(*(tick(p, clock) for p in (pool, other) * 3))
        agenda = await reminder_mails(pool, "agenda")
        assert Counter(r["participant_id"] for r in agenda) == Counter(participants)
        addresses = address_of(document)
        assert all(r["destination"] == addresses[r["participant_id"]] for r in agenda)
        # Each meeting's two parties hear of it once, ten minutes before, whichever scheduler got there.
        first = min(m.slot for m in meetings)
        start = dt.datetime.fromisoformat(document["event"]["slots"][first]["start"])
        clock.set(start - dt.timedelta(minutes=10))
        reports = await asyncio.gather(*(tick(p, clock) for p in (other, pool) * 3))
        in_first = [m for m in meetings if m.slot == first]
        mails = await reminder_mails(pool, "meeting")
        assert len(mails) == 2 * len(in_first) == sum(r.sent for r in reports)
        assert Counter(r["participant_id"] for r in mails) == Counter(
            [m.sme_id for m in in_first] + [m.buyer_id for m in in_first]
        )
        rows = await pool.fetch(sql.SELECT_EVENT_REMINDERS, event_id)
        states = Counter(r["state"] for r in rows if r["kind"] in ("agenda", "meeting"))  # feedback: its own tests
        assert states == {"sent": len(participants) + 2 * len(in_first), "planned": 2 * (len(meetings) - len(in_first))}
    finally:
        await other.close()


async def test_a_restarted_scheduler_sends_nothing_again_and_a_crash_before_commit_loses_nothing(
    db_url, pool, settings
):
    document, versions = example_versions()
    await store(pool, document, versions[1], 1)
    await publish(pool, settings, EVENT, 1)
    clock = ManualClock(THE_DAY_BEFORE_AT_FOUR - dt.timedelta(hours=1))
    assert (await tick(pool, clock)).planned_events == 1
    clock.set(THE_DAY_BEFORE_AT_FOUR)
    # A scheduler that claims the due rows and dies before its commit: no e-mail, the rows stay planned.
    dying = await asyncpg.connect(db_url)
    transaction = dying.transaction()
    await transaction.start()
    claimed = await dying.fetch(sql.CLAIM_DUE, clock.now(), 100)
    assert len(claimed) == 3
    await dying.execute(
        "INSERT INTO matcher.outbox (event_id, kind, channel, destination, payload) "
        "VALUES ($1, 'reminder.agenda', 'email', 'x@example.se', '{}')",
        EVENT,
    )
    dying.terminate()
    # The server rolls the dead scheduler's transaction back once it notices the closed socket: a plain
    # FOR UPDATE waits for exactly that.
    async with asyncio.timeout(30), pool.acquire() as conn, conn.transaction():
        await conn.fetch("SELECT id FROM matcher.reminders WHERE event_id = $1 FOR UPDATE", EVENT)
    assert await reminder_mails(pool) == []
    report = await tick(pool, clock)
    assert report.sent == 3
    # A new scheduler (new process, new pool) at the same time and later: nothing again.
    restarted = await _pool(db_url)
    try:
        for hours in (0, 1, 5):
            clock.set(THE_DAY_BEFORE_AT_FOUR + dt.timedelta(hours=hours))
            assert (await tick(restarted, clock)).sent == 0
    finally:
        await restarted.close()
    mails = await reminder_mails(pool, "agenda")
    assert sorted(r["participant_id"] for r in mails) == sorted([CLEANER, BUILDER, BUYER])
    text = next(r["payload"]["text"] for r in mails if r["participant_id"] == CLEANER)
    assert "I morgon är det Affärsträff Falun, tisdag 7 oktober 2025, Lugnet" in text
    assert "Tomorrow is Affärsträff Falun, Tuesday 7 October 2025" in text
    assert "09:00–09:20  bord 1  Falu kommun" in text and "Din agenda, alltid aktuell: {agenda_url}\n" in text
    assert "Prenumerera i din kalender (följer varje ändring): {agenda_url}/calendar.ics" in text
    # As the deliverer sends it: the participant's own link and its feed, Swedish then English.
    message = build_message(settings, next(r["payload"] for r in mails if r["participant_id"] == CLEANER))
    body = message.get_content()
    assert "Din agenda, alltid aktuell: https://matcher.example/a/" in body and "{agenda_url}" not in body
    assert body.index("/calendar.ics") < body.index("Tomorrow is")


async def test_a_replan_moves_the_reminder_and_a_dropped_meeting_gets_none(pool, settings):
    document, versions = example_versions()
    await day_settings(pool, EVENT, remind_minutes_before=10, remind_agenda_day_before=False)
    await store(pool, document, versions[1], 1)
    await store(pool, document, versions[2], 2)
    await publish(pool, settings, EVENT, 1)
    clock = ManualClock(THE_DAY_BEFORE_AT_FOUR)
    await tick(pool, clock)
    rows = {(r["organisation_id"], r["counterpart_id"]): r for r in await pool.fetch(sql.SELECT_EVENT_REMINDERS, EVENT)}
    assert rows[(CLEANER, BUYER)]["due_at"] == SLOT_START[0] - dt.timedelta(minutes=10)
    assert rows[(BUILDER, BUYER)]["due_at"] == SLOT_START[1] - dt.timedelta(minutes=10)

    # Version 2: the cleaner's meeting moves from 09:00 to 09:50, the builder's is dropped.
    await publish(pool, settings, EVENT, 2)
    assert (await tick(pool, clock)).planned_events == 1
    rows = {(r["organisation_id"], r["counterpart_id"]): r for r in await pool.fetch(sql.SELECT_EVENT_REMINDERS, EVENT)}
    assert (
        rows[(CLEANER, BUYER)]["due_at"] == rows[(BUYER, CLEANER)]["due_at"] == SLOT_START[2] - dt.timedelta(minutes=10)
    )
    assert rows[(BUILDER, BUYER)]["state"] == rows[(BUYER, BUILDER)]["state"] == "cancelled"

    # Walk through the morning minute by minute: only the moved meeting is reminded of, once per party, at 09:40.
    clock.set(SLOT_START[0] - dt.timedelta(minutes=15))
    sent_at: dict[uuid.UUID, dt.datetime] = {}
    while clock.now() < SLOT_START[3]:
        before = {r["id"] for r in await reminder_mails(pool)}
        await tick(pool, clock)
        for row in await reminder_mails(pool):
            if row["id"] not in before:
                sent_at[row["participant_id"]] = clock.now()
        clock.advance(minutes=1)
    assert sent_at == {
        CLEANER: SLOT_START[2] - dt.timedelta(minutes=10),
        BUYER: SLOT_START[2] - dt.timedelta(minutes=10),
    }
    mails = await reminder_mails(pool, "meeting")
    assert len(mails) == 2
    cleaner = next(r["payload"] for r in mails if r["participant_id"] == CLEANER)
    assert cleaner["subject"] == "Om 10 minuter: möte med Falu kommun, bord 1 (09:50–10:10)"
    assert "In 10 minutes, 09:50–10:10: meeting with Falu kommun at table 1" in cleaner["text"]
    assert not [r for r in mails if BUILDER in (r["participant_id"],) or "Mora Bygg" in r["payload"]["text"]]


async def test_a_meeting_called_off_on_the_day_and_turned_off_settings_cancel_reminders(pool, settings):
    document, versions = example_versions()
    await day_settings(pool, EVENT, remind_minutes_before=5)
    await store(pool, document, versions[1], 1)
    await publish(pool, settings, EVENT, 1)
    clock = ManualClock(THE_DAY_BEFORE_AT_FOUR - dt.timedelta(hours=2))
    await tick(pool, clock)
    await pool.execute(
        "INSERT INTO matcher.meeting_status (event_id, sme_id, buyer_id, status, marked_at) "
        "VALUES ($1, $2, $3, 'cancelled_day', $4)",
        EVENT,
        BUILDER,
        BUYER,
        clock.now(),
    )
    await day_settings(pool, EVENT, remind_agenda_day_before=False)
    assert (await tick(pool, clock)).planned_events == 1
    states = {
        (r["organisation_id"], r["kind"], r["counterpart_id"]): r["state"]
        for r in await pool.fetch(sql.SELECT_EVENT_REMINDERS, EVENT)
    }
    assert states[(BUILDER, "meeting", BUYER)] == states[(BUYER, "meeting", BUILDER)] == "cancelled"
    assert states[(CLEANER, "meeting", BUYER)] == "planned"
    assert {state for (_, kind, _), state in states.items() if kind == "agenda"} == {"cancelled"}
    for moment in (THE_DAY_BEFORE_AT_FOUR, SLOT_START[0] - dt.timedelta(minutes=5), SLOT_START[1]):
        clock.set(moment)
        await tick(pool, clock)
    assert sorted(r["participant_id"] for r in await reminder_mails(pool)) == sorted([CLEANER, BUYER])
    # Too late is never sent: a reminder whose meeting started before any scheduler ran expires.
    assert (await tick(pool, ManualClock(SLOT_START[3]))).sent == 0


async def test_an_erased_organisation_has_no_reminders_and_its_export_lists_them(pool, settings):
    document, versions = example_versions()
    await store(pool, document, versions[1], 1)
    await publish(pool, settings, EVENT, 1)
    await tick(pool, ManualClock(THE_DAY_BEFORE_AT_FOUR))
    exported = await pool.fetch(sql.EXPORT_REMINDERS, BUILDER)
    assert [(r["kind"], r["state"]) for r in exported if r["kind"] == "agenda"] == [("agenda", "sent")]
    async with pool.acquire() as conn, conn.transaction():
        await apply_erasure(conn, BUILDER, THE_DAY_BEFORE_AT_FOUR)
    # Search every reminder column for the erased organisation: gone, and planning again does not bring it back.
    await tick(pool, ManualClock(THE_DAY_BEFORE_AT_FOUR + dt.timedelta(minutes=1)))
    hits = await pool.fetch("SELECT * FROM matcher.reminders WHERE $1 = ANY(ARRAY[organisation_id])", BUILDER)
    assert hits == []
    assert await pool.fetch(sql.EXPORT_REMINDERS, BUILDER) == []
    assert [r["participant_id"] for r in await reminder_mails(pool)].count(BUILDER) == 0


class Registry:
    """The registry's answers the sign-up reminder reads (GET /events/{id}, GET /events/{id}/snapshot)."""

    def __init__(self, document: dict, deadline: dt.datetime) -> None:
        self.document, self.deadline, self.calls = document, deadline, Counter()

    async def event(self, event_id: uuid.UUID) -> dict:
        self.calls["event"] += 1
        return {
            "id": str(event_id),
            "name": self.document["event"]["name"],
            "time_zone": "Europe/Stockholm",
            "signup_deadline": self.deadline.isoformat(),
        }

    async def snapshot(self, event_id: uuid.UUID) -> Snapshot:
        self.calls["snapshot"] += 1
        return Snapshot(self.document, "0" * 64)


async def test_the_signup_reminder_goes_once_to_firms_that_ranked_no_needs(db_url, pool, settings):
    document = with_contacts(example_snapshot().model_dump(mode="json"))  # the builder ranked no needs
    deadline = dt.datetime(2025, 10, 1, 14, 0, tzinfo=UTC)
    registry = Registry(document, deadline)
    await day_settings(pool, EVENT, remind_signup_days_before=3)
    clock = ManualClock(deadline - dt.timedelta(days=3, minutes=1))
    assert await send_signup_reminders(pool, registry, clock.now(), settings) == 0
    clock.advance(minutes=1)
    other = await _pool(db_url)
    try:
        counts = await asyncio.gather(
            *(send_signup_reminders(p, registry, clock.now(), settings) for p in (pool, other))
        )
    finally:
        await other.close()
    assert sorted(counts) == [0, 1]
    # A firm that signs up later without ranking anything gets its own, the others nothing again.
    late = {
        **document["smes"][1],
        "organisation": {**document["smes"][1]["organisation"], "id": str(uuid.UUID(int=12))},
    }
    late["contacts"] = [{**late["contacts"][0], "email": "sen@example.se"}]
    document["smes"].append(late)
    clock.advance(minutes=5)
    assert await tick(pool, clock, settings=settings, registry=registry) is not None
    assert len(await reminder_mails(pool, "signup")) == 1  # the registry is asked again every 10 minutes
    clock.advance(hours=20)
    snapshots = registry.calls["snapshot"]
    assert (await tick(pool, clock, settings=settings, registry=registry)).signup_sent == 1
    assert registry.calls["snapshot"] == snapshots + 1
    clock.set(deadline)
    assert await send_signup_reminders(pool, registry, clock.now(), settings) == 0
    mails = await reminder_mails(pool, "signup")
    assert [r["destination"] for r in mails] == [address_of(document)[BUILDER], "sen@example.se"]
    text = mails[0]["payload"]["text"]
    assert "Anmälan till Affärsträff Falun stänger onsdag 1 oktober 2025 kl. 16:00 (svensk tid)" in text
    assert f"https://affarstraff.example/foretag/evenemang/{EVENT}/anmalan" in text
    assert registry.calls["event"] <= 4


async def test_the_signup_reminder_reads_the_real_registry(
    matcher, registry, db, make_org, make_token, organiser_token, matcher_settings
):
    """Over loopback with the matcher's service token: the registry's deadline, name and sign-ups."""
    event = await create_event(registry, organiser_token)
    await move_to(registry, organiser_token, event["id"], "open")
    event_id = uuid.UUID(event["id"])
    reachable, silent = await make_org("sme"), await make_org("sme")
    await db.execute(
        "INSERT INTO registry.contacts (organisation_id, position, name, email) VALUES ($1, 0, 'Bo Ek', 'bo@ek.se')",
        reachable,
    )
    for sme in (reachable, silent):
        signed_up = await registry.post(
            f"/events/{event_id}/registrations", json={}, headers=bearer(await make_token(Role.SME, sme))
        )
        assert signed_up.status == 201, await signed_up.text()
    pool = matcher.app[POOL_KEY]
    await day_settings(pool, event_id, remind_signup_days_before=2)
    deadline = dt.datetime.fromisoformat(event["signup_deadline"])
    source = matcher.app[REGISTRY_KEY]
    assert await send_signup_reminders(pool, source, deadline - dt.timedelta(days=2, minutes=1), matcher_settings) == 0
    assert await send_signup_reminders(pool, source, deadline - dt.timedelta(days=2), matcher_settings) == 1
    [mail] = await reminder_mails(pool, "signup")
    assert mail["destination"] == "bo@ek.se" and mail["participant_id"] == reachable
    assert f"Anmälan till {event['name']} stänger" in mail["payload"]["text"]
