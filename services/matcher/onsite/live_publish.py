"""Publishing a live fill's version (or a restore's): the steps of :func:`..schedules.publish.publish_version`
(its :func:`step_up`, :func:`primary_contacts`, :func:`news_rows`, :func:`queue_news`), for named parties only —
the two parties of each added meeting.

A full publish builds every participant's agenda of the new version and of every version anyone was told
(seconds for an event of 2,000 firms, each time). A live fill changes the agendas of the parties of the
meetings it adds (and of the firms whose freed meetings leave, who are not e-mailed now: they read it on
their agenda page, and their next notice is measured from what they were told). So this builds agendas
from the meetings of those parties alone — in the new version, and in the versions they were last told or
have on the way (for the calendar file to cancel what is gone, such as the no-show's meeting at the
buyer's table) — with the snapshot already in memory. Called inside the fill's transaction, which holds
the event's schedule lock.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from shared.snapshot import EventSnapshot

from ..agendas import Agendas, build_agendas
from ..agendas.link_store import add_missing_links
from ..links import link_key
from ..notify.publication_notices import Told, participant_emails, webhook_payload
from ..schedules.publish import news_rows, primary_contacts, queue_news, step_up
from ..settings import MatcherSettings
from ..sql import onsite_fill as sql


def party_agendas(
    snapshot: EventSnapshot, rows: list[asyncpg.Record], number: int, published_at: Any, venue: str
) -> Agendas:
    """Agendas of one version built from ``rows`` (the meetings of some parties) only: those of the rows' SMEs
    and of the tables of the rows' buyers.

    Every buyer stays in the snapshot while building (table numbers follow the buyers' order).

    Examples
    --------
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> row = {"sme_id": snapshot.smes[1].organisation.id, "buyer_id": snapshot.buyers[0].organisation.id,
    ...        "slot": 2, "table_index": 0, "explanation": {}}
    >>> agendas = party_agendas(snapshot, [row], 2, snapshot.generated_at, "Lugnet")
    >>> [(a.sme_name, [m.slot for m in a.meetings]) for a in agendas.smes]
    [('Mora Bygg AB', [2])]
    """
    wanted = {row["sme_id"] for row in rows}
    reduced = snapshot.model_copy(update={"smes": [s for s in snapshot.smes if s.organisation.id in wanted]})
    placed = [(r["sme_id"], r["buyer_id"], r["slot"], r["table_index"], r["explanation"]) for r in rows]
    agendas = build_agendas(
        reduced, placed, version=number, published_at=published_at, include_contacts=True, venue=venue
    )
    buyers = {row["buyer_id"] for row in rows}
    return agendas.model_copy(update={"tables": [t for t in agendas.tables if t.buyer_id in buyers]})


async def _told(
    conn: asyncpg.Connection, snapshot: EventSnapshot, event_id: UUID, parties: list[UUID], superseded: asyncpg.Record
) -> dict[UUID, Told]:
    """What each party was told (as publish's ``_told``): the version last delivered, and those on the way."""
    state = {row["participant_id"]: row for row in await conn.fetch(sql.SELECT_PARTY_NOTICE_STATE, event_id, parties)}
    wanted: dict[UUID, tuple[int | None, list[int]]] = {}
    for party in parties:
        row = state.get(party)
        if row is None:  # never e-mailed on its own: taken to know the version published until now
            wanted[party] = (superseded["number"], [])
        else:
            wanted[party] = (row["delivered_version"], sorted(row["pending_versions"]))
    numbers = sorted({n for base, pending in wanted.values() for n in [*pending, *([base] if base else [])]})
    cache: dict[int, Agendas] = {}
    for version in await conn.fetch(sql.SELECT_VERSIONS_BY_NUMBER, event_id, numbers):
        rows = await conn.fetch(sql.SELECT_PARTY_MEETINGS, version["id"], parties)
        cache[version["number"]] = party_agendas(
            snapshot, rows, version["number"], version["published_at"], version["venue"]
        )
    return {
        party: Told(cache.get(base) if base else None, [cache[n] for n in pending if n in cache])
        for party, (base, pending) in wanted.items()
    }


async def publish_fill(
    conn: asyncpg.Connection,
    settings: MatcherSettings,
    snapshot: EventSnapshot,
    version: asyncpg.Record,
    parties: list[UUID],
    changes: dict[str, int],
    meetings: int,
) -> int:
    """Publish the fill's ``version`` (id, number; ``meetings`` in it) and queue its notices; how many were queued.

    E-mails go to ``parties`` whose agenda changed since they were told; the event's webhooks get the
    usual ``schedule.changed`` payload with ``changes`` (added, moved, removed).
    """
    event_id = snapshot.event.id
    superseded = await step_up(conn, event_id, version["id"], None)
    published = await conn.fetchrow(sql.SELECT_VERSIONS_BY_NUMBER, event_id, [version["number"]])
    await add_missing_links(conn, link_key(settings), event_id, parties)
    links = {row["organisation_id"]: row["id"] for row in await conn.fetch(sql.SELECT_PARTY_LINKS, event_id, parties)}
    rows_now = await conn.fetch(sql.SELECT_PARTY_MEETINGS, version["id"], parties)
    now = party_agendas(snapshot, rows_now, version["number"], published["published_at"], published["venue"])
    told = await _told(conn, snapshot, event_id, parties, superseded) if superseded else {}
    emails = [
        row for row in participant_emails(now, told, primary_contacts(snapshot, parties), links) if row[3] in parties
    ]
    payload = webhook_payload(
        event_id=event_id,
        version=version["number"],
        previous_version=superseded["number"] if superseded else None,
        published_at=published["published_at"],
        meetings=meetings,
        changes=changes,
    )
    rows = await news_rows(conn, emails, payload, event_id)
    return await queue_news(conn, event_id, rows, version["number"], changed=superseded is not None)
