"""When PostgreSQL is away: which errors mean that, the 503 every route answers, and a log that says it once.

A database that is stopped, restarting or refusing connections is a known server state, not a bug: every
request that needs it is answered ``503`` with ``Retry-After`` (see :func:`shared.web.problem_middleware`),
and the log gets one line when the outage begins and one when it ends instead of a traceback per request.

- :class:`DatabaseUnreachable` is what the pool raises when it cannot open a connection (connection
  refused, socket gone, the server starting up or shutting down, too many connections, a connect that
  timed out). It is a :class:`ConnectionError`, so code that already catches ``OSError`` still does.
- :func:`is_database_outage` also recognises a connection lost mid-query, and a query or pool acquire
  that timed out inside the driver (a server that stopped answering).
- :class:`OutageLog` remembers whether an outage is going on: the first failure logs, the next new
  connection the pool opens logs the recovery (how long, how many requests were answered 503).
- :func:`observed_connect` is the pool's ``connect``: it feeds :class:`OutageLog` from the one place
  every new connection comes through. The pool itself reconnects on the next acquire, so the services
  recover by themselves.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from aiohttp import web

log = logging.getLogger("shared.outage")

# What clients are told to wait: a restart of PostgreSQL takes a few seconds; a longer outage costs a
# client a retry every few seconds, which is cheap for us (no connection is opened for an answered 503).
RETRY_AFTER_SECONDS = 5

# One wording for "the database cannot be reached", wherever it is said. People read the 503's problem
# detail (Swedish first, then English, like every problem the services answer to people); operators read
# the log lines, readiness answers and stored errors (English, through :func:`cannot_be_reached`).
DATABASE_UNREACHABLE_SV = "Databasen går inte att nå just nu"
DATABASE_UNREACHABLE_EN = "The database cannot be reached right now"
DATABASE_UNREACHABLE_DETAIL = (
    f"{DATABASE_UNREACHABLE_SV}; försök igen om en stund. / {DATABASE_UNREACHABLE_EN}; try again shortly."
)


def cannot_be_reached(what: str, reason: str | None = None, *, within: float | None = None) -> str:
    """The one operator-facing wording of an outage: what cannot be reached, how long we tried, and why.

    Parameters
    ----------
    what : str
        What is away, as the sentence starts (e.g. ``"the database (127.0.0.1:5432/affarstraff)"``).
    reason : str, optional
        The driver's reason (see :func:`describe`), or the error's type name.
    within : float, optional
        How many seconds we kept trying.

    Examples
    --------
    >>> cannot_be_reached("the database")
    'the database cannot be reached'
    >>> cannot_be_reached("the database (127.0.0.1:5432/app)", "ConnectionRefusedError: refused", within=1)
    'the database (127.0.0.1:5432/app) cannot be reached within 1 s (ConnectionRefusedError: refused)'
    """
    text = f"{what} cannot be reached"
    if within is not None:
        text += f" within {within:g} s"
    return f"{text} ({reason})" if reason else text


# Connecting failed in a way that passes: the server is not there, not ready, or full.
_CONNECT_FAILURES = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.PostgresConnectionError,
)
# A connection that was there and went: the server ended it (57P01 admin shutdown, 57P02 crash,
# 57P03 cannot connect now are all class 57, operator intervention) or the socket closed under it.
# InternalClientError is what asyncpg raises on a connection whose server said goodbye while it was
# idle ("cannot switch to state …; another operation is in progress"); the pool discards it on release.
_LOST_CONNECTION = (
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InternalClientError,
)


class DatabaseUnreachable(ConnectionError):
    """The pool could not open a connection to the database; ``__cause__`` holds the driver's error."""


