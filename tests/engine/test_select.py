"""Selecting meetings: hand-checked optima, invariants, and brute-force lexicographic optimality."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.matcher.engine import flow
from services.matcher.engine.model import BipartiteInstance, InstanceError, Selection
from services.matcher.engine.select import select_meetings, share_a_slot


def event(relevance, *, allowed=None, must=None, cap=None, tables=None, sme_av=None, buyer_av=None, locked=()):
    """A small instance with everything allowed and available unless said otherwise."""
    relevance = np.asarray(relevance, float)
    smes, buyers = relevance.shape
    slots = 2 if sme_av is None else np.asarray(sme_av).shape[1]
    return BipartiteInstance(
        relevance,
        np.ones((smes, buyers), bool) if allowed is None else allowed,
        np.zeros((smes, buyers), bool) if must is None else must,
        np.full(smes, 2) if cap is None else cap,
        np.ones(buyers, int) if tables is None else tables,
        np.ones((smes, slots), bool) if sme_av is None else sme_av,
        np.ones((buyers, slots), bool) if buyer_av is None else buyer_av,
        np.asarray(locked, np.int64).reshape(-1, 3),
    )


def random_event(smes: int, buyers: int, slots: int, *, seed: int, windows: bool = True) -> BipartiteInstance:
    """A realistic synthetic event: popular buyers, niche SMEs, caps 3–8, tables 1–3, half-day windows.

    About 15–30 % of pairs have a positive relevance (up to ~65 % for the most popular buyers).
    """
    rng = np.random.default_rng(seed)
    popularity = 0.1 + 0.9 / (1.0 + rng.permutation(buyers)) ** 0.6
    breadth = rng.beta(2, 2, smes)
    fits = rng.random((smes, buyers)) < np.clip(1.2 * breadth[:, None] * popularity[None, :] + 0.05, 0, 1)
    relevance = np.where(fits, np.clip(rng.beta(2, 4, (smes, buyers)) + 0.3 * popularity, 0, 1), 0.0)
    allowed = rng.random((smes, buyers)) > 0.01
    must = allowed & fits & (rng.random((smes, buyers)) < 0.002)
    sme_available = np.ones((smes, slots), bool)
    buyer_available = np.ones((buyers, slots), bool)
    if windows:
        half_day = rng.random(smes) < 0.3
        morning = rng.random(smes) < 0.5
        sme_available[half_day & morning, slots // 2 :] = False
        sme_available[half_day & ~morning, : slots // 2] = False
        buyer_available[rng.random(buyers) < 0.2, : slots // 4] = False
    return BipartiteInstance(
        relevance,
        allowed,
        must,
        rng.integers(3, 9, smes),
        rng.integers(1, 4, buyers),
        sme_available,
        buyer_available,
    )


def degrees(selection: Selection, smes: int) -> np.ndarray:
    return np.bincount(selection.pairs[:, 0], minlength=smes)


def total_relevance(instance: BipartiteInstance, selection: Selection) -> float:
    return float(instance.relevance[selection.pairs[:, 0], selection.pairs[:, 1]].sum())


def check_invariants(instance: BipartiteInstance, selection: Selection) -> None:
    """What every selection must satisfy, whatever the objective."""
    smes, buyers, _ = instance.shape
    pairs = selection.pairs
    assert pairs.shape[1] == 2
    assert len({tuple(p) for p in pairs.tolist()}) == len(pairs), "a pair selected twice"
    assert pairs.tolist() == sorted(pairs.tolist())
    chosen = np.zeros((smes, buyers), bool)
    chosen[pairs[:, 0], pairs[:, 1]] = True
    locked = np.zeros((smes, buyers), bool)
    locked[instance.locked[:, 0], instance.locked[:, 1]] = True
    common = (instance.sme_available.astype(int) @ instance.buyer_available.T.astype(int)) > 0
    assert not (chosen & ~instance.allowed).any(), "a forbidden pair was selected"
    assert not (chosen & ~common & ~locked).any(), "a pair without a common slot was selected"
    assert (chosen | ~locked).all(), "a locked pair was dropped"
    assert np.all(chosen.sum(axis=1) <= instance.effective_sme_capacity())
    assert np.all(chosen.sum(axis=0) <= instance.buyer_capacity())
    unmet = {tuple(p) for p in selection.unmet_must.tolist()}
    assert len(unmet) == len(selection.reasons)
    assert all(selection.reasons)
    for s, b in np.argwhere(instance.must_meet).tolist():
        assert chosen[s, b] != ((s, b) in unmet), "a must-meet pair neither selected nor reported"
    relevance = total_relevance(instance, selection)
    assert selection.bound >= relevance - 1e-9
    assert selection.bound == pytest.approx(relevance, abs=1e-6), "the selection is the LP optimum"
    idle_free = (instance.relevance == 0) & chosen & ~locked & ~instance.must_meet
    assert np.all(idle_free.sum(axis=1) <= 1), "at most one relevance-0 meeting per SME"
    assert selection.min_zero_meeting_smes <= int((chosen.sum(axis=1) == 0).sum())


# --- hand-checked instances -----------------------------------------------------------------------------------


def scarce_popular_buyer() -> BipartiteInstance:
    """Buyer 0 holds one meeting; SME 0 likes it best, but SME 1 can meet nobody else."""
    return event(
        [[0.9, 0.8, 0.3], [0.1, 0.0, 0.0], [0.0, 0.5, 0.6]],
        allowed=np.array([[1, 1, 1], [1, 0, 0], [1, 1, 1]], bool),
        buyer_av=np.array([[1, 0], [1, 1], [1, 1]], bool),
    )


def test_fairness_beats_relevance_on_a_hand_checked_instance():
    instance = scarce_popular_buyer()
    fair = select_meetings(instance)
    assert fair.pairs.tolist() == [[0, 1], [0, 2], [1, 0], [2, 1], [2, 2]]
    assert fair.bound == pytest.approx(0.8 + 0.3 + 0.1 + 0.5 + 0.6)
    assert (fair.min_zero_meeting_smes, fair.min_meetings_per_sme) == (0, 2)
    plain = select_meetings(instance, objective="relevance")
    assert plain.pairs.tolist() == [[0, 0], [0, 1], [2, 1], [2, 2]]
    assert plain.bound == pytest.approx(0.9 + 0.8 + 0.5 + 0.6)
    assert degrees(plain, 3).tolist() == [2, 0, 2]
    # The proven minima are reported for both objectives, so the cost of plain relevance is visible.
    assert (plain.min_zero_meeting_smes, plain.min_meetings_per_sme) == (0, 2)
    check_invariants(instance, fair)
    check_invariants(instance, plain)


def test_level_raises_the_minimum_before_relevance():
    # Three slots; each buyer holds 2 meetings (2 of them). SME 0 would take all three best pairs; the
    # level 2 for everyone needs 4 of the 6 buyer meetings for SMEs 1 and 2.
    relevance = [[0.9, 0.9, 0.9], [0.2, 0.2, 0.1], [0.1, 0.2, 0.2]]
    slots = {"sme_av": np.ones((3, 3), bool), "buyer_av": np.array([[1, 1, 0]] * 3, bool)}
    instance = event(relevance, cap=np.array([3, 3, 3]), **slots)
    fair = select_meetings(instance)
    assert fair.min_meetings_per_sme == 2
    assert degrees(fair, 3).tolist() == [2, 2, 2]
    assert fair.bound == pytest.approx(1.8 + 0.4 + 0.4)
    # Without window cuts, plain relevance gives SME 0 three meetings, though it shares only slots 0 and 1
    # with the buyers: no schedule holds them. With the cuts it gets two, and the bound is what fits.
    plain = select_meetings(instance, objective="relevance", window_cuts=False)
    assert degrees(plain, 3).min() < 2
    assert plain.bound > fair.bound
    windowed = select_meetings(instance, objective="relevance")
    assert degrees(windowed, 3)[0] == 2
    assert windowed.bound == pytest.approx(1.8 + 0.4 + 0.4)


def test_must_meet_is_honoured_over_relevance():
    must = np.array([[0, 1], [0, 0]], bool)
    instance = event([[0.9, 0.1], [0.9, 0.0]], must=must, cap=np.array([1, 1]))
    selection = select_meetings(instance)
    assert selection.pairs.tolist() == [[0, 1], [1, 0]]
    assert len(selection.unmet_must) == 0
    check_invariants(instance, selection)


def test_forbidden_pair_is_never_selected():
    allowed = np.array([[0, 1], [1, 1]], bool)
    instance = event([[1.0, 0.1], [0.2, 0.3]], allowed=allowed)
    selection = select_meetings(instance, objective="relevance")
    assert [0, 0] not in selection.pairs.tolist()
    check_invariants(instance, selection)


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        (
            {"sme_av": np.array([[1, 0], [1, 1]], bool), "buyer_av": np.array([[0, 1], [1, 1]], bool)},
            "the SME and the buyer share no available slot",
        ),
        ({"sme_av": np.array([[0, 0], [1, 1]], bool)}, "the SME has no available slot"),
        ({"cap": np.array([0, 2])}, "the SME's capacity is 0"),
        ({"tables": np.array([0, 1])}, "the buyer staffs no table"),
        ({"locked": [(1, 0, 0)], "buyer_av": np.array([[1, 0], [1, 1]], bool)}, "locked meetings"),
    ],
)
def test_infeasible_must_meet_is_reported_with_a_reason(kwargs, reason):
    must = np.array([[1, 0], [0, 0]], bool)
    instance = event([[0.5, 0.5], [0.5, 0.5]], must=must, **kwargs)
    selection = select_meetings(instance)
    assert selection.unmet_must.tolist() == [[0, 0]]
    assert reason in selection.reasons[0]
    check_invariants(instance, selection)


def test_must_meet_pairs_competing_for_a_buyer_keep_the_most_relevant():
    # Buyer 0 holds one meeting (one slot); both SMEs must meet it.
    must = np.array([[1, 0], [1, 0]], bool)
    instance = event([[0.2, 0.5], [0.7, 0.5]], must=must, buyer_av=np.array([[1, 0], [1, 1]], bool))
    selection = select_meetings(instance)
    assert [1, 0] in selection.pairs.tolist()
    assert selection.unmet_must.tolist() == [[0, 0]]
    assert selection.reasons == ("the buyer's capacity is taken by other must-meet pairs",)
    check_invariants(instance, selection)


def test_must_meet_pairs_over_an_smes_cap_are_reported():
    must = np.array([[1, 1, 1]], bool)
    instance = event([[0.3, 0.9, 0.5]], must=must, cap=np.array([2]))
    selection = select_meetings(instance)
    assert selection.pairs.tolist() == [[0, 1], [0, 2]]
    assert selection.reasons == ("the SME's capacity is taken by other must-meet pairs",)


def test_locked_pairs_are_kept_even_without_relevance():
    instance = event([[0.0, 0.9], [0.9, 0.8]], cap=np.array([1, 1]), locked=[(0, 0, 1)])
    selection = select_meetings(instance)
    assert selection.pairs.tolist() == [[0, 0], [1, 0]]
    check_invariants(instance, selection)


@pytest.mark.parametrize(
    ("locked", "item"),
    [([(0, 0, 0)], "locked[0]"), ([(0, 1, 0), (0, 1, 1)], "locked[1]"), ([(1, 0, 0), (1, 1, 1)], "sme 1")],
)
def test_impossible_locks_are_invalid_input_naming_the_item(locked, item):
    instance = event(
        [[0.5, 0.5], [0.5, 0.5]], allowed=np.array([[0, 1], [1, 1]], bool), cap=np.array([2, 1]), locked=locked
    )
    with pytest.raises(InstanceError) as error:
        select_meetings(instance)
    assert error.value.item == item


def test_unknown_objective_is_invalid_input():
    with pytest.raises(InstanceError, match="objective"):
        select_meetings(scarce_popular_buyer(), objective="happiness")


def test_smes_without_slots_or_cap_get_nothing_and_count_as_unavoidable_zeros():
    sme_av = np.array([[0, 0], [1, 1], [1, 1]], bool)
    instance = event(np.full((3, 2), 0.5), cap=np.array([2, 0, 2]), sme_av=sme_av)
    selection = select_meetings(instance)
    assert degrees(selection, 3).tolist() == [0, 0, 2]
    assert (selection.min_zero_meeting_smes, selection.min_meetings_per_sme) == (2, 2)
    check_invariants(instance, selection)


def test_scarce_buyers_leave_a_proven_number_of_smes_without_a_meeting():
    instance = event([[0.3], [0.6], [0.9]], buyer_av=np.array([[1, 0]], bool))
    selection = select_meetings(instance)
    assert selection.pairs.tolist() == [[2, 0]]
    assert (selection.min_zero_meeting_smes, selection.min_meetings_per_sme) == (2, 1)


def test_relevance_zero_pair_only_when_it_is_an_smes_only_meeting():
    # SME 1 has nothing relevant; it still gets one meeting (one, not two). SME 0 never gets an idle one.
    instance = event([[0.0, 0.7], [0.0, 0.0]], tables=np.array([2, 2]))
    selection = select_meetings(instance)
    assert degrees(selection, 2).tolist() == [1, 1]
    assert [0, 1] in selection.pairs.tolist()
    assert select_meetings(instance, objective="relevance").pairs.tolist() == [[0, 1]]


def test_empty_event():
    instance = event(np.zeros((0, 3)))
    selection = select_meetings(instance)
    assert selection.pairs.shape == (0, 2)
    assert (selection.bound, selection.min_zero_meeting_smes, selection.min_meetings_per_sme) == (0.0, 0, 0)


def test_inputs_are_not_mutated_and_results_are_read_only():
    instance = random_event(30, 8, 6, seed=3)
    before = instance.relevance.copy()
    selection = select_meetings(instance)
    assert np.array_equal(instance.relevance, before)
    assert not selection.pairs.flags.writeable


def test_a_time_limit_that_stops_the_lp_still_gives_a_fair_valid_selection_and_bound():
    instance = random_event(30, 8, 6, seed=3)
    selection = select_meetings(instance, time_limit=0.0)  # HiGHS stops at once: the fallback answers
    assert selection.bound >= select_meetings(instance).bound - 1e-9
    assert selection.bound >= total_relevance(instance, selection) - 1e-9
    assert np.all(degrees(selection, 30) <= instance.effective_sme_capacity())
    assert int((degrees(selection, 30) == 0).sum()) == selection.min_zero_meeting_smes


@pytest.mark.parametrize("seed", [0, 1])
def test_realistic_event_meets_the_proven_minimum(seed):
    instance = random_event(60, 15, 8, seed=seed)
    fair = select_meetings(instance)
    plain = select_meetings(instance, objective="relevance")
    check_invariants(instance, fair)
    check_invariants(instance, plain)
    fair_degrees = degrees(fair, 60)
    assert int((fair_degrees == 0).sum()) == fair.min_zero_meeting_smes
    assert int((degrees(plain, 60) == 0).sum()) >= fair.min_zero_meeting_smes
    assert plain.bound >= fair.bound - 1e-9
    assert coverage_by_networkx(instance) == 60 - fair.min_zero_meeting_smes


@pytest.mark.parametrize("seed", [0, 1])
def test_column_generation_reaches_the_full_lp_optimum(seed, monkeypatch):
    instance = random_event(60, 15, 8, seed=seed)
    full = select_meetings(instance)
    # Start the LP from each SME's single best pair: pricing must bring in every other pair that helps.
    monkeypatch.setattr(flow, "METHOD", "lp")  # the LP from the start, not the min-cost flow first
    monkeypatch.setattr(flow, "STARTING_COLUMNS_PER_UNIT", 0)
    monkeypatch.setattr(flow, "STARTING_COLUMNS_EXTRA", 1)
    monkeypatch.setattr(flow, "FULL_START_SHARE", 2.0)  # never start from every column
    priced = select_meetings(instance)
    assert priced.bound == pytest.approx(full.bound, abs=1e-9)
    assert total_relevance(instance, priced) == pytest.approx(full.bound, abs=1e-9)
    check_invariants(instance, priced)


def test_pairs_share_a_slot_exactly_when_the_dense_overlap_says_so():
    instance = random_event(40, 12, 20, seed=3)  # 20 slots: the packed masks span three bytes
    sme, buyer = np.nonzero(np.ones((40, 12), bool))
    dense = (instance.sme_available.astype(int) @ instance.buyer_available.T.astype(int)) > 0
    assert share_a_slot(instance, sme, buyer).tolist() == dense[sme, buyer].tolist()
    assert share_a_slot(instance, sme[:0], buyer[:0]).shape == (0,)


@st.composite
def degree_bounded_matchings(draw):
    """A random b-matching LP with SME degree bounds, some ``single`` pairs and cover bonuses."""
    smes, buyers = draw(st.integers(1, 4)), draw(st.integers(1, 3))  # ≤ 12 pairs: 4,096 subsets
    pairs = np.array([(s, b) for s in range(smes) for b in range(buyers) if draw(st.booleans())], np.int64)
    pairs = pairs.reshape(-1, 2)
    weight = np.array([draw(st.sampled_from([0.0, 0.2, 0.5, 0.9])) for _ in pairs])
    single = np.array([draw(st.booleans()) for _ in pairs], bool)
    upper = np.array([draw(st.integers(0, 3)) for _ in range(smes)])
    lower = np.array([draw(st.integers(0, int(u))) for u in upper])
    buyer_upper = np.array([draw(st.integers(0, 3)) for _ in range(buyers)])
    bonus = np.array([draw(st.sampled_from([0.0, 0.0, 2.0])) for _ in range(smes)])
    return pairs[:, 0], pairs[:, 1], weight, single, lower, upper, buyer_upper, bonus


@pytest.mark.parametrize("method", ["flow", "lp"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=degree_bounded_matchings(), no_bonus=st.booleans())
def test_weighted_bmatching_equals_a_brute_force_optimum_and_certifies_it(method, case, no_bonus):
    sme, buyer, weight, single, lower, upper, buyer_upper, bonus = case
    if no_bonus:  # without cover bonuses the "flow" method answers by a min-cost flow
        bonus = np.zeros_like(bonus)
    best = None  # brute force over every subset of pairs
    for bits in itertools.product([False, True], repeat=len(sme)):
        chosen = np.array(bits, bool)
        per_sme = np.bincount(sme[chosen], minlength=len(upper))
        singles = np.bincount(sme[chosen & single], minlength=len(upper))
        if np.any(per_sme < lower) or np.any(per_sme > upper) or np.any(singles > 1):
            continue
        if np.any(np.bincount(buyer[chosen], minlength=len(buyer_upper)) > buyer_upper):
            continue
        value = weight[chosen].sum() + bonus[per_sme > 0].sum()
        best = value if best is None else max(best, value)
    if best is None:  # infeasible lower bounds: nothing to start from
        return
    start = np.zeros(len(sme), bool)
    for bits in itertools.product([False, True], repeat=len(sme)):  # any feasible start
        chosen = np.array(bits, bool)
        per_sme = np.bincount(sme[chosen], minlength=len(upper))
        if (
            np.all(per_sme >= lower)
            and np.all(per_sme <= upper)
            and np.all(np.bincount(sme[chosen & single], minlength=len(upper)) <= 1)
            and np.all(np.bincount(buyer[chosen], minlength=len(buyer_upper)) <= buyer_upper)
        ):
            start = chosen
            break
    original = flow.METHOD
    flow.METHOD = method  # not monkeypatch: hypothesis runs many examples in one test call
    try:
        result = flow.max_weight_bmatching(
            sme, buyer, weight, lower, upper, buyer_upper, start=start, single=single, cover_bonus=bonus
        )
    finally:
        flow.METHOD = original
    assert result.status == "optimal"
    assert result.value == pytest.approx(best, abs=1e-9)
    assert result.bound >= best - 1e-9
    assert result.bound == pytest.approx(best, abs=1e-6)


# --- independent checks -----------------------------------------------------------------------------------------


def coverage_by_networkx(instance: BipartiteInstance) -> int:
    """Most SMEs with a meeting, by an independent max flow (valid when there are no locks or must-meets)."""
    common = (instance.sme_available.astype(int) @ instance.buyer_available.T.astype(int)) > 0
    graph = nx.DiGraph()
    for s in np.flatnonzero(instance.effective_sme_capacity() > 0):
        graph.add_edge("source", ("sme", s), capacity=1)
    for s, b in np.argwhere(instance.allowed & common):
        graph.add_edge(("sme", s), ("buyer", b), capacity=1)
    for b, cap in enumerate(instance.buyer_capacity()):
        graph.add_edge(("buyer", b), "sink", capacity=int(cap))
    if "source" not in graph or "sink" not in graph:
        return 0
    return int(nx.maximum_flow_value(graph, "source", "sink"))


def greedy_relevance(instance: BipartiteInstance, forced: np.ndarray) -> float:
    """A simple feasible selection: the forced pairs, then pairs by falling relevance while capacities allow."""
    common = (instance.sme_available.astype(int) @ instance.buyer_available.T.astype(int)) > 0
    sme_room = instance.effective_sme_capacity() - forced.sum(axis=1)
    buyer_room = instance.buyer_capacity() - forced.sum(axis=0)
    total = float(instance.relevance[forced].sum())
    candidates = np.argwhere(instance.allowed & common & ~forced & (instance.relevance > 0))
    for s, b in sorted(candidates.tolist(), key=lambda p: -instance.relevance[p[0], p[1]]):
        if sme_room[s] > 0 and buyer_room[b] > 0:
            sme_room[s] -= 1
            buyer_room[b] -= 1
            total += instance.relevance[s, b]
    return total


def brute_force(instance: BipartiteInstance, selection: Selection) -> tuple[int, int, float] | None:
    """Lexicographic optimum by enumeration over all selections containing the forced pairs.

    Returns (most covered SMEs, best level, best relevance at that level), the level and relevance only
    when every SME that could meet someone can be covered at once (otherwise ``None`` for those).
    """
    smes, buyers, _ = instance.shape
    chosen = np.zeros((smes, buyers), bool)
    chosen[selection.pairs[:, 0], selection.pairs[:, 1]] = True
    forced = np.zeros((smes, buyers), bool)
    forced[instance.locked[:, 0], instance.locked[:, 1]] = True
    forced |= instance.must_meet & chosen
    common = (instance.sme_available.astype(int) @ instance.buyer_available.T.astype(int)) > 0
    room_sme = instance.effective_sme_capacity() - forced.sum(axis=1)
    room_buyer = instance.buyer_capacity() - forced.sum(axis=0)
    usable = instance.allowed & common & ~forced & (room_sme > 0)[:, None] & (room_buyer > 0)[None, :]
    edges = np.argwhere(usable).reshape(-1, 2)
    subsets = np.array(list(itertools.product([0, 1], repeat=len(edges))), dtype=int).reshape(2 ** len(edges), -1)
    sme_of = np.eye(smes, dtype=int)[edges[:, 0]] if len(edges) else np.zeros((0, smes), int)
    buyer_of = np.eye(buyers, dtype=int)[edges[:, 1]] if len(edges) else np.zeros((0, buyers), int)
    idle = (instance.relevance[edges[:, 0], edges[:, 1]] == 0).astype(int)
    sme_degree = subsets @ sme_of
    feasible = (
        np.all(sme_degree <= room_sme, axis=1)
        & np.all(subsets @ buyer_of <= room_buyer, axis=1)
        & np.all((subsets * idle) @ sme_of <= 1, axis=1)
    )
    subsets, sme_degree = subsets[feasible], sme_degree[feasible] + forced.sum(axis=1)
    covered = (sme_degree > 0).sum(axis=1)
    best_cover = int(covered.max())
    forced_per_sme = forced.sum(axis=1)
    reachable = (forced_per_sme > 0) | usable.any(axis=1)
    if best_cover < reachable.sum():
        return best_cover, -1, float("nan")
    relevant = (usable & (instance.relevance > 0)).sum(axis=1)
    partners = np.where(relevant > 0, relevant, (usable & (instance.relevance == 0)).any(axis=1))
    reach = forced_per_sme + np.minimum(room_sme, partners)
    level = 0
    for k in range(1, int(reach.max(initial=0)) + 1):
        if reachable.any() and np.any(np.all(sme_degree[:, reachable] >= np.minimum(k, reach)[reachable], axis=1)):
            level = k
    meets = np.all(sme_degree[:, reachable] >= np.minimum(level, reach)[reachable], axis=1)
    weights = instance.relevance[edges[:, 0], edges[:, 1]]
    best = float((subsets[meets] @ weights).max()) + float(instance.relevance[forced].sum())
    return best_cover, level, best


def most_must_pairs(instance: BipartiteInstance) -> int:
    """Largest number of must-meet pairs that fit beside the locked ones, by enumeration."""
    smes, buyers, _ = instance.shape
    locked = np.zeros((smes, buyers), bool)
    locked[instance.locked[:, 0], instance.locked[:, 1]] = True
    common = (instance.sme_available.astype(int) @ instance.buyer_available.T.astype(int)) > 0
    pairs = np.argwhere(instance.must_meet & common & ~locked)
    best = 0
    for subset in itertools.product([0, 1], repeat=len(pairs)):
        take = pairs[np.array(subset, bool)] if len(pairs) else pairs
        chosen = locked.copy()
        chosen[take[:, 0], take[:, 1]] = True
        if np.all(chosen.sum(axis=1) <= instance.effective_sme_capacity()) and np.all(
            chosen.sum(axis=0) <= instance.buyer_capacity()
        ):
            best = max(best, len(take))
    return best


@st.composite
def small_events(draw, max_smes=4, max_buyers=3):
    smes = draw(st.integers(1, max_smes))
    buyers = draw(st.integers(1, max_buyers))
    slots = draw(st.integers(1, 3))

    def matrix(rows, cols, elements):
        return np.array(draw(st.lists(elements, min_size=rows * cols, max_size=rows * cols))).reshape(rows, cols)

    relevance = matrix(smes, buyers, st.sampled_from([0.0, 0.0, 0.1, 0.3, 0.5, 0.8, 1.0]))
    allowed = matrix(smes, buyers, st.booleans() | st.just(True))
    must = matrix(smes, buyers, st.sampled_from([False] * 6 + [True])) & allowed
    sme_av = matrix(smes, slots, st.booleans() | st.just(True))
    buyer_av = matrix(buyers, slots, st.booleans() | st.just(True))
    cap = np.array(draw(st.lists(st.integers(0, 3), min_size=smes, max_size=smes)))
    tables = np.array(draw(st.lists(st.integers(0, 2), min_size=buyers, max_size=buyers)))
    base = BipartiteInstance(relevance, allowed, must, cap, tables, sme_av, buyer_av)
    # Locks: a few allowed pairs, each in a slot both are available in, kept only while it fits both
    # capacities and that slot still has the SME free and a table (what an instance accepts as a lock).
    lock_rows = []
    sme_room, buyer_room = base.effective_sme_capacity().copy(), base.buyer_capacity().copy()
    table_load = np.zeros((buyers, slots), int)
    for s, b in draw(st.lists(st.tuples(st.integers(0, smes - 1), st.integers(0, buyers - 1)), max_size=2)):
        t = draw(st.integers(0, slots - 1))
        fits = sme_av[s, t] and buyer_av[b, t] and table_load[b, t] < tables[b]
        fits = fits and all((s, t) != (r[0], r[2]) and (s, b) != r[:2] for r in lock_rows)
        if allowed[s, b] and sme_room[s] > 0 and buyer_room[b] > 0 and fits:
            sme_room[s] -= 1
            buyer_room[b] -= 1
            table_load[b, t] += 1
            lock_rows.append((s, b, t))
    return BipartiteInstance(relevance, allowed, must, cap, tables, sme_av, buyer_av, np.array(lock_rows, int))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_events())
def test_lexicographic_selection_is_optimal_by_brute_force(instance):
    # The brute force ignores slots, as the selection without window cuts does (those are tested below).
    selection = select_meetings(instance, window_cuts=False)
    check_invariants(instance, selection)
    smes = instance.shape[0]
    locked = np.zeros(instance.relevance.shape, bool)
    locked[instance.locked[:, 0], instance.locked[:, 1]] = True
    must_selected = (instance.must_meet & ~locked)[selection.pairs[:, 0], selection.pairs[:, 1]].sum()
    assert must_selected == most_must_pairs(instance)
    best_cover, level, best_relevance = brute_force(instance, selection)
    assert smes - selection.min_zero_meeting_smes == best_cover
    assert int((degrees(selection, smes) > 0).sum()) == best_cover
    if level >= 0:
        assert selection.min_meetings_per_sme == level
        assert selection.bound == pytest.approx(best_relevance, abs=1e-9)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_events(max_smes=6, max_buyers=4))
def test_relevance_bound_beats_any_greedy_selection(instance):
    # The greedy ignores slots (it may pick pairs no schedule holds), so compare without window cuts.
    plain = select_meetings(instance, objective="relevance", window_cuts=False)
    fair = select_meetings(instance, window_cuts=False)
    check_invariants(instance, plain)
    smes, buyers, _ = instance.shape
    forced = np.zeros((smes, buyers), bool)
    forced[instance.locked[:, 0], instance.locked[:, 1]] = True
    forced[plain.pairs[:, 0], plain.pairs[:, 1]] |= instance.must_meet[plain.pairs[:, 0], plain.pairs[:, 1]]
    assert plain.bound >= greedy_relevance(instance, forced) - 1e-9
    assert plain.bound >= fair.bound - 1e-9
    assert plain.min_zero_meeting_smes == fair.min_zero_meeting_smes
    assert int((degrees(fair, smes) == 0).sum()) <= int((degrees(plain, smes) == 0).sum())


# --- availability-window cuts ---------------------------------------------------------------------------------


def test_a_buyer_gets_no_more_smes_than_fit_in_their_common_slots():
    # Buyer 0 (one table, two slots); SMEs 0–2 come only in slot 0, SME 3 all day. Without cuts the three
    # best (slot-0) SMEs take both meetings although only one can sit in slot 0.
    sme_av = np.array([[1, 0], [1, 0], [1, 0], [1, 1]], bool)
    instance = event([[0.9], [0.8], [0.7], [0.2]], cap=np.ones(4, int), sme_av=sme_av)
    plain = select_meetings(instance, objective="relevance", window_cuts=False)
    assert plain.pairs.tolist() == [[0, 0], [1, 0]]
    windowed = select_meetings(instance, objective="relevance")
    assert windowed.pairs.tolist() == [[0, 0], [3, 0]]
    assert windowed.bound == pytest.approx(1.1)
    check_invariants(instance, windowed)


def test_an_smes_buyers_sharing_one_slot_count_as_one():
    # SME 0 (cap 2) shares only slot 1 with both buyers: one meeting at most, whatever its cap.
    buyer_av = np.array([[0, 1], [0, 1]], bool)
    instance = event([[0.9, 0.8]], cap=np.array([2]), sme_av=np.ones((1, 2), bool), buyer_av=buyer_av)
    selection = select_meetings(instance, objective="relevance")
    assert selection.pairs.tolist() == [[0, 0]]
    assert selection.bound == pytest.approx(0.9)


def odd_cycle_separator(n_pairs):
    """A separator whose rows x_i + x_j <= 1 over a triangle make the LP vertex fractional (all 1/2)."""
    rows = np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1]], float)

    def separate(x):
        violated = rows @ x > 1 + 1e-9
        return sp.csr_array(rows[violated]), np.ones(int(violated.sum()))

    return separate


@pytest.mark.parametrize(("mode", "value"), [("milp", 0.9), ("floor", 0.0)])
def test_fractional_cut_vertex_is_made_integral_and_keeps_the_lp_bound(mode, value, monkeypatch):
    monkeypatch.setattr(flow, "FRACTIONAL", mode)
    sme, buyer, weight = np.arange(3), np.arange(3), np.array([0.9, 0.8, 0.8])
    ones, zeros = np.ones(3, int), np.zeros(3, int)
    result = flow.max_weight_bmatching(
        sme, buyer, weight, zeros, ones, ones, start=np.zeros(3, bool), separate=odd_cycle_separator(3)
    )
    assert result.status == "optimal"
    assert result.value == pytest.approx(value)
    assert int(result.chosen.sum()) == (1 if mode == "milp" else 0)
    assert result.bound == pytest.approx(1.25)  # the LP: 1/2 each, its certified (weaker) bound


def schedulable(instance: BipartiteInstance, pairs: list[tuple[int, int]]) -> bool:
    """Whether the pairs fit in slots (availability, one meeting per SME and slot, tables per buyer), locks kept."""
    _, buyers, slots = instance.shape
    sme_busy, buyer_busy = set(), np.zeros((buyers, slots), int)
    locked = {(int(s), int(b)): int(t) for s, b, t in instance.locked}
    for (s, b), t in locked.items():
        sme_busy.add((s, t))
        buyer_busy[b, t] += 1
    rest = [p for p in pairs if p not in locked]

    def place(i: int) -> bool:
        if i == len(rest):
            return True
        s, b = rest[i]
        for t in range(slots):
            free = (s, t) not in sme_busy and buyer_busy[b, t] < instance.buyer_tables[b]
            if free and instance.sme_available[s, t] and instance.buyer_available[b, t]:
                sme_busy.add((s, t))
                buyer_busy[b, t] += 1
                if place(i + 1):
                    return True
                sme_busy.discard((s, t))
                buyer_busy[b, t] -= 1
        return False

    return place(0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_events())
def test_no_schedule_as_fair_beats_the_windowed_bound(instance):
    selection = select_meetings(instance)
    check_invariants(instance, selection)
    plain = select_meetings(instance, window_cuts=False)
    assert selection.bound <= plain.bound + 1e-9
    assert (selection.min_zero_meeting_smes, selection.min_meetings_per_sme) == (
        plain.min_zero_meeting_smes,
        plain.min_meetings_per_sme,
    )
    smes, buyers, _ = instance.shape
    forced = np.zeros((smes, buyers), bool)
    forced[instance.locked[:, 0], instance.locked[:, 1]] = True
    forced[selection.pairs[:, 0], selection.pairs[:, 1]] |= instance.must_meet[
        selection.pairs[:, 0], selection.pairs[:, 1]
    ]
    common = (instance.sme_available.astype(int) @ instance.buyer_available.T.astype(int)) > 0
    candidates = np.argwhere(instance.allowed & common & ~forced).tolist()
    reach = np.minimum(selection.min_meetings_per_sme, degrees(plain, smes))
    # Every schedule keeping the forced pairs with each SME at its level (where the level is reachable) has
    # relevance at most the bound: check each selection that would beat it is unschedulable.
    for subset in itertools.product([0, 1], repeat=len(candidates)):
        pairs = [tuple(p) for p, take in zip(candidates, subset, strict=True) if take]
        pairs += [tuple(p) for p in np.argwhere(forced).tolist()]
        relevance = sum(instance.relevance[s, b] for s, b in pairs)
        if relevance <= selection.bound + 1e-9:
            continue
        degree = np.bincount([s for s, _ in pairs], minlength=smes)
        if np.any(degree < reach) or np.any(degree > instance.effective_sme_capacity()):
            continue
        assert not schedulable(instance, pairs), f"schedule {pairs} beats the bound {selection.bound}"
