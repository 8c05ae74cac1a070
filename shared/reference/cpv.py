"""CPV 2008 (Common Procurement Vocabulary) codes: validation, labels, hierarchy and label search.

A CPV code is written ``NNNNNNNN-D``: eight digits and a check digit. The eight digits are the key; the
check digit is optional on input but must match the official one when given. The hierarchy comes from the
``parent`` column of ``data/cpv_2008.csv``; levels are counted in significant digits (2 division, 3 group,
4 class, 5 category, 6–8 finer). The tree skips levels in places (a level-7 code may hang directly below a
level-5 code), so depths always come from the data, never from counting trailing zeros.

Source: the EU's CPV 2008 vocabulary as packaged in the MIT-licensed repository xterr/php-cpvcodes
(English and Swedish labels); see ``data/README.md``.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass
from importlib.resources import files
from typing import Annotated, Literal

from pydantic import AfterValidator

__all__ = ["CpvCode", "CpvEntry", "cpv_ancestors", "cpv_label", "normalise_cpv", "search_cpv", "shared_depth"]

_FORMAT = re.compile(r"([0-9]{8})(?:-([0-9]))?")


@dataclass(frozen=True, slots=True)
class CpvEntry:
    """One row of the CPV 2008 list."""

    code: str
    check_digit: str
    parent: str | None
    significant_digits: int
    type: str
    label_en: str
    label_sv: str


@functools.cache
def _table() -> dict[str, CpvEntry]:
    """All CPV 2008 codes by 8-digit code, read once from the packaged CSV."""
    path = files(__package__).joinpath("data", "cpv_2008.csv")
    # Text over bytes: csv wants newline="", which Traversable.open() is not typed to take.
    with path.open("rb") as raw, io.TextIOWrapper(raw, "utf-8", newline="") as handle:
        return {
            row["code"]: CpvEntry(
                code=row["code"],
                check_digit=row["check_digit"],
                parent=row["parent"] or None,
                significant_digits=int(row["significant_digits"]),
                type=row["type"],
                label_en=row["label_en"],
                label_sv=row["label_sv"],
            )
            for row in csv.DictReader(handle)
        }


def normalise_cpv(value: str) -> str:
    """Validate a CPV 2008 code and return its eight digits.

    Parameters
    ----------
    value : str
        ``NNNNNNNN`` or ``NNNNNNNN-D``; surrounding whitespace is ignored.

    Returns
    -------
    str
        The 8-digit code, without the check digit.

    Raises
    ------
    ValueError
        If the format is wrong, the check digit does not match, or the code is not in CPV 2008.

    Examples
    --------
    >>> normalise_cpv(" 90910000-9 ")
    '90910000'
    >>> normalise_cpv("90910000-1")
    Traceback (most recent call last):
    ...
    ValueError: CPV code 90910000 has check digit 9, not 1
    """
    if not isinstance(value, str):
        raise ValueError(f"a CPV code must be a string, not {type(value).__name__}")
    match = _FORMAT.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"{value!r} is not a CPV code: expected 8 digits, optionally '-' and a check digit")
    code, check_digit = match.groups()
    entry = _table().get(code)
    if entry is None:
        raise ValueError(f"{code} is not a code in CPV 2008")
    if check_digit is not None and check_digit != entry.check_digit:
        raise ValueError(f"CPV code {code} has check digit {entry.check_digit}, not {check_digit}")
    return code


CpvCode = Annotated[str, AfterValidator(normalise_cpv)]
"""A CPV 2008 code for pydantic models: accepts ``NNNNNNNN`` or ``NNNNNNNN-D``, stores the 8 digits."""


def cpv_label(code: str, lang: Literal["sv", "en"] = "sv") -> str:
    """Return the label of a CPV code in Swedish or English.

    Parameters
    ----------
    code : str
        Any form :func:`normalise_cpv` accepts.
    lang : {'sv', 'en'}
        Label language.

    Returns
    -------
    str
        The label.

    Examples
    --------
    >>> cpv_label("90910000-9")
    'Städning'
    >>> cpv_label("90910000", lang="en")
    'Cleaning services'
    """
    entry = _table()[normalise_cpv(code)]
    if lang == "sv":
        return entry.label_sv
    if lang == "en":
        return entry.label_en
    raise ValueError(f"unknown label language {lang!r}: use 'sv' or 'en'")


def cpv_ancestors(code: str) -> list[str]:
    """Return the parent chain of a CPV code, nearest parent first, ending at its division.

    Parameters
    ----------
    code : str
        Any form :func:`normalise_cpv` accepts.

    Returns
    -------
    list of str
        8-digit codes; empty for a division.

    Examples
    --------
    >>> cpv_ancestors("90911200")
    ['90911000', '90910000', '90900000', '90000000']
    >>> cpv_ancestors("90000000-7")
    []
    """
    table = _table()
    chain: list[str] = []
    parent = table[normalise_cpv(code)].parent
    while parent is not None:
        chain.append(parent)
        parent = table[parent].parent
    return chain


def shared_depth(a: str, b: str) -> int:
    """Return how deep in the CPV hierarchy two codes still agree.

    The result is the number of significant digits of the deepest code that is ``a`` or one of its
    ancestors and also ``b`` or one of its ancestors: 0 for different divisions, 2 for the same
    division, 3 for the same group, 4 for the same class, 5 for the same category, up to 8. Where the
    tree skips a level, so does the depth: two level-7 siblings below a level-5 code share depth 5.

    Parameters
    ----------
    a, b : str
        Any forms :func:`normalise_cpv` accepts.

    Returns
    -------
    int
        0, or 2 to 8.

    Examples
    --------
    >>> shared_depth("90911200", "90919200")  # both cleaning services (class 9091)
    4
    >>> shared_depth("90910000", "90911200")  # one is inside the other's class
    4
    >>> shared_depth("90910000", "45000000")
    0
    """
    table = _table()
    code_a, code_b = normalise_cpv(a), normalise_cpv(b)
    lineage_a = {code_a, *cpv_ancestors(code_a)}
    common = [code for code in (code_b, *cpv_ancestors(code_b)) if code in lineage_a]
    return table[common[0]].significant_digits if common else 0


def search_cpv(text: str, lang: Literal["sv", "en"] = "sv", limit: int = 20) -> list[tuple[str, str]]:
    """Find CPV codes whose label contains ``text``, ignoring case.

    Parameters
    ----------
    text : str
        The substring to look for (å, ä and ö compare case-insensitively like any other letter).
    lang : {'sv', 'en'}
        Which labels to search and return.
    limit : int
        At most this many results.

    Returns
    -------
    list of (str, str)
        ``(code, label)`` pairs, broadest level first, then by code.

    Examples
    --------
    >>> search_cpv("STÄDNING", limit=2)
    [('90900000', 'Städning och renhållning'), ('90910000', 'Städning')]
    >>> search_cpv("snow-clearing", lang="en")
    [('90620000', 'Snow-clearing services')]
    """
    if lang not in ("sv", "en"):
        raise ValueError(f"unknown label language {lang!r}: use 'sv' or 'en'")
    needle = text.strip().casefold()
    if not needle:
        raise ValueError("search text must not be empty")
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    hits = [
        entry
        for entry in _table().values()
        if needle in (entry.label_sv if lang == "sv" else entry.label_en).casefold()
    ]
    hits.sort(key=lambda entry: (entry.significant_digits, entry.code))
    return [(entry.code, entry.label_sv if lang == "sv" else entry.label_en) for entry in hits[:limit]]
