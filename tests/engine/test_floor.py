"""The event's minimum relevance for a meeting: no stage picks a pair under it (fairness included), the bound
and the proven minimum of SMEs without a meeting are those of the floored problem, and the report says
what the floor cost."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from services.matcher.engine.encode import encode_snapshot
from services.matcher.engine.examples import example_snapshot
from services.matcher.engine.model import BipartiteInstance, apply_floor
from services.matcher.engine.pipeline import lock_conflict, plan_bipartite
from services.matcher.engine.quality import schedule_violations
from services.matcher.engine.select import select_meetings
from services.matcher.schedules.compute import ComputeRequest, Lock, compute_schedule
from shared.snapshot import EventSnapshot
from tests.engine.test_select import small_events


def snow_and_web() -> BipartiteInstance:
    """SME 0 clears snow, SME 1 builds web sites; the buyer wants a web site and has room for both."""
    relevance = np.array([[0.0], [0.8]])
    return BipartiteInstance(
        relevance, np.ones((2, 1), bool), np.zeros((2, 1), bool), np.array([2, 2]), np.array([1]),
        np.ones((2, 3), bool), np.ones((1, 3), bool),
    )  # fmt: skip


def test_without_a_floor_fairness_gives_the_snow_clearer_a_meeting_without_a_fit():
    result = plan_bipartite(snow_and_web())
    assert sorted(map(tuple, result.schedule.meetings[:, :2].tolist())) == [(0, 0), (1, 0)]
    assert result.report.zero_meeting_smes == 0


def test_under_a_floor_no_meeting_is_made_only_for_fairness_and_the_report_says_what_it_cost():
    floored = apply_floor(snow_and_web(), 0.2)
    result = plan_bipartite(floored)
    assert result.schedule.meetings[:, :2].tolist() == [[1, 0]]
    report = result.report
    assert (report.min_relevance, report.meetings_below_floor) == (0.2, 0)
    assert (report.zero_meeting_smes, report.min_zero_meeting_smes) == (1, 1)
    assert report.zero_meeting_smes_due_to_floor == 1 and report.smes_only_below_floor == 1
    assert report.bound == pytest.approx(0.8) and report.relevance == pytest.approx(0.8)


def test_must_meet_and_locked_pairs_stay_under_the_floor_and_are_counted():
    base = snow_and_web()
    must = BipartiteInstance(
        base.relevance, base.allowed, np.array([[True], [False]]), base.sme_capacity, base.buyer_tables,
        base.sme_available, base.buyer_available,
    )  # fmt: skip
    report = plan_bipartite(apply_floor(must, 0.2)).report
    assert report.must_meet_honoured == 1 and report.meetings_below_floor == 1
    locked = BipartiteInstance(
        base.relevance, base.allowed, base.must_meet, base.sme_capacity, base.buyer_tables, base.sme_available,
        base.buyer_available, np.array([[0, 0, 2]]),
    )  # fmt: skip
    result = plan_bipartite(apply_floor(locked, 0.2))
    assert [0, 0, 2] in result.schedule.meetings[:, :3].tolist() and result.report.meetings_below_floor == 1


def test_the_event_floor_comes_from_the_snapshot_and_defaults_to_20_percent():
    snapshot = example_snapshot().model_dump(mode="json")
    del snapshot["event"]["min_relevance_percent"]  # as a snapshot stored before the setting existed
    event = EventSnapshot.model_validate(snapshot)
    instance = encode_snapshot(event).instance
    assert instance.min_relevance == 0.2
    # The Mora builder has no fit with Falu kommun's cleaning need (relevance 0): no meeting under the floor.
    builder = [o.organisation.name for o in event.smes].index("Mora Bygg AB")
    assert instance.relevance[builder, 0] == 0 and not instance.allowed[builder, 0]
    assert instance.below_floor[builder, 0]
    result = compute_schedule(ComputeRequest(snapshot))
    assert [m.sme_id for m in result.meetings] == [event.smes[1 - builder].organisation.id]
    assert result.quality["zero_meeting_smes_due_to_floor"] == 1 and result.quality["meetings_below_floor"] == 0
    snapshot["event"]["min_relevance_percent"] = 0
    assert len(compute_schedule(ComputeRequest(snapshot)).meetings) == 2


def test_an_organiser_lock_keeps_a_meeting_under_the_floor():
    snapshot = example_snapshot().model_dump(mode="json")
    snapshot["event"]["min_relevance_percent"] = 20
    builder, buyer = example_snapshot().smes[1].organisation.id, example_snapshot().buyers[0].organisation.id
    result = compute_schedule(ComputeRequest(snapshot, locks=[Lock(builder, buyer, 2)]))
    assert (builder, buyer, 2) in {(m.sme_id, m.buyer_id, m.slot) for m in result.meetings}
    assert result.quality["meetings_below_floor"] == 1


def locked_beside_a_must_meet() -> BipartiteInstance:
    """The failure seen once in a full run: SME 1 is locked with buyer 0 in slot 0 and must meet buyer 1,
    who only comes in slot 0. Forcing that pair made the proven minimum 3 SMEs without a meeting; slotting
    dropped it and gave buyer 1's seat to SME 2, so the schedule had 2."""
    relevance = np.array([[0.0, 0.0], [0.0, 0.1], [0.0, 0.1], [0.0, 0.0]])
    must = np.zeros((4, 2), bool)
    must[1, 1] = True
    return BipartiteInstance(
        relevance, np.ones((4, 2), bool), must, np.full(4, 2), np.array([1, 1]), np.ones((4, 2), bool),
        np.array([[1, 1], [1, 0]], bool), np.array([[1, 0, 0]]),
    )  # fmt: skip


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_events(), st.sampled_from([0.05, 0.2, 0.4, 0.6, 0.9]))
@example(locked_beside_a_must_meet(), 0.05)
def test_no_selected_pair_is_under_the_floor_and_the_bound_holds_under_it(instance, floor):
    assume(not lock_conflict(instance))  # locks that cannot all be kept are an error, tested elsewhere
    floored = apply_floor(instance, floor)
    selection = select_meetings(floored)
    forced = np.zeros(instance.relevance.shape, bool)
    forced[instance.locked[:, 0], instance.locked[:, 1]] = True
    forced |= instance.must_meet
    for s, b in selection.pairs.tolist():
        assert instance.relevance[s, b] >= floor or forced[s, b], f"pair ({s}, {b}) is under the floor"
    result = plan_bipartite(floored)
    assert schedule_violations(floored, result.schedule) == []
    placed = result.schedule.meetings
    under = (instance.relevance[placed[:, 0], placed[:, 1]] < floor) & ~forced[placed[:, 0], placed[:, 1]]
    assert not under.any()
    # The bound and the proven minimum are the floored problem's: no schedule under the floor does better.
    assert result.report.bound >= result.report.relevance - 1e-9
    assert result.report.zero_meeting_smes >= result.report.min_zero_meeting_smes
    # What the floor cost: the proven minimum without it is the unfloored problem's own.
    unfloored = select_meetings(instance)
    assert selection.min_zero_without_floor == unfloored.min_zero_meeting_smes
    assert result.report.zero_meeting_smes_due_to_floor == (
        selection.min_zero_meeting_smes - unfloored.min_zero_meeting_smes
    )
    assert result.report.zero_meeting_smes_due_to_floor >= 0
