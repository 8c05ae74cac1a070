"""The organiser's event form: what was typed, turned into the registry's event body, and back.

Organisers type times as Stockholm wall-clock times; the form turns the sign-up deadline into an aware
time in Europe/Stockholm before it goes to the registry. The preview of the slot grid is
:mod:`services.web.organiser.event_preview`; the handlers are in :mod:`services.web.organiser.events`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from shared.reference.municipalities import DALARNA_COUNTY_CODE

from ..backend import Backend, BackendError
from ..forms import errors_by_field
from ..i18n import N_, STOCKHOLM
from ..i18n import gettext as _
from ..places import county_options, municipality_groups
from ..places import municipality_options as all_municipalities

TIME_ZONE = "Europe/Stockholm"
# "Undvik par som redan träffats": kept in the matcher's day settings, sent as the schedule job's parameter.
REPEAT_PAIRS = "avoid_repeat_pairs"
DAY_SETTINGS_METADATA = ("event_id", "updated_at", "etag")  # what the matcher's GET adds to the settings
BREAK_ROWS = 3  # rows of break inputs shown without JavaScript (more when an event already has more)
MAX_BREAKS = 20  # the registry's limit
# region: the county (län) the event serves; its municipalities come first in sign-up forms (issue 15).
TEXT_FIELDS = ("name", "description", "venue", "municipality_code", "region")
NUMBER_FIELDS = ("meeting_minutes", "changeover_minutes", "tables", "default_meetings_per_sme", "max_meetings_per_sme")
# Left empty, these are not sent: the registry keeps its default (new event) or the current value (edit).
OPTIONAL_NUMBER_FIELDS = ("min_relevance_percent",)
NEW_EVENT_DEFAULTS = {
    "municipality_code": "2080",
    "region": DALARNA_COUNTY_CODE,
    "day_start": "09:00",
    "day_end": "16:00",
    "meeting_minutes": "20",
    "changeover_minutes": "5",
    "tables": "10",
    "default_meetings_per_sme": "4",
    "max_meetings_per_sme": "8",
    "min_relevance_percent": "20",  # the registry's default (shared.snapshot.DEFAULT_MIN_RELEVANCE_PERCENT)
}
NEW_EVENT_BREAKS = [{"start": "12:00", "end": "13:00", "label": "Lunch"}]
_CLOCK = re.compile(r"^([01]?[0-9]|2[0-3])[:.]([0-5][0-9])$")


def parse_clock(value: str) -> time | None:
    """A wall-clock time as people type it (``9:00``, ``09.00``), or None.

    Examples
    --------
    >>> parse_clock("9.05"), parse_clock("25:00"), parse_clock("")
    (datetime.time(9, 5), None, None)
    """
    match = _CLOCK.match(value.strip())
    return time(int(match.group(1)), int(match.group(2))) if match else None


def parse_local_datetime(value: str) -> datetime | None:
    """A Stockholm date and time (``2026-03-01T12:00`` from a datetime-local input, or with a space) as an
    aware datetime in Europe/Stockholm, or None.

    Examples
    --------
    >>> parse_local_datetime("2026-03-01 12.00").isoformat()
    '2026-03-01T12:00:00+01:00'
    >>> parse_local_datetime("2026-07-01T12:00").isoformat()
    '2026-07-01T12:00:00+02:00'
    """
    parts = value.strip().replace("T", " ").split()
    if len(parts) != 2:
        return None
    try:
        day = date.fromisoformat(parts[0])
    except ValueError:
        return None
    clock = parse_clock(parts[1][:5] if len(parts[1]) > 5 and parts[1][5] == ":" else parts[1])
    return datetime.combine(day, clock, tzinfo=STOCKHOLM) if clock else None


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def _int(value: str) -> int | None:
    try:
        return int(value.strip())
    except ValueError:
        return None


# Whom firms ask (the registry's optional ``contact``): all three empty sends none, which clears it.
CONTACT_FIELDS = {"contact_name": "name", "contact_email": "email", "contact_phone": "phone"}
# The registry's date refusals in the organiser's words (the codes of services/registry/event_dates.py; a form's
# fields get the same words from forms.errors_by_field).
DATE_MESSAGES = {
    "event_date_past": N_("Dagen har redan varit. Välj ett datum från och med i dag."),
    "deadline_passed": N_("Sista anmälningsdag har redan passerat. Välj en tid som ligger framåt."),
}


def form_from_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """The form's values for an event as the registry returns it (times as Stockholm wall clock)."""
    form: dict[str, Any] = {name: str(event.get(name) or "") for name in TEXT_FIELDS}
    form.update({name: str(event[name]) for name in NUMBER_FIELDS})
    form.update({name: str(event.get(name, "")) for name in OPTIONAL_NUMBER_FIELDS})
    form["event_date"] = str(event["event_date"])
    form["day_start"] = str(event["day_start"])[:5]
    form["day_end"] = str(event["day_end"])[:5]
    deadline = datetime.fromisoformat(event["signup_deadline"]).astimezone(STOCKHOLM)
    form["signup_deadline"] = f"{deadline:%Y-%m-%dT%H:%M}"
    form["breaks"] = [{"start": b["start"], "end": b["end"], "label": b.get("label", "")} for b in event["breaks"]]
    contact = event.get("contact") or {}
    form.update({name: str(contact.get(part) or "") for name, part in CONTACT_FIELDS.items()})
    return form


