"""The no-login agenda documents (``/a/{token}`` in every format), ``/docs``, ``/docs/text`` and API answers
of both services send the web pages' security headers: a Content-Security-Policy that forbids framing and
scripts (``/docs``: script files of the service only), ``nosniff`` and frame denial. HTML documents keep
their inline styles, allowed by hash and by nothing broader."""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from urllib.parse import urlsplit

from aiohttp import ClientResponse

from tests.conftest import bearer

# The agenda tests' fixtures (a stored version, organisations, tokens) serve here too.
from tests.matcher.test_agenda_routes import event, publish, world

__all__ = ["event", "world"]


def assert_locked_down(response: ClientResponse, what: str, *, own_script: bool = False) -> str:
    """The shared lock-down; ``own_script``: a page that runs a script file of this service only (an agenda
    page read by its link follows re-plans), never inline script or another origin's."""
    policy = response.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy, (what, policy)
    assert "'unsafe-inline'" not in policy, (what, policy)
    if own_script:
        assert re.search(r"script-src [^;]*", policy).group(0) == "script-src 'self'", (what, policy)
        assert re.search(r"connect-src [^;]*", policy).group(0) == "connect-src 'self'", (what, policy)
    else:
        assert "script-src" not in policy and "connect-src" not in policy, (what, policy)
    assert response.headers.get("X-Content-Type-Options") == "nosniff", what
    assert response.headers.get("X-Frame-Options") == "DENY", what
    return policy


def assert_styles_allowed_by_hash(policy: str, html: str, what: str) -> None:
    styles = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    assert styles, what
    for css in styles:
        digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy, what
    assert re.search(r"style-src [^;]*", policy).group(0).count("'") == 2 * len(set(styles)), policy


async def test_agenda_links_docs_and_api_answers_send_the_security_headers(matcher, registry, db, world):
    await publish(db, world["event"], 1)
    organiser = bearer(world["tokens"]["organiser"])
    made = await matcher.post(f"/events/{world['event']}/agenda-links", headers=organiser)
    assert made.status == 201
    link = next(i for i in (await made.json())["items"] if i["organisation_id"] == str(world["sme"]))
    path = urlsplit(link["url"]).path

    for ext in ("", ".json", ".ics", ".pdf", ".html"):
        response = await matcher.get(path + ext)
        assert response.status == 200, ext
        policy = assert_locked_down(response, path + ext, own_script=ext == ".html")
        if ext == ".html":
            assert_styles_allowed_by_hash(policy, await response.text(), ext)
        assert response.headers["Referrer-Policy"] == "no-referrer"  # the link's own, stricter, kept
    unknown = await matcher.get("/a/not-a-link.html")
    assert unknown.status == 404
    assert_locked_down(unknown, "unknown link")

    for client, name in ((matcher, "matcher"), (registry, "registry")):
        # /docs runs the vendored Swagger UI: script and style files of the service only, no inline script.
        docs = await client.get("/docs")
        assert docs.status == 200 and docs.content_type == "text/html"
        policy = assert_locked_down(docs, f"{name} /docs", own_script=True)
        assert re.search(r"style-src [^;]*", policy).group(0) == "style-src 'self'", policy
        assert "<script>" not in await docs.text() and "<style" not in await docs.text()
        text = await client.get("/docs/text")
        assert text.status == 200 and text.content_type == "text/html"
        assert_styles_allowed_by_hash(assert_locked_down(text, f"{name} /docs/text"), await text.text(), name)
        for path_ in ("/openapi.json", "/healthz", f"/events/{uuid.uuid4()}/nothing-here"):
            assert_locked_down(await client.get(path_), f"{name} {path_}")
    grid = await matcher.get(f"/events/{world['event']}/agendas/grid.html", headers=organiser)
    assert grid.status == 200
    assert_styles_allowed_by_hash(assert_locked_down(grid, "grid"), await grid.text(), "grid")
