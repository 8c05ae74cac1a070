"""Live fill on the day: freed table-slots go to arrived stand-by firms, in a new schedule version.

A freed table-slot (``matcher.freed_slots``: no-show, decline, cancellation) is written with a ``NOTIFY
matcher_live_fill`` in the same transaction. The filler loop in each matcher process (:mod:`.filler`)
wakes, and for each event with open freed slots runs :func:`fill_event` in ONE transaction:

1. takes the event's schedule lock (publishing and version numbering wait for it; another filler on the
   same event waits too) and claims the open freed slots (``FOR UPDATE SKIP LOCKED``);
2. reads the version to build on (the published one, or in draft mode a live fill's draft on top of it),
   its snapshot and meetings, the arrived stand-by firms, declines and busy slots, and the day settings;
3. encodes the snapshot (kept per process while the snapshot is the same), solves the freed cells
   (:func:`services.matcher.engine.live_fill.live_fill`) with everything starting before now + the frozen
   horizon frozen, by ``app[CLOCK_KEY]``;
   Only tables whose buyer is at the venue are offered (checked in, or a meeting at its table marked held
   or the firm's no-show, and not "the buyer did not come" on its latest started meeting marked since it
   checked in); a freed slot at any other table waits for the buyer to be seen;
4. writes a new version ``based_on`` that one — the freed meetings out, the added ones in, every other
   meeting where it was — marks the freed slots filled (or expired: frozen, or the cell taken meanwhile);
   in live mode publishes it, e-mailing only the two parties of each added meeting; else leaves it a draft.

A process killed before the commit leaves every row open for the next claim, and a freed slot is marked
filled in the transaction that writes its version: never two versions for one freed slot. A firm that
registered on the spot is not in the published snapshot: its registration is taken from a fresh snapshot
of the registry (fetched before the transaction; nothing else of that snapshot is used, so no one else's
agenda changes).
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import numpy as np

from shared.clock import Clock
from shared.snapshot import EventSnapshot, content_hash

from ..audit import Actor, record
from ..engine.encode import EncodedEvent, encode_snapshot
from ..engine.explain import explain_pairs, explanation_dict
from ..engine.live_fill import DUPLICATE, FROZEN, FillResult, live_fill
from ..registry_client import RegistryDown, RegistryRefused, Snapshot
from ..schedules.compute import StoredMeeting
from ..settings import MatcherSettings
from ..sql import onsite_fill as sql
from ..sql import schedules as schedules_sql
from .fill_version import DayChange, write_day_version
from .live_publish import publish_fill

log = logging.getLogger("services.matcher.onsite.live_fill")

DEFAULT_HORIZON_MINUTES = 10
SYSTEM = Actor(None, "service")  # the matcher itself (the organiser log says "Tjänsten själv")

SnapshotSource = Callable[[UUID], Awaitable[Snapshot]]


@dataclass(frozen=True)
class FillOutcome:
    """What one fill of one event did."""

    event_id: UUID
    number: int | None = None  # the new version's number (None: no version written)
    published: bool = False
    filled: int = 0
    expired: int = 0
    waiting: int = 0  # freed slots still open (nobody fits yet)
    notifications: int = 0


@dataclass
class EncodingCache:
    """Per event, the last encoding of its snapshot by content hash (encoding an L event takes a second), and
    the meetings of the version the last fill wrote as index rows ``(sme, buyer, slot position, table)`` of it
    (reading 7,000 meetings back costs more than the rest of a fill).

    What it keeps lives all day, so it is moved out of the garbage collector's way (:func:`gc.freeze`): a full
    collection over an L event's snapshot objects takes half a second, which a fill would otherwise wait for
    every so often.
    """

    entries: dict[UUID, tuple[str, EventSnapshot, EncodedEvent]] = field(default_factory=dict)
    placements: dict[UUID, tuple[UUID, EncodedEvent, np.ndarray]] = field(default_factory=dict)

    async def get(
        self, event_id: UUID, key: str, load: Callable[[], Awaitable[dict[str, Any]]]
    ) -> tuple[EventSnapshot, EncodedEvent]:
        """(snapshot, encoding) of the snapshot with content hash ``key``; ``load`` reads its document."""
        hit = self.entries.get(event_id)
        if hit is None or hit[0] != key:
            snapshot = EventSnapshot.model_validate(await load())
            self.put(event_id, key, snapshot, await asyncio.to_thread(encode_snapshot, snapshot))
            hit = self.entries[event_id]
        return hit[1], hit[2]

    def put(self, event_id: UUID, key: str, snapshot: EventSnapshot, encoded: EncodedEvent) -> None:
        gc.unfreeze()  # what was kept before may go now
        self.entries[event_id] = (key, snapshot, encoded)
        self.placements.pop(event_id, None)
        gc.collect()
        gc.freeze()

    async def rows(self, conn: asyncpg.Connection, event_id: UUID, version_id: UUID, encoded: EncodedEvent):
        """The version's meetings as index rows of ``encoded`` (read from the database unless kept)."""
        hit = self.placements.get(event_id)
        if hit is not None and hit[0] == version_id and hit[1] is encoded:
            return hit[2]
        smes = {sme: s for s, sme in enumerate(encoded.sme_ids)}
        buyers = {buyer: b for b, buyer in enumerate(encoded.buyer_ids)}
        position = {int(index): t for t, index in enumerate(encoded.slot_indexes)}
        rows = [
            (smes[r["sme_id"]], buyers[r["buyer_id"]], position[r["slot"]], r["table_index"])
            for r in await conn.fetch(sql.SELECT_PLACEMENTS, version_id)
            if r["sme_id"] in smes and r["buyer_id"] in buyers and r["slot"] in position
        ]
        return np.array(rows, dtype=np.int64).reshape(-1, 4)

    def keep(self, event_id: UUID, version_id: UUID, encoded: EncodedEvent, rows: np.ndarray) -> None:
        self.placements[event_id] = (version_id, encoded, rows)