def typed_form(post: Mapping[str, Any]) -> dict[str, Any]:
    """What the person typed, to show again (break rows: every row that was on the page)."""
    form: dict[str, Any] = {
        name: str(post.get(name, "")).strip()
        for name in (
            *TEXT_FIELDS,
            *NUMBER_FIELDS,
            *OPTIONAL_NUMBER_FIELDS,
            "event_date",
            "day_start",
            "day_end",
            "signup_deadline",
            *CONTACT_FIELDS,
        )
    }
    form["breaks"] = []
    for index in range(MAX_BREAKS):
        if f"breaks.{index}.start" not in post:
            break
        form["breaks"].append(
            {part: str(post.get(f"breaks.{index}.{part}", "")).strip() for part in ("start", "end", "label")}
        )
    form["version"] = str(post.get("version", ""))
    form[REPEAT_PAIRS] = "on" if post.get(REPEAT_PAIRS) == "on" else ""
    return form


def break_rows(form: Mapping[str, Any]) -> list[dict[str, str]]:
    """The break rows to show: the breaks and empty rows up to at least :data:`BREAK_ROWS`."""
    rows = [dict(b) for b in form.get("breaks", [])]
    wanted = max(BREAK_ROWS, min(MAX_BREAKS, len([b for b in rows if b["start"] or b["end"]]) + 1))
    rows = rows[:wanted]
    return rows + [{"start": "", "end": "", "label": ""} for _ in range(wanted - len(rows))]


def event_body(form: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str], list[int]]:
    """The API body for a typed form, the errors found before asking the registry, and which form row
    each sent break came from (the registry's ``/breaks/1`` is the second *sent* break)."""
    errors: dict[str, str] = {}
    body: dict[str, Any] = {"time_zone": TIME_ZONE}
    if not form["name"]:
        errors["name"] = _("Skriv evenemangets namn.")
    body.update(name=form["name"], description=form["description"], venue=form["venue"])
    if not form["municipality_code"]:
        errors["municipality_code"] = _("Välj kommun.")
    body["municipality_code"] = form["municipality_code"]
    if form.get("region"):  # not on the page (an old form): the registry keeps the event's region
        body["region"] = form["region"]
    contact = {part: form.get(name, "") for name, part in CONTACT_FIELDS.items()}
    if any(contact.values()):
        for name, part in (("contact_name", "name"), ("contact_email", "email")):
            if not contact[part]:
                errors[name] = _("Fyll i både namn och e-post, eller lämna alla kontaktfält tomma.")
        body["contact"] = {part: value for part, value in contact.items() if value}
    else:
        body["contact"] = None

    event_date = _parse_date(form["event_date"])
    if event_date is None:
        errors["event_date"] = _("Skriv datumet som ÅÅÅÅ-MM-DD, t.ex. 2026-03-12.")
    else:
        body["event_date"] = event_date.isoformat()
    clocks: dict[str, time] = {}
    for name in ("day_start", "day_end"):
        clock = parse_clock(form[name])
        if clock is None:
            errors[name] = _("Skriv tiden som TT:MM, t.ex. 09:00.")
        else:
            clocks[name] = clock
            body[name] = f"{clock:%H:%M}"
    if len(clocks) == 2 and clocks["day_end"] <= clocks["day_start"]:
        errors["day_end"] = _("Dagen måste sluta efter att den börjar.")
    for name in (*NUMBER_FIELDS, *OPTIONAL_NUMBER_FIELDS):
        if name in OPTIONAL_NUMBER_FIELDS and not form.get(name):
            continue
        number = _int(form[name])
        if number is None:
            errors[name] = _("Skriv ett heltal.")
        else:
            body[name] = number
    deadline = parse_local_datetime(form["signup_deadline"])
    if deadline is None:
        errors["signup_deadline"] = _("Skriv datum och tid som ÅÅÅÅ-MM-DD TT:MM.")
    else:
        body["signup_deadline"] = deadline.isoformat()

    breaks, rows = [], []
    for index, row in enumerate(form["breaks"]):
        if not (row["start"] or row["end"]):
            continue  # an empty row is no break (its label alone means nothing)
        start, end = parse_clock(row["start"]), parse_clock(row["end"])
        for part, clock in (("start", start), ("end", end)):
            if clock is None:
                errors[f"breaks.{index}.{part}"] = _("Skriv tiden som TT:MM, t.ex. 12:00.")
        if start and end:
            breaks.append({"start": f"{start:%H:%M}", "end": f"{end:%H:%M}", "label": row["label"]})
            rows.append(index)
    body["breaks"] = breaks
    return body, errors, rows


