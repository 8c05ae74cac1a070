"""Text as people type it: the string types every request model of both services uses.

Two kinds of text, one rule about NUL:

- **single line** (:func:`single_line`; names, titles, labels, venues): line breaks and tabs become
  spaces; every other control character (C0, DEL, C1) and every bidirectional formatting character
  (embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069, the marks U+200E, U+200F, U+061C) is
  removed. Agendas, table sheets, .ics files and CSV exports print these names beside each other: an
  override (U+202E) would turn what follows it around, and a line break would start a new line in an
  iCalendar SUMMARY or a spreadsheet cell.
- **multi-line** (:func:`multi_line`; descriptions, notes, reasons): the same, but ``\\n`` and ``\\t`` stay
  (``\\r\\n``, ``\\r`` and U+2028/U+2029 become ``\\n``).
- **NUL** (U+0000) is refused in both with the code ``string_nul``: PostgreSQL cannot store it in text
  or jsonb, and no one types it. (:mod:`shared.json_body` refuses it in every string of a body, even in
  fields typed as plain ``str``.)

Cleaning runs before pydantic's own checks, so ``strip_whitespace`` and the length limits apply to the
cleaned text and their errors keep pydantic's codes (``string_too_short``, ``string_too_long``).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

__all__ = [
    "BIDI_CONTROLS",
    "NUL_CODE",
    "NUL_DETAIL",
    "Name",
    "Reason",
    "Title",
    "clean_line",
    "clean_text",
    "multi_line",
    "refuse_nul",
    "single_line",
]

NUL_CODE = "string_nul"
NUL_DETAIL = "Text must not contain the NUL character (U+0000)."

# Bidirectional formatting characters: embeddings and overrides, isolates, and the invisible marks.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Line and paragraph breaks of every kind (C0 ones, NEL, and Unicode's line/paragraph separators).
_BREAKS_CLASS = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x85\u2028\u2029"
_LINE_BREAKS = re.compile(f"[{_BREAKS_CLASS}]")
_MULTI_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# What is left to remove after breaks are handled: C0 (NUL is refused before), DEL, C1 and bidi controls.
_LINE_DROP = re.compile(f"[\x01-\x1f\x7f-\x9f{BIDI_CONTROLS}]")
_TEXT_DROP = re.compile(f"[\x01-\x08\x0b-\x1f\x7f-\x9f{BIDI_CONTROLS}]")


def refuse_nul(value: str) -> str:
    """Return ``value`` unchanged, or raise the ``string_nul`` validation error.

    Examples
    --------
    >>> refuse_nul("Falu Städ AB")
    'Falu Städ AB'
    >>> refuse_nul("Falu\\x00")
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.PydanticCustomError: Text must not contain the NUL character (U+0000).
    """
    if "\x00" in value:
        raise PydanticCustomError(NUL_CODE, NUL_DETAIL)
    return value


def clean_line(value: str) -> str:
    """One line of text: breaks and tabs become spaces; other controls and bidi controls are removed.

    Examples
    --------
    >>> clean_line("Anna\\tBerg\\r\\nFalun")
    'Anna Berg  Falun'
    >>> clean_line("Falu \\u202eBA dätS\\u202c")
    'Falu BA dätS'
    >>> clean_line("\\x1b[31mRöd\\x1b[0m")
    '[31mRöd[0m'
    """
    return _LINE_DROP.sub("", _LINE_BREAKS.sub(" ", refuse_nul(value)))


def clean_text(value: str) -> str:
    """Multi-line text: ``\\n`` and ``\\t`` stay (other breaks become ``\\n``); other controls are removed.

    Examples
    --------
    >>> clean_text("Rad 1\\r\\nRad 2\\u2028\\tRad 3\\x07\\u2066")
    'Rad 1\\nRad 2\\n\\tRad 3'
    """
    return _TEXT_DROP.sub("", _MULTI_BREAKS.sub("\n", refuse_nul(value)))


def _cleaner(clean: Any) -> Any:
    def validate(value: Any) -> Any:
        # Anything but a string goes on to pydantic's own str check, which names it string_type.
        return clean(value) if isinstance(value, str) else value

    return validate


def single_line(
    max_length: int,
    *,
    min_length: int = 0,
    strip: bool = True,
    lower: bool = False,
    description: str | None = None,
) -> tuple[Any, ...]:
    """The rules of a single-line text (names, titles): cleaned by :func:`clean_line`, then stripped and measured.

    Returned as ``Annotated`` metadata, to be unpacked into the type, ``Annotated[str, *single_line(…)]``:
    pydantic applies the rules, and a type checker sees a plain ``str`` (a type made by a function call
    would be no type to it).

    Parameters
    ----------
    max_length, min_length : int
        Characters after cleaning (and stripping). Stated in the OpenAPI schema.
    strip : bool
        Drop surrounding whitespace (default). Fields stored "as typed" pass False.
    lower : bool
        Lower-case the text (e.g. keywords).
    description : str, optional
        The field's description in the OpenAPI document.

    Examples
    --------
    >>> from pydantic import TypeAdapter
    >>> Name = Annotated[str, *single_line(20, min_length=1)]
    >>> TypeAdapter(Name).validate_python("  \\u202eAnna\\nBerg ")
    'Anna Berg'
    >>> TypeAdapter(Name).json_schema()
    {'maxLength': 20, 'minLength': 1, 'type': 'string'}
    """
    extra = [Field(description=description)] if description else []
    return (
        StringConstraints(strip_whitespace=strip, to_lower=lower, min_length=min_length, max_length=max_length),
        BeforeValidator(_cleaner(clean_line)),
        *extra,
    )


def multi_line(
    max_length: int, *, min_length: int = 0, strip: bool = True, description: str | None = None
) -> tuple[Any, ...]:
    """The rules of a multi-line text (descriptions, notes): cleaned by :func:`clean_text`, stripped, measured.

    ``Annotated`` metadata like :func:`single_line`'s: ``Annotated[str, *multi_line(…)]``.

    Examples
    --------
    >>> from pydantic import TypeAdapter
    >>> TypeAdapter(Annotated[str, *multi_line(100)]).validate_python(" Rad 1\\r\\nRad 2\\u202e ")
    'Rad 1\\nRad 2'
    """
    extra = [Field(description=description)] if description else []
    return (
        StringConstraints(strip_whitespace=strip, min_length=min_length, max_length=max_length),
        BeforeValidator(_cleaner(clean_text)),
        *extra,
    )


Name = Annotated[str, *single_line(200, min_length=1)]
"""A person's or organisation's name: one line, 1–200 characters."""

Title = Annotated[str, *single_line(300, min_length=1)]
"""A title (of a need, a lot): one line, 1–300 characters."""

Reason = Annotated[str, *multi_line(1000)]
"""Why something was done (a cancellation, a rule): up to 1000 characters, line breaks kept."""
