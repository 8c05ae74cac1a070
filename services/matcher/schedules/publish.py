"""Publishing a schedule version: one transaction makes it the event's published version and queues the news.

The transaction takes the event's schedule lock, steps the published version down to ``superseded``,
steps this one up, makes sure each participant has an agenda link, and writes the notifications to the
outbox. Either all of it commits or none of it; the partial unique index on published versions is the
last line of defence should anything ever bypass the lock.

The version's agendas (for the notices) are built the one way every stored version is
(:func:`..agendas.versions.agendas_from_stored`) and, given the app's cache, kept there for the reads that follow.

The steps are one set whether everyone's news is queued (:func:`publish_version`) or only some named
parties' (the live fill and a restore on the day, :func:`services.matcher.onsite.live_publish.publish_fill`,
which builds only those parties' agendas): :func:`step_up`, :func:`primary_contacts`, :func:`news_rows` and
:func:`queue_news`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from shared.snapshot import EventSnapshot, SnapshotBuyer, SnapshotSme

from ..agendas import Agendas
from ..agendas.cache import AgendaCache, agendas_of
from ..agendas.link_store import add_missing_links, event_links
from ..agendas.versions import VersionRef, agendas_from_stored, version_by_number
from ..links import link_key
from ..notify.publication_notices import OutboxRow, Told, participant_emails, webhook_payload
from ..settings import MatcherSettings
from ..sql import notify as notify_sql
from ..sql import schedules as sql
from ..support.store import sync_signups
from .store import compare_meetings, stored_meetings


@dataclass(frozen=True)
class Publication:
    version: asyncpg.Record
    previous_number: int | None
    notifications: int
    already_published: bool


def _parties(snapshot: EventSnapshot) -> tuple[SnapshotSme | SnapshotBuyer, ...]:
    """The event's SMEs, then its buyers: each with its organisation and contacts."""
    return (*snapshot.smes, *snapshot.buyers)


def primary_contacts(snapshot: EventSnapshot, parties: Collection[UUID] | None = None) -> dict[UUID, tuple[str, str]]:
    """Each participant's (of ``parties`` only, when given) first contact: name and e-mail.

    Examples
    --------
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> firm = snapshot.smes[0].organisation.id
    >>> list(primary_contacts(snapshot, {firm})) == [firm] if snapshot.smes[0].contacts else True
    True
    """
    contacts = {}
    for party in _parties(snapshot):
        if party.contacts and (parties is None or party.organisation.id in parties):
            first = min(party.contacts, key=lambda c: c.position)
            contacts[party.organisation.id] = (first.name, first.email)
    return contacts


async def step_up(
    conn: asyncpg.Connection, event_id: UUID, version_id: UUID, published_by: UUID | None
) -> asyncpg.Record | None:
    """Make the version the published one (the caller holds the event's schedule lock); the one it supersedes."""
    superseded = await conn.fetchrow(sql.SUPERSEDE_PUBLISHED, event_id)
    await conn.execute(sql.PUBLISH_VERSION, event_id, version_id, published_by)
    return superseded


async def news_rows(
    conn: asyncpg.Connection, emails: list[OutboxRow], payload: dict[str, Any], event_id: UUID
) -> list[OutboxRow]:
    """The participants' e-mails and the event's webhooks' ``payload``, as outbox rows."""
    hooks = await conn.fetch(sql.SELECT_EVENT_WEBHOOK_URLS, event_id)
    return [*emails, *(("webhook", row["url"], payload, None) for row in hooks)]


async def queue_news(
    conn: asyncpg.Connection, event_id: UUID, rows: list[OutboxRow], number: int, *, changed: bool
) -> int:
    """Write the rows to the outbox for version ``number`` (``changed``: a version superseded another); how many."""
    if rows:
        await conn.execute(
            notify_sql.INSERT_OUTBOX_ROWS,
            event_id,
            "schedule.changed" if changed else "schedule.published",
            [channel for channel, _, _, _ in rows],
            [destination for _, destination, _, _ in rows],
            [payload for _, _, payload, _ in rows],
            [participant for _, _, _, participant in rows],
            number,
        )
    return len(rows)


