"""``/docs`` of each API service: its OpenAPI 3.1 document in Swagger UI, with "Try it out", served from
the service itself (no CDN), and the plain, script-free page of :func:`shared.openapi.render_docs_html` at
``/docs/text`` for anyone the viewer does not serve (no JavaScript, a screen reader that does better with
plain headings and lists).

The viewer is the npm package ``swagger-ui-dist``, vendored in ``shared/swagger_ui/`` (its README says why
and how to update). Its files are served by fixed routes, one per file, under ``/docs/static/``: no
directory is served, and none of the routes is an OpenAPI operation (they carry no
:func:`shared.openapi.operation`), so the document lists the API, not the viewer's parts.
"""

from __future__ import annotations

import html
from pathlib import Path

from aiohttp import web

from shared.security_headers import DOCS_VIEWER_POLICY

SWAGGER_UI_VERSION = "5.35.0"  # shared/swagger_ui/README.md; a test checks the bundle says the same
ASSETS_DIR = Path(__file__).parent / "swagger_ui"
STATIC_PREFIX = "/docs/static/"
# name -> content type; each is a route of its own (see module docstring).
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "docs-init.js": "text/javascript; charset=utf-8",
    "docs.css": "text/css; charset=utf-8",
}
# Revalidated hourly (FileResponse answers If-None-Match / If-Modified-Since with 304): the bundle is
# 1.7 MB, and a changed version must still reach browsers the same day.
ASSET_CACHE = "public, max-age=3600"


def asset_url(name: str) -> str:
    return STATIC_PREFIX + name


def viewer_html(title: str) -> str:
    """The ``/docs`` page: our heading and links, the viewer's mount point, its files. Swedish first; the
    viewer itself (Swagger UI's buttons, the operations' summaries) is English, and marked so.

    Examples
    --------
    >>> page = viewer_html("T & U")
    >>> "<title>T &amp; U – API</title>" in page and 'src="/docs/static/docs-init.js"' in page
    True
    >>> "<script>" not in page and "://" not in page  # no inline script, nothing from elsewhere
    True
    """
    name = html.escape(title)
    styles = "".join(f'<link rel="stylesheet" href="{asset_url(n)}">' for n in ("swagger-ui.css", "docs.css"))
    scripts = "".join(f'<script src="{asset_url(n)}"></script>' for n in ("swagger-ui-bundle.js", "docs-init.js"))
    return (
        '<!doctype html><html lang="sv"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{name} – API</title>{styles}</head><body>"
        '<header class="docs-intro">'
        f"<h1>{name}</h1>"
        "<p>Alla anrop i API:t, med schema och exempel. Med ”Try it out” provar ni ett anrop mot den här "
        "tjänsten; anrop som kräver en token tar ni med ”Authorize”. "
        '<span lang="en">Every call of the API, with schemas; “Try it out” sends one to this service.</span></p>'
        '<p>Utan skript: <a href="/docs/text">API:t som vanlig sida</a> · '
        'maskinläsbart (OpenAPI 3.1): <a href="/openapi.json">/openapi.json</a> · '
        "fel besvaras som <code>application/problem+json</code> (RFC 9457).</p>"
        "</header>"
        '<main id="swagger-ui" lang="en" data-openapi-url="/openapi.json">'
        '<noscript><p lang="sv">Visningen behöver JavaScript. Läs <a href="/docs/text">API:t som vanlig sida</a> '
        "i stället.</p></noscript></main>"
        f"{scripts}</body></html>"
    )


def add_docs_routes(app: web.Application) -> None:
    """The viewer's files under ``/docs/static/`` (``/docs`` itself is an operation of
    :func:`shared.web.add_openapi_routes`)."""
    for name, content_type in ASSETS.items():
        app.router.add_get(asset_url(name), _asset_handler(name, content_type))


def _asset_handler(name: str, content_type: str):
    path = ASSETS_DIR / name

    async def asset(request: web.Request) -> web.FileResponse:
        """One file of the docs viewer."""
        return web.FileResponse(path, headers={"Content-Type": content_type, "Cache-Control": ASSET_CACHE})

    return asset


def viewer_response(title: str) -> web.Response:
    """``/docs``, with the CSP that lets the viewer run: its script and style files, fetches back to this
    service (the document and "Try it out"), the data: images its stylesheet draws icons with."""
    return web.Response(
        text=viewer_html(title), content_type="text/html", headers={"Content-Security-Policy": DOCS_VIEWER_POLICY}
    )
