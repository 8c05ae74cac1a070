"""The accessibility statement (``/tillganglighet``) says what lag (2018:1937) and Digg's model statement
ask for, in Swedish and English, with the organiser's contact when one is configured; it tells the truth
about how the service is tested; and every page's footer links to it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.web.accessibility_pages import DIGG_REPORT_FORM, MADE, REVIEWED
from services.web.app import create_app
from services.web.session import SESSION_SECONDS
from services.web.settings import WebSettings
from shared.auth import Role
from tests.browser.conftest import AXE_TAGS, BLOCKING_IMPACTS
from tests.web.conftest import Browser

FOOTER_LINK = re.compile(
    r'<footer class="site-footer">.*<a href="/tillganglighet"[^>]*>Tillgänglighetsredogörelse</a>', re.S
)


async def test_the_statement_has_every_part_the_law_asks_for(web: Browser) -> None:
    html = await web.page("/tillganglighet")
    for words in (
        "står bakom den här tjänsten",  # who is responsible
        "lagen (2018:1937) om tillgänglighet till digital offentlig service",
        "Web Content Accessibility Guidelines (WCAG) 2.1",  # how accessible: the target
        "nivå AA",
        "delvis förenlig med lagen",
        "Rapportera brister i tjänstens tillgänglighet",  # how to report
        "Myndigheten för digital förvaltning (Digg) har ansvaret för tillsyn",  # enforcement
        "självskattning",  # how the statement was made
        "axe-core",
    ):
        assert words in html, words
    assert (
        f'<a href="{DIGG_REPORT_FORM}" id="digg-form">' in html
        and DIGG_REPORT_FORM == "https://www.digg.se/tdosanmalan"
    )
    # The known shortcomings, each named honestly.
    shortcomings = html[html.index('id="known-shortcomings"') :]
    shortcomings = shortcomings[: shortcomings.index("</ul>")]
    for words in ("PDF är inte taggade för skärmläsare", "På en mobil rullar den i sidled", "Swagger UI", "/docs/text"):
        assert words in shortcomings, words
    assert f"En inloggning gäller i högst {SESSION_SECONDS // 3600} timmar" in shortcomings
    # Dated, without a weekday ("4 december 2026"), and REVIEWED never before MADE.
    assert f"upprättades den {MADE.day} december {MADE.year}" in html and REVIEWED >= MADE
    assert 'href="/tillganglighet" aria-current="page"' in html
    # No contact configured: people are sent to their organiser, and no empty mailto: link is shown.
    assert "Kontakta den som arrangerar er affärsträff" in html and "mailto:" not in html


async def test_the_statement_in_english(web: Browser) -> None:
    html = await web.page("/tillganglighet?lang=en")
    assert '<html lang="en">' in html
    for words in (
        "Accessibility of Affärsträff",
        "partially compliant with the Act",
        "The Agency for Digital Government",
        "Report a lack of accessibility to Digg",
        "not tagged for screen readers",
        f"last updated on {REVIEWED.day} December {REVIEWED.year}",
        ">Accessibility statement</a>",  # the footer link
    ):
        assert words in html, words


@pytest.fixture
async def web_with_contact(web_settings: WebSettings) -> AsyncIterator[Browser]:
    settings = WebSettings.model_validate(
        web_settings.model_dump() | {"accessibility_contact": "tillganglighet@upphandling.example.se"}
    )
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        yield Browser(client)


async def test_the_configured_contact_is_where_to_report(web_with_contact: Browser) -> None:
    html = await web_with_contact.page("/tillganglighet")
    link = '<a href="mailto:tillganglighet@upphandling.example.se">tillganglighet@upphandling.example.se</a>'
    # Under "what you can do" and under "report shortcomings".
    assert html.count(link) == 2
    assert "Kontakta den som arrangerar er affärsträff" not in html


def test_the_contact_setting_must_be_an_address(web_settings: WebSettings) -> None:
    with pytest.raises(ValueError, match="accessibility_contact"):
        WebSettings.model_validate(web_settings.model_dump() | {"accessibility_contact": "ring oss"})


def test_the_statement_describes_the_automated_check_the_tests_run() -> None:
    """The statement says pages are checked against WCAG 2.1 A and AA and that serious errors stop a change:
    the browser tests' audit must keep doing exactly that, or the statement must change with it."""
    assert {"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"} <= set(AXE_TAGS)
    assert {"serious", "critical"} == BLOCKING_IMPACTS


async def test_every_footer_links_to_the_statement(web: Browser, make_token: Callable) -> None:
    for path in ("/", "/logga-in", "/registrera", "/integritet", "/logga-in/lank"):
        assert FOOTER_LINK.search(await web.page(path)), path
    assert FOOTER_LINK.search(await web.page("/finns-inte", status=404)), "the error page"
    web.sign_in_with(await make_token(Role.ORGANISER, label="statement test organiser"))
    assert FOOTER_LINK.search(await web.page("/arrangor")), "a signed-in organiser's page"
