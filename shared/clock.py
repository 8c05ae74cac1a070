"""One injectable clock for every "what time is it" decision of the services.

Whether it is the event's day, whether a meeting has started, what lies inside the frozen horizon, when a
reminder is due: all of it asks the application's clock (``request.app[CLOCK_KEY].now()``), never
``datetime.now()`` nor the database's ``now()``. So a test plays a whole event morning in seconds by moving
a :class:`ManualClock`, and an organiser can rehearse the day ahead of time with ``CLOCK_FILE``.

- :class:`SystemClock`: the real time (the default).
- :class:`ManualClock`: set or advanced by the caller (tests in one process).
- :class:`FileClock`: for several processes at once (the browser tests, a rehearsal). The file holds one
  ISO 8601 time with offset: the time it was *at the moment the file was written*; the clock then runs on
  from there at the normal pace. Writing the file again moves every process's clock at once.

All clocks answer timezone-aware UTC datetimes.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from aiohttp import web


class Clock(Protocol):
    """Anything with ``now()`` answering an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The machine's time.

    Examples
    --------
    >>> SystemClock().now().tzinfo is UTC
    True
    """

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until it is set or advanced (tests).

    Examples
    --------
    >>> clock = ManualClock(datetime(2027, 3, 4, 8, 0, tzinfo=UTC))
    >>> clock.advance(minutes=20).isoformat()
    '2027-03-04T08:20:00+00:00'
    >>> clock.set(datetime(2027, 3, 4, 10, 0, tzinfo=UTC)); clock.now().hour
    10
    """

    def __init__(self, start: datetime) -> None:
        self._now = _aware_utc(start)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = _aware_utc(moment)

    def advance(self, **delta: float) -> datetime:
        """Move on by ``timedelta(**delta)``; the new time."""
        with self._lock:
            self._now += timedelta(**delta)
            return self._now


class FileClock:
    """The time a file states, running on from the moment it was written (several processes share it).

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "clock"
    >>> write_clock_file(path, datetime(2027, 3, 4, 8, 0, tzinfo=UTC))
    >>> clock = FileClock(path)
    >>> abs(clock.now() - datetime(2027, 3, 4, 8, 0, tzinfo=UTC)) < timedelta(seconds=5)
    True
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._seen: tuple[int, datetime, datetime] | None = None  # (mtime_ns, stated time, real time then)

    def now(self) -> datetime:
        try:
            mtime = os.stat(self.path).st_mtime_ns
        except FileNotFoundError:
            return datetime.now(UTC)  # the file removed: real time again
        if self._seen is None or self._seen[0] != mtime:
            stated = _aware_utc(datetime.fromisoformat(self.path.read_text().strip()))
            self._seen = (mtime, stated, datetime.fromtimestamp(mtime / 1e9, UTC))
        _, stated, written = self._seen
        return stated + (datetime.now(UTC) - written)


def write_clock_file(path: Path, moment: datetime) -> None:
    """Make every :class:`FileClock` on ``path`` say ``moment`` now (written atomically)."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(_aware_utc(moment).isoformat() + "\n")
    os.replace(partial, path)


def clock_for(clock_file: Path | None) -> Clock:
    """The clock a service runs on: the file's when one is configured, else the system's."""
    return FileClock(clock_file) if clock_file is not None else SystemClock()


def _aware_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a clock needs a time with its offset")
    return moment.astimezone(UTC)


CLOCK_KEY = web.AppKey("clock", Clock)
