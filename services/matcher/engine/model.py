"""The matching engine's data: instances in, selections and schedules out — arrays only, no I/O.

Layers (DESIGN.md §3, §5): *encode* turns records (the registry's snapshot, a CLI file) into these
instances with index maps; *solve* (:mod:`.select`, :mod:`.slotting`, :mod:`.general`, …) are pure
functions of them; *adapt* (the matcher service) reads and stores. Every array handed to a solver is
read-only (see :func:`frozen`), so a solver cannot mutate its input by accident.

Indexes: SMEs ``0..S-1``, buyers ``0..B-1``, slots ``0..T-1`` (in time order), a buyer's tables
``0..tables[b]-1``; general-mode participants ``0..P-1`` and requested meetings ``0..M-1``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


class InstanceError(ValueError):
    """Invalid input, naming the offending item (e.g. ``sme 3``, ``meeting 17``, ``buyer_tables[2]``)."""

    def __init__(self, item: str, message: str) -> None:
        super().__init__(f"{item}: {message}")
        self.item = item
        self.message = message


def frozen(array: Any, dtype: Any) -> NDArray[Any]:
    """A read-only copy of ``array`` as ``dtype`` (solvers get inputs they cannot mutate).

    Examples
    --------
    >>> a = frozen([[1, 2]], np.int64)
    >>> a.flags.writeable
    False
    """
    result = np.array(array, dtype=dtype, copy=True)
    result.flags.writeable = False
    return result


def any_along(array: BoolArray, axis: int) -> BoolArray:
    """``array.any(axis=axis)``, typed as the array it is (numpy's stubs say "scalar or array").

    Examples
    --------
    >>> any_along(np.array([[True, False], [False, False]]), 1).tolist()
    [True, False]
    """
    result = array.any(axis=axis)
    # Reducing along one axis of an array of two or more dimensions always leaves an array.
    assert isinstance(result, np.ndarray)
    return result


@dataclass(frozen=True, eq=False)
class BipartiteInstance:
    """One event in bipartite mode: SMEs meet buyers (each buyer staffs ``buyer_tables`` tables).

    Attributes
    ----------
    relevance : (S, B) float in [0, 1]
        Score of each SME–buyer pair (see :mod:`.scoring`); 0 means "no reason to meet".
    allowed : (S, B) bool
        Pairs that may meet at all: False for organiser "never" pairs (conflicts of interest) and for
        pairs the organiser's rules exclude. A pair with relevance 0 may still be allowed.
    must_meet : (S, B) bool
        Organiser "must meet" pairs: scheduled whenever feasible (always a subset of ``allowed``).
    sme_capacity : (S,) int >= 0
        Most meetings an SME takes (already capped by its available slots by the encoder or not: the
        solvers cap it again).
    buyer_tables : (B,) int >= 0
        Tables a buyer staffs; it holds at most that many meetings in one slot.
    sme_available, buyer_available : (S, T), (B, T) bool
        Slots in which each party can meet.
    locked : (L, 3) int
        Meetings ``(sme, buyer, slot)`` that must stay exactly where they are (published and kept, or
        fixed by the organiser).
    min_relevance : float in [0, 1]
        The event's minimum relevance for a meeting (:func:`apply_floor` sets it and takes the pairs under
        it out of ``allowed``); 0 means no floor.
    below_floor : (S, B) bool
        Pairs the organiser allowed that the floor took out (for the report: what the floor cost).
    """

    relevance: FloatArray
    allowed: BoolArray
    must_meet: BoolArray
    sme_capacity: IntArray
    buyer_tables: IntArray
    sme_available: BoolArray
    buyer_available: BoolArray
    locked: IntArray = field(default_factory=lambda: frozen(np.zeros((0, 3)), np.int64))
    min_relevance: float = 0.0
    below_floor: BoolArray | None = None

    def __post_init__(self) -> None:
        if self.below_floor is None:
            object.__setattr__(self, "below_floor", np.zeros(np.shape(self.relevance), np.bool_))
        for name, dtype in (
            ("relevance", np.float64),
            ("allowed", np.bool_),
            ("must_meet", np.bool_),
            ("sme_capacity", np.int64),
            ("buyer_tables", np.int64),
            ("sme_available", np.bool_),
            ("buyer_available", np.bool_),
            ("locked", np.int64),
            ("below_floor", np.bool_),
        ):
            value = getattr(self, name)
            if name == "locked":
                value = np.asarray(value, dtype=np.int64).reshape(-1, 3)
            object.__setattr__(self, name, frozen(value, dtype))
        self.validate()

    @property
    def shape(self) -> tuple[int, int, int]:
        """(S, B, T): SMEs, buyers, slots."""
        return self.relevance.shape[0], self.relevance.shape[1], self.sme_available.shape[1]

    def buyer_capacity(self) -> IntArray:
        """Most meetings each buyer can hold: tables × available slots."""
        return self.buyer_tables * self.buyer_available.sum(axis=1)

    def effective_sme_capacity(self) -> IntArray:
        """An SME's cap, never above the slots it is available in."""
        return np.minimum(self.sme_capacity, self.sme_available.sum(axis=1))

    def validate(self) -> None:
        """Raise :class:`InstanceError` naming the first inconsistent item."""
        smes, buyers = self.relevance.shape if self.relevance.ndim == 2 else (-1, -1)
        if smes < 0:
            raise InstanceError("relevance", "must be an SMEs × buyers matrix")
        slots = self.sme_available.shape[1] if self.sme_available.ndim == 2 else -1
        expected = {
            "allowed": (smes, buyers),
            "must_meet": (smes, buyers),
            "sme_capacity": (smes,),
            "buyer_tables": (buyers,),
            "sme_available": (smes, slots),
            "buyer_available": (buyers, slots),
            "below_floor": (smes, buyers),
        }
        for name, shape in expected.items():
            if getattr(self, name).shape != shape:
                raise InstanceError(name, f"has shape {getattr(self, name).shape}, expected {shape}")
        if (
            not np.all(np.isfinite(self.relevance))
            or self.relevance.min(initial=0) < 0
            or self.relevance.max(initial=0) > 1
        ):
            raise InstanceError("relevance", "every score must be a number in [0, 1]")
        if not 0.0 <= self.min_relevance <= 1.0:
            raise InstanceError("min_relevance", "must be a number in [0, 1]")
        for name in ("sme_capacity", "buyer_tables"):
            negative = np.flatnonzero(getattr(self, name) < 0)
            if negative.size:
                raise InstanceError(f"{name}[{negative[0]}]", "must not be negative")
        forbidden_must = np.argwhere(self.must_meet & ~self.allowed)
        if forbidden_must.size:
            s, b = forbidden_must[0]
            raise InstanceError(f"pair (sme {s}, buyer {b})", "is both 'must meet' and forbidden")
        for row, (s, b, t) in enumerate(self.locked):
            if not (0 <= s < smes and 0 <= b < buyers and 0 <= t < slots):
                raise InstanceError(f"locked[{row}]", f"(sme {s}, buyer {b}, slot {t}) is outside the instance")


