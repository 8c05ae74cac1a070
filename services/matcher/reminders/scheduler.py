"""The reminder scheduler: plan each event's reminders from its published version, and send the due ones.

:func:`tick` is one round, asked what time it is by the caller's clock: (1) events whose reminder inputs
changed (fingerprint, see :mod:`services.matcher.sql.reminders`) are planned again, (2) sign-up reminders
that are due go out (:mod:`.signup`), (3) due rows are claimed with ``FOR UPDATE SKIP LOCKED`` and each
one's e-mail is written to the outbox and the row marked sent in the same transaction. A row that is sent
is never claimed again, and a crash before the commit leaves it planned with no e-mail written: exactly
once per reminder, whichever scheduler and however many restarts. The outbox then delivers the e-mail at
least once, as it does every notice (receivers see one Message-ID per row).

:func:`reminders_context` runs :func:`tick` every :data:`POLL_SECONDS` while the app runs; tests call
:func:`tick` with a ManualClock and never sleep.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg
from aiohttp import web

from shared.clock import CLOCK_KEY, Clock
from shared.db import POOL_KEY

from ..agendas.cache import AgendaCache, agendas_of
from ..agendas.link_store import event_links
from ..agendas.model import AgendaHeader, AgendaMeeting, Agendas
from ..agendas.versions import VersionRef, published_version
from ..feedback.plan import FeedbackSettings, plan_feedback, plan_follow_up, settings_of
from ..feedback.texts import feedback_mail, follow_up_mail
from ..keys import AGENDA_CACHE_KEY
from ..listener import DATABASE_ERRORS, RetryStreak
from ..settings import MatcherSettings
from ..sql import agendas as agendas_sql
from ..sql import feedback as feedback_sql
from ..sql import privacy as privacy_sql
from ..sql import reminders as sql
from .plan import DaySettings, participant_meetings, plan_reminders
from .signup import SignupSource, send_signup_reminders
from .texts import agenda_reminder, meeting_reminder

log = logging.getLogger("services.matcher.reminders")

POLL_SECONDS = 30.0
BATCH = 200


@dataclass
class TickReport:
    """What one round did."""

    planned_events: int = 0
    sent: int = 0
    expired: int = 0
    skipped: int = 0
    signup_sent: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


def day_settings(row: Mapping[str, Any] | None) -> DaySettings:
    """The reminder settings of a ``event_day_settings`` row (None: the defaults)."""
    if row is None:
        return DaySettings()
    return DaySettings(row["remind_signup_days_before"], row["remind_agenda_day_before"], row["remind_minutes_before"])


def primary_contacts(snapshot: Mapping[str, Any] | str) -> dict[UUID, tuple[str, str]]:
    """Organisation id → (name, e-mail) of its first contact, from a stored snapshot (erased ones have none).

    Examples
    --------
    >>> primary_contacts({"smes": [{"organisation": {"id": "00000000-0000-0000-0000-00000000000a"},
    ...     "contacts": [{"position": 1, "name": "B", "email": "b@x.se"}, {"position": 0, "name": "A",
    ...     "email": "a@x.se"}]}], "buyers": []})
    {UUID('00000000-0000-0000-0000-00000000000a'): ('A', 'a@x.se')}
    """
    data = json.loads(snapshot) if isinstance(snapshot, str) else snapshot
    found = {}
    for party in (*data.get("smes", ()), *data.get("buyers", ())):
        contacts = [c for c in party.get("contacts") or () if c.get("email")]
        if contacts:
            first = min(contacts, key=lambda c: c.get("position", 0))
            found[UUID(str(party["organisation"]["id"]))] = (str(first.get("name") or ""), str(first["email"]))
    return found


@dataclass(frozen=True)
class EventState:
    """What planning and sending read of one event: its published version, as agendas, and whom to write to."""

    ref: VersionRef
    agendas: Agendas
    settings: DaySettings
    contacts: dict[UUID, tuple[str, str]]
    links: dict[UUID, UUID]
    off: frozenset[tuple[UUID, UUID]]
    feedback: FeedbackSettings = field(default_factory=FeedbackSettings)


async def event_state(conn: asyncpg.Connection, event_id: UUID, cache: AgendaCache | None) -> EventState | None:
    """The event's published state (None before anything is published); its agendas from the app's ``cache``."""
    ref = await published_version(conn, event_id)
    if ref is None:
        return None
    agendas = await agendas_of(conn, ref, cache)
    contacts = primary_contacts(await conn.fetchval(agendas_sql.SELECT_VERSION_SNAPSHOT, ref.id))
    erased = {r["organisation_id"] for r in await conn.fetch(privacy_sql.SELECT_ERASED_AMONG, list(contacts))}
    links = {link.organisation_id: link.id for link in await event_links(conn, event_id) if link.table_index is None}
    off = frozenset((r["sme_id"], r["buyer_id"]) for r in await conn.fetch(sql.SELECT_CANCELLED_ON_THE_DAY, event_id))
    return EventState(
        ref,
        agendas,
        day_settings(await conn.fetchrow(sql.SELECT_DAY_SETTINGS, event_id)),
        {org: contact for org, contact in contacts.items() if org not in erased},
        links,
        off,
        settings_of(await conn.fetchrow(feedback_sql.SELECT_SETTINGS, event_id)),
    )


async def plan_event(
    conn: asyncpg.Connection, event_id: UUID, fingerprint: str, now: dt.datetime, cache: AgendaCache | None = None
) -> bool:
    """Plan the event's agenda and meeting reminders again (False: another scheduler already did)."""
    async with conn.transaction():
        await conn.execute(sql.ENSURE_PLAN_ROW, event_id)
        if await conn.fetchval(sql.LOCK_PLAN, event_id) == fingerprint:
            return False
        state = await event_state(conn, event_id, cache)
        planned = []
        if state is not None:
            planned = plan_reminders(
                state.agendas,
                state.settings,
                published_at=state.ref.published_at or state.ref.created_at,
                recipients=set(state.contacts),
                off=state.off,
            )
            # The evening's feedback round (services/matcher/feedback/): its e-mail and one reminder.
            # and months later the follow-up round, the same people asked.
            asked_of = set(state.contacts) & set(state.links)
            times, asked = plan_feedback(state.agendas, state.feedback, recipients=asked_of, off=state.off)
            later, asked_later = plan_follow_up(state.agendas, state.feedback, recipients=asked_of, off=state.off)
            planned = [p for p in planned + asked + asked_later if p.expires_at > now]
            await conn.execute(feedback_sql.DELETE_ROUNDS, event_id)
            for kind, found in (("after_day", times), ("follow_up", later)):
                if found is not None:
                    await conn.execute(
                        feedback_sql.UPSERT_ROUND, event_id, kind, found.opens_at, found.reminder_at,
                        found.closes_at, now,
                    )  # fmt: skip
        organisations = [p.organisation_id for p in planned]
        kinds = [p.kind for p in planned]
        counterparts = [p.counterpart_id for p in planned]
        await conn.execute(
            sql.UPSERT_PLANNED,
            event_id,
            organisations,
            kinds,
            counterparts,
            [p.slot for p in planned],
            state.ref.number if state is not None else None,
            [p.due_at for p in planned],
            [p.expires_at for p in planned],
            now,
        )
        await conn.execute(sql.CANCEL_UNWANTED, event_id, organisations, kinds, counterparts, now)
        await conn.execute(sql.SET_PLANNED, event_id, fingerprint, now)
    return True


