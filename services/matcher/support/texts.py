"""The e-mails of an assignment, Swedish first with English below, as outbox payloads (pure: data in, payloads
out): the firm learns who its adviser is and how many hours it has; the adviser whom to contact."""

from __future__ import annotations

from typing import Any

from ..reminders.texts import _payload


def _hours(value: float) -> tuple[str, str]:
    """Hours as people write them in Swedish and English (a comma, a point; no trailing zero).

    Examples
    --------
    >>> _hours(10.0), _hours(2.5)
    (('10', '10'), ('2,5', '2.5'))
    """
    text = f"{value:g}"
    return text.replace(".", ","), text


def assigned_mails(
    event_name: str,
    firm: tuple[str, str, str],
    adviser: tuple[str, str],
    hours_left: float,
) -> list[dict[str, Any]]:
    """The firm's e-mail and the adviser's. ``firm``: (name, contact name, contact e-mail); ``adviser``:
    (name, e-mail). A side without an address gets none.

    Examples
    --------
    >>> firm, adviser = ("Städ AB", "Anna", "anna@stad.se"), ("Rut Rådgivare", "rut@almi.se")
    >>> to_firm, to_adviser = assigned_mails("Affärsträff Mora", firm, adviser, 10.0)
    >>> to_firm["to"], to_firm["subject"]
    ('anna@stad.se', 'Individuellt stöd efter Affärsträff Mora')
    >>> to_firm["text"].splitlines()[2]
    'Rut Rådgivare (rut@almi.se) ger er det individuella stödet efter Affärsträff Mora: upp till 10 timmar.'
    >>> to_adviser["to"], to_adviser["text"].splitlines()[2]
    ('rut@almi.se', 'Du ger Städ AB individuellt stöd efter Affärsträff Mora: upp till 10 timmar.')
    """
    firm_name, contact_name, contact_email = firm
    adviser_name, adviser_email = adviser
    sv, en = _hours(hours_left)
    who = f"{adviser_name} ({adviser_email})"
    subject = f"Individuellt stöd efter {event_name}"
    mails = []
    if contact_email:
        mails.append(_payload(contact_email, subject, [
            f"Hej {contact_name}!" if contact_name else "Hej!", "",
            f"{who} ger er det individuella stödet efter {event_name}: upp till {sv} timmar.",
            "Rådgivaren hör av sig; ni kan också skriva direkt.", "", "---",
            f"{who} gives you the individual support after {event_name}: up to {en} hours.",
            "The adviser will be in touch; you can also write directly.", "",
        ], None))  # fmt: skip
    if adviser_email:
        contact = f"{contact_name} <{contact_email}>" if contact_email else contact_name or "–"
        mails.append(_payload(adviser_email, subject, [
            f"Hej {adviser_name}!" if adviser_name else "Hej!", "",
            f"Du ger {firm_name} individuellt stöd efter {event_name}: upp till {sv} timmar.",
            f"Kontakt: {contact}. För timmarna på /radgivare.", "", "---",
            f"You give {firm_name} individual support after {event_name}: up to {en} hours.",
            f"Contact: {contact}. Record the hours on /radgivare.", "",
        ], None))  # fmt: skip
    return mails
