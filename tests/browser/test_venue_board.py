"""The venue board in Chromium, as the hall's TV opens it: no sign-in, every table of the published version,
the refresh script allowed by the page's CSP (nothing refused in the console) and axe-core clean; when the
organiser revokes the link, the script's next poll (the browser's timers moved on, not waited for) reloads
the page, which then says the link no longer works."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Stack, check_page
from .test_reception_phone import publish_event_of_its_own


@pytest.fixture(scope="module")
async def published(stack: Stack) -> dict[str, Any]:
    """An event of this module's own (the reception test's event is closed and published already)."""
    return await publish_event_of_its_own(stack, "Affärsträff Dalarna 2027 (skärmprov)")


TV = {"width": 1920, "height": 1080}


async def test_the_board_runs_on_a_tv_and_ends_when_revoked(new_page, stack: Stack, published: dict[str, Any]) -> None:
    base = f"{stack.matcher}/events/{published['event_id']}"
    status, link = await stack.api("POST", f"{base}/board-links")
    assert status == 201, link
    status, grid = await stack.api("GET", f"{base}/agendas/grid")
    assert status == 200, grid

    page = await new_page(**TV)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    await page.clock.install()
    await page.goto(link["url"])
    cards = page.locator("#tables > li")
    assert await cards.count() == len(grid["tables"])
    first = grid["tables"][0]
    assert f"Bord {first['table']} {first['buyer_name']}" in await cards.first.inner_text()
    await check_page(page, "venue-board")
    assert not [text for text in console if "Content Security Policy" in text or "Refused" in text], console

    # A poll that finds the same board keeps the page as it is.
    await page.clock.run_for(16_000)
    await page.wait_for_load_state("load")
    assert await cards.count() == len(grid["tables"])

    status, _ = await stack.api("DELETE", f"{base}/board-links/{link['id']}")
    assert status == 204
    async with page.expect_navigation():
        await page.clock.run_for(16_000)
    await page.get_by_role("heading", name="Länken till skärmen gäller inte längre").wait_for()
    assert not [text for text in console if "Content Security Policy" in text], console
