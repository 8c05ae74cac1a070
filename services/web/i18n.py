"""Swedish first, English on request: message catalogues, the page language, dates in Europe/Stockholm.

Templates and handlers write Swedish text and wrap it in ``_()``; the English catalogues
(``locale/en/*.po``, one per area so they can be edited apart) map each Swedish text to English.
A Swedish word with several meanings ("Publicerad": a need whose procurement is advertised, or a
schedule sent out) is told apart by a context: ``pgettext("need status", "Publicerad")`` in code and
templates, ``NP_(context, text)`` where a text is defined, ``msgctxt`` in the ``.po`` file.
The language of a request comes from ``?lang=`` (remembered in a cookie), then the cookie, then
Swedish — the public-sector default, whatever the browser says.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from shared import formatting

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
LOCALE_DIR = Path(__file__).parent / "locale"
_BABEL_LOCALE = {"sv": "sv_SE", "en": "en_GB"}

current_language: contextvars.ContextVar[str] = contextvars.ContextVar("web_language", default=DEFAULT_LANGUAGE)


def _po_files(language: str) -> list[Path]:
    """Every ``.po`` of ``language``, in name order (a later file's entry wins); none for Swedish."""
    return sorted((LOCALE_DIR / language).glob("*.po")) if language != DEFAULT_LANGUAGE else []


@cache
def _parsed(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=path.parent.name)


@cache
def translations(language: str) -> NullTranslations:
    """The catalogues of ``language`` merged into one set of gettext translations (none for Swedish).

    Each ``.po`` is compiled to the binary ``.mo`` form in memory when first needed, so a fresh clone
    works without a build step and the ``.po`` files stay the only source. Fuzzy and empty entries are
    left out, as gettext does: they show the Swedish text until someone translates them.

    Examples
    --------
    >>> translations("en").gettext("Logga in"), translations("sv").gettext("Logga in")
    ('Sign in', 'Logga in')
    """
    merged: Translations | None = None
    for path in _po_files(language):
        buffer = BytesIO()
        write_mo(buffer, _parsed(path))
        buffer.seek(0)
        compiled = Translations(buffer, domain=path.stem)
        merged = compiled if merged is None else merged.merge(compiled)
    return merged or NullTranslations()


@cache
def entries(language: str) -> Mapping[tuple[str | None, str], str]:
    """(context or None, Swedish text) → translation, every entry :func:`translations` holds (for tests).

    Examples
    --------
    >>> entries("en")[(None, "Publicerad")], entries("en")[("need status", "Publicerad")]
    ('Published', 'Advertised')
    """
    found: dict[tuple[str | None, str], str] = {}
    for path in _po_files(language):
        for message in _parsed(path):
            if not message.id or message.fuzzy:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for text, translated in zip(ids, strings, strict=False):
                if translated:
                    found[(message.context, str(text))] = str(translated)
    return found


@cache
def catalogue(language: str) -> Mapping[str, str]:
    """Swedish text → text in ``language`` for the entries without a context (empty for Swedish).

    Examples
    --------
    >>> catalogue("en")["Logga in"]
    'Sign in'
    >>> catalogue("sv")
    {}
    """
    return {text: translated for (context, text), translated in entries(language).items() if context is None}


class _InContext(str):
    """A Swedish text marked with its context (:func:`NP_`), so that :func:`gettext` looks it up in it."""

    context: str


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
    if isinstance(text, _InContext):
        return pgettext(text.context, str(text), **values)
    # gettext's own catalogue keeps its header under the empty text: an empty text stays empty.
    translated = translations(current_language.get()).gettext(text) if text else text
    return translated % values if values else translated


def pgettext(context: str, text: str, **values: object) -> str:
    """``text`` in the current language as meant in ``context`` (``msgctxt`` in the ``.po`` files).

    No fallback to the entry without a context: that would give the very meaning the context is there
    to avoid; the catalogue test asks for every context a text is used in.

    Examples
    --------
    >>> token = current_language.set("en")
    >>> pgettext("need status", "Publicerad"), gettext("Publicerad")
    ('Advertised', 'Published')
    >>> current_language.reset(token)
    >>> pgettext("need status", "Publicerad")
    'Publicerad'
    """
    # Babel annotates pgettext as returning ``str | object``; it returns the catalogue's text or ``text`` itself.
    translated = cast(str, translations(current_language.get()).pgettext(context, text))
    return translated % values if values else translated


def N_(text: str) -> str:
    """Mark a Swedish text for translation where it is defined; :func:`gettext` translates it where it is shown."""
    return text


def NP_(context: str, text: str) -> str:
    """Like :func:`N_` for a text with several meanings: :func:`gettext` translates it as meant in ``context``.

    Examples
    --------
    >>> token = current_language.set("en")
    >>> gettext(NP_("need status", "Publicerad"))
    'Advertised'
    >>> current_language.reset(token)
    """
    marked = _InContext(text)
    marked.context = context
    return marked


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


def format_when(moment: datetime | str, style: str = "long") -> str:
    """A date and time for people, in Stockholm time and the page language (:func:`shared.formatting.when`).

    ``style="short"`` leaves out the weekday, for a crowded table column.

    Examples
    --------
    >>> format_when("2026-11-05T08:00:00+00:00"), format_when("2026-03-12T08:30:00+00:00", "short")
    ('torsdag 5 november 2026 kl. 09:00', '12 mars 2026 kl. 09:30')
    """
    return formatting.when(moment, current_language.get(), weekday=style != "short")


def format_clock(moment: datetime | str) -> str:
    """The time of day in Stockholm, e.g. ``09:30``."""
    return formatting.clock(moment, current_language.get())


def format_day(day: date | datetime | str) -> str:
    """A date for people, e.g. ``torsdag 12 mars 2026`` (a moment: the day it falls on in Stockholm).

    Examples
    --------
    >>> format_day("2026-03-12"), format_day("2026-03-12T23:30:00+00:00")
    ('torsdag 12 mars 2026', 'fredag 13 mars 2026')
    """
    return formatting.day(day, current_language.get())
