"""A LISTEN that comes back: one pooled connection waiting for a channel's notifications, and the wait.

The job workers (``matcher_jobs``) and the notification deliverers (``matcher_outbox``) both poll as a
fallback and are woken early by NOTIFY. When the listening connection is lost (the server restarted,
the pool dropped it), :meth:`ChannelListener.ensure` listens again on the next turn of the loop, which
the lost connection itself wakes; until then :meth:`ChannelListener.retry_delay` keeps the waits short.
The link cache (:mod:`.link_cache`) also takes each notification's payload and hears of the loss itself:
what was sent while nobody listened is lost, so it forgets everything then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg

from shared.backoff import backoff_seconds

log = logging.getLogger("services.matcher.listener")
# The longest wait between tries to listen again, however long a poll is: 0.5 s doubled ten times.
_LONGEST_RETRY_SECONDS = 512.0

# Errors raised while talking to the database: logged, and tried again on the next turn.
DATABASE_ERRORS = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.InternalClientError,
    OSError,
    TimeoutError,
)


class RetryStreak:
    """Failures of one retried background step in a row, logged once when they start and once at the end.

    A loop that retries every few seconds during an outage would otherwise write a line per try.

    Parameters
    ----------
    logger
        Where the two lines go.
    doing
        The step, as in "cannot {doing} now" and "{doing} again" (e.g. "claim jobs").

    Examples
    --------
    >>> streak = RetryStreak(logging.getLogger("doctest"), "claim jobs")
    >>> streak.failed(OSError("refused")), streak.failed(OSError("refused")), streak.count
    (True, False, 2)
    >>> streak.worked(), streak.count
    (2, 0)
    """

    def __init__(self, logger: logging.Logger, doing: str) -> None:
        self._log = logger
        self._doing = doing
        self.count = 0

    def failed(self, error: BaseException) -> bool:
        """Count a failure; True (and one warning) when it starts a streak."""
        self.count += 1
        if self.count > 1:
            return False
        detail = str(error).strip() or type(error).__name__
        self._log.warning("cannot %s now (retrying quietly): %s", self._doing, detail)
        return True

    def worked(self) -> int:
        """Note a success; the failures it ends (and one line if there were any)."""
        ended, self.count = self.count, 0
        if ended:
            self._log.warning("%s again after %d failed tries", self._doing, ended)
        return ended


class ChannelListener:
    """One pooled connection LISTENing on ``channel``, setting ``wake`` on each notification.

    Parameters
    ----------
    pool
        Where the listening connection comes from (and goes back to on :meth:`close`).
    channel
        The PostgreSQL channel name.
    wake
        Set on every notification, and when the connection is lost (so the loop listens again at once).
    purpose
        What is listened for, in log lines ("new jobs", "notifications to send").
    on_notify
        Called with each notification's payload (before ``wake`` is set).
    on_lost
        Called when the listening connection is lost (notifications sent from then on until the next
        :meth:`ensure` are never delivered).
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        channel: str,
        wake: asyncio.Event,
        purpose: str,
        *,
        on_notify: Callable[[str], None] | None = None,
        on_lost: Callable[[], None] | None = None,
    ) -> None:
        self._pool = pool
        self._channel = channel
        self._wake = wake
        self._notify_hook = on_notify
        self._lost_hook = on_lost
        self._conn: asyncpg.Connection | None = None
        # Failed tries to listen in a row: the loop then waits less than a poll before trying again.
        self._streak = RetryStreak(log, f"listen for {purpose}")

    def retry_delay(self, poll_seconds: float) -> float:
        """How long the loop may wait: a poll while listening, else 0.5 s doubling up to a poll.

        Examples
        --------
        >>> listener = ChannelListener(None, "c", asyncio.Event(), "tests")
        >>> listener.retry_delay(5.0)
        5.0
        >>> listener.failures = 3
        >>> listener.retry_delay(5.0)
        2.0
        """
        if self.failures == 0:
            return poll_seconds
        return backoff_seconds(self.failures, base=0.5, cap=min(poll_seconds, _LONGEST_RETRY_SECONDS))

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        if self._notify_hook is not None:
            self._notify_hook(payload)
        self._wake.set()

    def _on_lost(self, _conn: object) -> None:
        if self._lost_hook is not None:
            self._lost_hook()
        self._wake.set()

    @property
    def listening(self) -> bool:
        """Whether notifications are being received now (the connection is there and open)."""
        return self._listening()

    def _listening(self) -> bool:
        try:
            return self._conn is not None and not self._conn.is_closed()
        except (asyncpg.InterfaceError, asyncpg.exceptions.InternalClientError):
            # The pool detaches a connection the server ended; its proxy then refuses even this question.
            return False

    async def ensure(self) -> None:
        """Listen, unless already listening; a failure is logged and counted, never raised."""
        if self._listening():
            return
        await self.close()
        try:
            conn = await self._pool.acquire()
        except DATABASE_ERRORS as error:
            self._failed(error)
            return
        try:
            await conn.add_listener(self._channel, self._on_notify)
        except Exception as error:  # whatever the reason, polling carries on; the connection must go back
            # Often a pooled connection the server ended a moment ago; the pool replaces it next time.
            self._failed(error)
            with contextlib.suppress(Exception):
                await self._pool.release(conn)
            return
        # A lost connection wakes the loop, which listens again at once instead of after the next poll.
        conn.add_termination_listener(self._on_lost)
        self._conn = conn
        self._streak.worked()

    @property
    def failures(self) -> int:
        """Failed tries to listen in a row."""
        return self._streak.count

    @failures.setter
    def failures(self, count: int) -> None:
        self._streak.count = count

    def _failed(self, error: BaseException) -> None:
        self._streak.failed(error)  # polling carries on meanwhile

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        with contextlib.suppress(*DATABASE_ERRORS):
            conn.remove_termination_listener(self._on_lost)
            if not conn.is_closed():
                await conn.remove_listener(self._channel, self._on_notify)
        with contextlib.suppress(*DATABASE_ERRORS):
            await self._pool.release(conn)


async def wait_for_either(first: asyncio.Event, second: asyncio.Event, timeout: float) -> None:
    """Wait until either event is set or ``timeout`` seconds pass (no error on timeout)."""
    waiters = [asyncio.create_task(first.wait()), asyncio.create_task(second.wait())]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)
