"""The yearly report for the steering group (services/matcher/statistics/report_pdf.py), rendered from a
hand-made statistics document and read back with pypdf: the title page, the year in sentences, the
comparison with the year before, the year's events, the definitions of every figure and what the figures
cannot say, in Swedish and English."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pypdf
import pytest

from services.matcher.agendas import PlacedMeeting
from services.matcher.engine.examples import example_snapshot
from services.matcher.statistics.model import Choice, EventFigures, Figures, StatisticsFilters
from services.matcher.statistics.report_examples import example_report
from services.matcher.statistics.report_pdf import report_pdf
from services.matcher.statistics.report_words import FIGURES_EN_LABELS, FIGURES_SV
from shared.snapshot import EventSnapshot
from tests.conftest import bearer
from tests.matcher.test_agenda_routes import publish, store_version


def pages(body: bytes) -> list[str]:
    """Each page's text, with no-break spaces as spaces (numbers are grouped with them)."""
    reader = pypdf.PdfReader(io.BytesIO(body))
    return [page.extract_text().replace("\xa0", " ") for page in reader.pages]


def test_the_title_page_names_the_year_the_organiser_the_date_and_the_selection() -> None:
    report = example_report()
    buyer = uuid.UUID(int=77)
    choices = report.choices.model_copy(
        update={"municipalities": [Choice(value="2080", label="Falun")], "buyers": [Choice(value=str(buyer),
                label="Region Dalarna")]}
    )  # fmt: skip
    filtered = report.model_copy(
        update={"filters": StatisticsFilters(municipality="2080", buyer=buyer), "choices": choices}
    )
    title = pages(report_pdf(filtered, 2026, organiser="Upphandlingsnätverket Dalarna"))[0]
    assert title.splitlines()[:2] == ["Affärsträffar 2026", "Årsrapport till styrgruppen"]
    assert "Arrangör: Upphandlingsnätverket Dalarna" in title and "Sammanställd fredag 4 december 2026" in title
    assert "Företagens hemkommun: Falun" in title and "Köpare: Region Dalarna" in title

    plain = pages(report_pdf(report, 2026))[0]
    assert "Arrangör" not in plain and "Alla affärsträffar, alla företag och köpare." in plain


def test_the_year_is_told_in_sentences_with_swedish_numbers() -> None:
    text = "\n".join(pages(report_pdf(example_report(), 2026)))
    flat = " ".join(text.split())
    assert "312 företag nådda, varav 140 för första gången." in flat
    assert "2 affärsträffar med 40 köpare." in flat
    assert "1 104 möten hölls av 1 200 planerade; 96 uteblev (andel uteblivna 8 %)." in flat
    assert "420 av 800 tillfrågade deltagare svarade på utvärderingen (svarsfrekvens 52 %)." in flat
    assert "45 lämnar anbud eller köper" in flat
    assert "160 behov diskuterades vid möten som hölls; 40 av dem annonserades sedan" in flat
    assert "6 tilldelningar gick till företag som träffat köparen om behovet, till ett värde av 1 450 000 kr." in flat
    assert "36,5 timmar stöd till 8 företag." in flat


def test_the_year_before_is_compared_when_the_report_holds_it() -> None:
    report = example_report()
    flat = " ".join("\n".join(pages(report_pdf(report, 2026))).split())
    assert "Jämfört med 2025" in flat
    assert "Företag nådda 212 312 +100" in flat and "Affärsträffar 3 2 -1" in flat
    assert "Andel uteblivna ej känd 8 % –" in flat  # 2025 had no day passed: its rate is not known

    alone = report.model_copy(update={"per_year": report.per_year[1:]})
    assert "Jämfört med" not in "\n".join(pages(report_pdf(alone, 2026)))


def test_the_events_table_holds_only_the_years_events() -> None:
    report = example_report()
    old = EventFigures(event_id=uuid.uuid4(), name="Träff i Mora", date=dt.date(2025, 5, 2), figures=report.totals)
    odd = report.per_event[0].model_copy(update={"name": "Łódź–Ærø ”städ”"})  # beyond Windows-1252: Noto Sans
    report = report.model_copy(update={"per_event": [old, odd, *report.per_event[1:]]})
    text = "\n".join(pages(report_pdf(report, 2026)))
    assert "Affärsträff Borlänge 2026-10-08 156 70 552 48 3" in text
    assert "Łódź–Ærø ”städ” 2026-03-12" in text  # printed as written
    assert "Träff i Mora" not in text

    empty = report.model_copy(update={"per_event": [old]})
    assert "Inga publicerade affärsträffar under året." in "\n".join(pages(report_pdf(empty, 2026)))


def test_a_long_year_continues_with_its_heading_and_long_names_wrap_whole() -> None:
    report = example_report()
    long = "Affärsträff för bygg, anläggning och fastighetsförvaltning i hela Dalarna"
    events = [
        EventFigures(event_id=uuid.uuid4(), name=long if n == 0 else f"Träff {n}", date=dt.date(2026, 1, 1 + n % 28),
                     figures=report.totals)
        for n in range(40)
    ]  # fmt: skip
    texts = pages(report_pdf(report.model_copy(update={"per_event": events}), 2026))
    with_table = [text for text in texts if "Träff 3" in text or "Träff 39" in text]
    assert len(with_table) >= 2 and all(text.count("Affärsträff Datum") == 1 for text in with_table)
    flat = " ".join(" ".join(texts).split())
    assert long in flat and all(f"Träff {n} 2026-" in flat for n in range(1, 40))


