"""The quality report and the schedule checker on hand-made schedules whose figures can be checked by hand."""

from __future__ import annotations

import json

import numpy as np
import pytest

from services.matcher.engine.model import BipartiteInstance, GeneralInstance, GeneralSchedule, Schedule, Selection
from services.matcher.engine.quality import (
    breaks_per_row,
    general_quality_report,
    jain_index,
    quality_report,
    schedule_violations,
)


def days(*rows: str) -> np.ndarray:
    """Busy matrix from strings: 'X' a meeting, '.' idle."""
    return np.array([[c == "X" for c in row] for row in rows], dtype=bool)


@pytest.mark.parametrize(
    ("day", "breaks"),
    [("X.X", 1), ("XX..", 0), ("..XX", 0), ("....", 0), ("X..X", 1), ("X.X.X", 2), ("XX.XX.", 1), ("X", 0)],
)
def test_breaks_are_idle_runs_between_two_meetings(day: str, breaks: int) -> None:
    assert breaks_per_row(days(day)).tolist() == [breaks]


def test_jain_index_is_one_for_equal_loads_and_one_over_n_when_one_gets_all() -> None:
    assert jain_index(np.array([3, 3, 3, 3])) == 1.0
    assert jain_index(np.array([0, 0, 0])) == 1.0
    assert jain_index(np.array([4, 0, 0, 0])) == pytest.approx(0.25)
    assert jain_index(np.array([1, 2])) == pytest.approx(9 / 10)


def event(**overrides: object) -> BipartiteInstance:
    """3 SMEs × 2 buyers × 4 slots; buyer 1 staffs two tables; SME 2 must meet buyer 0."""
    fields: dict[str, object] = dict(
        relevance=np.array([[0.5, 0.25], [1.0, 0.0], [0.5, 0.5]]),
        allowed=np.ones((3, 2), bool),
        must_meet=np.array([[False, False], [False, False], [True, False]]),
        sme_capacity=np.array([2, 2, 2]),
        buyer_tables=np.array([1, 2]),
        sme_available=np.ones((3, 4), bool),
        buyer_available=np.ones((2, 4), bool),
    )
    fields.update(overrides)
    return BipartiteInstance(**fields)  # type: ignore[arg-type]


def selection(bound: float = 2.0, min_zero: int = 0) -> Selection:
    return Selection(
        np.array([[0, 0], [0, 1], [1, 0]]), bound=bound, min_zero_meeting_smes=min_zero, min_meetings_per_sme=0
    )


def test_report_on_a_hand_made_schedule() -> None:
    # SME 0: buyer 0 in slot 0, buyer 1 (table 1) in slot 2 → "X.X." one break.
    # SME 1: buyer 0 in slot 1 → no break. SME 2: nothing.
    # Buyer 0 (one table): slots 0, 1 → "XX.." no break. Buyer 1 table 1: slot 2 only; table 0 idle.
    schedule = Schedule(np.array([[0, 0, 0, 0], [0, 1, 2, 1], [1, 0, 1, 0]]))
    report = quality_report(event(), selection(bound=2.0), schedule, phase_seconds={"select": 0.5, "place": 0.25})
    assert report.meetings == 3
    assert report.relevance == pytest.approx(1.75)
    assert report.gap_percent == pytest.approx(12.5)  # (2 - 1.75) / 2
    assert report.zero_meeting_smes == 1
    assert (report.meetings_per_sme.min, report.meetings_per_sme.max) == (0, 2)
    assert report.meetings_per_sme.mean == pytest.approx(1.0)
    assert report.meetings_per_sme.jain == pytest.approx(9 / (3 * 5))
    assert (report.breaks_smes.total, report.breaks_smes.people, report.breaks_smes.without_break) == (1, 2, 1)
    assert (report.breaks_buyers.total, report.breaks_buyers.people, report.breaks_buyers.share_without) == (0, 2, 1.0)
    assert report.breaks_all.share_without == pytest.approx(3 / 4)
    assert report.table_utilisation == pytest.approx(3 / (1 * 4 + 2 * 4))
    assert (report.must_meet_honoured, report.must_meet_total) == (0, 1)
    assert report.total_seconds == pytest.approx(0.75)
    assert json.loads(report.model_dump_json())["gap_percent"] == pytest.approx(12.5)


