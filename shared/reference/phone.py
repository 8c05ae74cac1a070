"""Phone numbers as people write them in Sweden, stored in E.164, and the contact person that carries one.

Organisations' contact people and a need's contact person are the same kind of record (personal data:
shown only to the organisation itself, organisers and the matcher), so both validate through
:class:`ContactPerson`; an organisation's contacts add a job title.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import phonenumbers
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field

from shared.text import Name

__all__ = ["ContactPerson", "PersonName", "PhoneNumber", "normalise_phone"]

DEFAULT_REGION = "SE"


def normalise_phone(value: str) -> str:
    """Validate a phone number (Swedish unless it starts with ``+``) and return it in E.164.

    Parameters
    ----------
    value : str
        As typed, e.g. ``070-123 45 67`` or ``+47 22 12 34 56``.

    Returns
    -------
    str
        ``+`` and digits, e.g. ``+46701234567``.

    Raises
    ------
    ValueError
        If the text is not a phone number, or not a valid one.

    Examples
    --------
    >>> normalise_phone("070-123 45 67")
    '+46701234567'
    >>> normalise_phone("+47 22 12 34 56")
    '+4722123456'
    >>> normalise_phone("12")
    Traceback (most recent call last):
    ...
    ValueError: not a valid phone number
    """
    try:
        number = phonenumbers.parse(value, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


PhoneNumber = Annotated[str, Field(max_length=40), AfterValidator(normalise_phone)]
"""A phone number field: validated and stored in E.164."""

if TYPE_CHECKING:  # to a type checker a str (Name is built at run time); pydantic reads Name's constraints
    PersonName = str
else:
    PersonName = Name
"""A person's (or organisation's) name: one line without control characters (see :mod:`shared.text`),
surrounding whitespace dropped, 1–200 characters."""


class ContactPerson(BaseModel):
    """A contact person: name, e-mail and optionally a phone number (personal data).

    Examples
    --------
    >>> ContactPerson(name=" Anna Berg ", email="anna@falun.se", phone="023-123 45").model_dump()
    {'name': 'Anna Berg', 'email': 'anna@falun.se', 'phone': '+462312345'}
    """

    model_config = ConfigDict(extra="forbid")

    name: PersonName
    email: EmailStr = Field(max_length=320)
    phone: PhoneNumber | None = Field(default=None, description="Stored in E.164, e.g. +46701234567")
