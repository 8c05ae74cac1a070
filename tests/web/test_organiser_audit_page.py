"""The organiser's log page shows the matcher's audit entries of an event in words, newest first."""

from __future__ import annotations

from tests.conftest import bearer
from tests.test_events import create_event, move_to
from tests.web.conftest import Browser


async def test_the_log_page_lists_who_did_what_with_the_schedule(
    organiser_browser: Browser, registry, matcher, organiser_token: str
) -> None:
    event = await create_event(registry, organiser_token)
    await move_to(registry, organiser_token, event["id"], "open")
    path = f"/arrangor/evenemang/{event['id']}"
    assert f'href="{path}/logg"' in await organiser_browser.page(path)
    assert "Inget har gjorts med schemat ännu." in await organiser_browser.page(f"{path}/logg")

    hooks = f"/events/{event['id']}/webhooks"
    response = await matcher.post(
        hooks, json={"url": "https://mottagare.example/in?token=x"}, headers=bearer(organiser_token)
    )
    assert response.status == 201, await response.text()
    response = await matcher.delete(f"{hooks}/{(await response.json())['id']}", headers=bearer(organiser_token))
    assert response.status == 204

    html = await organiser_browser.page(f"{path}/logg")
    assert html.index("Tog bort en webhook") < html.index("Lade till en webhook")  # newest first
    assert "https://mottagare.example" in html and "token=x" not in html
    assert "Arrangör" in html
    english = await organiser_browser.page(f"{path}/logg?lang=en")
    assert "Added a webhook" in english and "Who did what with the schedule" in english
