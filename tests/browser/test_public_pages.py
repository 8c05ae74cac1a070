"""The pages anyone sees before signing in, in a real browser: accessible, Swedish with English, and
signing in works as people do it (password for buyers and organisers, an e-mailed link for firms)."""

from __future__ import annotations

import re

from .conftest import Stack, check_page


async def test_front_page_and_language_switch(new_page, stack: Stack) -> None:
    page = await new_page()
    await page.goto("/")
    assert await page.locator("html").get_attribute("lang") == "sv"
    await check_page(page, "start-sv")
    await page.get_by_role("link", name="English").click()
    assert await page.locator("html").get_attribute("lang") == "en"
    assert (await page.get_by_role("heading", level=1).inner_text()).strip() != ""
    await check_page(page, "start-en")


async def test_front_page_on_a_phone(new_page, stack: Stack) -> None:
    page = await new_page(width=375, height=740)
    await page.goto("/")
    await check_page(page, "start-phone")
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert await page.evaluate("document.documentElement.scrollWidth") <= 375


async def test_wrong_password_is_shown_next_to_the_form(new_page, stack: Stack) -> None:
    page = await new_page()
    await page.goto("/logga-in")
    await check_page(page, "login")
    await page.get_by_label("E-post").fill("ingen@exempel.se")
    await page.get_by_label("Lösenord").fill("fel lösenord")
    await page.get_by_role("button", name="Logga in").click()
    assert await page.get_by_text("E-postadressen eller lösenordet stämmer inte.").first.is_visible()
    assert await page.get_by_label("E-post").input_value() == "ingen@exempel.se"
    await check_page(page, "login-error")


async def test_firm_signs_in_with_a_link(new_page, stack: Stack) -> None:
    status, smes = await stack.api("GET", f"{stack.registry}/organisations?kind=sme&limit=1")
    assert status == 200
    status, sme = await stack.api("GET", f"{stack.registry}/organisations/{smes['items'][0]['id']}")
    email = sme["contacts"][0]["email"]
    page = await new_page()
    await page.goto("/logga-in/lank")
    await check_page(page, "sign-in-link-request")
    await page.get_by_label("E-post").fill(email)
    await page.get_by_role("button", name="Skicka länk").click()
    await check_page(page, "sign-in-link-sent")
    await page.locator("a.dev-sign-in-link").first.click()
    await check_page(page, "sign-in-link-confirm")
    await page.get_by_role("main").get_by_role("button", name="Logga in").click()
    await page.wait_for_url(re.compile(r"/foretag"))
    # The session cookie is HttpOnly and Secure, and never readable by scripts.
    cookies = {c["name"]: c for c in await page.context.cookies()}
    session = cookies["__Host-atr_session"]
    assert session["httpOnly"] and session["secure"] and session["sameSite"] == "Lax"
    assert "atr_session" not in await page.evaluate("document.cookie")
