"""Webhook deliveries: the signed POST of one outbox row, and the check receivers make of it.

Every POST carries

- ``Affarstraff-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`` (as Stripe does,
  so a receiver can reject replays of an old request: it checks the time as well as the MAC),
- ``Affarstraff-Delivery: <outbox id>``: the same on every retry of a row, so receivers drop duplicates
  (delivery is at least once),
- ``Affarstraff-Event: <kind>`` (``schedule.published``, ``schedule.changed``).

The body is the payload serialised once (compact JSON, UTF-8) and the very bytes that were signed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from uuid import UUID

import aiohttp

from . import Outcome
from .addresses import AddressRefused

SIGNATURE_HEADER = "Affarstraff-Signature"
DELIVERY_HEADER = "Affarstraff-Delivery"
EVENT_HEADER = "Affarstraff-Event"
TIMEOUT_SECONDS = 10.0
USER_AGENT = "Affarstraff-Webhooks/1"


def encode_body(payload: Any) -> bytes:
    """The payload as the bytes that are signed and sent: compact JSON, non-ASCII kept as UTF-8.

    Examples
    --------
    >>> encode_body({"kind": "schedule.published", "ort": "Falun"})
    b'{"kind":"schedule.published","ort":"Falun"}'
    """
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The ``Affarstraff-Signature`` header value for ``body`` (now, unless ``timestamp`` is given).

    Examples
    --------
    >>> sign("s" * 32, b"{}", timestamp=1700000000)[:16]
    't=1700000000,v1='
    """
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={_mac(secret, t, body)}"


def verify_signature(
    secret: str, header: str | None, body: bytes, *, tolerance: int = 300, now: int | None = None
) -> bool:
    """Whether ``header`` is a valid signature of ``body`` made within ``tolerance`` seconds of ``now``.

    For receivers (and tests): pass the raw request body, not a re-serialised one. Several ``v1``
    values are accepted (one matching is enough), so a sender may sign with an old and a new secret.

    Examples
    --------
    >>> header = sign("s" * 32, b'{"a":1}', timestamp=1700000000)
    >>> verify_signature("s" * 32, header, b'{"a":1}', now=1700000100)
    True
    >>> verify_signature("s" * 32, header, b'{"a":2}', now=1700000100)  # body changed
    False
    >>> verify_signature("s" * 32, header, b'{"a":1}', now=1700001000)  # too old: a replay
    False
    >>> verify_signature("t" * 32, header, b'{"a":1}', now=1700000100)  # another secret
    False
    """
    if not header:
        return False
    timestamp: int | None = None
    macs: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return False
        elif key == "v1":
            macs.append(value)
    if timestamp is None or not macs:
        return False
    current = int(time.time()) if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = _mac(secret, timestamp, body)
    return any(hmac.compare_digest(expected, mac) for mac in macs)


def describe_client_error(error: BaseException) -> str:
    """What went wrong with a request, for ``last_error``: no URL (it may carry a token), no secret.

    Examples
    --------
    >>> describe_client_error(TimeoutError())
    'no answer within the timeout'
    >>> describe_client_error(aiohttp.ServerDisconnectedError())
    'ServerDisconnectedError'
    """
    if isinstance(error, TimeoutError):
        return "no answer within the timeout"
    if isinstance(error, aiohttp.ClientConnectorError):
        reason = error.os_error.strerror or type(error.os_error).__name__
        return f"cannot connect to {error.host}:{error.port}: {reason}"
    return type(error).__name__


async def post_webhook(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    *,
    secret: str,
    delivery_id: UUID,
    kind: str,
    timeout: float = TIMEOUT_SECONDS,
) -> Outcome:
    """POST one signed delivery and say how it ended.

    2xx: delivered. 410 Gone: the receiver unsubscribed, stop. Any other status (redirects are not
    followed: a webhook URL must be the final one), a timeout or a connection error: retry later.
    """
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(secret, body),
        DELIVERY_HEADER: str(delivery_id),
        EVENT_HEADER: kind,
    }
    try:
        async with session.post(
            url, data=body, headers=headers, allow_redirects=False, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as response:
            status = response.status
    except (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError, ValueError):
        # aiohttp rejects a URL it cannot send to; no retry makes it valid.
        return Outcome.stop("the webhook URL cannot be used")
    except (TimeoutError, aiohttp.ClientError) as error:
        if isinstance(error, aiohttp.ClientConnectorError) and isinstance(error.os_error, AddressRefused):
            # The host resolves to a non-public address now (DNS rebinding, or a changed record): no retry.
            return Outcome.stop(describe_client_error(error))
        return Outcome.retry(describe_client_error(error))
    if 200 <= status < 300:
        return Outcome.delivered(f"receiver answered {status}")
    if status == 410:
        return Outcome.stop("receiver answered 410 Gone: it unsubscribed")
    if 300 <= status < 400:
        return Outcome.retry(f"receiver answered {status} (redirects are not followed)")
    return Outcome.retry(f"receiver answered {status}")
