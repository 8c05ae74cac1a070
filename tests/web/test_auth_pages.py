"""Sign-in, sign-out, language and CSRF on the real front end against the real registry."""

from __future__ import annotations

import email as email_parser
import re
from collections.abc import Callable
from email.policy import default as default_policy

import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiosmtpd.controller import Controller

from services.registry import login_limits
from services.web.app import create_app
from services.web.session import CSRF_FIELD
from shared.auth import Role
from tests.conftest import bearer, free_port

from .conftest import Browser, unique_email

pytestmark = pytest.mark.db


async def _buyer_account(registry, organiser_token: str, make_org: Callable, password: str) -> tuple[str, object]:
    buyer = await make_org("buyer", name="Falu kommun")
    email = unique_email()
    response = await registry.post(
        "/auth/accounts",
        json={"email": email, "password": password, "role": "buyer", "organisation_id": str(buyer), "name": "Anna"},
        headers=bearer(organiser_token),
    )
    assert response.status == 201, await response.text()
    return email, buyer


async def test_front_page_in_swedish_and_english(web: Browser) -> None:
    html = await web.page("/")
    assert '<html lang="sv">' in html and "Logga in" in html
    english = await web.page("/?lang=en")
    assert '<html lang="en">' in english and "Sign in" in english
    # The choice is remembered.
    assert '<html lang="en">' in await web.page("/logga-in")


