"""Sweden's 290 municipalities and 21 counties, Dalarna's in more detail, and their codes (kommunkoder).

A kommunkod has four digits: the county code (län) and two more. Dalarna is county 20 (NUTS 3: SE312).

Two tables, both in ``data/`` with their sources in ``data/README.md``:

- ``swedish_municipalities.csv``: every municipality's SCB code and name, its county, and a point (the
  Wikidata coordinate, mostly in the main town). Events anywhere in Sweden pick their region and their
  firms' municipalities from it.
- ``dalarna_municipalities.csv``: Dalarna's 15 with approximate centres of each municipality's *area* and
  their in-county neighbours. The matcher's distances are between these centres (tuned on them), so they
  run longer than the road between the towns. For Dalarna the national table keeps these centres too, so
  a code means one point wherever it is looked up.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import re
from dataclasses import dataclass
from importlib.resources import files
from typing import Annotated

from pydantic import AfterValidator

__all__ = [
    "DALARNA_COUNTY_CODE",
    "EARTH_RADIUS_KM",
    "NUTS3_DALARNA",
    "SWEDISH_COUNTY_CODES",
    "County",
    "CountyCode",
    "Municipality",
    "MunicipalityCode",
    "check_county_code",
    "check_municipality_code",
    "counties",
    "dalarna_municipalities",
    "distance_km",
    "find_municipality",
    "get_county",
    "get_municipality",
    "is_swedish_municipality_code",
    "municipalities_by_county",
    "municipality_name",
    "swedish_municipalities",
]

DALARNA_COUNTY_CODE = "20"
NUTS3_DALARNA = "SE312"
SWEDISH_COUNTY_CODES = frozenset(
    {"01", "03", "04", "05", "06", "07", "08", "09", "10", "12", "13", "14"}
    | {"17", "18", "19", "20", "21", "22", "23", "24", "25"}
)
EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
_KOMMUNKOD = re.compile(r"[0-9]{4}")


@dataclass(frozen=True, slots=True)
class County:
    """A Swedish county (län): its two-digit code and SCB's name, e.g. ``20`` and ``Dalarnas län``."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Municipality:
    """A Swedish municipality: kommunkod, name, a point (WGS84), in-county neighbours' codes and county.

    ``neighbours`` is known for Dalarna only (empty elsewhere); see the module docstring for the point.
    """

    code: str
    name: str
    lat: float
    lon: float
    neighbours: tuple[str, ...]
    county_code: str
    county_name: str


