"""Who is told that a need moved, and queueing their e-mails once each (in the feed's cursor transaction).

:func:`fetch_move` asks the registry for the need and its followers *before* the feed's transaction opens
(no HTTP inside a database transaction); :func:`queue_stage_notices` then runs inside it. At "tender" the
firms that met the buyer are told: in the published version of each event (held on or before the day of
the move) the firms whose meeting with the buyer was about this need, or, when no meeting named it, every
firm that met the buyer. At every move the firms following the need (or its CPV division) are told. A firm
gets one e-mail per stage (``matcher.need_notices``), however often the feed entry is read; an erased firm
gets none.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg

from shared.privacy import Change

from ..registry_client import RegistryClient, RegistryRefused
from ..reminders.scheduler import primary_contacts
from ..settings import MatcherSettings
from ..sql import outcomes as sql
from ..sql import privacy as privacy_sql
from .texts import STAGES, STOCKHOLM, NeedFacts, Reader, stage_notice

log = logging.getLogger("services.matcher.outcomes")

# The web's page of a need, as firms reach it (MATCHER_WEB_URL in front).
NEED_PAGE = "/foretag/behov/{need_id}"


@dataclass(frozen=True)
class NeedMove:
    """A ``need.stage`` change with what the registry said about the need and its followers just before."""

    need_id: UUID
    buyer_id: UUID
    stage: str
    at: dt.datetime
    need: NeedFacts
    followers: tuple[Reader, ...]
    # The need's procurement JSON as the registry showed it (the statistics mirror its awards).
    procurement: Mapping[str, Any] = field(default_factory=dict)


def _moment(value: Any) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) and value else None


def need_facts(need_id: UUID, need: Mapping[str, Any]) -> NeedFacts:
    """The e-mail's facts from the registry's need JSON.

    Examples
    --------
    >>> facts = need_facts(UUID(int=1), {"title": "Snöröjning", "buyer": {"name": "Falu kommun"},
    ...     "procurement": {"tender_period": {"start": None, "end": "2026-05-04T21:59:59Z"}}})
    >>> facts.buyer_name, facts.tender_start, facts.tender_end.isoformat()
    ('Falu kommun', None, '2026-05-04T21:59:59+00:00')
    """
    period = (need.get("procurement") or {}).get("tender_period") or {}
    return NeedFacts(
        need_id=need_id,
        title=str(need.get("title") or ""),
        buyer_name=str((need.get("buyer") or {}).get("name") or ""),
        tender_start=_moment(period.get("start")),
        tender_end=_moment(period.get("end")),
    )


async def fetch_move(client: RegistryClient, change: Change) -> NeedMove | None:
    """The need and its followers for a ``need.stage`` change; None when there is no one to tell about it.

    A need the registry no longer has (404) is told to no one; a registry that is down raises
    :class:`~..registry_client.RegistryDown` and the feed tries the change again later.
    """
    if change.need_id is None or change.stage not in STAGES:
        return None
    try:
        need = await client.need(change.need_id)
        followers = await client.need_followers(change.need_id)
    except RegistryRefused as error:
        if error.status != 404:
            raise
        log.info("need %s moved to %s but the registry has no such need: no one is told", change.need_id, change.stage)
        return None
    readers = tuple(
        Reader(UUID(str(f["organisation_id"])), str(f.get("contact_name") or ""), str(f["contact_email"]))
        for f in followers
        if f.get("contact_email")
    )
    return NeedMove(
        change.need_id, change.organisation_id, str(change.stage), change.at, need_facts(change.need_id, need), readers,
        need.get("procurement") or {},
    )  # fmt: skip


@dataclass(frozen=True)
class MetAt:
    """Where a firm met the buyer (the event its notice is filed under), and whom to tell (None: no address)."""

    event_id: UUID
    reader: Reader | None


def choose_met(rows: Sequence[Mapping[str, Any]], need_id: UUID) -> dict[UUID, MetAt]:
    """Per firm that met the buyer: the latest event it did, preferring meetings about the need.

    ``rows`` are :data:`~..sql.outcomes.SELECT_MET_FIRMS` rows, newest first. When any meeting was about
    the need, only those meetings count (and their events are named); otherwise every meeting with the
    buyer does. A firm without an e-mail address has no reader (recorded as told, not looked for again).

    Examples
    --------
    >>> snapshot = {"event": {"name": "Träffen", "date": "2025-10-07"}, "buyers": [], "smes": [
    ...     {"organisation": {"id": str(UUID(int=5))}, "contacts": [{"name": "Eva", "email": "eva@x.se"}]}]}
    >>> row = {"event_id": UUID(int=9), "snapshot": snapshot, "sme_ids": [UUID(int=5), UUID(int=6)],
    ...        "need_ids": [None, str(UUID(int=1))]}
    >>> choose_met([row], UUID(int=1))  # a meeting named the need: only its firm (no address here)
    {UUID('00000000-0000-0000-0000-000000000006'): MetAt(event_id=UUID('00000000-0000-0000-0000-000000000009'), \
reader=None)}
    >>> choose_met([row], UUID(int=2))[UUID(int=5)].reader.email  # none did: every firm that met the buyer
    'eva@x.se'
    """
    wanted = str(need_id)
    prefer = any(need == wanted for row in rows for need in row["need_ids"])
    chosen: dict[UUID, MetAt] = {}
    for row in rows:
        contacts = primary_contacts(row["snapshot"])
        event = row["snapshot"].get("event") or {}
        date = dt.date.fromisoformat(event["date"]) if event.get("date") else None
        for sme, need in zip(row["sme_ids"], row["need_ids"], strict=True):
            if sme in chosen or (prefer and need != wanted):
                continue
            name, email = contacts.get(sme, ("", ""))
            reader = Reader(sme, name, email, str(event.get("name") or ""), date) if email else None
            chosen[sme] = MetAt(row["event_id"], reader)
    return chosen


def need_link(settings: MatcherSettings, need_id: UUID) -> str | None:
    """The need's page on the web, or None when MATCHER_WEB_URL is not set."""
    if settings.web_url is None:
        return None
    return str(settings.web_url).rstrip("/") + NEED_PAGE.format(need_id=need_id)


