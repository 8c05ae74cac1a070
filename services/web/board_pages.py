"""The organiser's "Skärm för lokalen": links for the venue's TV screens, which show now and next per table
without anyone signing in (the matcher's board, ``/b/{token}``). Make one (its address is shown only
then: open it on the TV, or send it to whoever sets the screen up), see which exist, revoke one (the
screen then says the link no longer works)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from shared.auth import Role

from .pages_common import load_event, path_uuid
from .render import backend, redirect, render, require_user


async def _page(request: web.Request, event_id: str, new_url: str | None = None, *, status: int = 200) -> web.Response:
    event = await load_event(request, event_id)
    found = await backend(request).get("matcher", f"/events/{event_id}/board-links")
    links: list[dict[str, Any]] = found["items"]
    context = {
        "event": event,
        "new_url": new_url,
        "live": [link for link in links if link["revoked_at"] is None],
        "revoked": [link for link in links if link["revoked_at"] is not None],
    }
    return render(request, "organiser/board.html", context, status=status)


async def board_page(request: web.Request) -> web.Response:
    """GET /arrangor/evenemang/{id}/skarm: the event's screen links."""
    require_user(request, Role.ORGANISER)
    return await _page(request, path_uuid(request))


async def create_board_link(request: web.Request) -> web.Response:
    """POST /arrangor/evenemang/{id}/skarm: a new screen link, its address shown this once."""
    require_user(request, Role.ORGANISER)
    event_id = path_uuid(request)
    made = await backend(request).post("matcher", f"/events/{event_id}/board-links")
    return await _page(request, event_id, made["url"], status=201)


async def revoke_board_link(request: web.Request) -> web.Response:
    """POST /arrangor/evenemang/{id}/skarm/{link_id}/aterkalla: end a screen's link at once."""
    require_user(request, Role.ORGANISER)
    event_id = path_uuid(request)
    link_id = path_uuid(request, "link_id")
    await backend(request).delete("matcher", f"/events/{event_id}/board-links/{link_id}")
    raise redirect(f"/arrangor/evenemang/{event_id}/skarm")
