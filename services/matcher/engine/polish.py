"""Fewer breaks in a placed schedule: same meetings, people's days as blocks of consecutive slots.

A *break* is a run of idle slots between two meetings of one person ("X.X" has one break, "XX.." none);
people leave when they wait. People are SMEs and buyer *tables* — a buyer with several tables sends one
representative per table, who keeps that table all day, so a buyer's breaks are counted per table and
summed (:func:`count_breaks`).

Method (local search, never worse, seeded):

* **Stable tables.** For a buyer with ``c`` tables only the number of meetings per slot matters to its
  people; stacking the per-slot counts into levels gives the fewest runs (intervals) ``I`` possible, no two
  of them adjacent, and handing them to tables first-come (an empty table first) uses ``min(c, I)``
  tables, hence the fewest breaks ``I - min(c, I)`` for that profile — exact, per buyer.
* **Kempe-chain moves.** To move person ``p``'s meeting from slot ``a`` into an idle slot ``g``, swap
  ``a``/``g`` along the alternating chain of meetings starting at ``p``: everybody stays single-booked
  and only the two ends of the chain change their busy slots, so the change in breaks is two popcounts
  (edge-colouring recolouring, as in König's proof; used for timetabling by e.g. Lewis & Thompson 2011).
  Moves are drawn from people with a break (into a gap, or just outside their day) and accepted by
  simulated annealing on ``T·breaks + idle slots inside the day`` (the second term rewards shrinking a
  gap before it closes); the best state seen is returned. Locked meetings and availability windows are
  never violated by a chain.

Polishing never drops or adds a meeting, so relevance and breaks do not pull against each other here; the
knob is time: ``iterations`` (default 60 per meeting, at least min(50,000, 300 per meeting)) or
``time_limit``. Measured (at the first start temperature, 2 × slots; see :data:`_START_TEMPERATURE`) on
synthetic L events (2,000 × 300 × 16, 5,800–6,100 meetings): 10 per meeting → 93 % of people without a
break, 30 → 95–97 % (1–2 s), 40 → 96 %, 100 → 98.5 %, 300 → 99.5 %. On small events (≤ 2,000 meetings)
one longer cooling is not monotone in its length (M, no windows: 95.2/95.5/94.9 % after the default,
95.7/96.6/96.3 % after 200,000 moves, 95.7/95.5/96.6 % after 400,000), so they get up to 12 restarts of
15,000 moves from the best state instead (stopping after 5 without gain). Where relevance and breaks do
conflict — refilling freed time after cancellations — :func:`.replan.replan` has the knob
(``break_cost``).
"""

from __future__ import annotations

import time

import numpy as np

from ._board import Board, breaks_of
from .anneal import anneal as _anneal
from .anneal import spread_breaks, total_breaks
from .model import BipartiteInstance, InstanceError, IntArray, Schedule

#: Restarts for small events (≤ this many meetings): rounds of a short anneal from the best state so far.
_RESTARTS, _RESTART_ITERATIONS, _RESTART_MAX_MEETINGS = 12, 15_000, 2_000
_RESTART_PATIENCE = 5  # stop after this many restarts in a row without fewer breaks


def count_breaks(schedule: Schedule, instance: BipartiteInstance) -> tuple[IntArray, IntArray]:
    """Breaks per SME and per buyer (a buyer's tables counted separately and summed).

    Parameters
    ----------
    schedule : Schedule
    instance : BipartiteInstance

    Returns
    -------
    sme_breaks : (S,) int
    buyer_breaks : (B,) int
        Sum over the buyer's tables of each table's breaks (a table is one person all day).

    Examples
    --------
    SME 0 meets in slots 0 and 2 (one break); buyer 0 uses table 0 in slot 0 and table 1 in slot 2 (none):

    >>> inst = BipartiteInstance(np.ones((2, 1)), np.ones((2, 1), bool), np.zeros((2, 1), bool),
    ...     np.array([3, 3]), np.array([2]), np.ones((2, 3), bool), np.ones((1, 3), bool))
    >>> smes, buyers = count_breaks(Schedule(np.array([[0, 0, 0, 0], [0, 0, 2, 1]])), inst)
    >>> smes.tolist(), buyers.tolist()
    ([1, 0], [0])
    """
    smes, buyers, slots = instance.shape
    rows = np.asarray(schedule.meetings, dtype=np.int64).reshape(-1, 4)
    first_seat = np.concatenate(([0], np.cumsum(instance.buyer_tables)))
    sme_busy = np.zeros((smes, slots), dtype=bool)
    sme_busy[rows[:, 0], rows[:, 2]] = True
    seat_busy = np.zeros((int(first_seat[-1]), slots), dtype=bool)
    seat_busy[first_seat[rows[:, 1]] + rows[:, 3], rows[:, 2]] = True
    seat_breaks = _breaks_per_row(seat_busy)
    buyer_breaks = np.bincount(np.repeat(np.arange(buyers), instance.buyer_tables), seat_breaks, minlength=buyers)
    return _breaks_per_row(sme_busy), buyer_breaks.astype(np.int64)