async def publish_version(
    conn: asyncpg.Connection,
    settings: MatcherSettings,
    event_id: UUID,
    number: int,
    published_by: UUID,
    *,
    cache: AgendaCache | None = None,
) -> Publication | None:
    """Publish version ``number`` of the event (None: no such version). Publishing the published one is a no-op.

    ``cache``: the app's agendas (:data:`..keys.AGENDA_CACHE_KEY`): the versions' agendas built for the
    notices are kept there (and read from there); without one they are built afresh.
    """
    async with conn.transaction():
        await conn.execute(sql.LOCK_EVENT_SCHEDULES, event_id)
        version = await conn.fetchrow(sql.SELECT_VERSION, event_id, number)
        if version is None:
            return None
        if version["status"] == "published":
            return Publication(version, None, 0, already_published=True)
        superseded = await step_up(conn, event_id, version["id"], published_by)
        version = await conn.fetchrow(sql.SELECT_VERSION, event_id, number)
        rows = await _notifications(conn, settings, version, superseded, cache)
        queued = await queue_news(conn, event_id, rows, version["number"], changed=superseded is not None)
        await sync_signups(conn, event_id, version["published_at"])  # firms that asked for support at sign-up
    return Publication(version, superseded["number"] if superseded else None, queued, already_published=False)


async def _notifications(
    conn: asyncpg.Connection,
    settings: MatcherSettings,
    version: asyncpg.Record,
    superseded: asyncpg.Record | None,
    cache: AgendaCache | None,
) -> list[OutboxRow]:
    event_id = version["event_id"]
    snapshot = EventSnapshot.model_validate(await conn.fetchval(sql.SELECT_SNAPSHOT, version["id"]))
    meetings = await stored_meetings(conn, version["id"])
    ref = await _as_published(conn, event_id, version["number"])
    agendas = agendas_from_stored(ref, snapshot, meetings)
    if cache is not None:
        cache.keep(ref, agendas)  # the first reads of the new version find them built
    changes = {"added": len(meetings), "moved": 0, "removed": 0}
    if superseded is not None:
        before = await stored_meetings(conn, superseded["id"])
        diff = compare_meetings(before, meetings)
        changes = {"added": len(diff.added), "moved": len(diff.moved), "removed": len(diff.removed)}
    participants = [party.organisation.id for party in _parties(snapshot)]
    await add_missing_links(conn, link_key(settings), event_id, participants)
    links = {link.organisation_id: link.id for link in await event_links(conn, event_id) if link.table_index is None}
    told = await _told(conn, event_id, participants, superseded, cache)
    payload = webhook_payload(
        event_id=event_id,
        version=version["number"],
        previous_version=superseded["number"] if superseded else None,
        published_at=version["published_at"],
        meetings=len(meetings),
        changes=changes,
    )
    return await news_rows(
        conn, participant_emails(agendas, told, primary_contacts(snapshot), links), payload, event_id
    )


async def _as_published(conn: asyncpg.Connection, event_id: UUID, number: int) -> VersionRef:
    """Version ``number``'s head, its meetings as published: the notices say what people were told, and a
    cancellation afterwards does not change that."""
    ref = await version_by_number(conn, event_id, number)
    if ref is None:  # the caller read the version in this transaction, under the event's schedule lock
        raise LookupError(f"version {number} of event {event_id} is gone")
    return ref.as_published()


async def _told(
    conn: asyncpg.Connection,
    event_id: UUID,
    participants: list[UUID],
    superseded: asyncpg.Record | None,
    cache: AgendaCache | None,
) -> dict[UUID, Told]:
    """What each participant was told: the agendas of the version last delivered to it and of those on the way.

    A participant without any notice row (none was ever needed since the first publish of this kind of
    row, or it had no contact) is taken to know the version that was published until now, as before.
    """
    built: dict[int, Agendas | None] = {}

    async def agendas_of_number(number: int) -> Agendas | None:
        if number not in built:
            ref = await version_by_number(conn, event_id, number)
            built[number] = None if ref is None else await agendas_of(conn, ref.as_published(), cache)
        return built[number]

    state = {row["participant_id"]: row for row in await conn.fetch(notify_sql.SELECT_NOTICE_STATE, event_id)}
    told: dict[UUID, Told] = {}
    for participant in participants:
        row = state.get(participant)
        if row is None:
            baseline = await agendas_of_number(superseded["number"]) if superseded is not None else None
            told[participant] = Told(baseline)
            continue
        delivered = row["delivered_version"]
        baseline = await agendas_of_number(delivered) if delivered is not None else None
        pending = [a for n in sorted(row["pending_versions"]) if (a := await agendas_of_number(n)) is not None]
        told[participant] = Told(baseline, pending)
    return told
