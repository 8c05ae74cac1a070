"""A wall-clock time of the event's own zone (09:00), as both services take and answer it.

JSON Schema's ``format: time`` (RFC 3339 full-time) requires an offset, which a wall-clock time of the
event's own zone must not have; so the schema states a pattern instead, and input is refused unless it is a
local time in whole minutes. Stored times print as ``HH:MM:SS``, which the same pattern admits.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema

WALL_CLOCK_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:00(\.0+)?)?$"


def check_wall_clock(value: time) -> time:
    """Whole minutes, no offset.

    Examples
    --------
    >>> check_wall_clock(time(9, 30))
    datetime.time(9, 30)
    >>> check_wall_clock(time(9, 30, 15))
    Traceback (most recent call last):
    ...
    ValueError: give a local time in whole minutes without offset, e.g. 09:00
    """
    if value.tzinfo is not None or value.second or value.microsecond:
        raise ValueError("give a local time in whole minutes without offset, e.g. 09:00")
    return value


WallClock = Annotated[
    time,
    AfterValidator(check_wall_clock),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": WALL_CLOCK_PATTERN,
            "examples": ["09:00"],
            "description": "Local time in whole minutes, HH:MM, without offset",
        }
    ),
]
# What the APIs answer: stored times print as HH:MM:SS, equally without offset.
WallClockOut = Annotated[time, WithJsonSchema({"type": "string", "pattern": WALL_CLOCK_PATTERN})]