def _breaks_per_row(busy: np.ndarray) -> IntArray:
    starts = (busy & ~np.pad(busy, ((0, 0), (1, 0)))[:, :-1]).sum(axis=1)
    return np.maximum(starts - 1, 0).astype(np.int64)


def board_from_schedule(instance: BipartiteInstance, schedule: Schedule) -> Board:
    """A board holding the schedule's meetings where they are (locked ones flagged); raises on clashes."""
    buyers = instance.shape[1]
    rows = np.asarray(schedule.meetings, dtype=np.int64).reshape(-1, 4)
    locked_keys = instance.locked[:, 0] * buyers * 10_000 + instance.locked[:, 1] * 10_000 + instance.locked[:, 2]
    keys = rows[:, 0] * buyers * 10_000 + rows[:, 1] * 10_000 + rows[:, 2]
    board = Board(instance, rows[:, :2], locked=np.isin(keys, locked_keys))
    for m, (s, b, t, table) in enumerate(rows.tolist()):
        item = f"schedule.meetings[{m}]"
        if not (0 <= s < instance.shape[0] and 0 <= b < buyers and 0 <= t < board.n_slots):
            raise InstanceError(item, f"(sme {s}, buyer {b}, slot {t}) is outside the instance")
        if not 0 <= table < instance.buyer_tables[b]:
            raise InstanceError(item, f"buyer {b} has no table {table}")
        seat = board.n_smes + int(board.first_seat[b]) + table
        if board.node_at[s][t] >= 0 or board.node_at[seat][t] >= 0:
            raise InstanceError(item, f"double-books sme {s} or table {table} of buyer {b} in slot {t}")
        board.place(m, t, seat)
    return board


def reseat_buyer(board: Board, buyer: int) -> None:
    """Give the buyer's meetings the tables with the fewest breaks for its per-slot load (exact)."""
    seats = board.seats_of(buyer)
    if len(seats) < 2:
        return
    by_slot = [[board.node_at[n][t] for n in seats if board.node_at[n][t] >= 0] for t in range(board.n_slots)]
    counts = [len(ms) for ms in by_slot]
    intervals = []  # maximal runs of each level of the stacked per-slot counts
    for level in range(max(counts, default=0)):
        start = None
        for t in range(board.n_slots + 1):
            inside = t < board.n_slots and counts[t] > level
            if inside and start is None:
                start = t
            elif not inside and start is not None:
                intervals.append((start, t - 1))
                start = None
    free_from = dict.fromkeys(seats, -1)  # last slot each table is busy until (-1: empty so far)
    assignment: list[tuple[int, int, int]] = []
    for start, end in sorted(intervals):
        empty = [n for n in seats if free_from[n] == -1]
        seat = empty[0] if empty else next(n for n in seats if free_from[n] < start)
        free_from[seat] = end
        assignment.extend((by_slot[t].pop(), t, seat) for t in range(start, end + 1))
    for m, _, _ in assignment:
        board.remove(m)
    for m, t, seat in assignment:
        board.place(m, t, seat)


