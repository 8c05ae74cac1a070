"""General mode, solve layer: a CP-SAT model of the B2B meeting scheduling problem with the day as a block.

Plain time-indexed models relax badly: a fractional "busy" profile hides every break from the linear
relaxation. Following the implied constraints of Bofill et al. (JAIR 2022), each participant's day is
modelled twice: exactly (run starts ``busy[t] ∧ ¬busy[t-1]``, breaks = runs − 1) and as a *block*
(one start literal per window of ``n_p`` consecutive slots that can hold all its meetings, or a "has a
break" literal), so that "zero breaks" is a single choice the solver can branch and reason on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from .general_model import GeneralArrays
from .model import IntArray

# CP-SAT's portfolio of 8 workers (several full-search strategies, LNS, local search), even on a 2-core
# machine: measured on the generated L instances, the "total breaks ≤ 0" check took 0.7–1.4 s with 8 workers
# against 0.7–4.6 s (heavy-tailed across seeds) with 2; the diversity outweighs the time slicing.
WORKERS = 8


@dataclass
class CpGeneral:
    """The CP-SAT model and the variables the search reads back."""

    model: cp_model.CpModel
    x: list[dict[int, cp_model.IntVar]]
    breaks: list[cp_model.IntVar]
    objective: cp_model.LinearExprT  # the plain 0 of an empty sum when nobody has a meeting
    windows: list[list[cp_model.IntVar]]
    has_break: list[cp_model.IntVar]


def build_model(arrays: GeneralArrays, bounds: IntArray, *, blocks: bool = True, implied: bool = True) -> CpGeneral:
    """The CP-SAT model: meeting-slot literals, exact breaks, block literals, tables and fairness.

    Examples
    --------
    >>> from .general_model import encode_general
    >>> from .model import GeneralInstance
    >>> inst = GeneralInstance(3, 3, 1, np.array([[0, 1], [0, 2]]), np.zeros(2, int), 1, np.zeros((3, 3), bool))
    >>> cp = build_model(encode_general(inst), np.zeros(3, int))
    >>> sum(len(row) for row in cp.x)
    6
    """
    model = cp_model.CpModel()
    n_slots = arrays.n_slots
    x = [{int(t): model.new_bool_var(f"x{m}_{t}") for t in np.flatnonzero(row)} for m, row in enumerate(arrays.allowed)]
    for m, row in enumerate(x):
        model.add_exactly_one(row.values())
        if arrays.fixed_slot[m] >= 0:
            model.add(row[int(arrays.fixed_slot[m])] == 1)
    capacity = _slot_capacity(arrays) if implied else np.full(n_slots, arrays.tables)
    for t in range(n_slots):
        in_slot = [row[t] for row in x if t in row]
        if len(in_slot) > capacity[t]:
            model.add(sum(in_slot) <= int(capacity[t]))
    breaks: list[cp_model.IntVar] = []
    windows: list[list[cp_model.IntVar]] = []
    has_break: list[cp_model.IntVar] = []
    for p in range(arrays.n_participants):
        own = np.flatnonzero(arrays.incidence[p])
        n_own = len(own)
        if n_own == 0:
            breaks.append(model.new_constant(0))
            continue
        busy: list[cp_model.IntVar | None] = []
        for t in range(n_slots):
            here = [x[m][t] for m in own if t in x[m]]
            if not here:
                busy.append(None)
                continue
            is_busy = model.new_bool_var(f"busy{p}_{t}")
            model.add(sum(here) == is_busy)
            busy.append(is_busy)
        starts = []
        for t, literal in enumerate(busy):
            before = busy[t - 1] if t else None
            if literal is None:
                continue
            if before is None:
                starts.append(literal)
                continue
            start = model.new_bool_var(f"start{p}_{t}")
            model.add_implication(start, literal)
            model.add_implication(start, before.Not())
            model.add_bool_or([start, literal.Not(), before])
            starts.append(start)
        count = model.new_int_var(int(bounds[p]), n_slots, f"breaks{p}")
        model.add(count == sum(starts) - 1)
        breaks.append(count)
        if implied:
            _add_span(model, busy, count, n_own, p)
        if blocks and n_own >= 2:
            block, flag = _add_block(model, busy, count, n_own, p)
            windows.append(block)
            has_break.append(flag)
    _add_fairness(model, arrays, breaks)
    objective = sum(breaks)
    model.minimize(objective)
    return CpGeneral(model, x, breaks, objective, windows, has_break)


def _slot_capacity(arrays: GeneralArrays) -> IntArray:
    """Meetings a slot can hold: its tables, and half the participants who could meet in it (implied)."""
    able = (arrays.incidence.astype(np.int64) @ arrays.allowed.astype(np.int64)) > 0
    return np.minimum(arrays.tables, able.sum(axis=0) // 2)


def _add_span(model: cp_model.CpModel, busy: list, count: cp_model.IntVar, n_own: int, p: int) -> None:
    """Busy count = n_p and the day's span: breaks ≤ span − n_p, a break iff span > n_p (implied)."""
    cells = [(t, cell) for t, cell in enumerate(busy) if cell is not None]
    model.add(sum(cell for _, cell in cells) == n_own)
    first = model.new_int_var(cells[0][0], cells[-1][0], f"first{p}")
    last = model.new_int_var(cells[0][0], cells[-1][0], f"last{p}")
    for t, cell in cells:
        model.add(first <= t).only_enforce_if(cell)
        model.add(last >= t).only_enforce_if(cell)
    model.add(last - first + 1 >= n_own)
    model.add(count <= last - first + 1 - n_own)