async def test_buyer_signs_in_with_password_and_out_again(
    web: Browser, registry, organiser_token: str, make_org: Callable
) -> None:
    email, _ = await _buyer_account(registry, organiser_token, make_org, "ett långt lösenord")
    response = await web.submit("/logga-in", "/logga-in", {"email": email.upper(), "password": "ett långt lösenord"})
    assert response.status == 303 and response.headers["Location"] == "/kopare"
    cookie = response.cookies["atr_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    html = await web.page("/logga-in")
    assert "Logga ut" in html
    response = await web.submit("/logga-in", "/logga-ut", {})
    assert response.status == 303
    assert "Logga ut" not in await web.page("/logga-in")


async def test_wrong_password_shows_one_message_and_keeps_the_email(
    web: Browser, registry, organiser_token: str, make_org: Callable
) -> None:
    email, _ = await _buyer_account(registry, organiser_token, make_org, "ett långt lösenord")
    response = await web.submit("/logga-in", "/logga-in", {"email": email, "password": "fel lösenord här"})
    html = await response.text()
    assert response.status == 422
    assert "E-postadressen eller lösenordet stämmer inte." in html
    assert f'value="{email}"' in html and "fel lösenord" not in html


async def test_empty_form_marks_each_field(web: Browser) -> None:
    response = await web.submit("/logga-in", "/logga-in", {"email": "", "password": ""})
    html = await response.text()
    assert response.status == 422
    assert 'id="f-email-error"' in html and 'id="f-password-error"' in html
    assert 'aria-invalid="true"' in html


async def test_a_form_without_its_csrf_token_changes_nothing(web: Browser) -> None:
    await web.page("/logga-in")
    response = await web.client.post("/logga-in", data={"email": "a@b.se", "password": "x", CSRF_FIELD: "forged"})
    assert response.status == 400


async def test_sme_signs_in_with_an_emailed_link_once(web: Browser, registry, make_org: Callable) -> None:
    email = unique_email()
    created = await registry.post(
        "/organisations",
        json={
            "kind": "sme",
            "orgnr": "5560360793",
            "name": "Dala Städ AB",
            "municipality_code": "2080",
            "cpv_codes": ["90910000"],
            "contacts": [{"name": "Sara", "email": email}],
        },
    )
    assert created.status == 201, await created.text()
    response = await web.submit("/logga-in/lank", "/logga-in/lank", {"email": email}, follow=True)
    html = await response.text()
    assert "Dala Städ AB" in html  # development mode shows the link instead of mailing it
    link = html.split('href="', 1)[1].split("/logga-in/lank/", 1)[1].split('"', 1)[0]
    path = f"/logga-in/lank/{link}"
    response = await web.submit(path, path, {})
    assert response.status == 303 and response.headers["Location"] == "/foretag"
    web.client.session.cookie_jar.clear()
    again = await web.submit(path, path, {})
    assert again.status == 410 and "redan använd" in await again.text()


async def test_unknown_address_gets_the_same_answer(web: Browser) -> None:
    response = await web.submit("/logga-in/lank", "/logga-in/lank", {"email": unique_email()}, follow=True)
    html = await response.text()
    assert response.status == 200 and "Om adressen hör till ett registrerat företag" in html
    assert "dev-sign-in-link" not in html


async def test_expired_session_is_signed_out_not_an_error(web: Browser, make_token: Callable) -> None:
    web.sign_in_with("atr_not-a-real-token")
    html = await web.page("/")
    assert "Logga ut" not in html


async def test_pages_send_security_headers(web: Browser) -> None:
    response = await web.client.get("/logga-in")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_organiser_is_sent_to_sign_in_when_not_signed_in(web: Browser, make_token: Callable) -> None:
    response = await web.client.get("/arrangor", allow_redirects=False)
    assert response.status in (303, 404)
    web.sign_in_with(await make_token(Role.ORGANISER))
    assert "Logga ut" in await web.page("/logga-in")


async def test_sign_in_link_arrives_by_mail_and_signs_in(web_settings, registry) -> None:
    """With a mail server set, the link is mailed (never shown on the page) and works once."""
    received: list = []

    class Inbox:
        async def handle_DATA(self, server, session, envelope):
            received.append(email_parser.message_from_bytes(envelope.original_content, policy=default_policy))
            return "250 OK"

    address = unique_email()
    created = await registry.post(
        "/organisations",
        json={
            "kind": "sme",
            "orgnr": "5560360793",
            "name": "Dala Städ AB",
            "municipality_code": "2080",
            "cpv_codes": ["90910000"],
            "contacts": [{"name": "Sara", "email": address}],
        },
    )
    assert created.status == 201
    port = free_port()
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = web_settings.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": port, "dev_show_sign_in_links": False}
        )
        async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
            visitor = Browser(client)
            response = await visitor.submit("/logga-in/lank", "/logga-in/lank", {"email": address}, follow=True)
            html = await response.text()
            assert "Om adressen hör till ett registrerat företag" in html and "/logga-in/lank/atl_" not in html
            [message] = received
            assert message["To"] == address and "Dala Städ AB" in message["Subject"]
            body = message.get_content()
            link = re.search(r"http://\S+/logga-in/lank/(atl_\S+)", body)
            assert link and "sign-in link" in body  # Swedish first, then English
            path = f"/logga-in/lank/{link.group(1)}"
            redeemed = await visitor.submit(path, path, {})
            assert redeemed.status == 303 and redeemed.headers["Location"] == "/foretag"
    finally:
        controller.stop()


