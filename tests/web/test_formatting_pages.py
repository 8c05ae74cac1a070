"""The pages and the PDF they serve write what shared.formatting writes: phones as dialled in Sweden,
amounts with no-break spaces, dates with their weekday and "kl.", and the time zone as "svensk tid"."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable

import pypdf

from shared.auth import Role
from shared.snapshot import EventSnapshot
from tests.test_events import create_event
from tests.test_registrations import add_need

from .conftest import Browser

NBSP = "\u00a0"


def with_phones(snapshot: EventSnapshot) -> EventSnapshot:
    """Every organisation's contact with the same mobile number, stored in E.164 as the registry does."""
    data = snapshot.model_dump()
    for n, org in enumerate(data["smes"] + data["buyers"]):
        org["contacts"] = [
            {
                "id": uuid.UUID(int=9100 + n),
                "position": 0,
                "name": f"Åsa Öberg {n}",
                "title": "VD",
                "email": f"kontakt{n}@example.se",
                "phone": "+46701740758",
            }
        ]
    return EventSnapshot.model_validate(data)


async def test_the_published_agenda_and_its_pdf_show_phones_dates_and_the_zone_for_people(
    web: Browser, registry, organiser_token: str, make_org: Callable, make_token: Callable, db
) -> None:
    from services.matcher.agendas import meetings_from_engine
    from services.matcher.engine.encode import encode_snapshot
    from services.matcher.engine.examples import synthetic_snapshot
    from services.matcher.engine.pipeline import plan_bipartite
    from tests.matcher.test_agenda_routes import busy_sme, publish, store_version

    snapshot = with_phones(synthetic_snapshot(smes=6, buyers=2, needs_per_buyer=2, seed=3))
    encoded = encode_snapshot(snapshot)
    meetings = meetings_from_engine(encoded, plan_bipartite(encoded.instance).schedule)
    sme = busy_sme(meetings)
    await make_org("sme", id=sme, name="Agenda AB")
    created = await create_event(registry, organiser_token)
    await db.execute(
        "UPDATE registry.events SET id = $1, status = 'published' WHERE id = $2", snapshot.event.id, created["id"]
    )
    web.sign_in_with(await make_token(Role.SME, sme))
    await store_version(db, snapshot, meetings, 1)
    await publish(db, snapshot.event.id, 1)
    base = f"/foretag/evenemang/{snapshot.event.id}"

    html = await web.page(base + "/agenda")
    assert '<a href="tel:+46701740758">070-174 07 58</a>' in html  # dialled from the stored number, read nationally
    assert "+46701740758</a>" not in html
    published = html.split("publicerad ", 1)[1].split(".</p>", 1)[0]
    assert " kl. " in published and published.split()[0] in ("måndag", "tisdag", "onsdag", "torsdag", "fredag",
                                                              "lördag", "söndag")  # fmt: skip
    english = await web.page(base + "/agenda?lang=en")
    assert ">+46 70 174 07 58</a>" in english and " at " in english.split("published ", 1)[1][:60]

    response = await web.client.get(base + "/agenda.pdf?lang=sv")  # the English page above set the cookie
    assert response.status == 200
    reader = pypdf.PdfReader(io.BytesIO(await response.read()))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "070-174 07 58" in text and "+46" not in text
    assert " kl. " in text and "Alla tider i svensk tid" in text and "Europe/Stockholm" not in text


async def test_an_amount_has_no_break_spaces_and_an_english_form(
    web: Browser, make_org: Callable, make_token: Callable, db
) -> None:
    buyer = await make_org("buyer", name="Falu kommun")
    need = await add_need(db, buyer, title="Snöröjning")
    await db.execute("UPDATE registry.needs SET estimated_value_sek = 1200000 WHERE id = $1", uuid.UUID(need))
    web.sign_in_with(await make_token(Role.SME, await make_org("sme", name="Falu Städ AB")))
    html = await web.page(f"/foretag/behov/{need}")
    assert f"<dd>1{NBSP}200{NBSP}000{NBSP}kr</dd>" in html  # one unbreakable amount, as in the e-mails and PDFs
    assert "<dd>SEK 1,200,000</dd>" in await web.page(f"/foretag/behov/{need}?lang=en")


def test_the_webs_catalogued_status_words_are_shared_labels_words() -> None:
    """The buyer's pages translate need statuses and stages through the .po catalogues (with contexts); they
    must say what shared.labels says, which the matcher's pages and the tests use."""
    from services.web import i18n
    from services.web.buyer_pages import NEED_STATUS
    from services.web.sme_need_pages import STAGES
    from shared import labels

    for kind, table in (("need_status", NEED_STATUS), ("need_stage", STAGES)):
        assert set(table) == set(labels.labels(kind)), kind
        for lang in ("sv", "en"):
            token = i18n.current_language.set(lang)
            try:
                assert {value: i18n.gettext(text) for value, text in table.items()} == labels.labels(kind, lang)
            finally:
                i18n.current_language.reset(token)