def _add_block(
    model: cp_model.CpModel, busy: list, count: cp_model.IntVar, n_own: int, p: int
) -> tuple[list, cp_model.IntVar]:
    """Zero breaks ⇔ the day is one window of ``n_own`` consecutive busy slots (implied constraint)."""
    has_break = model.new_bool_var(f"has_break{p}")
    model.add(count >= 1).only_enforce_if(has_break)
    model.add(count == 0).only_enforce_if(has_break.Not())
    windows = []
    for s in range(len(busy) - n_own + 1):
        cells = busy[s : s + n_own]
        if any(cell is None for cell in cells):
            continue
        window = model.new_bool_var(f"block{p}_{s}")
        for cell in cells:
            model.add_implication(window, cell)
        windows.append(window)
    model.add_exactly_one([*windows, has_break])
    return windows, has_break


def _add_fairness(model: cp_model.CpModel, arrays: GeneralArrays, breaks: list) -> None:
    """max − min breaks over participants with meetings ≤ d."""
    active = [breaks[p] for p in np.flatnonzero(arrays.incidence.any(axis=1))]
    if arrays.fairness is None or len(active) < 2:
        return
    most = model.new_int_var(0, arrays.n_slots, "most_breaks")
    least = model.new_int_var(0, arrays.n_slots, "least_breaks")
    model.add_max_equality(most, active)
    model.add_min_equality(least, active)
    model.add(most - least <= arrays.fairness)


def read_slots(solver: cp_model.CpSolver, cp: CpGeneral) -> IntArray:
    """The slot of each meeting in the solver's best solution."""
    return np.array([next(t for t, v in row.items() if solver.boolean_value(v)) for row in cp.x], dtype=np.int64)


def make_solver(time_limit: float, seed: int, workers: int = WORKERS) -> cp_model.CpSolver:
    """A CP-SAT solver with a wall-clock limit and a fixed seed."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit, 0.01)
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = workers
    return solver


def add_hint(cp: CpGeneral, slots: IntArray) -> None:
    """Hint the solver towards ``slots`` (a meeting with slot ``-1`` gets no hint)."""
    cp.model.clear_hints()
    for row, slot in zip(cp.x, slots, strict=True):
        if slot >= 0:
            for t, literal in row.items():
                cp.model.add_hint(literal, t == slot)


def cap_total(cp: CpGeneral, most: int) -> None:
    """Turn the model into the satisfiability question "total breaks ≤ ``most``" (no objective)."""
    cp.model.add(cp.objective <= most)
    cp.model.clear_objective()
