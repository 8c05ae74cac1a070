"""The after-day feedback form by the participant's agenda link (``/a/{token}/utvardering``), for phones
without a login or JavaScript.

One block per meeting with the four choices and a comment; posted back here as a plain form and answered
303 to the page with a word that it was saved, or the page again (422) with each field's error and what
was typed, nothing stored. The link's secret in the path is the credential, as for the agenda and the day
page (:mod:`services.matcher.onsite.day_link_page`), and the page's policy lets forms post only to itself.
Swedish first, ``?lang=en`` English. A firm can also ask here for the individual support after the day
(a checkbox and a note): saving the form with it ticked makes the firm's support request (source
``feedback``) once, in the answers' transaction (:mod:`services.matcher.support`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg
from aiohttp import web
from pydantic import ValidationError

from shared import formatting
from shared.clock import CLOCK_KEY
from shared.openapi import operation

from ..agendas.cache import AgendaCache
from ..agendas.link_store import StoredLink
from ..support.page_ask import SUPPORT_WORDS, FeedbackPage, SupportAsk, with_support
from .link_form import environment, html_response, lang_of, own_by_link, post_form
from .model import RATINGS, AnswerIn, FeedbackIn, MyFeedback
from .store import my_feedback, save_answers

PAGE = "/a/{token}/utvardering"
# The errors a block can have, apart so that the code reads them as text (WORDS also holds the ratings' words).
ERRORS = {
    "sv": {"bad_rating": "Välj ett av alternativen.", "too_long": "Kommentaren får vara högst 2000 tecken."},
    "en": {"bad_rating": "Choose one of the options.", "too_long": "The comment can be at most 2000 characters."},
}
WORDS = {
    "sv": {
        "title": "Hur gick mötena?", "back": "Tillbaka till agendan", "other_language": "English",
        "intro": "Svara för varje möte. Bara arrangören ser era svar.", "until": "Ni kan ändra svaren till",
        "ratings": {"did_not_take_place": "Mötet blev inte av", "no_further_interest": "Inget fortsatt intresse",
                    "will_follow_up": "Vi följer upp", "will_bid_or_buy": "Vi lämnar anbud eller köper"},
        "what": "Vad blev det av mötet?", "comment": "Kommentar (valfri, visas bara för arrangören)",
        "send": "Spara svaren", "saved": "Tack! Era svar är sparade.", "table": "bord",
        "not_open": "Utvärderingen öppnar när dagen är slut.", "closed": "Utvärderingen är stängd.",
        "no_meetings": "Ni hade inga möten att utvärdera.", "fix": "Något behöver rättas nedan; inget sparades.",
        **ERRORS["sv"], **SUPPORT_WORDS["sv"],
    },
    "en": {
        "title": "How did the meetings go?", "back": "Back to the agenda", "other_language": "Svenska",
        "intro": "Answer for each meeting. Only the organiser sees your answers.", "until": "You can change them until",
        "ratings": {"did_not_take_place": "The meeting did not take place",
                    "no_further_interest": "No further interest", "will_follow_up": "We will follow up",
                    "will_bid_or_buy": "We will bid or buy"},
        "what": "What came of the meeting?", "comment": "Comment (optional, seen by the organiser only)",
        "send": "Save the answers", "saved": "Thank you! Your answers are saved.", "table": "table",
        "not_open": "Feedback opens when the day is over.", "closed": "The feedback round is closed.",
        "no_meetings": "You had no meetings to rate.", "fix": "Something needs fixing below; nothing was saved.",
        **ERRORS["en"], **SUPPORT_WORDS["en"],
    },
}  # fmt: skip


def _render(
    request: web.Request, found: FeedbackPage, lang: str, *, status: int = 200, typed: dict | None = None,
    errors: dict[str, str] | None = None, saved: bool = False,
) -> web.Response:  # fmt: skip
    now = request.app[CLOCK_KEY].now()
    token = request.match_info["token"]
    meetings = []
    for m in found.meetings:
        key = str(m.counterpart_id)
        given = (typed or {}).get(key)
        meetings.append({**m.model_dump(), "key": key, "rating": given[0] if given else m.rating,
                         "comment": given[1] if given else m.comment, "error": (errors or {}).get(key)})  # fmt: skip
    body = environment().get_template("feedback_link.html").render(
        lang=lang, prefix="feedback", other_lang="en" if lang == "sv" else "sv", w=WORDS[lang], ratings=RATINGS,
        meetings=meetings,
        open=found.open, not_yet=now < found.opens_at, until=formatting.when(found.closes_at, lang), saved=saved,
        errors=bool(errors), action=f"/a/{token}/utvardering", support=found.support,
        support_typed=(typed or {}).get("support"), support_error=(errors or {}).get("support"),
        agenda_url=f"/a/{token}.html" + ("?lang=en" if lang == "en" else ""),
    ).encode()  # fmt: skip
    return html_response(body, status)


@operation(
    "The after-day feedback form by the agenda link (no login, no script)",
    tags=("feedback",),
    response_content_type="text/html",
    errors=(404,),
    description="One block per meeting: four choices and a comment. ?lang=en for English. 404 for an unknown "
    "link or before a round exists.",
)
async def own_feedback(request: web.Request) -> MyFeedback:
    """The link's own meetings and answers."""
    return await own_by_link(request, my_feedback)


