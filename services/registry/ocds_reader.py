"""Reading untrusted OCDS JSON: a walker that collects every error with its pointer, and the pieces of a
release that need care (dates in Stockholm, CPV classifications, the buyer party and its org.nr).

Used by :func:`services.registry.ocds.release_to_fields`; pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from shared.errors import FieldError
from shared.reference.orgnr import normalise_orgnr

# org-id.guide's scheme for Bolagsverket's organisationsnummer; the misspelling SE-BOLV is accepted on input.
ORG_ID_SCHEME = "SE-BLV"
ORG_ID_SCHEMES_ACCEPTED = frozenset({"SE-BLV", "SE-BOLV"})
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def day_from_ocds(value: object) -> date:
    """The day in Stockholm of an OCDS date-time (a plain date is accepted too).

    Examples
    --------
    >>> day_from_ocds("2026-03-01T00:00:00+01:00"), day_from_ocds("2026-02-28T23:30:00Z")
    (datetime.date(2026, 3, 1), datetime.date(2026, 3, 1))
    """
    if not isinstance(value, str):
        raise ValueError("expected a date-time string")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=STOCKHOLM)
    return parsed.astimezone(STOCKHOLM).date()


def instant_from_ocds(value: object) -> datetime:
    """An OCDS date-time as an aware instant (one without an offset is taken as Stockholm time).

    Examples
    --------
    >>> instant_from_ocds("2026-03-01T09:00:00+01:00").isoformat()
    '2026-03-01T09:00:00+01:00'
    >>> instant_from_ocds("2026-03-01").tzinfo is STOCKHOLM
    True
    """
    if not isinstance(value, str):
        raise ValueError("expected a date-time string")
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=STOCKHOLM)


class ReleaseReader:
    """Walks one release, collecting errors instead of stopping at the first."""

    def __init__(self, pointer: str) -> None:
        self.pointer = pointer
        self.errors: list[FieldError] = []

    def error(self, where: str, code: str, detail: str) -> None:
        self.errors.append(FieldError(pointer=self.pointer + where, code=code, detail=detail))

    def obj(self, parent: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
        value = parent.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(f"{where}/{key}", "type", "Expected an object.")
            return {}
        return value

    def arr(self, parent: Mapping[str, Any], key: str, where: str) -> list[Any]:
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(f"{where}/{key}", "type", "Expected an array.")
            return []
        return value

    def amount(self, value: Mapping[str, Any], where: str) -> int | None:
        """Whole kronor of an OCDS Value object; only SEK is accepted."""
        if not value:
            return None
        currency, amount = value.get("currency"), value.get("amount")
        if currency != "SEK":
            self.error(f"{where}/currency", "unsupported_currency", "Only amounts in SEK are accepted.")
            return None
        if isinstance(amount, bool) or not isinstance(amount, int | float):
            self.error(f"{where}/amount", "type", "Expected a number.")
            return None
        return int(Decimal(str(amount)).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def _parsed(self, parent: Mapping[str, Any], key: str, where: str, parse: Callable[[object], Any]) -> Any:
        if parent.get(key) is None:
            return None
        try:
            return parse(parent[key])
        except ValueError:
            self.error(f"{where}/{key}", "date_time", "Expected an ISO 8601 date-time.")
            return None

    def instant(self, parent: Mapping[str, Any], key: str, where: str) -> datetime | None:
        return self._parsed(parent, key, where, instant_from_ocds)

    def day(self, period: Mapping[str, Any], key: str, where: str) -> date | None:
        return self._parsed(period, key, where, day_from_ocds)


def cpv_of(item: Mapping[str, Any], where: str) -> list[tuple[str, str]]:
    """(code, source pointer) of an item's CPV classification and additional classifications."""
    found = []
    classifications = [("classification", item.get("classification"))]
    extra = item.get("additionalClassifications")
    if isinstance(extra, list):
        classifications += [(f"additionalClassifications/{k}", c) for k, c in enumerate(extra)]
    for path, classification in classifications:
        if isinstance(classification, dict) and str(classification.get("scheme", "")).upper() == "CPV":
            code = classification.get("id")
            found.append((code if isinstance(code, str) else str(code), f"{where}/{path}/id"))
    return found


def find_buyer(reader: ReleaseReader, release: Mapping[str, Any]) -> tuple[int, dict[str, Any]] | None:
    """The buyer party (named by ``buyer.id``, else the first with role buyer) and its index in ``parties``."""
    parties = reader.arr(release, "parties", "")
    buyer_id = reader.obj(release, "buyer", "").get("id")
    for index, party in enumerate(parties):
        if isinstance(party, dict) and buyer_id is not None and party.get("id") == buyer_id:
            return index, party
    for index, party in enumerate(parties):
        if isinstance(party, dict) and "buyer" in (party.get("roles") or []):
            return index, party
    reader.error("/buyer", "missing", "No party with role buyer (or named by buyer.id).")
    return None


def party_orgnr(reader: ReleaseReader, party: Mapping[str, Any], where: str) -> tuple[str | None, str]:
    """A party's organisationsnummer (scheme SE-BLV) and its pointer; None when it has no such identifier.

    An identifier with the scheme but an invalid number is an error (pointed at its ``id``).
    """
    candidates = [("identifier", party.get("identifier"))]
    extra = party.get("additionalIdentifiers")
    if isinstance(extra, list):
        candidates += [(f"additionalIdentifiers/{k}", ident) for k, ident in enumerate(extra)]
    for path, ident in candidates:
        if isinstance(ident, dict) and ident.get("scheme") in ORG_ID_SCHEMES_ACCEPTED:
            pointer = f"{where}/{path}/id"
            try:
                return normalise_orgnr(str(ident.get("id", ""))), pointer
            except ValueError as error:
                reader.error(pointer, "invalid_orgnr", str(error))
                return "", pointer
    return None, f"{where}/identifier"


def buyer_orgnr(reader: ReleaseReader, party: Mapping[str, Any], where: str) -> tuple[str, str]:
    """The party's organisationsnummer (scheme SE-BLV) and the pointer it came from ("" when missing)."""
    orgnr, pointer = party_orgnr(reader, party, where)
    if orgnr is None:
        reader.error(pointer, "missing", f"The buyer needs an identifier with scheme {ORG_ID_SCHEME}.")
        return "", pointer
    return orgnr, pointer
