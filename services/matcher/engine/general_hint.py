"""General mode: a greedy block construction whose schedule seeds CP-SAT as a solution hint.

CP-SAT's first solutions on this problem are scattered (tens of breaks); a schedule in which every day is
already nearly one block gives its search (``AddHint``) a good neighbourhood to start from. The greedy
places the most constrained meetings first, each in the allowed slot that stretches its two participants'
days the least, and keeps the best of a few seeded restarts.
"""

from __future__ import annotations

import numpy as np

from .general_model import GeneralArrays, breaks_from_busy
from .model import IntArray

# Stretching a day by more than one slot leaves a hole (a break); charge it like several slots of stretch.
HOLE_PENALTY = 3.0


def greedy_slots(arrays: GeneralArrays, seed: int = 0, restarts: int = 8) -> IntArray:
    """A schedule built meeting by meeting (``-1`` where a meeting found no free slot): best of ``restarts``.

    Respects allowed slots, tables and nobody-twice-in-a-slot; ranks restarts by unplaced meetings, then breaks.

    Examples
    --------
    >>> from .general_model import encode_general
    >>> from .model import GeneralInstance
    >>> inst = GeneralInstance(4, 5, 2, np.array([[0, 1], [0, 2], [0, 3]]), np.zeros(3, int), 2, np.zeros((4, 5), bool))
    >>> slots = greedy_slots(encode_general(inst))
    >>> int(slots.max() - slots.min()), len(set(slots.tolist()))
    (2, 3)
    """
    rng = np.random.default_rng(seed)
    best, best_key = np.full(len(arrays.meetings), -1, dtype=np.int64), (len(arrays.meetings) + 1, 0)
    for _ in range(max(restarts, 1)):
        slots, busy = _one_pass(arrays, rng)
        key = (int((slots < 0).sum()), int(breaks_from_busy(busy).sum()))
        if key < best_key:
            best, best_key = slots, key
    return best


def _one_pass(arrays: GeneralArrays, rng: np.random.Generator) -> tuple[IntArray, np.ndarray]:
    meetings, allowed = arrays.meetings, arrays.allowed
    n_meetings, n_slots = allowed.shape
    degree = arrays.incidence.sum(axis=1)
    pair_degree = degree[meetings[:, 0]] + degree[meetings[:, 1]] if n_meetings else np.zeros(0, np.int64)
    # Fixed meetings first, then the fewest allowed slots, then the busiest pairs; random among equals.
    order = np.lexsort((rng.random(int(n_meetings)), -pair_degree, allowed.sum(axis=1), arrays.fixed_slot < 0))
    busy = np.zeros((arrays.n_participants, n_slots), dtype=bool)
    load = np.zeros(n_slots, dtype=np.int64)
    first = np.full(arrays.n_participants, -1, dtype=np.int64)
    last = np.full(arrays.n_participants, -1, dtype=np.int64)
    slots = np.full(n_meetings, -1, dtype=np.int64)
    grid = np.arange(n_slots)
    for m in order:
        pair = meetings[m]
        free = allowed[m] & ~busy[pair].any(axis=0) & (load < arrays.tables)
        if not free.any():
            continue
        cost = 0.01 * rng.random(n_slots)
        for p in pair[first[pair] >= 0]:
            stretch = np.maximum(first[p] - grid, 0) + np.maximum(grid - last[p], 0)
            cost += stretch + HOLE_PENALTY * (stretch > 1)
        t = int(np.argmin(np.where(free, cost, np.inf)))
        slots[m] = t
        busy[pair, t] = True
        load[t] += 1
        first[pair] = np.where(first[pair] < 0, t, np.minimum(first[pair], t))
        last[pair] = np.maximum(last[pair], t)
    return slots, busy
