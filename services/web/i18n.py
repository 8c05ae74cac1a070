"""Swedish first, English on request: message catalogues, the page language, dates in Europe/Stockholm.

Templates and handlers write Swedish text and wrap it in ``_()``; the English catalogues
(``locale/en/*.po``, one per area so they can be edited apart) map each Swedish text to English.
The language of a request comes from ``?lang=`` (remembered in a cookie), then the cookie, then
Swedish — the public-sector default, whatever the browser says.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from babel.messages.pofile import read_po

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
LOCALE_DIR = Path(__file__).parent / "locale"
_BABEL_LOCALE = {"sv": "sv_SE", "en": "en_GB"}

current_language: contextvars.ContextVar[str] = contextvars.ContextVar("web_language", default=DEFAULT_LANGUAGE)


@cache
def catalogue(language: str) -> Mapping[str, str]:
    """Swedish text → text in ``language`` (empty for Swedish), from every ``.po`` file of that language.

    Examples
    --------
    >>> catalogue("en")["Logga in"]
    'Sign in'
    >>> catalogue("sv")
    {}
    """
    messages: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / language).glob("*.po")) if language != DEFAULT_LANGUAGE else ():
        with path.open("rb") as handle:
            for message in read_po(handle):
                if message.id and message.string:
                    messages[str(message.id)] = str(message.string)
    return messages


def gettext(text: str, **values: object) -> str:
    """``text`` in the current language, with ``%(name)s`` placeholders filled in.

    Examples
    --------
    >>> token = current_language.set("en")
    >>> gettext("Logga in")
    'Sign in'
    >>> current_language.reset(token)
    >>> gettext("Logga in")
    'Logga in'
    """
    translated = catalogue(current_language.get()).get(text, text)
    return translated % values if values else translated


def N_(text: str) -> str:
    """Mark a Swedish text for translation where it is defined; :func:`gettext` translates it where it is shown."""
    return text


def ngettext(singular: str, plural: str, n: int, **values: object) -> str:
    """Singular or plural form (Swedish and English both have two), ``%(num)d`` filled with ``n``."""
    return gettext(singular if n == 1 else plural, num=n, **values)


def pick_language(query_value: str | None, cookie_value: str | None) -> str:
    """The page language: an explicit choice wins, then the remembered one, then Swedish.

    Examples
    --------
    >>> pick_language("en", None), pick_language(None, "en"), pick_language("xx", None)
    ('en', 'en', 'sv')
    """
    for candidate in (query_value, cookie_value):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE


def local(moment: datetime) -> datetime:
    """An aware time as Stockholm wall-clock time."""
    return moment.astimezone(STOCKHOLM)


def _parse(moment: datetime | str) -> datetime:
    return datetime.fromisoformat(moment) if isinstance(moment, str) else moment


def format_when(moment: datetime | str, style: str = "medium") -> str:
    """A date and time for people, in Stockholm time and the page language.

    Examples
    --------
    >>> format_when("2026-03-12T08:30:00+00:00")
    '12 mars 2026 09:30'
    """
    pattern = {"medium": "d MMMM y HH:mm", "long": "EEEE d MMMM y HH:mm"}.get(style, style)
    return format_datetime(_parse(moment), pattern, tzinfo=STOCKHOLM, locale=_BABEL_LOCALE[current_language.get()])


def format_clock(moment: datetime | str) -> str:
    """The time of day in Stockholm, e.g. ``09:30``."""
    return format_time(_parse(moment), "HH:mm", tzinfo=STOCKHOLM, locale=_BABEL_LOCALE[current_language.get()])


def format_day(day: date | datetime | str) -> str:
    """A date for people, e.g. ``torsdag 12 mars 2026``.

    Examples
    --------
    >>> format_day("2026-03-12"), format_day("2026-03-12T23:30:00+00:00")
    ('torsdag 12 mars 2026', 'fredag 13 mars 2026')
    """
    if isinstance(day, str) and len(day) == 10:
        day = date.fromisoformat(day)  # a calendar date: no time zone to convert
    value = day if isinstance(day, date) else _parse(day)
    if isinstance(value, datetime):
        value = local(value).date()
    return format_date(value, "EEEE d MMMM y", locale=_BABEL_LOCALE[current_language.get()])
