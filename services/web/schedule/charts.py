"""Pure helpers of the version page: the grid (tables × slots) and the geometry of its bar charts.

Charts are inline SVG drawn from presentation attributes only (the CSP forbids style attributes), each
with a title, a description and a data table next to it, so nothing is said by the picture alone.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

CHART_WIDTH = 480
CHART_HEIGHT = 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 40, 10, 20, 40


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float

    @property
    def mid(self) -> float:
        """Where the bar's labels are centred."""
        return round(self.x + self.width / 2, 1)


@dataclass(frozen=True)
class BarChart:
    """A vertical bar chart: bars, its size, and the baseline's y."""

    bars: list[Bar]
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    baseline: float = CHART_HEIGHT - _BOTTOM
    left: float = _LEFT
    right: float = CHART_WIDTH - _RIGHT


def bar_chart(buckets: Iterable[tuple[str, int]]) -> BarChart:
    """Bars scaled to the tallest (a chart of zeros has flat bars).

    Examples
    --------
    >>> chart = bar_chart([("0", 1), ("1", 3)])
    >>> [(bar.label, bar.value, round(bar.height)) for bar in chart.bars]
    [('0', 1, 53), ('1', 3, 160)]
    """
    items = list(buckets)
    plot_width = CHART_WIDTH - _LEFT - _RIGHT
    plot_height = CHART_HEIGHT - _TOP - _BOTTOM
    tallest = max((value for _, value in items), default=0) or 1
    step = plot_width / max(len(items), 1)
    bars = []
    for index, (label, value) in enumerate(items):
        height = plot_height * value / tallest
        bars.append(
            Bar(
                label=label,
                value=value,
                x=round(_LEFT + index * step + step * 0.1, 1),
                y=round(CHART_HEIGHT - _BOTTOM - height, 1),
                width=round(step * 0.8, 1),
                height=round(height, 1),
            )
        )
    return BarChart(bars=bars)


def meetings_per_sme(meetings: Iterable[Mapping[str, Any]], zero_meeting_smes: int) -> list[tuple[str, int]]:
    """How many SMEs got 0, 1, 2 … meetings (a histogram; every count up to the most is listed).

    Examples
    --------
    >>> meetings_per_sme([{"sme_id": "a"}, {"sme_id": "a"}, {"sme_id": "b"}], 2)
    [('0', 2), ('1', 1), ('2', 1)]
    """
    per_sme = Counter(str(m["sme_id"]) for m in meetings)
    histogram = Counter(per_sme.values())
    histogram[0] += zero_meeting_smes
    most = max(histogram, default=0)
    return [(str(count), histogram.get(count, 0)) for count in range(most + 1)]


def breaks_per_person(meetings: Iterable[Mapping[str, Any]], key: str = "sme_id") -> list[tuple[str, int]]:
    """How many people have 0, 1, 2 … breaks (runs of idle slots between two of their meetings).

    Examples
    --------
    >>> breaks_per_person([{"sme_id": "a", "slot": 0}, {"sme_id": "a", "slot": 2}, {"sme_id": "b", "slot": 1}])
    [('0', 1), ('1', 1)]
    """
    slots: dict[str, list[int]] = defaultdict(list)
    for meeting in meetings:
        slots[str(meeting[key])].append(int(meeting["slot"]))
    histogram: Counter[int] = Counter()
    for taken in slots.values():
        taken.sort()
        histogram[sum(1 for a, b in itertools.pairwise(taken) if b > a + 1)] += 1
    most = max(histogram, default=0)
    return [(str(count), histogram.get(count, 0)) for count in range(most + 1)]


def percent(part: float, whole: float) -> float:
    """``part`` as a percentage of ``whole``, 100 when ``whole`` is 0 (nothing could be gained).

    Examples
    --------
    >>> percent(45, 50), percent(0, 0)
    (90.0, 100.0)
    """
    return round(100.0 * part / whole, 1) if whole else 100.0


@dataclass
class GridRow:
    table: int
    buyer_name: str
    buyer_table: int | None
    cells: list[Mapping[str, Any] | None] = field(default_factory=list)


@dataclass(frozen=True)
class Grid:
    slots: list[dict[str, Any]]
    rows: list[GridRow]


def build_grid(event_slots: Iterable[Mapping[str, Any]], meetings: Iterable[Mapping[str, Any]]) -> Grid:
    """Room tables (rows) × slots (columns) with the meeting of each cell, or None.

    Slots are the event's, plus any a meeting names that the event no longer has (edited since).

    Examples
    --------
    >>> m = {"slot": 1, "table": 2, "buyer_name": "Falun", "buyer_table": 1, "start": "s", "end": "e"}
    >>> grid = build_grid([{"index": 0, "start": "a", "end": "b"}], [m])
    >>> [s["index"] for s in grid.slots], [(r.table, r.buyer_name, [c is m for c in r.cells]) for r in grid.rows]
    ([0, 1], [(1, '', [False, False]), (2, 'Falun', [False, True])])
    """
    listed = list(meetings)
    slots = {int(s["index"]): {"index": int(s["index"]), "start": s["start"], "end": s["end"]} for s in event_slots}
    for meeting in listed:
        slots.setdefault(
            int(meeting["slot"]), {"index": int(meeting["slot"]), "start": meeting["start"], "end": meeting["end"]}
        )
    ordered = [slots[index] for index in sorted(slots)]
    column = {slot["index"]: position for position, slot in enumerate(ordered)}
    tables = max((int(m["table"]) for m in listed), default=0)
    rows = [
        GridRow(table=number, buyer_name="", buyer_table=None, cells=[None] * len(ordered))
        for number in range(1, tables + 1)
    ]
    for meeting in listed:
        row = rows[int(meeting["table"]) - 1]
        row.buyer_name, row.buyer_table = meeting["buyer_name"], meeting["buyer_table"]
        row.cells[column[int(meeting["slot"])]] = meeting
    return Grid(slots=ordered, rows=rows)