def with_walk_ins(document: dict[str, Any], fresh: dict[str, Any], wanted: set[UUID]) -> dict[str, Any] | None:
    """The stored snapshot plus the ``wanted`` SMEs' registrations from ``fresh`` (None: none to add).

    Their wishes for needs the stored snapshot does not hold are left out; nothing else changes (the
    caller sets the content hash).

    Examples
    --------
    >>> from services.matcher.engine.examples import example_snapshot
    >>> doc = example_snapshot().model_dump(mode="json")
    >>> walk_in = dict(doc["smes"][0], organisation=dict(doc["smes"][0]["organisation"], id=str(UUID(int=99))))
    >>> merged = with_walk_ins(dict(doc, smes=doc["smes"][1:]), dict(doc, smes=[*doc["smes"], walk_in]),
    ...     {UUID(int=99)})
    >>> [UUID(s["organisation"]["id"]).int for s in merged["smes"]]
    [11, 99]
    """
    have = {str(s["organisation"]["id"]) for s in document["smes"]}
    needs = {str(n["id"]) for n in document["needs"]}
    wanted_ids = {str(w) for w in wanted}
    added = [
        dict(s, wanted_needs=[w for w in s["wanted_needs"] if str(w["need_id"]) in needs])
        for s in fresh["smes"]
        if str(s["organisation"]["id"]) in wanted_ids and str(s["organisation"]["id"]) not in have
    ]
    if not added:
        return None
    return dict(document, smes=sorted([*document["smes"], *added], key=lambda s: str(s["organisation"]["id"])))


def _first_open_position(snapshot: EventSnapshot, encoded: EncodedEvent, now: datetime, minutes: int) -> int:
    """Slot positions before the returned one start before ``now`` + the horizon: frozen."""
    start = {slot.index: slot.start for slot in snapshot.event.slots}
    horizon = now + timedelta(minutes=minutes)
    frozen = [t for t, index in enumerate(encoded.slot_indexes.tolist()) if start[index] < horizon]
    return max(frozen) + 1 if frozen else 0


def _arrays(encoded: EncodedEvent, rules: list[asyncpg.Record], unavailable: list[asyncpg.Record]) -> tuple:
    """allowed (never pairs, forbidden and declined pairs out), buyer availability and SME busy slots."""
    instance = encoded.instance
    allowed, buyer_available = instance.allowed.copy(), instance.buyer_available.copy()
    busy = np.zeros_like(instance.sme_available)
    smes = {sme: s for s, sme in enumerate(encoded.sme_ids)}
    buyers = {buyer: b for b, buyer in enumerate(encoded.buyer_ids)}
    position = {int(index): t for t, index in enumerate(encoded.slot_indexes)}
    pairs = [(r["sme_id"], r["buyer_id"]) for r in rules if r["rule"] == "forbid"]
    for row in unavailable:
        org = row["organisation_id"]
        if row["kind"] == "decline":
            pairs += [(org, row["counterpart_id"]), (row["counterpart_id"], org)]
        elif row["slot"] in position and org in smes:
            busy[smes[org], position[row["slot"]]] = True
        elif row["slot"] in position and org in buyers:
            buyer_available[buyers[org], position[row["slot"]]] = False
    for sme, buyer in pairs:
        if sme in smes and buyer in buyers:
            allowed[smes[sme], buyers[buyer]] = False
    return allowed, buyer_available, busy