def apply_floor(instance: BipartiteInstance, min_relevance: float) -> BipartiteInstance:
    """The instance with pairs under ``min_relevance`` no longer allowed (the event's minimum for a meeting).

    The floor acts where candidate pairs are formed, so no solver stage can choose a pair under it — not
    even fairness giving a firm its only meeting — and the bound and the proven minimum of SMEs without
    a meeting are computed under it too. "Must meet" pairs and locked meetings stay allowed (the organiser
    decided). The pairs taken out are kept in ``below_floor`` (what the floor cost, for the report).
    Applying a floor again replaces the earlier one.

    Examples
    --------
    >>> event = BipartiteInstance(np.array([[0.6, 0.0], [0.1, 0.3]]), np.ones((2, 2), bool),
    ...     np.array([[False, False], [True, False]]), np.ones(2), np.ones(2), np.ones((2, 1), bool),
    ...     np.ones((2, 1), bool))
    >>> floored = apply_floor(event, 0.2)
    >>> floored.allowed.astype(int).tolist(), floored.below_floor.astype(int).tolist()
    ([[1, 0], [1, 1]], [[0, 1], [0, 0]])
    >>> bool(apply_floor(floored, 0.0).allowed.all())
    True
    """
    assert instance.below_floor is not None  # BipartiteInstance.__post_init__ turns None into all-False
    organiser_allowed = instance.allowed | instance.below_floor
    keep = (instance.relevance >= min_relevance) | instance.must_meet
    if len(instance.locked):
        keep[instance.locked[:, 0], instance.locked[:, 1]] = True
    return replace(
        instance,
        allowed=organiser_allowed & keep,
        below_floor=organiser_allowed & ~keep,
        min_relevance=float(min_relevance),
    )


