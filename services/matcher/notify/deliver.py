"""Deliver the outbox: claim due rows, send each (webhook or e-mail), settle it; and the loop the app runs.

At least once: a row is marked delivered only after its receiver accepted it, so a process that dies
mid-send leaves the row to be claimed again when its visibility timeout runs out (receivers dedupe on
the delivery id). Any number of deliverers, in any number of processes, can run against one database:
a claimed row is locked and hidden from the others (see :mod:`services.matcher.sql.notify`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import aiohttp
import asyncpg
from aiohttp import web

from shared.backoff import backoff_seconds
from shared.db import POOL_KEY
from shared.outage import cannot_be_reached

from ..links import LinkSecretMissing
from ..listener import DATABASE_ERRORS, ChannelListener, RetryStreak, wait_for_either
from ..settings import MatcherSettings
from ..sql import notify as sql
from . import Outcome, Verdict
from .addresses import WebhookUrlRefused, check_webhook_url, webhook_session
from .mail import MalformedPayload, build_message, send_message
from .webhooks import TIMEOUT_SECONDS, encode_body, post_webhook

log = logging.getLogger("services.matcher.notify")

# Errors raised while talking to the database; the loop logs them and tries again later. asyncpg raises
# InternalClientError when it uses a pooled connection the server has just ended (seen in tests).

BACKOFF_BASE_SECONDS = 10.0
BACKOFF_CAP_SECONDS = 3600.0
# How long a claimed row stays hidden from other deliverers: longer than a batch takes to send
# (webhooks time out after 10 s, e-mails after 30 s, a few at a time), short enough that a row whose
# deliverer died goes out again within minutes.
VISIBILITY_SECONDS = 300.0
CONCURRENCY = 8
# On shutdown the batch being sent gets this long to finish before it is cancelled and handed back.
SHUTDOWN_GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class OutboxRow:
    id: UUID
    event_id: UUID
    kind: str
    channel: str
    destination: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class _Options:
    max_attempts: int
    backoff_base: float
    backoff_cap: float


async def _send(
    pool: asyncpg.Pool, settings: MatcherSettings, session: aiohttp.ClientSession, row: OutboxRow
) -> Outcome:
    if row.channel == "webhook":
        async with pool.acquire() as conn:
            secret = await conn.fetchval(sql.SELECT_WEBHOOK_SECRET, row.event_id, row.destination)
        if secret is None:
            return Outcome.stop("no webhook with this URL is registered for the event any more")
        try:
            # Again at each delivery: the settings or the host's addresses may have changed since it was
            # registered (the session's socket factory then checks the address actually connected to).
            await check_webhook_url(row.destination, settings)
        except WebhookUrlRefused as error:
            return Outcome.stop(str(error))
        return await post_webhook(
            session,
            row.destination,
            encode_body(row.payload),
            secret=secret,
            delivery_id=row.id,
            kind=row.kind,
            timeout=TIMEOUT_SECONDS,
        )
    if row.channel == "email":
        try:
            message = build_message(settings, row.payload, to=row.destination, delivery_id=row.id)
        except MalformedPayload as error:
            return Outcome.stop(str(error))
        except LinkSecretMissing as error:
            return Outcome.retry(str(error))
        return await send_message(settings, message, row.destination)
    return Outcome.stop(f"unknown channel {row.channel!r}")


async def _settle(pool: asyncpg.Pool, row: OutboxRow, outcome: Outcome, options: _Options) -> None:
    async with pool.acquire() as conn:
        if outcome.verdict is Verdict.DELIVERED:
            await conn.execute(sql.MARK_DELIVERED, row.id)
            log.info("outbox %s (%s to %s) delivered on attempt %d", row.id, row.kind, row.channel, row.attempts)
        elif outcome.verdict is Verdict.STOP:
            await conn.execute(sql.GIVE_UP, row.id, f"gave up: {outcome.detail}")
            log.warning("outbox %s (%s): gave up: %s", row.id, row.channel, outcome.detail)
        elif row.attempts >= options.max_attempts:
            reason = f"gave up after {row.attempts} attempts: {outcome.detail}"
            await conn.execute(sql.GIVE_UP, row.id, reason)
            log.warning("outbox %s (%s): %s", row.id, row.channel, reason)
        else:
            wait = backoff_seconds(row.attempts, base=options.backoff_base, cap=options.backoff_cap)
            await conn.execute(sql.RECORD_FAILURE, row.id, outcome.detail, wait)
            log.info(
                "outbox %s (%s): attempt %d failed (%s); next in %g s",
                row.id,
                row.channel,
                row.attempts,
                outcome.detail,
                wait,
            )


async def _attempt(
    pool: asyncpg.Pool,
    settings: MatcherSettings,
    session: aiohttp.ClientSession,
    row: OutboxRow,
    options: _Options,
    limit: asyncio.Semaphore,
) -> bool:
    async with limit:
        try:
            outcome = await _send(pool, settings, session, row)
        except DATABASE_ERRORS as error:
            outcome = Outcome.retry(cannot_be_reached("the database", type(error).__name__))
        except Exception as error:
            # A bug, not the receiver's fault: logged in full, the row retried (and given up after max).
            log.exception("outbox %s: sending failed unexpectedly", row.id)
            outcome = Outcome.retry(f"internal error: {type(error).__name__}")
        try:
            await _settle(pool, row, outcome, options)
        except DATABASE_ERRORS as error:
            # The row reappears when its visibility timeout runs out and is sent again (at least once).
            log.error("outbox %s: cannot record the outcome (%s): %s", row.id, outcome.verdict, error)
            return False
        return outcome.verdict is Verdict.DELIVERED


async def _deliver_batch(
    pool: asyncpg.Pool,
    settings: MatcherSettings,
    session: aiohttp.ClientSession,
    *,
    batch: int,
    backoff_base: float,
    backoff_cap: float,
    visibility_seconds: float,
    concurrency: int,
    before_claim: Callable[[], Awaitable[bool]] | None = None,
) -> tuple[int, int]:
    """Claim and send one batch; (rows claimed, rows delivered). ``before_claim`` False: send nothing now."""
    # The registry's change feed is applied first: nothing goes to or about someone erased a moment ago.
    if before_claim is not None and not await before_claim():
        return 0, 0
    channels = ["webhook", "email"] if settings.smtp_host else ["webhook"]
    async with pool.acquire() as conn, conn.transaction():
        # Serialised claims: superseded notices are collapsed and each participant's rows go out one at a
        # time, oldest first, however many deliverers run (see services.matcher.sql.notify).
        await conn.execute(sql.LOCK_CLAIMS)
        await conn.execute(sql.COLLAPSE_SUPERSEDED)
        records = await conn.fetch(sql.CLAIM_DUE, settings.outbox_max_attempts, batch, visibility_seconds, channels)
    rows = [
        OutboxRow(r["id"], r["event_id"], r["kind"], r["channel"], r["destination"], r["payload"], r["attempts"])
        for r in records
    ]
    if not rows:
        return 0, 0
    options = _Options(settings.outbox_max_attempts, backoff_base, backoff_cap)
    limit = asyncio.Semaphore(concurrency)
    tasks = {row.id: asyncio.create_task(_attempt(pool, settings, session, row, options, limit)) for row in rows}
    try:
        await asyncio.wait(tasks.values())
    except asyncio.CancelledError:
        unsettled = [row_id for row_id, task in tasks.items() if not task.done()]
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
        await _release(pool, unsettled)
        raise
    return len(rows), sum(1 for task in tasks.values() if task.result())


async def _release(pool: asyncpg.Pool, ids: list[UUID]) -> None:
    """Hand back rows claimed but not settled (shutdown), so they go out at once, not after the timeout."""
    if not ids:
        return
    try:
        async with asyncio.timeout(2), pool.acquire() as conn:
            await conn.execute(sql.RELEASE, ids)
    except (*DATABASE_ERRORS, asyncio.CancelledError) as error:
        log.warning(
            "could not hand back %d outbox rows (they go out after the visibility timeout): %r", len(ids), error
        )


async def deliver_due(
    pool: asyncpg.Pool,
    settings: MatcherSettings,
    session: aiohttp.ClientSession,
    *,
    batch: int = 50,
    backoff_base: float = BACKOFF_BASE_SECONDS,
    backoff_cap: float = BACKOFF_CAP_SECONDS,
    visibility_seconds: float = VISIBILITY_SECONDS,
    concurrency: int = CONCURRENCY,
    before_claim: Callable[[], Awaitable[bool]] | None = None,
) -> int:
    """Deliver one batch of due outbox rows; how many were delivered.

    Claims up to ``batch`` due rows (e-mail rows only when ``settings.smtp_host`` is set; otherwise they
    stay queued), sends them ``concurrency`` at a time and records each outcome: delivered, retry after
    ``backoff_base`` doubling up to ``backoff_cap`` seconds, or given up (final refusal, or
    ``settings.outbox_max_attempts`` attempts made). Database errors while claiming propagate.
    ``before_claim`` is awaited first (the change feed's sync); False sends nothing this time.
    """
    _, delivered = await _deliver_batch(
        pool,
        settings,
        session,
        batch=batch,
        backoff_base=backoff_base,
        backoff_cap=backoff_cap,
        visibility_seconds=visibility_seconds,
        concurrency=concurrency,
        before_claim=before_claim,
    )
    return delivered


async def run_deliverer(
    pool: asyncpg.Pool,
    settings: MatcherSettings,
    session: aiohttp.ClientSession,
    *,
    stop: asyncio.Event,
    batch: int = 50,
    on_idle: Callable[[], None] | None = None,
    **options: Any,
) -> None:
    """Deliver due rows until ``stop`` is set: woken by ``LISTEN matcher_outbox``, polling every
    ``settings.outbox_poll_seconds`` (back-offs that ran out, missed notifications). A database outage
    is logged and waited out, never fatal. ``options`` go to :func:`deliver_due`; ``on_idle`` is called
    whenever the loop starts waiting (tests)."""
    if settings.smtp_host is None:
        log.info("e-mail is off (MATCHER_SMTP_HOST is unset): e-mail notifications stay queued")
    wake = asyncio.Event()
    listener = ChannelListener(pool, sql.OUTBOX_CHANNEL, wake, "notifications to send")
    claims = RetryStreak(log, "claim notifications")
    try:
        while not stop.is_set():
            await listener.ensure()
            # Cleared before claiming: a notification from here on ends the wait below.
            wake.clear()
            try:
                claimed, _ = await _deliver_batch(
                    pool,
                    settings,
                    session,
                    batch=batch,
                    backoff_base=options.get("backoff_base", BACKOFF_BASE_SECONDS),
                    backoff_cap=options.get("backoff_cap", BACKOFF_CAP_SECONDS),
                    visibility_seconds=options.get("visibility_seconds", VISIBILITY_SECONDS),
                    concurrency=options.get("concurrency", CONCURRENCY),
                    before_claim=options.get("before_claim"),
                )
            except DATABASE_ERRORS as error:
                claims.failed(error)
                claimed = 0
            except Exception:
                log.exception("notification delivery failed unexpectedly (trying again later)")
                claimed = 0
            else:
                claims.worked()
            if claimed >= batch:
                continue  # a full batch: more may be due at once
            if on_idle is not None:
                on_idle()
            await wait_for_either(wake, stop, listener.retry_delay(settings.outbox_poll_seconds))
    finally:
        await listener.close()


def outbox_context(
    settings: MatcherSettings,
    before_claim: Callable[[web.Application], Callable[[], Awaitable[bool]]] | None = None,
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A ``cleanup_ctx`` entry delivering the outbox in the background while the app runs.

    ``before_claim(app)`` makes the check awaited before each batch (see :func:`deliver_due`).

    Append it after the pool's entry (it uses ``app[POOL_KEY]``, and is stopped before the pool closes).
    It has its own HTTP client session: webhook timeout 10 s, no redirects, no cookies kept, and no
    connection to a non-public address unless ``MATCHER_WEBHOOK_ALLOW_PRIVATE`` (see :mod:`.addresses`).
    """

    async def context(app: web.Application) -> AsyncIterator[None]:
        pool = app[POOL_KEY]
        async with webhook_session(settings, timeout=TIMEOUT_SECONDS) as session:
            stop = asyncio.Event()
            # None, like no before_claim at all: deliver_due then claims without a check.
            gate = before_claim(app) if before_claim is not None else None
            task = asyncio.create_task(
                run_deliverer(pool, settings, session, stop=stop, before_claim=gate), name="outbox-deliverer"
            )
            try:
                yield
            finally:
                stop.set()
                done, _ = await asyncio.wait({task}, timeout=SHUTDOWN_GRACE_SECONDS)
                if not done:
                    task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    return context
