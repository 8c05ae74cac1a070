"""How good is a schedule? The quality report of every run, and a checker of the hard rules.

:func:`quality_report` is a pure function of the instance, the selection (which carries the certified
bound and the proven minimum of SMEs without a meeting) and the schedule; :func:`general_quality_report`
does the same for general mode. :func:`schedule_violations` lists every broken hard rule (double
booking, tables, availability, forbidden pairs, capacities, locks) — the tests' and the CLI's oracle.

People: each SME is one person; each buyer *table* is one person (a buyer staffing three tables sends
three people, and a buyer keeps its tables). A *break* is a run of idle slots between two meetings of a
person (Bofill et al. 2022, "Constraint solving approaches to the B2B meeting scheduling problem"), so
"X.X" has one break and "XX.." none. Shares of people without a break count only people with at least
one meeting (someone with no meeting is not "without a break", they are absent).
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .model import (
    BipartiteInstance,
    BoolArray,
    GeneralInstance,
    GeneralSchedule,
    IntArray,
    Schedule,
    Selection,
    any_along,
)


class BreakFigures(BaseModel):
    """Breaks of a group of people (a break is a run of idle slots between two of one person's meetings)."""

    model_config = ConfigDict(frozen=True)

    total: int = Field(description="Breaks summed over the group.")
    max: int = Field(description="Most breaks of one person.")
    people: int = Field(description="People in the group with at least one meeting.")
    without_break: int = Field(description="People with at least one meeting and no break.")
    share_without: float = Field(description="without_break / people (1.0 when nobody meets).")


class MeetingsPerSme(BaseModel):
    """Meetings per SME over all SMEs of the instance."""

    model_config = ConfigDict(frozen=True)

    min: int
    mean: float
    max: int
    jain: float = Field(description="Jain's fairness index (Σx)² / (n·Σx²): 1 when all equal, 1/n when one gets all.")


class QualityReport(BaseModel):
    """The quality of one bipartite schedule, against the certified bound of its selection."""

    model_config = ConfigDict(frozen=True)

    meetings: int = Field(description="Placed meetings.")
    relevance: float = Field(description="Total relevance of the placed meetings.")
    bound: float = Field(description="Certified upper bound on total relevance (the selection's LP/flow optimum).")
    gap_percent: float = Field(description="100 · (bound − relevance) / bound; 0 when the bound is 0.")
    zero_meeting_smes: int = Field(description="SMEs without any meeting.")
    min_zero_meeting_smes: int = Field(description="The proven minimum number of SMEs without a meeting.")
    meetings_per_sme: MeetingsPerSme
    breaks_smes: BreakFigures
    breaks_buyers: BreakFigures = Field(description="Per buyer table (one person each).")
    breaks_all: BreakFigures
    table_utilisation: float = Field(description="Meetings / Σ over buyers of tables × available slots.")
    must_meet_honoured: int
    must_meet_total: int
    unplaced_selected: int = Field(description="Selected pairs that could not be placed in any slot.")
    min_relevance: float = Field(default=0.0, description="The event's minimum relevance for a meeting (the floor).")
    meetings_below_floor: int = Field(
        default=0, description="Placed meetings under the floor: only locked or must-meet ones can be (0 otherwise)."
    )
    zero_meeting_smes_due_to_floor: int = Field(
        default=0,
        description="Firms left without a meeting because of the floor: the proven minimum of SMEs without a "
        "meeting with the floor minus that without it (in any schedule, not just this one).",
    )
    smes_only_below_floor: int = Field(
        default=0, description="Firms whose every allowed pair is under the floor (no buyer fits them well enough)."
    )
    phase_seconds: dict[str, float] = Field(default_factory=dict, description="Wall time of each solver phase.")
    total_seconds: float = 0.0


class GeneralQualityReport(BaseModel):
    """The quality of one general-mode schedule, against its lower bound on breaks."""

    model_config = ConfigDict(frozen=True)

    status: str = Field(description="optimal, feasible (time ran out) or infeasible.")
    meetings: int
    participants: int
    breaks: BreakFigures
    lower_bound: int = Field(description="Proven lower bound on total breaks; optimal when equal to breaks.total.")
    breaks_spread: int = Field(description="max − min breaks over participants with a meeting (the fairness d).")
    seconds: float = 0.0
    reason: str = ""


def breaks_per_row(busy: BoolArray) -> IntArray:
    """Breaks of each row of a (people × slots) busy matrix: meeting blocks minus one, at least 0.

    Parameters
    ----------
    busy : (N, T) bool
        ``busy[p, t]`` when person ``p`` meets in slot ``t``.

    Returns
    -------
    (N,) int

    Examples
    --------
    >>> breaks_per_row(np.array([[1, 0, 1], [1, 1, 0], [0, 0, 0]], bool))
    array([1, 0, 0])
    >>> breaks_per_row(np.array([[1, 0, 1, 0, 0, 1]], bool))
    array([2])
    """
    busy = np.asarray(busy, dtype=bool)
    if busy.shape[1] == 0:
        return np.zeros(busy.shape[0], dtype=np.int64)
    starts = busy[:, 0].astype(np.int64) + (busy[:, 1:] & ~busy[:, :-1]).sum(axis=1)
    return np.maximum(starts - 1, 0).astype(np.int64)


def break_figures(breaks: IntArray, has_meeting: BoolArray) -> BreakFigures:
    """Summarise breaks of a group, counting only people with a meeting in the share.

    Examples
    --------
    >>> break_figures(np.array([1, 0, 0]), np.array([True, True, False])).share_without
    0.5
    """
    breaks = np.asarray(breaks, dtype=np.int64)
    people = int(np.count_nonzero(has_meeting))
    without = int(np.count_nonzero(has_meeting & (breaks == 0)))
    return BreakFigures(
        total=int(breaks.sum()),
        max=int(breaks.max(initial=0)),
        people=people,
        without_break=without,
        share_without=without / people if people else 1.0,
    )


def jain_index(loads: IntArray) -> float:
    """Jain's fairness index (Jain, Chiu & Hawe 1984): (Σx)² / (n·Σx²), 1.0 for equal (or all-zero) loads.

    Examples
    --------
    >>> jain_index(np.array([2, 2, 2]))
    1.0
    >>> round(jain_index(np.array([3, 0, 0])), 4)
    0.3333
    """
    loads = np.asarray(loads, dtype=np.float64)
    squares = float((loads**2).sum())
    if loads.size == 0 or squares == 0:
        return 1.0
    return float(loads.sum() ** 2 / (loads.size * squares))


def person_busy(instance: BipartiteInstance, meetings: IntArray) -> tuple[BoolArray, BoolArray]:
    """Busy matrices: SMEs (S, T) and buyer tables (Σ tables, T), rows of buyer ``b`` from ``Σ tables[:b]``.

    Examples
    --------
    >>> inst = BipartiteInstance(np.ones((2, 1)), np.ones((2, 1), bool), np.zeros((2, 1), bool), np.array([2, 2]),
    ...                          np.array([2]), np.ones((2, 3), bool), np.ones((1, 3), bool))
    >>> smes, tables = person_busy(inst, np.array([[0, 0, 0, 1], [1, 0, 2, 1]]))
    >>> tables.astype(int).tolist()
    [[0, 0, 0], [1, 0, 1]]
    """
    smes, _, slots = instance.shape
    meetings = np.asarray(meetings, dtype=np.int64).reshape(-1, 4)
    sme_busy = np.zeros((smes, slots), dtype=bool)
    sme_busy[meetings[:, 0], meetings[:, 2]] = True
    first_row = np.concatenate(([0], np.cumsum(instance.buyer_tables)))
    table_busy = np.zeros((int(first_row[-1]), slots), dtype=bool)
    table_busy[first_row[meetings[:, 1]] + meetings[:, 3], meetings[:, 2]] = True
    return sme_busy, table_busy


def quality_report(
    instance: BipartiteInstance,
    selection: Selection,
    schedule: Schedule,
    *,
    phase_seconds: dict[str, float] | None = None,
) -> QualityReport:
    """The quality report of a bipartite schedule (pure: no clock, no I/O).

    Parameters
    ----------
    instance, selection, schedule
        The event, the selection the schedule was built from (bound, proven minimum) and the schedule.
    phase_seconds : dict, optional
        Wall time per solver phase, copied into the report; ``total_seconds`` is their sum.

    Examples
    --------
    >>> inst = BipartiteInstance(np.array([[0.5, 0.25], [1.0, 0.0]]), np.ones((2, 2), bool),
    ...     np.array([[False, False], [True, False]]), np.array([2, 2]), np.array([1, 1]),
    ...     np.ones((2, 3), bool), np.ones((2, 3), bool))
    >>> sel = Selection(np.array([[0, 0], [1, 0]]), bound=1.5, min_zero_meeting_smes=0, min_meetings_per_sme=1)
    >>> report = quality_report(inst, sel, Schedule(np.array([[0, 0, 0, 0], [1, 0, 1, 0]])))
    >>> report.relevance, report.gap_percent, report.must_meet_honoured, report.table_utilisation
    (1.5, 0.0, 1, 0.3333333333333333)

    Under a floor of 0.3 SME 0's pair with buyer 1 (0.25) is out; SME 1 still meets buyer 0 (must meet):

    >>> from .model import apply_floor
    >>> floored = apply_floor(inst, 0.3)
    >>> report = quality_report(floored, sel, Schedule(np.array([[0, 0, 0, 0], [1, 0, 1, 0]])))
    >>> report.min_relevance, report.meetings_below_floor, report.smes_only_below_floor
    (0.3, 0, 0)
    """
    smes, buyers, _ = instance.shape
    meetings = np.asarray(schedule.meetings, dtype=np.int64).reshape(-1, 4)
    relevance = float(instance.relevance[meetings[:, 0], meetings[:, 1]].sum())
    bound = float(selection.bound)
    per_sme = np.bincount(meetings[:, 0], minlength=smes)

    sme_busy, table_busy = person_busy(instance, meetings)
    sme_breaks, table_breaks = breaks_per_row(sme_busy), breaks_per_row(table_busy)
    sme_meets, table_meets = any_along(sme_busy, 1), any_along(table_busy, 1)

    met = np.zeros((smes, buyers), dtype=bool)
    met[meetings[:, 0], meetings[:, 1]] = True
    capacity = int(instance.buyer_capacity().sum())
    phases = dict(phase_seconds or {})
    without_floor = selection.min_zero_meeting_smes
    assert instance.below_floor is not None  # BipartiteInstance.__post_init__ turns None into all-False
    if selection.min_zero_without_floor is not None:
        without_floor = selection.min_zero_without_floor
    return QualityReport(
        meetings=len(meetings),
        relevance=relevance,
        bound=bound,
        gap_percent=100.0 * (bound - relevance) / bound if bound > 0 else 0.0,
        zero_meeting_smes=int(np.count_nonzero(per_sme == 0)),
        min_zero_meeting_smes=int(selection.min_zero_meeting_smes),
        meetings_per_sme=MeetingsPerSme(
            min=int(per_sme.min()) if smes else 0,
            mean=float(per_sme.mean()) if smes else 0.0,
            max=int(per_sme.max(initial=0)),
            jain=jain_index(per_sme),
        ),
        breaks_smes=break_figures(sme_breaks, sme_meets),
        breaks_buyers=break_figures(table_breaks, table_meets),
        breaks_all=break_figures(np.concatenate((sme_breaks, table_breaks)), np.concatenate((sme_meets, table_meets))),
        table_utilisation=len(meetings) / capacity if capacity else 0.0,
        must_meet_honoured=int(np.count_nonzero(met & instance.must_meet)),
        must_meet_total=int(np.count_nonzero(instance.must_meet)),
        unplaced_selected=len(np.asarray(schedule.unplaced).reshape(-1, 2)),
        min_relevance=float(instance.min_relevance),
        meetings_below_floor=int(np.count_nonzero(instance.relevance[met] < instance.min_relevance)),
        zero_meeting_smes_due_to_floor=max(0, int(selection.min_zero_meeting_smes) - without_floor),
        smes_only_below_floor=int(np.count_nonzero(instance.below_floor.any(axis=1) & ~instance.allowed.any(axis=1))),
        phase_seconds=phases,
        total_seconds=float(sum(phases.values())),
    )


def general_breaks(instance: GeneralInstance, slots: IntArray) -> IntArray:
    """Breaks per participant when meeting ``m`` is held in ``slots[m]``.

    Examples
    --------
    >>> inst = GeneralInstance(3, 3, 2, np.array([[0, 1], [0, 2]]), np.zeros(2, int), 2, np.zeros((3, 3), bool))
    >>> general_breaks(inst, np.array([0, 2])).tolist()
    [1, 0, 0]
    """
    meetings = np.asarray(instance.meetings, dtype=np.int64).reshape(-1, 2)
    busy = np.zeros((instance.n_participants, instance.n_slots), dtype=bool)
    slots = np.asarray(slots, dtype=np.int64)
    if slots.size:
        busy[meetings[:, 0], slots] = True
        busy[meetings[:, 1], slots] = True
    return breaks_per_row(busy)


def general_quality_report(
    instance: GeneralInstance, schedule: GeneralSchedule, *, seconds: float = 0.0
) -> GeneralQualityReport:
    """The quality report of a general-mode schedule (breaks recomputed from the slots, not trusted).

    Examples
    --------
    >>> inst = GeneralInstance(3, 3, 2, np.array([[0, 1], [0, 2]]), np.zeros(2, int), 2, np.zeros((3, 3), bool))
    >>> sched = GeneralSchedule("optimal", np.array([0, 1]), np.zeros(3, int), 0, 0)
    >>> r = general_quality_report(inst, sched)
    >>> r.breaks.total, r.breaks.share_without, r.breaks_spread
    (0, 1.0, 0)
    """
    meetings = np.asarray(instance.meetings, dtype=np.int64).reshape(-1, 2)
    placed = np.asarray(schedule.slots, dtype=np.int64)
    if schedule.status == "infeasible" or placed.size != len(meetings):
        breaks = np.zeros(instance.n_participants, dtype=np.int64)
        has_meeting = np.zeros(instance.n_participants, dtype=bool)
    else:
        breaks = general_breaks(instance, placed)
        has_meeting = np.bincount(meetings.ravel(), minlength=instance.n_participants) > 0
    spread = int(breaks[has_meeting].max() - breaks[has_meeting].min()) if has_meeting.any() else 0
    return GeneralQualityReport(
        status=schedule.status,
        meetings=len(meetings),
        participants=instance.n_participants,
        breaks=break_figures(breaks, has_meeting),
        lower_bound=int(schedule.lower_bound),
        breaks_spread=spread,
        seconds=float(seconds),
        reason=schedule.reason,
    )


def _first_rows(mask: BoolArray, rows: IntArray, describe: str, limit: int = 3) -> list[str]:
    return [describe.format(*row) for row in rows[mask][:limit]]


def schedule_violations(instance: BipartiteInstance, schedule: Schedule) -> list[str]:
    """Every broken hard rule of a bipartite schedule, as short sentences (empty when valid).

    Checks: indexes in range, an SME in one meeting per slot, a pair at most once, a buyer's table used
    once per slot and within its tables, availability of both sides, forbidden pairs, SME capacities
    (capped by available slots), and every locked meeting kept where it is.

    Examples
    --------
    >>> inst = BipartiteInstance(np.ones((2, 1)), np.ones((2, 1), bool), np.zeros((2, 1), bool), np.array([1, 1]),
    ...     np.array([1]), np.ones((2, 2), bool), np.ones((1, 2), bool))
    >>> schedule_violations(inst, Schedule(np.array([[0, 0, 0, 0], [1, 0, 1, 0]])))
    []
    >>> schedule_violations(inst, Schedule(np.array([[0, 0, 0, 0], [1, 0, 0, 0]])))
    ['buyer 0 table 0 holds 2 meetings in slot 0']
    """
    smes, buyers, slots = instance.shape
    m = np.asarray(schedule.meetings, dtype=np.int64).reshape(-1, 4)
    out_of_range = (
        (m[:, 0] < 0) | (m[:, 0] >= smes) | (m[:, 1] < 0) | (m[:, 1] >= buyers) | (m[:, 2] < 0) | (m[:, 2] >= slots)
    )
    if out_of_range.any():
        return _first_rows(out_of_range, m, "meeting (sme {}, buyer {}, slot {}, table {}) is outside the instance")
    problems: list[str] = []
    bad_table = (m[:, 3] < 0) | (m[:, 3] >= instance.buyer_tables[m[:, 1]])
    problems += _first_rows(bad_table, m, "buyer {1} has no table {3} (sme {0}, slot {2})")
    for columns, what in (((0, 2), "sme {} meets twice in slot {}"), ((0, 1), "pair (sme {}, buyer {}) meets twice")):
        keys, counts = np.unique(m[:, columns], axis=0, return_counts=True)
        problems += [what.format(*key) for key in keys[counts > 1][:3]]
    keys, counts = np.unique(m[:, [1, 3, 2]], axis=0, return_counts=True)
    crowded = counts > 1
    for (b, k, t), c in zip(keys[crowded][:3], counts[crowded][:3], strict=True):
        problems.append(f"buyer {b} table {k} holds {c} meetings in slot {t}")
    problems += _first_rows(~instance.sme_available[m[:, 0], m[:, 2]], m, "sme {0} is not available in slot {2}")
    problems += _first_rows(~instance.buyer_available[m[:, 1], m[:, 2]], m, "buyer {1} is not available in slot {2}")
    problems += _first_rows(~instance.allowed[m[:, 0], m[:, 1]], m, "pair (sme {0}, buyer {1}) is forbidden")
    over = np.flatnonzero(np.bincount(m[:, 0], minlength=smes) > instance.effective_sme_capacity())
    problems += [f"sme {s} has more meetings than its capacity" for s in over[:3]]
    if len(instance.locked):
        placed = {tuple(row) for row in m[:, :3].tolist()}
        problems += [
            f"locked meeting (sme {s}, buyer {b}, slot {t}) moved"
            for s, b, t in instance.locked.tolist()
            if (s, b, t) not in placed
        ][:3]
    return problems