def _rows(name: str) -> list[dict[str, str]]:
    # Text over bytes: csv wants newline="", which Traversable.open() is not typed to take.
    path = files(__package__).joinpath("data", name)
    with path.open("rb") as raw, io.TextIOWrapper(raw, "utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@functools.cache
def _national() -> dict[str, Municipality]:
    """All 290 by code, read once; Dalarna's rows take their area centre and neighbours from its own file."""
    dalarna = {row["code"]: row for row in _rows("dalarna_municipalities.csv")}
    code_of = {row["name"]: row["code"] for row in dalarna.values()}
    table = {}
    for row in _rows("swedish_municipalities.csv"):
        detail = dalarna.get(row["code"])
        table[row["code"]] = Municipality(
            code=row["code"],
            name=row["name"],
            lat=float((detail or row)["lat"]),
            lon=float((detail or row)["lon"]),
            neighbours=tuple(code_of[n] for n in detail["neighbours_in_county"].split(";") if n) if detail else (),
            county_code=row["county_code"],
            county_name=row["county_name"],
        )
    return table


@functools.cache
def _table() -> dict[str, Municipality]:
    """Dalarna's municipalities by code (the national table's county 20)."""
    return {code: m for code, m in _national().items() if m.county_code == DALARNA_COUNTY_CODE}


@functools.cache
def _counties() -> dict[str, County]:
    return {m.county_code: County(m.county_code, m.county_name) for m in _national().values()}


def _swedish_order(name: str) -> str:
    """A sort key for names the Swedish way (å, ä, ö after z; case ignored): the three map to the
    characters after ``z`` in code-point order. Enough for municipality names, which have no other accents."""
    return name.casefold().translate(_AFTER_Z)


_AFTER_Z = str.maketrans({"å": "{", "ä": "|", "ö": "}"})


def dalarna_municipalities() -> tuple[Municipality, ...]:
    """Return Dalarna's 15 municipalities in code order.

    Returns
    -------
    tuple of Municipality

    Examples
    --------
    >>> [m.name for m in dalarna_municipalities()][:3]
    ['Vansbro', 'Malung-Sälen', 'Gagnef']
    >>> len(dalarna_municipalities())
    15
    """
    return tuple(sorted(_table().values(), key=lambda m: m.code))


def swedish_municipalities() -> tuple[Municipality, ...]:
    """Return all of Sweden's municipalities (SCB's 290) in code order.

    Examples
    --------
    >>> len(swedish_municipalities()), swedish_municipalities()[0].name
    (290, 'Upplands Väsby')
    >>> [(m.name, m.county_name) for m in swedish_municipalities() if m.code == "1280"]
    [('Malmö', 'Skåne län')]
    """
    return tuple(sorted(_national().values(), key=lambda m: m.code))


def find_municipality(code: str) -> Municipality | None:
    """Return the Swedish municipality with this kommunkod, or None when there is none.

    Examples
    --------
    >>> find_municipality("0180").name, find_municipality("2080").county_name
    ('Stockholm', 'Dalarnas län')
    >>> find_municipality("2099") is None, find_municipality("1280 ") is None
    (True, True)
    """
    return _national().get(code) if isinstance(code, str) else None


def counties() -> tuple[County, ...]:
    """Return Sweden's 21 counties in code order.

    Examples
    --------
    >>> len(counties()), counties()[0]
    (21, County(code='01', name='Stockholms län'))
    """
    return tuple(sorted(_counties().values(), key=lambda c: c.code))


def get_county(code: str) -> County:
    """Return the county with this two-digit code.

    Raises
    ------
    ValueError
        If ``code`` is not a county code in use.

    Examples
    --------
    >>> get_county("20").name
    'Dalarnas län'
    """
    county = _counties().get(code) if isinstance(code, str) else None
    if county is None:
        raise ValueError(f"{code!r} is not a Swedish county code (two digits such as 20)")
    return county


def municipalities_by_county(first: str | None = None) -> list[tuple[County, tuple[Municipality, ...]]]:
    """Every county with its municipalities, for pickers: county ``first`` (e.g. the event's region) leads,
    the rest follow in code order; within a county, names sort the Swedish way (å, ä, ö after z).

    Parameters
    ----------
    first : str, optional
        A county code to put first; an unknown code (or None) changes nothing.

    Examples
    --------
    >>> groups = municipalities_by_county("12")
    >>> groups[0][0].name, groups[0][1][0].name, groups[1][0].code, len(groups)
    ('Skåne län', 'Bjuv', '01', 21)
    >>> [m.name for m in municipalities_by_county()[15][1]][:3]
    ['Avesta', 'Borlänge', 'Falun']
    >>> [m.name for m in dict(municipalities_by_county())[get_county("01")]][-3:]
    ['Vaxholm', 'Värmdö', 'Österåker']
    """
    groups = [
        (
            county,
            tuple(
                sorted(
                    (m for m in _national().values() if m.county_code == county.code),
                    key=lambda m: _swedish_order(m.name),
                )
            ),
        )
        for county in counties()
    ]
    return sorted(groups, key=lambda group: group[0].code != first)


def get_municipality(code: str) -> Municipality:
    """Return the Dalarna municipality with this kommunkod.

    Parameters
    ----------
    code : str
        Four digits, e.g. ``'2080'``.

    Returns
    -------
    Municipality

    Raises
    ------
    ValueError
        If ``code`` is not one of Dalarna's municipalities.

    Examples
    --------
    >>> get_municipality("2080").name
    'Falun'
    >>> [get_municipality(c).name for c in get_municipality("2084").neighbours]
    ['Hedemora']
    """
    municipality = _table().get(code) if isinstance(code, str) else None
    if municipality is None:
        raise ValueError(f"{code!r} is not the code of a municipality in Dalarna (county {DALARNA_COUNTY_CODE})")
    return municipality


def municipality_name(code: str | None) -> str:
    """The name of the Swedish municipality with this kommunkod, else the code as given (for display).

    Examples
    --------
    >>> municipality_name("2080"), municipality_name("1280"), municipality_name("9999"), municipality_name(None)
    ('Falun', 'Malmö', '9999', '')
    """
    found = find_municipality(code) if code else None
    return found.name if found is not None else (code or "")


def is_swedish_municipality_code(code: str) -> bool:
    """Tell whether ``code`` is a well-formed Swedish kommunkod.

    Four ASCII digits whose first two are a county code in use; the last two are not ``00`` (that
    would name the county, not a municipality). Whether the municipality exists is not checked.

    Parameters
    ----------
    code : str

    Returns
    -------
    bool

    Examples
    --------
    >>> is_swedish_municipality_code("2080"), is_swedish_municipality_code("0180")
    (True, True)
    >>> is_swedish_municipality_code("1180"), is_swedish_municipality_code("208")
    (False, False)
    """
    return (
        isinstance(code, str)
        and _KOMMUNKOD.fullmatch(code) is not None
        and code[:2] in SWEDISH_COUNTY_CODES
        and code[2:] != "00"
    )


def check_municipality_code(code: str) -> str:
    """Return ``code`` when it is one of SCB's 290 kommunkoder, else raise ValueError (for validators).

    Examples
    --------
    >>> check_municipality_code("2080"), check_municipality_code("1280")
    ('2080', '1280')
    >>> check_municipality_code("2099")
    Traceback (most recent call last):
    ...
    ValueError: not a Swedish municipality code (kommunkod, four digits such as 2080)
    """
    if find_municipality(code) is None:
        raise ValueError("not a Swedish municipality code (kommunkod, four digits such as 2080)")
    return code


def check_county_code(code: str) -> str:
    """Return ``code`` when it is a Swedish county code (länskod) in use, else raise ValueError.

    Examples
    --------
    >>> check_county_code("20")
    '20'
    >>> check_county_code("02")
    Traceback (most recent call last):
    ...
    ValueError: not a Swedish county code (two digits such as 20)
    """
    if code not in SWEDISH_COUNTY_CODES:
        raise ValueError("not a Swedish county code (two digits such as 20)")
    return code


MunicipalityCode = Annotated[str, AfterValidator(check_municipality_code)]
"""A pydantic field type: the kommunkod of an existing Swedish municipality, such as ``2080`` (Falun)."""

CountyCode = Annotated[str, AfterValidator(check_county_code)]
"""A pydantic field type: a Swedish county code such as ``20`` (Dalarna)."""


def distance_km(code_a: str, code_b: str) -> float:
    """Return the great-circle (haversine) distance between two Swedish municipalities' points.

    Parameters
    ----------
    code_a, code_b : str
        Kommunkoder of any of Sweden's 290 municipalities (Dalarna's points are their area centres).

    Returns
    -------
    float
        Kilometres on a sphere of the Earth's mean radius; 0.0 for the same municipality.

    Raises
    ------
    ValueError
        If either code is not a Swedish municipality's.

    Examples
    --------
    >>> round(distance_km("2080", "2081"))  # Falun to Borlänge, centroid to centroid
    43
    >>> distance_km("2062", "2062")
    0.0
    >>> 300 < distance_km("2080", "1280") < 1000  # Falun to Malmö
    True
    """
    a, b = find_municipality(code_a), find_municipality(code_b)
    if a is None or b is None:
        raise ValueError(f"not both Swedish municipality codes: {code_a!r}, {code_b!r}")
    lat_a, lat_b = math.radians(a.lat), math.radians(b.lat)
    half_dlat = (lat_b - lat_a) / 2
    half_dlon = math.radians(b.lon - a.lon) / 2
    h = math.sin(half_dlat) ** 2 + math.cos(lat_a) * math.cos(lat_b) * math.sin(half_dlon) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
