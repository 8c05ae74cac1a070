"""General mode, encode layer: validate a :class:`GeneralInstance` into arrays, count breaks, bound them.

The B2B meeting scheduling problem (Bofill, Coll, Garcia, Giráldez-Cru, Pesant, Suy, Villaret, "Constraint
solving approaches to the business-to-business meeting scheduling problem", JAIR 2022). A *break* is a run
of idle slots between two meetings of the same participant, so a participant's breaks are its runs of
busy slots minus one; zero breaks means its day is one block of consecutive slots.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from .model import BoolArray, GeneralInstance, InstanceError, IntArray, frozen


@dataclass(frozen=True, eq=False)
class GeneralArrays:
    """A validated general-mode instance as read-only arrays.

    Attributes
    ----------
    meetings : (M, 2) int
    allowed : (M, T) bool
        Slots a meeting may take: its session, neither participant forbidden, its fixed slot if fixed.
    fixed_slot : (M,) int
        The fixed slot of a meeting, -1 if free.
    incidence : (P, M) bool
        Participant ``p`` attends meeting ``m``.
    """

    n_participants: int
    n_slots: int
    tables: int
    meetings: IntArray
    allowed: BoolArray
    fixed_slot: IntArray
    incidence: BoolArray
    fairness: int | None


def encode_general(instance: GeneralInstance) -> GeneralArrays:
    """Validate ``instance`` and compute each meeting's allowed slots.

    Raises :class:`InstanceError` naming the first invalid item (unknown participant, a meeting with no
    allowed slot, negative tables, …). Infeasibility that needs search is not an input error.

    Examples
    --------
    >>> inst = GeneralInstance(3, 3, 1, np.array([[0, 1], [1, 2]]), np.array([1, 0]), 1,
    ...                        np.array([[False, False, False], [False, False, False], [True, False, False]]))
    >>> encode_general(inst).allowed.astype(int).tolist()
    [[1, 0, 0], [0, 1, 1]]
    """
    n_participants, n_slots = int(instance.n_participants), int(instance.n_slots)
    if n_participants < 0:
        raise InstanceError("n_participants", "must not be negative")
    if n_slots < 1:
        raise InstanceError("n_slots", "must be at least 1")
    if int(instance.tables) < 0:
        raise InstanceError("tables", "must not be negative")
    if not 0 <= int(instance.morning_slots) <= n_slots:
        raise InstanceError("morning_slots", f"must be between 0 and n_slots ({n_slots})")
    if instance.fairness is not None and int(instance.fairness) < 0:
        raise InstanceError("fairness", "must not be negative")
    meetings = np.asarray(instance.meetings, dtype=np.int64).reshape(-1, 2)
    n_meetings = len(meetings)
    session = np.asarray(instance.session, dtype=np.int64).reshape(-1)
    forbidden = np.asarray(instance.forbidden, dtype=bool)
    if session.shape != (n_meetings,):
        raise InstanceError("session", f"has {session.size} entries, expected one per meeting ({n_meetings})")
    if forbidden.shape != (n_participants, n_slots):
        raise InstanceError("forbidden", f"has shape {forbidden.shape}, expected {(n_participants, n_slots)}")
    for m, (a, b) in enumerate(meetings):
        for p in (a, b):
            if not 0 <= p < n_participants:
                raise InstanceError(f"meeting {m}", f"unknown participant {p}")
        if a == b:
            raise InstanceError(f"meeting {m}", f"participant {a} cannot meet itself")
        if session[m] not in (0, 1, 2):
            raise InstanceError(f"meeting {m}", f"session {session[m]} is not 0 (any), 1 (morning) or 2 (afternoon)")
    morning = np.arange(n_slots) < int(instance.morning_slots)
    in_session = np.select([session[:, None] == 1, session[:, None] == 2], [morning, ~morning], True)
    allowed = in_session & ~forbidden[meetings[:, 0]] & ~forbidden[meetings[:, 1]]
    fixed_slot = np.full(n_meetings, -1, dtype=np.int64)
    for row, (m, t) in enumerate(np.asarray(instance.fixed, dtype=np.int64).reshape(-1, 2)):
        if not (0 <= m < n_meetings and 0 <= t < n_slots):
            raise InstanceError(f"fixed[{row}]", f"(meeting {m}, slot {t}) is outside the instance")
        if fixed_slot[m] not in (-1, t):
            raise InstanceError(f"meeting {m}", f"is fixed to both slot {fixed_slot[m]} and slot {t}")
        if not allowed[m, t]:
            raise InstanceError(f"meeting {m}", f"is fixed to slot {t}, which its session or forbidden slots exclude")
        fixed_slot[m] = t
    pinned = fixed_slot >= 0
    allowed[pinned] = np.arange(n_slots) == fixed_slot[pinned, None]
    empty = np.flatnonzero(~allowed.any(axis=1))
    if empty.size:
        m = int(empty[0])
        a, b = meetings[m]
        raise InstanceError(
            f"meeting {m}", f"its session and the forbidden slots of participants {a}, {b} leave no slot"
        )
    incidence = np.zeros((n_participants, n_meetings), dtype=bool)
    incidence[meetings[:, 0], np.arange(n_meetings)] = True
    incidence[meetings[:, 1], np.arange(n_meetings)] = True
    return GeneralArrays(
        n_participants,
        n_slots,
        int(instance.tables),
        frozen(meetings, np.int64),
        frozen(allowed, np.bool_),
        frozen(fixed_slot, np.int64),
        frozen(incidence, np.bool_),
        None if instance.fairness is None else int(instance.fairness),
    )


def busy_matrix(n_participants: int, n_slots: int, meetings: IntArray, slots: IntArray) -> BoolArray:
    """(P, T) bool: participant ``p`` has a meeting in slot ``t``.

    Examples
    --------
    >>> busy_matrix(2, 3, np.array([[0, 1]]), np.array([2])).astype(int).tolist()
    [[0, 0, 1], [0, 0, 1]]
    """
    busy = np.zeros((n_participants, n_slots), dtype=bool)
    if len(slots):
        busy[meetings[:, 0], slots] = True
        busy[meetings[:, 1], slots] = True
    return busy


def breaks_from_busy(busy: BoolArray) -> IntArray:
    """Breaks per participant: runs of busy slots minus one (0 for an idle participant).

    Examples
    --------
    >>> breaks_from_busy(np.array([[1, 0, 1, 0, 1], [0, 1, 1, 1, 0], [0, 0, 0, 0, 0]], dtype=bool)).tolist()
    [2, 0, 0]
    """
    starts = busy.copy()
    starts[:, 1:] &= ~busy[:, :-1]
    return np.maximum(starts.sum(axis=1) - 1, 0).astype(np.int64)


def infeasibility_reason(arrays: GeneralArrays) -> str:
    """A reason the instance cannot be scheduled found by counting alone, or "" if none is found.

    Examples
    --------
    >>> inst = GeneralInstance(2, 1, 5, np.array([[0, 1], [1, 0]]), np.zeros(2, int), 1, np.zeros((2, 1), bool))
    >>> infeasibility_reason(encode_general(inst))
    'participant 0 has 2 meetings but only 1 slot(s) they can fill'
    """
    n_meetings = len(arrays.meetings)
    if n_meetings > arrays.tables * arrays.n_slots:
        return f"{n_meetings} meetings but only {arrays.tables} table(s) × {arrays.n_slots} slots"
    fixed = arrays.fixed_slot[arrays.fixed_slot >= 0]
    crowded = np.flatnonzero(np.bincount(fixed, minlength=arrays.n_slots) > arrays.tables)
    if crowded.size:
        return f"more fixed meetings in slot {crowded[0]} than tables ({arrays.tables})"
    for p in range(arrays.n_participants):
        own = arrays.allowed[arrays.incidence[p]]
        if len(own) > own.any(axis=0).sum():
            return f"participant {p} has {len(own)} meetings but only {own.any(axis=0).sum()} slot(s) they can fill"
        if len(own) and not _fits(own):
            return f"participant {p}'s meetings cannot all get different allowed slots"
    return ""


def _fits(own: BoolArray, window: BoolArray | None = None) -> bool:
    """Can each meeting (row) take a different allowed slot (column), within ``window`` if given?"""
    mask = own if window is None else own & window
    rows, cols = linear_sum_assignment(mask, maximize=True)
    return bool(mask[rows, cols].all()) and len(rows) == len(own)


def participant_lower_bounds(arrays: GeneralArrays) -> IntArray:
    """Breaks each participant cannot avoid even alone: 0 if its meetings fit in one block, else 1.

    A participant with ``n`` meetings has zero breaks only if some window of ``n`` consecutive slots
    admits a perfect matching of its meetings to distinct allowed slots (Hall's condition, checked with
    ``linear_sum_assignment``). Forbidden slots and sessions in the middle of a day force breaks this way.

    Examples
    --------
    >>> forbidden = np.array([[False, True, False], [False, False, False], [False, False, False]])
    >>> inst = GeneralInstance(3, 3, 1, np.array([[0, 1], [0, 2]]), np.zeros(2, int), 1, forbidden)
    >>> participant_lower_bounds(encode_general(inst)).tolist()
    [1, 0, 0]
    """
    bounds = np.zeros(arrays.n_participants, dtype=np.int64)
    slots = np.arange(arrays.n_slots)
    for p in range(arrays.n_participants):
        own = arrays.allowed[arrays.incidence[p]]
        n = len(own)
        if n < 2:
            continue
        starts = [s for s in range(arrays.n_slots - n + 1) if own[:, s : s + n].any(axis=0).all()]
        if not any(_fits(own, (slots >= s) & (slots < s + n)) for s in starts):
            bounds[p] = 1
    return bounds


def fairness_lower_bound(bounds: IntArray, active: BoolArray, fairness: int | None) -> int:
    """Total-break lower bound from per-participant bounds; with fairness d, nobody active has < max − d.

    Examples
    --------
    >>> fairness_lower_bound(np.array([3, 0, 0]), np.array([True, True, True]), 1)
    7
    """
    if fairness is None or not active.any():
        return int(bounds.sum())
    floor = int(bounds[active].max()) - fairness
    return int(np.where(active, np.maximum(bounds, floor), bounds).sum())


# Run layouts tried per participant by :func:`solo_lower_bounds` before it settles for the bound proven so far.
SOLO_LAYOUT_LIMIT = 20_000


def solo_lower_bounds(arrays: GeneralArrays, cap: int = 3) -> IntArray:
    """Breaks each participant cannot avoid even alone, up to ``cap``: a lift of :func:`participant_lower_bounds`.

    A participant has ``j`` breaks when its busy slots form ``j + 1`` runs. For ``j = 1, 2, …`` in turn, the
    participants not yet placed try every layout of ``j + 1`` runs of usable slots with ``n`` slots in all,
    and a layout counts when its meetings can take distinct allowed slots in it (a perfect matching); the
    first ``j`` with such a layout is the bound. Several forbidden slots inside a day force several breaks
    this way. The search per participant stops after :data:`SOLO_LAYOUT_LIMIT` layouts, keeping the bound
    proven by then (still a valid bound).

    Examples
    --------
    Participant 0 has four meetings in six slots and cannot use slots 1 and 3: two breaks are forced.

    >>> forbidden = np.zeros((5, 6), bool); forbidden[0, [1, 3]] = True
    >>> inst = GeneralInstance(5, 6, 2, np.array([[0, 1], [0, 2], [0, 3], [0, 4]]), np.zeros(4, int), 3, forbidden)
    >>> arrays = encode_general(inst)
    >>> participant_lower_bounds(arrays).tolist(), solo_lower_bounds(arrays).tolist()
    ([1, 0, 0, 0, 0], [2, 0, 0, 0, 0])
    """
    bounds = participant_lower_bounds(arrays)
    for p in np.flatnonzero(bounds >= 1):
        own = arrays.allowed[arrays.incidence[p]]
        budget = [SOLO_LAYOUT_LIMIT]
        for runs in range(2, cap + 1):
            found = _layout_fits(own, own.any(axis=0), runs, budget)
            if found is None:
                break  # out of layouts: keep the bound proven so far
            if found:
                bounds[p] = runs - 1
                break
            bounds[p] = runs  # no layout with ``runs`` runs either: at least ``runs`` breaks
    return bounds


def _layout_fits(own: BoolArray, usable: BoolArray, runs: int, budget: list[int]) -> bool | None:
    """Is there a set of exactly ``runs`` runs of usable slots holding all of ``own``? None: budget spent."""
    n_own, n_slots = own.shape

    def extend(start: int, runs_left: int, slots_left: int, window: BoolArray) -> bool | None:
        if runs_left == 0:
            if slots_left:
                return False
            budget[0] -= 1
            if budget[0] < 0:
                return None
            return bool(own[:, window].any(axis=1).all()) and _fits(own, window)
        for s in range(start, n_slots):
            for length in range(1, slots_left - (runs_left - 1) + 1):
                e = s + length
                if e > n_slots or not usable[e - 1]:
                    break
                if not usable[s]:
                    break
                inner = window.copy()
                inner[s:e] = True
                found = extend(e + 1, runs_left - 1, slots_left - length, inner)
                if found is None or found:
                    return found
        return False

    return extend(0, runs, n_own, np.zeros(n_slots, dtype=bool))
