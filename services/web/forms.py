"""Form values in, field messages out: what pages need to show every error next to its field.

The services answer bad input with RFC 9457 problems listing field errors as JSON Pointers
(``/contacts/0/email``) with a stable ``code``. Pages show them next to the matching input, in
Swedish (or English), keeping what the person typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .i18n import gettext as _

# Messages by the services' stable error codes (pydantic's and our own); the detail is the fallback.
_MESSAGES = {
    "missing": "Fyll i det här fältet.",
    "string_too_short": "Texten är för kort.",
    "string_too_long": "Texten är för lång.",
    "too_short": "Välj minst ett alternativ.",
    "too_long": "För många val.",
    "value_error": "Värdet är inte giltigt.",
    "int_parsing": "Skriv ett heltal.",
    "int_type": "Skriv ett heltal.",
    "float_parsing": "Skriv ett tal.",
    "greater_than_equal": "Talet är för litet.",
    "less_than_equal": "Talet är för stort.",
    "greater_than": "Talet är för litet.",
    "less_than": "Talet är för stort.",
    "datetime_parsing": "Skriv datum och tid som ÅÅÅÅ-MM-DD TT:MM.",
    "datetime_from_date_parsing": "Skriv datum och tid som ÅÅÅÅ-MM-DD TT:MM.",
    "date_parsing": "Skriv datum som ÅÅÅÅ-MM-DD.",
    "date_from_datetime_parsing": "Skriv datum som ÅÅÅÅ-MM-DD.",
    "time_parsing": "Skriv tiden som TT:MM.",
    "uuid_parsing": "Välj ett av alternativen.",
    "enum": "Välj ett av alternativen.",
    "literal_error": "Välj ett av alternativen.",
    "url_parsing": "Skriv en fullständig adress som börjar med https://.",
    "invalid_orgnr": "Organisationsnumret stämmer inte (kontrollsiffran är fel).",
    "orgnr": "Organisationsnumret stämmer inte (kontrollsiffran är fel).",
    "invalid_email": "Skriv en giltig e-postadress.",
    "email": "Skriv en giltig e-postadress.",
    "invalid_phone": "Skriv ett giltigt telefonnummer.",
    "duplicate": "Det här finns redan.",
    "already_registered": "Ni är redan anmälda till det här evenemanget.",
    "unknown_cpv": "Okänd CPV-kod.",
    "cpv": "Okänd CPV-kod.",
    "unknown_municipality": "Okänd kommun.",
    "deadline_not_before_start": "Sista anmälningsdag måste vara före evenemangets start.",
    "day_end_not_after_start": "Dagen måste sluta efter att den börjar.",
    "breaks_overlap": "Pauserna överlappar varandra.",
    "break_outside_day": "Pausen ligger utanför dagen.",
    "break_end_not_after_start": "Pausen måste sluta efter att den börjar.",
    "availability_empty": "Välj minst ett tidspass.",
    "above_event_tables": "Fler bord än evenemanget tillåter.",
    "above_event_max": "Fler möten än evenemanget tillåter.",
    "unknown_slot": "Okänt tidspass.",
    "unknown_buyer": "Okänd köpare.",
    "unknown_sme": "Okänt företag.",
    "no_slots": "Välj minst ett tidspass.",
    "simplified_above_eu_threshold": "Förenklat förfarande går inte över EU:s tröskelvärde.",
    "direct_award_above_limit": "Direktupphandling går inte över direktupphandlingsgränsen.",
}


def field_name(pointer: str | None, parameter: str | None = None) -> str:
    """The form field a JSON Pointer names: ``/contacts/0/email`` → ``contacts.0.email``.

    Examples
    --------
    >>> field_name("/contacts/0/email"), field_name(None, "q"), field_name("", None)
    ('contacts.0.email', 'q', '')
    """
    if pointer:
        return ".".join(part.replace("~1", "/").replace("~0", "~") for part in pointer.strip("/").split("/"))
    return parameter or ""


def message_for(error: Mapping[str, Any]) -> str:
    """A field error for people, in the page language."""
    code = str(error.get("code", ""))
    if code in _MESSAGES:
        return _(_MESSAGES[code])
    return str(error.get("detail") or _("Värdet är inte giltigt."))


def errors_by_field(errors: Iterable[Mapping[str, Any]], aliases: Mapping[str, str] | None = None) -> dict[str, str]:
    """Field name → message (the first per field). ``aliases`` renames API fields to form fields;
    an alias may name a prefix (``areas_served`` → ``municipalities``).

    Examples
    --------
    >>> errors_by_field([{"pointer": "/orgnr", "code": "missing", "detail": "x"}])
    {'orgnr': 'Fyll i det här fältet.'}
    """
    found: dict[str, str] = {}
    for error in errors:
        name = field_name(error.get("pointer"), error.get("parameter"))
        for source, target in (aliases or {}).items():
            if name == source or name.startswith(source + "."):
                name = target
                break
        found.setdefault(name or "_form", message_for(error))
    return found


def text(form: Mapping[str, Any], name: str) -> str | None:
    """A trimmed text field, or None when left empty."""
    value = str(form.get(name, "")).strip()
    return value or None


def listed(form: Any, name: str) -> list[str]:
    """Every non-empty value of a repeated field (checkboxes, multi-selects)."""
    getall = getattr(form, "getall", None)
    values = getall(name, []) if getall else [form.get(name)] if form.get(name) else []
    return [str(value).strip() for value in values if str(value).strip()]
