"""The event snapshot for the matcher: rows → :class:`shared.snapshot.EventSnapshot`, and its handler.

Everything is read in one repeatable-read, read-only transaction (a handful of set-based queries,
see :mod:`.sql.snapshot`) so the matcher never sees half of a change. Turning rows into the
snapshot is the pure function :func:`build_snapshot`: it fixes the order of every list, so the same
data gives the same :func:`shared.snapshot.content_hash` however the database returned the rows.
The hash is the ETag; a matcher that already has this content gets 304.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
from aiohttp import web

from shared.auth import Role, require
from shared.db import POOL_KEY
from shared.errors import NotFound
from shared.openapi import operation
from shared.snapshot import (
    EventSnapshot,
    SnapshotBuyer,
    SnapshotCancellation,
    SnapshotContact,
    SnapshotEvent,
    SnapshotNeed,
    SnapshotOrganisation,
    SnapshotPairRule,
    SnapshotServedArea,
    SnapshotSlot,
    SnapshotSme,
    SnapshotThreshold,
    SnapshotWantedNeed,
    content_hash,
)
from shared.web import json_response

from .slots import event_slot_grid
from .sql import snapshot as sql

Row = Mapping[str, Any]

# Placeholder until the real hash is known (the hash never covers itself).
_NO_HASH = "0" * 64


@dataclass(frozen=True)
class SnapshotRows:
    """The rows one snapshot is made of, as the queries in :mod:`.sql.snapshot` return them."""

    event: Row
    thresholds: Sequence[Row] = ()
    registrations: Sequence[Row] = ()
    registration_needs: Sequence[Row] = ()
    wishes: Sequence[Row] = ()
    needs: Sequence[Row] = ()
    contacts: Sequence[Row] = ()
    pair_rules: Sequence[Row] = ()


def available_slot_indexes(stored: Iterable[int] | None, slot_count: int) -> list[int]:
    """The slots a registration can meet in: NULL means all; indexes outside the grid are dropped
    (the organiser may have shortened the day after the registration was made).

    Examples
    --------
    >>> available_slot_indexes(None, 4)
    [0, 1, 2, 3]
    >>> available_slot_indexes([3, 1, 1, 9], 4)
    [1, 3]
    """
    if stored is None:
        return list(range(slot_count))
    return sorted({index for index in stored if 0 <= index < slot_count})


def effective_max_meetings(requested: int | None, default: int, maximum: int, available: int) -> int:
    """An SME's meeting cap: its own wish, else the event default; never above the event maximum or
    the number of slots it is available in.

    Examples
    --------
    >>> effective_max_meetings(None, 4, 8, 10)
    4
    >>> effective_max_meetings(12, 4, 8, 10)
    8
    >>> effective_max_meetings(6, 4, 8, 3)
    3
    """
    wanted = default if requested is None else requested
    return max(0, min(wanted, maximum, available))


def _profile(row: Row) -> SnapshotOrganisation:
    return SnapshotOrganisation(
        id=row["organisation_id"],
        name=row["name"],
        municipality_code=row["municipality_code"],
        cpv_codes=sorted(row["cpv_codes"]),
        description=row["description"],
        keywords=list(row["keywords"]),
        employees_band=row["employees_band"],
        turnover_sek=row["turnover_sek"],
        areas_served=SnapshotServedArea(
            whole_country=row["serves_whole_country"],
            counties=sorted(row["served_counties"]),
            municipalities=sorted(row["served_municipalities"]),
        ),
        certificates=list(row["certificates"]),
        languages=list(row["languages"]),
        buyer_category=row["buyer_category"],
    )


def _contacts_by_organisation(rows: Iterable[Row]) -> dict[UUID, list[SnapshotContact]]:
    grouped: dict[UUID, list[SnapshotContact]] = defaultdict(list)
    for row in rows:
        grouped[row["organisation_id"]].append(
            SnapshotContact(
                id=row["id"],
                position=row["position"],
                name=row["name"],
                title=row["title"],
                email=row["email"],
                phone=row["phone"],
            )
        )
    return {org: sorted(contacts, key=lambda c: (c.position, c.id)) for org, contacts in grouped.items()}


def _need(row: Row) -> SnapshotNeed:
    return SnapshotNeed(
        **{name: row[name] for name in SnapshotNeed.model_fields if name not in ("cpv_additional", "lots")},
        cpv_additional=sorted(row["cpv_additional"]),
        lots=list(row["lots"]),
    )


def build_snapshot(rows: SnapshotRows, generated_at: datetime) -> EventSnapshot:
    """Make the snapshot of one event from its rows, every list in a stable order, with its hash.

    Parameters
    ----------
    rows : SnapshotRows
        Rows as read in one transaction. Rows of registrations that are neither active nor
        cancelled after publication, and needs no active registration refers to, are ignored.
    generated_at : datetime
        When the rows were read (not part of the hash).

    Returns
    -------
    EventSnapshot
        With ``content_hash`` filled in.

    Examples
    --------
    >>> from datetime import date, time
    >>> event = {"id": UUID(int=1), "name": "Affärsträff Falun", "event_date": date(2025, 10, 7),
    ...          "time_zone": "Europe/Stockholm", "status": "closed", "tables": 10,
    ...          "day_start": time(9), "day_end": time(10), "meeting_minutes": 20, "changeover_minutes": 5,
    ...          "breaks": [], "default_meetings_per_sme": 4, "max_meetings_per_sme": 8}
    >>> snapshot = build_snapshot(SnapshotRows(event=event), datetime(2025, 9, 1, tzinfo=UTC))
    >>> [slot.label for slot in snapshot.event.slots]
    ['09:00–09:20', '09:25–09:45']
    >>> snapshot.hash_matches()
    True
    """
    event_row = rows.event
    slots = [
        SnapshotSlot(index=slot.index, start=slot.start, end=slot.end, label=slot.label)
        for slot in event_slot_grid(event_row)
    ]
    event = SnapshotEvent(
        id=event_row["id"],
        name=event_row["name"],
        date=event_row["event_date"],
        time_zone=event_row["time_zone"],
        status=event_row["status"],
        tables=event_row["tables"],
        meeting_minutes=event_row["meeting_minutes"],
        default_meetings_per_sme=event_row["default_meetings_per_sme"],
        max_meetings_per_sme=event_row["max_meetings_per_sme"],
        slots=slots,
    )

    active = {row["registration_id"]: row for row in rows.registrations if row["status"] == "active"}
    wanted: dict[UUID, list[SnapshotWantedNeed]] = defaultdict(list)
    brought: dict[UUID, list[UUID]] = defaultdict(list)
    for row in rows.registration_needs:
        registration = active.get(row["registration_id"])
        if registration is None:
            continue
        if registration["kind"] == "sme":
            wanted[row["registration_id"]].append(SnapshotWantedNeed(need_id=row["need_id"], rank=row["rank"]))
        else:
            brought[row["registration_id"]].append(row["need_id"])
    wishes: dict[UUID, list[UUID]] = defaultdict(list)
    for row in rows.wishes:
        if row["registration_id"] in active:
            wishes[row["registration_id"]].append(row["sme_id"])
    contacts = _contacts_by_organisation(rows.contacts)

    smes: list[SnapshotSme] = []
    buyers: list[SnapshotBuyer] = []
    for registration_id, row in active.items():
        available = available_slot_indexes(row["available_slots"], len(slots))
        common = {
            "registration_id": registration_id,
            "organisation": _profile(row),
            "languages": list(row["registration_languages"]),
            "available_slots": available,
            "contacts": contacts.get(row["organisation_id"], []),
        }
        if row["kind"] == "sme":
            cap = effective_max_meetings(
                row["max_meetings"], event.default_meetings_per_sme, event.max_meetings_per_sme, len(available)
            )
            # Unranked wishes (should not happen for SMEs) go last, in id order.
            ranked = sorted(wanted[registration_id], key=lambda w: (w.rank is None, w.rank or 0, w.need_id))
            smes.append(SnapshotSme(**common, max_meetings=cap, wanted_needs=ranked))
        else:
            buyers.append(
                SnapshotBuyer(
                    **common,
                    tables=row["tables"] or 1,
                    representatives=list(row["representatives"]),
                    brought_need_ids=sorted(set(brought[registration_id])),
                    wanted_sme_ids=sorted(set(wishes[registration_id])),
                )
            )

    referenced = {need for ids in brought.values() for need in ids} | {
        w.need_id for ranked in wanted.values() for w in ranked
    }
    cancelled = [
        SnapshotCancellation(organisation_id=row["organisation_id"], kind=row["kind"], cancelled_at=row["cancelled_at"])
        for row in rows.registrations
        if row["status"] == "cancelled" and row["cancelled_after_publication"]
    ]
    snapshot = EventSnapshot(
        content_hash=_NO_HASH,
        generated_at=generated_at,
        event=event,
        thresholds=sorted((SnapshotThreshold(**dict(row)) for row in rows.thresholds), key=lambda t: t.kind),
        smes=sorted(smes, key=lambda s: s.organisation.id),
        buyers=sorted(buyers, key=lambda b: b.organisation.id),
        needs=sorted((_need(row) for row in rows.needs if row["id"] in referenced), key=lambda n: n.id),
        pair_rules=sorted(
            (SnapshotPairRule(**dict(row)) for row in rows.pair_rules), key=lambda r: (r.sme_id, r.buyer_id)
        ),
        cancelled=sorted(cancelled, key=lambda c: (c.organisation_id, c.kind)),
    )
    return snapshot.model_copy(update={"content_hash": content_hash(snapshot)})


async def read_snapshot(conn: asyncpg.Connection, event_id: UUID) -> EventSnapshot | None:
    """Read and build the snapshot of an event in one consistent transaction; None when no such event."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        event = await conn.fetchrow(sql.SELECT_EVENT, event_id)
        if event is None:
            return None
        # now() is the transaction's start: the moment the snapshot's data is from.
        generated_at = await conn.fetchval("SELECT now()")
        rows = SnapshotRows(
            event=event,
            thresholds=await conn.fetch(sql.SELECT_THRESHOLDS_IN_FORCE, event["event_date"]),
            registrations=await conn.fetch(sql.SELECT_REGISTRATIONS, event_id),
            registration_needs=await conn.fetch(sql.SELECT_REGISTRATION_NEEDS, event_id),
            wishes=await conn.fetch(sql.SELECT_WISHES, event_id),
            needs=await conn.fetch(sql.SELECT_NEEDS, event_id),
            contacts=await conn.fetch(sql.SELECT_CONTACTS, event_id),
            pair_rules=await conn.fetch(sql.SELECT_PAIR_RULES, event_id),
        )
    return build_snapshot(rows, generated_at.astimezone(UTC))


