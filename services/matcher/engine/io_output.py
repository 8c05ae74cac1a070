"""The command-line tool's output document: the schedule with ids and slot labels, and the quality report.

The decode half of :mod:`.io`: results (index arrays) back into documents in the input's own names.
Pure: no files, no clock.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, Field, RootModel

from .io import IdMaps
from .model import GeneralInstance, GeneralSchedule, Schedule, Selection
from .quality import GeneralQualityReport, QualityReport


class MeetingOut(BaseModel):
    sme: str
    buyer: str
    slot: int
    slot_label: str
    table: int = Field(description="The buyer's table, 0-based.")


class PairOut(BaseModel):
    sme: str
    buyer: str
    reason: str = ""


class BipartiteOutput(BaseModel):
    """A bipartite schedule with ids, and its quality report."""

    mode: Literal["bipartite"] = "bipartite"
    status: Literal["ok"] = "ok"
    meetings: list[MeetingOut]
    unplaced: list[PairOut] = Field(description="Selected pairs no slot could hold (availability windows).")
    unmet_must: list[PairOut] = Field(description="Must-meet pairs that could not be scheduled, with the reason.")
    report: QualityReport


class GeneralMeetingOut(BaseModel):
    a: str
    b: str
    slot: int
    slot_label: str
    table: int


class GeneralOutput(BaseModel):
    """A general-mode schedule with ids, breaks per participant, and its quality report."""

    mode: Literal["general"] = "general"
    status: Literal["optimal", "feasible"]
    meetings: list[GeneralMeetingOut]
    breaks: dict[str, int] = Field(description="Breaks per participant id.")
    report: GeneralQualityReport


class InfeasibleOutput(BaseModel):
    """No valid schedule exists."""

    mode: Literal["bipartite", "general"]
    status: Literal["infeasible"] = "infeasible"
    reason: str


class OutputDocument(RootModel[BipartiteOutput | GeneralOutput | InfeasibleOutput]):
    """The CLI's output."""


def bipartite_output(schedule: Schedule, selection: Selection, report: QualityReport, ids: IdMaps) -> BipartiteOutput:
    """The output document of a bipartite run, with ids and slot labels.

    Examples
    --------
    >>> from .io import BipartiteInput, BuyerIn, PairIn, SmeIn, encode_bipartite
    >>> from .quality import quality_report
    >>> doc = BipartiteInput(mode="bipartite", slots=["09:00"], smes=[SmeIn(id="a", capacity=1)],
    ...     buyers=[BuyerIn(id="x")], pairs=[PairIn(sme="a", buyer="x", relevance=0.5)])
    >>> instance, ids = encode_bipartite(doc)
    >>> selection = Selection(np.array([[0, 0]]), bound=0.5, min_zero_meeting_smes=0, min_meetings_per_sme=1)
    >>> schedule = Schedule(np.array([[0, 0, 0, 0]]))
    >>> out = bipartite_output(schedule, selection, quality_report(instance, selection, schedule), ids)
    >>> out.meetings[0].model_dump()
    {'sme': 'a', 'buyer': 'x', 'slot': 0, 'slot_label': '09:00', 'table': 0}
    """
    return BipartiteOutput(
        meetings=[
            MeetingOut(sme=ids.smes[s], buyer=ids.buyers[b], slot=t, slot_label=ids.slots[t], table=k)
            for s, b, t, k in np.asarray(schedule.meetings).reshape(-1, 4).tolist()
        ],
        unplaced=[
            PairOut(sme=ids.smes[s], buyer=ids.buyers[b])
            for s, b in np.asarray(schedule.unplaced).reshape(-1, 2).tolist()
        ],
        unmet_must=[
            PairOut(sme=ids.smes[s], buyer=ids.buyers[b], reason=ids.humanise(reason))
            for (s, b), reason in zip(
                np.asarray(selection.unmet_must).reshape(-1, 2).tolist(), selection.reasons, strict=False
            )
        ],
        report=report,
    )


def general_output(
    instance: GeneralInstance,
    schedule: GeneralSchedule,
    report: GeneralQualityReport,
    ids: list[str],
    labels: list[str],
) -> GeneralOutput:
    """The output document of a feasible general-mode run; tables are numbered within each slot.

    Examples
    --------
    >>> from .quality import general_quality_report
    >>> inst = GeneralInstance(4, 2, 2, np.array([[0, 1], [2, 3], [0, 2]]), np.zeros(3, int), 1, np.zeros((4, 2), bool))
    >>> sched = GeneralSchedule("optimal", np.array([0, 0, 1]), np.zeros(4, int), 0, 0)
    >>> out = general_output(inst, sched, general_quality_report(inst, sched), ["p", "q", "r", "s"], ["am", "pm"])
    >>> [(m.a, m.b, m.slot_label, m.table) for m in out.meetings]
    [('p', 'q', 'am', 0), ('r', 's', 'am', 1), ('p', 'r', 'pm', 0)]
    """
    meetings = np.asarray(instance.meetings).reshape(-1, 2)
    slots = np.asarray(schedule.slots, dtype=np.int64)
    order = np.argsort(slots, kind="stable")
    table = np.empty(len(slots), dtype=np.int64)
    first_of_slot = np.searchsorted(slots[order], slots[order])
    table[order] = np.arange(len(slots)) - first_of_slot
    rows = [
        GeneralMeetingOut(a=ids[a], b=ids[b], slot=t, slot_label=labels[t], table=k)
        for (a, b), t, k in zip(meetings.tolist(), slots.tolist(), table.tolist(), strict=True)
    ]
    breaks = np.asarray(schedule.breaks).tolist()
    status: Literal["optimal", "feasible"] = "optimal" if schedule.status == "optimal" else "feasible"
    return GeneralOutput(status=status, meetings=rows, breaks=dict(zip(ids, breaks, strict=True)), report=report)
