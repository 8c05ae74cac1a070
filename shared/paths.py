"""Ids in a request's path (``/needs/{need_id}``): parsed once, the same way for every resource.

A malformed id names no resource, so it is answered like an unknown one (404), never with a 422 or 500.
"""

from __future__ import annotations

from uuid import UUID

from aiohttp import web

from shared.errors import NotFound


def path_uuid(request: web.Request, name: str) -> UUID | None:
    """The path parameter ``name`` as a UUID, None when it is not one (e.g. for ownership resolvers)."""
    try:
        return UUID(request.match_info[name])
    except ValueError:
        return None


def path_uuid_or_404(request: web.Request, name: str, what: str) -> UUID:
    """The path parameter ``name`` as a UUID; 404 ("No <what> with that id.") when it is not one."""
    value = path_uuid(request, name)
    if value is None:
        raise NotFound(f"No {what} with that id.")
    return value
