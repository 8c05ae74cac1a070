"""The slot grid of an event: when each meeting round starts and ends. Pure, no I/O.

Organisers think in local wall-clock times ("09:00 to 16:00, lunch 12:00–13:00") in the event's
IANA zone; the grid itself is laid out in real elapsed time (UTC), so a 20-minute meeting lasts
20 minutes even on the day the clocks change. A wall-clock time that does not exist (spring gap) or
exists twice (autumn overlap) is read with ``fold=0``: the offset in force before the change.

The registry (event read model, availability checks, the snapshot for the matcher; through
:mod:`services.registry.slots`) and the web's preview of the event form use :func:`slot_grid`, so the
slot indexes that registrations store mean the same everywhere and the preview shows what will be stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Break:
    """A pause in the day (lunch, coffee), in local wall-clock time."""

    start: time
    end: time
    label: str = ""


@dataclass(frozen=True, slots=True)
class Slot:
    """One meeting round: ``index`` in the grid, aware UTC ``start``/``end``, local-time ``label``."""

    index: int
    start: datetime
    end: datetime
    label: str


def _as_time(value: time | str) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


def as_break(value: Break | Mapping[str, Any] | tuple[Any, ...]) -> Break:
    """A break from a :class:`Break`, a ``{"start", "end", "label"}`` mapping or a ``(start, end)`` pair.

    Times may be :class:`datetime.time` or ISO strings ("12:00"), as stored in the events table's jsonb.

    Examples
    --------
    >>> as_break({"start": "12:00", "end": "13:00", "label": "Lunch"})
    Break(start=datetime.time(12, 0), end=datetime.time(13, 0), label='Lunch')
    """
    if isinstance(value, Break):
        return value
    if isinstance(value, Mapping):
        return Break(_as_time(value["start"]), _as_time(value["end"]), str(value.get("label") or ""))
    start, end, *rest = value
    return Break(_as_time(start), _as_time(end), str(rest[0]) if rest else "")


def local_to_utc(day: date, wall_clock: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time on ``day`` (``fold=0`` for gaps and overlaps).

    Examples
    --------
    >>> stockholm = ZoneInfo("Europe/Stockholm")
    >>> local_to_utc(date(2025, 3, 30), time(9, 0), stockholm).isoformat()  # summer time begins that night
    '2025-03-30T07:00:00+00:00'
    >>> local_to_utc(date(2025, 3, 29), time(9, 0), stockholm).isoformat()
    '2025-03-29T08:00:00+00:00'
    """
    return datetime.combine(day, wall_clock, tzinfo=zone).astimezone(UTC)


def slot_label(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """ "HH:MM–HH:MM" in local time (en dash, as Swedish typography writes time spans)."""
    return f"{start.astimezone(zone):%H:%M}–{end.astimezone(zone):%H:%M}"


def slot_grid(
    event_date: date,
    time_zone: str | ZoneInfo,
    day_start: time | str,
    day_end: time | str,
    meeting_minutes: int,
    changeover_minutes: int,
    breaks: Iterable[Break | Mapping[str, Any] | tuple[Any, ...]] = (),
) -> list[Slot]:
    """Lay out the meeting rounds of a day.

    The first meeting starts at ``day_start``; each is followed by ``changeover_minutes``. A meeting
    that would overlap a break starts when the break ends instead; nothing ends after ``day_end``.
    Placing every meeting as early as it can go gives the largest possible number of rounds.

    Parameters
    ----------
    event_date : date
        The day, in the event's zone.
    time_zone : str or ZoneInfo
        IANA zone of the wall-clock times, e.g. "Europe/Stockholm".
    day_start, day_end : time or str
        Local wall-clock bounds of the meeting day.
    meeting_minutes : int
        Length of one meeting (> 0).
    changeover_minutes : int
        Gap between consecutive meetings (>= 0).
    breaks : iterable of Break, mapping or (start, end) pairs
        Local wall-clock pauses; may be unordered.

    Returns
    -------
    list of Slot
        Ordered by start, indexes 0..n-1, times aware in UTC.

    Examples
    --------
    >>> grid = slot_grid(date(2025, 10, 7), "Europe/Stockholm", time(9, 0), time(10, 30), 20, 5,
    ...                  [{"start": "09:50", "end": "10:05", "label": "Kaffe"}])
    >>> [slot.label for slot in grid]
    ['09:00–09:20', '09:25–09:45', '10:05–10:25']
    >>> grid[0].start.isoformat()
    '2025-10-07T07:00:00+00:00'
    """
    if meeting_minutes <= 0 or changeover_minutes < 0:
        raise ValueError("meeting_minutes must be positive and changeover_minutes non-negative")
    zone = time_zone if isinstance(time_zone, ZoneInfo) else ZoneInfo(time_zone)
    start_of_day = local_to_utc(event_date, _as_time(day_start), zone)
    end_of_day = local_to_utc(event_date, _as_time(day_end), zone)
    pauses = sorted(
        (local_to_utc(event_date, pause.start, zone), local_to_utc(event_date, pause.end, zone))
        for pause in map(as_break, breaks)
    )
    meeting = timedelta(minutes=meeting_minutes)
    changeover = timedelta(minutes=changeover_minutes)

    slots: list[Slot] = []
    candidate = start_of_day
    while candidate + meeting <= end_of_day:
        # The first break the candidate meeting would overlap; any start before that break ends overlaps it too.
        blocking_end = next((end for start, end in pauses if start < candidate + meeting and candidate < end), None)
        if blocking_end is not None:
            candidate = blocking_end
            continue
        end = candidate + meeting
        slots.append(Slot(len(slots), candidate, end, slot_label(candidate, end, zone)))
        candidate = end + changeover
    return slots