def api_errors(error: BackendError, rows: list[int]) -> dict[str, str]:
    """The registry's field errors under the form's field names (breaks renumbered to their form rows)."""
    errors = errors_by_field(error.field_errors, {f"contact.{part}": name for name, part in CONTACT_FIELDS.items()})
    named: dict[str, str] = {}
    for name, message in errors.items():
        parts = name.split(".")
        if parts[0] == "breaks" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(rows):
            parts[1] = str(rows[int(parts[1])])
            name = ".".join(parts)
        named.setdefault(name, message)
    if not named:
        # The problem's detail is written for API clients (in English, naming fields): not for the page.
        named["_form"] = _("Evenemanget kunde inte sparas.")
    return named


def opening_refusal(error: BackendError) -> str | None:
    """Why sign-up could not open, in the organiser's words, when the registry refused for the dates."""
    if not str(error.problem.get("type", "")).endswith(":dates-passed"):
        return None
    reasons = [_(DATE_MESSAGES[item["code"]]) for item in error.field_errors if item.get("code") in DATE_MESSAGES]
    return " ".join([_("Anmälan kan inte öppnas."), *reasons, _("Ändra evenemanget först och öppna sedan anmälan.")])


def municipality_options(current: str | None) -> list[tuple[str, str]]:
    """Every Swedish municipality as (code, name), and ``current`` when it is none of them."""
    options = all_municipalities()
    if current and current not in {code for code, _ in options}:
        options.append((current, current))
    return options


def form_choices(form: Mapping[str, Any]) -> dict[str, Any]:
    """The form's pickers: the 21 counties for the region, the venue's municipality grouped by county with the
    chosen region's first (Dalarna when none is chosen)."""
    region = form.get("region") or DALARNA_COUNTY_CODE
    return {
        "counties": county_options(),
        "municipalities": municipality_groups(region, form.get("municipality_code")),
    }


async def repeat_pairs_setting(api: Backend, event_id: str) -> bool:
    """Whether the event avoids pairs who met before (the matcher's day setting; on by default)."""
    settings = await api.get("matcher", f"/events/{event_id}/day-settings")
    return bool(settings.get(REPEAT_PAIRS, True))


async def save_repeat_pairs_setting(api: Backend, event_id: str, avoid: bool) -> None:
    """Store the form's choice in the matcher's day settings when it changed (the others as they are)."""
    settings = await api.get("matcher", f"/events/{event_id}/day-settings")
    if bool(settings.get(REPEAT_PAIRS, True)) == avoid:
        return
    # A PUT sets every day setting (one left out takes its default): the others go back as read.
    body = {name: value for name, value in settings.items() if name not in DAY_SETTINGS_METADATA} | {
        REPEAT_PAIRS: avoid
    }
    await api.put("matcher", f"/events/{event_id}/day-settings", body, headers={"If-Match": settings["etag"]})
