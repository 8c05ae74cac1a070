"""The baselines: hand-checkable choices on tiny events, and valid schedules on random ones (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.matcher.engine.baselines import BASELINES, first_come_first_served, round_by_round_matching
from services.matcher.engine.generator import synthetic_event
from services.matcher.engine.model import BipartiteInstance
from services.matcher.engine.quality import schedule_violations


def tiny(relevance: list[list[float]], slots: int = 1, capacity: int = 1, tables: int = 1) -> BipartiteInstance:
    rel = np.array(relevance)
    smes, buyers = rel.shape
    return BipartiteInstance(
        relevance=rel,
        allowed=np.ones_like(rel, dtype=bool),
        must_meet=np.zeros_like(rel, dtype=bool),
        sme_capacity=np.full(smes, capacity),
        buyer_tables=np.full(buyers, tables),
        sme_available=np.ones((smes, slots), bool),
        buyer_available=np.ones((buyers, slots), bool),
    )


def test_first_come_first_served_follows_sign_up_order() -> None:
    # SME 0 signed up first, takes its best buyer 0; SME 1 wanted buyer 0 too and gets nothing.
    schedule = first_come_first_served(tiny([[0.9, 0.5], [0.8, 0.0]]))
    assert schedule.meetings.tolist() == [[0, 0, 0, 0]]


def test_first_come_first_served_takes_the_earliest_free_slot() -> None:
    schedule = first_come_first_served(tiny([[0.9, 0.5], [0.8, 0.0]], slots=3, capacity=2))
    assert schedule.meetings.tolist() == [[0, 0, 0, 0], [0, 1, 1, 0], [1, 0, 1, 0]]


def test_round_by_round_matches_for_the_most_relevance_in_each_slot() -> None:
    schedule = round_by_round_matching(tiny([[0.9, 0.5], [0.8, 0.0]]))
    assert schedule.meetings.tolist() == [[0, 1, 0, 0], [1, 0, 0, 0]]  # 0.5 + 0.8 > 0.9


def test_round_by_round_uses_every_table_of_a_buyer() -> None:
    schedule = round_by_round_matching(tiny([[0.9], [0.8], [0.7]], tables=2))
    assert sorted(schedule.meetings[:, [0, 3]].tolist()) in ([[0, 0], [1, 1]], [[0, 1], [1, 0]])


@pytest.mark.parametrize("baseline", BASELINES.values(), ids=BASELINES.keys())
def test_must_meet_pairs_come_first_and_locks_stay(baseline) -> None:
    instance = BipartiteInstance(
        relevance=np.array([[0.9, 0.1], [0.8, 0.7]]),
        allowed=np.ones((2, 2), bool),
        must_meet=np.array([[False, True], [False, False]]),
        sme_capacity=np.array([1, 1]),
        buyer_tables=np.array([1, 1]),
        sme_available=np.ones((2, 2), bool),
        buyer_available=np.ones((2, 2), bool),
        locked=np.array([[1, 0, 1]]),
    )
    meetings = baseline(instance).meetings.tolist()
    assert [0, 1] in [row[:2] for row in meetings]
    assert [1, 0, 1] in [row[:3] for row in meetings]
    assert schedule_violations(instance, baseline(instance)) == []


@st.composite
def instances(draw: st.DrawFn) -> BipartiteInstance:
    smes, buyers, slots = draw(st.integers(1, 7)), draw(st.integers(1, 4)), draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    relevance = np.round(rng.random((smes, buyers)) * (rng.random((smes, buyers)) < 0.7), 2)
    allowed = rng.random((smes, buyers)) < 0.9
    must_meet = allowed & (rng.random((smes, buyers)) < 0.15)
    capacity = rng.integers(0, slots + 2, size=smes)
    tables = rng.integers(0, 3, size=buyers)
    sme_available = rng.random((smes, slots)) < 0.7
    buyer_available = rng.random((buyers, slots)) < 0.7
    # A few locks that a valid schedule can keep: free SME and table, both available, within capacity.
    locked, sme_used, table_used, pair_used = [], set(), {}, set()
    for _ in range(draw(st.integers(0, 3))):
        s, b, t = int(rng.integers(smes)), int(rng.integers(buyers)), int(rng.integers(slots))
        load = sum(1 for lock in locked if lock[0] == s)
        if (
            allowed[s, b]
            and sme_available[s, t]
            and buyer_available[b, t]
            and (s, t) not in sme_used
            and (s, b) not in pair_used
            and table_used.get((b, t), 0) < tables[b]
            and load < capacity[s]
        ):
            locked.append((s, b, t))
            sme_used.add((s, t))
            pair_used.add((s, b))
            table_used[(b, t)] = table_used.get((b, t), 0) + 1
    return BipartiteInstance(
        relevance=relevance,
        allowed=allowed,
        must_meet=must_meet,
        sme_capacity=capacity,
        buyer_tables=tables,
        sme_available=sme_available,
        buyer_available=buyer_available,
        locked=np.array(locked, dtype=np.int64).reshape(-1, 3),
    )


@pytest.mark.parametrize("baseline", BASELINES.values(), ids=BASELINES.keys())
@settings(max_examples=80, deadline=None)
@given(instance=instances())
def test_baselines_produce_valid_schedules(baseline, instance: BipartiteInstance) -> None:
    schedule = baseline(instance)
    assert schedule_violations(instance, schedule) == []
    m = schedule.meetings
    # Only pairs with a reason to meet (or organiser must-meet), and never a forbidden one.
    wanted = instance.allowed & ((instance.relevance > 0) | instance.must_meet)
    locked = {tuple(row) for row in instance.locked.tolist()}
    assert all(wanted[s, b] or (s, b, t) in locked for s, b, t, _ in m.tolist())
    assert not m.flags.writeable


def test_baselines_on_a_generated_event_are_valid() -> None:
    instance = synthetic_event("S", seed=3)
    for baseline in BASELINES.values():
        assert schedule_violations(instance, baseline(instance)) == []