@dataclass(frozen=True, eq=False)
class Selection:
    """Which pairs meet (before slotting), with the certificate of how good that can be.

    Attributes
    ----------
    pairs : (M, 2) int
        Selected ``(sme, buyer)`` pairs, each at most once, sorted.
    bound : float
        Optimal total relevance of the selection problem (capacities, fairness levels fixed): a
        certified upper bound on the total relevance of any schedule with the same fairness.
    min_zero_meeting_smes : int
        The proven minimum number of SMEs left without a meeting.
    min_meetings_per_sme : int
        The largest achievable minimum number of meetings per SME (among SMEs that can meet at all).
    unmet_must : (K, 2) int
        Must-meet pairs that could not be selected; ``reasons`` says why, in the same order.
    min_zero_without_floor : int
        The proven minimum of SMEs without a meeting had the instance no relevance floor (equal to
        ``min_zero_meeting_smes`` when it has none): the difference is what the floor costs in firms.
    forced_slots : (F, 3) int
        ``(sme, buyer, slot)``: one placement of the forced must-meet pairs beside the locked meetings (a
        witness that they fit together; empty when not checked). The proven minimum holds for schedules
        that keep them, so the pipeline pins them there if slotting leaves one out.
    """

    pairs: IntArray
    bound: float
    min_zero_meeting_smes: int
    min_meetings_per_sme: int
    unmet_must: IntArray = field(default_factory=lambda: frozen(np.zeros((0, 2)), np.int64))
    reasons: tuple[str, ...] = ()
    min_zero_without_floor: int | None = None
    forced_slots: IntArray = field(default_factory=lambda: frozen(np.zeros((0, 3)), np.int64))


@dataclass(frozen=True, eq=False)
class Schedule:
    """Placed meetings of a bipartite instance.

    Attributes
    ----------
    meetings : (M, 4) int
        ``(sme, buyer, slot, table)`` rows; ``table`` is the buyer's table index.
    unplaced : (K, 2) int
        Selected pairs that could not be placed (availability windows); empty without windows.
    """

    meetings: IntArray
    unplaced: IntArray = field(default_factory=lambda: frozen(np.zeros((0, 2)), np.int64))


@dataclass(frozen=True, eq=False)
class GeneralInstance:
    """General mode (B2B meeting scheduling, Bofill et al. 2022): any participant meets any other.

    Attributes
    ----------
    n_participants, n_slots : int
    tables : int
        Meetings that can run at once in one slot (the room's tables).
    meetings : (M, 2) int
        The requested meetings, as participant pairs (every one must be scheduled).
    session : (M,) int
        0 any slot, 1 morning only (slot < ``morning_slots``), 2 afternoon only.
    morning_slots : int
        Slots ``0..morning_slots-1`` are the morning.
    forbidden : (P, T) bool
        Slots a participant cannot meet in.
    fixed : (F, 2) int
        ``(meeting, slot)`` pairs fixed in advance.
    fairness : int or None
        Bound d on max − min breaks over participants (None: no bound).
    """

    n_participants: int
    n_slots: int
    tables: int
    meetings: IntArray
    session: IntArray
    morning_slots: int
    forbidden: BoolArray
    fixed: IntArray = field(default_factory=lambda: frozen(np.zeros((0, 2)), np.int64))
    fairness: int | None = None


@dataclass(frozen=True, eq=False)
class GeneralSchedule:
    """A general-mode result: the slot of each meeting, breaks, and the proof of how good it is.

    Attributes
    ----------
    status : str
        "optimal" (breaks == lower_bound), "feasible" (time ran out), "infeasible" (``reason`` says why), or
        "unknown" (time ran out before any schedule was found; ``reason`` says so).
    slots : (M,) int
        Slot of each requested meeting (empty when infeasible).
    breaks : (P,) int
        Breaks per participant (a break is a run of idle slots between two of their meetings).
    total_breaks, lower_bound : int
    reason : str
    """

    status: str
    slots: IntArray
    breaks: IntArray
    total_breaks: int
    lower_bound: int
    reason: str = ""