async def test_forgotten_password_by_link_sets_a_new_one_and_signs_in(
    web: Browser, registry, organiser_token: str, make_org: Callable
) -> None:
    email, _ = await _buyer_account(registry, organiser_token, make_org, "ett långt lösenord")
    assert 'href="/logga-in/glomt"' in await web.page("/logga-in")
    response = await web.submit("/logga-in/glomt", "/logga-in/glomt", {"email": email}, follow=True)
    html = await response.text()
    assert response.status == 200 and "Om adressen hör till ett konto" in html
    path = (
        "/logga-in/glomt/"
        + html.split('class="dev-password-link"', 1)[0].rsplit("/logga-in/glomt/", 1)[1].split('"')[0]
    )
    assert "Välj ett nytt lösenord" in await web.page(path)  # opening the link (a mail scanner) spends nothing

    mismatch = await web.submit(path, path, {"password": "ett nytt långt lösenord", "password_again": "något annat"})
    html = await mismatch.text()
    assert mismatch.status == 422 and "Lösenorden är inte lika." in html and "ett nytt långt" not in html
    short = await web.submit(path, path, {"password": "kort", "password_again": "kort"})
    assert short.status == 422 and "12 till 200 tecken" in await short.text()

    saved = await web.submit(
        path, path, {"password": "ett nytt långt lösenord", "password_again": "ett nytt långt lösenord"}
    )
    assert saved.status == 303 and saved.headers["Location"] == "/kopare"
    assert "Logga ut" in await web.page("/kopare")
    web.client.session.cookie_jar.clear()
    again = await web.submit(
        path, path, {"password": "ett tredje långt lösenord", "password_again": "ett tredje långt lösenord"}
    )
    assert again.status == 410 and "redan använd" in await again.text()
    old = await web.submit("/logga-in", "/logga-in", {"email": email, "password": "ett långt lösenord"})
    assert old.status == 422
    new = await web.submit("/logga-in", "/logga-in", {"email": email, "password": "ett nytt långt lösenord"})
    assert new.status == 303 and new.headers["Location"] == "/kopare"


async def test_forgotten_password_page_says_the_same_for_an_unknown_address(web: Browser) -> None:
    response = await web.submit("/logga-in/glomt", "/logga-in/glomt", {"email": unique_email()}, follow=True)
    html = await response.text()
    assert response.status == 200 and "Om adressen hör till ett konto" in html
    assert "dev-password-link" not in html
    english = await web.page("/logga-in/glomt?lang=en")
    assert "Forgot your password?" in english


async def test_password_link_arrives_by_mail(web_settings, registry, organiser_token: str, make_org: Callable) -> None:
    """With a mail server set, the link is mailed (never shown on the page), Swedish first."""
    received: list = []

    class Inbox:
        async def handle_DATA(self, server, session, envelope):
            received.append(email_parser.message_from_bytes(envelope.original_content, policy=default_policy))
            return "250 OK"

    address, _ = await _buyer_account(registry, organiser_token, make_org, "ett långt lösenord")
    port = free_port()
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = web_settings.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": port, "dev_show_sign_in_links": False}
        )
        async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
            visitor = Browser(client)
            response = await visitor.submit("/logga-in/glomt", "/logga-in/glomt", {"email": address}, follow=True)
            assert "/logga-in/glomt/atl_" not in await response.text()
            [message] = received
            assert message["To"] == address and message["Subject"] == "Nytt lösenord för Affärsträff"
            body = message.get_content()
            assert body.startswith("Hej Anna!") and "choose a new password" in body
            link = re.search(r"http://\S+(/logga-in/glomt/atl_\S+)", body)
            assert link
            path = link.group(1)
            saved = await visitor.submit(
                path, path, {"password": "ett nytt långt lösenord", "password_again": "ett nytt långt lösenord"}
            )
            assert saved.status == 303 and saved.headers["Location"] == "/kopare"
    finally:
        controller.stop()


async def test_repeated_wrong_passwords_point_to_the_emailed_link(
    web: Browser, registry, organiser_token: str, make_org: Callable
) -> None:
    """While the account pauses after wrong guesses, the page says to wait a moment or use the link."""
    email, _ = await _buyer_account(registry, organiser_token, make_org, "ett långt lösenord")
    for _ in range(login_limits.ACCOUNT_FREE_FAILURES):
        wrong = await web.submit("/logga-in", "/logga-in", {"email": email, "password": "fel lösenord här"})
        assert wrong.status == 422
    paused = await web.submit("/logga-in", "/logga-in", {"email": email, "password": "ett långt lösenord"})
    html = await paused.text()
    assert paused.status == 422 and "Vänta en stund" in html and "Glömt lösenordet?" in html