def test_a_buyers_tables_are_separate_people() -> None:
    # Buyer 1's two tables each hold one meeting in slots 0 and 2: as one buyer "X.X." (a break), but
    # each table's person meets once, so nobody waits.
    schedule = Schedule(np.array([[0, 1, 0, 0], [2, 1, 2, 1]]))
    report = quality_report(event(), selection(), schedule)
    assert report.breaks_buyers.total == 0
    same_table = Schedule(np.array([[0, 1, 0, 0], [2, 1, 2, 0]]))
    assert quality_report(event(), selection(), same_table).breaks_buyers.total == 1


def test_gap_is_zero_when_the_bound_is_reached_or_zero() -> None:
    schedule = Schedule(np.array([[1, 0, 0, 0]]))
    assert quality_report(event(), selection(bound=1.0), schedule).gap_percent == 0.0
    assert quality_report(event(), selection(bound=0.0), Schedule(np.zeros((0, 4), np.int64))).gap_percent == 0.0


def test_unplaced_pairs_and_must_meet_are_counted() -> None:
    schedule = Schedule(np.array([[2, 0, 3, 0]]), unplaced=np.array([[0, 0], [1, 0]]))
    report = quality_report(event(), selection(min_zero=1), schedule)
    assert (report.unplaced_selected, report.must_meet_honoured, report.min_zero_meeting_smes) == (2, 1, 1)


@pytest.mark.parametrize(
    ("meetings", "expected"),
    [
        ([[0, 0, 0, 0], [0, 1, 0, 0]], "sme 0 meets twice in slot 0"),
        ([[0, 0, 0, 0], [1, 0, 0, 0]], "buyer 0 table 0 holds 2 meetings in slot 0"),
        ([[0, 0, 0, 0], [0, 0, 1, 0]], "pair (sme 0, buyer 0) meets twice"),
        ([[0, 0, 0, 1]], "buyer 0 has no table 1"),
        ([[0, 0, 9, 0]], "outside the instance"),
    ],
)
def test_violations_name_the_broken_rule(meetings: list[list[int]], expected: str) -> None:
    problems = schedule_violations(event(), Schedule(np.array(meetings)))
    assert any(expected in problem for problem in problems), problems


def test_violations_of_availability_forbidden_pairs_capacity_and_locks() -> None:
    instance = event(
        allowed=np.array([[True, False], [True, True], [True, True]]),
        sme_capacity=np.array([1, 2, 2]),
        sme_available=np.array([[True] * 4, [False, True, True, True], [True] * 4]),
        locked=np.array([[2, 1, 3]]),
    )
    problems = schedule_violations(instance, Schedule(np.array([[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 0]])))
    joined = "; ".join(problems)
    assert "pair (sme 0, buyer 1) is forbidden" in joined
    assert "sme 1 is not available in slot 0" in joined
    assert "sme 0 has more meetings than its capacity" in joined
    assert "locked meeting (sme 2, buyer 1, slot 3) moved" in joined
    assert schedule_violations(instance, Schedule(np.array([[0, 0, 0, 0], [2, 1, 3, 0]]))) == []


def test_general_report_recomputes_breaks_from_the_slots() -> None:
    instance = GeneralInstance(
        n_participants=3,
        n_slots=4,
        tables=2,
        meetings=np.array([[0, 1], [0, 2], [1, 2]]),
        session=np.zeros(3, np.int64),
        morning_slots=2,
        forbidden=np.zeros((3, 4), bool),
    )
    # p0: slots 0, 2 → one break; p1: 0, 1 → none; p2: 2, 1 → none.
    schedule = GeneralSchedule("feasible", np.array([0, 2, 1]), np.array([1, 0, 0]), 1, 0)
    report = general_quality_report(instance, schedule, seconds=0.5)
    assert (report.breaks.total, report.breaks.max, report.breaks_spread) == (1, 1, 1)
    assert report.breaks.share_without == pytest.approx(2 / 3)
    assert (report.status, report.lower_bound, report.seconds) == ("feasible", 0, 0.5)
    infeasible = GeneralSchedule("infeasible", np.zeros(0, np.int64), np.zeros(3, np.int64), 0, 0, "too many")
    assert general_quality_report(instance, infeasible).breaks.people == 0
