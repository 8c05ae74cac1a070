"""How failed logins are limited: hard per client address, soft per account.

A limit per account alone (ten wrong passwords and the account is shut for 15 minutes, as it was)
hands every stranger a way to lock the owner out. So:

- **per client address, hard**: after :data:`ADDRESS_FAILURE_LIMIT` failed logins from one address
  within :data:`ADDRESS_WINDOW_SECONDS` (whatever accounts they tried), that address gets 429 until
  the window ends. Behind the web front end the address is the visitor's
  (:func:`services.registry.ratelimit.client_address`).
- **per account, soft**: the typed e-mail address (its hash, so unknown addresses behave alike and
  nothing tells which have accounts) may fail :data:`ACCOUNT_FREE_FAILURES` times freely; after that
  each try must wait a pause that doubles with every further failure, at most
  :data:`ACCOUNT_MAX_PAUSE_SECONDS`. Tries during the pause are answered 429 without looking at the
  password. An attacker spread over many addresses gets about one guess a minute at one account; the
  owner waits at most that minute and is never shut out for longer, and can always sign in at once
  with an e-mailed link (:mod:`services.registry.password_links`), which this limit does not touch.
  A quarter of an hour without failures forgets the count; a successful login forgets it at once.
"""

from __future__ import annotations

import math
import random

import asyncpg
from aiohttp import web

from shared.errors import TooManyRequests

from . import ratelimit
from .sql import login_limits as sql

ADDRESS_FAILURE_LIMIT = 30
ADDRESS_WINDOW_SECONDS = 15 * 60
ACCOUNT_FREE_FAILURES = 5
ACCOUNT_MAX_PAUSE_SECONDS = 60
ACCOUNT_FORGET_SECONDS = 15 * 60
ADDRESS_SUBJECT = "failed logins from your address"


def pause_seconds(failures: int) -> int:
    """How long the next try for an account waits after ``failures`` failed ones in a row.

    Examples
    --------
    >>> [pause_seconds(n) for n in (1, 4, 5, 6, 7, 10, 11, 50)]
    [0, 0, 1, 2, 4, 32, 60, 60]
    """
    if failures < ACCOUNT_FREE_FAILURES:
        return 0
    return min(2 ** min(failures - ACCOUNT_FREE_FAILURES, 16), ACCOUNT_MAX_PAUSE_SECONDS)


def _address_bucket(address: str) -> str:
    return f"login-address:{address}"


async def check(pool: asyncpg.Pool, request: web.Request, account_bucket: str) -> None:
    """Before the password is checked: 429 while this address is over its limit or the account pauses."""
    address = await ratelimit.client_address(request)
    await ratelimit.check(
        pool,
        _address_bucket(address),
        limit=ADDRESS_FAILURE_LIMIT,
        window_seconds=ADDRESS_WINDOW_SECONDS,
        subject=ADDRESS_SUBJECT,
    )
    row = await pool.fetchrow(sql.SELECT_FAILURES, account_bucket, float(ACCOUNT_FORGET_SECONDS))
    if row is None:
        return
    wait = pause_seconds(row["failures"]) - row["seconds_since_last"]
    if wait > 0:
        retry_after = max(1, math.ceil(wait))
        raise TooManyRequests(
            f"Several failed logins for this e-mail address: try again in {retry_after} seconds, "
            "or sign in with a link sent by e-mail (POST /auth/password-links).",
            headers={"Retry-After": str(retry_after)},
        )


async def failed(pool: asyncpg.Pool, request: web.Request, account_bucket: str) -> None:
    """Count a failed login against the address and the account (outside any transaction)."""
    await pool.execute(sql.RECORD_FAILURE, account_bucket, float(ACCOUNT_FORGET_SECONDS))
    if random.random() < 0.01:  # noqa: S311 - housekeeping now and then, not security
        await pool.execute(sql.PURGE_OLD_FAILURES, float(ACCOUNT_FORGET_SECONDS))
    await ratelimit.hit(
        pool,
        _address_bucket(await ratelimit.client_address(request)),
        limit=ADDRESS_FAILURE_LIMIT,
        window_seconds=ADDRESS_WINDOW_SECONDS,
        subject=ADDRESS_SUBJECT,
    )


async def succeeded(conn: asyncpg.Connection, account_bucket: str) -> None:
    """The owner got in: forget the account's failures."""
    await conn.execute(sql.FORGET_FAILURES, account_bucket)
