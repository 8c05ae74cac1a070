"""Sweden's municipalities and counties (issue 15): the shipped list checked against what SCB's list must be."""

from __future__ import annotations

import csv
from collections import Counter
from importlib.resources import files

import pytest
from pydantic import BaseModel, ValidationError

from shared.reference.municipalities import (
    DALARNA_COUNTY_CODE,
    SWEDISH_COUNTY_CODES,
    MunicipalityCode,
    counties,
    dalarna_municipalities,
    find_municipality,
    get_county,
    get_municipality,
    municipalities_by_county,
    swedish_municipalities,
)

# Sweden's extent, mainland and islands (Smygehuk to Treriksröset, Koster to Haparanda Sandskär), with a margin.
SOUTH, NORTH, WEST, EAST = 55.2, 69.1, 10.9, 24.2


def _rows(name: str) -> list[dict[str, str]]:
    with files("shared.reference").joinpath("data", name).open("r", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


NATIONAL = _rows("swedish_municipalities.csv")
# The project's shared list of Dalarna's municipalities, copied into the package unchanged.
DALARNA = _rows("dalarna_municipalities.csv")


def test_the_file_has_290_municipalities_with_unique_codes_in_21_counties() -> None:
    codes = [row["code"] for row in NATIONAL]
    assert len(NATIONAL) == 290
    assert len(set(codes)) == 290
    assert codes == sorted(codes)
    assert all(len(code) == 4 and code.isdigit() and code[2:] != "00" for code in codes)
    assert len({row["name"] for row in NATIONAL}) == 290
    per_county = Counter(row["county_code"] for row in NATIONAL)
    assert set(per_county) == SWEDISH_COUNTY_CODES
    assert len(per_county) == 21
    # Västra Götaland has the most, Gotland one, Dalarna 15 (SCB, 2026).
    assert (per_county["14"], per_county["09"], per_county["20"], per_county["12"]) == (49, 1, 15, 33)
    assert all(row["code"][:2] == row["county_code"] for row in NATIONAL)


def test_each_county_has_one_name_ending_in_lan() -> None:
    names = {(row["county_code"], row["county_name"]) for row in NATIONAL}
    assert len(names) == 21
    assert all(name.endswith(" län") for _, name in names)
    assert dict(names)["20"] == "Dalarnas län"
    assert dict(names)["12"] == "Skåne län"


def test_dalarnas_fifteen_are_the_shared_list_exactly() -> None:
    national = {(row["code"], row["name"]) for row in NATIONAL if row["county_code"] == DALARNA_COUNTY_CODE}
    assert national == {(row["code"], row["name"]) for row in DALARNA}
    assert len(national) == 15


def test_every_point_is_inside_swedens_bounding_box() -> None:
    for row in NATIONAL:
        lat, lon = float(row["lat"]), float(row["lon"])
        assert SOUTH < lat < NORTH and WEST < lon < EAST, row
    by_code = {row["code"]: row for row in NATIONAL}
    # Spot checks of the ends of the country: Kiruna lies north of Malmö, Haparanda east of Strömstad.
    assert float(by_code["2584"]["lat"]) > 67 > 56 > float(by_code["1280"]["lat"])
    assert float(by_code["2583"]["lon"]) > 24 > 11.2 > float(by_code["1486"]["lon"])


def test_the_loader_gives_all_of_sweden_and_keeps_dalarnas_detail() -> None:
    all_of_them = swedish_municipalities()
    assert [m.code for m in all_of_them] == [row["code"] for row in NATIONAL]
    malmo = find_municipality("1280")
    assert malmo is not None
    assert (malmo.name, malmo.county_code, malmo.county_name, malmo.neighbours) == ("Malmö", "12", "Skåne län", ())
    assert (malmo.lat, malmo.lon) == (55.565, 13.0186)
    # Dalarna's municipalities are the same objects whichever way they are looked up, with neighbours.
    for m in dalarna_municipalities():
        assert find_municipality(m.code) is m is get_municipality(m.code)
        assert m.neighbours and m.county_name == "Dalarnas län"
    assert find_municipality("2099") is None
    with pytest.raises(ValueError, match="in Dalarna"):
        get_municipality("1280")  # the Dalarna-only lookup stays Dalarna-only


def test_counties_and_grouping_put_the_events_region_first() -> None:
    assert [c.code for c in counties()] == sorted(SWEDISH_COUNTY_CODES)
    assert get_county("25").name == "Norrbottens län"
    with pytest.raises(ValueError, match="county code"):
        get_county("11")
    groups = municipalities_by_county("21")
    assert [county.code for county, _ in groups] == ["21", *sorted(SWEDISH_COUNTY_CODES - {"21"})]
    assert sum(len(members) for _, members in groups) == 290
    gavleborg = [m.name for m in groups[0][1]]
    assert gavleborg[0] == "Bollnäs" and gavleborg[-1] == "Söderhamn"
    skane = [m.name for county, members in groups if county.code == "12" for m in members]
    assert skane.index("Åstorp") < skane.index("Ängelholm") < skane.index("Örkelljunga")
    assert skane.index("Ystad") < skane.index("Åstorp")  # å, ä, ö come after z in Swedish
    assert [c.code for c, _ in municipalities_by_county("99")][:2] == ["01", "03"]


def test_the_municipality_field_type_accepts_any_swedish_municipality_and_no_made_up_one() -> None:
    class Firm(BaseModel):
        municipality_code: MunicipalityCode

    assert Firm(municipality_code="1280").municipality_code == "1280"
    assert Firm(municipality_code="0980").municipality_code == "0980"
    for code in ("2099", "1201", "2000", "128"):
        with pytest.raises(ValidationError, match="not a Swedish municipality code"):
            Firm(municipality_code=code)
