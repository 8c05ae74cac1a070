"""Optimistic concurrency: every editable row has a ``version``; the ETag is that version.

Reads send ``ETag: "<version>"``. Updates may send ``If-Match: "<version>"``; when the row has moved
on, the update changes nothing and the client gets 412 with the current version, so nobody silently
overwrites someone else's edit. Without ``If-Match`` the last writer wins (scripts, one-person edits).

The SQL side is one pattern: ``UPDATE … SET version = version + 1 … WHERE id = $1 AND
($2::int IS NULL OR version = $2) RETURNING …``; no row back means "gone" or "stale", and
:func:`raise_missing_or_stale` tells which.
"""

from __future__ import annotations

import re

import asyncpg
from aiohttp import web

from shared import conditional
from shared.errors import NotFound, PreconditionFailed, ProblemError

_ENTITY_TAG = re.compile(r'^\s*(?:W/)?"(\d{1,9})"\s*$')


def etag(version: int) -> str:
    """The strong entity tag of a version.

    Examples
    --------
    >>> etag(3)
    '"3"'
    """
    return f'"{version}"'


def etag_headers(version: int) -> dict[str, str]:
    return {"ETag": etag(version)}


def if_match_version(request: web.Request) -> int | None:
    """The version named by ``If-Match``, None when the header is absent.

    ``If-Match: *`` means "whatever is current" and also gives None. Anything else that is not one of
    our tags is a 400 rather than a silent overwrite.
    """
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = _ENTITY_TAG.match(header)
    if match is None:
        raise ProblemError(
            'If-Match must be one entity tag as sent in ETag, e.g. If-Match: "3".',
            status=400,
            slug="bad-if-match",
        )
    return int(match.group(1))


def not_modified(request: web.Request, version: int) -> bool:
    """True when ``If-None-Match`` already names this version (answer 304 then)."""
    return conditional.not_modified(request, etag(version))


def not_modified_response(version: int) -> web.Response:
    """The 304 for a read whose ``If-None-Match`` names this version."""
    return conditional.not_modified_response(etag(version))


def stale(what: str, current: int) -> PreconditionFailed:
    """The 412 for a change based on an older version, with the current one."""
    return PreconditionFailed(
        f"The {what} was changed by someone else (now version {current}); read it again and re-apply your change.",
        headers=etag_headers(current),
        current_version=current,
    )


async def raise_missing_or_stale(
    conn: asyncpg.Connection | asyncpg.Pool, version_query: str, *args: object, what: str
) -> None:
    """After an update matched no row: 404 when the row is gone, else 412 with the current version."""
    current = await conn.fetchval(version_query, *args)
    if current is None:
        raise NotFound(f"No {what} with that id.")
    raise stale(what, current)
