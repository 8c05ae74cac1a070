"""The organiser's feedback page of an event (``/arrangor/evenemang/{id}/utvardering``): how many of those
asked after the day have answered (firms and buyers apart), how many answers per rating, and every answer
with its comment. The matcher's ``GET /events/{id}/feedback`` is for organisers only; participants never
see each other's answers."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from shared.auth import Role

from .i18n import N_
from .i18n import gettext as _
from .pages_common import load_event, path_uuid
from .render import backend, render, require_user

RATINGS = {
    "did_not_take_place": N_("Mötet blev inte av"),
    "no_further_interest": N_("Inget fortsatt intresse"),
    "will_follow_up": N_("Följer upp"),
    "will_bid_or_buy": N_("Lämnar anbud eller köper"),
}
SIDES = {"sme": N_("Företag"), "buyer": N_("Köpare")}


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
    return render(request, "organiser/utvardering.html", {"event": event, **summary(found)})
