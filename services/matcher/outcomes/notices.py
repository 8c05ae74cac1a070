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
from dataclasses import dataclass
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
        change.need_id, change.organisation_id, str(change.stage), change.at, need_facts(change.need_id, need), readers
    )


def choose_met(rows: Sequence[Mapping[str, Any]], need_id: UUID) -> dict[UUID, Reader | None]:
    """Per firm that met the buyer: its reader (its latest event first), preferring meetings about the need.

    ``rows`` are :data:`~..sql.outcomes.SELECT_MET_FIRMS` rows, newest first. A firm without an e-mail
    address maps to None (recorded as told, so it is not looked for again).

    Examples
    --------
    >>> snapshot = {"event": {"name": "Träffen", "date": "2025-10-07"}, "buyers": [], "smes": [
    ...     {"organisation": {"id": str(UUID(int=5))}, "contacts": [{"name": "Eva", "email": "eva@x.se"}]}]}
    >>> row = {"event_id": UUID(int=9), "snapshot": snapshot, "sme_ids": [UUID(int=5), UUID(int=6)],
    ...        "need_ids": [None, str(UUID(int=1))]}
    >>> sorted(choose_met([row], UUID(int=1)))  # a meeting named the need: only its firm
    [UUID('00000000-0000-0000-0000-000000000006')]
    >>> choose_met([row], UUID(int=2))[UUID(int=5)].email  # none did: every firm that met the buyer
    'eva@x.se'
    """
    about = {
        sme for row in rows for sme, need in zip(row["sme_ids"], row["need_ids"], strict=True) if need == str(need_id)
    }
    chosen: dict[UUID, Reader | None] = {}
    for row in rows:
        contacts = primary_contacts(row["snapshot"])
        event = row["snapshot"].get("event") or {}
        for sme in row["sme_ids"]:
            if sme in chosen or (about and sme not in about):
                continue
            name, email = contacts.get(sme, ("", ""))
            date = dt.date.fromisoformat(event["date"]) if event.get("date") else None
            chosen[sme] = Reader(sme, name, email, str(event.get("name") or ""), date) if email else None
    return chosen


def need_link(settings: MatcherSettings, need_id: UUID) -> str | None:
    """The need's page on the web, or None when MATCHER_WEB_URL is not set."""
    if settings.web_url is None:
        return None
    return str(settings.web_url).rstrip("/") + NEED_PAGE.format(need_id=need_id)


async def _met(conn: asyncpg.Connection, move: NeedMove) -> tuple[dict[UUID, Reader | None], dict[UUID, UUID]]:
    rows = [
        dict(row) for row in await conn.fetch(sql.SELECT_MET_FIRMS, move.buyer_id, move.at.astimezone(STOCKHOLM).date())
    ]
    events = {}
    for row in rows:
        for sme in row["sme_ids"]:
            events.setdefault(sme, row["event_id"])
    return choose_met(rows, move.need_id), events


def _recipients(
    met: Mapping[UUID, Reader | None], followers: Iterable[Reader]
) -> dict[UUID, tuple[str, Reader | None]]:
    # A firm that met the buyer is told as one that did; one with no address there, at its follow's address.
    chosen: dict[UUID, tuple[str, Reader | None]] = {
        sme: ("met", reader) for sme, reader in met.items() if reader is not None
    }
    for reader in followers:
        chosen.setdefault(reader.organisation_id, ("follows", reader))
    for sme in met:
        chosen.setdefault(sme, ("met", None))
    return chosen


async def queue_stage_notices(conn: asyncpg.Connection, settings: MatcherSettings, move: NeedMove) -> int:
    """Queue one e-mail per firm to tell of ``move`` (inside the caller's transaction); how many were queued."""
    met, events = await _met(conn, move) if move.stage == "tender" else ({}, {})
    recipients = _recipients(met, move.followers)
    erased = {r["organisation_id"] for r in await conn.fetch(privacy_sql.SELECT_ERASED_AMONG, list(recipients))}
    link = need_link(settings, move.need_id)
    queued = 0
    for organisation_id, (reason, reader) in recipients.items():
        if organisation_id in erased:
            continue
        event_id = events.get(organisation_id) if reason == "met" else None
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
