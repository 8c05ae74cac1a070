"""One wording for each status people see: a meeting's, a registration's, a need's and a procurement's stage.

The web pages, the matcher's day page and the agendas used to spell these each their own way ("Avanmäld"
on one page, "Avbokade" on the next); they all read them from here now, Swedish and English side by side
so the two cannot drift apart. The event's own states are not here (they follow the event state machine).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["MEETING_STATUS", "NEED_STAGE", "NEED_STATUS", "REGISTRATION_STATUS", "label", "labels"]

# value → (Swedish, English)
MEETING_STATUS: Mapping[str, tuple[str, str]] = {
    "planned": ("Planerat", "Planned"),
    "held": ("Genomfört", "Held"),
    "no_show_sme": ("Företaget uteblev", "The firm did not come"),
    "no_show_buyer": ("Köparen uteblev", "The buyer did not come"),
    "cancelled_day": ("Inställt", "Cancelled"),
}
"""A meeting on the day (services/matcher/onsite/meeting_status.py)."""

REGISTRATION_STATUS: Mapping[str, tuple[str, str]] = {
    "active": ("Anmäld", "Registered"),
    "cancelled": ("Avbokad", "Cancelled"),
    "none": ("Inte anmäld", "Not registered"),
}
"""A firm's or a buyer's registration for an event; ``none`` for one that has not registered."""

NEED_STATUS: Mapping[str, tuple[str, str]] = {
    "planning": ("Utkast – syns bara för er", "Draft – only you can see it"),
    "planned": ("Synlig för företagen", "Visible to firms"),
    "published": ("Publicerad", "Advertised"),
    "cancelled": ("Avbruten", "Cancelled"),
}
"""A buyer's need as the registry holds it (services/registry/need_models.py NeedStatus), in words that say
who sees it ("planning" and "planned" once read alike). Only the buyer's own pages show it, hence "er"."""

NEED_STAGE: Mapping[str, tuple[str, str]] = {
    "planned": ("Planerad", "Planned"),
    "tender": ("Annonserad", "Tender published"),
    "awarded": ("Tilldelad", "Awarded"),
    "contract": ("Avtal tecknat", "Contract signed"),
    "cancelled": ("Avbruten", "Cancelled"),
    "unsuccessful": ("Avbruten (utan tilldelning)", "Unsuccessful (no award)"),
}
"""A need's procurement stage from the buyer's OCDS releases (services/registry/procurement)."""

_TABLES: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "meeting_status": MEETING_STATUS,
    "registration_status": REGISTRATION_STATUS,
    "need_status": NEED_STATUS,
    "need_stage": NEED_STAGE,
}


def label(kind: str, value: str | None, lang: str = "sv") -> str:
    """The words for ``value`` of ``kind`` in ``lang``; an unknown value is shown as it is.

    Parameters
    ----------
    kind : {'meeting_status', 'registration_status', 'need_status', 'need_stage'}
    value : str or None
        The stored value, e.g. ``"no_show_sme"``; None reads as ``"none"`` (registrations) or is empty.
    lang : {'sv', 'en'}

    Examples
    --------
    >>> label("meeting_status", "no_show_sme"), label("meeting_status", "no_show_sme", "en")
    ('Företaget uteblev', 'The firm did not come')
    >>> label("registration_status", None), label("need_stage", "later")
    ('Inte anmäld', 'later')
    """
    table = _TABLES[kind]
    key = "none" if value is None else value
    if key not in table:
        return value or ""
    swedish, english = table[key]
    return english if lang == "en" else swedish


def labels(kind: str, lang: str = "sv") -> dict[str, str]:
    """Every value of ``kind`` with its words in ``lang`` (for a template's lookups or a select's options).

    Examples
    --------
    >>> labels("registration_status", "en")["cancelled"]
    'Cancelled'
    """
    return {value: label(kind, value, lang) for value in _TABLES[kind]}