async def _load(conn: asyncpg.Connection, link: StoredLink, now, *, cache: AgendaCache | None) -> FeedbackPage:
    return await with_support(conn, link, await my_feedback(conn, link, now, cache=cache))


async def _save(
    conn: asyncpg.Connection,
    link: StoredLink,
    body: tuple[FeedbackIn, SupportAsk | None],
    now,
    *,
    cache: AgendaCache | None,
):
    """The answers, and the firm's support request when it ticked the box, all or nothing."""
    answers, ask = body
    async with conn.transaction():
        saved = await save_answers(conn, link, answers, now, cache=cache)
        if ask is not None:
            await ask.make(conn, link, now)
    return saved


async def get_feedback_page(request: web.Request) -> web.Response:
    """The form."""
    found = await own_by_link(request, _load)  # and whether the firm asked for support
    return _render(request, found, lang_of(request.query.get("lang")), saved="sparat" in request.query)


@operation(
    "Save the after-day feedback form (form post)",
    tags=("feedback",),
    status=303,
    errors=(404, 409, 422),
    description="Fields rating-{counterpart_id} and comment-{counterpart_id} per meeting, support (a firm asks "
    "for individual support after the day) with support-note, and lang. Answered 303 "
    "to the page with ?sparat=1; the page again with field errors (422) when something is wrong, nothing stored.",
)
async def post_feedback_page(request: web.Request) -> web.Response:
    """The form, posted."""
    return await post_form(
        request, load=_load, parse=_parse, save=_save, render=_render, page="utvardering",
        bad=lambda lang: ERRORS[lang]["bad_rating"],
    )  # fmt: skip


# What was typed, to show again: (rating, comment) per meeting's counterpart id, and "support": the box's note.
Typed = dict[str, tuple[str | None, str] | str]


def _parse(
    found: FeedbackPage, form: Mapping[str, Any], lang: str
) -> tuple[Typed, dict[str, str], tuple[FeedbackIn, SupportAsk | None]]:
    """Each meeting's block: untouched is left as it is, a comment needs a rating; the support box."""
    typed: Typed = {}
    errors: dict[str, str] = {}
    answers: list[AnswerIn] = []
    ask = SupportAsk.parse(found, form, lang, typed, errors)
    for m in found.meetings:
        key = str(m.counterpart_id)
        rating, comment = str(form.get(f"rating-{key}", "")), str(form.get(f"comment-{key}", ""))
        typed[key] = (rating or None, comment)
        if not rating and not comment.strip():
            continue  # not answered (yet): left as it is
        if rating not in RATINGS:
            errors[key] = ERRORS[lang]["bad_rating"]
            continue
        try:
            answers.append(AnswerIn(counterpart_id=m.counterpart_id, rating=rating, comment=comment))
        except ValidationError:
            errors[key] = ERRORS[lang]["too_long"]
    return typed, errors, (FeedbackIn(answers=answers), ask)


def add_routes(app: web.Application) -> None:
    app.router.add_get(PAGE, get_feedback_page)
    app.router.add_post(PAGE, post_feedback_page)
