"""Helpers every area's pages share: ids from the path, the signed-in organisation, numbers and amounts in
the page language, paged lists, CPV codes as typed, ``If-Match`` headers and files passed through from a service.

Kept in one place so that the SME, buyer and organiser pages check ids and roles the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from aiohttp import web

from shared import formatting
from shared.auth import Role

from .backend import BackendError, Service
from .i18n import current_language
from .render import backend, require_user

_CODE_SPLIT = re.compile(r"[\s,;]+")
# A cap on the pages of one list, so that a service answering a cursor forever cannot loop a page.
MAX_LIST_PAGES = 50


def path_uuid(request: web.Request, name: str = "event_id") -> str:
    """An id of the path, checked to be a UUID; anything else is a page that does not exist.

    Checked before it is put into a service's path: the router has already decoded ``%3F`` and
    ``%2E%2E``, which would otherwise add a query or climb out of the intended resource.
    """
    try:
        return str(UUID(request.match_info[name]))
    except ValueError:
        raise web.HTTPNotFound() from None


def require_own_organisation(request: web.Request, role: Role) -> dict[str, Any]:
    """The signed-in person of ``role`` with an organisation; others are refused (organisers too:
    these pages show one organisation's own data, and an organiser has none)."""
    person = require_user(request, role)
    if person["role"] != role.value or not person.get("organisation_id"):
        raise BackendError(403)
    return person


def page_language() -> formatting.Language:
    """The page language as the services take it (``sv`` or ``en``)."""
    return "en" if current_language.get() == "en" else "sv"


def num(value: float | int, digits: int = 1) -> str:
    """A number for people in the page language (``44,6`` in Swedish, ``44.6`` in English).

    Examples
    --------
    >>> num(44.56), num(3, 0)
    ('44,6', '3')
    """
    return formatting.number(value, current_language.get(), digits)


def money(value: int | None) -> str:
    """An amount in kronor for people in the page language: ``1 200 000 kr`` (:func:`shared.formatting.amount`)."""
    return formatting.amount(value, page_language())


def cpv_codes_of(value: str | None) -> list[str]:
    """CPV codes as typed, separated by commas, semicolons or spaces (a check digit may follow a dash).

    Examples
    --------
    >>> cpv_codes_of(" 90910000-9, 45000000;;90911200 ")
    ['90910000-9', '45000000', '90911200']
    """
    return [code for code in _CODE_SPLIT.split(value or "") if code]


def if_match(version: Any) -> dict[str, str]:
    """The If-Match header for the version a form was filled in from (none when unknown).

    Examples
    --------
    >>> if_match(3), if_match(" "), if_match('1" x')
    ({'If-Match': '"3"'}, {}, {})
    """
    value = str(version or "").strip()
    return {"If-Match": f'"{value}"'} if value.isdigit() else {}


async def all_pages(request: web.Request, path: str, params: Mapping[str, Any] | None = None) -> list[Any]:
    """Every item of a paged registry list (the lists pages show are small; a cap keeps the loop finite)."""
    items: list[Any] = []
    cursor = None
    for _page in range(MAX_LIST_PAGES):
        page = await backend(request).get("registry", path, params={**(params or {}), "limit": 200, "cursor": cursor})
        items.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return items


async def load_event(request: web.Request, event_id: str) -> dict[str, Any]:
    """The registry's event (drafts only for organisers); ``event_id`` must come from :func:`path_uuid`."""
    return await backend(request).get("registry", f"/events/{event_id}")


async def download(request: web.Request, service: Service, path: str) -> web.Response:
    """A file (an agenda's .ics or PDF, a print) from a service in the page language, passed on as it came."""
    return await backend(request).download(service, path, params={"lang": page_language()})
