"""What the engine is measured against: two ways of scheduling an Affärsträff without optimisation.

* :func:`first_come_first_served` — what organisers do by hand: SMEs in sign-up order (index order) pick
  their best remaining buyers, each meeting in the earliest slot where both are free and the buyer has a
  free table.
* :func:`round_by_round_matching` — slot by slot, a maximum-weight matching of SMEs to free buyer tables
  (``scipy.optimize.linear_sum_assignment``, the Hungarian method as in Crouse 2016) on what is left of
  the capacities; myopic, since early slots take the best pairs without regard to who is left without.

Both keep locked meetings, place must-meet pairs first (as an organiser would), never use a forbidden
or zero-relevance pair, and return a :class:`~.model.Schedule` whose ``unplaced`` is empty (they have no
selection to fall short of).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from .model import BipartiteInstance, Schedule, frozen


class _Board:
    """Mutable bookkeeping of a schedule under construction (private to the baselines)."""

    def __init__(self, instance: BipartiteInstance) -> None:
        smes, buyers, _ = instance.shape
        self.instance = instance
        self.sme_free = instance.sme_available.copy()
        self.tables_free = instance.buyer_available[:, :, None] & (
            np.arange(int(instance.buyer_tables.max(initial=0)))[None, None, :] < instance.buyer_tables[:, None, None]
        )  # (B, T, K): table k of buyer b free in slot t
        self.left = instance.effective_sme_capacity().copy()
        self.met = np.zeros((smes, buyers), dtype=bool)
        self.rows: list[tuple[int, int, int, int]] = []

    def book(self, sme: int, buyer: int, slot: int, table: int) -> None:
        self.sme_free[sme, slot] = False
        self.tables_free[buyer, slot, table] = False
        self.left[sme] -= 1
        self.met[sme, buyer] = True
        self.rows.append((sme, buyer, slot, table))

    def book_locked(self) -> None:
        for sme, buyer, slot in self.instance.locked.tolist():
            free = np.flatnonzero(self.tables_free[buyer, slot])
            self.book(sme, buyer, slot, int(free[0]) if free.size else 0)

    def earliest(self, sme: int, buyer: int) -> bool:
        """Book ``sme``–``buyer`` in the earliest slot where both can; False when there is none."""
        if self.left[sme] <= 0 or self.met[sme, buyer]:
            return False
        open_slots = np.flatnonzero(self.sme_free[sme] & self.tables_free[buyer].any(axis=1))
        if not open_slots.size:
            return False
        slot = int(open_slots[0])
        self.book(sme, buyer, slot, int(np.argmax(self.tables_free[buyer, slot])))
        return True

    def schedule(self) -> Schedule:
        rows = np.array(sorted(self.rows), dtype=np.int64).reshape(-1, 4)
        return Schedule(meetings=frozen(rows, np.int64))


def _wanted(instance: BipartiteInstance) -> np.ndarray:
    """Pairs a baseline may schedule: allowed and with a reason to meet (or must meet)."""
    return instance.allowed & ((instance.relevance > 0) | instance.must_meet)


def first_come_first_served(instance: BipartiteInstance) -> Schedule:
    """Greedy by sign-up order: each SME takes its best buyers, each in the earliest free slot.

    Examples
    --------
    >>> inst = BipartiteInstance(np.array([[0.9, 0.5], [0.8, 0.0]]), np.ones((2, 2), bool), np.zeros((2, 2), bool),
    ...     np.array([1, 1]), np.array([1, 1]), np.ones((2, 1), bool), np.ones((2, 1), bool))
    >>> first_come_first_served(inst).meetings.tolist()  # SME 0 signed up first and takes buyer 0
    [[0, 0, 0, 0]]
    """
    board = _Board(instance)
    board.book_locked()
    wanted = _wanted(instance)
    for sme, buyer in np.argwhere(instance.must_meet & wanted).tolist():
        board.earliest(sme, buyer)
    for sme in range(instance.shape[0]):
        candidates = np.flatnonzero(wanted[sme] & ~board.met[sme])
        for buyer in candidates[np.argsort(-instance.relevance[sme, candidates], kind="stable")].tolist():
            if board.left[sme] <= 0:
                break
            board.earliest(sme, buyer)
    return board.schedule()


def round_by_round_matching(instance: BipartiteInstance) -> Schedule:
    """Slot by slot, a maximum-weight assignment of SMEs to free buyer tables on the remaining capacities.

    Must-meet pairs weigh 1 more than any relevance, so they are taken as early as they can be.

    Examples
    --------
    >>> inst = BipartiteInstance(np.array([[0.9, 0.5], [0.8, 0.0]]), np.ones((2, 2), bool), np.zeros((2, 2), bool),
    ...     np.array([1, 1]), np.array([1, 1]), np.ones((2, 1), bool), np.ones((2, 1), bool))
    >>> round_by_round_matching(inst).meetings.tolist()  # 0.5 + 0.8 beats 0.9
    [[0, 1, 0, 0], [1, 0, 0, 0]]
    """
    board = _Board(instance)
    board.book_locked()
    weight = np.where(_wanted(instance), instance.relevance + instance.must_meet, 0.0)
    for slot in range(instance.shape[2]):
        table_buyer, table_index = np.nonzero(board.tables_free[:, slot, :])
        rows = np.flatnonzero(board.sme_free[:, slot] & (board.left > 0))
        if not rows.size or not table_buyer.size:
            continue
        gain = np.where(board.met[np.ix_(rows, table_buyer)], 0.0, weight[np.ix_(rows, table_buyer)])
        useful = gain.any(axis=1)
        rows, gain = rows[useful], gain[useful]
        picked_rows, picked_cols = linear_sum_assignment(gain, maximize=True)
        for r, c in zip(picked_rows.tolist(), picked_cols.tolist(), strict=True):
            sme, buyer = int(rows[r]), int(table_buyer[c])
            if gain[r, c] > 0:  # a zero-gain column is an SME left idle, not a meeting
                board.book(sme, buyer, slot, int(table_index[c]))
    return board.schedule()


BASELINES = {"first-come-first-served": first_come_first_served, "round-by-round matching": round_by_round_matching}