async def plan_changed_events(pool: asyncpg.Pool, now: dt.datetime, cache: AgendaCache | None = None) -> int:
    """Plan every published event whose reminder inputs changed since it was last planned; how many."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(sql.SELECT_PLAN_FINGERPRINTS)
        changed = [r for r in rows if r["fingerprint"] != r["planned_fingerprint"]]
        done = 0
        for row in changed:
            done += await plan_event(conn, row["event_id"], row["fingerprint"], now, cache)
    return done


# The reminder kinds of the feedback rounds, and the round (feedback_rounds.kind) each belongs to.
ROUND_OF = {
    "feedback": "after_day", "feedback_reminder": "after_day", "follow_up": "follow_up",
    "follow_up_reminder": "follow_up",
}  # fmt: skip
FEEDBACK_KINDS = tuple(ROUND_OF)


async def _answered(conn: asyncpg.Connection, row: asyncpg.Record) -> bool:
    round_kind = ROUND_OF[row["kind"]]
    return bool(await conn.fetchval(feedback_sql.HAS_ANSWERED, row["event_id"], round_kind, row["organisation_id"]))


async def _mark_asked(conn: asyncpg.Connection, state: EventState, row: asyncpg.Record, now: dt.datetime) -> None:
    """The feedback request's sent_at / reminded_at, in the transaction that wrote the e-mail."""
    organisation, round_kind = row["organisation_id"], ROUND_OF[row["kind"]]
    if not row["kind"].endswith("_reminder"):
        side = "sme" if any(a.sme_id == organisation for a in state.agendas.smes) else "buyer"
        await conn.execute(feedback_sql.MARK_ASKED, row["event_id"], round_kind, organisation, side, now)
    else:
        await conn.execute(feedback_sql.MARK_REMINDED, row["event_id"], round_kind, organisation, now)


def _meetings_of(state: EventState, organisation_id: UUID) -> list[AgendaMeeting]:
    meetings = participant_meetings(state.agendas).get(organisation_id, [])
    return [m for m in meetings if m.pair not in state.off]


def _header(state: EventState, organisation_id: UUID) -> AgendaHeader:
    for agenda in state.agendas.smes:
        if agenda.sme_id == organisation_id:
            return agenda
    return state.agendas.buyer_tables(organisation_id)[0]


