"""Reference data: CPV 2008 codes, organisation numbers and Dalarna's municipalities."""

from __future__ import annotations

import csv
import itertools
from importlib.resources import files

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from stdnum import luhn

from shared.reference import cpv, municipalities, orgnr
from shared.reference.cpv import CpvCode, cpv_ancestors, cpv_label, normalise_cpv, search_cpv, shared_depth
from shared.reference.municipalities import (
    DALARNA_COUNTY_CODE,
    NUTS3_DALARNA,
    dalarna_municipalities,
    distance_km,
    get_municipality,
    is_swedish_municipality_code,
)
from shared.reference.orgnr import OrgNr, is_personal_number, normalise_orgnr


def _csv_rows(name: str) -> list[dict[str, str]]:
    with files("shared.reference").joinpath("data", name).open("r", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


CPV_ROWS = _csv_rows("cpv_2008.csv")
CPV_BY_CODE = {row["code"]: row for row in CPV_ROWS}
ALL_CODES = sorted(CPV_BY_CODE)


# --- CPV -------------------------------------------------------------------------------------------


def test_packaged_cpv_list_is_complete_and_attributed() -> None:
    assert len(CPV_ROWS) == len(CPV_BY_CODE) == 9454
    readme = files("shared.reference").joinpath("data", "README.md").read_text(encoding="utf-8")
    assert "xterr/php-cpvcodes" in readme
    assert "MIT" in readme


@pytest.mark.parametrize("raw", ["90910000", "90910000-9", " 90910000-9 ", "\t90910000\n"])
def test_normalise_cpv_accepts_the_usual_forms(raw: str) -> None:
    assert normalise_cpv(raw) == "90910000"


def test_cleaning_services_code_and_labels() -> None:
    # The Swedish label in this list is "Städning", not "Rengöringstjänster".
    assert CPV_BY_CODE["90910000"]["check_digit"] == "9"
    assert cpv_label("90910000-9") == "Städning"
    assert cpv_label("90910000", lang="en") == "Cleaning services"


def test_wrong_check_digit_is_rejected() -> None:
    with pytest.raises(ValueError, match="check digit 9, not 3"):
        normalise_cpv("90910000-3")


@pytest.mark.parametrize("raw", ["90910001", "12345678-0", "00000000"])
def test_unknown_code_is_rejected(raw: str) -> None:
    with pytest.raises(ValueError, match="not a code in CPV 2008"):
        normalise_cpv(raw)


@pytest.mark.parametrize(
    "raw", ["", "9091000", "909100000", "90910000-", "90910000-99", "9091 0000", "9091000a", "９0910000"]
)
def test_malformed_code_is_rejected(raw: str) -> None:
    with pytest.raises(ValueError, match="expected 8 digits"):
        normalise_cpv(raw)


def test_non_string_is_rejected() -> None:
    with pytest.raises(ValueError, match="must be a string"):
        normalise_cpv(90910000)  # type: ignore[arg-type]


def test_unknown_label_language() -> None:
    with pytest.raises(ValueError, match="'sv' or 'en'"):
        cpv_label("90910000", lang="de")  # type: ignore[arg-type]


def test_ancestor_chain() -> None:
    assert cpv_ancestors("90919200-4") == ["90919000", "90910000", "90900000", "90000000"]
    assert cpv_ancestors("45000000") == []
    # The tree skips levels: 03115110 (7 significant digits) hangs directly below a level-5 code.
    assert cpv_ancestors("03115110") == ["03115000", "03110000", "03100000", "03000000"]


def test_every_chain_ends_at_a_division_and_gets_coarser() -> None:
    for code in ALL_CODES:
        chain = [code, *cpv_ancestors(code)]
        depths = [int(CPV_BY_CODE[c]["significant_digits"]) for c in chain]
        assert depths[-1] == 2
        assert depths == sorted(depths, reverse=True) and len(set(depths)) == len(depths)
        assert all(c.startswith(p[: int(CPV_BY_CODE[p]["significant_digits"])]) for c, p in itertools.pairwise(chain))


@pytest.mark.parametrize(
    ("a", "b", "depth"),
    [
        ("90919200", "90919200", 6),  # the same code
        ("90919200", "90919300", 5),  # same category 90919
        ("90911200", "90919200", 4),  # same class 9091
        ("90910000", "90911200", 4),  # one inside the other's class
        ("90910000", "90920000", 3),  # same group 909
        ("90910000", "90620000", 2),  # same division 90
        ("90910000-9", "45000000", 0),  # different divisions
        ("03115110", "03115120", 5),  # level-7 siblings under a level-5 code, no level 6 between
        ("30000000", "30100000", 2),  # division 30 has two significant digits though it ends in 0000000
    ],
)
def test_shared_depth(a: str, b: str, depth: int) -> None:
    assert shared_depth(a, b) == depth
    assert shared_depth(b, a) == depth


def test_search_finds_swedish_word_case_insensitively() -> None:
    assert ("90620000", "Snöröjning") in search_cpv("SNÖRÖJNING")
    hits = search_cpv("städning")
    assert hits[:2] == [("90900000", "Städning och renhållning"), ("90910000", "Städning")]
    depths = [(int(CPV_BY_CODE[code]["significant_digits"]), code) for code, _ in hits]
    assert depths == sorted(depths)
    assert all("städning" in label.casefold() for _, label in hits)


def test_search_limit_language_and_bad_input() -> None:
    assert len(search_cpv("a", limit=5)) == 5
    assert search_cpv("Sewer CLEANING", lang="en", limit=1) == [("90470000", "Sewer cleaning services")]
    assert search_cpv("zzzzqqq") == []
    with pytest.raises(ValueError, match="empty"):
        search_cpv("   ")
    with pytest.raises(ValueError, match="at least 1"):
        search_cpv("städ", limit=0)


def test_cpv_loads_once() -> None:
    assert cpv._table() is cpv._table()


@given(st.sampled_from(ALL_CODES), st.booleans())
def test_normalise_cpv_is_idempotent_over_the_list(code: str, with_check_digit: bool) -> None:
    raw = f"{code}-{CPV_BY_CODE[code]['check_digit']}" if with_check_digit else code
    once = normalise_cpv(raw)
    assert once == code
    assert normalise_cpv(once) == once


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_random_eight_digits_are_accepted_only_when_listed(raw: str) -> None:
    try:
        assert normalise_cpv(raw) == raw and raw in CPV_BY_CODE
    except ValueError:
        assert raw not in CPV_BY_CODE


def test_cpv_code_type_in_a_model() -> None:
    class Interest(BaseModel):
        cpv: CpvCode

    assert Interest(cpv=" 90910000-9").cpv == "90910000"
    with pytest.raises(ValidationError, match="check digit"):
        Interest(cpv="90910000-1")


# --- organisation numbers --------------------------------------------------------------------------


def _with_check_digit(nine: str) -> str:
    return f"{nine[:6]}-{nine[6:]}{luhn.calc_check_digit(nine)}"


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("212000-2080", "212000-2080"),
        ("2120002080", "212000-2080"),
        (" 556016 0680 ", "556016-0680"),
        ("16556016-0680", "556016-0680"),
        ("165560160680", "556016-0680"),
        (_with_check_digit("802481999"), _with_check_digit("802481999")),
    ],
)
def test_valid_legal_entity_numbers(raw: str, canonical: str) -> None:
    assert normalise_orgnr(raw) == canonical
    assert is_personal_number(raw) is False


