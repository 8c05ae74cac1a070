"""The security headers every response of every service carries: one policy, set in one place.

:func:`install` (called by :func:`shared.web.base_application`) adds them to each response just before
its headers go out, so documents (the agendas behind ``/a/{token}``, their PDF and .ics, ``/docs``),
JSON, problem documents and streamed answers all get them; a handler or a service's own middleware
that sets one of them first wins (the web pages' CSP allows their own scripts; agenda links send
``Referrer-Policy: no-referrer``).

- ``X-Content-Type-Options: nosniff``: a browser never guesses a type we did not send.
- ``X-Frame-Options: DENY`` and CSP ``frame-ancestors 'none'``: no page of ours inside another site's frame.
- ``Content-Security-Policy``: HTML we serve may use exactly its own inline ``<style>`` elements (each
  allowed by its SHA-256, so the self-contained agenda pages still print styled) and nothing else — no
  script, no fetch, no form, nothing loaded from anywhere; anything else (JSON, PDF, calendars) is
  ``default-src 'none'``, so even a document a browser is tricked into rendering can do nothing.
  ``/docs`` sends its own, ``DOCS_VIEWER_POLICY``: its viewer runs from script and style files of the
  service itself.
"""

from __future__ import annotations

import base64
import hashlib
import re

from aiohttp import web

# Never framed, no <base> tag rewriting our links, no plugins: the part every policy of ours shares.
_LOCKDOWN = "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
_STYLE = re.compile(rb"<style(?:\s[^>]*)?>(.*?)</style>", re.DOTALL | re.IGNORECASE)


def content_security_policy(**sources: str) -> str:
    """A CSP of the given ``*-src`` directives (underscores for dashes) plus the shared lock-down.

    Examples
    --------
    >>> content_security_policy(default_src="'none'", style_src="'self'")
    "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    """
    directives = [f"{name.replace('_', '-')} {value}" for name, value in sources.items()]
    return "; ".join([*directives, _LOCKDOWN])


API_POLICY = content_security_policy(default_src="'none'", form_action="'none'")
# /docs (shared/api_docs.py): the vendored Swagger UI's script and style files, fetches back to this service
# (the OpenAPI document and "Try it out"), and the data: images its stylesheet draws icons with. Still no
# inline script or style element, nothing from another origin, no form submission.
DOCS_VIEWER_POLICY = content_security_policy(
    default_src="'none'",
    script_src="'self'",
    style_src="'self'",
    img_src="'self' data:",
    connect_src="'self'",
    form_action="'none'",
)


def document_policy(body: bytes, *, script: bool = False) -> str:
    """The CSP for an HTML document of ours: its own inline styles (by hash), nothing else; with ``script``
    also script files of this service and fetches back to it (the venue board, agenda pages that follow
    re-plans), never an inline script.

    Examples
    --------
    >>> policy = document_policy(b"<html><style>p{color:red}</style><p>x</p></html>")
    >>> "style-src 'sha256-" in policy and "script-src" not in policy and policy.startswith("default-src 'none'")
    True
    >>> document_policy(b"<p>no style</p>") == API_POLICY
    True
    >>> scripted = document_policy(b"<style>p{}</style>", script=True)
    >>> "script-src 'self'" in scripted and "connect-src 'self'" in scripted and "unsafe-inline" not in scripted
    True
    """
    digests = {hashlib.sha256(css).digest() for css in _STYLE.findall(body)}
    hashes = sorted("'sha256-" + base64.b64encode(digest).decode() + "'" for digest in digests)
    if not hashes and not script:
        return API_POLICY
    scripts = {"script_src": "'self'", "connect_src": "'self'"} if script else {}
    return content_security_policy(
        default_src="'none'", **scripts, style_src=" ".join(hashes) or "'none'", form_action="'none'"
    )


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare``: the shared headers, unless the response set its own."""
    headers = response.headers
    for name, value in BASE_HEADERS.items():
        headers.setdefault(name, value)
    if "Content-Security-Policy" not in headers:
        body = response.body if isinstance(response, web.Response) else None
        is_html = (response.content_type or "").lower() == "text/html"
        headers["Content-Security-Policy"] = (
            document_policy(body) if is_html and isinstance(body, bytes) else API_POLICY
        )


def install(app: web.Application) -> None:
    """Send the shared security headers on every response of ``app``."""
    app.on_response_prepare.append(add_security_headers)