def polish(
    instance: BipartiteInstance,
    schedule: Schedule,
    *,
    seed: int = 0,
    time_limit: float | None = None,
    iterations: int | None = None,
) -> Schedule:
    """The same meetings with fewer breaks: stable tables, then Kempe-chain local search.

    Parameters
    ----------
    instance : BipartiteInstance
    schedule : Schedule
        A valid schedule (e.g. from :func:`.slotting.place_meetings`); its ``unplaced`` pairs are kept.
    seed : int
        Seed of the annealing (same seed and iterations, same result).
    time_limit : float, optional
        Stop the local search after this many seconds (default: run all ``iterations``).
    iterations : int, optional
        Annealing moves to try (default: 40 per meeting, at least min(50,000, 300 per meeting)); more
        iterations, fewer breaks.

    Returns
    -------
    Schedule
        Same ``(sme, buyer)`` pairs, locked meetings in their slots, total breaks never higher.

    Examples
    --------
    SME 0 meets buyers 0 and 1 in slots 0 and 2 (a break); moving one meeting closes it:

    >>> inst = BipartiteInstance(np.ones((1, 2)), np.ones((1, 2), bool), np.zeros((1, 2), bool),
    ...     np.array([2]), np.array([1, 1]), np.ones((1, 3), bool), np.ones((2, 3), bool))
    >>> before = Schedule(np.array([[0, 0, 0, 0], [0, 1, 2, 0]]))
    >>> after = polish(inst, before)
    >>> [int(b.sum()) for b in count_breaks(before, inst)], [int(b.sum()) for b in count_breaks(after, inst)]
    ([1, 0], [0, 0])
    """
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    board = board_from_schedule(instance, schedule)
    rng = np.random.default_rng(seed)
    for buyer in range(instance.shape[1]):
        reseat_buyer(board, buyer)
    _anneal(
        board,
        rng,
        iterations if iterations is not None else max(60 * board.n_meetings, min(50_000, 300 * board.n_meetings)),
        deadline,
    )
    for buyer in range(instance.shape[1]):
        reseat_buyer(board, buyer)
    # Small events: time is cheap, so re-anneal from the best state with fresh draws (restarts escape the
    # local optimum one cooling ends in better than one longer cooling does; see the module docstring).
    best, stale = total_breaks(board), 0
    for _ in range(_RESTARTS if iterations is None and board.n_meetings <= _RESTART_MAX_MEETINGS else 0):
        if best == 0 or stale >= _RESTART_PATIENCE or (deadline is not None and time.perf_counter() > deadline):
            break
        _anneal(board, rng, _RESTART_ITERATIONS, deadline)
        for buyer in range(instance.shape[1]):
            reseat_buyer(board, buyer)
        now = total_breaks(board)
        best, stale = min(best, now), (stale + 1 if now >= best else 0)
    spread_breaks(board)
    for buyer in range(instance.shape[1]):
        reseat_buyer(board, buyer)
    result = board.schedule()
    return Schedule(meetings=result.meetings, unplaced=schedule.unplaced)


def drop_for_breaks(instance: BipartiteInstance, schedule: Schedule, break_cost: float) -> Schedule:
    """Drop low-relevance meetings whose removal closes breaks: the organiser's relevance ↔ breaks knob.

    A meeting goes when its relevance is below ``break_cost`` × the breaks its removal saves (for its SME
    and its table), lowest relevance first, re-evaluated as the board changes. Never dropped: locked and
    "must meet" meetings, and an SME's last meeting (fairness first). ``break_cost`` 0 drops nothing.

    Parameters
    ----------
    instance : BipartiteInstance
    schedule : Schedule
        A valid (e.g. polished) schedule.
    break_cost : float
        Relevance a closed break is worth.

    Returns
    -------
    Schedule
        A subset of the meetings, in place; dropped pairs are *not* listed as unplaced (by choice).

    Examples
    --------
    SME 0 meets buyer 0 in slot 0 and buyer 1 (relevance 0.1) in slot 2, a break; at 0.5 per break it goes:

    >>> inst = BipartiteInstance(np.array([[0.9, 0.1]]), np.ones((1, 2), bool), np.zeros((1, 2), bool),
    ...     np.array([2]), np.array([1, 1]), np.ones((1, 3), bool), np.ones((2, 3), bool))
    >>> drop_for_breaks(inst, Schedule(np.array([[0, 0, 0, 0], [0, 1, 2, 0]])), 0.5).meetings.tolist()
    [[0, 0, 0, 0]]
    """
    board = board_from_schedule(instance, schedule)
    if break_cost <= 0 or not board.n_meetings:
        return schedule
    rows = np.asarray(schedule.meetings, dtype=np.int64).reshape(-1, 4)
    relevance = instance.relevance[rows[:, 0], rows[:, 1]]
    keep = ~instance.must_meet[rows[:, 0], rows[:, 1]] & ~np.asarray(board.m_locked)
    changed = True
    while changed:  # removals change neighbours' savings: sweep until nothing more goes
        changed = False
        for m in np.argsort(relevance, kind="stable").tolist():
            if not keep[m] or board.m_slot[m] < 0:
                continue
            s, seat, bit = board.m_sme[m], board.m_seat[m], 1 << board.m_slot[m]
            if board.mask[s] == bit:
                continue  # the SME's last meeting
            saved = sum(breaks_of(board.mask[n]) - breaks_of(board.mask[n] & ~bit) for n in (s, seat))
            if relevance[m] < break_cost * saved:
                board.remove(m)
                changed = True
    result = board.schedule()
    return Schedule(meetings=result.meetings, unplaced=schedule.unplaced)