def test_wrong_check_digit_orgnr() -> None:
    with pytest.raises(ValueError, match="check digit is wrong"):
        normalise_orgnr("212000-2081")


@pytest.mark.parametrize("raw", ["21200020", "21200020801", "", "5560160680555"])
def test_wrong_length_orgnr(raw: str) -> None:
    with pytest.raises(ValueError, match="expected 10 digits"):
        normalise_orgnr(raw)


@pytest.mark.parametrize("raw", ["212000/2080", "SE212000208001", "212000-208O", "２12000-2080"])
def test_wrong_characters_orgnr(raw: str) -> None:
    with pytest.raises(ValueError, match="only digits"):
        normalise_orgnr(raw)


def test_third_digit_rule() -> None:
    # Luhn-valid but the "month" 13 is no date, so neither a legal entity nor a personnummer.
    number = _with_check_digit("881320001")
    with pytest.raises(ValueError, match="third digit is below 2"):
        normalise_orgnr(number)
    with pytest.raises(ValueError, match="only used with legal entities"):
        normalise_orgnr("16" + number)


@pytest.mark.parametrize("raw", ["880320-0016", "8803200016", "19880320-0016"])
def test_sole_trader_personnummer_is_accepted_and_flagged(raw: str) -> None:
    assert normalise_orgnr(raw) == "880320-0016"
    assert is_personal_number(raw) is True


