"""The geometry of the statistics page's charts: two figures side by side per year, and rows of one figure
each (the outcome chain, the feedback answers), in the style of the version page's charts
(:mod:`.schedule.charts`: inline SVG from presentation attributes, each chart with its data table).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .schedule.charts import CHART_HEIGHT, CHART_WIDTH, Bar

_LEFT, _RIGHT, _TOP, _BOTTOM = 40, 10, 20, 40
ROW_HEIGHT = 28
ROW_LABEL_WIDTH = 200  # the rows' labels sit left of their bars


@dataclass(frozen=True)
class PairGroup:
    """One year's two bars (the first figure and the part of it, or the second, beside it)."""

    label: str
    first: Bar
    second: Bar

    @property
    def mid(self) -> float:
        """Where the group's label is centred."""
        return round((self.first.x + self.second.x + self.second.width) / 2, 1)


@dataclass(frozen=True)
class PairChart:
    groups: list[PairGroup]
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    baseline: float = CHART_HEIGHT - _BOTTOM
    left: float = _LEFT
    right: float = CHART_WIDTH - _RIGHT


def pair_chart(rows: Iterable[tuple[str, int, int]]) -> PairChart:
    """Two bars per label, scaled to the tallest of all (a chart of zeros has flat bars).

    Examples
    --------
    >>> chart = pair_chart([("2025", 100, 40), ("2026", 200, 50)])
    >>> [(g.label, round(g.first.height), round(g.second.height)) for g in chart.groups]
    [('2025', 80, 32), ('2026', 160, 40)]
    >>> chart.groups[0].first.x < chart.groups[0].second.x < chart.groups[1].first.x
    True
    """
    items = list(rows)
    plot_width = CHART_WIDTH - _LEFT - _RIGHT
    plot_height = CHART_HEIGHT - _TOP - _BOTTOM
    tallest = max((max(a, b) for _, a, b in items), default=0) or 1
    step = plot_width / max(len(items), 1)
    bar_width = step * 0.4
    groups = []
    for index, (label, first, second) in enumerate(items):
        start = _LEFT + index * step + step * 0.1
        bars = []
        for offset, value in ((0.0, first), (bar_width, second)):
            height = plot_height * value / tallest
            bars.append(Bar(label=label, value=value, x=round(start + offset, 1),
                            y=round(CHART_HEIGHT - _BOTTOM - height, 1), width=round(bar_width, 1),
                            height=round(height, 1)))  # fmt: skip
        groups.append(PairGroup(label=label, first=bars[0], second=bars[1]))
    return PairChart(groups=groups)


@dataclass(frozen=True)
class RowChart:
    """Horizontal bars, one a row, labelled on the left (labels too long to stand under a bar)."""

    bars: list[Bar]
    width: int = CHART_WIDTH
    height: int = 0
    label_x: float = ROW_LABEL_WIDTH - 8


def row_chart(rows: Iterable[tuple[str, int]]) -> RowChart:
    """Rows scaled to the longest, with room after each bar for its number.

    Examples
    --------
    >>> chart = row_chart([("Möten som hölls", 40), ("Tilldelningar", 4)])
    >>> [(bar.label, round(bar.width), bar.y) for bar in chart.bars], chart.height
    ([('Möten som hölls', 220, 4.0), ('Tilldelningar', 22, 32.0)], 60)
    """
    items = list(rows)
    plot_width = CHART_WIDTH - ROW_LABEL_WIDTH - 60  # the number stands after the bar
    longest = max((value for _, value in items), default=0) or 1
    bars = [
        Bar(label=label, value=value, x=ROW_LABEL_WIDTH, y=float(4 + index * ROW_HEIGHT),
            width=round(plot_width * value / longest, 1), height=ROW_HEIGHT - 8)
        for index, (label, value) in enumerate(items)
    ]  # fmt: skip
    return RowChart(bars=bars, height=len(items) * ROW_HEIGHT + 4)
