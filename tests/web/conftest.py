"""Fixtures for page tests: the web front end from its real app factory on a loopback port, talking
to the real registry and matcher (themselves on real PostgreSQL), and a browser-like client that keeps
cookies and sends each form's CSRF token back."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.web.app import create_app
from services.web.session import CSRF_FIELD, SESSION_COOKIE
from services.web.settings import WebSettings
from shared.auth import Role

WEB_SECRET = "test-web-secret-" + "x" * 32
_CSRF = re.compile(rf'name="{CSRF_FIELD}" value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


@pytest.fixture
def web_settings(registry: TestClient, matcher: TestClient, service_token: str) -> WebSettings:
    return WebSettings(
        port=0,
        registry_url=str(registry.make_url("/")),
        matcher_url=str(matcher.make_url("/")),
        service_token=service_token,
        secret=WEB_SECRET,
        cookie_secure=False,  # aiohttp's test client does not send Secure cookies over http
        dev_show_sign_in_links=True,
        log_format="text",
    )


class Browser:
    """A TestClient that behaves like a person's browser: cookies kept, forms posted with their token."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    async def page(self, path: str, status: int = 200) -> str:
        response = await self.client.get(path, allow_redirects=True)
        html = await response.text()
        assert response.status == status, f"GET {path}: {response.status}\n{html[:2000]}"
        return html

    async def submit(
        self, form_page: str, action: str, data: dict[str, Any] | list[tuple[str, Any]], *, follow: bool = False
    ) -> Any:
        """GET ``form_page`` for its CSRF token, then POST ``data`` to ``action``; returns the response."""
        html = await self.page(form_page)
        fields = list(data.items()) if isinstance(data, dict) else list(data)
        fields.append((CSRF_FIELD, csrf_from(html)))
        return await self.client.post(action, data=fields, allow_redirects=follow)

    def sign_in_with(self, token: str) -> None:
        """Use an API token as the session (what signing in stores in the cookie)."""
        self.client.session.cookie_jar.update_cookies({SESSION_COOKIE: token}, self.client.make_url("/"))


@pytest.fixture
async def web(web_settings: WebSettings) -> AsyncIterator[Browser]:
    """An anonymous visitor of the web front end."""
    async with TestClient(TestServer(create_app(web_settings), host="127.0.0.1")) as client:
        yield Browser(client)


@pytest.fixture
async def organiser_browser(web: Browser, make_token: Callable) -> Browser:
    """The visitor, signed in as an organiser."""
    web.sign_in_with(await make_token(Role.ORGANISER, label="web test organiser"))
    return web


def unique_email() -> str:
    return f"test-{uuid.uuid4().hex[:8]}@example.se"
