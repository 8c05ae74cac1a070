"""The follow-up round, months after the event: what came of the needs discussed (issue 14, second round).

Each firm answers per need it discussed (did it bid, was it awarded), each buyer per need of its own that
was discussed (was it procured, and how). "Discussed" is what the published version's meetings name: each
stored meeting's explanation lists the needs that drove it and the firm's other wanted needs of that buyer
(:func:`services.matcher.agendas.build.build_agendas`); a meeting that names none stands for the buyer's
needs at the event (the version's snapshot). The round's times, requests and reminders are the first
round's (:mod:`.store`, :mod:`.plan`) with kind ``follow_up``; the answers are ``matcher.follow_up_answers``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field
from uuid import UUID

import asyncpg

from shared.errors import FieldError, ValidationProblem

from ..agendas.cache import AgendaCache
from ..agendas.link_store import StoredLink
from ..agendas.model import AgendaNeed
from ..reminders.scheduler import EventState, event_state
from ..sql import agendas as agendas_sql
from ..sql import feedback as sql
from .model import (
    AWARDS,
    BIDS,
    PROCURED,
    FollowUpFigures,
    FollowUpIn,
    MyFollowUp,
    NeedFigures,
    NeedToAnswer,
)
from .plan import Round
from .store import check_open, link_context, load_round, own_meetings, response_rates, side_of

KIND = "follow_up"
NOT_YET = "Uppföljningen öppnar några månader efter dagen. / The follow-up opens some months after the day."


@dataclass
class Discussed:
    """One need a participant discussed, with its buyer and whom it discussed it with."""

    need_id: UUID
    title: str
    buyer_id: UUID
    buyer_name: str
    met: list[str] = field(default_factory=list)


async def _buyer_needs(conn: asyncpg.Connection, state: EventState) -> dict[UUID, list[tuple[UUID, str]]]:
    """The buyers' needs at the event (the version's snapshot, cancelled ones left out): (id, title) by buyer."""
    snapshot = await conn.fetchval(agendas_sql.SELECT_VERSION_SNAPSHOT, state.ref.id)
    data = json.loads(snapshot) if isinstance(snapshot, str) else snapshot
    found: dict[UUID, list[tuple[UUID, str]]] = {}
    for need in data.get("needs", ()):
        if need.get("status") != "cancelled":
            found.setdefault(UUID(str(need["buyer_id"])), []).append((UUID(str(need["id"])), str(need["title"])))
    return found


async def needs_discussed(
    conn: asyncpg.Connection, state: EventState, organisation_id: UUID, fallback: dict | None = None
) -> list[Discussed]:
    """The needs the participant's meetings were about, in meeting order (each once). ``fallback``: the
    buyers' needs at the event if already read (else read once here, when a meeting names none)."""
    names = {t.buyer_id: t.buyer_name for t in state.agendas.tables}
    found: dict[UUID, Discussed] = {}
    for meeting in own_meetings(state, organisation_id):
        needs: list[AgendaNeed | tuple[UUID, str]] = list(meeting.needs)
        if not needs:
            fallback = await _buyer_needs(conn, state) if fallback is None else fallback
            needs = list(fallback.get(meeting.buyer_id, ()))
        for need in needs:
            need_id, title = (need.id, need.title) if isinstance(need, AgendaNeed) else need
            entry = found.setdefault(
                need_id, Discussed(need_id, title, meeting.buyer_id, names.get(meeting.buyer_id, "–"))
            )
            entry.met.append(meeting.counterpart_name)
    return list(found.values())


def _view(
    state: EventState,
    found: Round,
    link: StoredLink,
    needs: list[Discussed],
    rows: list[asyncpg.Record],
    now: dt.datetime,
) -> MyFollowUp:
    answers = {r["need_id"]: r for r in rows}
    listed = []
    for need in needs:
        answer = answers.get(need.need_id)
        listed.append(
            NeedToAnswer(
                need_id=need.need_id, title=need.title, buyer_id=need.buyer_id, buyer_name=need.buyer_name,
                met=need.met, bid=answer["bid"] if answer else None, awarded=answer["awarded"] if answer else None,
                procured=answer["procured"] if answer else None, comment=answer["comment"] if answer else "",
            )
        )  # fmt: skip
    return MyFollowUp(
        event_id=link.event_id, event_name=state.agendas.grid.event_name, organisation_id=link.organisation_id,
        side=side_of(state, link.organisation_id), opens_at=found.opens_at, closes_at=found.closes_at,
        open=found.is_open(now), needs=listed,
    )  # fmt: skip


async def my_follow_up(
    conn: asyncpg.Connection, link: StoredLink, now: dt.datetime, *, cache: AgendaCache | None
) -> MyFollowUp:
    """The link's participant: the needs it discussed, and its answers so far (404 before a round exists)."""
    state, found = await link_context(conn, link, KIND, cache=cache)
    needs = await needs_discussed(conn, state, link.organisation_id)
    rows = await conn.fetch(sql.SELECT_OWN_FOLLOW_UP, link.event_id, link.organisation_id)
    return _view(state, found, link, needs, list(rows), now)


