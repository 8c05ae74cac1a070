"""The search of :func:`.polish.polish`: simulated annealing over Kempe-chain moves, then a descent on breaks.

Costs per busy-slot mask come from tables (:func:`_mask_tables`): the anneal reads them ~10⁶ times at L.
See :mod:`.polish` for the method and what was measured.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ._board import Board, breaks_of

_CHAIN_LIMIT = 400  # longest chain tried: long chains rarely help and cost time
#: The anneal's temperature falls geometrically from this × slots (a break costs ``slots``) to the end one.
#: 0.5 rather than 2: at 2 a new break was taken with odds e^-1/2 and the first half of the cooling undid
#: the placement; from 0.5 the same moves end with fewer breaks and fewer accepted moves (less time).
#: Seeds 1-3: service L event 56 → 47 breaks, sample event 15 → 7, synthetic L 64 → 56, S (seeds 0-3) 15 → 14.
_START_TEMPERATURE, _END_TEMPERATURE = 0.5, 0.2


def _cost(mask: int, slots: int) -> int:
    """Breaks weighted by the slot count, plus idle slots inside the day (guides the search to close gaps)."""
    if not mask:
        return 0
    lo, hi = (mask & -mask).bit_length() - 1, mask.bit_length() - 1
    return slots * breaks_of(mask) + (hi - lo + 1 - mask.bit_count())


#: Days of up to this many slots get their per-mask costs and breaks from lists (2¹⁶ masks at most).
_TABLE_SLOTS = 16


class _PerMask(dict):
    """``f(mask)`` for every mask asked for, computed once (a dict that fills itself)."""

    def __init__(self, function) -> None:
        super().__init__()
        self.function = function

    def __missing__(self, mask: int):
        value = self[mask] = self.function(mask)
        return value


def _mask_tables(slots: int) -> tuple[list[int] | _PerMask, list[int] | _PerMask, _PerMask]:
    """Per busy-slot mask: :func:`_cost`, :func:`breaks_of`, and (idle, busy) — the slots a move may pick.

    Indexed by the mask: lists when the day has at most :data:`_TABLE_SLOTS` slots, else filled on demand
    (the anneal reads them ~10⁶ times at L, where computing them each time was a third of its time).

    Examples
    --------
    >>> cost, breaks, moves = _mask_tables(5)
    >>> cost[0b10101], breaks[0b10101], moves[0b00110]
    (12, 2, ([0, 3], [1, 2]))
    """

    def moves(mask: int) -> tuple[list[int], list[int]]:
        lo, hi = (mask & -mask).bit_length() - 1, mask.bit_length() - 1
        idle = [t for t in range(max(lo - 1, 0), min(hi + 2, slots)) if not mask >> t & 1]
        return idle, [t for t in range(lo, hi + 1) if mask >> t & 1]

    if slots > _TABLE_SLOTS:  # days of 17+ slots
        return _PerMask(lambda mask: _cost(mask, slots)), _PerMask(breaks_of), _PerMask(moves)
    masks = np.arange(1 << slots, dtype=np.int64)
    bits = (masks[:, None] >> np.arange(slots)) & 1
    runs = (bits & ~np.pad(bits, ((0, 0), (1, 0)))[:, :-1]).sum(axis=1)
    has = masks > 0
    lo = np.where(has, np.argmax(bits, axis=1), 0)
    hi = np.where(has, slots - 1 - np.argmax(bits[:, ::-1], axis=1), -1)
    breaks = np.where(has, runs - 1, 0)
    cost = np.where(has, slots * breaks + (hi - lo + 1 - bits.sum(axis=1)), 0)
    return cost.tolist(), breaks.tolist(), _PerMask(moves)


def anneal(board: Board, rng: np.random.Generator, iterations: int, deadline: float | None) -> None:
    """Simulated annealing over Kempe-chain moves into people's gaps; the board ends at the best state seen.

    A move picks a person with a break, one of their idle slots inside (or just outside) their day and one
    of their meeting slots, and swaps the two slots along the chain; it is accepted when the cost goes down
    or, with probability exp(-delta / temperature), up (Kirkpatrick et al. 1983), so the search can leave
    plateaus that pure descent cannot.

    The chain walk of :meth:`.Board.chain` is inlined and costs come from :func:`_mask_tables`: the same
    draws, decisions and result, in about half the time (the loop runs 60 times per meeting).
    """
    slots, masks = board.n_slots, board.mask
    cost_of, breaks_of_mask, moves_of = _mask_tables(slots)
    limit = _CHAIN_LIMIT
    node_at, m_locked, m_ok, m_sme, m_seat = board.node_at, board.m_locked, board.m_ok, board.m_sme, board.m_seat
    cost = [cost_of[mask] for mask in masks]
    current, breaks = sum(cost), total_breaks(board)
    best, best_state = (breaks, current), None  # None: the best state is the board itself
    broken = [n for n in range(board.n_nodes) if cost[n] > 0]
    start_temp, end_temp = _START_TEMPERATURE * slots, _END_TEMPERATURE
    draws = zip(*(column.tolist() for column in rng.random((iterations, 4)).T), strict=True)  # 4 flat lists: ~5× faster
    cooling = (end_temp / start_temp) ** (1.0 / max(iterations, 1))
    temperature = start_temp / cooling
    exp = math.exp
    for i, (pick, pick_idle, pick_busy, accept) in enumerate(draws):
        temperature *= cooling
        if i % 1024 == 0:
            broken = [n for n in range(board.n_nodes) if cost[n] > 0]
            if not broken or (deadline is not None and time.perf_counter() > deadline):
                break
        node = broken[int(pick * len(broken))]
        if not cost[node]:
            continue
        mask = masks[node]
        idle, busy = moves_of[mask]
        want, have = idle[int(pick_idle * len(idle))], busy[int(pick_busy * len(busy))]
        # The Kempe chain from ``node`` (Board.chain, inlined): meetings alternately in have / want.
        moves: list[int] = []
        end, old, new = node, have, want
        while True:
            m = node_at[end][old]
            if m < 0:
                break
            if m_locked[m] or not m_ok[m] >> new & 1 or len(moves) >= limit:
                moves = None  # type: ignore[assignment]
                break
            moves.append(m)
            end = m_seat[m] if end == m_sme[m] else m_sme[m]
            old, new = new, old
        if moves is None:
            continue
        flip = 1 << have | 1 << want
        end_mask = masks[end]
        new_node, new_end = cost_of[mask ^ flip], cost_of[end_mask ^ flip]
        delta = new_node + new_end - cost[node] - cost[end]
        if delta <= 0 or accept < exp(-delta / temperature):
            if delta > 0 and best_state is None:
                best_state = board.snapshot()  # leaving the best state: remember it
            breaks += (
                breaks_of_mask[mask ^ flip]
                + breaks_of_mask[end_mask ^ flip]
                - breaks_of_mask[mask]
                - breaks_of_mask[end_mask]
            )
            board.apply_chain(moves, have, want)
            cost[node], cost[end] = new_node, new_end
            current += delta
            if (breaks, current) < best:
                best, best_state = (breaks, current), None
    if best_state is not None:
        board.restore(best_state)


def total_breaks(board: Board) -> int:
    """Sum of every person's breaks on the board."""
    return sum(breaks_of(mask) for mask in board.mask)


