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
# The follow-up round's answers, months later.
BIDS = {"yes": N_("Ja"), "no": N_("Nej"), "unknown": N_("Vet inte än")}
AWARDS = {"yes": N_("Ja"), "no": N_("Nej"), "pending": N_("Inte avgjort än")}
PROCURED = {"direct_award": N_("Direktupphandling"), "tender": N_("Annonserad upphandling"),
            "cancelled": N_("Avbrutet"), "not_yet": N_("Inte än")}  # fmt: skip
OUTCOMES = {
    "sparat": N_("Inställningarna för utvärderingen är sparade."),
    "fel": N_(
        "Inställningarna sparades inte: kontrollera tiden och att svarstiden är längre än tiden till påminnelsen."
    ),
    "andrad": N_("Inställningarna sparades inte: någon annan ändrade dem under tiden. Här är de som gäller nu."),
}


def percent(part: int, whole: int) -> str:
    """A share as a whole percentage, '–' of nothing.

    Examples
    --------
    >>> percent(1, 4), percent(0, 0), percent(2, 3)
    ('25 %', '–', '67 %')
    """
    return f"{round(100 * part / whole)} %" if whole else "–"


def side_rates(found: dict[str, Any]) -> list[dict[str, Any]]:
    """Asked, answered and their share per side, from a round's figures."""
    return [
        {"label": _(label), "asked": found["sides"][side]["asked"], "answered": found["sides"][side]["answered"],
         "rate": percent(found["sides"][side]["answered"], found["sides"][side]["asked"])}
        for side, label in SIDES.items()
    ]  # fmt: skip


def follow_up_summary(found: dict[str, Any] | None) -> dict[str, Any] | None:
    """The follow-up round's figures: rates, per need the firms' bids and awards and the buyer's answer.

    Examples
    --------
    >>> rate = {"asked": 2, "answered": 1}
    >>> found = {"opens_at": None, "closes_at": None, "asked": 4, "answered": 1, "sides": {"sme": rate,
    ...          "buyer": rate}, "procured": {"tender": 1}, "comments": 0, "needs": [{"title": "Städ",
    ...          "buyer_name": "Falu kommun", "bids": {"yes": 1}, "awards": {"pending": 1}, "procured": None}]}
    >>> shown = follow_up_summary(found)
    >>> shown["rate"], shown["needs"][0]["bids"], shown["needs"][0]["procured"], shown["procured"][1]["count"]
    ('25 %', [1, 0, 0], '–', 1)
    """
    if found is None:
        return None
    needs = [
        {"title": n["title"], "buyer_name": n["buyer_name"], "bids": [n["bids"].get(k, 0) for k in BIDS],
         "awards": [n["awards"].get(k, 0) for k in AWARDS],
         "procured": _(PROCURED[n["procured"]]) if n["procured"] else "–"}
        for n in found["needs"]
    ]  # fmt: skip
    return {
        "opens_at": found["opens_at"], "closes_at": found["closes_at"], "asked": found["asked"],
        "answered": found["answered"], "rate": percent(found["answered"], found["asked"]),
        "sides": side_rates(found), "needs": needs, "comments": found["comments"],
        "procured": [{"label": _(label), "count": found["procured"].get(k, 0)} for k, label in PROCURED.items()],
    }  # fmt: skip


def summary(found: dict[str, Any]) -> dict[str, Any]:
    """The page's figures and rows from the matcher's document."""
    sides = side_rates(found)
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
        "follow_up": follow_up_summary(found.get("follow_up")),
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
    """POST /arrangor/evenemang/{id}/utvardering: store the event's feedback settings in the matcher, with
    If-Match of the settings the form showed (someone else's change meanwhile is not overwritten)."""
    require_user(request, Role.ORGANISER)
    event_id = path_uuid(request)
    form = await request.post()
    etag = str(form.get("etag", ""))
    headers = {"If-Match": etag} if etag.startswith('"') and etag.endswith('"') and len(etag) < 80 else {}
    done = "sparat"
    try:
        await backend(request).put(
            "matcher", f"/events/{event_id}/feedback-settings", settings_body(form), headers=headers
        )
    except BackendError as error:
        if error.status not in (412, 422):
            raise
        done = "andrad" if error.status == 412 else "fel"
    raise redirect(f"/arrangor/evenemang/{event_id}/utvardering?installningar={done}#feedback-settings")
