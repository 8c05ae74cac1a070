"""Conditional GET: whether ``If-None-Match`` names what we would send, and the 304 that says so.

Every read with an ETag answers the same way (RFC 9110 §13.1.2): ``If-None-Match`` is a list of entity
tags, or ``*`` for "any"; the comparison is weak, so ``W/"x"`` names ``"x"`` too. When it matches, the
answer is ``304 Not Modified`` with no body and the headers the 200 would have had (the ETag above all,
and caching headers such as ``Cache-Control``, so the client's stored copy stays valid as long).
"""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web


def none_match(header: str | None, tag: str) -> bool:
    """Whether an ``If-None-Match`` header value names ``tag`` (or is ``*``).

    Parameters
    ----------
    header : str or None
        The header as sent; None (or empty) when the request had none.
    tag : str
        The entity tag of what the 200 would carry, quoted as in the ETag header (``'"3"'``).

    Returns
    -------
    bool
        True when the client holds it already (answer 304).

    Examples
    --------
    >>> none_match('"3"', '"3"'), none_match('"2", W/"3"', '"3"'), none_match("*", '"3"')
    (True, True, True)
    >>> none_match('"2"', '"3"'), none_match(None, '"3"'), none_match("", '"3"')
    (False, False, False)
    """
    if not header:
        return False
    candidates = {candidate.strip().removeprefix("W/") for candidate in header.split(",")}
    return "*" in candidates or tag in candidates


def not_modified(request: web.Request, tag: str) -> bool:
    """Whether the request's ``If-None-Match`` names ``tag`` (see :func:`none_match`)."""
    return none_match(request.headers.get("If-None-Match"), tag)


def not_modified_response(tag: str, headers: Mapping[str, str] | None = None) -> web.Response:
    """The 304: no body, the 200's ``headers`` and its ETag.

    Examples
    --------
    >>> response = not_modified_response('"3"', {"Cache-Control": "private, no-cache"})
    >>> response.status, response.headers["ETag"], response.headers["Cache-Control"]
    (304, '"3"', 'private, no-cache')
    """
    return web.Response(status=304, headers={**(headers or {}), "ETag": tag})
