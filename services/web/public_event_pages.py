"""An event for anyone, signed in or not: its public page, the home page's list of coming events, and the
words a firm reads about an event's dates (sign-up closed on …, what happens after signing up).

The public page at ``/evenemang/{event_id}`` is what organisers link from a newsletter: the day, the place,
the sign-up deadline, the programme (first meeting to last, the breaks), whom to ask, and a button to the
firm's sign-up (signing in as today: a link by e-mail). It reads the registry's public read model
(``/public/events``) without a token, so it works before anyone has an account. Whether sign-up is open is
the registry's answer by its clock; the sign-up page asks the same of the web's clock (:mod:`shared.clock`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from babel.dates import format_date

from shared.clock import CLOCK_KEY

from .backend import BackendError
from .i18n import gettext as _
from .i18n import ngettext
from .pages_common import page_language, path_uuid
from .render import backend, render, settings_of

HOME_EVENTS = 6  # coming events on the home page; the rest are a click further once there are more
_BABEL = {"sv": "sv_SE", "en": "en_GB"}


def day_and_month(moment: datetime | str, time_zone: str = "Europe/Stockholm") -> str:
    """A date without the year in the page language, as a sentence says it: ``5 november`` (``5 November``).

    Examples
    --------
    >>> day_and_month("2026-11-05T22:59:00+00:00")
    '5 november'
    >>> day_and_month("2026-11-05T23:00:00+00:00")  # already the 6th in Stockholm
    '6 november'
    """
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    local = value.astimezone(ZoneInfo(time_zone)).date()
    return format_date(local, "d MMMM", locale=_BABEL[page_language()])


def signup_open(event: dict[str, Any], now: datetime) -> bool:
    """Whether a firm may sign up now: the event is open and its deadline still ahead (the registry decides
    for real; this spares the firm a form that could only fail)."""
    return event["status"] == "open" and now < datetime.fromisoformat(str(event["signup_deadline"]))


def contact_of(event: dict[str, Any]) -> dict[str, Any] | None:
    """The event's contact person, when the organisers gave one."""
    contact = event.get("contact")
    return contact if isinstance(contact, dict) and contact.get("email") else None


def _local_clock(moment: str, time_zone: str) -> str:
    return datetime.fromisoformat(moment).astimezone(ZoneInfo(time_zone)).strftime("%H:%M")


def programme(event: dict[str, Any]) -> list[dict[str, str]]:
    """The day in order: first meeting, the breaks, the last meeting's end (local times).

    Examples
    --------
    >>> event = {"time_zone": "Europe/Stockholm", "first_meeting": "2027-10-07T07:00:00+00:00",
    ...          "last_meeting_end": "2027-10-07T09:40:00+00:00",
    ...          "breaks": [{"start": "10:15", "end": "10:30", "label": "Fika"}]}
    >>> [(row["time"], row["what"]) for row in programme(event)]
    [('09:00', 'Första mötet börjar'), ('10:15–10:30', 'Fika'), ('11:40', 'Sista mötet slutar')]
    """
    if not event.get("first_meeting"):
        return []
    zone = event["time_zone"]
    rows = [{"time": _local_clock(event["first_meeting"], zone), "what": _("Första mötet börjar"), "kind": "start"}]
    for pause in sorted(event.get("breaks") or [], key=lambda b: b["start"]):
        rows.append({"time": f"{pause['start']}–{pause['end']}", "what": pause["label"] or _("Paus"), "kind": "break"})
    rows.append({"time": _local_clock(event["last_meeting_end"], zone), "what": _("Sista mötet slutar"), "kind": "end"})
    return rows


def expected_meetings(event: dict[str, Any], registration: dict[str, Any] | None = None) -> int:
    """How many meetings a firm can count on at most: its own or the event's limit, never more than the day's
    rounds (one meeting per round)."""
    limit = (registration or {}).get("max_meetings") or event["max_meetings_per_sme"]
    rounds = event.get("slot_count", len(event.get("slots") or []))
    return min(limit, rounds) if rounds else limit


def next_steps(event: dict[str, Any], registration: dict[str, Any] | None = None) -> list[str]:
    """What happens after signing up, from what the event knows: when the schedule comes, how, how many meetings.

    Examples
    --------
    >>> event = {"signup_deadline": "2027-10-01T10:00:00+00:00", "event_date": "2027-10-07",
    ...          "time_zone": "Europe/Stockholm", "max_meetings_per_sme": 8, "slot_count": 6}
    >>> steps = next_steps(event)
    >>> steps[0]
    'Anmälan stänger 1 oktober. Därefter lägger arrangören schemat, så att ni träffar de köpare som passar er bäst.'
    >>> steps[2]
    'Räkna med upp till 6 möten.'
    """
    zone = event.get("time_zone") or "Europe/Stockholm"
    closes = day_and_month(event["signup_deadline"], zone)
    day = format_date(datetime.fromisoformat(str(event["event_date"])).date(), "d MMMM", locale=_BABEL[page_language()])
    meetings = expected_meetings(event, registration)
    return [
        _(
            "Anmälan stänger %(closes)s. Därefter lägger arrangören schemat, så att ni träffar de köpare som passar "
            "er bäst.",
            closes=closes,
        ),
        _(
            "Schemat kommer med e-post före träffen den %(day)s: en länk till er agenda med tider, bord och köpare, "
            "och en kalenderfil (.ics) att lägga in mötena i kalendern.",
            day=day,
        ),
        ngettext("Räkna med upp till %(num)d möte.", "Räkna med upp till %(num)d möten.", meetings),
    ]


def _event_view(event: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        **event,
        "open_now": signup_open(event, now),
        "deadline_passed": now >= datetime.fromisoformat(str(event["signup_deadline"])),
        "closes": day_and_month(event["signup_deadline"], event["time_zone"]),
        "contact": contact_of(event),
    }


async def coming_events(request: web.Request) -> list[dict[str, Any]]:
    """The coming events for the home page, open for sign-up first; none when the registry cannot say."""
    try:
        found = await backend(request).get("registry", "/public/events", params={"limit": HOME_EVENTS}, anonymous=True)
    except BackendError:
        return []  # the front page still shows where to start
    now = request.app[CLOCK_KEY].now()
    return [_event_view(event, now) for event in found["items"]]


async def public_event(request: web.Request) -> web.Response:
    """GET /evenemang/{event_id}: the event's public page (no sign-in)."""
    event_id = path_uuid(request)
    event = await backend(request).get("registry", f"/public/events/{event_id}", anonymous=True)
    now = request.app[CLOCK_KEY].now()
    context = {
        "event": _event_view(event, now),
        "programme": programme(event),
        "meetings": expected_meetings(event),
    }
    return render(request, "public/event.html", context)


def public_link(request: web.Request, event_id: str) -> str:
    """The public page's full address, for an organiser to put in a newsletter."""
    return f"{str(settings_of(request).public_url).rstrip('/')}/evenemang/{event_id}"
