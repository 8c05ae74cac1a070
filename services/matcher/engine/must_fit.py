"""Which must-meet pairs can be kept in slots together, beside the locked meetings.

The selection fixes its must-meet pairs before the fairness stages, and the proven minimum of SMEs without
a meeting is proven for schedules that keep them. A maximum b-matching only counts capacities, so it can
fix pairs that no schedule holds together: an SME whose only common slot with a buyer is taken by its own
locked meeting, or two must-meet pairs of one SME whose buyers come in the same single slot. Slotting then
drops one, its buyer's seat is given to another SME, and the schedule "beats" a minimum that was never
proven for it. :func:`fitting_slots` finds a joint placement of the pairs (a small exact search, with a
step budget) and leaves out, when they do not all fit, the pairs that do not fit beside those already kept
(in priority order). The placement is also a witness: :func:`.pipeline.plan_bipartite` pins the pairs
there if slotting's heuristics leave one of them out.
"""

from __future__ import annotations

import numpy as np

from .model import BipartiteInstance, IntArray

#: Most search steps (slot tries) per feasibility question; plenty for the organiser's handful of pairs.
STEP_BUDGET = 20_000


def fitting_slots(instance: BipartiteInstance, sme: IntArray, buyer: IntArray, priority: IntArray) -> IntArray:
    """A slot for each pair ``(sme[j], buyer[j])`` in one placement beside the locked meetings, -1 if left out.

    Parameters
    ----------
    instance : BipartiteInstance
        Availability, tables and the locked meetings (whose SME slots and table seats are taken).
    sme, buyer : (K,) int
        The pairs, each with room in both capacities (as the selection's forced must-meet pairs).
    priority : (K,) int
        The order in which pairs are kept when not all of them fit (first kept first).

    Returns
    -------
    (K,) int
        Each SME once per slot, each buyer within its tables per slot, all inside both windows.

    Examples
    --------
    SME 0 is locked with buyer 0 in slot 0, buyer 1 only comes in slot 0: the pair (0, 1) cannot be kept.

    >>> event = BipartiteInstance(np.ones((1, 2)), np.ones((1, 2), bool), np.array([[False, True]]),
    ...     np.array([2]), np.array([1, 1]), np.ones((1, 2), bool), np.array([[1, 1], [1, 0]], bool),
    ...     locked=np.array([[0, 0, 0]]))
    >>> fitting_slots(event, np.array([0]), np.array([1]), np.array([0])).tolist()
    [-1]
    """
    sme_free = instance.sme_available.copy()
    seats = instance.buyer_tables[:, None] * instance.buyer_available.astype(np.int64)
    for s, b, t in instance.locked.tolist():
        sme_free[s, t] = False
        seats[b, t] -= 1
    domains = [np.flatnonzero(sme_free[s] & (seats[b] > 0)).tolist() for s, b in zip(sme, buyer, strict=True)]
    slots = np.full(len(sme), -1, np.int64)
    every = list(range(len(sme)))
    placed = _search(every, sme, buyer, domains, sme_free, seats)
    if placed is None:  # not all fit: keep pairs one by one, each only if it fits beside those kept
        kept: list[int] = []
        placed = {}
        for j in np.asarray(priority, np.int64).tolist():
            trial = _search([*kept, j], sme, buyer, domains, sme_free, seats)
            if trial is not None:
                kept.append(j)
                placed = trial
    for j, t in placed.items():
        slots[j] = t
    return slots


def _search(
    pairs: list[int], sme: IntArray, buyer: IntArray, domains: list[list[int]], sme_free: np.ndarray, seats: np.ndarray
) -> dict[int, int] | None:
    """Depth-first search for slots of all ``pairs`` (fewest options first); None if none or out of steps."""
    order = sorted(pairs, key=lambda j: len(domains[j]))
    free, left = sme_free.copy(), seats.copy()
    tried = [-1] * len(order)  # index into the pair's domain of its current slot
    position, steps = 0, 0
    while 0 <= position < len(order):
        j = order[position]
        s, b, domain = int(sme[j]), int(buyer[j]), domains[j]
        if tried[position] >= 0:  # backtracking into this pair: free its slot first
            t = domain[tried[position]]
            free[s, t], left[b, t] = True, left[b, t] + 1
        later = range(tried[position] + 1, len(domain))
        nxt = next((i for i in later if free[s, domain[i]] and left[b, domain[i]]), -1)
        steps += 1
        if steps > STEP_BUDGET:
            return None
        tried[position] = nxt
        if nxt < 0:
            position -= 1
            continue
        t = domain[nxt]
        free[s, t], left[b, t] = False, left[b, t] - 1
        position += 1
    if position < 0:
        return None
    return {j: domains[j][tried[p]] for p, j in enumerate(order)}


__all__ = ["STEP_BUDGET", "fitting_slots"]
