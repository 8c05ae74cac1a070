"""The sign-up pages' lists in order of fit: a firm's needs to rank, a buyer's firms to wish for.

The order and each row's short reason come from the matcher (``GET /events/{id}/relevance``, see
:meth:`.backend.Backend.relevance`); this module turns them into rows for people: names instead of codes
(municipality names, CPV labels), firms of the same name told apart by their org.nr, a search text per row
that the filter box matches both here (without JavaScript: a submit that keeps everything typed) and in the
browser (``static/js/list-filter.js``, the same rule: every word typed is part of the row's text), and the
ranks checked so that two rows with the same number are refused instead of silently renumbered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from shared.reference.cpv import cpv_label
from shared.reference.municipalities import municipality_name

from .i18n import gettext as _

NO_SCORE = -1  # rows the matcher did not score (not at the event, or the matcher unavailable) go last


def cpv_text(code: str | None, lang: str) -> str:
    """``90910000 Städning``: a code with its label in the page language (the code alone when unknown).

    Examples
    --------
    >>> cpv_text("90910000", "sv"), cpv_text("90910000", "en"), cpv_text("12", "sv"), cpv_text("", "sv")
    ('90910000 Städning', '90910000 Cleaning services', '12', '')
    """
    if not code:
        return ""
    try:
        return f"{code} {cpv_label(code, 'en' if lang == 'en' else 'sv')}"
    except (KeyError, ValueError):
        return code


def search_text(*parts: str | None) -> str:
    """What the filter box searches in a row: its visible words, lower case, in one string.

    Examples
    --------
    >>> search_text("Falu Städ AB", None, "90910000 Städning")
    'falu städ ab 90910000 städning'
    """
    return " ".join(part.strip().casefold() for part in parts if part and part.strip())


def matches(text: str, query: str) -> bool:
    """Every word of ``query`` is part of ``text`` (an empty query matches everything).

    Examples
    --------
    >>> matches("falu städ ab falun", "städ falun"), matches("falu städ ab", "bygg"), matches("x", " ")
    (True, False, True)
    """
    return all(word in text for word in query.casefold().split())


def _reason(item: Mapping[str, Any] | None, lang: str) -> str:
    if not item:
        return ""
    return str(item.get("reason_en" if lang == "en" else "reason_sv") or "")


def need_rows(
    rows: list[dict[str, Any]], relevance: Mapping[str, Mapping[str, Any]], lang: str, query: str = ""
) -> list[dict[str, Any]]:
    """A firm's needs to rank, best fit first (those not scored last, in the page's order), each with its
    reason, main CPV code's label, delivery municipality's name, search text and whether the filter hides it.

    Examples
    --------
    >>> rows = [{"id": "a", "title": "Snöröjning", "buyer": "Falu kommun"},
    ...         {"id": "b", "title": "Lokalvård", "buyer": "Falu kommun"}]
    >>> scored = {"b": {"score": 80, "reason_sv": "Passar er: samma CPV-kod.", "cpv_main": "90910000",
    ...                 "municipality_code": "2080"}}
    >>> [(row["id"], row["cpv_text"], row["place"]) for row in need_rows(rows, scored, "sv")]
    [('b', '90910000 Städning', 'Falun'), ('a', '', '')]
    >>> [row["hidden"] for row in need_rows(rows, scored, "sv", "städning")]
    [False, True]
    """
    out = []
    for position, row in enumerate(rows):
        item = relevance.get(str(row["id"]))
        cpv = cpv_text(item.get("cpv_main") if item else None, lang)
        place = municipality_name(item.get("municipality_code") if item else None)
        reason = _reason(item, lang)
        text = search_text(row["title"], row["buyer"], cpv, place, reason)
        score = int(item["score"]) if item else NO_SCORE
        out.append({**row, "score": score, "reason": reason, "cpv_text": cpv, "place": place,
                    "search": text, "hidden": not matches(text, query), "_position": position})  # fmt: skip
    out.sort(key=lambda row: (-row["score"], row["_position"]))
    return out


def firm_rows(
    firms: Iterable[Mapping[str, Any]], relevance: Mapping[str, Mapping[str, Any]], lang: str, query: str = ""
) -> list[dict[str, Any]]:
    """A buyer's firms to wish for: the event's firms best fit first, then the others by name.

    ``firms`` are the registry's organisations (with org.nr and CPV codes) and the matcher's items for firms
    at the event the registry list did not bring (``organisation_id``, ``name``, ``municipality_code``, the
    best-matching ``cpv_main``). Each row names its municipality and up to three CPV labels; ``same_name``
    says another row has the same name, so the page shows the org.nr.

    Examples
    --------
    >>> firms = [{"id": "1", "name": "Städ AB", "municipality_code": "2080", "orgnr": "556000-0001",
    ...           "cpv_codes": ["90910000"]},
    ...          {"id": "2", "name": "Städ AB", "municipality_code": "2062", "orgnr": "556000-0002",
    ...           "cpv_codes": ["90911200"]}]
    >>> rows = firm_rows(firms, {"2": {"score": 70, "reason_sv": "Passar er: …"}}, "sv")
    >>> [(row["id"], row["place"], row["same_name"], row["at_event"]) for row in rows]
    [('2', 'Mora', True, True), ('1', 'Falun', True, False)]
    """
    rows: dict[str, dict[str, Any]] = {}
    for firm in firms:
        firm_id = str(firm.get("id") or firm.get("organisation_id"))
        if firm_id in rows:
            continue
        item = relevance.get(firm_id)
        codes = list(firm.get("cpv_codes") or ([firm["cpv_main"]] if firm.get("cpv_main") else []))
        cpv = [cpv_text(code, lang) for code in codes[:3]]
        place = municipality_name(firm.get("municipality_code"))
        reason = _reason(item, lang)
        orgnr = firm.get("orgnr") or ""
        text = search_text(firm["name"], place, orgnr, *cpv, reason)
        rows[firm_id] = {
            "id": firm_id, "name": firm["name"], "orgnr": orgnr, "place": place, "cpv": cpv,
            "more_cpv": len(codes) > 3, "score": int(item["score"]) if item else NO_SCORE, "reason": reason,
            "at_event": item is not None, "search": text, "hidden": not matches(text, query),
        }  # fmt: skip
    names = Counter(row["name"].casefold() for row in rows.values())
    for row in rows.values():
        row["same_name"] = names[row["name"].casefold()] > 1
    return sorted(rows.values(), key=lambda row: (-row["score"], row["name"].casefold(), row["orgnr"], row["id"]))


def _count_word(count: int) -> str:
    return _("Två") if count == 2 else str(count)


def duplicate_ranks(ranks: Mapping[str, str]) -> dict[str, str]:
    """Fields whose rank another field has too, each with a message that says so (nothing is renumbered).

    ``ranks`` is field name → rank as typed; only whole numbers are compared (other mistakes have their own
    messages).

    Examples
    --------
    >>> duplicate_ranks({"rank.a": "1", "rank.b": "1", "rank.c": "2", "rank.d": ""})
    {'rank.a': 'Två önskemål har rang 1 – välj olika rangordning.', 'rank.b': 'Två önskemål har rang 1 – välj olika rangordning.'}
    """  # noqa: E501
    numbers = {name: int(value) for name, value in ranks.items() if value.strip().isdigit()}
    counts = Counter(numbers.values())
    return {
        name: _("%(count)s önskemål har rang %(rank)s – välj olika rangordning.", count=_count_word(counts[rank]),
                rank=rank)
        for name, rank in numbers.items()
        if counts[rank] > 1
    }  # fmt: skip
