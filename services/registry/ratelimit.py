"""Fixed-window rate limits kept in PostgreSQL, so every registry process counts against the same limit.

Used for anonymous SME self-registration (per client address per hour), failed logins and sign-in link
requests (per e-mail address). A fixed window lets a burst of up to twice the limit straddle a window
edge; for slowing down form spam and password guessing that is good enough, and one upsert per request
is all it costs.

Behind the web front end every user arrives from the front end's address. :func:`client_address` then
takes the user's address from ``X-Forwarded-For``, but only when the peer is one of
``REGISTRY_TRUSTED_PROXIES`` or proves to be the web front end with an active service-role token in
``X-Proxy-Token`` (see :mod:`shared.proxies`); from anyone else the header is ignored.
"""

from __future__ import annotations

import random

import asyncpg
from aiohttp import web

from shared.auth import Role
from shared.errors import TooManyRequests
from shared.proxies import ANY_ADDRESS, PROXY_TOKEN_HEADER, forwarded_client

from .keys import SETTINGS_KEY
from .sql import ratelimit as sql
from .tokens import PgTokenVerifier

_CLIENT_ADDRESS_KEY = web.RequestKey("registry_client_address", str)

# Counters older than this are deleted now and then (they only matter within their window).
_KEEP_SECONDS = 24 * 3600


async def client_address(request: web.Request) -> str:
    """The address rate limits (and anonymous idempotency keys) count a request against.

    The peer's own address, unless the peer is a trusted proxy: listed in ``REGISTRY_TRUSTED_PROXIES``,
    or sending an active service-role token in ``X-Proxy-Token`` (the web front end). Then the last
    ``X-Forwarded-For`` entry, the one that proxy appended (see :func:`forwarded_client`).
    """
    if _CLIENT_ADDRESS_KEY in request:
        return request[_CLIENT_ADDRESS_KEY]
    remote = request.remote or "unknown"
    forwarded_for = ",".join(request.headers.getall("X-Forwarded-For", [])) or None
    address = remote
    if forwarded_for:
        trusted = request.app[SETTINGS_KEY].trusted_proxies
        address = forwarded_client(remote, forwarded_for, trusted) or remote
        proof = request.headers.get(PROXY_TOKEN_HEADER)
        if address == remote and proof and await _is_service_token(request, proof):
            address = forwarded_client(remote, forwarded_for, ANY_ADDRESS) or remote
    request[_CLIENT_ADDRESS_KEY] = address
    return address


async def _is_service_token(request: web.Request, token: str) -> bool:
    if not token.isascii() or len(token) > 200:
        return False
    principal = await PgTokenVerifier(request.app).verify(token)
    return principal is not None and principal.role == Role.SERVICE


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
