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

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import numpy as np

from services.matcher.engine.examples import synthetic_snapshot
from shared.snapshot import EventSnapshot, content_hash

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MEETING_MINUTES = 20


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
