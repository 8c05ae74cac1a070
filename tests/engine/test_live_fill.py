"""Live fill (services/matcher/engine/live_fill.py): freed table-slots go to stand-by firms by relevance,
nothing frozen changes, nobody is double-booked, every rule holds, and on small events the result is as good
as trying every way of filling the cells."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.matcher.engine.live_fill import (
    BUYER_ABSENT,
    BUYER_AWAY,
    DUPLICATE,
    FROZEN,
    NO_CANDIDATE,
    TAKEN,
    added_relevance,
    live_fill,
)
from services.matcher.engine.model import InstanceError


@dataclass
class Case:
    meetings: np.ndarray
    freed: np.ndarray
    standby: np.ndarray
    relevance: np.ndarray
    allowed: np.ndarray
    capacity: np.ndarray
    sme_available: np.ndarray
    buyer_available: np.ndarray
    first_open_slot: int
    min_relevance: float
    busy: np.ndarray
    present: np.ndarray  # buyers at the venue

    def run(self):
        return live_fill(
            self.meetings, self.freed, self.standby, self.relevance, self.allowed, self.capacity,
            self.sme_available, self.buyer_available, first_open_slot=self.first_open_slot,
            min_relevance=self.min_relevance, sme_busy=self.busy, buyer_present=self.present,
        )  # fmt: skip


@st.composite
def cases(draw, max_smes: int = 4, max_buyers: int = 3, max_slots: int = 3) -> Case:
    smes = draw(st.integers(1, max_smes))
    buyers = draw(st.integers(1, max_buyers))
    slots = draw(st.integers(1, max_slots))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    tables = rng.integers(1, 3, size=buyers)
    relevance = np.where(rng.random((smes, buyers)) < 0.2, 0.0, np.round(rng.random((smes, buyers)), 2))
    # A published schedule: each table-slot holds one SME or none; an SME once per slot, a pair once.
    meetings, busy_slot, pairs = [], set(), set()
    for b, t in itertools.product(range(buyers), range(slots)):
        for table in range(tables[b]):
            s = int(rng.integers(-1, smes))
            if s >= 0 and (s, t) not in busy_slot and (s, b) not in pairs and rng.random() < 0.6:
                meetings.append((s, b, t, table))
                busy_slot.add((s, t))
                pairs.add((s, b))
    cells = [(b, t, table) for b in range(buyers) for t in range(slots) for table in range(tables[b])]
    picked = rng.choice(len(cells), size=min(len(cells), int(rng.integers(0, 5))), replace=False)
    freed = [cells[i] for i in picked]
    if freed and rng.random() < 0.2:
        freed.append(freed[0])  # the same cell twice
    return Case(
        meetings=np.array(meetings, dtype=np.int64).reshape(-1, 4),
        freed=np.array(freed, dtype=np.int64).reshape(-1, 3),
        standby=rng.choice(smes, size=int(rng.integers(0, min(smes, 3) + 1)), replace=False),
        relevance=relevance,
        allowed=rng.random((smes, buyers)) < 0.85,
        capacity=rng.integers(0, slots + 2, size=smes),
        sme_available=rng.random((smes, slots)) < 0.8,
        buyer_available=rng.random((buyers, slots)) < 0.9,
        first_open_slot=int(rng.integers(0, slots + 1)),
        min_relevance=float(rng.choice([0.0, 0.0, 0.3])),
        busy=rng.random((smes, slots)) < 0.1,
        present=rng.random(buyers) < 0.8,
    )


def fits(case: Case, s: int, b: int, t: int) -> bool:
    return bool(
        case.allowed[s, b]
        and case.relevance[s, b] > 0
        and case.relevance[s, b] >= case.min_relevance
        and case.sme_available[s, t]
        and not case.busy[s, t]
        and case.buyer_available[b, t]
    )


def valid_after(case: Case, kept: np.ndarray, added: list[tuple[int, int, int, int]]) -> bool:
    """Whether the schedule ``kept`` + ``added`` keeps every rule for the added meetings."""
    final = [tuple(row) for row in kept.tolist()] + added
    if len({(s, t) for s, _, t, _ in final}) < len(final) or len({(s, b) for s, b, _, _ in final}) < len(final):
        return False
    if len({(b, t, table) for _, b, t, table in final}) < len(final):
        return False
    cap = np.minimum(case.capacity, case.sme_available.sum(axis=1))
    load = np.bincount([s for s, *_ in final], minlength=len(cap))
    return all(fits(case, s, b, t) and load[s] <= cap[s] for s, b, t, _ in added)


def brute_force(case: Case) -> float:
    """The best total relevance over every way of giving the open freed cells to stand-by firms."""
    cells = list(
        dict.fromkeys(tuple(c) for c in case.freed.tolist() if c[1] >= case.first_open_slot and case.present[c[0]])
    )
    best = 0.0
    for choice in itertools.product([-1, *case.standby.tolist()], repeat=len(cells)):
        filled = {cell for cell, s in zip(cells, choice, strict=True) if s >= 0}
        kept = np.array([m for m in case.meetings.tolist() if tuple(m[1:]) not in filled]).reshape(-1, 4)
        # An open freed cell's old meeting is gone whether or not the cell is filled.
        gone = {cell for cell in cells if case.buyer_available[cell[0], cell[1]]}
        counted = np.array([m for m in kept.tolist() if tuple(m[1:]) not in gone]).reshape(-1, 4)
        added = [(s, *cell) for cell, s in zip(cells, choice, strict=True) if s >= 0]
        if valid_after(case, counted, added):
            best = max(best, sum(case.relevance[s, b] for s, b, _, _ in added))
    return best


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_a_fill_keeps_every_rule_and_is_as_good_as_brute_force(case):
    result = case.run()
    added = [tuple(row) for row in result.added.tolist()]
    freed = {tuple(c) for c in case.freed.tolist()}
    # Every added meeting is in a freed, open cell at a buyer who is there, with a stand-by firm, one per cell.
    assert all((b, t, table) in freed and t >= case.first_open_slot and case.present[b] for _, b, t, table in added)
    assert all(s in case.standby.tolist() for s, *_ in added)
    assert len({row[1:] for row in added}) == len(added)
    # Nothing else moves: the new schedule is the published one minus the vacated rows plus the added ones.
    # Only freed meetings leave, and none in a frozen slot.
    # Only freed meetings leave, and none in a frozen slot or at the table of a buyer who is not there.
    open_cells = {tuple(c) for c in case.freed.tolist() if c[1] >= case.first_open_slot and case.present[c[0]]}
    assert {tuple(row[1:]) for row in case.meetings[result.vacated].tolist()} <= open_cells
    kept = np.delete(case.meetings, result.vacated, axis=0)
    assert all(tuple(m[1:]) not in open_cells or not case.buyer_available[m[1], m[2]] for m in kept.tolist())
    assert valid_after(case, kept, added)
    # The schedule people see (kept meetings, freed ones not refilled included) has no double booking.
    seen = [(s, t) for s, _, t, _ in kept.tolist()] + [(s, t) for s, _, t, _ in added]
    assert len(seen) == len(set(seen))
    assert added_relevance(result, case.relevance) == pytest.approx(brute_force(case))
    assert len(result.reasons) == len(case.freed)
    for i, (_, t, _) in enumerate(case.freed.tolist()):
        reason = result.reasons[i]
        assert (reason == "") == (i in result.cells.tolist())
        if t < case.first_open_slot and reason != DUPLICATE:
            assert reason == FROZEN
        elif reason not in (DUPLICATE, BUYER_AWAY) and not case.present[case.freed[i, 0]]:
            assert reason == BUYER_ABSENT


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_everyone_present_is_the_same_fill_as_saying_nothing(case):
    everyone = case.run() if case.present.all() else Case(**{**vars(case), "present": np.ones_like(case.present)}).run()
    unsaid = live_fill(
        case.meetings, case.freed, case.standby, case.relevance, case.allowed, case.capacity, case.sme_available,
        case.buyer_available, first_open_slot=case.first_open_slot, min_relevance=case.min_relevance,
        sme_busy=case.busy,
    )  # fmt: skip
    assert everyone.added.tolist() == unsaid.added.tolist() and everyone.reasons == unsaid.reasons


def test_a_buyer_who_is_not_there_gets_nobody_and_keeps_the_meeting_in_place():
    relevance = np.array([[0.9, 0.5], [0.4, 0.8], [0.7, 0.6]])
    meetings = np.array([[0, 0, 1, 0], [0, 1, 2, 0]])
    freed = np.array([[0, 1, 0], [1, 2, 0]])  # both of SME 0's meetings, at buyers 0 and 1
    result = live_fill(
        meetings, freed, [1, 2], relevance, np.ones((3, 2), bool), np.array([3, 3, 3]), np.ones((3, 3), bool),
        np.ones((2, 3), bool), first_open_slot=1, buyer_present=np.array([False, True]),
    )  # fmt: skip
    assert result.added.tolist() == [[1, 1, 2, 0]]  # buyer 1's table only: SME 1 fits it best
    assert result.reasons == (BUYER_ABSENT, "")
    assert result.vacated.tolist() == [1]  # buyer 0's freed meeting stays where it was, waiting


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(max_smes=6, max_buyers=4, max_slots=4))
def test_larger_events_keep_every_rule(case):
    result = case.run()
    kept = np.delete(case.meetings, result.vacated, axis=0)
    assert valid_after(case, kept, [tuple(row) for row in result.added.tolist()])


def one_buyer_day(**overrides):
    """Buyer 0 with one table and three slots; SME 0 met it in slot 1 and did not come."""
    arguments = dict(
        meetings=np.array([[0, 0, 1, 0]]),
        freed=np.array([[0, 1, 0]]),
        standby=[1, 2],
        relevance=np.array([[0.9], [0.4], [0.6]]),
        allowed=np.ones((3, 1), bool),
        sme_capacity=np.array([3, 3, 3]),
        sme_available=np.ones((3, 3), bool),
        buyer_available=np.ones((1, 3), bool),
        first_open_slot=1,
    )
    arguments.update(overrides)
    return live_fill(**arguments)


def test_the_best_fitting_stand_by_firm_gets_the_freed_table():
    result = one_buyer_day()
    assert result.added.tolist() == [[2, 0, 1, 0]] and result.vacated.tolist() == [0]


def test_never_pairs_the_floor_busy_slots_and_caps_are_respected():
    never = np.array([[True], [True], [False]])
    assert one_buyer_day(allowed=never).added.tolist() == [[1, 0, 1, 0]]
    assert one_buyer_day(min_relevance=0.5).added.tolist() == [[2, 0, 1, 0]]
    assert one_buyer_day(min_relevance=0.7).reasons == (NO_CANDIDATE,)
    busy = np.zeros((3, 3), bool)
    busy[2, 1] = True
    assert one_buyer_day(sme_busy=busy).added.tolist() == [[1, 0, 1, 0]]
    below = np.array([[False], [False], [True]])
    assert one_buyer_day(below_floor=below).added.tolist() == [[1, 0, 1, 0]]
    # SME 2 already has its one meeting (with buyer 1 in slot 2): full, so SME 1 gets the table.
    two_buyers = dict(
        meetings=np.array([[0, 0, 1, 0], [2, 1, 2, 0]]),
        relevance=np.array([[0.9, 0.1], [0.4, 0.1], [0.6, 0.1]]),
        allowed=np.ones((3, 2), bool),
        buyer_available=np.ones((2, 3), bool),
    )
    assert one_buyer_day(**two_buyers).added.tolist() == [[2, 0, 1, 0]]
    assert one_buyer_day(**two_buyers, sme_capacity=np.array([3, 3, 1])).added.tolist() == [[1, 0, 1, 0]]


def test_a_firm_already_meeting_the_buyer_or_busy_in_the_slot_does_not_get_the_table():
    meetings = np.array([[0, 0, 1, 0], [2, 0, 2, 0]])  # SME 2 meets buyer 0 later anyway
    assert one_buyer_day(meetings=meetings).added.tolist() == [[1, 0, 1, 0]]
    relevance = np.array([[0.9, 0.1], [0.4, 0.1], [0.6, 0.1]])
    elsewhere = np.array([[0, 0, 1, 0], [2, 1, 1, 0]])  # SME 2 is at buyer 1's table in slot 1
    result = one_buyer_day(
        meetings=elsewhere, relevance=relevance, allowed=np.ones((3, 2), bool), buyer_available=np.ones((2, 3), bool)
    )
    assert result.added.tolist() == [[1, 0, 1, 0]]


def test_frozen_and_absent_cells_stay_empty_and_say_why():
    result = one_buyer_day(first_open_slot=2)
    assert result.added.size == 0 and result.vacated.size == 0 and result.reasons == (FROZEN,)
    away = np.array([[True, False, True]])
    assert one_buyer_day(buyer_available=away).reasons == (BUYER_AWAY,)
    assert one_buyer_day(freed=np.array([[0, 1, 0], [0, 1, 0]])).reasons == ("", DUPLICATE)
    assert one_buyer_day(standby=[]).reasons == (NO_CANDIDATE,)


def test_one_firm_takes_several_cells_across_slots_within_its_cap():
    """Two freed slots at two buyers; one stand-by firm with room for both gets both (a b-matching)."""
    arguments = dict(
        meetings=np.zeros((0, 4), int),
        freed=np.array([[0, 1, 0], [1, 2, 0]]),
        standby=[0, 1],
        relevance=np.array([[0.9, 0.8], [0.5, 0.0]]),
        allowed=np.ones((2, 2), bool),
        sme_available=np.ones((2, 3), bool),
        buyer_available=np.ones((2, 3), bool),
        first_open_slot=0,
    )
    both = live_fill(**arguments, sme_capacity=np.array([2, 2]))
    assert both.added.tolist() == [[0, 0, 1, 0], [0, 1, 2, 0]]
    one = live_fill(**arguments, sme_capacity=np.array([1, 2]))
    # Capped at one: firm 0 takes buyer 1 (0.8, where firm 1 does not fit) and firm 1 buyer 0 (0.5).
    assert one.added.tolist() == [[1, 0, 1, 0], [0, 1, 2, 0]]
    assert live_fill(**arguments, sme_capacity=np.array([1, 0])).reasons == ("", TAKEN)


def test_fifty_freed_cells_among_hundreds_of_firms_are_filled_quickly_and_validly():
    rng = np.random.default_rng(5)
    smes, buyers, slots = 400, 60, 16
    relevance = np.round(rng.random((smes, buyers)), 3)
    freed = np.column_stack((rng.integers(0, buyers, 50), rng.integers(4, slots, 50), np.zeros(50, int)))
    result = live_fill(
        np.zeros((0, 4), int), np.unique(freed, axis=0), np.arange(0, smes, 3), relevance,
        np.ones((smes, buyers), bool), np.full(smes, 6), np.ones((smes, slots), bool),
        np.ones((buyers, slots), bool), first_open_slot=4,
    )  # fmt: skip
    assert len(result.added) == len(np.unique(freed, axis=0))
    assert len({(s, t) for s, _, t, _ in result.added.tolist()}) == len(result.added)


def test_bad_input_names_the_item():
    with pytest.raises(InstanceError, match="freed"):
        one_buyer_day(freed=np.array([[5, 1, 0]]))
    with pytest.raises(InstanceError, match="standby"):
        one_buyer_day(standby=[7])
    with pytest.raises(InstanceError, match="allowed"):
        one_buyer_day(allowed=np.ones((2, 1), bool))
