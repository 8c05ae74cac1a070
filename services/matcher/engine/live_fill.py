"""Live fill: give the table-slots freed on the day (no-show, decline, cancellation) to stand-by firms.

Pure (arrays in, arrays out, no I/O). The published meetings stay exactly where they are; only the freed
cells ``(buyer, slot, table)`` of slots that may still change get a new meeting, each with one stand-by
SME. The assignment is optimal for the freed cells: the largest total relevance over every way of
giving cells to firms such that

- a cell gets at most one firm, and nothing is added in a frozen slot (``slot < first_open_slot``: it
  starts within the frozen horizon or has started);
- a firm takes at most one meeting per slot (its published meetings count), never meets a buyer twice,
  and stays within its cap (its published meetings count);
- the pair is allowed (no "never" pair, no decline), not under the event's floor, of relevance > 0, and
  both parties are available in the slot (the firm's busy slots count as unavailable);
- the buyer is at the venue (``buyer_present``): a freed cell at the table of a buyer who is not there is
  offered to nobody (nobody would sit across from the stand-by firm) and waits, its meeting where it was.

When every freed cell lies in one slot a firm can take at most one of them, so the problem is an
assignment (:func:`scipy.optimize.linear_sum_assignment` on the cells × firms matrix); otherwise it is
a b-matching with those side constraints, solved exactly as a small integer programme
(:func:`scipy.optimize.milp`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, linear_sum_assignment, milp

from .model import BoolArray, FloatArray, InstanceError, IntArray, frozen

# Why a freed cell stayed empty.
FROZEN = "frozen"  # its slot starts within the frozen horizon (or has started)
DUPLICATE = "duplicate"  # the same cell was given twice; the first one counts
BUYER_AWAY = "buyer_unavailable"  # the buyer is not available in that slot
BUYER_ABSENT = "buyer_absent"  # the buyer is not at the venue (not checked in, or marked as not come)
NO_CANDIDATE = "no_candidate"  # no stand-by firm fits (availability, cap, rules, floor, relevance)
TAKEN = "candidates_taken"  # the firms that fit were worth more in other freed cells


@dataclass(frozen=True, eq=False)
class FillResult:
    """What a live fill adds.

    Attributes
    ----------
    added : (A, 4) int
        New meetings ``(sme, buyer, slot, table)``, each in a freed cell.
    cells : (A,) int
        The row of ``freed`` each added meeting fills.
    vacated : (V,) int
        Rows of ``meetings`` that sat in a freed cell of a slot that may still change: the freed meetings,
        which leave the schedule whether or not their cell is filled (their firm may be given another
        cell in that slot). Freed meetings in frozen slots stay, as everything frozen does.
    reasons : tuple of str
        One per row of ``freed``: "" when filled, else why not (:data:`FROZEN`, :data:`DUPLICATE`,
        :data:`BUYER_AWAY`, :data:`BUYER_ABSENT`, :data:`NO_CANDIDATE`, :data:`TAKEN`).
    """

    added: IntArray
    cells: IntArray
    vacated: IntArray
    reasons: tuple[str, ...]


def added_relevance(result: FillResult, relevance: np.ndarray) -> float:
    """The total relevance of the added meetings.

    Examples
    --------
    >>> r = FillResult(np.array([[0, 1, 2, 0]]), np.array([0]), np.zeros(0, int), ("",))
    >>> added_relevance(r, np.array([[0.1, 0.7]]))
    0.7
    """
    rows = np.asarray(result.added).reshape(-1, 4)
    return float(np.asarray(relevance)[rows[:, 0], rows[:, 1]].sum())


def _rows(values: object, width: int, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.int64)
    if array.size == 0:
        return np.zeros((0, width), np.int64)
    if array.ndim != 2 or array.shape[1] != width:
        raise InstanceError(name, f"must be an (n, {width}) integer array")
    return array


def _check(name: str, rows: np.ndarray, limits: tuple[int, ...]) -> None:
    bad = np.flatnonzero(((rows < 0) | (rows >= np.asarray(limits))).any(axis=1))
    if bad.size:
        raise InstanceError(f"{name}[{bad[0]}]", f"{rows[bad[0]].tolist()} is outside the instance")


def _eligible(
    cells: np.ndarray,
    firms: np.ndarray,
    open_cell: np.ndarray,
    fits: np.ndarray,
    sme_slot_free: np.ndarray,
    meets: np.ndarray,
    spare: np.ndarray,
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """(cell rows, firm positions) of every cell × firm pairing that respects the rules on its own."""
    b, t = cells[:, 0], cells[:, 1]
    ok = open_cell[:, None] & (spare[firms] > 0)[None, :]
    ok &= fits[np.ix_(firms, b)].T & sme_slot_free[np.ix_(firms, t)].T & ~meets[np.ix_(firms, b)].T
    rows, positions = np.nonzero(ok)
    return rows, positions


def _solve(
    cells: np.ndarray, firms: np.ndarray, edges: tuple[np.ndarray, np.ndarray], weight: np.ndarray, spare: np.ndarray
) -> np.ndarray:
    """Indexes into ``edges`` of a maximum-weight feasible choice."""
    cell_of, firm_of = edges
    if cell_of.size == 0:
        return np.zeros(0, np.int64)
    one_per_firm = np.unique(cells[cell_of, 1]).size == 1 or bool((spare[firms[np.unique(firm_of)]] <= 1).all())
    # One slot (or no firm with room for two): a firm can take one cell at most, an assignment problem.
    if one_per_firm:
        matrix = np.zeros((len(cells), len(firms)))
        matrix[cell_of, firm_of] = weight
        rows, cols = linear_sum_assignment(matrix, maximize=True)
        lookup = {(c, f): e for e, (c, f) in enumerate(zip(cell_of.tolist(), firm_of.tolist(), strict=True))}
        return np.array([lookup[c, f] for c, f in zip(rows.tolist(), cols.tolist(), strict=True) if (c, f) in lookup])
    n = cell_of.size
    sme = firms[firm_of]
    groups = [  # groups of edges of which at most one (the firm's spare meetings, for the last) may be chosen
        (cell_of, False),
        (sme * (cells[:, 1].max() + 1) + cells[cell_of, 1], False),  # one meeting per firm and slot
        (sme * (cells[:, 0].max() + 1) + cells[cell_of, 0], False),  # one meeting per firm and buyer
        (sme, True),
    ]
    blocks, upper = [], []
    for key, capped in groups:
        labels, inverse = np.unique(key, return_inverse=True)
        blocks.append(sp.csr_matrix((np.ones(n), (inverse, np.arange(n))), shape=(labels.size, n)))
        upper.append(spare[labels] if capped else np.ones(labels.size))
    constraint = LinearConstraint(sp.vstack(blocks).tocsr(), -np.inf, np.concatenate(upper).astype(float))
    result = milp(-weight, constraints=constraint, integrality=np.ones(n), bounds=Bounds(0, 1))
    if result.x is None:  # cannot happen (choosing nothing is feasible); fail loudly rather than guess
        raise RuntimeError(f"live fill: the solver found no solution ({result.message})")
    return np.flatnonzero(result.x > 0.5)


def live_fill(
    meetings: object,
    freed: object,
    standby: object,
    relevance: FloatArray,
    allowed: BoolArray,
    sme_capacity: IntArray,
    sme_available: BoolArray,
    buyer_available: BoolArray,
    *,
    first_open_slot: int,
    min_relevance: float = 0.0,
    below_floor: BoolArray | None = None,
    sme_busy: BoolArray | None = None,
    buyer_present: BoolArray | None = None,
) -> FillResult:
    """Give freed table-slots to stand-by firms without moving anything else (see the module docstring).

    Parameters
    ----------
    meetings : (M, 4) int
        The published meetings ``(sme, buyer, slot, table)``. A meeting sitting in an open freed cell is
        the one that was freed: it no longer counts for its firm and leaves the schedule (``vacated``).
    freed : (F, 3) int
        Freed cells ``(buyer, slot, table)``.
    standby : (K,) int
        SME indexes of the stand-by firms (arrived, with free time).
    relevance : (S, B) float
    allowed : (S, B) bool
        False for "never" pairs, declined pairs and any pair the organiser's rules exclude.
    sme_capacity : (S,) int
        Most meetings each SME takes (its published meetings count; never above its available slots).
    sme_available, buyer_available : (S, T), (B, T) bool
    first_open_slot : int
        Slots before it are frozen (they start within the frozen horizon or have started).
    min_relevance : float
        The event's floor: pairs under it are never added.
    below_floor : (S, B) bool, optional
        Pairs the floor took out (never added either).
    sme_busy : (S, T) bool, optional
        Slots a firm said it is busy in.
    buyer_present : (B,) bool, optional
        Buyers at the venue; a freed cell of any other buyer gets nobody (:data:`BUYER_ABSENT`). None: all.

    Returns
    -------
    FillResult

    Examples
    --------
    Buyer 0's SME 0 did not come to slot 1; stand-by SMEs 1 and 2 could take it, SME 2 fits better.
    Slot 0 is frozen, so its freed table stays empty:

    >>> relevance = np.array([[0.9, 0.5], [0.4, 0.2], [0.7, 0.3]])
    >>> result = live_fill(np.array([[0, 0, 1, 0], [1, 1, 0, 0]]), np.array([[0, 1, 0], [1, 0, 1]]), [1, 2],
    ...     relevance, np.ones((3, 2), bool), np.array([2, 2, 2]), np.ones((3, 2), bool), np.ones((2, 2), bool),
    ...     first_open_slot=1)
    >>> result.added.tolist(), result.vacated.tolist(), result.reasons
    ([[2, 0, 1, 0]], [0], ('', 'frozen'))
    """
    relevance = np.asarray(relevance, dtype=np.float64)
    if relevance.ndim != 2:
        raise InstanceError("relevance", "must be an SMEs × buyers matrix")
    smes, buyers = relevance.shape
    sme_available = np.asarray(sme_available, dtype=bool)
    slots = sme_available.shape[1] if sme_available.ndim == 2 else 0
    for name, value, shape in (
        ("allowed", allowed, (smes, buyers)),
        ("sme_available", sme_available, (smes, slots)),
        ("buyer_available", buyer_available, (buyers, slots)),
        ("sme_capacity", sme_capacity, (smes,)),
        ("buyer_present", np.ones(buyers, bool) if buyer_present is None else buyer_present, (buyers,)),
    ):
        if np.shape(value) != shape:
            raise InstanceError(name, f"has shape {np.shape(value)}, expected {shape}")
    rows, cells = _rows(meetings, 4, "meetings"), _rows(freed, 3, "freed")
    _check("meetings", rows, (smes, buyers, slots, np.iinfo(np.int64).max))
    _check("freed", cells, (buyers, slots, np.iinfo(np.int64).max))
    firms = np.unique(np.asarray(standby, dtype=np.int64).reshape(-1))
    _check("standby", firms[:, None], (smes,))

    present = np.ones(buyers, bool) if buyer_present is None else np.asarray(buyer_present, bool)
    reasons = [""] * len(cells)
    seen: set[tuple[int, int, int]] = set()
    open_cell = np.zeros(len(cells), bool)
    for i, (b, t, table) in enumerate(cells.tolist()):
        if (b, t, table) in seen:
            reasons[i] = DUPLICATE
        elif t < first_open_slot:
            reasons[i] = FROZEN
        elif not buyer_available[b][t]:
            reasons[i] = BUYER_AWAY
        elif not present[b]:
            reasons[i] = BUYER_ABSENT
        else:
            open_cell[i] = True
        seen.add((b, t, table))
    # The meeting in an open freed cell is the freed one: it counts for nobody any more.
    cell_keys = {tuple(c) for c in cells[open_cell].tolist()}
    in_cell = np.array([(b, t, table) in cell_keys for _, b, t, table in rows.tolist()], dtype=bool)
    staying = rows[~in_cell]

    fits = np.asarray(allowed, bool) & (relevance > 0) & (relevance >= min_relevance)
    if below_floor is not None:
        fits &= ~np.asarray(below_floor, bool)
    free = sme_available.copy()
    if sme_busy is not None:
        free &= ~np.asarray(sme_busy, bool)
    free[staying[:, 0], staying[:, 2]] = False
    meets = np.zeros((smes, buyers), bool)
    meets[staying[:, 0], staying[:, 1]] = True
    cap = np.minimum(np.asarray(sme_capacity, np.int64), sme_available.sum(axis=1))
    spare = np.maximum(cap - np.bincount(staying[:, 0], minlength=smes), 0)

    edges = _eligible(cells, firms, open_cell, fits, free, meets, spare)
    weight = relevance[firms[edges[1]], cells[edges[0], 0]]
    chosen = _solve(cells, firms, edges, weight, spare)
    cell_of, firm_of = edges[0][chosen], edges[1][chosen]
    order = np.argsort(cell_of, kind="stable")
    cell_of, firm_of = cell_of[order], firm_of[order]
    added = np.column_stack((firms[firm_of], cells[cell_of])).reshape(-1, 4)
    has_edge = np.zeros(len(cells), bool)
    has_edge[edges[0]] = True
    for i in np.flatnonzero(open_cell).tolist():
        if i not in set(cell_of.tolist()):
            reasons[i] = TAKEN if has_edge[i] else NO_CANDIDATE
    return FillResult(
        added=frozen(added, np.int64),
        cells=frozen(cell_of, np.int64),
        vacated=frozen(np.flatnonzero(in_cell), np.int64),
        reasons=tuple(reasons),
    )
