"""The relevance stage by min-cost flow: the same optimum and certificate as the LP, and a valid bound on ties."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.matcher.engine import flow
from services.matcher.engine.min_cost import flow_bmatching
from services.matcher.engine.select import select_meetings
from tests.engine.test_select import check_invariants, degrees, random_event, total_relevance


@pytest.mark.parametrize(("seed", "windows"), [(0, True), (1, True), (2, False)])
def test_flow_selection_has_the_lp_selections_fairness_relevance_and_bound(seed, windows, monkeypatch):
    instance = random_event(80, 16, 10, seed=seed, windows=windows)
    by_flow = select_meetings(instance)
    monkeypatch.setattr(flow, "METHOD", "lp")
    by_lp = select_meetings(instance)
    check_invariants(instance, by_flow)
    assert by_flow.min_zero_meeting_smes == by_lp.min_zero_meeting_smes
    assert by_flow.min_meetings_per_sme == by_lp.min_meetings_per_sme
    assert int((degrees(by_flow, 80) == 0).sum()) == by_flow.min_zero_meeting_smes
    assert by_flow.bound == pytest.approx(by_lp.bound, abs=1e-9)
    assert total_relevance(instance, by_flow) == pytest.approx(total_relevance(instance, by_lp), abs=1e-9)


def brute_force(sme, buyer, weight, lower, upper, buyer_upper):
    """The best total weight over every subset of pairs within the degree bounds (None: none is)."""
    best = None
    for bits in itertools.product([False, True], repeat=len(sme)):
        chosen = np.array(bits, bool)
        per_sme = np.bincount(sme[chosen], minlength=len(upper))
        if np.any(per_sme < lower) or np.any(per_sme > upper):
            continue
        if np.any(np.bincount(buyer[chosen], minlength=len(buyer_upper)) > buyer_upper):
            continue
        best = max(float(weight[chosen].sum()), -np.inf if best is None else best)
    return best


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_weights_tied_below_the_rounding_still_get_a_valid_bound(data):
    # Weights 1e-12 apart round to the same integer cost: the flow may pick the worse of two answers, and
    # the certificate must still bound the real optimum (the integer potentials' fallback).
    smes, buyers = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    pairs = np.array([(s, b) for s in range(smes) for b in range(buyers)], np.int64)
    base = np.array([data.draw(st.sampled_from([0.3, 0.6])) for _ in pairs])
    weight = base + 1e-12 * np.array([data.draw(st.integers(0, 3)) for _ in pairs])
    upper = np.array([data.draw(st.integers(0, 2)) for _ in range(smes)])
    lower = np.array([data.draw(st.integers(0, int(u))) for u in upper])
    buyer_upper = np.array([data.draw(st.integers(0, 2)) for _ in range(buyers)])
    best = brute_force(pairs[:, 0], pairs[:, 1], weight, lower, upper, buyer_upper)
    answer = flow_bmatching(pairs[:, 0], pairs[:, 1], weight, lower, upper, buyer_upper, np.zeros(len(pairs), bool))
    if best is None:
        assert answer is None
        return
    assert answer is not None
    chosen, bound = answer
    per_sme = np.bincount(pairs[chosen, 0], minlength=smes)
    assert np.all(per_sme >= lower) and np.all(per_sme <= upper)
    assert np.all(np.bincount(pairs[chosen, 1], minlength=buyers) <= buyer_upper)
    assert bound >= best - 1e-15
    assert float(weight[chosen].sum()) >= best - 1e-9
    assert bound - best <= 1e-8


def test_infeasible_lower_bounds_give_no_flow_answer():
    # Both SMEs need a meeting; the only buyer holds one.
    sme, buyer, weight = np.array([0, 1]), np.array([0, 0]), np.array([0.5, 0.5])
    assert (
        flow_bmatching(sme, buyer, weight, np.ones(2, int), np.ones(2, int), np.ones(1, int), np.zeros(2, bool)) is None
    )


def test_single_pairs_go_through_a_hub_of_one():
    # SME 0 (cap 3) has three relevance pairs of which it may use one ("single") and one ordinary pair.
    sme, buyer = np.zeros(4, int), np.arange(4)
    weight = np.array([0.5, 0.4, 0.3, 0.2])
    single = np.array([True, True, True, False])
    chosen, bound = flow_bmatching(sme, buyer, weight, np.zeros(1, int), np.array([3]), np.ones(4, int), single)
    assert chosen.tolist() == [True, False, False, True]
    assert bound == pytest.approx(0.7, abs=1e-12)
