"""Live fill on the day: a freed table-slot to a published new version, engine alone and through the service.

    python -m benchmarks.live_fill                      # L: 2,000 SMEs × 300 buyers × 16 slots
    python -m benchmarks.live_fill --size S --runs 3    # quick (CI)

1. **Engine**: :func:`services.matcher.engine.live_fill.live_fill` on the L event's published schedule,
   one freed cell, and fifty freed cells across the morning (median of ``--runs``).
2. **One no-show → published new version**, through the service: the matcher runs as its own process
   (``MATCHER_WORKERS=0``: no job worker; its live filler is what is measured) on a scratch database of the
   embedded PostgreSQL (or of the server in ``DATABASE_URL``), in live mode, on a clock file set to 08:30 on
   the event's day. The L event's version 1 (planned by the engine) is stored and published first;
   ``--standby`` arrived SMEs wait on the stand-by list. Then ``--runs`` times: one freed slot at a
   meeting later in the day is written with its ``NOTIFY matcher_live_fill`` (as the reception's no-show
   mark does) and the clock runs until that slot's row says filled — the new version is then published
   and its two e-mails queued, in the same transaction. The first run includes encoding the snapshot
   (the filler keeps it for the next ones) and is shown apart.
3. **Fifty freed slots across the morning**: the clock file moves from 08:30 in steps; at each step one
   meeting starting after the frozen horizon is freed, the same way; each until its new version.

Figures only (median and max); nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import numpy as np

from benchmarks.registry import free_port
from benchmarks.stack import ScratchService
from deploy.local import start, stop, wait_ready
from services.matcher.engine.encode import encode_snapshot
from services.matcher.engine.examples import synthetic_snapshot
from services.matcher.engine.generator import SIZES
from services.matcher.engine.live_fill import live_fill
from services.matcher.registry_client import Snapshot
from services.matcher.schedules.compute import ComputeRequest, compute_schedule
from services.matcher.schedules.publish import publish_version
from services.matcher.schedules.store import insert_version
from services.matcher.settings import MatcherSettings
from shared.auth import generate_token
from shared.clock import write_clock_file
from shared.db import init_connection
from shared.embedded import start_embedded_server, with_database
from shared.settings import CommonSettings, load_settings
from shared.snapshot import EventSnapshot, content_hash

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MEETING_MINUTES = 20
WAIT_SECONDS = 10.0  # a freed slot not filled by then counts as unfilled (nobody on the stand-by list fits it)


def day_snapshot(
    smes: int, buyers: int, slots: int, *, seed: int = 0, day: dt.date = dt.date(2027, 3, 4), floor: int = 0
) -> EventSnapshot:
    """A synthetic event (:func:`synthetic_snapshot`) with ``slots`` 20-minute slots from 08:00 Swedish time on
    ``day``, everyone available all day, SMEs taking 2–6 meetings, and a contact with an e-mail address each.

    Examples
    --------
    >>> snapshot = day_snapshot(4, 2, 3)
    >>> [slot.label for slot in snapshot.event.slots], snapshot.hash_matches()
    (['08:00–08:20', '08:20–08:40', '08:40–09:00'], True)
    """
    rng = np.random.default_rng(seed)
    data = synthetic_snapshot(smes=smes, buyers=buyers, needs_per_buyer=3, seed=seed).model_dump(mode="json")
    first = dt.datetime.combine(day, dt.time(8, 0), STOCKHOLM)
    grid = []
    for t in range(slots):
        start = first + dt.timedelta(minutes=MEETING_MINUTES * t)
        end = start + dt.timedelta(minutes=MEETING_MINUTES)
        grid.append(
            {
                "index": t,
                "start": start.astimezone(dt.UTC).isoformat(),
                "end": end.astimezone(dt.UTC).isoformat(),
                "label": f"{start:%H:%M}–{end:%H:%M}",
            }
        )
    for n, party in enumerate(data["smes"] + data["buyers"]):
        party["available_slots"] = list(range(slots))
        party["contacts"] = [
            {
                "id": str(uuid.UUID(int=7 * 10**6 + n)),
                "position": 0,
                "name": f"Kontakt {n}",
                "title": "VD",
                "email": f"kontakt{n}@example.se",
                "phone": None,
            }
        ]
    for sme in data["smes"]:
        sme["max_meetings"] = int(rng.integers(2, 7))
    data["event"] |= {
        "date": day.isoformat(),
        "slots": grid,
        "tables": sum(b["tables"] for b in data["buyers"]),
        "default_meetings_per_sme": 4,
        "max_meetings_per_sme": 6,
        "min_relevance_percent": floor,
    }
    snapshot = EventSnapshot.model_validate(data)
    return snapshot.model_copy(update={"content_hash": content_hash(snapshot)})


# --- the L event's published schedule ---------------------------------------------------------------------


def planned_event(size: str, seed: int) -> tuple[EventSnapshot, Any]:
    """The event of ``size`` (:data:`SIZES`) and its version 1 as the schedule job computes it."""
    smes, buyers, slots = SIZES[size]
    started = time.perf_counter()
    snapshot = day_snapshot(smes, buyers, slots, seed=seed)
    result = compute_schedule(ComputeRequest(snapshot.model_dump(mode="json"), seed=1, time_limit=30))
    print(
        f"{size}: {smes:,} SMEs × {buyers} buyers × {slots} slots, {len(result.meetings):,} meetings planned "
        f"in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return snapshot, result


def standby_firms(snapshot: EventSnapshot, meetings: list, count: int) -> list[uuid.UUID]:
    """``count`` SMEs with room for another meeting (the arrived firms with free time), spread over the list."""
    load: dict[uuid.UUID, int] = {}
    for meeting in meetings:
        load[meeting.sme_id] = load.get(meeting.sme_id, 0) + 1
    roomy = [s.organisation.id for s in snapshot.smes if load.get(s.organisation.id, 0) < s.max_meetings]
    step = max(1, len(roomy) // max(count, 1))
    return roomy[::step][:count]


def spread(values: list[float]) -> str:
    """Median, 90th percentile and max in ms.

    Examples
    --------
    >>> spread([0.1, 0.2, 0.3]), spread([])
    ('median 200 ms, p90 300 ms, max 300 ms (n=3)', '–')
    """
    if not values:
        return "–"
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return (
        f"median {statistics.median(values) * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms, "
        f"max {max(values) * 1000:.0f} ms (n={len(values)})"
    )


# --- 1. the engine alone ----------------------------------------------------------------------------------


def engine_figures(snapshot: EventSnapshot, result: Any, standby: list[uuid.UUID], runs: int) -> None:
    started = time.perf_counter()
    encoded = encode_snapshot(snapshot)
    encode_seconds = time.perf_counter() - started
    position = {int(index): t for t, index in enumerate(encoded.slot_indexes)}
    rows = np.array(
        [
            (encoded.sme_index(m.sme_id), encoded.buyer_index(m.buyer_id), position[m.slot], m.table_index)
            for m in result.meetings
        ]
    )
    instance, firms = encoded.instance, [encoded.sme_index(org) for org in standby]
    rng = np.random.default_rng(7)
    later = rows[rows[:, 2] >= 2]

    def solve(cells: np.ndarray) -> float:
        began = time.perf_counter()
        live_fill(
            rows, cells, firms, instance.relevance, instance.allowed, instance.sme_capacity, instance.sme_available,
            instance.buyer_available, first_open_slot=2, min_relevance=instance.min_relevance,
            below_floor=instance.below_floor,
        )  # fmt: skip
        return time.perf_counter() - began

    one = [solve(later[rng.integers(len(later))][None, 1:]) for _ in range(runs)]
    fifty = [solve(later[rng.choice(len(later), 50, replace=False)][:, 1:]) for _ in range(runs)]
    print(f"engine: encoding the snapshot {encode_seconds:.2f} s (once per snapshot; the filler keeps it)")
    print(f"engine: one freed cell, {len(firms)} stand-by firms: {spread(one)}")
    print(f"engine: fifty freed cells at once: {spread(fifty)}", flush=True)


# --- 2 and 3. through the service -------------------------------------------------------------------------


@asynccontextmanager
async def matcher_process(clock_file: Path) -> AsyncIterator[tuple[str, MatcherSettings]]:
    """The matcher as its own process (no job worker) on a scratch database; (database URL, its settings)."""
    common = load_settings(CommonSettings)
    if common.database_url is not None:
        server = str(common.database_url)
    else:
        server = await asyncio.to_thread(start_embedded_server, common.embedded_pg_dir)
    database = f"bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server)
    await admin.execute(f'CREATE DATABASE "{database}"')
    url = with_database(server, database)
    with tempfile.TemporaryDirectory(prefix="affarstraff-bench-") as scratch:
        service = ScratchService("matcher", "services.matcher", free_port(), log_dir=Path(scratch))
        secret, token = "bench-link-secret-" + "x" * 32, generate_token()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("REGISTRY_", "MATCHER_", "WEB_", "DATABASE_"))}
        env |= {
            "DATABASE_URL": url,
            "LOG_LEVEL": "WARNING",
            "CLOCK_FILE": str(clock_file),
            "MATCHER_PORT": str(service.port),
            "MATCHER_PUBLIC_URL": service.url,
            "MATCHER_WORKERS": "0",
            "MATCHER_LINK_SECRET": secret,
            "MATCHER_SERVICE_TOKEN": token,
            "REGISTRY_URL": "http://127.0.0.1:9",  # not asked: every stand-by firm is in the snapshot
        }
        settings = MatcherSettings(database_url=url, link_secret=secret, service_token=token, workers=0)
        try:
            start(service, env)
            await wait_ready([service])
            yield url, settings
        finally:
            await asyncio.to_thread(stop, [service])
            await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            await admin.close()


async def publish_first(pool: asyncpg.Pool, settings: MatcherSettings, snapshot: EventSnapshot, result: Any) -> None:
    """Version 1 stored and published, its e-mails taken as read; live mode on; the stand-by list filled."""
    async with pool.acquire() as conn, conn.transaction():
        stored = Snapshot(snapshot.model_dump(mode="json"), snapshot.content_hash)
        await insert_version(
            conn, event_id=snapshot.event.id, job_id=None, based_on=None, snapshot=stored, venue="Lugnet, Falun",
            params={"mode": "fresh"}, result=result,
        )  # fmt: skip
        await publish_version(conn, settings, snapshot.event.id, 1, None)
        await conn.execute("UPDATE matcher.outbox SET delivered_at = now()")
        await conn.execute(
            "INSERT INTO matcher.event_day_settings (event_id, live_mode) VALUES ($1, true)", snapshot.event.id
        )


async def arrive(pool: asyncpg.Pool, event_id: uuid.UUID, firms: list[uuid.UUID], at: dt.datetime) -> None:
    async with pool.acquire() as conn, conn.transaction():
        for table, source in (("arrivals", "how"), ("standby", "source")):
            value = "qr" if table == "arrivals" else "arrived"
            column = "arrived_at" if table == "arrivals" else "since"
            await conn.executemany(
                f"INSERT INTO matcher.{table} (event_id, organisation_id, {column}, {source}) VALUES ($1, $2, $3, $4)",  # noqa: S608
                [(event_id, firm, at, value) for firm in firms],
            )


async def buyers_at_tables(pool: asyncpg.Pool, snapshot: EventSnapshot, at: dt.datetime) -> None:
    """Every buyer checked in: the live fill offers only tables whose buyer is at the venue."""
    await pool.executemany(
        "INSERT INTO matcher.arrivals (event_id, organisation_id, arrived_at, how) VALUES ($1, $2, $3, 'qr')",
        [(snapshot.event.id, buyer.organisation.id, at) for buyer in snapshot.buyers],
    )


async def no_show(pool: asyncpg.Pool, event_id: uuid.UUID, now: dt.datetime, standby: set) -> float | None:
    """Free one published meeting starting after the frozen horizon; seconds until its slot is filled."""
    slots = await pool.fetchval(
        "SELECT snapshot -> 'event' -> 'slots' FROM matcher.schedule_versions "
        "WHERE event_id = $1 AND status = 'published'",
        event_id,
    )
    open_slots = [s["index"] for s in slots if dt.datetime.fromisoformat(s["start"]) >= now + dt.timedelta(minutes=15)]
    meeting = await pool.fetchrow(
        "SELECT m.sme_id, m.buyer_id, m.slot, m.table_index FROM matcher.schedule_meetings m "
        "JOIN matcher.schedule_versions v ON v.id = m.version_id "
        "WHERE v.event_id = $1 AND v.status = 'published' AND m.slot = ANY($2::int[]) "
        "AND NOT m.sme_id = ANY($3::uuid[]) "
        "ORDER BY random() LIMIT 1",
        event_id, open_slots, list(standby),
    )  # fmt: skip
    if meeting is None:
        return None
    started = time.perf_counter()
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchval(
            "INSERT INTO matcher.freed_slots (event_id, buyer_id, slot, table_index, cause, sme_id, freed_at) "
            "VALUES ($1, $2, $3, $4, 'no_show', $5, $6) RETURNING id",
            event_id, meeting["buyer_id"], meeting["slot"], meeting["table_index"], meeting["sme_id"], now,
        )  # fmt: skip
        await conn.execute("SELECT pg_notify('matcher_live_fill', $1::text)", str(event_id))
    deadline, seconds = started + WAIT_SECONDS, None
    while time.perf_counter() < deadline:
        state = await pool.fetchval("SELECT state FROM matcher.freed_slots WHERE id = $1", row)
        if state != "open":
            seconds = time.perf_counter() - started if state == "filled" else None
            break
        await asyncio.sleep(0.002)
    else:  # nobody on the list fits (it stays open for a later arrival): out of the way of the next ones
        await pool.execute("UPDATE matcher.freed_slots SET state = 'expired' WHERE id = $1 AND state = 'open'", row)
    # The deliverer sends the e-mails within seconds (here: taken as sent, there is no mail server).
    await pool.execute("UPDATE matcher.outbox SET delivered_at = now() WHERE delivered_at IS NULL")
    return seconds


async def service_figures(snapshot: EventSnapshot, result: Any, standby: list[uuid.UUID], runs: int) -> None:
    event_id, day = snapshot.event.id, snapshot.event.date
    morning = dt.datetime.combine(day, dt.time(8, 30), STOCKHOLM).astimezone(dt.UTC)
    with tempfile.TemporaryDirectory(prefix="affarstraff-clock-") as scratch:
        clock_file = Path(scratch) / "clock"
        write_clock_file(clock_file, morning)
        async with matcher_process(clock_file) as (url, settings):
            pool = await asyncpg.create_pool(url, min_size=1, max_size=4, init=init_connection)
            try:
                started = time.perf_counter()
                await publish_first(pool, settings, snapshot, result)
                await arrive(pool, event_id, standby, morning)
                await buyers_at_tables(pool, snapshot, morning)
                print(f"service: version 1 stored and published in {time.perf_counter() - started:.1f} s", flush=True)
                waiting = set(standby)
                first = await no_show(pool, event_id, morning, waiting)
                cold = spread([first] if first else [])
                print(f"service: first no-show (encodes the snapshot once) → published: {cold}")
                one = [await no_show(pool, event_id, morning, waiting) for _ in range(runs)]
                print(f"service: one no-show → published new version: {spread([s for s in one if s])}", flush=True)
                across, step = [], max(0.5, (len(snapshot.event.slots) * MEETING_MINUTES - 60) / 50)
                for n in range(50):
                    now = morning + dt.timedelta(minutes=step * n)
                    write_clock_file(clock_file, now)
                    across.append(await no_show(pool, event_id, now, waiting))
                until = now.astimezone(STOCKHOLM)
                print(f"service: fifty freed slots from 08:30 to {until:%H:%M}: {spread([s for s in across if s])}")
                print("service: each of the fifty (ms): " + " ".join(f"{s * 1000:.0f}" if s else "–" for s in across))
                unfilled = sum(s is None for s in [*one, *across])
                number = await pool.fetchval(
                    "SELECT max(number) FROM matcher.schedule_versions WHERE event_id = $1", event_id
                )
                emails = await pool.fetchval(
                    "SELECT count(*) FROM matcher.outbox WHERE version > 1 AND channel = 'email'"
                )
                print(
                    f"service: {number - 1} new versions, {emails} e-mails queued, {unfilled} freed slots unfilled",
                    flush=True,
                )
            finally:
                await pool.close()


async def bench(args: argparse.Namespace) -> None:
    snapshot, result = planned_event(args.size, args.seed)
    standby = standby_firms(snapshot, result.meetings, args.standby)
    engine_figures(snapshot, result, standby, args.runs)
    await service_figures(snapshot, result, standby, args.runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="L", help="event size of benchmarks.matching")
    parser.add_argument("--runs", type=int, default=15, help="one-no-show measurements (after the first)")
    parser.add_argument("--standby", type=int, default=200, help="arrived SMEs on the stand-by list")
    parser.add_argument("--seed", type=int, default=0)
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
