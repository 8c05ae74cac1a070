"""Must-meet pairs are forced only if they fit in slots together beside the locked meetings, and the
pipeline's schedule keeps every forced pair: the proven minimum of SMEs without a meeting is proven for
schedules that keep them, so no schedule the pipeline returns has fewer."""

from __future__ import annotations

import numpy as np

from services.matcher.engine import pipeline
from services.matcher.engine.model import BipartiteInstance, Schedule, apply_floor
from services.matcher.engine.must_fit import fitting_slots
from services.matcher.engine.pipeline import plan_bipartite
from services.matcher.engine.quality import schedule_violations
from services.matcher.engine.select import select_meetings
from tests.engine.test_floor import locked_beside_a_must_meet


def one_slot_buyers() -> BipartiteInstance:
    """SME 0 must meet buyers 0 and 1, who both come in slot 0 only; SME 1 could meet either of them."""
    return BipartiteInstance(
        np.array([[0.5, 0.5], [0.3, 0.3]]), np.ones((2, 2), bool), np.array([[1, 1], [0, 0]], bool),
        np.array([2, 2]), np.array([1, 1]), np.ones((2, 2), bool), np.array([[1, 0], [1, 0]], bool),
    )  # fmt: skip


def test_a_must_meet_pair_whose_only_slot_is_locked_is_not_forced():
    event = apply_floor(locked_beside_a_must_meet(), 0.05)
    selection = select_meetings(event)
    assert selection.unmet_must.tolist() == [[1, 1]]
    assert selection.reasons == ("no common slot is left beside the locked and other must-meet meetings",)
    assert selection.min_zero_meeting_smes == 2 and selection.forced_slots.tolist() == []
    result = plan_bipartite(event)
    assert result.report.zero_meeting_smes == result.report.min_zero_meeting_smes == 2


def test_two_must_meet_pairs_needing_the_same_slot_keep_one_and_the_minimum_holds():
    selection = select_meetings(one_slot_buyers())
    assert len(selection.unmet_must) == 1 and len(selection.forced_slots) == 1
    result = plan_bipartite(one_slot_buyers())
    assert schedule_violations(one_slot_buyers(), result.schedule) == []
    assert result.report.zero_meeting_smes == result.report.min_zero_meeting_smes == 0


def test_without_window_cuts_the_plain_b_matching_forces_both():
    assert len(select_meetings(one_slot_buyers(), window_cuts=False).unmet_must) == 0


def test_pairs_that_fit_together_are_all_kept_with_a_valid_placement():
    event = one_slot_buyers()
    slots = fitting_slots(event, np.array([0, 1]), np.array([0, 1]), np.array([0, 1]))
    assert slots.tolist() == [0, 0]
    assert fitting_slots(event, np.array([0, 0]), np.array([0, 1]), np.array([1, 0])).tolist() == [-1, 0]


def test_the_pipeline_pins_forced_pairs_that_slotting_left_out(monkeypatch):
    event = BipartiteInstance(
        np.array([[0.5], [0.3]]), np.ones((2, 1), bool), np.array([[True], [False]]), np.array([1, 1]),
        np.array([1]), np.ones((2, 2), bool), np.array([[1, 0]], bool),
    )  # fmt: skip
    real = pipeline.place_meetings

    def clumsy(instance, selection, **kwargs):  # as if the heuristics (or their time share) failed
        if not len(instance.locked):
            return Schedule(np.array([[1, 0, 0, 0]]), unplaced=np.array([[0, 0]]))
        return real(instance, selection, **kwargs)

    monkeypatch.setattr(pipeline, "place_meetings", clumsy)
    result = plan_bipartite(event)
    assert result.schedule.meetings[:, :3].tolist() == [[0, 0, 0]]
    assert result.report.zero_meeting_smes >= result.report.min_zero_meeting_smes