def _matches_any(if_none_match: str | None, tag: str) -> bool:
    """True when an ``If-None-Match`` header names ``tag`` (or ``*``); weak tags compare equal."""
    if if_none_match is None:
        return False
    tags = {candidate.strip().removeprefix("W/") for candidate in if_none_match.split(",")}
    return "*" in tags or tag in tags


@operation(
    "The event snapshot for the matcher (ETag = content hash)",
    tags=("snapshot",),
    response=EventSnapshot,
    errors=(404,),
    extra_responses={304: "Not modified: If-None-Match names the current content hash"},
)
@require(Role.SERVICE)
async def get_snapshot(request: web.Request) -> web.Response:
    """Everything the matcher needs for one event, consistent and hashed."""
    try:
        event_id = UUID(request.match_info["event_id"])
    except ValueError:
        raise NotFound("No event with that id.") from None
    async with request.app[POOL_KEY].acquire() as conn:
        snapshot = await read_snapshot(conn, event_id)
    if snapshot is None:
        raise NotFound("No event with that id.")
    # SnapshotContact data inside: never to be stored by shared caches.
    headers = {"ETag": f'"{snapshot.content_hash}"', "Cache-Control": "private, no-cache"}
    if _matches_any(request.headers.get("If-None-Match"), headers["ETag"]):
        return web.Response(status=304, headers=headers)
    return json_response(snapshot, headers=headers)
