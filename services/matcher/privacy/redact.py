"""Pure redaction: an erased organisation out of a stored snapshot, and its identifying strings out of any text.

A stored snapshot (``schedule_versions.snapshot``) is redacted by structure: the organisation keeps its id
(meetings of a published version stay, as the record) but its name becomes :data:`shared.privacy.ERASED_NAME`
and its contacts, representatives, description and keywords go. Everything else the matcher stores about
people is text written from those snapshots (e-mails queued in the outbox with their calendar files, the
reasons of meetings and rules), so it is redacted by value: every identifying string found in the snapshots
(the organisation's name, its people's names, e-mail addresses and phone numbers) is replaced wherever it
occurs, also inside iCalendar files, where long lines are folded and commas escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from shared.privacy import ERASED_NAME

# What stands in for a person's name, address or number.
REMOVED = "[borttagen]"
# Shorter strings are not searched for: "AB" or an initial would replace half of every text.
MIN_NEEDLE = 4
_ICS_ESCAPES = (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n"))


def _party(snapshot: Mapping[str, Any], organisation_id: UUID) -> list[dict[str, Any]]:
    wanted = str(organisation_id)
    return [
        party
        for side in ("smes", "buyers")
        for party in snapshot.get(side) or []
        if str(party.get("organisation", {}).get("id")) == wanted
    ]


def identifying_strings(snapshot: Mapping[str, Any], organisation_id: UUID) -> dict[str, str]:
    """The organisation's identifying strings in a snapshot, each mapped to what replaces it.

    Examples
    --------
    >>> org = UUID(int=1)
    >>> snap = {"smes": [{"organisation": {"id": str(org), "name": "Falu Städ AB"},
    ...          "contacts": [{"name": "Anna Berg", "email": "anna@falustad.se", "phone": "+46701234567"}]}],
    ...         "buyers": []}
    >>> sorted(identifying_strings(snap, org).items())  # doctest: +NORMALIZE_WHITESPACE
    [('+46701234567', '[borttagen]'), ('Anna Berg', '[borttagen]'), ('Falu Städ AB', 'Borttagen organisation'),
     ('anna@falustad.se', '[borttagen]')]
    >>> identifying_strings(snap, UUID(int=2))
    {}
    """
    found: dict[str, str] = {}
    for party in _party(snapshot, organisation_id):
        people = [*(party.get("contacts") or []), *(party.get("representatives") or [])]
        for person in people:
            for key in ("name", "email", "phone"):
                value = str(person.get(key) or "").strip()
                if len(value) >= MIN_NEEDLE:
                    found[value] = REMOVED
        name = str(party.get("organisation", {}).get("name") or "").strip()
        if len(name) >= MIN_NEEDLE and name != ERASED_NAME:
            found[name] = ERASED_NAME
    return found


def redact_snapshot(snapshot: Mapping[str, Any], organisation_id: UUID) -> dict[str, Any]:
    """A copy of the snapshot with the organisation anonymised (same id, no name, people, description).

    Examples
    --------
    >>> org = UUID(int=1)
    >>> snap = {"smes": [{"organisation": {"id": str(org), "name": "Falu Städ AB", "description": "Städ",
    ...          "keywords": ["städ"], "certificates": []}, "contacts": [{"name": "Anna"}]}], "buyers": []}
    >>> redacted = redact_snapshot(snap, org)
    >>> redacted["smes"][0]["organisation"]["name"], redacted["smes"][0]["contacts"], snap["smes"][0]["contacts"]
    ('Borttagen organisation', [], [{'name': 'Anna'}])
    """
    copy = _deep_copy(snapshot)
    for party in _party(copy, organisation_id):
        organisation = party["organisation"]
        organisation.update(name=ERASED_NAME, description="", keywords=[], certificates=[])
        party["contacts"] = []
        if party.get("support_note"):  # what the firm asked help with, in its own words (issue 14)
            party["support_note"] = ""
        if "representatives" in party:
            party["representatives"] = []
    return copy


def _deep_copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _deep_copy(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_deep_copy(item) for item in value]
    return value


def _pattern(needles: Mapping[str, str]) -> re.Pattern[str] | None:
    variants: dict[str, str] = {}
    for needle, replacement in needles.items():
        escaped = needle
        for raw, ics in _ICS_ESCAPES:
            escaped = escaped.replace(raw, ics)
        variants.setdefault(needle.lower(), replacement)
        variants.setdefault(escaped.lower(), replacement)
    if not variants:
        return None
    # Longest first, so an address containing the name goes whole.
    ordered = sorted(variants, key=len, reverse=True)
    return re.compile("|".join(re.escape(v) for v in ordered), re.IGNORECASE)


def _unfold(text: str) -> str:
    """iCalendar content lines unfolded (RFC 5545 3.1), so a folded needle is found."""
    return re.sub(r"\r?\n[ \t]", "", text)


def _refold(text: str) -> str:
    try:
        from icalendar import Calendar

        return Calendar.from_ical(text).to_ical().decode()
    except Exception:  # not parseable after all: unfolded lines are still valid iCalendar for readers
        return text


def scrub_text(text: str, needles: Mapping[str, str]) -> str:
    """``text`` with every needle (any case, also iCalendar-escaped or folded) replaced.

    Examples
    --------
    >>> scrub_text("Hej Anna Berg <ANNA@falustad.se>", {"Anna Berg": "[borttagen]", "anna@falustad.se": "[borttagen]"})
    'Hej [borttagen] <[borttagen]>'
    >>> folded = "SUMMARY:Möte med Berg\\\\, Anna AB och fler och fler och fler och fler och\\r\\n  fler"
    >>> ics = "BEGIN:VCALENDAR\\r\\n" + folded + "\\r\\nEND:VCALENDAR\\r\\n"
    >>> "Berg" in scrub_text(ics, {"Berg, Anna AB": "Borttagen organisation"})
    False
    """
    pattern = _pattern(needles)
    if pattern is None:
        return text
    lookup = {key.lower(): value for key, value in needles.items()}
    for needle, replacement in list(needles.items()):
        escaped = needle
        for raw, ics in _ICS_ESCAPES:
            escaped = escaped.replace(raw, ics)
        lookup.setdefault(escaped.lower(), replacement)
    calendar = "BEGIN:VCALENDAR" in text
    source = _unfold(text) if calendar else text
    result = pattern.sub(lambda match: lookup[match.group(0).lower()], source)
    if result == source:
        return text
    return _refold(result) if calendar else result


def scrub(value: Any, needles: Mapping[str, str]) -> Any:
    """Every string in a JSON-like value scrubbed (:func:`scrub_text`); keys are left alone.

    Binary attachments (base64, e.g. a PDF) of a value that mentions a needle cannot be searched, so they
    are dropped from ``attachments`` lists rather than kept unread.

    Examples
    --------
    >>> scrub({"to": "x@y.se", "text": ["Hej Anna Berg"], "n": 3}, {"Anna Berg": "[borttagen]"})
    {'to': 'x@y.se', 'text': ['Hej [borttagen]'], 'n': 3}
    """
    if not needles:
        return value
    if isinstance(value, str):
        return scrub_text(value, needles)
    if isinstance(value, Mapping):
        out = {key: scrub(item, needles) for key, item in value.items()}
        if isinstance(out.get("attachments"), list) and out != value:
            out["attachments"] = [a for a in out["attachments"] if _is_text_attachment(a)]
        return out
    if isinstance(value, list | tuple):
        return [scrub(item, needles) for item in value]
    return value


def _is_text_attachment(attachment: Any) -> bool:
    return isinstance(attachment, Mapping) and str(attachment.get("content_type", "")).startswith("text/")


def mentions(value: Any, needles: Iterable[str]) -> bool:
    """Whether any needle occurs (any case, unfolded) anywhere in a JSON-like value.

    Examples
    --------
    >>> mentions({"a": ["x", "Hej ANNA"]}, ["anna"]), mentions({"a": 1}, ["anna"])
    (True, False)
    """
    wanted = [needle.lower() for needle in needles]
    if not wanted:
        return False
    if isinstance(value, str):
        text = _unfold(value).lower()
        return any(needle in text for needle in wanted)
    if isinstance(value, Mapping):
        return any(mentions(item, wanted) for item in value.values())
    if isinstance(value, list | tuple):
        return any(mentions(item, wanted) for item in value)
    return False
