"""Properties of the slot grid (pure; no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.slot_grid import Break, Slot, local_to_utc, slot_grid

ZONES = ["Europe/Stockholm", "UTC", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
# Days on which clocks change in some of those zones, plus ordinary ones.
DAYS = [date(2025, 3, 30), date(2025, 10, 26), date(2025, 3, 9), date(2025, 11, 2), date(2025, 4, 6), date(2025, 6, 2)]


def minute_of_day(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


@st.composite
def grids(draw: st.DrawFn) -> dict:
    start = draw(st.integers(0, 22 * 60))
    end = draw(st.integers(start + 1, 24 * 60 - 1))
    edges = sorted(draw(st.lists(st.integers(start, end), max_size=8, unique=True)))
    # Consecutive pairs of distinct sorted minutes: non-overlapping breaks inside the day.
    breaks = [
        Break(minute_of_day(a), minute_of_day(b), "paus")
        for a, b in zip(edges[0::2], edges[1::2], strict=False)
        if b > a
    ]
    return {
        "event_date": draw(st.sampled_from(DAYS)),
        "time_zone": draw(st.sampled_from(ZONES)),
        "day_start": minute_of_day(start),
        "day_end": minute_of_day(end),
        "meeting_minutes": draw(st.integers(5, 120)),
        "changeover_minutes": draw(st.integers(0, 60)),
        "breaks": draw(st.permutations(breaks)),
    }


def utc_bounds(spec: dict) -> tuple[datetime, datetime, list[tuple[datetime, datetime]]]:
    zone = ZoneInfo(spec["time_zone"])
    day = spec["event_date"]
    pauses = [(local_to_utc(day, b.start, zone), local_to_utc(day, b.end, zone)) for b in spec["breaks"]]
    return local_to_utc(day, spec["day_start"], zone), local_to_utc(day, spec["day_end"], zone), pauses


def fits(start: datetime, spec: dict, grid: list[Slot]) -> bool:
    """Could one more meeting start at ``start`` without breaking any rule?"""
    day_start, day_end, pauses = utc_bounds(spec)
    end = start + timedelta(minutes=spec["meeting_minutes"])
    gap = timedelta(minutes=spec["changeover_minutes"])
    if start < day_start or end > day_end:
        return False
    if any(b_start < end and start < b_end for b_start, b_end in pauses):
        return False
    return all(end + gap <= slot.start or slot.end + gap <= start for slot in grid)


@settings(max_examples=300, deadline=None)
@given(grids())
def test_grid_invariants(spec: dict) -> None:
    grid = slot_grid(**spec)
    day_start, day_end, pauses = utc_bounds(spec)
    meeting = timedelta(minutes=spec["meeting_minutes"])
    gap = timedelta(minutes=spec["changeover_minutes"])

    assert [slot.index for slot in grid] == list(range(len(grid)))
    for slot in grid:
        assert slot.start.tzinfo is not None and slot.start.utcoffset() == timedelta(0)
        assert slot.end - slot.start == meeting
        assert day_start <= slot.start and slot.end <= day_end
        assert not any(b_start < slot.end and slot.start < b_end for b_start, b_end in pauses)
    for earlier, later in pairwise(grid):
        assert earlier.end + gap <= later.start  # ordered, never overlapping, change-over respected

    # Maximal: no further meeting fits at any whole minute of the day (all inputs are whole minutes).
    minute = day_start
    while minute + meeting <= day_end:
        assert not fits(minute, spec, grid), f"a meeting would still fit at {minute}"
        minute += timedelta(minutes=1)


def test_labels_are_local_and_times_utc() -> None:
    grid = slot_grid(date(2025, 5, 20), "Europe/Stockholm", "09:00", "10:00", 20, 5, [("09:45", "09:50")])
    assert [slot.label for slot in grid] == ["09:00–09:20", "09:25–09:45"]
    assert grid[0].start == datetime(2025, 5, 20, 7, 0, tzinfo=UTC)


def test_meeting_resumes_when_break_ends() -> None:
    grid = slot_grid(date(2025, 5, 20), "Europe/Stockholm", "11:30", "13:30", 20, 10, [Break(time(12), time(13))])
    assert [slot.label for slot in grid] == ["11:30–11:50", "13:00–13:20"]


def test_meetings_last_real_minutes_across_the_spring_gap() -> None:
    # 01:30–03:30 on the night summer time begins is one real hour: 02:00 local does not exist.
    grid = slot_grid(date(2025, 3, 30), "Europe/Stockholm", "01:30", "03:30", 15, 0)
    assert len(grid) == 4
    assert grid[-1].end == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)
    assert grid[-1].label == "03:15–03:30"


def test_autumn_day_has_an_extra_hour() -> None:
    grid = slot_grid(date(2025, 10, 26), "Europe/Stockholm", "01:00", "04:00", 60, 0)
    assert len(grid) == 4  # 01:00 CEST to 04:00 CET is four real hours


def test_no_room_gives_an_empty_grid() -> None:
    assert slot_grid(date(2025, 5, 20), "UTC", "09:00", "09:10", 20, 5) == []
