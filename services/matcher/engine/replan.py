"""Re-plan a published schedule after changes: keep what is unaffected, refill freed time, report the diff.

Changes arrive as a new :class:`.model.BipartiteInstance` (availability, tables, pair rules as they are
now) plus the parties who cancelled. **Indexes stay stable**: the caller keeps its id → index maps from
the published run, so SME ``s`` and buyer ``b`` mean the same firm in ``previous`` and ``instance``. Late
sign-ups are *appended*: new SMEs get indexes ``S_old..S_new-1`` (new buyers likewise), their rows added
to every per-SME (per-buyer) array; a party that left keeps its index and is listed in
``cancelled_smes`` / ``cancelled_buyers``. The slot grid must be the same.

Method: every previous meeting that is still valid (nobody cancelled, pair still allowed, both still
available in its slot, a table still staffed, caps still respected) is *locked* where it was, at its
table when that table still exists. Freed time is then filled greedily with waiting pairs — first the
pairs that lost their slot but are still wanted, then "must meet" pairs, then pairs of SMEs that have no
meeting yet (fairness first, as in selection), each group by decreasing relevance — each put in the slot
that opens the fewest breaks. Finally the added meetings (only they) are polished by Kempe-chain moves
(:mod:`.polish`); kept meetings never move.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ._board import Board, breaks_of
from .model import BipartiteInstance, InstanceError, IntArray, Schedule, frozen
from .polish import _anneal, board_from_schedule


@dataclass(frozen=True, eq=False)
class ScheduleDiff:
    """What re-planning changed, as ``(sme, buyer, slot, table)`` rows.

    Attributes
    ----------
    kept : (K, 4) int
        Previous meetings kept in their slot (``table`` as now; it differs from before only when the
        old table is no longer staffed).
    removed : (R, 4) int
        Previous meetings taken off, as they were; ``reasons[i]`` says why row ``i`` went.
    added : (A, 4) int
        New meetings (refilled time, moved pairs, late sign-ups).
    reasons : tuple of str
        Why each ``removed`` row went, e.g. ``"buyer 3 cancelled"``.
    moved_pairs : (P, 2) int
        Pairs among ``removed`` that meet again in another slot (they appear in ``added``).
    """

    kept: IntArray
    removed: IntArray
    added: IntArray
    reasons: tuple[str, ...] = ()
    moved_pairs: IntArray = field(default_factory=lambda: frozen(np.zeros((0, 2)), np.int64))


def _indexes(values: object, limit: int, item: str) -> np.ndarray:
    array = np.unique(np.asarray(values, dtype=np.int64).reshape(-1))
    if array.size and (array[0] < 0 or array[-1] >= limit):
        raise InstanceError(item, f"index {array[0] if array[0] < 0 else array[-1]} is outside the instance")
    return array


def _removal_reasons(instance: BipartiteInstance, rows: np.ndarray, gone_smes: set, gone_buyers: set) -> list[str]:
    """Why each previous meeting cannot stay ("" when it can): checked in order, best pairs kept first."""
    reasons = [""] * len(rows)
    below_floor = instance.below_floor
    assert below_floor is not None  # BipartiteInstance.__post_init__ turns None into all-False
    locked = instance.locked.tolist()
    locked_slot = {(s, b): t for s, b, t in locked}
    busy = {(s, t) for s, _, t in locked}
    sme_load = dict(zip(*np.unique(instance.locked[:, 0], return_counts=True), strict=True))
    seat_load: dict[tuple[int, int], int] = {}
    for _, b, t in locked:
        seat_load[b, t] = seat_load.get((b, t), 0) + 1
    cap = instance.effective_sme_capacity()
    order = np.argsort(-instance.relevance[rows[:, 0], rows[:, 1]], kind="stable")
    for i in order.tolist():
        s, b, t, _ = rows[i].tolist()
        if (s, b) in locked_slot:  # the organiser fixed this pair: kept if in the same slot
            if locked_slot[s, b] != t:
                reasons[i] = f"the organiser fixed (sme {s}, buyer {b}) in slot {locked_slot[s, b]}"
        elif s in gone_smes:
            reasons[i] = f"sme {s} cancelled"
        elif b in gone_buyers:
            reasons[i] = f"buyer {b} cancelled"
        elif below_floor[s, b]:
            reasons[i] = f"pair (sme {s}, buyer {b}) is under the event's minimum relevance"
        elif not instance.allowed[s, b]:
            reasons[i] = f"pair (sme {s}, buyer {b}) is no longer allowed"
        elif not instance.sme_available[s, t]:
            reasons[i] = f"sme {s} is no longer available in slot {t}"
        elif not instance.buyer_available[b, t]:
            reasons[i] = f"buyer {b} is no longer available in slot {t}"
        elif (s, t) in busy:
            reasons[i] = f"slot {t} of sme {s} is taken by a locked meeting"
        elif seat_load.get((b, t), 0) >= instance.buyer_tables[b]:
            reasons[i] = f"buyer {b} staffs only {instance.buyer_tables[b]} tables in slot {t}"
        elif sme_load.get(s, 0) >= cap[s]:
            reasons[i] = f"sme {s} now takes at most {cap[s]} meetings"
        else:
            busy.add((s, t))
            seat_load[b, t] = seat_load.get((b, t), 0) + 1
            sme_load[s] = sme_load.get(s, 0) + 1
    return reasons


def _waiting_pairs(
    instance: BipartiteInstance,
    board_pairs: np.ndarray,
    first: np.ndarray,
    new_pairs: object,
    gone_smes: np.ndarray,
    gone_buyers: np.ndarray,
) -> np.ndarray:
    """Candidate pairs in fill order (see module docstring), without pairs already meeting."""
    smes, buyers, _ = instance.shape
    if new_pairs is None:
        candidates = np.argwhere(instance.allowed & (instance.relevance > 0))
    else:
        candidates = np.asarray(new_pairs, dtype=np.int64).reshape(-1, 2)
        bad = np.flatnonzero((candidates < 0).any(axis=1) | (candidates[:, 0] >= smes) | (candidates[:, 1] >= buyers))
        if bad.size:
            raise InstanceError(f"new_pairs[{bad[0]}]", f"{candidates[bad[0]].tolist()} is outside the instance")
        candidates = candidates[instance.allowed[candidates[:, 0], candidates[:, 1]]]
    candidates = np.concatenate((first.reshape(-1, 2), candidates)).astype(np.int64)
    keys = candidates[:, 0] * buyers + candidates[:, 1]
    keep = ~np.isin(keys, board_pairs[:, 0] * buyers + board_pairs[:, 1])
    keep &= ~np.isin(candidates[:, 0], gone_smes) & ~np.isin(candidates[:, 1], gone_buyers)
    keep &= instance.allowed[candidates[:, 0], candidates[:, 1]]
    candidates, keys = candidates[keep], keys[keep]
    _, unique = np.unique(keys, return_index=True)
    candidates = candidates[np.sort(unique)]  # first occurrence wins: moved pairs stay in front
    is_first = np.isin(candidates[:, 0] * buyers + candidates[:, 1], first[:, 0] * buyers + first[:, 1])
    no_meeting = ~np.isin(candidates[:, 0], board_pairs[:, 0])
    s, b = candidates[:, 0], candidates[:, 1]
    order = np.lexsort((-instance.relevance[s, b], ~no_meeting, ~instance.must_meet[s, b], ~is_first))
    return candidates[order]


def _fill(board: Board, meeting: int, value: float, break_cost: float) -> bool:
    """Put a waiting meeting in the free slot that opens the fewest breaks (next to the SME's day).

    Skipped when ``break_cost`` × (breaks it adds for the SME and the table) is at least its ``value``.
    """
    s, seats = board.m_sme[meeting], board.seats_of(board.m_buyer[meeting])
    best, best_score = None, -1
    for t in board.bits(board.m_ok[meeting] & ~board.mask[s]):
        seat = board.free_seat(seats, t)
        if seat < 0:
            continue
        before, after = 1 << t >> 1, 1 << t + 1
        score = sum(  # closing a gap beats extending a day, which beats starting one; the SME counts double
            weight * ((mask & before > 0) + (mask & after > 0))
            for weight, mask in ((4, board.mask[s]), (2, board.mask[seat]))
        ) + (not board.mask[s])
        if score > best_score:
            best, best_score = (t, seat), score
    if best is None:
        return False
    bit = 1 << best[0]
    added = sum(breaks_of(board.mask[n] | bit) - breaks_of(board.mask[n]) for n in (s, best[1]))
    if break_cost > 0 and break_cost * added >= value:
        return False
    board.place(meeting, *best)
    return True


def _fill_board(instance: BipartiteInstance, placed: np.ndarray, waiting: np.ndarray, break_cost: float) -> np.ndarray:
    """``placed`` rows (table -1: any) plus the waiting pairs that fit, in order, within the SMEs' caps."""
    smes, buyers, _ = instance.shape
    load = np.bincount(placed[:, 0], minlength=smes)
    cap = instance.effective_sme_capacity()
    spare = (load < cap)[:, None] & (np.bincount(placed[:, 1], minlength=buyers) < instance.buyer_capacity())[None, :]
    waiting = waiting[spare[waiting[:, 0], waiting[:, 1]]]
    waiting = waiting[~np.isin(waiting[:, 0] * buyers + waiting[:, 1], placed[:, 0] * buyers + placed[:, 1])]
    n_placed = len(placed)
    board = Board(instance, np.concatenate((placed[:, :2], waiting)), locked=np.zeros(n_placed + len(waiting), bool))
    padding = np.full(len(waiting), -1)
    board.place_locked(np.concatenate((placed[:, 2], padding)), tables=np.concatenate((placed[:, 3], padding)))
    value = instance.relevance[waiting[:, 0], waiting[:, 1]] + 2.0 * instance.must_meet[waiting[:, 0], waiting[:, 1]]
    for m in range(n_placed, board.n_meetings):
        s = board.m_sme[m]
        if load[s] < cap[s] and _fill(board, m, float(value[m - n_placed]), break_cost):
            load[s] += 1
    return np.asarray(board.schedule().meetings)


def replan(
    instance: BipartiteInstance,
    previous: Schedule,
    *,
    cancelled_smes: object = (),
    cancelled_buyers: object = (),
    new_pairs: object = None,
    seed: int = 0,
    break_cost: float = 0.0,
) -> tuple[Schedule, ScheduleDiff]:
    """A new schedule that keeps every unaffected previous meeting where it was and refills freed time.

    Parameters
    ----------
    instance : BipartiteInstance
        The event as it is now (late sign-ups appended; see the module docstring). Its own ``locked``
        meetings are honoured too.
    previous : Schedule
        The published schedule, in the same indexes.
    cancelled_smes, cancelled_buyers : sequence of int
        Parties who cancelled (or a buyer who left): none of their meetings stay, none are added.
    new_pairs : (K, 2) int, optional
        Waiting pairs to fill freed time from (e.g. a fresh selection, late sign-ups' pairs); default:
        every allowed pair with relevance > 0. Pairs that lost their slot always come first.
    seed : int
        Seed of the polishing of added meetings.
    break_cost : float
        The organiser's knob between filling time and idle gaps: a waiting meeting is added only if its
        relevance (+2 for "must meet") exceeds ``break_cost`` × the breaks it opens for its two people.
        0 (default): fill every freed slot that fits; 1: only meetings worth more than the break.

    Returns
    -------
    schedule : Schedule
        ``unplaced``: previously placed or unplaced pairs still wanted that found no slot.
    diff : ScheduleDiff

    Examples
    --------
    Buyer 1 cancels; SME 0 keeps its meeting with buyer 0, SME 1's freed slot goes to buyer 0:

    >>> inst = BipartiteInstance(np.array([[0.9, 0.5], [0.4, 0.8]]), np.ones((2, 2), bool),
    ...     np.zeros((2, 2), bool), np.array([1, 1]), np.array([1, 1]), np.ones((2, 2), bool), np.ones((2, 2), bool))
    >>> published = Schedule(np.array([[0, 0, 0, 0], [1, 1, 0, 0]]))
    >>> schedule, diff = replan(inst, published, cancelled_buyers=[1])
    >>> diff.kept.tolist(), diff.reasons, diff.added.tolist()
    ([[0, 0, 0, 0]], ('buyer 1 cancelled',), [[1, 0, 1, 0]])
    """
    smes, buyers, slots = instance.shape
    rows = np.asarray(previous.meetings, dtype=np.int64).reshape(-1, 4)
    outside = np.flatnonzero(
        (rows < 0).any(axis=1) | (rows[:, 0] >= smes) | (rows[:, 1] >= buyers) | (rows[:, 2] >= slots)
    )
    if outside.size:
        raise InstanceError(f"previous.meetings[{outside[0]}]", f"{rows[outside[0]].tolist()} is outside the instance")
    gone_smes = _indexes(cancelled_smes, smes, "cancelled_smes")
    gone_buyers = _indexes(cancelled_buyers, buyers, "cancelled_buyers")
    reasons = _removal_reasons(instance, rows, set(gone_smes.tolist()), set(gone_buyers.tolist()))
    stays = np.array([not r for r in reasons], dtype=bool)
    locked = instance.locked
    kept = rows[stays & ~np.isin(rows[:, 0] * buyers + rows[:, 1], locked[:, 0] * buyers + locked[:, 1])]
    fixed = np.concatenate((locked, kept[:, :3]))  # organiser's locks, then kept meetings
    lost = np.concatenate((rows[~stays][:, :2], np.asarray(previous.unplaced, dtype=np.int64).reshape(-1, 2)))

    waiting = _waiting_pairs(instance, fixed[:, :2], lost, new_pairs, gone_smes, gone_buyers)
    placed = np.concatenate((np.column_stack((locked, np.full(len(locked), -1))), kept))
    placed = _fill_board(instance, placed, waiting, break_cost)
    # Polish the added meetings only (the kept ones are locks of the board the search runs on), then fill
    # again: moving added meetings can open room for a pair that found none the first time.
    board = board_from_schedule(replace(instance, locked=fixed), Schedule(placed))
    _anneal(board, np.random.default_rng(seed), 10_000 + 100 * (board.n_meetings - len(fixed)), None)
    final = _fill_board(instance, np.asarray(board.schedule().meetings), waiting, break_cost)

    final_keys = final[:, 0] * buyers + final[:, 1]
    previous_keys = rows[:, 0] * buyers + rows[:, 1]
    wanted = ~np.isin(lost[:, 0], gone_smes) & ~np.isin(lost[:, 1], gone_buyers)
    wanted &= instance.allowed[lost[:, 0], lost[:, 1]] & ~np.isin(lost[:, 0] * buyers + lost[:, 1], final_keys)
    schedule = Schedule(meetings=frozen(final, np.int64), unplaced=frozen(np.unique(lost[wanted], axis=0), np.int64))
    diff = ScheduleDiff(
        kept=frozen(final[np.isin(final_keys, previous_keys[stays])], np.int64),
        removed=frozen(rows[~stays], np.int64),
        added=frozen(final[~np.isin(final_keys, previous_keys[stays])], np.int64),
        reasons=tuple(r for r in reasons if r),
        moved_pairs=frozen(np.unique(final[np.isin(final_keys, previous_keys[~stays])][:, :2], axis=0), np.int64),
    )
    return schedule, diff