Told = tuple[UUID | None, Reader | None]  # the event where it met the buyer (None: it follows), whom to tell


def _recipients(met: Mapping[UUID, MetAt], followers: Iterable[Reader]) -> dict[UUID, Told]:
    """Per firm: the event it met the buyer at (None: it follows) and whom to tell, each firm once."""
    # A firm that met the buyer is told as one that did; one with no address there, at its follow's address.
    chosen: dict[UUID, Told] = {sme: (at.event_id, at.reader) for sme, at in met.items() if at.reader is not None}
    for reader in followers:
        chosen.setdefault(reader.organisation_id, (None, reader))
    for sme, at in met.items():
        chosen.setdefault(sme, (at.event_id, None))
    return chosen


async def queue_stage_notices(conn: asyncpg.Connection, settings: MatcherSettings, move: NeedMove) -> int:
    """Queue one e-mail per firm to tell of ``move`` (inside the caller's transaction); how many were queued."""
    met: dict[UUID, MetAt] = {}
    if move.stage == "tender":
        day = move.at.astimezone(STOCKHOLM).date()  # events after the move: not met yet
        met = choose_met([dict(r) for r in await conn.fetch(sql.SELECT_MET_FIRMS, move.buyer_id, day)], move.need_id)
    recipients = _recipients(met, move.followers)
    erased = {r["organisation_id"] for r in await conn.fetch(privacy_sql.SELECT_ERASED_AMONG, list(recipients))}
    link = need_link(settings, move.need_id)
    queued = 0
    for organisation_id, (event_id, reader) in recipients.items():
        if organisation_id in erased:
            continue
        reason = "follows" if event_id is None else "met"
        new = await conn.fetchval(
            sql.INSERT_NOTICE, move.need_id, move.stage, organisation_id, move.buyer_id, reason, event_id, move.at
        )
        if new is None or reader is None:
            continue
        payload = stage_notice(move.need, move.stage, reader, link)
        outbox_id = await conn.fetchval(sql.INSERT_NOTICE_EMAIL, event_id, reader.email, payload, organisation_id)
        await conn.execute(sql.SET_NOTICE_OUTBOX, move.need_id, move.stage, organisation_id, outbox_id)
        queued += 1
    log.info("need %s moved to %s: %d firms told", move.need_id, move.stage, queued)
    return queued
