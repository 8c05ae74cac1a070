"""Form values in, field messages out: what pages need to show every error next to its field.

The services answer bad input with RFC 9457 problems listing field errors as JSON Pointers
(``/contacts/0/email``) with a stable ``code``. Pages show them next to the matching input, in
Swedish (or English), keeping what the person typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .i18n import N_
from .i18n import gettext as _

# Messages by the services' stable error codes (pydantic's and our own); the detail is the fallback.
_MESSAGES = {
    "missing": N_("Fyll i det här fältet."),
    "string_too_short": N_("Texten är för kort."),
    "string_too_long": N_("Texten är för lång."),
    "too_short": N_("Välj minst ett alternativ."),
    "too_long": N_("För många val."),
    "value_error": N_("Värdet är inte giltigt."),
    "int_parsing": N_("Skriv ett heltal."),
    "int_type": N_("Skriv ett heltal."),
    "float_parsing": N_("Skriv ett tal."),
    "greater_than_equal": N_("Talet är för litet."),
    "less_than_equal": N_("Talet är för stort."),
    "greater_than": N_("Talet är för litet."),
    "less_than": N_("Talet är för stort."),
    "datetime_parsing": N_("Skriv datum och tid som ÅÅÅÅ-MM-DD TT:MM."),
    "datetime_from_date_parsing": N_("Skriv datum och tid som ÅÅÅÅ-MM-DD TT:MM."),
    "date_parsing": N_("Skriv datum som ÅÅÅÅ-MM-DD."),
    "date_from_datetime_parsing": N_("Skriv datum som ÅÅÅÅ-MM-DD."),
    "time_parsing": N_("Skriv tiden som TT:MM."),
    "uuid_parsing": N_("Välj ett av alternativen."),
    "enum": N_("Välj ett av alternativen."),
    "literal_error": N_("Välj ett av alternativen."),
    "url_parsing": N_("Skriv en fullständig adress som börjar med https://."),
    "invalid_orgnr": N_("Organisationsnumret stämmer inte (kontrollsiffran är fel)."),
    "orgnr": N_("Organisationsnumret stämmer inte (kontrollsiffran är fel)."),
    "invalid_email": N_("Skriv en giltig e-postadress."),
    "email": N_("Skriv en giltig e-postadress."),
    "invalid_phone": N_("Skriv ett giltigt telefonnummer."),
    "duplicate": N_("Det här finns redan."),
    "already_registered": N_("Ni är redan anmälda till det här evenemanget."),
    "unknown_cpv": N_("Okänd CPV-kod."),
    "cpv": N_("Okänd CPV-kod."),
    "unknown_municipality": N_("Okänd kommun."),
    "deadline_not_before_start": N_("Sista anmälningsdag måste vara före evenemangets start."),
    "event_date_past": N_("Dagen har redan varit. Välj ett datum från och med i dag."),
    "deadline_passed": N_("Sista anmälningsdag har redan passerat. Välj en tid som ligger framåt."),
    "day_end_not_after_start": N_("Dagen måste sluta efter att den börjar."),
    "breaks_overlap": N_("Pauserna överlappar varandra."),
    "break_outside_day": N_("Pausen ligger utanför dagen."),
    "break_end_not_after_start": N_("Pausen måste sluta efter att den börjar."),
    "availability_empty": N_("Välj minst ett tidspass."),
    "above_event_tables": N_("Fler bord än evenemanget tillåter."),
    "above_event_max": N_("Fler möten än evenemanget tillåter."),
    "unknown_slot": N_("Okänt tidspass."),
    "unknown_buyer": N_("Okänd köpare."),
    "unknown_sme": N_("Okänt företag."),
    "no_slots": N_("Välj minst ett tidspass."),
    "simplified_above_eu_threshold": N_("Förenklat förfarande går inte över EU:s tröskelvärde."),
    "direct_award_above_limit": N_("Direktupphandling går inte över direktupphandlingsgränsen."),
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
