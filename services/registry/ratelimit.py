"""Fixed-window rate limits kept in PostgreSQL, so every registry process counts against the same limit.

Used for anonymous SME self-registration (per client address per hour), failed logins and sign-in link
requests (per e-mail address). A fixed window lets a burst of up to twice the limit straddle a window
edge; for slowing down form spam and password guessing that is good enough, and one upsert per request
is all it costs.

Behind the web front end every user arrives from the front end's address. :func:`client_address` then
takes the user's address from ``X-Forwarded-For``, but only when the peer is one of
``REGISTRY_TRUSTED_PROXIES`` (see :mod:`shared.proxies`).
"""

from __future__ import annotations

import random

import asyncpg
from aiohttp import web

from shared.errors import TooManyRequests
from shared.proxies import forwarded_client
from shared.web import SETTINGS_KEY

from .sql import ratelimit as sql

# Counters older than this are deleted now and then (they only matter within their window).
_KEEP_SECONDS = 24 * 3600


def client_address(request: web.Request) -> str | None:
    """The address rate limits count a request against (see :func:`forwarded_client`)."""
    trusted = getattr(request.app[SETTINGS_KEY], "trusted_proxies", ())
    forwarded_for = ",".join(request.headers.getall("X-Forwarded-For", [])) or None
    return forwarded_client(request.remote, forwarded_for, trusted)


def _too_many(limit: int, window_seconds: int, retry_after: int, subject: str) -> TooManyRequests:
    retry_after = max(1, retry_after)
    return TooManyRequests(
        f"Too many requests {subject}: at most {limit} per {window_seconds // 60} minutes. "
        f"Try again in {retry_after} seconds.",
        headers={"Retry-After": str(retry_after)},
    )


async def hit(
    conn: asyncpg.Connection | asyncpg.Pool,
    bucket: str,
    *,
    limit: int,
    window_seconds: int,
    subject: str = "from your address",
) -> None:
    """Count one request in ``bucket``; raise 429 with ``Retry-After`` when the window's limit is exceeded.

    Call outside the transaction of the guarded change: a rolled-back request still counts.
    ``subject`` completes the message "Too many requests …".
    """
    row = await conn.fetchrow(sql.HIT, bucket, float(window_seconds))
    if random.random() < 0.01:  # noqa: S311 - housekeeping now and then, not security
        await conn.execute(sql.PURGE_OLD_WINDOWS, float(max(window_seconds, _KEEP_SECONDS)))
    if row["hits"] > limit:
        raise _too_many(limit, window_seconds, row["retry_after"], subject)


async def check(
    conn: asyncpg.Connection | asyncpg.Pool,
    bucket: str,
    *,
    limit: int,
    window_seconds: int,
    subject: str = "from your address",
) -> None:
    """Raise 429 when ``bucket`` already holds ``limit`` hits in this window, without counting.

    For limits on failures (logins): check before trying, :func:`hit` only when the try failed.
    """
    row = await conn.fetchrow(sql.PEEK, bucket, float(window_seconds))
    if row is not None and row["hits"] >= limit:
        raise _too_many(limit, window_seconds, row["retry_after"], subject)
