"""Availability-window cuts for the selection LP: valid rows that every *schedule* satisfies.

The selection is a b-matching that only knows each party's total capacity, so with availability windows it
can pick pairs no schedule can place together (a buyer's five SMEs whose only common slot is the same one).
For a party ``p`` (buyer or SME) and a set of slots ``W``, the meetings of ``p`` whose common available
slots with their partner lie inside ``W`` must all take place in ``W``, where ``p`` holds at most ``per_slot``
meetings a slot (a buyer its tables, an SME one)::

    Σ_{pairs j of p with common(j) ⊆ W} x_j  ≤  per_slot(p) · |W|  −  (forced meetings of p that fall in W)

This is Hall's condition for placing one party's meetings in its slots, and it is exact for one party
alone when ``W`` ranges over unions of the pairs' common-slot sets (the smallest ``W`` holding a set of
pairs is the union of their sets). Only the sets that occur are tried: a party's distinct common-slot
bitmasks among the pairs the LP uses, and their unions. The rows hold for every schedule, so the LP bound
stays a certified upper bound; they break total unimodularity, which :func:`.flow.max_weight_bmatching`
deals with (branch and cut when the vertex is fractional).

Separation (cutting planes, e.g. Wolsey, *Integer Programming*, ch. 9): given the LP's ``x``, parties
whose load could exceed ``per_slot · (fewest common slots of their pairs)`` are the only candidates; for
each, every union of at most :data:`MAX_MASKS` distinct masks is checked, vectorised.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .flow import Separator
from .model import BipartiteInstance, BoolArray, FloatArray, IntArray

#: Most distinct common-slot masks per party whose unions are tried (2^k − 1 unions); beyond that the
#: masks with fewest slots are kept (the tightest sets). Interval windows give a handful per party.
MAX_MASKS = 10

#: Slot masks are int64 bit sets; longer days get no cuts (the selection is then the plain b-matching).
MAX_SLOTS = 62

#: A row counts as violated when its left side exceeds the right by more than this.
VIOLATION = 1e-6


def slot_masks(available: BoolArray) -> IntArray:
    """Each row's available slots as an int64 bit set (bit t = slot t).

    Examples
    --------
    >>> slot_masks(np.array([[1, 0, 1], [0, 1, 1]], bool)).tolist()
    [5, 6]
    """
    return available.astype(np.int64) @ (np.int64(1) << np.arange(available.shape[1], dtype=np.int64))


def window_separator(
    instance: BipartiteInstance, sme: IntArray, buyer: IntArray, forced: BoolArray
) -> Separator | None:
    """A separator of window cuts for the pairs ``(sme[j], buyer[j])``, beside the ``forced`` pairs.

    Returns None when there is nothing to separate (no pairs, or more than :data:`MAX_SLOTS` slots).
    Forced pairs are fixed load: a locked meeting in its slot, a forced must-meet pair in its common slots.

    Examples
    --------
    Buyer 0 (one table) and three SMEs that can only come in slot 0: only one of them can meet it.

    >>> sme_av = np.array([[1, 0], [1, 0], [1, 0]], bool)
    >>> event = BipartiteInstance(np.ones((3, 1)), np.ones((3, 1), bool), np.zeros((3, 1), bool), np.ones(3),
    ...                           np.ones(1), sme_av, np.ones((1, 2), bool))
    >>> separate = window_separator(event, np.array([0, 1, 2]), np.zeros(3, int), np.zeros((3, 1), bool))
    >>> rows, rhs = separate(np.array([1.0, 1.0, 0.0]))
    >>> rows.toarray().tolist(), rhs.tolist()
    ([[1.0, 1.0, 1.0]], [1.0])
    """
    if len(sme) == 0 or instance.shape[2] > MAX_SLOTS:
        return None
    sme_bits, buyer_bits = slot_masks(instance.sme_available), slot_masks(instance.buyer_available)
    mask = sme_bits[sme] & buyer_bits[buyer]
    locked = np.zeros(forced.shape, np.bool_)
    fixed_rows = []
    for s, b, t in instance.locked:
        locked[s, b] = True
        fixed_rows.append((s, b, np.int64(1) << np.int64(t)))
    for s, b in np.argwhere(forced & ~locked):
        fixed_rows.append((s, b, sme_bits[s] & buyer_bits[b]))
    fixed = np.array(fixed_rows, np.int64).reshape(-1, 3)
    sides = (
        _Side(buyer, mask, instance.buyer_tables, fixed[:, 1], fixed[:, 2]),
        _Side(sme, mask, np.ones(instance.shape[0], np.int64), fixed[:, 0], fixed[:, 2]),
    )
    emitted: set[tuple[int, int, int]] = set()

    def separate(x: FloatArray) -> tuple[sp.csr_array, FloatArray]:
        pair_rows: list[IntArray] = []
        rhs: list[float] = []
        for number, side in enumerate(sides):
            for owner, window, right in side.violated(x):
                if (number, owner, window) not in emitted:
                    emitted.add((number, owner, window))
                    pair_rows.append(side.pairs_within(owner, window))
                    rhs.append(right)
        lengths = [len(p) for p in pair_rows]
        cols = np.concatenate(pair_rows) if pair_rows else np.zeros(0, np.int64)
        rows = np.repeat(np.arange(len(pair_rows)), lengths)
        matrix = sp.csr_array((np.ones(len(cols)), (rows, cols)), shape=(len(pair_rows), len(sme)))
        return matrix, np.array(rhs, np.float64)

    return separate


class _Side:
    """The cuts of one side (buyers or SMEs): each party's pairs, grouped by owner."""

    def __init__(
        self, owner: IntArray, mask: IntArray, per_slot: IntArray, fixed_owner: IntArray, fixed_mask: IntArray
    ) -> None:
        self.owner, self.mask, self.per_slot = owner, mask, per_slot
        self.order = np.argsort(owner, kind="stable")
        self.starts = np.searchsorted(owner[self.order], np.arange(len(per_slot) + 1))
        self.fixed_owner, self.fixed_mask = fixed_owner, fixed_mask
        self.fixed_count = np.bincount(fixed_owner, minlength=len(per_slot))

    def pairs_within(self, owner: int, window: int) -> IntArray:
        """The owner's pairs (indices into all pairs) whose common slots lie within ``window``."""
        pairs = self.order[self.starts[owner] : self.starts[owner + 1]]
        return pairs[(self.mask[pairs] & ~np.int64(window)) == 0]

    def violated(self, x: FloatArray) -> list[tuple[int, int, float]]:
        """``(owner, window, right-hand side)`` of every cut that ``x`` violates."""
        used = np.flatnonzero(x > VIOLATION)
        n = len(self.per_slot)
        load = np.bincount(self.owner[used], x[used], minlength=n) + self.fixed_count
        fewest = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(fewest, self.owner[used], np.bitwise_count(self.mask[used]).astype(np.int64))
        found = []
        for owner in np.flatnonzero(load > self.per_slot * fewest + VIOLATION):
            pairs = self.order[self.starts[owner] : self.starts[owner + 1]]
            pairs = pairs[x[pairs] > VIOLATION]
            masks, inverse = np.unique(self.mask[pairs], return_inverse=True)
            sums = np.bincount(inverse, x[pairs])
            if len(masks) > MAX_MASKS:
                keep = np.argsort(np.bitwise_count(masks), kind="stable")[:MAX_MASKS]
                masks, sums = masks[keep], sums[keep]
            windows = _unions(masks)
            fixed = self.fixed_mask[self.fixed_owner == owner]
            inside = (masks[None, :] & ~windows[:, None]) == 0
            fixed_inside = ((fixed[None, :] & ~windows[:, None]) == 0).sum(axis=1)
            capacity = self.per_slot[owner] * np.bitwise_count(windows).astype(np.int64) - fixed_inside
            excess = inside @ sums - capacity
            for window, right in zip(windows[excess > VIOLATION], capacity[excess > VIOLATION], strict=True):
                found.append((int(owner), int(window), float(max(right, 0))))
        return found


def _unions(masks: IntArray) -> IntArray:
    """The distinct unions of every non-empty subset of ``masks``."""
    k = len(masks)
    subsets = (np.arange(1, 1 << k)[:, None] >> np.arange(k)[None, :]) & 1
    return np.unique(np.bitwise_or.reduce(np.where(subsets == 1, masks[None, :], 0), axis=1))


__all__ = ["MAX_MASKS", "MAX_SLOTS", "slot_masks", "window_separator"]
