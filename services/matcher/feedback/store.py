"""Reading and writing the after-day round: a participant's own meetings and answers (by its agenda link), the
organisers' summary, and the event's feedback settings. Each participant reads and writes its own answers
only: the meetings come from the published version, the organisation from the link."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from uuid import UUID

import asyncpg

from shared.errors import Conflict, FieldError, NotFound, PreconditionFailed, ValidationProblem

from ..agendas.cache import AgendaCache
from ..agendas.link_store import StoredLink
from ..agendas.model import AgendaMeeting
from ..audit import Actor, record
from ..reminders.plan import participant_meetings
from ..reminders.scheduler import EventState, event_state
from ..sql import feedback as sql
from .model import (
    RATINGS,
    SIDES,
    AnswerOut,
    EventFeedback,
    FeedbackIn,
    FeedbackSettingsIn,
    FeedbackSettingsOut,
    MeetingToRate,
    MyFeedback,
    Side,
    SideRate,
)
from .plan import Round, plan_feedback, plan_follow_up

KIND = "after_day"
NO_ROUND = "Det finns ingen utvärdering för det här evenemanget än. / There is no feedback round for this event yet."


async def load_round(
    conn: asyncpg.Connection, state: EventState | None, event_id: UUID, kind: str = KIND
) -> Round | None:
    """The round (``after_day`` or ``follow_up``) as the scheduler last planned it; before, as it will plan it."""
    row = await conn.fetchrow(sql.SELECT_ROUND, event_id, kind)
    if row is not None:
        return Round(row["opens_at"], row["reminder_at"], row["closes_at"])
    if state is None:
        return None
    plan = plan_follow_up if kind == "follow_up" else plan_feedback
    return plan(state.agendas, state.feedback, recipients=(), off=state.off)[0]


def own_meetings(state: EventState, organisation_id: UUID) -> list[AgendaMeeting]:
    """The participant's meetings in the published version, those called off on the day left out."""
    return [m for m in participant_meetings(state.agendas).get(organisation_id, []) if m.pair not in state.off]


def side_of(state: EventState, organisation_id: UUID) -> Side:
    return "sme" if any(a.sme_id == organisation_id for a in state.agendas.smes) else "buyer"


async def link_context(
    conn: asyncpg.Connection, link: StoredLink, kind: str = KIND, *, cache: AgendaCache | None
) -> tuple[EventState, Round]:
    """The link's event and the round of ``kind`` (404 before anything is published); agendas from ``cache``."""
    state = await event_state(conn, link.event_id, cache)
    found = await load_round(conn, state, link.event_id, kind)
    if state is None or found is None:
        raise NotFound(NO_ROUND)
    return state, found


def _view(
    state: EventState, found: Round, link: StoredLink, rows: list[asyncpg.Record], now: dt.datetime
) -> MyFeedback:
    answers = {(r["sme_id"], r["buyer_id"]): r for r in rows}
    meetings = []
    for m in own_meetings(state, link.organisation_id):
        answer = answers.get(m.pair)
        meetings.append(
            MeetingToRate(
                sme_id=m.sme_id, buyer_id=m.buyer_id, counterpart_id=m.counterpart_id,
                counterpart_name=m.counterpart_name, time=m.local_time, table=m.table,
                rating=answer["rating"] if answer else None, comment=answer["comment"] if answer else "",
            )
        )  # fmt: skip
    header = state.agendas.grid
    return MyFeedback(
        event_id=link.event_id, event_name=header.event_name, organisation_id=link.organisation_id,
        opens_at=found.opens_at, closes_at=found.closes_at, open=found.is_open(now), meetings=meetings,
    )  # fmt: skip


async def my_feedback(
    conn: asyncpg.Connection, link: StoredLink, now: dt.datetime, *, cache: AgendaCache | None
) -> MyFeedback:
    """The link's participant: its meetings to rate and its answers so far (404 before a round exists)."""
    state, found = await link_context(conn, link, cache=cache)
    rows = await conn.fetch(sql.SELECT_OWN_ANSWERS, link.event_id, link.organisation_id)
    return _view(state, found, link, list(rows), now)


def check_open(
    found: Round,
    now: dt.datetime,
    not_yet: str = "Utvärderingen öppnar när dagen är slut. / Feedback opens when the day is over.",
) -> None:
    """409 outside the round: before the question goes out, or after it closed."""
    if now < found.opens_at:
        raise Conflict(not_yet, slug="feedback-not-open")
    if now >= found.closes_at:
        raise Conflict("Utvärderingen är stängd. / The feedback round is closed.", slug="feedback-closed")


async def save_answers(
    conn: asyncpg.Connection, link: StoredLink, body: FeedbackIn, now: dt.datetime, *, cache: AgendaCache | None
) -> MyFeedback:
    """Store the participant's answers (all or nothing): 422 field by field for a meeting it did not have."""
    async with conn.transaction():
        state, found = await link_context(conn, link, cache=cache)
        check_open(found, now)
        mine = {m.counterpart_id: m for m in own_meetings(state, link.organisation_id)}
        errors, seen = [], set()
        for n, answer in enumerate(body.answers):
            wrong = None
            if answer.counterpart_id not in mine:
                wrong = ("not_your_meeting", "Ni hade inget möte med den organisationen. / No meeting with it.")
            elif answer.counterpart_id in seen:
                wrong = ("duplicate", "Samma möte två gånger. / The same meeting twice.")
            if wrong is not None:
                errors.append(FieldError(pointer=f"/answers/{n}/counterpart_id", code=wrong[0], detail=wrong[1]))
            seen.add(answer.counterpart_id)
        if errors:
            raise ValidationProblem(errors)
        if body.answers:
            pairs = [mine[a.counterpart_id].pair for a in body.answers]
            await conn.execute(
                sql.UPSERT_ANSWERS, link.event_id, link.organisation_id, [p[0] for p in pairs], [p[1] for p in pairs],
                [a.rating for a in body.answers], [a.comment for a in body.answers], now,
            )  # fmt: skip
            side = side_of(state, link.organisation_id)
            await conn.execute(sql.MARK_ANSWERED, link.event_id, KIND, link.organisation_id, side, now)
        rows = await conn.fetch(sql.SELECT_OWN_ANSWERS, link.event_id, link.organisation_id)
    return _view(state, found, link, list(rows), now)


