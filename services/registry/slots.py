"""The slot grid of an event as the registry stores it: :func:`event_slot_grid` of an events-table row.

The layout itself is pure and shared with the web's event form (:mod:`shared.slot_grid`). :func:`slot_grid`
is named here too for those that import it from the registry (deploy/sample_data.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.slot_grid import Slot, slot_grid

__all__ = ["DEFAULT_TIME_ZONE", "event_slot_grid", "slot_grid"]

DEFAULT_TIME_ZONE = "Europe/Stockholm"


def event_slot_grid(event: Mapping[str, Any]) -> list[Slot]:
    """:func:`~shared.slot_grid.slot_grid` of an event row or dict with the events table's column names."""
    return slot_grid(
        event["event_date"],
        event.get("time_zone") or DEFAULT_TIME_ZONE,
        event["day_start"],
        event["day_end"],
        event["meeting_minutes"],
        event["changeover_minutes"],
        event.get("breaks") or (),
    )
