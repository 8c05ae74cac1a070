"""shared.formatting, shared.labels and shared.fonts: one way of writing things for people, everywhere."""

from __future__ import annotations

import datetime as dt
import fnmatch
import tomllib
import typing
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.matcher.onsite.meeting_status import STATUSES
from services.registry.need_models import NeedStatus
from services.registry.registration_models import Registration
from shared import formatting, labels
from shared.fonts import FONT_DIR, printable
from shared.reference.phone import normalise_phone

ROOT = Path(__file__).resolve().parents[1]
NBSP = "\u00a0"
UTC = dt.UTC


# --- phones -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "swedish", "english"),
    [
        ("+46701740758", "070-174 07 58", "+46 70 174 07 58"),
        ("+4681234567", "08-123 45 67", "+46 8 123 45 67"),
        ("+462312345", "023-123 45", "+46 23 123 45"),
        ("+4722123456", "+47 22 12 34 56", "+47 22 12 34 56"),  # a Norwegian number stays international
    ],
)
def test_a_stored_phone_reads_as_dialled(stored: str, swedish: str, english: str) -> None:
    assert formatting.phone(stored) == swedish
    assert formatting.phone(stored, "en") == english


@given(st.integers(min_value=0, max_value=9_999_999).map(lambda n: f"+46 70 {n:07d}"))
def test_the_shown_phone_is_typed_back_to_the_same_stored_number(typed: str) -> None:
    stored = normalise_phone(typed)
    assert normalise_phone(formatting.phone(stored)) == stored
    assert normalise_phone(formatting.phone(stored, "en")) == stored


def test_text_that_is_no_phone_number_is_shown_as_typed() -> None:
    assert formatting.phone("växeln") == "växeln" and formatting.phone("+4612") == "+4612"
    assert formatting.phone(None) == formatting.phone("") == ""


# --- amounts and numbers ------------------------------------------------------------------------------------


def test_amounts_group_with_no_break_spaces() -> None:
    assert formatting.amount(1_200_000) == f"1{NBSP}200{NBSP}000{NBSP}kr"
    assert formatting.amount(999) == f"999{NBSP}kr" and formatting.amount(0) == f"0{NBSP}kr"
    assert formatting.amount(1_200_000, "en") == "SEK 1,200,000"
    assert formatting.amount(None) == formatting.amount(None, "en") == "–"
    assert formatting.number(44.56, "sv", 1) == "44,6" and formatting.number(44.56, "en", 1) == "44.6"


@given(st.integers(min_value=0, max_value=10**12))
def test_an_amount_says_its_value_and_never_breaks(value: int) -> None:
    shown = formatting.amount(value)
    assert " " not in shown and shown.endswith(f"{NBSP}kr")
    assert int(shown.removesuffix(f"{NBSP}kr").replace(NBSP, "")) == value
    assert int(formatting.amount(value, "en").removeprefix("SEK ").replace(",", "")) == value


# --- dates and times ------------------------------------------------------------------------------------------


def test_a_moment_has_its_weekday_and_kl_in_stockholm_time() -> None:
    winter = dt.datetime(2026, 11, 5, 8, 0, tzinfo=UTC)
    assert formatting.when(winter) == "torsdag 5 november 2026 kl. 09:00"
    assert formatting.when(winter, "en") == "Thursday 5 November 2026 at 09:00"
    summer = dt.datetime(2026, 6, 4, 7, 0, tzinfo=UTC)  # summer time: two hours ahead of UTC
    assert formatting.when(summer) == "torsdag 4 juni 2026 kl. 09:00"
    assert formatting.when(summer, weekday=False) == "4 juni 2026 kl. 09:00"
    assert formatting.clock("2026-03-29T01:30:00+00:00") == "03:30"  # the night the clocks go forward


def test_a_late_evening_in_utc_is_the_next_day_in_sweden() -> None:
    assert formatting.day(dt.datetime(2026, 11, 5, 23, 30, tzinfo=UTC)) == "fredag 6 november 2026"
    assert formatting.day(dt.date(2026, 11, 5)) == "torsdag 5 november 2026"
    assert formatting.short_day("2026-11-05", "en") == "5 November 2026"


def test_a_meeting_span_names_its_day_once() -> None:
    start = dt.datetime(2026, 11, 5, 8, 0, tzinfo=UTC)
    assert formatting.span(start, start + dt.timedelta(minutes=20)) == "torsdag 5 november 2026 kl. 09:00–09:20"


def test_the_zone_is_named_for_people() -> None:
    assert formatting.zone_name("Europe/Stockholm") == "svensk tid"
    assert formatting.zone_name("Europe/Stockholm", "en") == "Swedish time"
    assert formatting.zone_name(None) == "svensk tid"
    assert formatting.zone_name("Europe/Oslo") == "Europe/Oslo"  # no invented name for a zone we do not use