def _solve(
    encoded: EncodedEvent, snapshot: EventSnapshot, rows: np.ndarray, cells: np.ndarray, context: dict
) -> FillResult:
    instance = encoded.instance
    smes = {sme: s for s, sme in enumerate(encoded.sme_ids)}
    allowed, buyer_available, busy = _arrays(encoded, context["rules"], context["unavailable"])
    present = set(context["present"])
    return live_fill(
        rows,
        cells,
        [smes[org] for org in context["standby"] if org in smes],
        instance.relevance,
        allowed,
        instance.sme_capacity,
        instance.sme_available,
        buyer_available,
        first_open_slot=_first_open_position(snapshot, encoded, context["now"], context["horizon"]),
        min_relevance=instance.min_relevance,
        below_floor=instance.below_floor,
        sme_busy=busy,
        buyer_present=np.array([buyer in present for buyer in encoded.buyer_ids], dtype=bool),
    )


def _placeable(freed: list[asyncpg.Record], encoded: EncodedEvent, rows: np.ndarray) -> tuple:
    """(freed rows the engine gets, their cells as index rows, ids of rows that can never be filled: the cell
    is not in the event, or someone else sits there since — a fill or a re-plan)."""
    buyers = {buyer: b for b, buyer in enumerate(encoded.buyer_ids)}
    smes = {sme: s for s, sme in enumerate(encoded.sme_ids)}
    position = {int(index): t for t, index in enumerate(encoded.slot_indexes)}
    tables = encoded.instance.buyer_tables
    placeable, cells, stale = [], [], []
    for row in freed:
        b, t, table = buyers.get(row["buyer_id"]), position.get(row["slot"]), row["table_index"]
        if b is None or t is None or table >= tables[b]:
            stale.append(row["id"])
            continue
        there = rows[(rows[:, 1] == b) & (rows[:, 2] == t) & (rows[:, 3] == table), 0]
        if there.size and there[0] != smes.get(row["sme_id"], -1):
            stale.append(row["id"])
        else:
            placeable.append(row)
            cells.append((b, t, table))
    return placeable, np.array(cells, dtype=np.int64).reshape(-1, 3), stale


def _added_meetings(encoded: EncodedEvent, result: FillResult) -> list[StoredMeeting]:
    added = result.added.tolist()
    explanations = explain_pairs(encoded, encoded.scores, [row[:2] for row in added])
    return [
        StoredMeeting(
            sme_id=encoded.sme_ids[s],
            buyer_id=encoded.buyer_ids[b],
            slot=int(encoded.slot_indexes[t]),
            table_index=int(table),
            relevance=float(np.clip(encoded.instance.relevance[s, b], 0.0, 1.0)),
            explanation=explanation_dict(why),
        )
        for (s, b, t, table), why in zip(added, explanations, strict=True)
    ]


async def _standby_missing(pool: asyncpg.Pool, event_id: UUID, cache: EncodingCache) -> set[UUID]:
    """Stand-by firms the snapshot the last fill used does not hold (before a first fill: the stored one's)."""
    hit = cache.entries.get(event_id)
    async with pool.acquire() as conn:
        if hit is None:
            return {row["organisation_id"] for row in await conn.fetch(sql.SELECT_STANDBY_NOT_IN_SNAPSHOT, event_id)}
        standby = {row["organisation_id"] for row in await conn.fetch(sql.SELECT_STANDBY, event_id)}
    return standby - set(hit[2].sme_ids) - set(hit[2].buyer_ids)


