"""Progressive enhancement: with JavaScript off, the forms still work — a firm finds its CPV codes on the
search page, registers, is told what is wrong next to each field (checked on the server), and signs in.
Screenshots: ``test-artifacts/screenshots/nojs-*.png``."""

from __future__ import annotations

import re

from shared.reference.orgnr import orgnr_from_serial

from .conftest import SCREENSHOTS, Stack


async def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


async def test_firm_registers_without_javascript(new_page, stack: Stack) -> None:
    page = await new_page(javascript=False)
    # The CPV search page (the picker's fallback) shows each code with its place in the hierarchy.
    await page.goto("/cpv")
    await page.get_by_role("searchbox").fill("snöröjning")
    await page.get_by_role("button", name="Sök").click()
    await page.wait_for_url(re.compile(r"/cpv\?"))
    assert "90620000" in await page.locator("main").inner_text()
    await shot(page, "nojs-cpv-search")

    await page.goto("/registrera")
    # No combobox without scripts: the plain text field takes the codes.
    assert await page.get_by_role("combobox", name=re.compile("CPV")).count() == 0
    good = orgnr_from_serial(777002)
    await page.get_by_label("Organisationsnummer").fill(good[:-1] + str((int(good[-1]) + 1) % 10))
    await page.get_by_label("Företagets namn").fill("Orsa Snöröjning AB")
    await page.get_by_label("Kommun där företaget har sitt säte").select_option("2034")  # Orsa
    await page.get_by_label("Vad säljer ni?").fill("90620000")
    await page.locator("#f-contact_name").fill("Per Orsa")
    await page.get_by_label("E-post").fill("per@orsasno.example.se")
    await page.get_by_role("button", name="Registrera företaget").click()
    # Checked on the server: the error is next to its field, and everything typed is still there.
    await page.locator("#f-orgnr-error").wait_for()
    assert await page.get_by_label("Företagets namn").input_value() == "Orsa Snöröjning AB"
    assert await page.get_by_label("Vad säljer ni?").input_value() == "90620000"
    assert await page.get_by_role("alert").count() == 1  # the error summary at the top
    await shot(page, "nojs-register-error")
    status, found = await stack.api("GET", f"{stack.registry}/organisations?kind=sme&q=Orsa Snöröjning")
    assert status == 200 and found["items"] == []  # nothing saved

    await page.get_by_label("Organisationsnummer").fill(good)
    await page.get_by_role("button", name="Registrera företaget").click()
    await page.wait_for_url(re.compile(r"/foretag"))
    await shot(page, "nojs-sme-start")
    status, found = await stack.api("GET", f"{stack.registry}/organisations?kind=sme&q=Orsa Snöröjning")
    assert [o["name"] for o in found["items"]] == ["Orsa Snöröjning AB"]