def test_every_figure_is_defined_and_the_limits_are_said() -> None:
    assert list(FIGURES_SV) == list(Figures.model_fields) == list(FIGURES_EN_LABELS)
    swedish = " ".join("\n".join(pages(report_pdf(example_report(), 2026))).split())
    for label, meaning in FIGURES_SV.values():
        assert f"{label} {meaning}" in swedish
    assert "Vad siffrorna inte kan säga" in swedish
    assert "anger leverantörens organisationsnummer (SE-BLV)" in swedish

    english = " ".join("\n".join(pages(report_pdf(example_report(), 2026, lang="en"))).split())
    for name, field in Figures.model_fields.items():
        assert f"{FIGURES_EN_LABELS[name]} {field.description}" in english
    assert "312 firms reached, 140 of them for the first time." in english
    assert "worth SEK 1,450,000." in english and "What the figures cannot say" in english
    assert "Yearly report to the steering group" in english and "Compared with 2025" in english


def test_a_year_without_figures_is_refused_and_the_same_report_gives_the_same_bytes() -> None:
    report = example_report()
    with pytest.raises(LookupError):
        report_pdf(report, 2024)
    with pytest.raises(ValueError, match="language"):
        report_pdf(report, 2026, lang="de")
    assert report_pdf(report, 2026) == report_pdf(report, 2026)
    filtered = report.model_copy(update={"filters": StatisticsFilters(year=2026), "per_year": []})
    assert "312 företag nådda" in pages(report_pdf(filtered, 2026))[1]  # a year-filtered report's totals


# --- the route, over the statistics query on real PostgreSQL -----------------------------------------------


async def stat_world(db) -> dict[str, uuid.UUID]:
    """Two published events a year apart with the example's firms and buyer (Falu kommun, its need for
    cleaning in pre-schools): in 2025 both firms meet the buyer about the need and the Mora builder does
    not come; in 2026 only the Falun cleaner returns. An award of the need (450 000 kr) names the cleaner
    after the first event."""
    first = example_snapshot()
    cleaner, builder = (sme.organisation.id for sme in first.smes)
    buyer, need = first.buyers[0].organisation.id, first.needs[0].id
    later = first.model_dump()
    later["event"].update(id=uuid.UUID(int=2), name="Affärsträff Borlänge", date=dt.date(2026, 3, 12))
    second = EventSnapshot.model_validate(later)
    why = {"sentence_sv": "Ni passar.", "sentence_en": "You fit.", "need_id": str(need)}
    for snapshot, firms in ((first, (cleaner, builder)), (second, (cleaner,))):
        meetings = [PlacedMeeting(sme, buyer, slot, 0, why) for slot, sme in enumerate(firms)]
        await store_version(db, snapshot, meetings, 1)
        await publish(db, snapshot.event.id, 1)
    await db.execute(
        "INSERT INTO matcher.meeting_status (event_id, sme_id, buyer_id, status, marked_at) "
        "VALUES ($1, $2, $3, 'no_show_sme', '2025-10-07T08:00:00Z')",
        first.event.id, builder, buyer,
    )  # fmt: skip
    await db.execute(
        "INSERT INTO matcher.need_outcomes (need_id, buyer_id, stage, tender_at, change_id, changed_at) "
        "VALUES ($1, $2, 'awarded', '2025-11-01T09:00:00Z', 1, '2026-01-20T09:00:00Z')",
        need, buyer,
    )  # fmt: skip
    await db.execute(
        "INSERT INTO matcher.need_outcome_awards (need_id, award_id, organisation_id, status, awarded_at, value_sek) "
        "VALUES ($1, 'award-1', $2, 'active', '2026-01-20T09:00:00Z', 450000)",
        need, cleaner,
    )  # fmt: skip
    return {"first": first.event.id, "second": second.event.id, "cleaner": cleaner, "buyer": buyer}


async def test_the_route_renders_the_year_with_the_year_before_from_the_query(matcher, db, organiser_token) -> None:
    world = await stat_world(db)
    response = await matcher.get("/statistics/report/2026.pdf", headers=bearer(organiser_token))
    assert response.status == 200, await response.text()
    assert response.content_type == "application/pdf"
    assert response.headers["Content-Disposition"] == 'inline; filename="arsrapport-2026.pdf"'
    flat = " ".join("\n".join(pages(await response.read())).split())
    assert "1 företag nådda, varav 0 för första gången." in flat
    assert "Jämfört med 2025" in flat and "Företag nådda 2 1 -1" in flat
    assert "Affärsträff Borlänge 2026-03-12" in flat and "Affärsträff Falun 2025" not in flat

    earlier = await matcher.get("/statistics/report/2025.pdf?lang=en", headers=bearer(organiser_token))
    flat = " ".join("\n".join(pages(await earlier.read())).split())
    assert "2 firms reached, 2 of them for the first time." in flat and "1 no-shows" in flat
    assert "Compared with" not in flat

    mora = await matcher.get(
        "/statistics/report/2025.pdf", params={"municipality": "2062"}, headers=bearer(organiser_token)
    )
    text = " ".join("\n".join(pages(await mora.read())).split())
    assert "Företagens hemkommun: Mora" in text and "1 företag nådda, varav 1 för första gången." in text
    assert world["cleaner"]


async def test_a_year_without_events_or_not_a_year_is_not_found_and_filters_are_checked(
    matcher, db, organiser_token
) -> None:
    await stat_world(db)
    for path in ("/statistics/report/2024.pdf", "/statistics/report/1999.pdf", "/statistics/report/20x6.pdf"):
        response = await matcher.get(path, headers=bearer(organiser_token))
        assert response.status == 404, path
        assert response.content_type == "application/problem+json"
    bad = await matcher.get("/statistics/report/2026.pdf?cpv_division=4", headers=bearer(organiser_token))
    assert bad.status == 422
    assert [e["parameter"] for e in (await bad.json())["errors"]] == ["cpv_division"]
