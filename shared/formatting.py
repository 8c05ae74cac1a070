"""One way to write dates, times, amounts, phone numbers, quoted names and sorted names for people.

The web pages, the agendas (HTML, PDF, .ics) and the e-mails all format through here, so a date reads
"torsdag 5 november 2026 kl. 09:00" wherever it is shown, an amount "1 200 000 kr", a phone number
"070-174 07 58". Every function takes the reader's language (``"sv"``, the default, or ``"en"``);
the web passes the page language, the matcher the agenda's.

Conventions, and why:

- Times are Stockholm wall-clock times (the events are in Dalarna); the zone is named "svensk tid" /
  "Swedish time" to people, never "Europe/Stockholm" (:func:`zone_name`).
- Amounts and large numbers group thousands with a no-break space (U+00A0), as Swedish typography
  does and so "1 200 000 kr" never breaks across lines; the same no-break space stands before "kr".
- Phone numbers are stored in E.164 (:mod:`shared.reference.phone`); Swedish ones are shown in the
  national form people dial, others internationally. English readers get the international form of
  every number, since they may call from abroad.
- Quoted names take Swedish quotation marks, ”…” (the same mark on both sides), English ones “…”.
- Names sort the Swedish way: å, ä, ö after z, case and other accents ignored (:func:`sort_key`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo

import phonenumbers
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

__all__ = [
    "STOCKHOLM",
    "Language",
    "amount",
    "clock",
    "day",
    "number",
    "phone",
    "quoted",
    "short_day",
    "sort_key",
    "sorted_sv",
    "span",
    "when",
    "zone_name",
]

Language = Literal["sv", "en"]
STOCKHOLM = ZoneInfo("Europe/Stockholm")
NBSP = "\u00a0"
_BABEL_LOCALE = {"sv": "sv_SE", "en": "en_GB"}
_ZONE_NAMES = {"Europe/Stockholm": {"sv": "svensk tid", "en": "Swedish time"}}
T = TypeVar("T")


def _locale(lang: str) -> str:
    return _BABEL_LOCALE.get(lang, _BABEL_LOCALE["sv"])


def _moment(value: datetime | str) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _zone(time_zone: str | ZoneInfo | None) -> ZoneInfo:
    if time_zone is None:
        return STOCKHOLM
    return time_zone if isinstance(time_zone, ZoneInfo) else ZoneInfo(time_zone)


def _calendar_date(value: date | datetime | str, time_zone: str | ZoneInfo | None) -> date:
    if isinstance(value, str):
        value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    if isinstance(value, datetime):  # a moment: the date it falls on in the zone (late UTC evenings move on)
        return value.astimezone(_zone(time_zone)).date()
    return value


def phone(value: str | None, lang: str = "sv") -> str:
    """A stored (E.164) phone number as people read it: Swedish national form, or international.

    Parameters
    ----------
    value : str or None
        ``+46701740758``; anything that does not parse is shown as it is (it was typed by a person).
    lang : {'sv', 'en'}
        English readers get every number in international form.

    Returns
    -------
    str
        Empty for ``None`` or an empty value.

    Examples
    --------
    >>> phone("+46701740758"), phone("+462312345"), phone("+4681234567")
    ('070-174 07 58', '023-123 45', '08-123 45 67')
    >>> phone("+46701740758", "en"), phone("+4722123456")
    ('+46 70 174 07 58', '+47 22 12 34 56')
    >>> phone("ring växeln"), phone(None)
    ('ring växeln', '')
    """
    if not value:
        return ""
    try:
        parsed = phonenumbers.parse(value, "SE")
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_valid_number(parsed):
        return value
    national = lang == "sv" and parsed.country_code == 46
    style = phonenumbers.PhoneNumberFormat.NATIONAL if national else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(parsed, style)


def number(value: float | int, lang: str = "sv", digits: int = 0) -> str:
    """A number with grouped thousands (no-break spaces in Swedish) and ``digits`` decimals.

    Examples
    --------
    >>> number(1200000) == "1\\u00a0200\\u00a0000", number(1200000, "en"), number(44.56, digits=1)
    (True, '1,200,000', '44,6')
    """
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_locale(lang))


def amount(value: float | int | None, lang: str = "sv") -> str:
    """An amount in Swedish kronor: ``1 200 000 kr`` (no-break spaces), ``SEK 1,200,000`` in English.

    Parameters
    ----------
    value : int, float or None
        Kronor, rounded to whole kronor (procurement values are estimates); None is shown as "–".

    Examples
    --------
    >>> amount(1200000).replace("\\u00a0", " "), amount(1200000, "en"), amount(None)
    ('1 200 000 kr', 'SEK 1,200,000', '–')
    >>> amount(1200000) == "1\\u00a0200\\u00a0000\\u00a0kr"
    True
    """
    if value is None:
        return "–"
    if lang == "en":
        return f"SEK {number(value, 'en')}"
    return f"{number(value, 'sv')}{NBSP}kr"


def day(value: date | datetime | str, lang: str = "sv", time_zone: str | ZoneInfo | None = None) -> str:
    """A date with its weekday: ``torsdag 5 november 2026`` (``Thursday 5 November 2026``).

    A moment (datetime, or an ISO text with a time) is first put in the zone (Stockholm by default); a
    calendar date (``2026-11-05``) is shown as it is.

    Examples
    --------
    >>> day("2026-11-05"), day(date(2026, 11, 5), "en")
    ('torsdag 5 november 2026', 'Thursday 5 November 2026')
    >>> day("2026-11-05T23:30:00+00:00")
    'fredag 6 november 2026'
    """
    return format_date(_calendar_date(value, time_zone), "EEEE d MMMM y", locale=_locale(lang))


def short_day(value: date | datetime | str, lang: str = "sv", time_zone: str | ZoneInfo | None = None) -> str:
    """A date without its weekday, for tables and subject lines: ``5 november 2026``.

    Examples
    --------
    >>> short_day("2026-11-05"), short_day("2026-11-05", "en")
    ('5 november 2026', '5 November 2026')
    """
    return format_date(_calendar_date(value, time_zone), "d MMMM y", locale=_locale(lang))


def clock(value: datetime | str, lang: str = "sv", time_zone: str | ZoneInfo | None = None) -> str:
    """The time of day in the zone (Stockholm by default), 24-hour: ``09:00``.

    Examples
    --------
    >>> clock("2026-11-05T08:00:00+00:00"), clock("2026-07-01T08:00:00+00:00", "en")
    ('09:00', '10:00')
    """
    return format_datetime(_moment(value), "HH:mm", tzinfo=_zone(time_zone), locale=_locale(lang))


def when(
    value: datetime | str, lang: str = "sv", time_zone: str | ZoneInfo | None = None, *, weekday: bool = True
) -> str:
    """A moment for people: ``torsdag 5 november 2026 kl. 09:00`` (``Thursday 5 November 2026 at 09:00``).

    Parameters
    ----------
    value : datetime or str
        Aware (or an ISO text with an offset); shown in ``time_zone``, Stockholm by default.
    weekday : bool
        False for tables where the weekday would crowd the column: ``5 november 2026 kl. 09:00``.

    Examples
    --------
    >>> when("2026-11-05T08:00:00+00:00")
    'torsdag 5 november 2026 kl. 09:00'
    >>> when("2026-11-05T08:00:00+00:00", "en")
    'Thursday 5 November 2026 at 09:00'
    >>> when(datetime.fromisoformat("2026-03-12T08:30:00+00:00"), weekday=False)
    '12 mars 2026 kl. 09:30'
    """
    word = "'at'" if lang == "en" else "'kl.'"
    pattern = ("EEEE " if weekday else "") + f"d MMMM y {word} HH:mm"
    return format_datetime(_moment(value), pattern, tzinfo=_zone(time_zone), locale=_locale(lang))


def span(start: datetime, end: datetime, lang: str = "sv", time_zone: str | ZoneInfo | None = None) -> str:
    """A meeting's day and times: ``torsdag 5 november 2026 kl. 09:00–09:20`` (same day, as meetings are).

    Examples
    --------
    >>> start = datetime.fromisoformat("2026-11-05T08:00:00+00:00")
    >>> span(start, start.replace(minute=20)), span(start, start.replace(minute=20), "en")
    ('torsdag 5 november 2026 kl. 09:00–09:20', 'Thursday 5 November 2026, 09:00–09:20')
    """
    joint = ", " if lang == "en" else " kl. "
    times = f"{clock(start, lang, time_zone)}–{clock(end, lang, time_zone)}"
    return f"{day(start, lang, time_zone)}{joint}{times}"


def zone_name(time_zone: str | None, lang: str = "sv") -> str:
    """A time zone as people call it: ``svensk tid`` for Europe/Stockholm (any other zone by its id).

    Examples
    --------
    >>> zone_name("Europe/Stockholm"), zone_name("Europe/Stockholm", "en"), zone_name("Europe/Helsinki")
    ('svensk tid', 'Swedish time', 'Europe/Helsinki')
    """
    zone = time_zone or "Europe/Stockholm"
    names = _ZONE_NAMES.get(zone)
    return names.get(lang, names["sv"]) if names else zone


def quoted(name: str, lang: str = "sv") -> str:
    """A name in quotation marks: Swedish ``”…”``, English ``“…”``.

    Examples
    --------
    >>> quoted("Snöröjning 2027"), quoted("Snow clearing", "en")
    ('”Snöröjning 2027”', '“Snow clearing”')
    """
    return f"“{name}”" if lang == "en" else f"”{name}”"


# Swedish alphabet order after z; Danish/Norwegian æ and ø sort with ä and ö, as Swedish dictionaries do.
_AFTER_Z = {"å": "{0", "ä": "{1", "æ": "{1", "ö": "{2", "ø": "{2"}


def sort_key(text: str) -> tuple[str, str]:
    """A key that sorts names the Swedish way: a–z, then å, ä, ö; case and other accents do not count.

    ``é`` sorts as ``e`` and ``ü`` as ``u`` (folded by Unicode decomposition); å ä ö are letters of their
    own after z. Ties are broken by the text itself, so the order is total and stable.

    Examples
    --------
    >>> sorted(["Örebro", "Avesta", "Älvdalen", "Ånge", "Zinkgruvan", "Övertorneå", "Borlänge"], key=sort_key)
    ['Avesta', 'Borlänge', 'Zinkgruvan', 'Ånge', 'Älvdalen', 'Örebro', 'Övertorneå']
    >>> sorted(["Ed", "éa", "Eb"], key=sort_key)
    ['éa', 'Eb', 'Ed']
    """
    folded = []
    for char in text.casefold():
        if char in _AFTER_Z:
            folded.append(_AFTER_Z[char])  # "{" comes right after "z" in code-point order
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        folded.append(base or char)
    return "".join(folded), text


def sorted_sv(items: Iterable[T], key: Callable[[T], str] | None = None) -> list[T]:
    """``items`` in Swedish alphabetical order (of ``key(item)``, or of the items themselves).

    Examples
    --------
    >>> sorted_sv(["Mora", "Älvdalen", "Avesta"])
    ['Avesta', 'Mora', 'Älvdalen']
    >>> [m["name"] for m in sorted_sv([{"name": "Orsa"}, {"name": "Ludvika"}], key=lambda m: m["name"])]
    ['Ludvika', 'Orsa']
    """
    pick: Callable[[T], str] = key if key is not None else str  # type: ignore[assignment]
    return sorted(items, key=lambda item: sort_key(pick(item)))