def spread_breaks(board: Board) -> None:
    """Descent after the anneal: Kempe-chain moves that lower the total breaks, or keep it and leave fewer
    people with two or more (the anneal's cost is linear in breaks, so it does not mind whose they are).

    Every accepted move lowers (total breaks, people with ≥ 2 breaks) lexicographically, so it ends.

    Examples
    --------
    >>> from .model import BipartiteInstance
    >>> inst = BipartiteInstance(np.ones((1, 3)), np.ones((1, 3), bool), np.zeros((1, 3), bool), np.array([3]),
    ...     np.ones(3, int), np.ones((1, 5), bool), np.ones((3, 5), bool))
    >>> board = Board(inst, np.array([[0, 0], [0, 1], [0, 2]]), locked=np.zeros(3, bool))
    >>> for m, t in enumerate([0, 2, 4]):
    ...     board.place(m, t, 1 + m)
    >>> total_breaks(board)  # slots 0, 2, 4: two breaks, one person
    2
    >>> spread_breaks(board); total_breaks(board), sorted(board.m_slot)  # one move: nobody has two
    (1, [1, 2, 4])
    """
    slots, masks = board.n_slots, board.mask
    improved = True
    while improved:
        improved = False
        for node in range(board.n_nodes):
            if breaks_of(masks[node]) < 2:
                continue
            mask = masks[node]
            for have, want in [
                (h, w) for h in range(slots) if mask >> h & 1 for w in range(slots) if not mask >> w & 1
            ]:
                found = board.chain(node, have, want, _CHAIN_LIMIT)
                if found is None:
                    continue
                moves, end = found
                flip = 1 << have | 1 << want
                before = (breaks_of(mask), breaks_of(masks[end]))
                after = (breaks_of(mask ^ flip), breaks_of(masks[end] ^ flip))
                many = sum(b >= 2 for b in after) - sum(b >= 2 for b in before)
                if (sum(after) - sum(before), many) < (0, 0):
                    board.apply_chain(moves, have, want)
                    improved = True
                    break


__all__ = ["anneal", "spread_breaks", "total_breaks"]
