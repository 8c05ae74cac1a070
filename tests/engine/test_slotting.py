"""Slotting (bipartite mode) and polishing: hand-checkable cases, König's guarantee, invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.matcher.engine.model import BipartiteInstance, InstanceError, Schedule, Selection
from services.matcher.engine.polish import count_breaks, drop_for_breaks, polish
from services.matcher.engine.slotting import place_meetings


def instance(relevance, *, caps=None, tables=None, sme_av=None, buyer_av=None, slots=3, locked=(), must=None):
    relevance = np.asarray(relevance, dtype=float)
    smes, buyers = relevance.shape
    return BipartiteInstance(
        relevance=relevance,
        allowed=np.ones((smes, buyers), bool),
        must_meet=np.zeros((smes, buyers), bool) if must is None else np.asarray(must, bool),
        sme_capacity=np.full(smes, slots) if caps is None else np.asarray(caps),
        buyer_tables=np.ones(buyers, np.int64) if tables is None else np.asarray(tables),
        sme_available=np.ones((smes, slots), bool) if sme_av is None else np.asarray(sme_av, bool),
        buyer_available=np.ones((buyers, slots), bool) if buyer_av is None else np.asarray(buyer_av, bool),
        locked=np.asarray(locked, dtype=np.int64).reshape(-1, 3),
    )


def selection(pairs) -> Selection:
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    return Selection(pairs=pairs, bound=0.0, min_zero_meeting_smes=0, min_meetings_per_sme=0)


def assert_valid(
    inst: BipartiteInstance, schedule: Schedule, pairs: np.ndarray | None = None, *, fill: bool = True
) -> None:
    """Hard rules: single-booked people, tables that exist, availability, allowed and distinct pairs."""
    rows = np.asarray(schedule.meetings).reshape(-1, 4)
    s, b, t, k = rows.T
    assert len({(x, y) for x, y in zip(s.tolist(), t.tolist(), strict=True)}) == len(rows), "SME double-booked"
    seats = set(zip(b.tolist(), k.tolist(), t.tolist(), strict=True))
    assert len(seats) == len(rows), "table double-booked"
    assert np.all((k >= 0) & (k < inst.buyer_tables[b])), "table not staffed"
    assert np.all(inst.sme_available[s, t] & inst.buyer_available[b, t]), "outside availability"
    assert np.all(inst.allowed[s, b]), "forbidden pair meets"
    assert len(set(zip(s.tolist(), b.tolist(), strict=True))) == len(rows), "pair meets twice"
    placed = {(x, y, z) for x, y, z in rows[:, :3].tolist()}
    assert {tuple(r) for r in inst.locked.tolist()} <= placed, "locked meeting moved"
    assert np.all(np.bincount(s, minlength=inst.shape[0]) <= inst.effective_sme_capacity()), "SME over its cap"
    if pairs is not None:
        unplaced = np.asarray(schedule.unplaced).reshape(-1, 2)
        locked_pairs = {(x, y) for x, y, _ in inst.locked.tolist()}
        selected = {(x, y) for x, y in np.asarray(pairs).tolist()} | locked_pairs
        got = [(x, y) for x, y in rows[:, :2].tolist()] + [(x, y) for x, y in unplaced.tolist()]
        assert len(set(got)) == len(got) and selected <= set(got), "a selected pair is neither placed nor unplaced"
        if not fill:
            assert sorted(got) == sorted(selected), "placed + unplaced != selected"
        # The fill pass adds pairs worth at most what was left out (so relevance stays within the bound).
        extra = np.array(sorted(set(got) - selected), dtype=np.int64).reshape(-1, 2)
        lost = inst.relevance[unplaced[:, 0], unplaced[:, 1]].sum()
        assert inst.relevance[extra[:, 0], extra[:, 1]].sum() <= lost + 1e-9, "fill worth more than what was lost"


# --------------------------------------------------------------------------- hand-checkable cases
def test_three_smes_two_buyers_three_slots_all_fit_without_windows():
    inst = instance([[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]], caps=[2, 2, 2])
    pairs = [[0, 0], [0, 1], [1, 0], [1, 1], [2, 0], [2, 1]]  # every buyer holds 3 = tables × slots
    schedule = place_meetings(inst, selection(pairs))
    assert_valid(inst, schedule, np.array(pairs))
    assert len(schedule.unplaced) == 0


def test_pair_without_a_common_slot_is_reported_unplaced():
    inst = instance([[0.9, 0.5]], sme_av=[[1, 0, 0]], buyer_av=[[0, 1, 1], [1, 1, 1]])
    schedule = place_meetings(inst, selection([[0, 0], [0, 1]]))
    assert schedule.meetings[:, :3].tolist() == [[0, 1, 0]]
    assert schedule.unplaced.tolist() == [[0, 0]]


def test_when_two_cannot_both_fit_the_more_relevant_meeting_stays():
    # Both SMEs can only come in slot 0 and buyer 0 has one table: one meeting is dropped, the cheaper one.
    for low, high in ((0, 1), (1, 0)):
        relevance = np.zeros((2, 1))
        relevance[high, 0], relevance[low, 0] = 0.9, 0.2
        inst = instance(relevance, sme_av=[[1, 0, 0], [1, 0, 0]])
        schedule = place_meetings(inst, selection([[0, 0], [1, 0]]))
        assert schedule.meetings[:, 0].tolist() == [high]
        assert schedule.unplaced.tolist() == [[low, 0]]


def test_must_meet_beats_relevance_when_only_one_fits():
    inst = instance([[0.9], [0.1]], sme_av=[[1, 0, 0], [1, 0, 0]], must=[[False], [True]])
    schedule = place_meetings(inst, selection([[0, 0], [1, 0]]))
    assert schedule.meetings[:, 0].tolist() == [1]


def test_locked_meetings_stay_exactly_and_count_as_placed():
    inst = instance([[0.5, 0.5], [0.5, 0.5]], locked=[[0, 1, 2], [1, 0, 2]])
    schedule = place_meetings(inst, selection([[0, 0], [0, 1], [1, 0], [1, 1]]))
    assert_valid(inst, schedule, np.array([[0, 0], [0, 1], [1, 0], [1, 1]]))
    assert len(schedule.unplaced) == 0


def test_each_smes_meetings_form_a_block_when_possible():
    inst = instance(np.full((2, 3), 0.5), slots=6)
    schedule = polish(inst, place_meetings(inst, selection([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]])))
    smes, buyers = count_breaks(schedule, inst)
    assert smes.sum() == 0 and buyers.sum() == 0


@pytest.mark.parametrize(
    ("pairs", "item"),
    [([[0, 5]], "selection.pairs[0]"), ([[0, 0], [0, 0]], "selection.pairs[1]"), ([[-1, 0]], "selection.pairs[0]")],
)
def test_invalid_selection_names_the_pair(pairs, item):
    inst = instance([[0.5, 0.5]])
    with pytest.raises(InstanceError) as error:
        place_meetings(inst, selection(pairs))
    assert error.value.item == item


def test_forbidden_pair_is_rejected():
    base = instance([[0.5, 0.5]])
    inst = BipartiteInstance(
        base.relevance, np.array([[True, False]]), base.must_meet, base.sme_capacity, base.buyer_tables,
        base.sme_available, base.buyer_available,
    )  # fmt: skip
    with pytest.raises(InstanceError, match="forbidden"):
        place_meetings(inst, selection([[0, 1]]))


@pytest.mark.parametrize(
    ("locked", "message"),
    [([[0, 0, 1], [0, 1, 1]], "already has a locked meeting"), ([[0, 0, 1], [1, 0, 1]], "more locked meetings")],
)
def test_inconsistent_locks_are_rejected(locked, message):
    with pytest.raises(InstanceError, match=message):
        place_meetings(instance(np.full((2, 2), 0.5), locked=locked), selection([]))


def test_lock_outside_availability_is_rejected():
    with pytest.raises(InstanceError, match="not available"):
        place_meetings(instance([[0.5]], sme_av=[[1, 0, 1]], locked=[[0, 0, 1]]), selection([]))


# --------------------------------------------------------------------------- König: no windows, all fit
def saturated_selection(rng: np.random.Generator, smes: int, buyers: int, slots: int):
    """A random bipartite multigraph as full as the rules allow: SME degree ≤ T, buyer ≤ tables × T."""
    tables = rng.integers(1, 4, size=buyers)
    left = tables * slots
    degree = np.zeros(smes, np.int64)
    pairs = []
    for s, b in rng.permutation([(s, b) for s in range(smes) for b in range(buyers)]).tolist():
        if degree[s] < slots and left[b] > 0:
            pairs.append((s, b))
            degree[s] += 1
            left[b] -= 1
    inst = instance(rng.random((smes, buyers)), tables=tables, slots=slots)
    return inst, np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)


@pytest.mark.parametrize("seed", range(8))
def test_konig_every_selected_meeting_fits_without_windows(seed):
    rng = np.random.default_rng(seed)
    inst, pairs = saturated_selection(rng, int(rng.integers(5, 30)), int(rng.integers(2, 8)), int(rng.integers(2, 7)))
    schedule = place_meetings(inst, selection(pairs), seed=seed)
    assert_valid(inst, schedule, pairs)
    assert len(schedule.unplaced) == 0 and len(schedule.meetings) == len(pairs)


def test_konig_fully_regular_multigraph():
    # 6 SMEs meet all 3 buyers (2 tables each) in 3 slots: every SME and every table busy in every slot.
    inst = instance(np.full((6, 3), 0.5), tables=[2, 2, 2])
    pairs = np.array([(s, b) for s in range(6) for b in range(3)])
    schedule = place_meetings(inst, selection(pairs))
    assert_valid(inst, schedule, pairs)
    assert len(schedule.meetings) == 18


# --------------------------------------------------------------------------- properties
@st.composite
def random_case(draw):
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    smes, buyers, slots = draw(st.integers(1, 8)), draw(st.integers(1, 4)), draw(st.integers(1, 5))
    windows = draw(st.booleans())
    sme_av = rng.random((smes, slots)) < (0.7 if windows else 1.1)
    buyer_av = rng.random((buyers, slots)) < (0.7 if windows else 1.1)
    tables = rng.integers(0, 3, size=buyers)
    allowed = rng.random((smes, buyers)) < 0.8
    pairs = np.argwhere(allowed & (rng.random((smes, buyers)) < 0.7))
    # Locks: a few selected pairs put where both are free and available (a consistent set).
    locked, sme_busy, seat_use = [], set(), {}
    for s, b in pairs[rng.permutation(len(pairs))[: draw(st.integers(0, 3))]].tolist():
        for t in rng.permutation(slots).tolist():
            if sme_av[s, t] and buyer_av[b, t] and (s, t) not in sme_busy and seat_use.get((b, t), 0) < tables[b]:
                locked.append((s, b, t))
                sme_busy.add((s, t))
                seat_use[b, t] = seat_use.get((b, t), 0) + 1
                break
    inst = BipartiteInstance(
        relevance=np.round(rng.random((smes, buyers)), 2),
        allowed=allowed,
        must_meet=allowed & (rng.random((smes, buyers)) < 0.1),
        sme_capacity=np.full(smes, slots),
        buyer_tables=tables,
        sme_available=sme_av,
        buyer_available=buyer_av,
        locked=np.array(locked, dtype=np.int64).reshape(-1, 3),
    )
    return inst, pairs, seed


@settings(max_examples=80, deadline=None)
@given(random_case())
def test_placement_and_polish_keep_every_hard_rule(case):
    inst, pairs, seed = case
    assert_valid(inst, place_meetings(inst, selection(pairs), seed=seed, fill=False), pairs, fill=False)
    schedule = place_meetings(inst, selection(pairs), seed=seed)
    assert_valid(inst, schedule, pairs)
    polished = polish(inst, schedule, seed=seed)
    assert_valid(inst, polished, pairs)
    # Polishing keeps the very same meetings and never adds breaks.
    assert sorted(map(tuple, polished.meetings[:, :2].tolist())) == sorted(
        map(tuple, schedule.meetings[:, :2].tolist())
    )
    before, after = count_breaks(schedule, inst), count_breaks(polished, inst)
    assert after[0].sum() + after[1].sum() <= before[0].sum() + before[1].sum()


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_without_windows_or_locks_nothing_is_left_out(seed):
    rng = np.random.default_rng(seed)
    inst, pairs = saturated_selection(rng, int(rng.integers(1, 12)), int(rng.integers(1, 5)), int(rng.integers(1, 6)))
    schedule = place_meetings(inst, selection(pairs), seed=seed)
    assert len(schedule.unplaced) == 0
    assert_valid(inst, schedule, pairs)


# --------------------------------------------------------------------------- polish details
def test_polish_gives_a_two_table_buyer_one_run_per_table():
    inst = instance([[0.5], [0.5]], tables=[2])
    schedule = Schedule(np.array([[0, 0, 0, 0], [1, 0, 2, 0]]))  # table 0 waits in slot 1
    polished = polish(inst, schedule)
    assert count_breaks(polished, inst)[1].tolist() == [0]
    assert polished.meetings[:, :3].tolist() == [[0, 0, 0], [1, 0, 2]]  # only the table changed


def test_polish_leaves_locked_meetings_even_if_that_keeps_a_break():
    inst = instance([[0.5, 0.5]], locked=[[0, 0, 0], [0, 1, 2]])
    schedule = place_meetings(inst, selection([[0, 0], [0, 1]]))
    polished = polish(inst, schedule)
    assert polished.meetings[:, :3].tolist() == [[0, 0, 0], [0, 1, 2]]
    assert count_breaks(polished, inst)[0].tolist() == [1]


def test_polish_rejects_a_double_booked_schedule():
    inst = instance([[0.5, 0.5]])
    with pytest.raises(InstanceError, match=r"schedule.meetings\[1\]"):
        polish(inst, Schedule(np.array([[0, 0, 1, 0], [0, 1, 1, 0]])))


def test_count_breaks_counts_each_table_as_a_person():
    inst = instance([[0.5], [0.5], [0.5]], tables=[2], slots=4)
    schedule = Schedule(np.array([[0, 0, 0, 0], [1, 0, 3, 0], [2, 0, 1, 1]]))
    smes, buyers = count_breaks(schedule, inst)
    assert smes.tolist() == [0, 0, 0] and buyers.tolist() == [1]


# --------------------------------------------------------------------------- coverage and the fill pass
def test_an_smes_only_meeting_displaces_a_meeting_of_an_sme_that_has_others():
    # SME 0's only pair is buyer 0 (one table), common slots 1 and 2. Slot 1 will hold SME 1's only
    # meeting, slot 2 a more relevant meeting of SME 2, which has another buyer and slot to go to.
    rel = [[0.2, 0.0], [0.9, 0.0], [0.95, 0.9]]
    inst = instance(rel, sme_av=[[0, 1, 1], [0, 1, 0], [1, 1, 1]], buyer_av=[[0, 1, 1], [1, 1, 1]])
    sel = [[0, 0], [1, 0], [2, 0], [2, 1]]
    schedule = place_meetings(inst, selection(sel), fill=False)
    assert_valid(inst, schedule, np.array(sel), fill=False)
    assert set(schedule.meetings[:, 0].tolist()) == {0, 1, 2}, "every SME keeps a meeting"


def test_fill_gives_an_unplaceable_pairs_time_to_another_buyer():
    # SME 0's selected buyer 0 is only free in slot 0, taken by the more relevant SME 1; buyer 1 has room.
    inst = instance([[0.6, 0.4], [0.9, 0.0]], caps=[1, 1], sme_av=[[1, 1], [1, 0]], buyer_av=[[1, 0], [1, 1]], slots=2)
    sel = [[0, 0], [1, 0]]
    without = place_meetings(inst, selection(sel), fill=False)
    assert without.meetings[:, :2].tolist() == [[1, 0]] and without.unplaced.tolist() == [[0, 0]]
    filled = place_meetings(inst, selection(sel))
    assert_valid(inst, filled, np.array(sel))
    assert sorted(filled.meetings[:, :2].tolist()) == [[0, 1], [1, 0]]
    assert filled.unplaced.tolist() == [[0, 0]]  # still reported: the selected pair did not fit


def test_fill_never_adds_more_relevance_than_was_left_out():
    # The fill candidate (0, 1) is worth more than the lost pair (0, 0): taking it could beat the bound.
    inst = instance([[0.3, 0.8], [0.9, 0.0]], caps=[1, 1], sme_av=[[1, 1], [1, 0]], buyer_av=[[1, 0], [1, 1]], slots=2)
    filled = place_meetings(inst, selection([[0, 0], [1, 0]]))
    assert filled.meetings[:, :2].tolist() == [[1, 0]]


def _fits_entirely(inst: BipartiteInstance, pairs: np.ndarray) -> bool:
    """Brute force: can every pair get a slot (both available, SME single-booked, ≤ tables per buyer)?"""
    sme_busy: set[tuple[int, int]] = set()
    load: dict[tuple[int, int], int] = {}

    def place(i: int) -> bool:
        if i == len(pairs):
            return True
        s, b = pairs[i]
        for t in np.flatnonzero(inst.sme_available[s] & inst.buyer_available[b]).tolist():
            if (s, t) not in sme_busy and load.get((b, t), 0) < inst.buyer_tables[b]:
                sme_busy.add((s, t))
                load[b, t] = load.get((b, t), 0) + 1
                if place(i + 1):
                    return True
                sme_busy.discard((s, t))
                load[b, t] -= 1
        return False

    return place(0)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**31 - 1), st.booleans())
def test_no_covered_sme_ends_without_a_meeting_when_a_full_placement_exists(seed, fill):
    rng = np.random.default_rng(seed)
    smes, buyers, slots = int(rng.integers(2, 6)), int(rng.integers(1, 4)), int(rng.integers(2, 5))
    sme_av = rng.random((smes, slots)) < 0.6
    buyer_av = rng.random((buyers, slots)) < 0.7
    common = sme_av.astype(int) @ buyer_av.T.astype(int) > 0
    pairs = np.argwhere(common & (rng.random((smes, buyers)) < 0.6))
    inst = instance(
        np.round(rng.random((smes, buyers)), 2), tables=rng.integers(1, 3, size=buyers), sme_av=sme_av,
        buyer_av=buyer_av, slots=slots,
    )  # fmt: skip
    if not len(pairs) or not _fits_entirely(inst, pairs):
        return
    schedule = place_meetings(inst, selection(pairs), seed=seed, fill=fill)
    assert_valid(inst, schedule, pairs, fill=fill)
    covered = set(schedule.meetings[:, 0].tolist())
    assert set(pairs[:, 0].tolist()) <= covered, "a covered SME was left without a meeting"


# --------------------------------------------------------------------------- relevance ↔ breaks knob
def test_drop_for_breaks_keeps_last_meetings_must_meet_and_locks():
    # SME 0: slots 0 and 2 (a break). Its cheap meeting goes at break_cost 0.5; must-meet or locked stays.
    rel = [[0.9, 0.1]]
    rows = np.array([[0, 0, 0, 0], [0, 1, 2, 0]])
    assert drop_for_breaks(instance(rel), Schedule(rows), 0.5).meetings[:, 1].tolist() == [0]
    assert len(drop_for_breaks(instance(rel), Schedule(rows), 0.0).meetings) == 2
    assert len(drop_for_breaks(instance(rel, must=[[False, True]]), Schedule(rows), 0.5).meetings) == 2
    assert len(drop_for_breaks(instance(rel, locked=[[0, 1, 2]]), Schedule(rows), 0.5).meetings) == 2
    # A lone meeting is never dropped, however high the cost.
    assert len(drop_for_breaks(instance([[0.1]]), Schedule(np.array([[0, 0, 1, 0]])), 100.0).meetings) == 1


@settings(max_examples=40, deadline=None)
@given(random_case(), st.floats(0.0, 2.0))
def test_drop_for_breaks_only_removes_and_never_adds_breaks_or_uncovers(case, cost):
    inst, pairs, seed = case
    schedule = polish(inst, place_meetings(inst, selection(pairs), seed=seed), seed=seed)
    dropped = drop_for_breaks(inst, schedule, cost)
    assert_valid(inst, dropped)
    assert {tuple(r) for r in dropped.meetings.tolist()} <= {tuple(r) for r in schedule.meetings.tolist()}
    assert set(dropped.meetings[:, 0].tolist()) == set(schedule.meetings[:, 0].tolist())
    before, after = count_breaks(schedule, inst), count_breaks(dropped, inst)
    assert after[0].sum() + after[1].sum() <= before[0].sum() + before[1].sum()
