"""Re-planning: unaffected meetings stay put, cancelled parties vanish, freed time is refilled."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.matcher.engine.model import BipartiteInstance, InstanceError, Schedule, Selection
from services.matcher.engine.replan import replan
from services.matcher.engine.slotting import place_meetings


def event(relevance, *, slots=3, tables=None, caps=None, sme_av=None, buyer_av=None) -> BipartiteInstance:
    relevance = np.asarray(relevance, dtype=float)
    smes, buyers = relevance.shape
    return BipartiteInstance(
        relevance=relevance,
        allowed=relevance > 0,
        must_meet=np.zeros((smes, buyers), bool),
        sme_capacity=np.full(smes, slots) if caps is None else np.asarray(caps),
        buyer_tables=np.ones(buyers, np.int64) if tables is None else np.asarray(tables),
        sme_available=np.ones((smes, slots), bool) if sme_av is None else np.asarray(sme_av, bool),
        buyer_available=np.ones((buyers, slots), bool) if buyer_av is None else np.asarray(buyer_av, bool),
    )


def assert_valid(inst: BipartiteInstance, rows: np.ndarray) -> None:
    s, b, t, k = np.asarray(rows).reshape(-1, 4).T
    assert len(set(zip(s.tolist(), t.tolist(), strict=True))) == len(s)
    assert len(set(zip(b.tolist(), k.tolist(), t.tolist(), strict=True))) == len(s)
    assert len(set(zip(s.tolist(), b.tolist(), strict=True))) == len(s)
    assert np.all((k >= 0) & (k < inst.buyer_tables[b]))
    assert np.all(inst.sme_available[s, t] & inst.buyer_available[b, t] & inst.allowed[s, b])
    assert np.all(np.bincount(s, minlength=inst.shape[0]) <= inst.effective_sme_capacity()) or len(s) == 0


def triples(rows) -> set[tuple[int, int, int]]:
    return {(s, b, t) for s, b, t, _ in np.asarray(rows).reshape(-1, 4).tolist()}


def test_cancelled_buyer_frees_time_that_goes_to_the_best_waiting_pair():
    inst = event([[0.9, 0.5, 0.0], [0.4, 0.8, 0.7]], caps=[1, 1])
    published = Schedule(np.array([[0, 0, 0, 0], [1, 1, 0, 0]]))
    schedule, diff = replan(inst, published, cancelled_buyers=[1])
    assert diff.kept[:, :3].tolist() == [[0, 0, 0]]
    assert diff.removed.tolist() == [[1, 1, 0, 0]] and diff.reasons == ("buyer 1 cancelled",)
    assert diff.added[:, :2].tolist() == [[1, 2]]  # 0.7 beats 0.4 for SME 1
    assert_valid(inst, schedule.meetings)


def test_cancelled_sme_leaves_and_its_buyer_meets_someone_waiting():
    inst = event([[0.9], [0.6], [0.3]], caps=[1, 1, 1], slots=2)
    published = Schedule(np.array([[0, 0, 0, 0], [1, 0, 1, 0]]), unplaced=np.array([[2, 0]]))
    schedule, diff = replan(inst, published, cancelled_smes=[0])
    assert triples(diff.kept) == {(1, 0, 1)}
    assert schedule.meetings[:, :3].tolist() == [[1, 0, 1], [2, 0, 0]]
    assert len(schedule.unplaced) == 0


def test_meeting_whose_slot_is_gone_moves_to_another_slot():
    before = event([[0.9, 0.5]])
    published = place_meetings(before, Selection(np.array([[0, 0], [0, 1]]), 1.4, 0, 1))
    slot = int(published.meetings[published.meetings[:, 1] == 0, 2][0])
    buyer_av = np.ones((2, 3), bool)
    buyer_av[0, slot] = False  # buyer 0 has to leave during that slot
    after = replace(before, buyer_available=buyer_av)
    schedule, diff = replan(after, published)
    assert diff.reasons == (f"buyer 0 is no longer available in slot {slot}",)
    assert diff.moved_pairs.tolist() == [[0, 0]]
    assert sorted(schedule.meetings[:, :2].tolist()) == [[0, 0], [0, 1]]
    assert_valid(after, schedule.meetings)


def test_late_sign_up_is_appended_and_gets_free_tables():
    inst = event([[0.9, 0.0], [0.0, 0.8]], tables=[1, 1])
    published = Schedule(np.array([[0, 0, 1, 0], [1, 1, 1, 0]]))
    late = event([[0.9, 0.0], [0.0, 0.8], [0.5, 0.6]], tables=[1, 1], caps=[3, 3, 2])  # SME 2 signed up late
    schedule, diff = replan(late, published, new_pairs=[[2, 0], [2, 1]])
    assert triples(diff.kept) == triples(published.meetings)
    assert sorted(diff.added[:, :2].tolist()) == [[2, 0], [2, 1]]
    assert_valid(late, schedule.meetings)
    del inst


def test_out_of_range_cancellation_is_named():
    inst = event([[0.9]])
    with pytest.raises(InstanceError) as error:
        replan(inst, Schedule(np.array([[0, 0, 0, 0]])), cancelled_buyers=[3])
    assert error.value.item == "cancelled_buyers"


def test_previous_meeting_outside_the_instance_is_named():
    inst = event([[0.9]])
    with pytest.raises(InstanceError) as error:
        replan(inst, Schedule(np.array([[0, 0, 0, 0], [0, 2, 1, 0]])))
    assert error.value.item == "previous.meetings[1]"


@st.composite
def published_event(draw):
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    smes, buyers, slots = draw(st.integers(1, 8)), draw(st.integers(1, 4)), draw(st.integers(1, 5))
    relevance = np.where(rng.random((smes, buyers)) < 0.8, np.round(rng.random((smes, buyers)), 2), 0.0)
    inst = BipartiteInstance(
        relevance=relevance,
        allowed=relevance > 0,
        must_meet=np.zeros((smes, buyers), bool),
        sme_capacity=rng.integers(1, slots + 1, size=smes),
        buyer_tables=rng.integers(1, 3, size=buyers),
        sme_available=rng.random((smes, slots)) < 0.8,
        buyer_available=rng.random((buyers, slots)) < 0.8,
    )
    pairs = np.argwhere(relevance > 0)
    pairs = pairs[rng.random(len(pairs)) < 0.6]
    keep, load = [], np.zeros(smes, int)
    for s, b in pairs.tolist():
        if load[s] < inst.effective_sme_capacity()[s]:
            keep.append((s, b))
            load[s] += 1
    published = place_meetings(inst, Selection(np.array(keep, np.int64).reshape(-1, 2), 0.0, 0, 0), seed=seed)
    cancelled_smes = [s for s in range(smes) if rng.random() < 0.25]
    cancelled_buyers = [b for b in range(buyers) if rng.random() < 0.25]
    return inst, published, cancelled_smes, cancelled_buyers, seed


@settings(max_examples=80, deadline=None)
@given(published_event())
def test_replan_keeps_unaffected_meetings_and_never_schedules_cancelled_parties(case):
    inst, published, gone_smes, gone_buyers, seed = case
    schedule, diff = replan(inst, published, cancelled_smes=gone_smes, cancelled_buyers=gone_buyers, seed=seed)
    final = schedule.meetings
    assert_valid(inst, final)
    assert not np.isin(final[:, 0], gone_smes).any() and not np.isin(final[:, 1], gone_buyers).any()
    unaffected = published.meetings[
        ~np.isin(published.meetings[:, 0], gone_smes) & ~np.isin(published.meetings[:, 1], gone_buyers)
    ]
    assert triples(unaffected) <= triples(final)  # nothing else changed, so every one of them stays put
    assert triples(diff.kept) == triples(unaffected)
    assert len(diff.kept) + len(diff.removed) == len(published.meetings) == len(diff.reasons) + len(diff.kept)
    assert triples(diff.kept) | triples(diff.added) == triples(final)
    # Freed time is used: no waiting pair could still be put straight into a free slot.
    busy_sme = {(s, t) for s, _, t, _ in final.tolist()}
    busy_seat = {(b, k, t) for _, b, t, k in final.tolist()}
    load = np.bincount(final[:, 0], minlength=inst.shape[0])
    met = {(s, b) for s, b, _, _ in final.tolist()}
    for s, b in np.argwhere(inst.allowed).tolist():
        if s in gone_smes or b in gone_buyers or (s, b) in met or load[s] >= inst.effective_sme_capacity()[s]:
            continue
        for t in range(inst.shape[2]):
            if inst.sme_available[s, t] and inst.buyer_available[b, t] and (s, t) not in busy_sme:
                assert all((b, k, t) in busy_seat for k in range(inst.buyer_tables[b])), (s, b, t)


def test_break_cost_keeps_out_meetings_that_would_open_a_gap():
    inst = event([[0.9, 0.5]], buyer_av=[[1, 1, 1], [0, 0, 1]])
    published = Schedule(np.array([[0, 0, 0, 0]]))  # buyer 1 can only meet in slot 2: SME 0 would wait in slot 1
    filled, _ = replan(inst, published)
    strict, diff = replan(inst, published, break_cost=1.0)
    assert filled.meetings[:, :3].tolist() == [[0, 0, 0], [0, 1, 2]]
    assert strict.meetings[:, :3].tolist() == [[0, 0, 0]] and len(diff.added) == 0
