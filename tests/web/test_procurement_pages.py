"""The buyer's need page says where the need's procurement stands (from its OCDS releases), in Swedish and
English, apart from the need's status."""

from __future__ import annotations

import re

from shared.auth import Role
from tests.conftest import bearer
from tests.test_procurement import FALUN_ORGNR, award_release, package, tender_release

from .conftest import Browser


def stage_text(html: str) -> str:
    match = re.search(r'<dd id="need-stage">(.*?)</dd>', html, re.S)
    assert match, html[:2000]
    return " ".join(match.group(1).split())


async def test_the_need_page_shows_the_procurement_stage(web: Browser, registry, make_org, make_token) -> None:
    org = await make_org("buyer", name="Falu kommun", orgnr=FALUN_ORGNR, buyer_category="municipality")
    token = await make_token(Role.BUYER, org)
    web.sign_in_with(token)

    async def import_(*releases: dict) -> str:
        response = await registry.post("/needs/import/ocds", json=package(*releases), headers=bearer(token))
        assert response.status == 200, await response.text()
        return (await response.json())["needs"][0]

    need = await import_(tender_release())
    path = f"/kopare/behov/{need}"
    # Annonserad, with the last day for tenders in Stockholm time (the period ends 23:59:59 on 4 May).
    text = stage_text(await web.page(path))
    assert text.startswith("Annonserad, sista dag för anbud") and "4 maj 2026" in text
    assert stage_text(await web.page(path + "?lang=en")).startswith("Tender published, tenders due")
    await import_(award_release())
    assert stage_text(await web.page(path + "?lang=sv")) == "Tilldelad"
    assert stage_text(await web.page(path + "?lang=en")) == "Awarded"
