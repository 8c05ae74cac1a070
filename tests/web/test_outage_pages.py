"""When a service behind the pages cannot answer, the page says so in words and tells the browser (and any
proxy) when to try again: 503 with Retry-After, never a traceback."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from services.web.app import create_app
from services.web.session import SESSION_COOKIE
from services.web.settings import WebSettings
from tests.conftest import free_port
from tests.web.conftest import WEB_SECRET


def settings_without_services() -> WebSettings:
    nowhere = f"http://127.0.0.1:{free_port()}/"
    return WebSettings(
        port=0,
        registry_url=nowhere,
        matcher_url=nowhere,
        service_token="s" * 40,
        secret=WEB_SECRET,
        cookie_secure=False,
        log_format="text",
    )


async def test_a_page_whose_service_is_away_is_503_with_retry_after_in_swedish_and_english() -> None:
    async with TestClient(TestServer(create_app(settings_without_services()), host="127.0.0.1")) as client:
        client.session.cookie_jar.update_cookies({SESSION_COOKIE: "t" * 43}, client.make_url("/"))
        response = await client.get("/foretag")
        html = await response.text()
        assert response.status == 503
        assert response.headers["Retry-After"] == "5"
        assert "Tjänsten svarar inte just nu" in html and "Traceback" not in html
        english = await client.get("/foretag?lang=en")
        assert english.status == 503 and english.headers["Retry-After"] == "5"
        assert "Tjänsten svarar inte just nu" not in await english.text()


async def test_pages_that_answer_send_no_retry_after() -> None:
    async with TestClient(TestServer(create_app(settings_without_services()), host="127.0.0.1")) as client:
        response = await client.get("/integritet")
        assert response.status == 200 and "Retry-After" not in response.headers
