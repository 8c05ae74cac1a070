"""Cursor (keyset) pagination: stable under inserts, one index range scan per page.

A list is ordered by a sort key plus the row id (unique tie-breaker). The cursor is the last row's
``(key, id)`` as base64url JSON; the next page asks ``WHERE (key, id) > ($k, $id)``. Cursors are opaque
to clients and validated on the way in (a tampered cursor is a 422, not a 500).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from aiohttp import web
from pydantic import BaseModel, Field

from shared.errors import FieldError, ValidationProblem

ItemT = TypeVar("ItemT")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class PageQuery(BaseModel):
    """Paging parameters every list accepts."""

    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page")
    cursor: str | None = Field(default=None, max_length=500, description="`next_cursor` of the previous page")


class Page(BaseModel, Generic[ItemT]):
    """One page of a list; follow ``next_cursor`` (or the ``Link: rel=next`` header) for more."""

    items: list[ItemT]
    next_cursor: str | None = Field(default=None, description="Absent on the last page")


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque cursor for the given key values.

    Examples
    --------
    >>> cursor = encode_cursor(["Falu Städ AB", "7d2c…"])
    >>> decode_cursor(cursor, 2)
    ['Falu Städ AB', '7d2c…']
    """
    raw = json.dumps(list(values), ensure_ascii=False, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _invalid_cursor() -> ValidationProblem:
    return ValidationProblem(
        [FieldError(parameter="cursor", code="invalid_cursor", detail="Not a cursor this list gave out.")]
    )


def decode_cursor(cursor: str, length: int) -> list[Any]:
    """The key values in a cursor, or 422 on the ``cursor`` parameter."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != length:
        raise _invalid_cursor()
    return values


def cursor_text(value: object) -> str:
    """A cursor part that must be text (for :func:`typed_cursor`)."""
    if not isinstance(value, str):
        raise TypeError("not text")
    return value


def typed_cursor(cursor: str | None, *parsers: Callable[[Any], Any]) -> tuple[Any, ...]:
    """The key values of a cursor, each parsed by its parser; all None without a cursor.

    A cursor whose values do not parse (tampered, or from another list) is the same 422 as a malformed one.

    Examples
    --------
    >>> from uuid import UUID
    >>> typed_cursor(None, cursor_text, UUID)
    (None, None)
    >>> typed_cursor(encode_cursor(["Falu Städ AB", "7d2c0c1e-3f43-4a36-9e8a-1b2d6f0f4b11"]), cursor_text, UUID)
    ('Falu Städ AB', UUID('7d2c0c1e-3f43-4a36-9e8a-1b2d6f0f4b11'))
    """
    if cursor is None:
        return (None,) * len(parsers)
    values = decode_cursor(cursor, len(parsers))
    try:
        return tuple(parse(value) for parse, value in zip(parsers, values, strict=True))
    except (TypeError, ValueError, AttributeError):
        raise _invalid_cursor() from None


def page_of(rows: Sequence[Any], limit: int, key: Any) -> tuple[list[Any], str | None]:
    """Cut ``limit + 1`` fetched rows to a page and make the next cursor from the last row kept.

    ``key(row)`` gives the sort values of a row (ending with its id).
    """
    if len(rows) <= limit:
        return list(rows), None
    kept = list(rows[:limit])
    return kept, encode_cursor(key(kept[-1]))


def link_headers(request: web.Request, next_cursor: str | None) -> dict[str, str]:
    """``Link: <…&cursor=…>; rel="next"`` (RFC 8288) when there is a next page."""
    if next_cursor is None:
        return {}
    url = request.rel_url.update_query({"cursor": next_cursor})
    return {"Link": f'<{url}>; rel="next"'}
