"""The hard general-mode generator: the properties issue 16 asks for, a valid planted schedule, honest bounds."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from services.matcher.engine.hard_instances import generate_hard, lower_bound
from services.matcher.engine.model import GeneralInstance


def violations(instance: GeneralInstance, slots: np.ndarray) -> list[str]:
    """Every broken rule of a schedule, checked from the instance alone."""
    problems = []
    meetings = instance.meetings
    for p in range(instance.n_participants):
        mine = slots[(meetings == p).any(axis=1)].tolist()
        if len(mine) != len(set(mine)):
            problems.append(f"participant {p} double-booked")
        if any(instance.forbidden[p, t] for t in mine):
            problems.append(f"participant {p} in a forbidden slot")
    if np.bincount(slots, minlength=instance.n_slots).max() > instance.tables:
        problems.append("a slot over its tables")
    if np.any(slots[instance.session == 1] >= instance.morning_slots):
        problems.append("a morning meeting in the afternoon")
    if np.any(slots[instance.session == 2] < instance.morning_slots):
        problems.append("an afternoon meeting in the morning")
    return problems


def breaks_by_hand(instance: GeneralInstance, slots: np.ndarray) -> int:
    total = 0
    for p in range(instance.n_participants):
        busy = sorted(slots[(instance.meetings == p).any(axis=1)].tolist())
        total += sum(1 for a, b in itertools.pairwise(busy) if b - a > 1)
    return total


@pytest.mark.parametrize("seed", range(8))
def test_a_hard_instance_lies_in_the_ranges_of_the_real_forums(seed: int) -> None:
    inst = generate_hard(seed).instance
    assert 42 <= inst.n_participants <= 78
    assert 8 <= inst.n_slots <= 22
    assert 12 <= inst.tables <= 27
    assert len(inst.meetings) <= 302
    assert 0 < inst.morning_slots < inst.n_slots


@pytest.mark.parametrize("seed", range(8))
def test_the_planted_schedule_is_valid_and_its_breaks_bound_the_optimum_from_above(seed: int) -> None:
    hard = generate_hard(seed)
    assert violations(hard.instance, np.asarray(hard.planted_slots)) == []
    assert breaks_by_hand(hard.instance, np.asarray(hard.planted_slots)) == hard.planted_breaks
    assert lower_bound(hard.instance) <= hard.planted_breaks


def test_the_class_has_what_makes_real_forums_hard() -> None:
    fills, planted_breaks, forced, duplicated, full_days = [], [], [], [], []
    for seed in range(8):
        hard = generate_hard(seed)
        inst = hard.instance
        fills.append(len(inst.meetings) / (inst.tables * inst.n_slots))
        planted_breaks.append(hard.planted_breaks)
        forced.append(lower_bound(inst))
        duplicated.append(len(inst.meetings) - len({tuple(pair) for pair in inst.meetings.tolist()}))
        degree = np.bincount(inst.meetings.ravel(), minlength=inst.n_participants)
        full_days.append(int((degree == inst.n_slots).sum()))
    assert np.median(fills) >= 0.93  # the tables are nearly saturated
    assert min(planted_breaks) > 0  # no planted 0-break schedule: "≤ 0 breaks?" is not a free "yes"
    assert min(forced) > 0  # forbidden slots inside days force breaks
    assert min(duplicated) > 0  # the same two participants meet twice
    assert min(full_days) > 0  # people with as many meetings as slots


def test_the_same_seed_gives_the_same_instance() -> None:
    a, b = generate_hard(5), generate_hard(5)
    assert np.array_equal(a.instance.meetings, b.instance.meetings)
    assert np.array_equal(a.instance.forbidden, b.instance.forbidden)
    assert np.array_equal(a.planted_slots, b.planted_slots)
    assert not np.array_equal(generate_hard(6).instance.meetings, a.instance.meetings)
