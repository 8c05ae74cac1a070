"""Pairs who met at an earlier event (issue 14): no candidates again unless one of them asked."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from services.matcher.engine.examples import example_snapshot
from services.matcher.engine.repeat_pairs import KEPT_EN, KEPT_SV, asked_pairs, repeat_exclusion
from services.matcher.schedules.compute import ComputeRequest, Lock, compute_schedule

CLEANER, BUILDER, BUYER = (
    example_snapshot().smes[0].organisation.id,
    example_snapshot().smes[1].organisation.id,
    example_snapshot().buyers[0].organisation.id,
)


def masks(shape: tuple[int, int]) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(bool, shape)


@settings(max_examples=60, deadline=None)
@given(st.tuples(st.integers(1, 5), st.integers(1, 5)).flatmap(lambda shape: st.tuples(masks(shape), masks(shape))))
def test_exclusion_takes_out_exactly_the_unasked_repeats(pair: tuple[np.ndarray, np.ndarray]):
    met, asked = pair
    excluded = repeat_exclusion(met, asked)
    assert not (excluded & asked).any()  # nobody who asked is kept apart
    assert not (excluded & ~met).any()  # nor a pair that never met
    assert (excluded | asked | ~met).all()  # every other repeat pair is out


def test_asked_pairs_reads_ranked_needs_wishes_rules_and_locks():
    rank = np.array([[0, -1, 0], [0, 0, 0], [0, 0, 0]])  # SME 0 wants need 1 (buyer 1) without a rank
    wish = np.zeros((3, 2), bool)
    wish[1, 0] = True
    must = np.zeros((3, 2), bool)
    must[2, 1] = True
    asked = asked_pairs(rank, np.array([0, 1, 1]), wish, must, np.array([[2, 0, 0]]))
    assert asked.astype(int).tolist() == [[0, 1], [1, 0], [1, 1]]


def _snapshot() -> dict:
    return example_snapshot().model_dump(mode="json")


def test_the_unasked_repeat_pair_is_not_planned_and_the_report_counts_it():
    first = compute_schedule(ComputeRequest(_snapshot()))
    assert {(m.sme_id, m.buyer_id) for m in first.meetings} == {(CLEANER, BUYER), (BUILDER, BUYER)}
    assert first.quality["repeat_pairs_avoided"] == 0

    # Both pairs met before. The cleaner ranked the buyer's need (and the buyer wished for it): it stays,
    # and says why; nobody asked for the builder, so its meeting goes.
    again = compute_schedule(ComputeRequest(_snapshot(), met_before=[(CLEANER, BUYER), (BUILDER, BUYER)]))
    assert [(m.sme_id, m.buyer_id) for m in again.meetings] == [(CLEANER, BUYER)]
    assert again.quality["repeat_pairs_avoided"] == 1
    why = again.meetings[0].explanation
    assert why["met_before"] is True and why["sentence_sv"].endswith(KEPT_SV) and why["sentence_en"].endswith(KEPT_EN)
    assert "met_before" not in first.meetings[0].explanation


def test_a_lock_or_a_wish_keeps_the_repeat_pair():
    snapshot = _snapshot()
    locked = compute_schedule(ComputeRequest(snapshot, met_before=[(BUILDER, BUYER)], locks=[Lock(BUILDER, BUYER, 0)]))
    assert (BUILDER, BUYER) in {(m.sme_id, m.buyer_id) for m in locked.meetings}
    assert locked.quality["repeat_pairs_avoided"] == 0

    need_id = snapshot["needs"][0]["id"]
    snapshot["smes"][1]["wanted_needs"] = [{"need_id": need_id, "rank": 1}]
    wished = compute_schedule(ComputeRequest(snapshot, met_before=[(BUILDER, BUYER)]))
    assert (BUILDER, BUYER) in {(m.sme_id, m.buyer_id) for m in wished.meetings}


def test_a_replan_keeps_the_unasked_repeat_pair_apart_too():
    first = compute_schedule(ComputeRequest(_snapshot()))
    replanned = compute_schedule(
        ComputeRequest(_snapshot(), mode="replan", previous=first.meetings, met_before=[(BUILDER, BUYER)])
    )
    assert [(m.sme_id, m.buyer_id) for m in replanned.meetings] == [(CLEANER, BUYER)]
    assert replanned.quality["repeat_pairs_avoided"] == 1
