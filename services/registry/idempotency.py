"""Idempotency keys on creates: a retried POST never makes a duplicate.

A client sends ``Idempotency-Key: <unique string>`` (IETF draft *The Idempotency-Key HTTP Header
Field*). The handler, inside the transaction that creates the thing, first :func:`claim`\\ s the key:

- new key → a row is inserted (and locked until our transaction ends); the handler goes on and
  :func:`remember`\\ s its response in the same transaction, so the thing and its key commit together;
- key already used with the same request → the first response is returned again
  (``Idempotent-Replayed: true``), nothing is created;
- key used with a different request → 422;
- a concurrent request with the same key waits on the row lock, then sees the stored answer; if the
  first transaction rolled back (e.g. validation failed) the key is free again.

Keys are per caller and kept for :data:`KEY_LIFETIME`: per token, or for anonymous requests
(self-registration) per visitor, i.e. the client address the rate limits count
(:func:`services.registry.ratelimit.client_address`: behind the web front end the visitor's, not the
front end's). So one visitor's key never answers another visitor's request.

Secrets never go into the table: a handler whose answer holds one (the SME token of a self-registration)
passes ``redact=`` to :func:`remember` to store the answer without it. A replay then answers without
the secret and changes nothing: it neither revokes the first one nor hands out a new one, since
whoever replays a request is not thereby shown to be the one who sent it first.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import asyncpg
from aiohttp import web

from shared.auth import PRINCIPAL_KEY
from shared.errors import FieldError, ValidationProblem

from . import ratelimit
from .sql import idempotency as sql

HEADER = "Idempotency-Key"
KEY_LIFETIME = timedelta(hours=24)
_REPLAYED_HEADERS = ("Location", "ETag", "Content-Type")

JsonBody = dict[str, Any]
# What of a JSON answer may be stored (drop secrets).
Redact = Callable[[JsonBody], JsonBody]


async def _owner(request: web.Request) -> str:
    principal = request.get(PRINCIPAL_KEY)
    if principal is not None:
        return f"token:{principal.token_id}"
    return f"visitor:{await ratelimit.client_address(request)}"


def _key(request: web.Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip().strip('"')
    if not 1 <= len(key) <= 200:
        raise ValidationProblem(
            [FieldError(parameter=HEADER, code="invalid_idempotency_key", detail="Use 1 to 200 characters.")]
        )
    return key


async def claim(conn: asyncpg.Connection, request: web.Request) -> web.Response | None:
    """Take the request's key for this transaction, or return the response to replay.

    Returns None when there is no key or the key is new (go on and create); a response when this
    exact request was already answered (as stored, so without what ``redact`` left out). Call inside
    the creating transaction.
    """
    key = _key(request)
    if key is None:
        return None
    owner = await _owner(request)
    body = await request.read()
    digest = hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n" + body).digest()
    await conn.execute(sql.DELETE_EXPIRED_KEY, owner, key, KEY_LIFETIME)
    if random.random() < 0.01:  # noqa: S311 - housekeeping now and then, not security
        await conn.execute(sql.PURGE_EXPIRED_KEYS, KEY_LIFETIME)
    if await conn.fetchval(sql.CLAIM_KEY, owner, key, request.method, request.path, digest) is not None:
        return None
    stored = await conn.fetchrow(sql.SELECT_KEY, owner, key)
    if stored["request_hash"] != digest or stored["status"] == 0:
        raise ValidationProblem(
            [
                FieldError(
                    parameter=HEADER,
                    code="idempotency_key_reused",
                    detail="This Idempotency-Key was already used for a different request; use a new key.",
                )
            ]
        )
    headers = dict(stored["headers"])
    headers["Idempotent-Replayed"] = "true"
    content_type = headers.pop("Content-Type", None)
    response = web.Response(status=stored["status"], body=bytes(stored["body"]), headers=headers)
    if content_type:
        response.content_type = content_type
    return response


def _encode(body: JsonBody) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


async def remember(
    conn: asyncpg.Connection, request: web.Request, response: web.Response, *, redact: Redact | None = None
) -> web.Response:
    """Store the response under the request's key (same transaction as the create); returns it unchanged.

    ``redact`` maps the JSON body to what may be stored (e.g. without a secret); the client still gets
    the whole response now.
    """
    key = _key(request)
    if key is not None:
        headers = {name: response.headers[name] for name in _REPLAYED_HEADERS if name in response.headers}
        headers["Content-Type"] = response.content_type
        body = response.body or b""
        if not isinstance(body, bytes | bytearray):  # a streamed payload: not a body this writes or replays
            raise TypeError(f"an idempotent write answers with a body, not {type(body).__name__}")
        if redact is not None and response.content_type == "application/json" and body:
            body = _encode(redact(json.loads(body)))
        await conn.execute(sql.STORE_RESPONSE, await _owner(request), key, response.status, body, headers)
    return response
