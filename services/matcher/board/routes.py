"""HTTP handlers of the venue board: organisers make, list and revoke board links; the screen reads
``/b/{token}`` (HTML) and ``/b/{token}.json`` (its refresh) without signing in, and ``/b/board.js``."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, Field

from shared.auth import Role, path_event, require
from shared.clock import CLOCK_KEY
from shared.conditional import not_modified, not_modified_response
from shared.db import POOL_KEY
from shared.errors import NotFound, ProblemError
from shared.openapi import operation
from shared.paths import path_uuid_or_404
from shared.security_headers import document_policy
from shared.web import json_response, read_query, script_response

from ..agendas.reading import NotPublished, remembered_etag
from ..agendas.versions import VersionRef
from ..audit import actor_of, record
from ..keys import AGENDA_CACHE_KEY, LINK_CACHE_KEY, SETTINGS_KEY
from ..link_cache import read_through
from .links import (
    BoardLinkList,
    NewBoardLink,
    Screen,
    create_link,
    event_links,
    revoke_link,
    screen_for_token,
    token_hash,
)
from .moment import board_document, moment_of
from .page import board_html, board_policy, notice_html
from .page import script as board_script

BOARD_PATH = "/b/{token:[^{}/.]+}{ext:(?:\\.json)?}"
SCRIPT_PATH = "/b/board.js"
# A screen's link is a bearer secret in the URL: sent on to no one, indexed by nobody. Screens poll, so
# they may keep an answer but must check back (the ETag makes that a 304).
BOARD_HEADERS = {"Cache-Control": "private, no-cache", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
UNKNOWN = "Länken till skärmen finns inte. / The screen's link does not exist."


class BoardQuery(BaseModel):
    lang: Literal["sv", "en"] = Field(default="sv", description="Language of the board: sv or en")
    first: int | None = Field(
        default=None, ge=1, le=100_000, description="Show tables from this number on (several screens in a big hall)"
    )
    last: int | None = Field(default=None, ge=1, le=100_000, description="Show tables up to this number")

    @property
    def tables(self) -> tuple[int, int] | None:
        """The range of table numbers to show, or None for all."""
        if self.first is None and self.last is None:
            return None
        return (self.first or 1, self.last or 100_000)


_NO_QUERY = BoardQuery()  # never changed: shared by every read without a query string


class BoardLinkRevoked(ProblemError):
    status = 410
    slug = "board-link-revoked"

    def __init__(self) -> None:
        super().__init__(
            "Arrangören har återkallat länken till skärmen. / The organiser has revoked the screen's link.",
            title="Länken gäller inte längre / The link is no longer valid",
        )


@operation(
    "Make a link for a venue screen (the board of now and next per table)",
    tags=("board",),
    response=NewBoardLink,
    status=201,
    description="The URL (`/b/{token}`) is shown only in this answer; only a hash of its token is kept. "
    "Open it on the venue's TV: no sign-in. Works before publication too (the screen then waits).",
)
@require(Role.ORGANISER, event=path_event)
async def create_board_link(request: web.Request) -> web.Response:
    """A new board link for the event."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    async with request.app[POOL_KEY].acquire() as conn, conn.transaction():
        link, token = await create_link(conn, event_id, request.app[CLOCK_KEY].now())
        await record(conn, actor_of(request), "board_link.create", "board_link", link.id, event_id=event_id)
    url = f"{str(request.app[SETTINGS_KEY].public_url).rstrip('/')}/b/{token}"
    return json_response(NewBoardLink(**dict(link), url=url), status=201)


@operation("The event's board links (without their URLs)", tags=("board",), response=BoardLinkList)
@require(Role.ORGANISER, event=path_event, access="read")
async def list_board_links(request: web.Request) -> web.Response:
    """Every board link of the event, newest first."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    return json_response(BoardLinkList(items=await event_links(request.app[POOL_KEY], event_id)))


@operation(
    "Revoke a board link",
    tags=("board",),
    status=204,
    errors=(404,),
    description="The screen says so (410) at its next refresh.",
)
@require(Role.ORGANISER, event=path_event)
async def delete_board_link(request: web.Request) -> web.Response:
    """End a screen's link at once."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    link_id = path_uuid_or_404(request, "link_id", "board link")
    async with request.app[POOL_KEY].acquire() as conn, conn.transaction():
        if await revoke_link(conn, event_id, link_id, request.app[CLOCK_KEY].now()) is None:
            raise NotFound("No board link with that id for this event.")
        await record(conn, actor_of(request), "board_link.revoke", "board_link", link_id, event_id=event_id)
    return json_response(None, status=204)


