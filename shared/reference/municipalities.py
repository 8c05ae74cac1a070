"""Dalarna's 15 municipalities and Swedish municipality codes (kommunkoder).

A kommunkod has four digits: the county code (län) and two more. Dalarna is county 20 (NUTS 3: SE312).
Centroids in ``data/dalarna_municipalities.csv`` are approximate centres of each municipality's area, not
of its main town, so distances between them are rough and run longer than the road between the towns.
"""

from __future__ import annotations

import csv
import functools
import math
import re
from dataclasses import dataclass
from importlib.resources import files
from typing import Annotated

from pydantic import AfterValidator

__all__ = [
    "DALARNA_COUNTY_CODE",
    "NUTS3_DALARNA",
    "SWEDISH_COUNTY_CODES",
    "CountyCode",
    "Municipality",
    "MunicipalityCode",
    "check_county_code",
    "check_municipality_code",
    "dalarna_municipalities",
    "distance_km",
    "get_municipality",
    "is_swedish_municipality_code",
]

DALARNA_COUNTY_CODE = "20"
NUTS3_DALARNA = "SE312"
SWEDISH_COUNTY_CODES = frozenset(
    {"01", "03", "04", "05", "06", "07", "08", "09", "10", "12", "13", "14"}
    | {"17", "18", "19", "20", "21", "22", "23", "24", "25"}
)
_EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
_KOMMUNKOD = re.compile(r"[0-9]{4}")


@dataclass(frozen=True, slots=True)
class Municipality:
    """A Dalarna municipality: kommunkod, name, approximate centroid and in-county neighbours' codes."""

    code: str
    name: str
    lat: float
    lon: float
    neighbours: tuple[str, ...]


@functools.cache
def _table() -> dict[str, Municipality]:
    """Dalarna's municipalities by code, read once from the packaged CSV (neighbour names become codes)."""
    path = files(__package__).joinpath("data", "dalarna_municipalities.csv")
    with path.open("r", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    code_of = {row["name"]: row["code"] for row in rows}
    return {
        row["code"]: Municipality(
            code=row["code"],
            name=row["name"],
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            neighbours=tuple(code_of[name] for name in row["neighbours_in_county"].split(";") if name),
        )
        for row in rows
    }


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
    """Return ``code`` when it is a well-formed Swedish kommunkod, else raise ValueError (for validators).

    Examples
    --------
    >>> check_municipality_code("2080")
    '2080'
    >>> check_municipality_code("2000")
    Traceback (most recent call last):
    ...
    ValueError: not a Swedish municipality code (kommunkod, four digits such as 2080)
    """
    if not is_swedish_municipality_code(code):
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
"""A pydantic field type: a Swedish kommunkod such as ``2080`` (Falun)."""

CountyCode = Annotated[str, AfterValidator(check_county_code)]
"""A pydantic field type: a Swedish county code such as ``20`` (Dalarna)."""


def distance_km(code_a: str, code_b: str) -> float:
    """Return the great-circle (haversine) distance between two Dalarna municipalities' centroids.

    Parameters
    ----------
    code_a, code_b : str
        Kommunkoder of municipalities in Dalarna.

    Returns
    -------
    float
        Kilometres on a sphere of the Earth's mean radius; 0.0 for the same municipality.

    Raises
    ------
    ValueError
        If either code is not a Dalarna municipality.

    Examples
    --------
    >>> round(distance_km("2080", "2081"))  # Falun to Borlänge, centroid to centroid
    43
    >>> distance_km("2062", "2062")
    0.0
    """
    a, b = get_municipality(code_a), get_municipality(code_b)
    lat_a, lat_b = math.radians(a.lat), math.radians(b.lat)
    half_dlat = (lat_b - lat_a) / 2
    half_dlon = math.radians(b.lon - a.lon) / 2
    h = math.sin(half_dlat) ** 2 + math.cos(lat_a) * math.cos(lat_b) * math.sin(half_dlon) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
