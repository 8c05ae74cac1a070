"""Swedish organisation numbers (organisationsnummer), checked with ``python-stdnum``.

An organisationsnummer has ten digits, ``NNNNNN-NNNN``, the last a Luhn check digit. For legal
entities (aktiebolag, föreningar, kommuner, …) the third digit is 2 or more. ``stdnum.se.orgnr`` checks
only length, digits and the Luhn digit, so the third-digit rule is enforced here.

Sole traders (enskild firma) have no number of their own: their organisationsnummer *is* the owner's
personnummer (``YYMMDD-NNNN``, third digit 0 or 1 because it is the first digit of the month). Such
numbers are accepted when ``stdnum.se.personnummer`` accepts them (a real date of birth and a valid Luhn
digit). They identify a person, so they are personal data under the GDPR: use
:func:`is_personal_number` to decide how to store, show and export them. Coordination numbers
(samordningsnummer, day of month plus 60) are not accepted.

Input may also come in the 12-digit forms: ``16`` followed by a legal entity's number (as in
Bolagsverket's data), or a personnummer with its century (``YYYYMMDD-NNNN``). The canonical form is
always the 10-digit ``NNNNNN-NNNN``.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator
from stdnum.exceptions import InvalidChecksum
from stdnum.se import orgnr as stdnum_orgnr
from stdnum.se import personnummer as stdnum_personnummer

__all__ = ["OrgNr", "is_personal_number", "normalise_orgnr", "orgnr_from_serial"]

_SEPARATORS = re.compile(r"[\s-]")
_DIGITS = re.compile(r"[0-9]*")


def _split(value: str) -> tuple[str, bool]:
    """Return the ten digits of ``value`` and whether they are a personnummer, or raise ValueError."""
    if not isinstance(value, str):
        raise ValueError(f"an organisation number must be a string, not {type(value).__name__}")
    digits = _SEPARATORS.sub("", value)
    if _DIGITS.fullmatch(digits) is None:
        raise ValueError(f"{value!r} is not an organisation number: only digits, spaces and '-' are allowed")
    if len(digits) == 12:
        if digits.startswith("16"):
            if digits[4] < "2":
                raise ValueError(f"{value!r}: the prefix '16' is only used with legal entities (third digit 2 or more)")
            digits = digits[2:]
        elif digits.startswith(("18", "19", "20")):
            if not stdnum_personnummer.is_valid(f"{digits[:8]}-{digits[8:]}"):
                raise ValueError(f"{value!r} is not a valid personnummer (date of birth or check digit is wrong)")
            digits = digits[2:]
        else:
            raise ValueError(
                f"{value!r} has 12 digits but starts with neither '16' (legal entity) nor a century (personnummer)"
            )
    if len(digits) != 10:
        raise ValueError(f"{value!r} is not an organisation number: expected 10 digits, got {len(digits)}")
    try:
        stdnum_orgnr.validate(digits)
    except InvalidChecksum:
        raise ValueError(f"{value!r} is not an organisation number: the check digit is wrong") from None
    if digits[2] >= "2":
        return digits, False
    if not stdnum_personnummer.is_valid(f"{digits[:6]}-{digits[6:]}"):
        raise ValueError(
            f"{value!r} is not an organisation number: the third digit is below 2, so it must be a "
            "sole trader's personnummer, but it does not start with a valid date of birth"
        )
    return digits, True


def normalise_orgnr(value: str) -> str:
    """Validate a Swedish organisation number and return it as ``NNNNNN-NNNN``.

    Legal entities (third digit 2 or more) and sole traders' personnummer are both accepted; see the
    module docstring.

    Parameters
    ----------
    value : str
        Ten digits with or without ``-`` or spaces, or one of the 12-digit forms.

    Returns
    -------
    str
        The canonical 10-digit form with a dash.

    Raises
    ------
    ValueError
        On a wrong length, characters other than digits, spaces and ``-``, a wrong check digit, or a
        third digit below 2 that is not part of a valid personnummer.

    Examples
    --------
    >>> normalise_orgnr("2120002080")
    '212000-2080'
    >>> normalise_orgnr("16 556016-0680")
    '556016-0680'
    >>> normalise_orgnr("212000-2081")
    Traceback (most recent call last):
    ...
    ValueError: '212000-2081' is not an organisation number: the check digit is wrong
    """
    digits, _ = _split(value)
    return f"{digits[:6]}-{digits[6:]}"


def is_personal_number(value: str) -> bool:
    """Tell whether a valid organisation number is a sole trader's personnummer (personal data).

    Parameters
    ----------
    value : str
        Any form :func:`normalise_orgnr` accepts.

    Returns
    -------
    bool
        True for a personnummer, False for a legal entity's number.

    Raises
    ------
    ValueError
        If ``value`` is not a valid organisation number at all: an invalid number is neither, and
        guessing could leak a mistyped personnummer as non-personal data.

    Examples
    --------
    >>> is_personal_number("880320-0016")
    True
    >>> is_personal_number("212000-2080")
    False
    """
    return _split(value)[1]


def orgnr_from_serial(serial: int, group: int = 5) -> str:
    """A valid legal-entity organisation number made from a serial number (sample data, tests).

    The number is ``G5`` (``G`` is the legal-form group digit, 5 = aktiebolag as in 556…), a third
    digit of 2 or more as for every legal entity, the serial's last six digits and the Luhn check digit:
    distinct serials below eight million give distinct valid numbers.

    Examples
    --------
    >>> orgnr_from_serial(1)
    '552000-0018'
    >>> normalise_orgnr(orgnr_from_serial(1_234_567))
    '553234-5674'
    """
    if not 2 <= group <= 9 or not 0 <= serial < 8 * 10**6:
        raise ValueError("group must be 2..9 and serial below 8 000 000")
    body = f"{group}5{2 + serial // 10**6}{serial % 10**6:06d}"
    digits = body + stdnum_orgnr.luhn.calc_check_digit(body)
    return f"{digits[:6]}-{digits[6:]}"


OrgNr = Annotated[str, AfterValidator(normalise_orgnr)]
"""A Swedish organisation number for pydantic models, stored as ``NNNNNN-NNNN``."""
