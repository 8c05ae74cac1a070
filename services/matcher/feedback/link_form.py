"""What the two no-login feedback forms share (:mod:`.page` after the day, :mod:`.follow_up_page` months
later): the templates, the language, the page's policy, reading by the link, and the post's flow.

A post reads every block of the form, answers 422 with the page again and each block's error when one is
wrong (nothing stored), else stores all the answers at once and answers 303 back to the page with
``?sparat=1``. A round that closed meanwhile is a 303 without it: the page then says it is closed.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from shared.clock import CLOCK_KEY
from shared.db import POOL_KEY
from shared.errors import Conflict, ProblemError, ValidationProblem
from shared.security_headers import document_policy
from shared.web import read_form

from ..keys import AGENDA_CACHE_KEY
from ..onsite import day_access as access

# (conn, link, now) -> the participant's document; (conn, link, body, now) -> the stored document.
# Both are called with the app's agendas as ``cache=`` (:data:`..keys.AGENDA_CACHE_KEY`).
Load = Callable[..., Awaitable[Any]]  # (conn, link, now, *, cache)
Save = Callable[..., Awaitable[Any]]  # (conn, link, body, now, *, cache)
# (found, form, lang) -> (what was typed per block, errors per block, the body to save).
Parse = Callable[[Any, Mapping[str, Any], str], tuple[dict, dict[str, str], Any]]
# (request, found, lang, status=, typed=, errors=) -> the page.
Render = Callable[..., web.Response]


@functools.cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(Path(__file__).with_name("templates")), autoescape=True, undefined=StrictUndefined
    )


def lang_of(value: Any) -> str:
    """The page's language: English on request, else Swedish.

    Examples
    --------
    >>> lang_of("en"), lang_of(None), lang_of("de")
    ('en', 'sv', 'sv')
    """
    return {"en": "en"}.get(str(value), "sv")


def html_response(body: bytes, status: int = 200) -> web.Response:
    """A link page: private, with the agenda pages' policy (inline styles by hash) and forms posting back here."""
    policy = document_policy(body).replace("form-action 'none'", "form-action 'self'")
    return web.Response(
        body=body, status=status, content_type="text/html", charset="utf-8",
        headers={**access.LINK_HEADERS, "Content-Security-Policy": policy},
    )  # fmt: skip


async def own_by_link(request: web.Request, load: Load) -> Any:
    """The link's own document (its errors as private as the agenda)."""
    try:
        link = await access.link_of(request)
        async with request.app[POOL_KEY].acquire() as conn:
            return await load(conn, link, request.app[CLOCK_KEY].now(), cache=request.app[AGENDA_CACHE_KEY])
    except ProblemError as error:
        raise access.private(error) from None


async def post_form(
    request: web.Request, *, load: Load, parse: Parse, save: Save, render: Render, page: str, bad: Callable[[str], str]
) -> web.Response:
    """The form posted to ``/a/{token}/{page}``: all or nothing (``bad(lang)``: the error of a refused save)."""
    try:
        link = await access.link_of(request)
        form = await read_form(request)
        lang, saved = lang_of(form.get("lang")), True
        async with request.app[POOL_KEY].acquire() as conn:
            now = request.app[CLOCK_KEY].now()
            found = await load(conn, link, now, cache=request.app[AGENDA_CACHE_KEY])
            typed, errors, body = parse(found, form, lang)
            if errors:
                return render(request, found, lang, status=422, typed=typed, errors=errors)
            try:
                await save(conn, link, body, now, cache=request.app[AGENDA_CACHE_KEY])
            except Conflict:
                saved = False  # the round closed (or is not open yet) meanwhile: the page says which
            except ValidationProblem:
                return render(request, found, lang, status=422, typed=typed, errors={"": bad(lang)})
    except ProblemError as error:
        raise access.private(error) from None
    query = "&".join((["sparat=1"] if saved else []) + (["lang=en"] if lang == "en" else []))
    target = f"/a/{request.match_info['token']}/{page}" + (f"?{query}" if query else "")
    raise web.HTTPSeeOther(target, headers=access.LINK_HEADERS)