def _email(state: EventState, row: asyncpg.Record) -> dict[str, Any] | None:
    """The reminder's e-mail from the current published state, or None when there is nothing to remind of."""
    organisation = row["organisation_id"]
    meetings = _meetings_of(state, organisation)
    if organisation not in state.contacts or not meetings:
        return None
    name, address = state.contacts[organisation]
    link = state.links.get(organisation)
    header = _header(state, organisation)
    if row["kind"] == "agenda":
        return agenda_reminder(address, name, header, meetings, link)
    if row["kind"] in FEEDBACK_KINDS:
        if link is None:
            return None
        reminder = row["kind"].endswith("_reminder")
        mail = follow_up_mail if ROUND_OF[row["kind"]] == "follow_up" else feedback_mail
        return mail(address, name, header, len(meetings), row["expires_at"], link, reminder=reminder)
    meeting = next((m for m in meetings if m.counterpart_id == row["counterpart_id"]), None)
    if meeting is None or meeting.slot != row["slot"]:
        return None
    minutes = max(1, round((meeting.start - row["due_at"]).total_seconds() / 60))
    return meeting_reminder(address, name, header, meeting, minutes, link)


async def send_due(
    pool: asyncpg.Pool, now: dt.datetime, *, batch: int = BATCH, report: TickReport, cache: AgendaCache | None = None
) -> tuple[int, int]:
    """Claim up to ``batch`` due reminders and settle each in one transaction; (claimed, settled)."""
    settled = 0
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(sql.CLAIM_DUE, now, batch)
        states: dict[UUID, EventState | None] = {}
        for row in rows:
            event_id = row["event_id"]
            if event_id not in states:
                states[event_id] = await event_state(conn, event_id, cache)
            state = states[event_id]
            if state is not None and row["version"] is not None and row["version"] != state.ref.number:
                continue  # planned from an older version: the next plan moves or cancels it first
            settled += 1
            if now >= row["expires_at"]:
                await conn.execute(sql.MARK_SETTLED, row["id"], "expired", now)
                report.expired += 1
                continue
            payload = _email(state, row) if state is not None else None
            late = row["kind"] in ("feedback_reminder", "follow_up_reminder")
            if payload is not None and late and await _answered(conn, row):
                payload = None  # it answered: no reminder
            if payload is None:
                await conn.execute(sql.MARK_SETTLED, row["id"], "skipped", now)
                report.skipped += 1
                continue
            outbox_id = await conn.fetchval(
                sql.INSERT_OUTBOX_EMAIL,
                event_id,
                f"reminder.{row['kind']}",
                payload["to"],
                payload,
                row["organisation_id"],
                row["version"],
            )
            await conn.execute(sql.MARK_SENT, row["id"], outbox_id, now)
            if row["kind"] in FEEDBACK_KINDS and state is not None:
                await _mark_asked(conn, state, row, now)
            report.sent += 1
            report.by_kind[row["kind"]] = report.by_kind.get(row["kind"], 0) + 1
    return len(rows), settled


async def tick(
    pool: asyncpg.Pool,
    clock: Clock,
    *,
    settings: MatcherSettings | None = None,
    registry: SignupSource | None = None,
    batch: int = BATCH,
    cache: AgendaCache | None = None,
) -> TickReport:
    """One round: plan what changed, send due sign-up reminders (with ``registry``), send due reminders.

    ``cache``: the app's agendas (:data:`..keys.AGENDA_CACHE_KEY`); without one (tests) they are built afresh.
    """
    now = clock.now()
    report = TickReport(planned_events=await plan_changed_events(pool, now, cache))
    if registry is not None:
        report.signup_sent = await send_signup_reminders(pool, registry, now, settings)
    while True:
        claimed, settled = await send_due(pool, now, batch=batch, report=report, cache=cache)
        if claimed < batch or not settled:
            break
    if report.sent or report.signup_sent:
        log.info("reminders: %d sent (%s), %d sign-up reminders", report.sent, report.by_kind, report.signup_sent)
    return report


def reminders_context(
    settings: MatcherSettings, registry: Callable[[web.Application], SignupSource] | None = None
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A ``cleanup_ctx`` entry running :func:`tick` every :data:`POLL_SECONDS` by the app's clock."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        streak = RetryStreak(log, "send reminders")

        async def loop() -> None:
            while not stop.is_set():
                try:
                    source = registry(app) if registry is not None else None
                    cache = app[AGENDA_CACHE_KEY]
                    await tick(app[POOL_KEY], app[CLOCK_KEY], settings=settings, registry=source, cache=cache)
                except DATABASE_ERRORS as error:
                    streak.failed(error)
                except Exception:
                    log.exception("reminders failed unexpectedly (trying again later)")
                else:
                    streak.worked()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), POLL_SECONDS)

        task = asyncio.create_task(loop(), name="reminders")
        try:
            yield
        finally:
            stop.set()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return context
