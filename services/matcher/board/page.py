"""The venue board as an HTML page, the pages for a revoked or unknown link, and their security policy.

The board page may run exactly one script, the file ``/b/board.js`` of this service (``script-src
'self'``), which may fetch only from here (``connect-src 'self'``); its styles are its own inline
``<style>``, allowed by hash as on every other page of ours. Nothing else loads, nothing frames it.
"""

from __future__ import annotations

import functools
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from shared.security_headers import document_policy

from .moment import WORDS, BoardDocument

TEMPLATES = Path(__file__).with_name("templates")
SCRIPT = Path(__file__).with_name("static") / "board.js"


@functools.cache
def environment() -> Environment:
    """Autoescaping on, undefined names are errors."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.cache
def script() -> bytes:
    """The board's refresh script."""
    return SCRIPT.read_bytes()


def board_html(doc: BoardDocument | None, lang: str) -> bytes:
    """The board page (``doc`` None: nothing is published yet, the page says so and keeps refreshing).

    Examples
    --------
    >>> page = board_html(None, "en").decode()
    >>> '<html lang="en">' in page and "not published yet" in page and '<script src="board.js" defer>' in page
    True
    """
    template = environment().get_template("board.html")
    return template.render(doc=doc, lang=lang, w=WORDS[lang]).encode()


def notice_html(kind: str, lang: str) -> bytes:
    """The page of a revoked (``gone``) or unknown (``unknown``) board link: no script, no refresh.

    Examples
    --------
    >>> "återkallat" in notice_html("gone", "sv").decode()
    True
    """
    w = WORDS[lang]
    return (
        environment()
        .get_template("gone.html")
        .render(lang=lang, title=w[f"{kind}_title"], text=w[f"{kind}_text"])
        .encode()
    )


def board_policy(body: bytes) -> str:
    """The CSP of a board page: its inline styles by hash, the board script and fetches from here only.

    Examples
    --------
    >>> policy = board_policy(board_html(None, "sv"))
    >>> "script-src 'self'" in policy and "connect-src 'self'" in policy and "style-src 'sha256-" in policy
    True
    >>> "unsafe-inline" in policy
    False
    """
    return document_policy(body, script=True)