@operation(
    "The venue board: now and next per table (no token; HTML, or .json for its refresh)",
    tags=("board",),
    query=BoardQuery,
    errors=(404, 410),
    extra_responses={304: "Not modified: If-None-Match names the current ETag"},
    description="Per table of the published version: number, buyer, the firm met now and the next one "
    "(names only, no contacts), by the service's clock in the event's time zone. Before the first meeting "
    "the first ones, after the last 'Tack för i dag'. The HTML (large type, for a TV) refreshes itself from "
    "the .json every 15 s. 404 for an unknown link, 410 for a revoked one (problem+json; a browser, asking for "
    "text/html, gets a page saying so); "
    "before publication the HTML waits and the .json is 404 not-published. ?first=N&last=M shows only "
    "those tables (a big hall puts one screen per part of the room).",
)
async def get_board(request: web.Request) -> web.StreamResponse:
    """What a venue screen shows."""
    query = read_query(request, BoardQuery) if request.query_string else _NO_QUERY  # screens poll without one
    as_json = request.match_info.get("ext") == ".json"
    screen = await _screen(request, request.match_info["token"])
    try:
        if screen.state != "live":
            if not as_json and _wants_html(request):
                kind = "gone" if screen.state == "revoked" else "unknown"
                status = 410 if screen.state == "revoked" else 404
                return _page(notice_html(kind, query.lang), status, script=False)
            raise BoardLinkRevoked() if screen.state == "revoked" else NotFound(UNKNOWN)
        if screen.version is None:
            if as_json:
                raise NotPublished()
            return _page(board_html(None, query.lang), 200)
        return await _board(request, screen.version, query, as_json)
    except ProblemError as error:
        error.headers = {**BOARD_HEADERS, **error.headers}
        raise


async def _screen(request: web.Request, token: str) -> Screen:
    """What the token stands for, from the link cache while it holds it (an unknown token is never kept)."""

    async def load() -> Screen:
        return await screen_for_token(request.app[POOL_KEY], token)

    return await read_through(request.app.get(LINK_CACHE_KEY), ("board", token_hash(token)), load, _event_of)


def _event_of(screen: Screen) -> UUID | None:
    # Kept: a live screen of a published version, and a revoked one. Not: an unknown token, nor a screen
    # waiting for its first publication (it polls for the moment that changes; it is read from the database).
    return screen.event_id if screen.state == "revoked" or screen.version is not None else None


async def _board(request: web.Request, ref: VersionRef, query: BoardQuery, as_json: bool) -> web.Response:
    lang, cache = query.lang, request.app[AGENDA_CACHE_KEY]
    agendas = await cache.agendas(request.app[POOL_KEY], ref)
    moment = moment_of(agendas.grid.slots, request.app[CLOCK_KEY].now())
    # Every screen of the event shows the same for one version and one point in the day.
    key = ("board", ref.cache_key, tuple(moment), lang, query.tables, "json" if as_json else "html")
    tag = remembered_etag(key)
    if not_modified(request, tag):
        return not_modified_response(tag, BOARD_HEADERS)
    body = cache.cached_file(key)
    if body is None:
        doc = board_document(agendas.grid, moment, lang, query.tables)
        body = await cache.file(key, lambda: doc.model_dump_json().encode() if as_json else board_html(doc, lang))
    if as_json:
        return web.Response(body=body, content_type="application/json", headers={**BOARD_HEADERS, "ETag": tag})
    return _page(body, 200, {"ETag": tag})


def _wants_html(request: web.Request) -> bool:
    """Whether the client is a browser (it asks for HTML): it gets a page; anything else problem+json."""
    return "text/html" in request.headers.get("Accept", "")


def _page(body: bytes, status: int, extra: dict[str, str] | None = None, *, script: bool = True) -> web.Response:
    """An HTML answer; ``script``: the board page (its script allowed), else a notice that runs nothing."""
    policy = board_policy(body) if script else document_policy(body)
    headers = {**BOARD_HEADERS, **(extra or {}), "Content-Security-Policy": policy}
    return web.Response(body=body, status=status, content_type="text/html", charset="utf-8", headers=headers)


@operation("The venue board's refresh script", tags=("board",), response_content_type="text/javascript")
async def get_board_script(request: web.Request) -> web.Response:
    """The script file the board page runs (the CSP allows no inline script)."""
    return script_response(board_script())