def test_personnummer_with_wrong_century_or_checksum() -> None:
    with pytest.raises(ValueError, match="check digit is wrong"):
        normalise_orgnr("880320-0018")
    with pytest.raises(ValueError, match="not a valid personnummer"):
        normalise_orgnr("19880230-0016")  # 30 February
    with pytest.raises(ValueError, match="neither '16'"):
        normalise_orgnr("17880320-0016")


def test_is_personal_number_refuses_invalid_numbers() -> None:
    with pytest.raises(ValueError):
        is_personal_number("880320-0018")


@given(st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda s: s[2] >= "2"))
def test_every_luhn_valid_legal_entity_number_is_accepted(nine: str) -> None:
    number = _with_check_digit(nine)
    assert normalise_orgnr(number.replace("-", "")) == number
    assert not is_personal_number(number)


def test_orgnr_type_in_a_model() -> None:
    class Company(BaseModel):
        orgnr: OrgNr

    assert Company(orgnr="5560160680").orgnr == "556016-0680"
    with pytest.raises(ValidationError, match="check digit"):
        Company(orgnr="556016-0681")
    assert orgnr.__doc__ is not None and "enskild firma" in orgnr.__doc__


# --- municipalities --------------------------------------------------------------------------------


def test_dalarna_has_fifteen_municipalities() -> None:
    all_of_them = dalarna_municipalities()
    assert len(all_of_them) == 15
    assert all(m.code.startswith(DALARNA_COUNTY_CODE) for m in all_of_them)
    assert all(is_swedish_municipality_code(m.code) for m in all_of_them)
    assert {m.name for m in all_of_them} >= {"Falun", "Borlänge", "Mora", "Malung-Sälen", "Älvdalen"}
    assert NUTS3_DALARNA == "SE312"
    assert get_municipality("2081").name == "Borlänge"
    assert municipalities._table() is municipalities._table()


def test_neighbours_are_symmetric_codes_in_dalarna() -> None:
    for m in dalarna_municipalities():
        assert m.neighbours and m.code not in m.neighbours
        for other in m.neighbours:
            assert m.code in get_municipality(other).neighbours
    assert "2081" in get_municipality("2080").neighbours  # Falun borders Borlänge


def test_falun_borlange_distance_is_plausible() -> None:
    # Centroid to centroid is about 43 km; the towns themselves are about 20 km apart.
    assert 35 < distance_km("2080", "2081") < 50
    assert distance_km("2080", "2081") == pytest.approx(distance_km("2081", "2080"))
    assert distance_km("2080", "2080") == 0.0
    assert 200 < distance_km("2039", "2084") < 260  # Älvdalen to Avesta, the county's long diagonal


def test_distances_satisfy_the_triangle_inequality() -> None:
    codes = [m.code for m in dalarna_municipalities()]
    for a, b, c in itertools.permutations(codes, 3):
        assert distance_km(a, c) <= distance_km(a, b) + distance_km(b, c) + 1e-9


@pytest.mark.parametrize("code", ["2000", "1999", "2099", "9999"])
def test_unknown_codes_raise(code: str) -> None:
    with pytest.raises(ValueError, match="not both Swedish municipality codes"):
        distance_km("2080", code)


def test_distances_reach_beyond_dalarna() -> None:
    # Stockholm and Kiruna are real municipalities now that the engine scores any county's events.
    assert 150 < distance_km("2080", "0180") < 250  # Falun to Stockholm
    assert distance_km("2580", "2584") > 200  # Luleå to Kiruna


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("0114", True),
        ("0980", True),
        ("2584", True),
        ("2080", True),
        ("0200", False),
        ("1101", False),
        ("2600", False),
        ("2000", False),
        ("208", False),
        ("20800", False),
        ("2080\n", False),
        (" 2080", False),
        ("２080", False),
        (2080, False),
        (None, False),
    ],
)
def test_is_swedish_municipality_code(code: object, ok: bool) -> None:
    assert is_swedish_municipality_code(code) is ok  # type: ignore[arg-type]
