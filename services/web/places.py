"""Sweden's counties and municipalities as the forms offer them (issue 15, "Flera kan göra som vi").

Every picker lists all 290 municipalities grouped by county, the event's region first (Dalarna where no
event is in context, as the product started there); within a county by name the Swedish way. The data and
the order come from :mod:`shared.reference.municipalities`. Place names are proper names: the same in the
English pages.
"""

from __future__ import annotations

from shared.reference.municipalities import (
    DALARNA_COUNTY_CODE,
    counties,
    find_municipality,
    municipalities_by_county,
    municipality_name,
    swedish_municipalities,
)

from .i18n import gettext as _

__all__ = [
    "county_folds",
    "county_options",
    "home_county",
    "municipality_groups",
    "municipality_name",
    "municipality_options",
]

Options = list[tuple[str, str]]


def municipality_groups(
    region: str | None = DALARNA_COUNTY_CODE, current: str | None = None
) -> list[tuple[str, Options]]:
    """(county name, [(kommunkod, name), …]) for every county, ``region``'s first; a ``current`` value that
    is no municipality (an old or odd stored code) is kept as a last group so that saving does not lose it.

    Examples
    --------
    >>> groups = municipality_groups("12")
    >>> groups[0][0], groups[0][1][:2], groups[1][0], sum(len(options) for _, options in groups)
    ('Skåne län', [('1260', 'Bjuv'), ('1272', 'Bromölla')], 'Stockholms län', 290)
    >>> municipality_groups()[0][0], municipality_groups(current="9999")[-1]
    ('Dalarnas län', ('Annan kod', [('9999', '9999')]))
    """
    groups = [
        (county.name, [(m.code, m.name) for m in members]) for county, members in municipalities_by_county(region)
    ]
    if current and find_municipality(current) is None:
        groups.append((_("Annan kod"), [(current, current)]))
    return groups


def home_county(municipality_code: str | None) -> str:
    """The county of an organisation's seat, for its own pickers; Dalarna when the code is none (a new
    organisation that has not chosen yet, or an odd stored code).

    Examples
    --------
    >>> home_county("1280"), home_county(""), home_county("9999"), home_county(None)
    ('12', '20', '20', '20')
    """
    home = find_municipality(municipality_code) if municipality_code else None
    return home.county_code if home is not None else DALARNA_COUNTY_CODE


def county_folds(region: str | None = DALARNA_COUNTY_CODE) -> list[tuple[str, str, Options]]:
    """(county code, county name, [(kommunkod, name), …]) for every county, ``region``'s first: the served
    areas' picker offers each county whole (the registry's ``areas_served.counties``) beside its municipalities.

    Examples
    --------
    >>> folds = county_folds("12")
    >>> folds[0][:2], folds[0][2][0], folds[1][:2], len(folds)
    (('12', 'Skåne län'), ('1260', 'Bjuv'), ('01', 'Stockholms län'), 21)
    """
    return [
        (county.code, county.name, [(m.code, m.name) for m in members])
        for county, members in municipalities_by_county(region)
    ]


def municipality_options() -> Options:
    """Every municipality as (kommunkod, name), in code order: for looking names up."""
    return [(m.code, m.name) for m in swedish_municipalities()]


def county_options() -> Options:
    """The 21 counties as (code, name) in code order, for the event's region.

    Examples
    --------
    >>> county_options()[0], dict(county_options())["20"], len(county_options())
    (('01', 'Stockholms län'), 'Dalarnas län', 21)
    """
    return [(county.code, county.name) for county in counties()]
