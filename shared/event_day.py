"""Whether a moment falls on an event's day, in the event's own time zone.

Check-in, walk-in registration and the other things of the day itself are possible only then. The moment
comes from the application's clock (``app[CLOCK_KEY].now()``, :mod:`shared.clock`), never the machine's.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def local_date(moment: datetime, time_zone: str) -> date:
    """The calendar date ``moment`` falls on in ``time_zone``.

    Examples
    --------
    >>> from datetime import UTC
    >>> local_date(datetime(2027, 3, 3, 23, 30, tzinfo=UTC), "Europe/Stockholm")
    datetime.date(2027, 3, 4)
    """
    return moment.astimezone(ZoneInfo(time_zone)).date()


def is_event_day(moment: datetime, event_date: date, time_zone: str) -> bool:
    """Whether ``moment`` is on ``event_date`` where the event is held (midnight to midnight there).

    Examples
    --------
    >>> from datetime import UTC
    >>> day = date(2027, 3, 4)
    >>> is_event_day(datetime(2027, 3, 3, 22, 59, tzinfo=UTC), day, "Europe/Stockholm")
    False
    >>> is_event_day(datetime(2027, 3, 3, 23, 0, tzinfo=UTC), day, "Europe/Stockholm")
    True
    >>> is_event_day(datetime(2027, 3, 4, 23, 0, tzinfo=UTC), day, "Europe/Stockholm")
    False
    """
    return local_date(moment, time_zone) == event_date
