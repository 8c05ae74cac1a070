"""The preview of an event's slot grid on the organiser's form and event page: rows and an SVG timeline.

The preview lays out the slots with the pure :func:`~shared.slot_grid.slot_grid` the registry lays them out
with, so what the page shows is what the registry will store; ``static/js/slot-preview.js`` redoes the same
layout live while the form changes. A stored event is shown from the slots the registry computed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any, Literal, NotRequired, TypedDict

from shared.slot_grid import slot_grid

from ..i18n import STOCKHOLM
from .event_form import TIME_ZONE


class TimelineRow(TypedDict):
    """A slot (its number) or a break (its label) on the timeline, at x of width on the 0–1000 axis."""

    kind: Literal["slot", "break"]
    time: str
    x: float
    width: float
    number: NotRequired[int]
    label: NotRequired[str]


def preview(body: Mapping[str, Any]) -> dict[str, Any] | None:
    """The slot grid the registry would lay out for this body, as rows and a timeline; None when the
    form does not yet describe a day."""
    try:
        slots = slot_grid(
            date.fromisoformat(body["event_date"]),
            TIME_ZONE,
            body["day_start"],
            body["day_end"],
            body["meeting_minutes"],
            body["changeover_minutes"],
            body["breaks"],
        )
    except (KeyError, ValueError, TypeError):
        return None
    local = [(s.start.astimezone(STOCKHOLM).time(), s.end.astimezone(STOCKHOLM).time()) for s in slots]
    return timeline(body["day_start"], body["day_end"], local, body["breaks"], body.get("tables"))


def event_preview(event: Mapping[str, Any]) -> dict[str, Any]:
    """The timeline of a stored event from the slots the registry computed."""
    local = [
        (
            datetime.fromisoformat(s["start"]).astimezone(STOCKHOLM).time(),
            datetime.fromisoformat(s["end"]).astimezone(STOCKHOLM).time(),
        )
        for s in event["slots"]
    ]
    return timeline(str(event["day_start"])[:5], str(event["day_end"])[:5], local, event["breaks"], event["tables"])


def _minutes(value: time | str) -> int:
    clock = value if isinstance(value, time) else time.fromisoformat(value)
    return clock.hour * 60 + clock.minute


def timeline(
    day_start: str, day_end: str, slots: list[tuple[time, time]], breaks: list[Mapping[str, Any]], tables: Any
) -> dict[str, Any]:
    """Rows (slots and breaks in time order) and x/width on a 0–1000 axis for the SVG timeline.

    Examples
    --------
    >>> view = timeline("09:00", "10:00", [(time(9), time(9, 20))], [{"start": "09:30", "end": "10:00"}], 2)
    >>> [(r["kind"], r["time"], r["x"], r["width"]) for r in view["rows"]], view["capacity"]
    ([('slot', '09:00–09:20', 0.0, 333.3), ('break', '09:30–10:00', 500.0, 500.0)], 2)
    """
    origin, span = _minutes(day_start), max(1, _minutes(day_end) - _minutes(day_start))

    def place(start: time | str, end: time | str) -> tuple[float, float]:
        x = round((_minutes(start) - origin) * 1000 / span, 1)
        return x, round((_minutes(end) - _minutes(start)) * 1000 / span, 1)

    rows: list[TimelineRow] = []
    for number, (start, end) in enumerate(slots, start=1):
        x, width = place(start, end)
        rows.append({"kind": "slot", "number": number, "time": f"{start:%H:%M}–{end:%H:%M}", "x": x, "width": width})
    for pause in breaks:
        x, width = place(pause["start"], pause["end"])
        rows.append(
            {
                "kind": "break",
                "label": pause.get("label") or "",
                "time": f"{pause['start']}–{pause['end']}",
                "x": x,
                "width": width,
            }
        )
    rows.sort(key=lambda row: row["x"])
    count = len(slots)
    tables = tables if isinstance(tables, int) else None
    return {"rows": rows, "count": count, "tables": tables, "capacity": count * tables if tables else None}
