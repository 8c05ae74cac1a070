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

from services.matcher.statistics.model import Choice, EventFigures, Figures, StatisticsFilters
from services.matcher.statistics.report_examples import example_report
from services.matcher.statistics.report_pdf import report_pdf
from services.matcher.statistics.report_words import FIGURES_EN_LABELS, FIGURES_SV


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
    assert "Arrangör: Upphandlingsnätverket Dalarna" in title and "Sammanställd 2026-12-04" in title
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
    odd = report.per_event[0].model_copy(update={"name": "Łódź–Falun «städ»"})  # beyond Windows-1252
    report = report.model_copy(update={"per_event": [old, odd, *report.per_event[1:]]})
    text = "\n".join(pages(report_pdf(report, 2026)))
    assert "Affärsträff Borlänge 2026-10-08 156 70 552 48 3" in text
    assert "?ódz–Falun «städ» 2026-03-12" in text  # folded, never raising
    assert "Träff i Mora" not in text

    empty = report.model_copy(update={"per_event": [old]})
    assert "Inga publicerade affärsträffar under året." in "\n".join(pages(report_pdf(empty, 2026)))


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
    assert "worth 1,450,000 SEK." in english and "What the figures cannot say" in english
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
