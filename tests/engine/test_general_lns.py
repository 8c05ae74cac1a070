"""General mode on hard instances: LNS keeps every rule, the solo bound is a bound, statuses are honest."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import assume, given, settings

from services.matcher.engine.general import solve_general
from services.matcher.engine.general_hint import greedy_slots
from services.matcher.engine.general_lns import improve, total_breaks
from services.matcher.engine.general_model import encode_general, participant_lower_bounds, solo_lower_bounds
from services.matcher.engine.general_search import build_model
from services.matcher.engine.hard_instances import generate_hard, lower_bound
from services.matcher.engine.model import GeneralInstance, InstanceError
from tests.engine.test_general import _brute_force, tiny_instances
from tests.engine.test_hard_instances import breaks_by_hand, violations


@pytest.mark.parametrize("seed", [1, 3])
def test_lns_completes_the_greedy_schedule_and_keeps_every_rule(seed: int) -> None:
    instance = generate_hard(seed).instance
    arrays = encode_general(instance)
    bounds = solo_lower_bounds(arrays)
    start = greedy_slots(arrays, seed)
    slots = improve(arrays, build_model(arrays, bounds), bounds, start, int(bounds.sum()), time.monotonic() + 3, seed)
    assert slots is not None
    assert violations(instance, slots) == []
    assert total_breaks(arrays, slots) == breaks_by_hand(instance, slots) >= lower_bound(instance)


@pytest.mark.parametrize("seed", [0, 1, 4])
def test_a_hard_instance_gets_a_valid_schedule_with_an_honest_status(seed: int) -> None:
    instance = generate_hard(seed).instance
    result = solve_general(instance, time_limit=4, seed=seed)
    assert lower_bound(instance) <= result.lower_bound
    if result.status == "unknown":
        # On a machine busy with other work the 4 s can pass before any complete schedule (seen beside a CPU
        # hog): then the honest answer is no schedule and no claim beyond the proven bound.
        assert len(result.slots) == 0 and result.reason
        return
    assert result.status in ("optimal", "feasible")
    assert violations(instance, result.slots) == []
    assert result.total_breaks == breaks_by_hand(instance, result.slots)
    assert lower_bound(instance) <= result.lower_bound <= result.total_breaks
    assert (result.status == "optimal") == (result.lower_bound == result.total_breaks)


def test_the_solo_bound_lifts_the_per_person_bound_where_forbidden_slots_split_a_day() -> None:
    # Participant 0: five meetings in seven slots, slots 1 and 4 forbidden: {0} {2,3} {5,6} is the best day.
    forbidden = np.zeros((6, 7), dtype=bool)
    forbidden[0, [1, 4]] = True
    meetings = np.array([[0, 1], [0, 2], [0, 3], [0, 4], [0, 5]])
    arrays = encode_general(GeneralInstance(6, 7, 3, meetings, np.zeros(5, int), 3, forbidden))
    assert participant_lower_bounds(arrays)[0] == 1
    assert solo_lower_bounds(arrays)[0] == 2


@settings(max_examples=40, deadline=None)
@given(tiny_instances())
def test_the_solo_bound_never_exceeds_the_optimum(instance: GeneralInstance) -> None:
    assume(instance.n_slots ** len(instance.meetings) <= 20_000)
    assume(instance.fairness is None)
    try:
        arrays = encode_general(instance)
    except InstanceError:  # invalid input: nothing to bound
        return
    best = _brute_force(instance)
    if best is not None:
        assert int(solo_lower_bounds(arrays).sum()) <= best