def _errors(body: FollowUpIn, mine: dict[UUID, Discussed], side: str) -> list[FieldError]:
    """Each answer checked against the participant's needs and side, field by field."""
    errors, seen = [], set()
    own, other = (("bid", "awarded"), ("procured",)) if side == "sme" else (("procured",), ("bid", "awarded"))
    for n, answer in enumerate(body.answers):
        at = f"/answers/{n}"
        if answer.need_id not in mine:
            errors.append(FieldError(pointer=f"{at}/need_id", code="not_discussed",
                                     detail="Inte ett behov från era möten. / Not a need you discussed."))  # fmt: skip
        elif answer.need_id in seen:
            errors.append(FieldError(pointer=f"{at}/need_id", code="duplicate",
                                     detail="Samma behov två gånger. / The same need twice."))  # fmt: skip
        seen.add(answer.need_id)
        for name in own:
            if getattr(answer, name) is None:
                errors.append(FieldError(pointer=f"{at}/{name}", code="required", detail="Välj ett svar. / Required."))
        for name in other:
            if getattr(answer, name) is not None:
                errors.append(FieldError(pointer=f"{at}/{name}", code="not_for_side",
                                         detail="Frågas den andra parten. / Asked of the other side."))  # fmt: skip
    return errors


async def save_follow_up(
    conn: asyncpg.Connection, link: StoredLink, body: FollowUpIn, now: dt.datetime, *, cache: AgendaCache | None
) -> MyFollowUp:
    """Store the participant's answers (all or nothing): 422 field by field, nothing stored."""
    async with conn.transaction():
        state, found = await link_context(conn, link, KIND, cache=cache)
        check_open(found, now, NOT_YET)
        needs = await needs_discussed(conn, state, link.organisation_id)
        mine = {n.need_id: n for n in needs}
        side = side_of(state, link.organisation_id)
        errors = _errors(body, mine, side)
        if errors:
            raise ValidationProblem(errors)
        if body.answers:
            a = body.answers
            await conn.execute(
                sql.UPSERT_FOLLOW_UP, link.event_id, link.organisation_id, side, [x.need_id for x in a],
                [mine[x.need_id].buyer_id for x in a], [x.bid for x in a], [x.awarded for x in a],
                [x.procured for x in a], [x.comment for x in a], now,
            )  # fmt: skip
            await conn.execute(sql.MARK_ANSWERED, link.event_id, KIND, link.organisation_id, side, now)
        rows = await conn.fetch(sql.SELECT_OWN_FOLLOW_UP, link.event_id, link.organisation_id)
    return _view(state, found, link, needs, list(rows), now)


async def follow_up_figures(conn: asyncpg.Connection, event_id: UUID, cache: AgendaCache | None) -> FollowUpFigures:
    """The organisers' figures of the follow-up round: rates, bids and awards per need, procured how."""
    state = await event_state(conn, event_id, cache)
    found = await load_round(conn, state, event_id, KIND)
    sides, asked, answered, rate = response_rates(await conn.fetch(sql.SELECT_REQUESTS, event_id, KIND))
    rows = await conn.fetch(sql.SELECT_EVENT_FOLLOW_UP, event_id)
    discussed: dict[UUID, Discussed] = {}
    if state is not None:
        fallback = await _buyer_needs(conn, state)  # read once for all the buyers
        for buyer in dict.fromkeys(t.buyer_id for t in state.agendas.tables):
            for need in await needs_discussed(conn, state, buyer, fallback):
                discussed.setdefault(need.need_id, need)
    figures = []
    for need_id, need in discussed.items():
        firms = [r for r in rows if r["need_id"] == need_id and r["side"] == "sme"]
        buyer_procured = next((r["procured"] for r in rows if r["need_id"] == need_id and r["side"] == "buyer"), None)
        bids, awards = Counter(r["bid"] for r in firms), Counter(r["awarded"] for r in firms)
        figures.append(
            NeedFigures(
                need_id=need_id, title=need.title, buyer_id=need.buyer_id, buyer_name=need.buyer_name,
                bids={b: bids.get(b, 0) for b in BIDS}, awards={a: awards.get(a, 0) for a in AWARDS},
                procured=buyer_procured,
            )
        )  # fmt: skip
    procured = Counter(r["procured"] for r in rows if r["side"] == "buyer")
    return FollowUpFigures(
        opens_at=found.opens_at if found else None, closes_at=found.closes_at if found else None, asked=asked,
        answered=answered, response_rate=rate, sides=sides, needs=figures,
        procured={p: procured.get(p, 0) for p in PROCURED}, comments=sum(r["comment"] != "" for r in rows),
    )  # fmt: skip