async def fill_event(
    pool: asyncpg.Pool,
    settings: MatcherSettings,
    event_id: UUID,
    *,
    clock: Clock,
    cache: EncodingCache,
    fetch_snapshot: SnapshotSource | None = None,
) -> FillOutcome:
    """Fill the event's open freed slots once (see the module docstring); what it did."""
    fresh = None
    if fetch_snapshot is not None and await _standby_missing(pool, event_id, cache):
        try:
            fresh = (await fetch_snapshot(event_id)).document
        except (RegistryDown, RegistryRefused) as error:  # the walk-ins wait; the others are placed now
            log.warning("event %s: no fresh snapshot for the stand-by firms (%s)", event_id, error)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(schedules_sql.LOCK_EVENT_SCHEDULES, event_id)
        freed = await conn.fetch(sql.CLAIM_OPEN, event_id)
        base = await conn.fetchrow(sql.SELECT_FILL_BASE, event_id) if freed else None
        if base is None:  # nothing to fill, or nothing published to fill into yet: the rows wait
            return FillOutcome(event_id, waiting=len(freed))
        day = await conn.fetchrow(sql.SELECT_DAY_SETTINGS, event_id)
        context = {
            "now": clock.now(),
            "horizon": day["frozen_horizon_minutes"] if day else DEFAULT_HORIZON_MINUTES,
            "standby": [row["organisation_id"] for row in await conn.fetch(sql.SELECT_STANDBY, event_id)],
            "unavailable": await conn.fetch(sql.SELECT_UNAVAILABILITY, event_id),
            "rules": await conn.fetch(schedules_sql.SELECT_RULES, event_id),
            "present": [row["buyer_id"] for row in await conn.fetch(sql.SELECT_PRESENT_BUYERS, event_id)],
        }
        live = bool(day and day["live_mode"])

        async def load() -> dict[str, Any]:
            return await conn.fetchval(schedules_sql.SELECT_SNAPSHOT, base["id"])

        key = base["snapshot_hash"]
        snapshot, encoded = await cache.get(event_id, key, load)
        merged = with_walk_ins(await load(), fresh, set(context["standby"])) if fresh is not None else None
        if merged is not None:
            snapshot = EventSnapshot.model_validate(merged)
            key = content_hash(snapshot)  # of the snapshot the new version is computed from
            document, snapshot = dict(merged, content_hash=key), snapshot.model_copy(update={"content_hash": key})
            encoded = await asyncio.to_thread(encode_snapshot, snapshot)
            cache.put(event_id, key, snapshot, encoded)
        rows = await cache.rows(conn, event_id, base["id"], encoded)
        cells, indexes, stale = _placeable(freed, encoded, rows)
        result = await asyncio.to_thread(_solve, encoded, snapshot, rows, indexes, context)
        expired = stale + [c["id"] for c, why in zip(cells, result.reasons, strict=True) if why in (FROZEN, DUPLICATE)]
        await conn.execute(sql.MARK_EXPIRED, expired)
        waiting = len(cells) - len(result.cells) - (len(expired) - len(stale))
        if not len(result.cells):
            return FillOutcome(event_id, expired=len(expired), waiting=waiting)
        added = _added_meetings(encoded, result)
        vacated = [(encoded.sme_ids[s], encoded.buyer_ids[b]) for s, b, _, _ in rows[result.vacated].tolist()]
        filled = [cells[i] for i in result.cells.tolist()]
        relevance = encoded.instance.relevance
        change = DayChange(
            base, len(rows), added, vacated,
            gone=sum(float(relevance[s, b]) for s, b, _, _ in rows[result.vacated].tolist()),
            reasons=[f"live fill: freed slot {c['id']} ({c['cause']})" for c in filled],
            marker={"live_fill": {"freed_slots": [c["id"] for c in filled]}},
            merged=Snapshot(document, key) if merged else None,
        )  # fmt: skip
        version = await write_day_version(conn, change)
        after = np.concatenate((np.delete(rows, result.vacated, axis=0), result.added))
        await conn.execute(
            sql.MARK_FILLED, [c["id"] for c in filled], [m.sme_id for m in added], version["id"], context["now"]
        )
        notifications = 0
        if live:
            parties = list(dict.fromkeys(party for m in added for party in (m.sme_id, m.buyer_id)))
            changes = {"added": len(added), "moved": 0, "removed": len(vacated)}
            notifications = await publish_fill(conn, settings, snapshot, version, parties, changes, len(after))
        details = {"number": version["number"], "based_on": base["number"], "filled": len(filled)}
        details |= {"expired": len(expired), "published": live, "notifications": notifications}
        await record(
            conn, SYSTEM, "schedule.live_fill", "schedule_version", version["id"], event_id=event_id, details=details
        )
    cache.keep(event_id, version["id"], encoded, after)
    log.info("event %s: live fill made version %d (%d filled, live=%s)", event_id, version["number"], len(filled), live)
    return FillOutcome(event_id, version["number"], live, len(filled), len(expired), waiting, notifications)
