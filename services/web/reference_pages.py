"""Look-ups behind the SME forms: CPV search (JSON for the picker, HTML without JavaScript) and the
organisation-number check the registration form runs as the firm types.

These read only the packaged reference data (:mod:`shared.reference`), so they need no sign-in and
call no service. The org.nr check answers in the page language; the same words are shown when the
form is posted, so a firm without JavaScript gets the same help.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any, Literal

from aiohttp import web

from shared.reference.cpv import cpv_ancestors, cpv_label, normalise_cpv, search_cpv
from shared.reference.orgnr import normalise_orgnr

from .i18n import current_language
from .i18n import gettext as _
from .render import render

MIN_QUERY = 2
API_LIMIT = 15
PAGE_LIMIT = 50
SEARCH_DEPTH = 400  # matches ranked before the limit is applied
_CODE = re.compile(r"^[0-9]{8}(-[0-9])?$")  # someone typed a code, not words


def _lang(request: web.Request) -> Literal["sv", "en"]:
    wanted = request.query.get("lang") or current_language.get()
    return "en" if wanted == "en" else "sv"


def cpv_path(code: str, lang: Literal["sv", "en"] = "sv") -> list[str]:
    """Labels of a code's ancestors, broadest first (division → … → parent).

    Examples
    --------
    >>> cpv_path("90911200")[1:]
    ['Städning och renhållning', 'Städning', 'Städning av bostäder och byggnader samt fönsterputsning']
    """
    return [cpv_label(parent, lang) for parent in reversed(cpv_ancestors(code))]


def find_cpv(text: str, lang: Literal["sv", "en"], limit: int) -> list[dict[str, Any]]:
    """Codes whose label contains ``text`` (or the code itself when ``text`` is one), with their path."""
    text = text.strip()
    if len(text) < MIN_QUERY:
        return []
    codes: list[str] = []
    if _CODE.match(text):
        with contextlib.suppress(ValueError):  # not a CPV code: the label search finds nothing either
            codes.append(normalise_cpv(text))
    # "städ" is also inside "bostäder": labels with a word starting with the text come first.
    word_start = re.compile(r"(^|[\s,(/-])" + re.escape(text.casefold()))
    hits = search_cpv(text, lang=lang, limit=SEARCH_DEPTH)
    hits.sort(key=lambda hit: word_start.search(hit[1].casefold()) is None)
    codes += [code for code, _label in hits if code not in codes]
    return [{"code": code, "label": cpv_label(code, lang), "path": cpv_path(code, lang)} for code in codes[:limit]]


async def cpv_api(request: web.Request) -> web.Response:
    """``GET /api/cpv?q=städ`` → ``[{code, label, path}]`` for the CPV picker."""
    return web.json_response(find_cpv(request.query.get("q", ""), _lang(request), API_LIMIT))


async def cpv_page(request: web.Request) -> web.Response:
    """The CPV search for browsers without JavaScript: a GET form and the matches with their hierarchy."""
    query = request.query.get("q", "").strip()
    results = find_cpv(query, _lang(request), PAGE_LIMIT) if query else []
    return render(request, "sme/cpv_search.html", {"q": query, "results": results, "too_short": 0 < len(query) < 2})


def check_orgnr(value: str | None) -> tuple[str | None, str]:
    """The canonical org.nr and "Giltigt", or None and what is wrong, in the page language.

    Examples
    --------
    >>> check_orgnr("5560360793")
    ('556036-0793', 'Giltigt')
    >>> check_orgnr("556036-0794")[1]
    'Kontrollsiffran stämmer inte. Kontrollera numret.'
    """
    value = (value or "").strip()
    if not value:
        return None, _("Fyll i organisationsnumret.")
    try:
        return normalise_orgnr(value), _("Giltigt")
    except ValueError as error:
        reason = str(error)
    if "only digits" in reason:
        return None, _("Använd bara siffror och bindestreck.")
    if "check digit" in reason:
        return None, _("Kontrollsiffran stämmer inte. Kontrollera numret.")
    if "expected 10 digits" in reason or "12 digits" in reason:
        return None, _("Ett organisationsnummer har tio siffror, t.ex. 556036-0793.")
    return None, _("Det här är inget giltigt organisationsnummer.")


async def orgnr_api(request: web.Request) -> web.Response:
    """``GET /api/orgnr?value=…`` → ``{valid, normalised, message}`` (the message in the page language)."""
    normalised, message = check_orgnr(request.query.get("value"))
    return web.json_response({"valid": normalised is not None, "normalised": normalised, "message": message})
