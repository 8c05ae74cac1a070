"""A firm opens a procurement (the page the matcher's need e-mails link to), follows it and its CPV
division, sees both on its list and stops following; another firm's follows are not its business."""

from __future__ import annotations

import re

from shared.auth import Role
from tests.conftest import bearer
from tests.test_procurement import FALUN_ORGNR, package, tender_release

from .conftest import Browser


def stage_text(html: str) -> str:
    match = re.search(r'<dd id="need-stage">(.*?)</dd>', html, re.S)
    assert match, html[:2000]
    return " ".join(match.group(1).split())


async def follows_of(registry, token: str, organisation_id: str) -> list[dict]:
    response = await registry.get(f"/organisations/{organisation_id}/follows", headers=bearer(token))
    assert response.status == 200, await response.text()
    return (await response.json())["items"]


async def test_a_firm_follows_a_need_and_its_area_from_the_need_page(
    web: Browser, registry, make_org, make_token
) -> None:
    buyer = await make_org("buyer", name="Falu kommun", orgnr=FALUN_ORGNR, buyer_category="municipality")
    buyer_token = await make_token(Role.BUYER, buyer)
    response = await registry.post("/needs/import/ocds", json=package(tender_release()), headers=bearer(buyer_token))
    assert response.status == 200, await response.text()
    need_id = (await response.json())["needs"][0]
    need = await (await registry.get(f"/needs/{need_id}", headers=bearer(buyer_token))).json()
    division = need["cpv_main"][:2]

    firm = await make_org("sme", name="Städ & Fönster AB")
    firm_token = await make_token(Role.SME, firm)
    web.sign_in_with(firm_token)
    path = f"/foretag/behov/{need_id}"

    html = await web.page(path)
    assert need["title"] in html and "Falu kommun" in html
    assert stage_text(html).startswith("Annonserad, sista dag för anbud")
    assert "Följ upphandlingen" in html and await follows_of(registry, firm_token, firm) == []

    # Follow the need, then its division: each lands on the page saying so, and the registry holds both.
    response = await web.submit(path, path + "/folj", {"vad": "behov", "gora": "folj"})
    assert response.status == 303 and response.headers["Location"] == path + "?klart=need"
    response = await web.submit(path, path + "/folj", {"vad": "omrade", "gora": "folj"})
    assert response.status == 303
    html = await web.page(path + "?klart=division")
    assert "Ni följer nu hela området" in html and "Sluta följa upphandlingen" in html and "Sluta följa området" in html
    follows = await follows_of(registry, firm_token, firm)
    assert {(f["need_id"], f["cpv_division"]) for f in follows} == {(need_id, None), (None, division)}

    # Following again is following once.
    await web.submit(path, path + "/folj", {"vad": "behov", "gora": "folj"})
    assert len(await follows_of(registry, firm_token, firm)) == 2

    listing = await web.page("/foretag/foljer")
    assert need["title"] in listing and f"/foretag/foljer/omrade/{division}" in listing
    assert "What you follow" in await web.page("/foretag/foljer?lang=en")

    # Stop both: the need from its page, the division from the list; stopping twice is no error.
    await web.submit(path, path + "/folj", {"vad": "behov", "gora": "sluta"})
    await web.submit(path, path + "/folj", {"vad": "behov", "gora": "sluta"})
    response = await web.submit("/foretag/foljer", f"/foretag/foljer/omrade/{division}", {})
    assert response.status == 303 and response.headers["Location"] == "/foretag/foljer?klart=stopped"
    assert await follows_of(registry, firm_token, firm) == []
    assert "Ni följer ingen upphandling ännu" in await web.page("/foretag/foljer?lang=sv")


async def test_bad_choices_and_other_roles_change_nothing(web: Browser, registry, make_org, make_token) -> None:
    buyer = await make_org("buyer", name="Falu kommun", orgnr=FALUN_ORGNR, buyer_category="municipality")
    buyer_token = await make_token(Role.BUYER, buyer)
    response = await registry.post("/needs/import/ocds", json=package(tender_release()), headers=bearer(buyer_token))
    need_id = (await response.json())["needs"][0]
    firm = await make_org("sme", name="Snö AB")
    firm_token = await make_token(Role.SME, firm)
    web.sign_in_with(firm_token)
    path = f"/foretag/behov/{need_id}"

    response = await web.submit(path, path + "/folj", {"vad": "allt", "gora": "folj"})
    assert response.status == 400
    response = await web.client.post(path + "/folj", data={"vad": "behov", "gora": "folj"})  # no CSRF token
    assert response.status == 400
    await web.page("/foretag/behov/not-a-uuid", status=404)
    assert await follows_of(registry, firm_token, firm) == []

    web.sign_in_with(buyer_token)  # a buyer has no firm page
    await web.page(path, status=403)
