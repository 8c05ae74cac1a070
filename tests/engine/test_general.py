"""General mode (B2B meeting scheduling): hand-checkable instances and invariants on random tiny ones."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from services.matcher.engine.general import count_breaks, solve_general
from services.matcher.engine.model import GeneralInstance, InstanceError


def make(
    n_participants: int,
    n_slots: int,
    meetings: list[tuple[int, int]],
    *,
    tables: int = 10,
    session: list[int] | None = None,
    morning_slots: int | None = None,
    forbidden: dict[int, list[int]] | None = None,
    fixed: list[tuple[int, int]] | None = None,
    fairness: int | None = None,
) -> GeneralInstance:
    blocked = np.zeros((n_participants, n_slots), dtype=bool)
    for p, slots in (forbidden or {}).items():
        blocked[p, slots] = True
    return GeneralInstance(
        n_participants=n_participants,
        n_slots=n_slots,
        tables=tables,
        meetings=np.array(meetings, dtype=np.int64).reshape(-1, 2),
        session=np.array(session if session is not None else [0] * len(meetings), dtype=np.int64),
        morning_slots=n_slots // 2 if morning_slots is None else morning_slots,
        forbidden=blocked,
        fixed=np.array(fixed or [], dtype=np.int64).reshape(-1, 2),
        fairness=fairness,
    )


def test_a_star_of_meetings_fits_in_one_block_with_zero_breaks() -> None:
    result = solve_general(make(4, 5, [(0, 1), (0, 2), (0, 3)]), time_limit=5)
    assert result.status == "optimal"
    assert result.total_breaks == result.lower_bound == 0
    assert sorted(result.slots.tolist()) in ([0, 1, 2], [1, 2, 3], [2, 3, 4])


def test_a_forbidden_slot_in_the_middle_forces_exactly_one_break() -> None:
    # Participant 0 has two meetings in three slots but cannot use slot 1.
    result = solve_general(make(3, 3, [(0, 1), (0, 2)], forbidden={0: [1]}), time_limit=5)
    assert result.status == "optimal"
    assert sorted(result.slots.tolist()) == [0, 2]
    assert result.breaks.tolist() == [1, 0, 0]
    assert result.total_breaks == result.lower_bound == 1


def test_too_few_tables_is_reported_infeasible_with_a_reason() -> None:
    # Four disjoint meetings, one table, three slots.
    result = solve_general(make(8, 3, [(0, 1), (2, 3), (4, 5), (6, 7)], tables=1), time_limit=5)
    assert result.status == "infeasible"
    assert "table" in result.reason
    assert result.slots.size == 0


def test_infeasibility_that_needs_search_is_reported_not_raised() -> None:
    # A triangle needs three slots (each pair shares a person); two slots are not enough.
    result = solve_general(make(3, 2, [(0, 1), (1, 2), (0, 2)]), time_limit=5)
    assert result.status == "infeasible"
    assert result.reason


def test_a_fixed_meeting_stays_in_its_slot() -> None:
    result = solve_general(make(3, 6, [(0, 1), (0, 2)], fixed=[(1, 4)]), time_limit=5)
    assert result.slots[1] == 4
    assert result.slots[0] in (3, 5)
    assert result.status == "optimal" and result.total_breaks == 0


def test_sessions_put_meetings_in_the_morning_or_afternoon() -> None:
    instance = make(3, 6, [(0, 1), (0, 2)], session=[2, 1], morning_slots=3)
    result = solve_general(instance, time_limit=5)
    assert result.slots[0] >= 3 and result.slots[1] < 3
    assert result.status == "optimal"
    assert sorted(result.slots.tolist()) == [2, 3]  # adjacent across noon: no break


def test_the_fairness_bound_trades_total_breaks_for_evenness() -> None:
    # A 4-cycle of meetings in 3 slots; participant 0 cannot use slot 1, so its two meetings take slots
    # 0 and 2 (one break). Without fairness two breaks in total suffice; with d = 0 all four must have one.
    meetings = [(0, 1), (1, 2), (2, 3), (3, 0)]
    loose = solve_general(make(4, 3, meetings, tables=2, forbidden={0: [1]}), time_limit=5)
    assert loose.status == "optimal" and loose.total_breaks == 2
    assert loose.breaks.max() - loose.breaks.min() == 1
    fair = solve_general(make(4, 3, meetings, tables=2, forbidden={0: [1]}, fairness=0), time_limit=5)
    assert fair.status == "optimal"
    assert fair.breaks.tolist() == [1, 1, 1, 1]
    assert fair.total_breaks == fair.lower_bound == 4


def test_fairness_that_cannot_be_met_is_infeasible() -> None:
    # Participant 2 has a single meeting (never a break); participant 0 must have one: d = 0 is impossible.
    meetings = [(0, 1), (0, 2)]
    result = solve_general(make(3, 3, meetings, forbidden={0: [1]}, fairness=0), time_limit=5)
    assert result.status == "infeasible"
    assert "fairness" in result.reason


def test_count_breaks_counts_idle_runs_between_meetings() -> None:
    instance = make(2, 7, [(0, 1), (0, 1), (0, 1)])
    assert count_breaks(instance, np.array([0, 3, 6])).tolist() == [2, 2]
    assert count_breaks(instance, np.array([2, 3, 4])).tolist() == [0, 0]
    assert count_breaks(instance, np.array([0, 1, 5])).tolist() == [1, 1]


@pytest.mark.parametrize(
    ("instance", "item"),
    [
        (make(2, 3, [(0, 5)]), "meeting 0"),
        (make(2, 3, [(0, 1), (1, 1)]), "meeting 1"),
        (make(2, 3, [(0, 1)], tables=-1), "tables"),
        (make(2, 2, [(0, 1)], forbidden={0: [0], 1: [1]}), "meeting 0"),
        (make(2, 4, [(0, 1)], session=[1], morning_slots=2, forbidden={0: [0, 1]}), "meeting 0"),
        (make(2, 3, [(0, 1)], fixed=[(3, 0)]), "fixed[0]"),
        (make(2, 3, [(0, 1)], session=[7]), "meeting 0"),
        (make(2, 3, [(0, 1)], fairness=-1), "fairness"),
    ],
)
def test_invalid_input_names_the_offending_item(instance: GeneralInstance, item: str) -> None:
    with pytest.raises(InstanceError) as error:
        solve_general(instance, time_limit=1)
    assert error.value.item == item


@st.composite
def tiny_instances(draw: st.DrawFn) -> GeneralInstance:
    n_participants = draw(st.integers(2, 6))
    n_slots = draw(st.integers(2, 6))
    pairs = [(a, b) for a in range(n_participants) for b in range(a + 1, n_participants)]
    chosen = draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=8))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    session = rng.choice([0, 0, 1, 2], size=len(chosen))
    forbidden = rng.random((n_participants, n_slots)) < 0.15
    morning = n_slots // 2
    allowed = np.ones((len(chosen), n_slots), dtype=bool)
    allowed[session == 1, morning:] = False
    allowed[session == 2, :morning] = False
    for m, (a, b) in enumerate(chosen):
        allowed[m] &= ~forbidden[a] & ~forbidden[b]
    session[~allowed.any(axis=1)] = 0  # keep inputs valid: every meeting keeps some slot
    for a, b in chosen:
        if not (~forbidden[a] & ~forbidden[b]).any():
            forbidden[[a, b], 0] = False
    fixed = [(m, int(rng.choice(np.flatnonzero(~forbidden[a] & ~forbidden[b])))) for m, (a, b) in enumerate(chosen)]
    fixed = [f for f in fixed if session[f[0]] == 0 and rng.random() < 0.15]
    return GeneralInstance(
        n_participants=n_participants,
        n_slots=n_slots,
        tables=draw(st.integers(1, 3)),
        meetings=np.array(chosen, dtype=np.int64),
        session=session,
        morning_slots=morning,
        forbidden=forbidden,
        fixed=np.array(fixed, dtype=np.int64).reshape(-1, 2),
        fairness=draw(st.none() | st.integers(0, 2)),
    )


@settings(max_examples=60, deadline=None)
@given(tiny_instances())
def test_every_schedule_respects_the_rules_and_reports_honest_breaks(instance: GeneralInstance) -> None:
    result = solve_general(instance, time_limit=5, seed=1)
    assert result.status in ("optimal", "feasible", "infeasible")
    if result.status == "infeasible":
        assert result.reason and result.slots.size == 0
        return
    slots, meetings = result.slots, instance.meetings
    assert slots.shape == (len(meetings),)
    assert np.all((slots >= 0) & (slots < instance.n_slots))
    # Nobody twice in a slot.
    for p in range(instance.n_participants):
        mine = slots[(meetings == p).any(axis=1)]
        assert len(mine) == len(set(mine.tolist()))
    # Tables per slot.
    assert np.bincount(slots, minlength=instance.n_slots).max() <= instance.tables
    # Sessions, forbidden and fixed slots.
    assert np.all(slots[instance.session == 1] < instance.morning_slots)
    assert np.all(slots[instance.session == 2] >= instance.morning_slots)
    assert not instance.forbidden[meetings[:, 0], slots].any()
    assert not instance.forbidden[meetings[:, 1], slots].any()
    for m, t in instance.fixed:
        assert slots[m] == t
    # Breaks recomputed independently, bound, fairness.
    assert result.breaks.tolist() == _breaks_by_hand(instance, slots)
    assert result.total_breaks == sum(result.breaks.tolist())
    assert result.lower_bound <= result.total_breaks
    if result.status == "optimal":
        assert result.lower_bound == result.total_breaks
    if instance.fairness is not None:
        active = [b for p, b in enumerate(result.breaks.tolist()) if (meetings == p).any()]
        assert max(active) - min(active) <= instance.fairness


def _breaks_by_hand(instance: GeneralInstance, slots: np.ndarray) -> list[int]:
    """Breaks per participant from their sorted busy slots: gaps between consecutive meetings."""
    result = []
    for p in range(instance.n_participants):
        busy = sorted(slots[(instance.meetings == p).any(axis=1)].tolist())
        result.append(sum(1 for a, b in itertools.pairwise(busy) if b - a > 1))
    return result


@settings(max_examples=30, deadline=None)
@given(tiny_instances())
def test_optimal_breaks_match_brute_force(instance: GeneralInstance) -> None:
    """On tiny instances, "optimal" is checked against every possible assignment of slots."""
    assume(instance.n_slots ** len(instance.meetings) <= 20_000)
    result = solve_general(instance, time_limit=5)
    best = _brute_force(instance)
    if best is None:
        assert result.status == "infeasible"
    else:
        assert result.status == "optimal"
        assert result.total_breaks == best


def _brute_force(instance: GeneralInstance) -> int | None:
    meetings = instance.meetings
    best = None
    for slots in itertools.product(range(instance.n_slots), repeat=len(meetings)):
        s = np.array(slots)
        if not _valid(instance, s):
            continue
        breaks = np.array(_breaks_by_hand(instance, s))
        if instance.fairness is not None:
            active = breaks[[(meetings == p).any() for p in range(instance.n_participants)]]
            if active.max() - active.min() > instance.fairness:
                continue
        best = int(breaks.sum()) if best is None else min(best, int(breaks.sum()))
    return best


def _valid(instance: GeneralInstance, s: np.ndarray) -> bool:
    meetings = instance.meetings
    if np.bincount(s, minlength=instance.n_slots).max() > instance.tables:
        return False
    if np.any(s[instance.session == 1] >= instance.morning_slots) or np.any(
        s[instance.session == 2] < instance.morning_slots
    ):
        return False
    if instance.forbidden[meetings[:, 0], s].any() or instance.forbidden[meetings[:, 1], s].any():
        return False
    if any(s[m] != t for m, t in instance.fixed):
        return False
    for p in range(instance.n_participants):
        mine = s[(meetings == p).any(axis=1)]
        if len(mine) != len(set(mine.tolist())):
            return False
    return True


@settings(max_examples=50, deadline=None)
@given(tiny_instances())
def test_the_greedy_hint_never_double_books_or_breaks_a_rule(instance: GeneralInstance) -> None:
    from services.matcher.engine.general_hint import greedy_slots
    from services.matcher.engine.general_model import encode_general

    try:
        arrays = encode_general(instance)
    except InstanceError:
        return
    slots = greedy_slots(arrays, seed=3)
    placed = slots >= 0
    assert np.all(arrays.allowed[np.flatnonzero(placed), slots[placed]])
    assert np.bincount(slots[placed], minlength=instance.n_slots).max(initial=0) <= instance.tables
    for p in range(instance.n_participants):
        mine = slots[placed & (instance.meetings == p).any(axis=1)]
        assert len(mine) == len(set(mine.tolist()))
