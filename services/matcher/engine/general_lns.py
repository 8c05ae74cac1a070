"""General mode: improve a schedule by large-neighbourhood search (LNS) with CP-SAT.

On nearly saturated forums (tables 93–99 % full, people busy all day) a CP-SAT minimisation of the whole
model finds schedules with tens of breaks and then stalls far from the bound. LNS keeps most of an
incumbent fixed and lets CP-SAT re-solve the rest exactly: either every meeting of a few participants
(those with breaks above their bound, and some partners), or every meeting inside a window of consecutive
slots, kept inside that window. Each sub-problem is the full model with the other meetings fixed, so
presolve shrinks it to a small one that CP-SAT solves or improves within a fraction of a second; a
neighbourhood is accepted when it is no worse, so the search can drift across plateaus.

The same machinery completes a *partial* schedule (the greedy hint leaves a few meetings unplaced when the
tables are full): the first neighbourhood frees the unplaced meetings and the days of their participants.
"""

from __future__ import annotations

import time

import numpy as np
from ortools.sat.python import cp_model

from .general_model import GeneralArrays, breaks_from_busy, busy_matrix
from .general_search import CpGeneral, make_solver
from .model import IntArray, any_along

# Seconds per sub-problem: long enough for CP-SAT to solve a neighbourhood of ~40 meetings, short enough
# for tens of neighbourhoods in a 10 s call.
STEP_TIME = 0.4
# Workers per sub-problem: small models gain little from a large portfolio, and two cores are the target.
STEP_WORKERS = 4


def total_breaks(arrays: GeneralArrays, slots: IntArray) -> int:
    """Total breaks of a complete schedule."""
    busy = busy_matrix(arrays.n_participants, arrays.n_slots, arrays.meetings, slots)
    return int(breaks_from_busy(busy).sum())


def _solve_with(
    cp: CpGeneral, slots: IntArray, free: np.ndarray, window: np.ndarray | None, limit: float, seed: int
) -> tuple[IntArray | None, bool]:
    """Re-solve the meetings in ``free`` (within ``window`` if given), the others fixed.

    Returns the schedule (None if none was found) and whether CP-SAT proved it optimal for the neighbourhood.
    """
    sub = cp.model.clone()
    proto = sub.proto
    for m, row in enumerate(cp.x):
        for t, literal in row.items():
            if not free[m]:
                value = int(t == slots[m])
            elif window is not None and not window[t]:
                value = 0
            else:
                continue
            domain = proto.variables[literal.index].domain  # a literal's domain is [0, 1]
            domain[0] = domain[1] = value
    for m, row in enumerate(cp.x):
        if slots[m] >= 0:
            for t, literal in row.items():
                sub.add_hint(literal, int(t == slots[m]))
    solver = make_solver(limit, seed, STEP_WORKERS)
    status = solver.solve(sub)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, status == cp_model.INFEASIBLE
    slots = np.array([next(t for t, v in row.items() if solver.boolean_value(v)) for row in cp.x], dtype=np.int64)
    return slots, status == cp_model.OPTIMAL


def _participant_neighbourhood(
    arrays: GeneralArrays, slots: IntArray, bounds: IntArray, rng: np.random.Generator, size: int
) -> np.ndarray:
    """Meetings of ``size`` participants: one with breaks above its bound (if any), then its partners, then random."""
    busy = busy_matrix(arrays.n_participants, arrays.n_slots, arrays.meetings, slots)
    excess = breaks_from_busy(busy) - bounds
    candidates = np.flatnonzero(excess > 0)
    seed_person = rng.choice(candidates) if candidates.size else rng.integers(arrays.n_participants)
    chosen = {int(seed_person)}
    partners = np.unique(arrays.meetings[arrays.incidence[seed_person]])
    for p in rng.permutation(partners):
        if len(chosen) >= size:
            break
        chosen.add(int(p))
    for p in rng.permutation(candidates):
        if len(chosen) >= size:
            break
        chosen.add(int(p))
    people = np.zeros(arrays.n_participants, dtype=bool)
    people[list(chosen)] = True
    return any_along(people[arrays.meetings], 1)


def improve(
    arrays: GeneralArrays,
    cp: CpGeneral,
    bounds: IntArray,
    slots: IntArray,
    lower: int,
    deadline: float,
    seed: int,
    complete_by: float | None = None,
) -> IntArray | None:
    """LNS from ``slots`` (``-1`` = unplaced) until ``lower`` breaks or ``deadline``; the best complete schedule.

    Returns None if no complete schedule was found by ``complete_by`` (default: the deadline), so that the
    caller can spend the rest on a search that may prove the instance infeasible.

    Examples
    --------
    >>> from .general_model import encode_general
    >>> from .general_search import build_model
    >>> from .model import GeneralInstance
    >>> inst = GeneralInstance(4, 5, 2, np.array([[0, 1], [0, 2], [0, 3]]), np.zeros(3, int), 2, np.zeros((4, 5), bool))
    >>> arrays = encode_general(inst)
    >>> cp = build_model(arrays, np.zeros(4, int))
    >>> best = improve(arrays, cp, np.zeros(4, int), np.array([0, 2, 4]), 0, time.monotonic() + 5, 0)
    >>> total_breaks(arrays, best)
    0
    """
    rng = np.random.default_rng(seed)
    slots = np.asarray(slots, dtype=np.int64).copy()
    size = 6
    step = 0
    while (slots < 0).any():
        # Complete the partial schedule: free the unplaced meetings and every meeting of their participants.
        people = np.zeros(arrays.n_participants, dtype=bool)
        people[arrays.meetings[slots < 0].ravel()] = True
        people[rng.integers(arrays.n_participants, size=size * (step + 1))] = True
        free = people[arrays.meetings].any(axis=1) | (slots < 0)
        budget = min((complete_by or deadline) - time.monotonic(), 2 * STEP_TIME * (step + 1))
        if budget <= 0:
            return None
        filled, _ = _solve_with(cp, slots, free, None, budget, seed + step)
        step += 1
        if filled is not None:
            slots = filled
    best = total_breaks(arrays, slots)
    # Neighbourhood sizes adapt: a sub-problem solved to optimality without a gain grows the next one of its
    # kind (the optimum of the small one is known), a timed-out one shrinks it.
    width = min(4, arrays.n_slots)
    while best > lower and time.monotonic() < deadline - 0.05:
        by_people = rng.random() < 0.5
        if by_people:
            free, window = _participant_neighbourhood(arrays, slots, bounds, rng, size), None
        else:
            start = int(rng.integers(0, arrays.n_slots - width + 1))
            window = (np.arange(arrays.n_slots) >= start) & (np.arange(arrays.n_slots) < start + width)
            free = window[slots]
        budget = min(deadline - time.monotonic(), STEP_TIME)
        found, proven = _solve_with(cp, slots, free, window, budget, seed + step)
        step += 1
        value = best if found is None else total_breaks(arrays, found)
        grow = 1 if proven and value >= best else -1 if not proven else 0
        if by_people:
            size = int(np.clip(size + grow, 3, arrays.n_participants))
        else:
            width = int(np.clip(width + grow, 2, arrays.n_slots))
        if found is not None and value <= best:
            slots, best = found, value
    return slots
