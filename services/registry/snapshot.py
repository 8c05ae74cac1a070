"""The event snapshot for the matcher: rows → :class:`shared.snapshot.EventSnapshot`, and its handler.

Everything is read in one repeatable-read, read-only transaction (a handful of set-based queries,
see :mod:`.sql.snapshot`) so the matcher never sees half of a change. Turning rows into the
snapshot is the pure function :func:`build_document`: it fixes the order of every list, so the same
data gives the same :func:`shared.snapshot.content_hash` however the database returned the rows.
The hash is the ETag; a matcher that already has this content gets 304.

Speed: the rows become JSON-ready dicts (keys in sorted order) and are encoded once, by
pydantic-core; those canonical bytes are hashed and, with ``content_hash`` and ``generated_at`` in
front, sent as the body. Building validated models and dumping them twice (for the hash, for the
body) cost about 40 ms of CPU per 300-SME snapshot, blocking the event loop; this costs a few.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import pydantic_core
from aiohttp import web
from pydantic import AwareDatetime, TypeAdapter

from shared.auth import Role, path_event, require
from shared.conditional import not_modified, not_modified_response
from shared.db import POOL_KEY
from shared.errors import NotFound
from shared.openapi import operation
from shared.snapshot import SCHEMA_VERSION, EventSnapshot, canonical_bytes

from .slots import event_slot_grid
from .sql import snapshot as sql

Row = Mapping[str, Any]

_AWARE_DATETIME = TypeAdapter(AwareDatetime)


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


def _datetime_json(value: datetime) -> str:
    """A datetime exactly as pydantic writes it in JSON mode (UTC as ``Z``)."""
    return _AWARE_DATETIME.dump_python(value, mode="json")


def _uuid_json(value: UUID | str) -> str:
    # str() of a UUID is its canonical lowercase form, so sorting these strings sorts by UUID.
    return str(value)


def _free_form(value: Any) -> tuple[Any, bool]:
    """A JSON value (jsonb, as decoded) with every object's keys sorted, and whether it holds a float.

    The keys are sorted here so that the fast encoder gives canonical bytes; a float makes the caller
    fall back to :func:`json.dumps`, whose float notation (``1e-07``) is the canonical one.
    """
    if isinstance(value, dict):
        has_float = False
        items = {}
        for key in sorted(value):
            items[key], nested = _free_form(value[key])
            has_float |= nested
        return items, has_float
    if isinstance(value, list):
        converted = [_free_form(item) for item in value]
        return [item for item, _ in converted], any(nested for _, nested in converted)
    return value, isinstance(value, float)


# Every dict below is written with its keys in sorted order: the canonical JSON is then the
# insertion-ordered encoding, which pydantic-core writes several times faster than json.dumps sorts.


def _profile(row: Row) -> dict[str, Any]:
    # Hand-built for speed (one per registration); tests/test_organisation_profile.py holds its keys to
    # shared.organisation_profile's snapshot fields.
    return {
        "areas_served": {
            "counties": sorted(row["served_counties"]),
            "municipalities": sorted(row["served_municipalities"]),
            "whole_country": row["serves_whole_country"],
        },
        "buyer_category": row["buyer_category"],
        "certificates": list(row["certificates"]),
        "cpv_codes": sorted(row["cpv_codes"]),
        "description": row["description"],
        "employees_band": row["employees_band"],
        "id": _uuid_json(row["organisation_id"]),
        "keywords": list(row["keywords"]),
        "languages": list(row["languages"]),
        "municipality_code": row["municipality_code"],
        "name": row["name"],
        "turnover_sek": row["turnover_sek"],
    }


def _contacts_by_organisation(rows: Iterable[Row]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[_uuid_json(row["organisation_id"])].append(
            {
                "email": row["email"],
                "id": _uuid_json(row["id"]),
                "name": row["name"],
                "phone": row["phone"],
                "position": row["position"],
                "title": row["title"],
            }
        )
    for contacts in grouped.values():
        contacts.sort(key=lambda c: (c["position"], c["id"]))
    return grouped


def _need(row: Row) -> tuple[dict[str, Any], bool]:
    lots, has_float = _free_form(list(row["lots"]))
    planned = row["planned_tender_date"]
    return {
        "buyer_id": _uuid_json(row["buyer_id"]),
        "cpv_additional": sorted(row["cpv_additional"]),
        "cpv_main": row["cpv_main"],
        "delivery_municipality": row["delivery_municipality"],
        "description": row["description"],
        "estimated_value_sek": row["estimated_value_sek"],
        "id": _uuid_json(row["id"]),
        "lots": lots,
        "planned_tender_date": None if planned is None else planned.isoformat(),
        "procedure": row["procedure"],
        "status": row["status"],
        "suitable_for_smes": row["suitable_for_smes"],
        "title": row["title"],
    }, has_float


def _event(row: Row) -> dict[str, Any]:
    slots = [
        {"end": _datetime_json(slot.end), "index": slot.index, "label": slot.label, "start": _datetime_json(slot.start)}
        for slot in event_slot_grid(row)
    ]
    return {
        "date": row["event_date"].isoformat(),
        "default_meetings_per_sme": row["default_meetings_per_sme"],
        "id": _uuid_json(row["id"]),
        "max_meetings_per_sme": row["max_meetings_per_sme"],
        "meeting_minutes": row["meeting_minutes"],
        "min_relevance_percent": row["min_relevance_percent"],
        "name": row["name"],
        "slots": slots,
        "status": row["status"],
        "tables": row["tables"],
        "time_zone": row["time_zone"],
        "venue": row["venue"],
    }


@dataclass(frozen=True)
class SnapshotDocument:
    """A built snapshot as bytes: the canonical JSON of its content, its hash, and the response body.

    The body is the canonical JSON with ``content_hash`` and ``generated_at`` put in front, so the
    snapshot is serialised once: :func:`shared.snapshot.content_hash` of the parsed body gives
    :attr:`content_hash` again.
    """

    canonical: bytes
    content_hash: str
    generated_at: datetime

    @property
    def body(self) -> bytes:
        """The JSON response body (an :class:`shared.snapshot.EventSnapshot`)."""
        head = b'{"content_hash":"%s","generated_at":"%s",' % (
            self.content_hash.encode(),
            _datetime_json(self.generated_at).encode(),
        )
        return head + self.canonical[1:]


def build_document(rows: SnapshotRows, generated_at: datetime) -> SnapshotDocument:
    """Make the snapshot of one event from its rows as canonical JSON, every list in a stable order.

    Rows come from our own tables (constraints checked on the way in), so they are turned straight
    into JSON-ready values instead of being validated again into models: that validation and a
    second serialisation for the hash were most of the snapshot's cost. :func:`build_snapshot` is
    the same content as the contract's models.

    Parameters
    ----------
    rows : SnapshotRows
        Rows as read in one transaction. Rows of registrations that are neither active nor
        cancelled after publication, and needs no active registration refers to, are ignored.
    generated_at : datetime
        When the rows were read (not part of the hash).

    Returns
    -------
    SnapshotDocument
        Canonical bytes, their SHA-256 and the response body.

    Examples
    --------
    >>> from datetime import date, time
    >>> event = {"id": UUID(int=1), "name": "Affärsträff Falun", "venue": "Lugnet", "event_date": date(2025, 10, 7),
    ...          "time_zone": "Europe/Stockholm", "status": "closed", "tables": 10,
    ...          "day_start": time(9), "day_end": time(10), "meeting_minutes": 20, "changeover_minutes": 5,
    ...          "breaks": [], "default_meetings_per_sme": 4, "max_meetings_per_sme": 8,
    ...          "min_relevance_percent": 20}
    >>> document = build_document(SnapshotRows(event=event), datetime(2025, 9, 1, tzinfo=UTC))
    >>> document.canonical[:59]
    b'{"buyers":[],"cancelled":[],"event":{"date":"2025-10-07","d'
    >>> import json
    >>> from shared.snapshot import content_hash
    >>> document.content_hash == content_hash(json.loads(document.body))
    True
    """
    event = _event(rows.event)
    slot_count = len(event["slots"])
    has_float = False

    active = {_uuid_json(row["registration_id"]): row for row in rows.registrations if row["status"] == "active"}
    wanted: dict[str, list[dict[str, Any]]] = defaultdict(list)
    brought: dict[str, set[str]] = defaultdict(set)
    for row in rows.registration_needs:
        registration_id = _uuid_json(row["registration_id"])
        registration = active.get(registration_id)
        if registration is None:
            continue
        if registration["kind"] == "sme":
            wanted[registration_id].append({"need_id": _uuid_json(row["need_id"]), "rank": row["rank"]})
        else:
            brought[registration_id].add(_uuid_json(row["need_id"]))
    wishes: dict[str, set[str]] = defaultdict(set)
    for row in rows.wishes:
        registration_id = _uuid_json(row["registration_id"])
        if registration_id in active:
            wishes[registration_id].add(_uuid_json(row["sme_id"]))
    contacts = _contacts_by_organisation(rows.contacts)

    smes: list[dict[str, Any]] = []
    buyers: list[dict[str, Any]] = []
    for registration_id, row in active.items():
        available = available_slot_indexes(row["available_slots"], slot_count)
        organisation = _profile(row)
        own_contacts = contacts.get(organisation["id"], [])
        languages = list(row["registration_languages"])
        if row["kind"] == "sme":
            cap = effective_max_meetings(
                row["max_meetings"], event["default_meetings_per_sme"], event["max_meetings_per_sme"], len(available)
            )
            # Unranked wishes (should not happen for SMEs) go last, in id order.
            ranked = sorted(wanted[registration_id], key=lambda w: (w["rank"] is None, w["rank"] or 0, w["need_id"]))
            # The support asked for at sign-up only when asked (shared.snapshot.SnapshotSme: old hashes stay).
            asked = row.get("support_requested")
            support = {"support_note": row["support_note"], "support_requested": True} if asked else {}
            smes.append(
                {
                    "available_slots": available,
                    "contacts": own_contacts,
                    "languages": languages,
                    "max_meetings": cap,
                    "organisation": organisation,
                    "registration_id": registration_id,
                    **support,
                    "wanted_needs": ranked,
                }
            )
        else:
            representatives, nested_float = _free_form(list(row["representatives"]))
            has_float |= nested_float
            buyers.append(
                {
                    "available_slots": available,
                    "brought_need_ids": sorted(brought[registration_id]),
                    "contacts": own_contacts,
                    "languages": languages,
                    "organisation": organisation,
                    "registration_id": registration_id,
                    "representatives": representatives,
                    "tables": row["tables"] or 1,
                    "wanted_sme_ids": sorted(wishes[registration_id]),
                }
            )

    referenced = {need for ids in brought.values() for need in ids} | {
        w["need_id"] for ranked in wanted.values() for w in ranked
    }
    needs = []
    for row in rows.needs:
        if _uuid_json(row["id"]) in referenced:
            need, nested_float = _need(row)
            has_float |= nested_float
            needs.append(need)
    cancelled = [
        {
            "cancelled_at": _datetime_json(row["cancelled_at"]),
            "kind": row["kind"],
            "organisation_id": _uuid_json(row["organisation_id"]),
        }
        for row in rows.registrations
        if row["status"] == "cancelled" and row["cancelled_after_publication"]
    ]
    thresholds = [
        {"amount_sek": row["amount_sek"], "kind": row["kind"], "valid_from": row["valid_from"].isoformat()}
        for row in rows.thresholds
    ]
    pair_rules = [
        {
            "buyer_id": _uuid_json(row["buyer_id"]),
            "reason": row["reason"],
            "rule": row["rule"],
            "sme_id": _uuid_json(row["sme_id"]),
        }
        for row in rows.pair_rules
    ]
    content = {
        "buyers": sorted(buyers, key=lambda b: b["organisation"]["id"]),
        "cancelled": sorted(cancelled, key=lambda c: (c["organisation_id"], c["kind"])),
        "event": event,
        "needs": sorted(needs, key=lambda n: n["id"]),
        "pair_rules": sorted(pair_rules, key=lambda r: (r["sme_id"], r["buyer_id"])),
        "schema_version": SCHEMA_VERSION,
        "smes": sorted(smes, key=lambda s: s["organisation"]["id"]),
        "thresholds": sorted(thresholds, key=lambda t: t["kind"]),
    }
    # pydantic-core's encoder equals json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # for sorted dicts of strings, ints, bools and None; floats it writes differently (1e-7 vs 1e-07).
    canonical = canonical_bytes(content) if has_float else pydantic_core.to_json(content)
    return SnapshotDocument(
        canonical=canonical, content_hash=hashlib.sha256(canonical).hexdigest(), generated_at=generated_at
    )


def build_snapshot(rows: SnapshotRows, generated_at: datetime) -> EventSnapshot:
    """The snapshot of :func:`build_document` as the contract's (validated) model, with its hash.

    Examples
    --------
    >>> from datetime import date, time
    >>> event = {"id": UUID(int=1), "name": "Affärsträff Falun", "venue": "Lugnet", "event_date": date(2025, 10, 7),
    ...          "time_zone": "Europe/Stockholm", "status": "closed", "tables": 10,
    ...          "day_start": time(9), "day_end": time(10), "meeting_minutes": 20, "changeover_minutes": 5,
    ...          "breaks": [], "default_meetings_per_sme": 4, "max_meetings_per_sme": 8,
    ...          "min_relevance_percent": 20}
    >>> snapshot = build_snapshot(SnapshotRows(event=event), datetime(2025, 9, 1, tzinfo=UTC))
    >>> [slot.label for slot in snapshot.event.slots]
    ['09:00–09:20', '09:25–09:45']
    >>> snapshot.hash_matches()
    True
    """
    return EventSnapshot.model_validate_json(build_document(rows, generated_at).body)


async def read_snapshot(conn: asyncpg.Connection, event_id: UUID) -> SnapshotDocument | None:
    """Read and build the snapshot of an event in one consistent transaction; None when no such event."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        # now() is the transaction's start: the moment the snapshot's data is from.
        event = await conn.fetchrow(sql.SELECT_EVENT, event_id)
        if event is None:
            return None
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
    return build_document(rows, event["generated_at"].astimezone(UTC))


@operation(
    "The event snapshot for the matcher (ETag = content hash)",
    tags=("snapshot",),
    response=EventSnapshot,
    errors=(404,),
    extra_responses={304: "Not modified: If-None-Match names the current content hash"},
)
@require(Role.SERVICE, event=path_event, access="read")
async def get_snapshot(request: web.Request) -> web.Response:
    """Everything the matcher needs for one event, consistent and hashed."""
    try:
        event_id = UUID(request.match_info["event_id"])
    except ValueError:
        raise NotFound("No event with that id.") from None
    async with request.app[POOL_KEY].acquire() as conn:
        document = await read_snapshot(conn, event_id)
    if document is None:
        raise NotFound("No event with that id.")
    # Contact data inside: never to be stored by shared caches.
    headers = {"ETag": f'"{document.content_hash}"', "Cache-Control": "private, no-cache"}
    if not_modified(request, headers["ETag"]):
        return not_modified_response(headers["ETag"], headers)
    return web.Response(body=document.body, content_type="application/json", headers=headers)