def is_database_outage(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) means the database is unreachable rather than a bug.

    Examples
    --------
    >>> is_database_outage(DatabaseUnreachable("connection refused"))
    True
    >>> is_database_outage(asyncpg.exceptions.AdminShutdownError("terminating connection"))
    True
    >>> is_database_outage(asyncpg.InterfaceError("cannot perform operation: connection is closed"))
    True
    >>> is_database_outage(asyncpg.InterfaceError("another operation is in progress"))
    False
    >>> is_database_outage(asyncpg.UniqueViolationError("duplicate key"))
    False
    >>> is_database_outage(ConnectionRefusedError())  # not from the pool: could be any peer
    False
    """
    seen: BaseException | None = error
    for _ in range(5):  # a handler may have wrapped it; a short chain is plenty
        if seen is None:
            return False
        if isinstance(seen, (DatabaseUnreachable, *_LOST_CONNECTION)):
            return True
        # asyncpg says "connection is closed" / "pool is closing" with a plain InterfaceError.
        if isinstance(seen, asyncpg.InterfaceError) and ("is closed" in str(seen) or "is closing" in str(seen)):
            return True
        # A query or pool acquire that timed out (a server that stopped answering without closing the
        # connection): a TimeoutError raised inside asyncpg, unlike one from any other awaited thing.
        if isinstance(seen, TimeoutError) and _raised_in_asyncpg(seen):
            return True
        seen = seen.__cause__
    return False


def _raised_in_asyncpg(error: BaseException) -> bool:
    frame = error.__traceback__
    while frame is not None:
        if frame.tb_frame.f_globals.get("__name__", "").startswith("asyncpg."):
            return True
        frame = frame.tb_next
    return False


def describe(error: BaseException) -> str:
    """The driver's own reason, short and without secrets (asyncpg never puts the password in it).

    Examples
    --------
    >>> describe(DatabaseUnreachable("x").with_traceback(None))
    'DatabaseUnreachable: x'
    >>> try:
    ...     raise DatabaseUnreachable("cannot connect") from ConnectionRefusedError(111, "Connection refused")
    ... except DatabaseUnreachable as error:
    ...     describe(error)
    'ConnectionRefusedError: [Errno 111] Connection refused'
    """
    cause = error.__cause__ or error
    text = str(cause).splitlines()[0] if str(cause) else ""
    return f"{type(cause).__name__}: {text}" if text else type(cause).__name__


class OutageLog:
    """Whether the database is away right now, logged once when that starts and once when it ends.

    Parameters
    ----------
    where
        What is away, for the log line (e.g. "database at 127.0.0.1:5432/affarstraff").
    clock
        Monotonic seconds (injectable for tests).

    Examples
    --------
    >>> now = [100.0]
    >>> outage = OutageLog("database", clock=lambda: now[0])
    >>> outage.failed(DatabaseUnreachable("refused")), outage.failed(DatabaseUnreachable("refused"))
    (True, False)
    >>> outage.answered(); outage.answered(); now[0] = 112.5
    >>> outage.recovered()
    12.5
    >>> outage.active, outage.recovered()
    (False, None)
    """

    def __init__(self, where: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.where = where
        self._clock = clock
        self._since: float | None = None
        self._answered = 0

    @property
    def active(self) -> bool:
        return self._since is not None

    def failed(self, error: BaseException) -> bool:
        """Note a failure; True (and one warning) when it starts an outage."""
        if self._since is not None:
            return False
        self._since = self._clock()
        self._answered = 0
        log.warning(
            "%s; answering 503 until it is back",
            cannot_be_reached(self.where, describe(error)),
            extra={"outage": "began"},
        )
        return True

    def answered(self) -> None:
        """Count one request answered 503 during the outage."""
        self._answered += 1

    def recovered(self) -> float | None:
        """Note a working connection; the outage's length in seconds (and one log line) if one ended."""
        if self._since is None:
            return None
        lasted = self._clock() - self._since
        log.warning(
            "%s reachable again after %.1f s; %d requests were answered 503 meanwhile",
            self.where,
            lasted,
            self._answered,
            extra={"outage": "ended", "outage_seconds": round(lasted, 1), "answered_503": self._answered},
        )
        self._since = None
        return lasted


OUTAGE_KEY = web.AppKey("database_outage", OutageLog)


class _AlreadyReported(logging.Filter):
    """Drops asyncpg's own traceback for a pool connection that could not be made during an outage.

    The pool keeps its minimum size by reconnecting in the background, and logs a traceback for every
    failed try (every few seconds for as long as the outage lasts); :class:`OutageLog` has said it once.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, DatabaseUnreachable)


_ALREADY_REPORTED = _AlreadyReported()


def observed_connect(outage: OutageLog) -> Callable[..., Awaitable[asyncpg.Connection]]:
    """A ``connect`` for :func:`asyncpg.create_pool` that reports to ``outage`` and raises
    :class:`DatabaseUnreachable` for connections that cannot be had right now."""

    pool_log = logging.getLogger("asyncpg.pool")
    if _ALREADY_REPORTED not in pool_log.filters:
        pool_log.addFilter(_ALREADY_REPORTED)

    async def connect(*args: Any, **kwargs: Any) -> asyncpg.Connection:
        try:
            conn = await asyncpg.connect(*args, **kwargs)
        except _CONNECT_FAILURES as error:
            outage.failed(error)
            raise DatabaseUnreachable(f"cannot connect to the {outage.where}") from error
        outage.recovered()
        return conn

    return connect
