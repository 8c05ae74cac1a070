"""General mode: schedule requested meetings between any participants with as few breaks as possible.

The B2B meeting scheduling problem of Bofill et al. (JAIR 2022): every requested meeting gets one slot,
nobody is in two meetings at once, at most ``tables`` meetings run in a slot, sessions (morning /
afternoon), forbidden and fixed slots are respected; minimise the total number of breaks (runs of idle
slots between two of a person's meetings), with max − min breaks over participants at most ``fairness``.

Method (see :mod:`.general_search`): one CP-SAT model whose implied constraints describe each person's day
as a block of consecutive slots. Every result carries a lower bound: the larger of the per-person bound
(:func:`.general_model.participant_lower_bounds`, lifted by the fairness bound) and the solver's proven
objective bound, so "optimal" means the breaks found equal a proven bound.
"""

from __future__ import annotations

import math
import time

import numpy as np
from ortools.sat.python import cp_model

from .general_model import (
    breaks_from_busy,
    busy_matrix,
    encode_general,
    fairness_lower_bound,
    infeasibility_reason,
    participant_lower_bounds,
)
from .general_search import build_model, make_solver, read_slots
from .model import GeneralInstance, GeneralSchedule, IntArray, frozen


def count_breaks(instance: GeneralInstance, slots: IntArray) -> IntArray:
    """Breaks per participant of a schedule (``slots[m]`` is the slot of meeting ``m``), recomputed from scratch.

    Examples
    --------
    >>> inst = GeneralInstance(3, 4, 2, np.array([[0, 1], [0, 2]]), np.zeros(2, int), 2, np.zeros((3, 4), bool))
    >>> count_breaks(inst, np.array([0, 2])).tolist()
    [1, 0, 0]
    """
    meetings = np.asarray(instance.meetings, dtype=np.int64).reshape(-1, 2)
    busy = busy_matrix(int(instance.n_participants), int(instance.n_slots), meetings, np.asarray(slots, dtype=np.int64))
    return breaks_from_busy(busy)


def _empty(status: str, n_participants: int, lower_bound: int, reason: str) -> GeneralSchedule:
    return GeneralSchedule(
        status=status,
        slots=frozen(np.zeros(0), np.int64),
        breaks=frozen(np.zeros(n_participants), np.int64),
        total_breaks=0,
        lower_bound=lower_bound,
        reason=reason,
    )


def solve_general(instance: GeneralInstance, *, time_limit: float = 10.0, seed: int = 0) -> GeneralSchedule:
    """Schedule every requested meeting, minimising total breaks under the fairness bound.

    Parameters
    ----------
    instance : GeneralInstance
    time_limit : float
        Wall-clock seconds for the whole call (bounds and search).
    seed : int
        Seed of the solver's randomness (CP-SAT with 2 workers; equal seeds give equal results when the
        search finishes, a time-limited run may differ slightly with machine load).

    Returns
    -------
    GeneralSchedule
        ``status`` "optimal" (``total_breaks == lower_bound``), "feasible" (time ran out with a schedule),
        "infeasible" (``reason`` says why) or "unknown" (time ran out before any schedule was found).

    Raises
    ------
    InstanceError
        Invalid input, naming the item (unknown participant, a meeting with no allowed slot, …).

    Examples
    --------
    Two meetings of participant 0 around a slot it cannot use: one break is forced, and proven.

    >>> forbidden = np.zeros((3, 3), bool); forbidden[0, 1] = True
    >>> inst = GeneralInstance(3, 3, 1, np.array([[0, 1], [0, 2]]), np.zeros(2, int), 3, forbidden)
    >>> result = solve_general(inst, time_limit=5)
    >>> result.status, sorted(result.slots.tolist()), result.total_breaks, result.lower_bound
    ('optimal', [0, 2], 1, 1)
    """
    started = time.monotonic()
    arrays = encode_general(instance)
    n_participants = arrays.n_participants
    reason = infeasibility_reason(arrays)
    if reason:
        return _empty("infeasible", n_participants, 0, reason)
    if len(arrays.meetings) == 0:
        return GeneralSchedule(
            "optimal", frozen(np.zeros(0), np.int64), frozen(np.zeros(n_participants), np.int64), 0, 0
        )
    bounds = participant_lower_bounds(arrays)
    static_bound = fairness_lower_bound(bounds, arrays.incidence.any(axis=1), arrays.fairness)
    cp = build_model(arrays, bounds)
    solver = make_solver(time_limit - (time.monotonic() - started), seed)
    status = solver.solve(cp.model)
    if status == cp_model.INFEASIBLE:
        rules = "tables, sessions, forbidden and fixed slots" + (
            f" and the fairness bound d={arrays.fairness}" if arrays.fairness is not None else ""
        )
        return _empty(
            "infeasible", n_participants, static_bound, f"no schedule satisfies the {rules} (proved by CP-SAT)"
        )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _empty("unknown", n_participants, static_bound, "time limit reached before any schedule was found")
    slots = read_slots(solver, cp)
    breaks = count_breaks(instance, slots)
    total = int(breaks.sum())
    proven = total if status == cp_model.OPTIMAL else math.ceil(solver.best_objective_bound - 1e-6)
    lower_bound = min(total, max(static_bound, proven))
    return GeneralSchedule(
        status="optimal" if lower_bound == total else "feasible",
        slots=frozen(slots, np.int64),
        breaks=frozen(breaks, np.int64),
        total_breaks=total,
        lower_bound=lower_bound,
    )
