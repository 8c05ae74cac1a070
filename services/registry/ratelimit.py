"""Fixed-window rate limits kept in PostgreSQL, so every registry process counts against the same limit.

Used for anonymous SME self-registration (per client address per hour). A fixed window lets a burst of
up to twice the limit straddle a window edge; for slowing down form spam that is good enough, and one
upsert per request is all it costs.
"""

from __future__ import annotations

import random

import asyncpg

from shared.errors import TooManyRequests

from .sql import ratelimit as sql

# Counters older than this are deleted now and then (they only matter within their window).
_KEEP_SECONDS = 24 * 3600


async def hit(conn: asyncpg.Connection | asyncpg.Pool, bucket: str, *, limit: int, window_seconds: int) -> None:
    """Count one request in ``bucket``; raise 429 with ``Retry-After`` when the window's limit is exceeded.

    Call outside the transaction of the guarded change: a rolled-back request still counts.
    """
    row = await conn.fetchrow(sql.HIT, bucket, float(window_seconds))
    if random.random() < 0.01:  # noqa: S311 - housekeeping now and then, not security
        await conn.execute(sql.PURGE_OLD_WINDOWS, float(max(window_seconds, _KEEP_SECONDS)))
    if row["hits"] > limit:
        retry_after = max(1, row["retry_after"])
        raise TooManyRequests(
            f"Too many requests from your address: at most {limit} per {window_seconds // 60} minutes. "
            f"Try again in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        )
