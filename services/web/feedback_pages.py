"""The organiser's feedback page of an event (``/arrangor/evenemang/{id}/utvardering``): how many of those
asked after the day have answered (firms and buyers apart), how many answers per rating, and every answer
with its comment. The matcher's ``GET /events/{id}/feedback`` is for organisers only; participants never
see each other's answers."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from shared.auth import Role

from .backend import BackendError
from .i18n import N_
from .i18n import gettext as _
from .pages_common import load_event, path_uuid
from .render import backend, redirect, render, require_user

RATINGS = {
    "did_not_take_place": N_("Mötet blev inte av"),
    "no_further_interest": N_("Inget fortsatt intresse"),
    "will_follow_up": N_("Följer upp"),
    "will_bid_or_buy": N_("Lämnar anbud eller köper"),
}
SIDES = {"sme": N_("Företag"), "buyer": N_("Köpare")}
OUTCOMES = {
    "sparat": N_("Inställningarna för utvärderingen är sparade."),
    "fel": N_(
        "Inställningarna sparades inte: kontrollera tiden och att svarstiden är längre än tiden till påminnelsen."
    ),
}


def percent(part: int, whole: int) -> str:
    """A share as a whole percentage, '–' of nothing.

    Examples
    --------
    >>> percent(1, 4), percent(0, 0), percent(2, 3)
    ('25 %', '–', '67 %')
    """
    return f"{round(100 * part / whole)} %" if whole else "–"


def summary(found: dict[str, Any]) -> dict[str, Any]:
    """The page's figures and rows from the matcher's document."""
    sides = [
        {"label": _(label), "asked": found["sides"][side]["asked"], "answered": found["sides"][side]["answered"],
         "rate": percent(found["sides"][side]["answered"], found["sides"][side]["asked"])}
        for side, label in SIDES.items()
    ]  # fmt: skip
    counts = found["ratings"]
    total = sum(counts.values())
    ratings = [
        {"label": _(label), "count": counts.get(key, 0), "share": percent(counts.get(key, 0), total)}
        for key, label in RATINGS.items()
    ]
    answers = [
        {**answer, "rating_label": _(RATINGS[answer["rating"]]), "side_label": _(SIDES[answer["side"]])}
        for answer in found["answers"]
    ]
    return {
        "asked": found["asked"],
        "answered": found["answered"],
        "rate": percent(found["answered"], found["asked"]),
        "sides": sides,
        "ratings": ratings,
        "answers": answers,
        "opens_at": found["opens_at"],
        "closes_at": found["closes_at"],
    }


async def feedback_page(request: web.Request) -> web.Response:
    """GET /arrangor/evenemang/{id}/utvardering: response rates, ratings and answers after the day."""
    require_user(request, Role.ORGANISER)
    event_id = path_uuid(request)
    event = await load_event(request, event_id)
    found = await backend(request).get("matcher", f"/events/{event_id}/feedback")
    settings = await backend(request).get("matcher", f"/events/{event_id}/feedback-settings")
    settings["after_day_time"] = str(settings["after_day_time"])[:5]  # HH:MM for the time field
    outcome = OUTCOMES.get(request.query.get("installningar", ""))
    context = {"event": event, "settings": settings, "outcome": _(outcome) if outcome else None, **summary(found)}
    return render(request, "organiser/utvardering.html", context)


def settings_body(form: Any) -> dict[str, Any]:
    """The matcher's feedback settings from the page's form (a field left empty or unreadable: its default).

    Examples
    --------
    >>> settings_body({"after_day_time": "19:30", "reminder_days": "2", "open_days": "x"})
    {'after_day_time': '19:30', 'reminder_days': 2}
    """
    body: dict[str, Any] = {}
    time = str(form.get("after_day_time", "")).strip()
    if len(time) == 5 and time[2] == ":" and time.replace(":", "").isdigit():
        body["after_day_time"] = time
    for name in ("reminder_days", "open_days", "follow_up_months"):
        value = str(form.get(name, "")).strip()
        if value.isdigit() and len(value) < 4:
            body[name] = int(value)
    return body


async def save_feedback_settings(request: web.Request) -> web.Response:
    """POST /arrangor/evenemang/{id}/utvardering: store the event's feedback settings in the matcher."""
    require_user(request, Role.ORGANISER)
    event_id = path_uuid(request)
    form = await request.post()
    done = "sparat"
    try:
        await backend(request).put("matcher", f"/events/{event_id}/feedback-settings", settings_body(form))
    except BackendError as error:
        if error.status != 422:
            raise
        done = "fel"
    raise redirect(f"/arrangor/evenemang/{event_id}/utvardering?installningar={done}#feedback-settings")
