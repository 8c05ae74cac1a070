"""Agenda pages that follow re-plans: a page opened by its link shows a newer version within seconds.

On the day a no-show's table-slot goes to a stand-by firm and the new version is published at once (live
mode); the two firms and the buyer may have their agenda open on a phone. An HTML agenda read by its link
(``/a/{token}.html``, and the day page) therefore names its version on ``<html data-live-version>`` and
runs one script file, ``/a/live.js`` (the page's CSP allows that file and fetches back to this service,
never an inline script). Every ``MATCHER_AGENDA_REFRESH_SECONDS`` it asks the link's JSON with ``?since=``
the version shown (a cheap read from the link cache; it counts as the reader opening that version, which
the page then shows) and reloads when the answer is another version; a reader typing in a form gets a
notice with a button instead, so nothing typed is lost. Without scripts the page stays as it is (the
e-mail about the change still arrives). Reads by token, drafts and earlier versions (``?version=``) carry
no script: they show what was asked for.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from shared.openapi import operation
from shared.web import script_response

SCRIPT_PATH = "/a/live.js"
SCRIPT = Path(__file__).with_name("static") / "live.js"


@dataclass(frozen=True)
class LivePage:
    """What an agenda page needs to follow re-plans: the version it shows and how often to ask."""

    version: int
    seconds: float


@functools.cache
def live_script() -> bytes:
    """The script file's bytes (read once).

    Examples
    --------
    >>> b"data-live-version" in live_script() and b"since=" in live_script()
    True
    """
    return SCRIPT.read_bytes()


@operation(
    "The script an agenda page opened by its link runs to follow re-plans",
    tags=("agendas",),
    response_content_type="text/javascript",
)
async def get_live_script(request: web.Request) -> web.Response:
    """The file ``/a/live.js`` (the agenda pages' CSP allows no inline script)."""
    return script_response(live_script())
