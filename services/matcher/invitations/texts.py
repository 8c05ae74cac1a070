"""The invitation e-mail, Swedish first with English below, as an outbox payload (pure: data in, payload out).

It names the event (date, place, deadline), why the firm gets it (the criteria it was chosen by), the
sign-up page on the web front end, and how to stop receiving invitations (ask the organiser).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from shared import formatting
from shared.reference.cpv import cpv_label
from shared.reference.municipalities import municipality_name

from ..reminders.texts import _payload


def reasons(segment: Mapping[str, Any], earlier_event_name: str | None) -> list[tuple[str, str]]:
    """Why the firm gets the invitation, one (Swedish, English) pair per criterion it was chosen by.

    Examples
    --------
    >>> for sv, en in reasons({"municipality": "2085", "cpv_division": "45", "took_part_before": True},
    ...                       "Affärsträff Falun 2025"):
    ...     print(sv, "/", en)
    ni deltog i Affärsträff Falun 2025 / you took part in Affärsträff Falun 2025
    ert företag är registrerat i Ludvika / your firm is registered in Ludvika
    ni säljer inom CPV 45 Anläggningsarbete / you sell within CPV 45 Construction work
    """
    found = []
    if segment.get("took_part_before") and earlier_event_name:
        found.append((f"ni deltog i {earlier_event_name}", f"you took part in {earlier_event_name}"))
    if code := segment.get("municipality"):
        name = municipality_name(code)
        found.append((f"ert företag är registrerat i {name}", f"your firm is registered in {name}"))
    if division := segment.get("cpv_division"):
        code = f"{division}000000"
        found.append(
            (
                f"ni säljer inom CPV {division} {cpv_label(code)}",
                f"you sell within CPV {division} {cpv_label(code, 'en')}",
            )
        )
    return found


def invitation_mail(
    to: str,
    name: str,
    event: Mapping[str, Any],
    why: list[tuple[str, str]],
    signup_url: str | None,
) -> dict[str, Any]:
    """The invitation to one firm's contact.

    ``event`` is the registry's event (name, event_date, venue, signup_deadline, time_zone).

    Examples
    --------
    >>> event = {"name": "Affärsträff Ludvika", "event_date": "2031-03-12", "venue": "Folkets hus",
    ...          "signup_deadline": "2031-03-05T15:00:00+00:00", "time_zone": "Europe/Stockholm"}
    >>> mail = invitation_mail("bo@bygg.se", "Bo", event, [("ni deltog i X", "you took part in X")],
    ...                        "https://web.example/foretag/evenemang/e/anmalan")
    >>> mail["subject"]
    'Inbjudan: Affärsträff Ludvika, onsdag 12 mars 2031'
    >>> print(*mail["text"].splitlines()[2:5], sep="\\n")
    Välkommen till Affärsträff Ludvika, onsdag 12 mars 2031, Folkets hus.
    Anmäl er senast onsdag 5 mars 2031 kl. 16:00 (svensk tid): https://web.example/foretag/evenemang/e/anmalan
    Ni får den här inbjudan eftersom ni deltog i X.
    """
    zone = str(event.get("time_zone") or "Europe/Stockholm")
    deadline = event["signup_deadline"]
    deadline = deadline if isinstance(deadline, dt.datetime) else dt.datetime.fromisoformat(str(deadline))
    day_sv, day_en = formatting.day(str(event["event_date"])), formatting.day(str(event["event_date"]), "en")
    where = f", {event['venue']}" if event.get("venue") else ""
    link_sv = f": {signup_url}" if signup_url else " på webbplatsen"
    link_en = f": {signup_url}" if signup_url else " on the web site"
    because_sv = f"Ni får den här inbjudan eftersom {' och '.join(sv for sv, _ in why)}." if why else ""
    because_en = f"You receive this invitation because {' and '.join(en for _, en in why)}." if why else ""
    lines = [
        f"Hej {name}!" if name else "Hej!",
        "",
        f"Välkommen till {event['name']}, {day_sv}{where}.",
        f"Anmäl er senast {formatting.when(deadline, 'sv', zone)} ({formatting.zone_name(zone, 'sv')}){link_sv}",
        because_sv,
        "Vill ni inte få fler inbjudningar? Kontakta arrangören, så tar vi bort er från utskicken.",
        "",
        "---",
        f"You are welcome to {event['name']}, {day_en}{where}.",
        f"Sign up by {formatting.when(deadline, 'en', zone)} ({formatting.zone_name(zone, 'en')}){link_en}",
        because_en,
        "Would you rather not receive invitations? Contact the organiser and we will take you off the list.",
        "",
    ]
    return _payload(to, f"Inbjudan: {event['name']}, {day_sv}", lines, None)