def response_rates(requests: list[asyncpg.Record]) -> tuple[dict[Side, SideRate], int, int, float | None]:
    """Per side asked and answered, both sides' totals, and the share of those asked who answered."""
    sides: dict[Side, SideRate] = {}
    for side in SIDES:
        mine = [r for r in requests if r["side"] == side]
        sides[side] = SideRate(
            asked=sum(r["sent_at"] is not None for r in mine), answered=sum(r["answered_at"] is not None for r in mine)
        )
    asked = sum(s.asked for s in sides.values())
    # The rate is of those the e-mail went to (one answering by a forwarded link unasked counts in `answered`).
    replied = sum(r["sent_at"] is not None and r["answered_at"] is not None for r in requests)
    return sides, asked, sum(s.answered for s in sides.values()), round(replied / asked, 4) if asked else None


async def event_feedback(conn: asyncpg.Connection, event_id: UUID, cache: AgendaCache | None) -> EventFeedback:
    """The organisers' summary of the event's after-day round."""
    state = await event_state(conn, event_id, cache)
    found = await load_round(conn, state, event_id)
    requests = await conn.fetch(sql.SELECT_REQUESTS, event_id, KIND)
    rows = await conn.fetch(sql.SELECT_EVENT_ANSWERS, event_id)
    names: dict[UUID, str] = {}
    if state is not None:
        names |= {a.sme_id: a.sme_name for a in state.agendas.smes}
        names |= {t.buyer_id: t.buyer_name for t in state.agendas.tables}
    sides, asked, answered, rate = response_rates(requests)
    counts = Counter(r["rating"] for r in rows)
    return EventFeedback(
        event_id=event_id,
        opens_at=found.opens_at if found else None,
        closes_at=found.closes_at if found else None,
        asked=asked,
        answered=answered,
        response_rate=rate,
        sides=sides,
        ratings={rating: counts.get(rating, 0) for rating in RATINGS},
        answers=[
            AnswerOut(
                sme_id=r["sme_id"], sme_name=names.get(r["sme_id"], "–"), buyer_id=r["buyer_id"],
                buyer_name=names.get(r["buyer_id"], "–"), organisation_id=r["organisation_id"],
                side="sme" if r["organisation_id"] == r["sme_id"] else "buyer", rating=r["rating"],
                comment=r["comment"], answered_at=r["answered_at"], updated_at=r["updated_at"],
            )
            for r in rows
        ],
    )  # fmt: skip


def settings_etag(settings: FeedbackSettingsOut) -> str:
    """The entity tag of the stored settings ("defaults" while there is no row).

    Examples
    --------
    >>> from uuid import UUID
    >>> settings_etag(FeedbackSettingsOut(event_id=UUID(int=1), updated_at=None))
    '"defaults"'
    >>> stored = FeedbackSettingsOut(event_id=UUID(int=1), updated_at=dt.datetime(2027, 3, 1, tzinfo=dt.UTC))
    >>> settings_etag(stored) == settings_etag(stored.model_copy(update={"open_days": 20}))
    False
    """
    if settings.updated_at is None:
        return '"defaults"'
    return '"' + hashlib.sha256(settings.model_dump_json(exclude={"etag"}).encode()).hexdigest()[:20] + '"'


def _settings(event_id: UUID, row: asyncpg.Record | None) -> FeedbackSettingsOut:
    found = FeedbackSettingsOut(event_id=event_id, updated_at=None) if row is None else FeedbackSettingsOut(**dict(row))
    return found.model_copy(update={"etag": settings_etag(found)})


async def load_settings(conn: asyncpg.Connection | asyncpg.Pool, event_id: UUID) -> FeedbackSettingsOut:
    return _settings(event_id, await conn.fetchrow(sql.SELECT_SETTINGS, event_id))


async def save_settings(
    conn: asyncpg.Connection,
    event_id: UUID,
    body: FeedbackSettingsIn,
    now: dt.datetime,
    *,
    expected: str | None = None,
    actor: Actor | None = None,
) -> FeedbackSettingsOut:
    """Store the settings (412 when ``expected`` is not the current ETag) with an audit entry; the next
    scheduler round plans the event's feedback again (its fingerprint moved)."""
    if body.open_days <= body.reminder_days:
        raise ValidationProblem(
            [FieldError(pointer="/open_days", code="before_reminder", detail="Must be more than reminder_days.")]
        )
    async with conn.transaction():
        current = _settings(event_id, await conn.fetchrow(sql.LOCK_SETTINGS, event_id))
        if expected is not None and expected != current.etag:
            raise PreconditionFailed(
                "Inställningarna för utvärderingen har ändrats av någon annan; läs dem igen. "
                "/ The feedback settings were changed by someone else; read them again."
            )
        row = await conn.fetchrow(
            sql.UPSERT_SETTINGS, event_id, body.after_day_time, body.reminder_days, body.open_days,
            body.follow_up_months, now,
        )  # fmt: skip
        if actor is not None:
            details = body.model_dump(mode="json")
            await record(conn, actor, "feedback_settings.change", "feedback_settings", event_id, event_id=event_id,
                         details=details)  # fmt: skip
    return _settings(event_id, row)