# --- quotes and order ---------------------------------------------------------------------------------------


def test_quoted_names_take_swedish_quotation_marks() -> None:
    assert formatting.quoted("Lokalvård i förskolor") == "”Lokalvård i förskolor”"
    assert formatting.quoted("Cleaning", "en") == "“Cleaning”"


def test_municipalities_sort_with_a_a_o_after_z() -> None:
    names = ["Övertorneå", "Åre", "Älvdalen", "Ale", "Örebro", "Ängelholm", "Åmål", "Zinkgruvan", "Vansbro", "Orsa"]
    assert formatting.sorted_sv(names) == [
        "Ale", "Orsa", "Vansbro", "Zinkgruvan", "Åmål", "Åre", "Älvdalen", "Ängelholm", "Örebro", "Övertorneå",
    ]  # fmt: skip
    assert formatting.sorted_sv(["ed", "Eb", "éa"]) == ["éa", "Eb", "ed"]  # case and other accents do not count
    assert formatting.sorted_sv(["Ærø", "Åby", "Zeta", "Øster"]) == ["Zeta", "Åby", "Ærø", "Øster"]


@given(st.lists(st.text(alphabet="abcåäöABCÅÄÖéz ", max_size=6), max_size=8))
def test_the_order_is_total_and_repeatable(names: list[str]) -> None:
    once = formatting.sorted_sv(names)
    assert formatting.sorted_sv(list(reversed(names))) == once and sorted(once) == sorted(names)


# --- one wording per status --------------------------------------------------------------------------------


def test_every_status_the_services_store_has_words_in_both_languages() -> None:
    registration = typing.get_args(Registration.model_fields["status"].annotation)
    for kind, values in (
        ("meeting_status", ("planned", *STATUSES)),
        ("registration_status", registration),
        ("need_status", typing.get_args(NeedStatus)),
    ):
        for value in values:
            swedish, english = labels.label(kind, value, "sv"), labels.label(kind, value, "en")
            assert swedish and english and swedish != value and english != value, (kind, value)
    assert labels.label("registration_status", None) == "Inte anmäld"


def test_the_web_and_the_matchers_day_page_use_the_same_words() -> None:
    from services.matcher.onsite.day_link_page import WORDS

    for lang in ("sv", "en"):
        assert WORDS[lang]["statuses"] == labels.labels("meeting_status", lang)


# --- the PDFs' font ----------------------------------------------------------------------------------------


def test_the_font_covers_european_names_and_travels_with_its_licence() -> None:
    assert printable("Łódź Ærø Şişli Ğ Œuvre Ŧ Ω Ж") == "Łódź Ærø Şişli Ğ Œuvre Ŧ Ω Ж"
    assert printable("🙂") == "?"
    shipped = sorted(path.name for path in FONT_DIR.iterdir() if path.suffix in (".ttf", ".txt"))
    assert shipped == ["NotoSans-Bold.ttf", "NotoSans-Regular.ttf", "OFL.txt"]
    assert "SIL OPEN FONT LICENSE Version 1.1" in (FONT_DIR / "OFL.txt").read_text()
    with (ROOT / "pyproject.toml").open("rb") as stream:
        package_data = tomllib.load(stream)["tool"]["setuptools"]["package-data"]
    assert all(any(fnmatch.fnmatch(name, p) for p in package_data["shared.fonts"]) for name in shipped)


# --- the agendas --------------------------------------------------------------------------------------------


def test_the_agendas_calendar_and_page_write_the_day_kl_and_svensk_tid() -> None:
    from icalendar import Calendar

    from services.matcher.agendas.build import build_agendas
    from services.matcher.agendas.html import sme_agenda_html
    from services.matcher.agendas.ics import agenda_ics
    from services.matcher.engine.examples import example_snapshot

    snapshot = example_snapshot()
    sme, buyer = snapshot.smes[0].organisation.id, snapshot.buyers[0].organisation.id
    agenda = build_agendas(
        snapshot, [(sme, buyer, 0, 0, {})], version=1, published_at=snapshot.generated_at, include_contacts=False
    ).sme(sme)
    [event] = Calendar.from_ical(agenda_ics(agenda)).walk("VEVENT")
    assert str(event["description"]).startswith("Tid: tisdag 7 oktober 2025 kl. 09:00–09:20 (svensk tid), bord 1")
    [english] = Calendar.from_ical(agenda_ics(agenda, lang="en")).walk("VEVENT")
    assert str(english["description"]).startswith("Time: Tuesday 7 October 2025, 09:00–09:20 (Swedish time)")
    page = sme_agenda_html(agenda)
    assert "Affärsträff Falun · tisdag 7 oktober 2025" in page and "Alla tider i svensk tid" in page
    assert " kl. " in page and "Europe/Stockholm" not in page
