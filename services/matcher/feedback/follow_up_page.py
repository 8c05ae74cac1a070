"""The follow-up form by the participant's agenda link (``/a/{token}/uppfoljning``), months after the day,
for phones without a login or JavaScript.

One block per need discussed: a firm chooses whether it bid and whether it was awarded, a buyer how the need
was procured, each with a comment. Posted back as a plain form: 303 to the page with a word that it was
saved, or the page again (422) with each need's error and what was typed, nothing stored. As the first
round's page (:mod:`.page`): the link's secret is the credential, Swedish first, ``?lang=en`` English.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from shared import formatting
from shared.clock import CLOCK_KEY
from shared.openapi import operation

from .follow_up import my_follow_up, save_follow_up
from .link_form import environment, html_response, lang_of, own_by_link, post_form
from .model import AWARDS, BIDS, PROCURED, FollowUpAnswerIn, FollowUpIn, MyFollowUp

PAGE = "/a/{token}/uppfoljning"
# The errors a block can have, apart so that the code reads them as text (WORDS also holds the choices' words).
ERRORS = {
    "sv": {"bad": "Välj ett svar på varje fråga.", "too_long": "Kommentaren får vara högst 2000 tecken."},
    "en": {"bad": "Choose an answer to each question.", "too_long": "The comment can be at most 2000 characters."},
}
WORDS = {
    "sv": {
        "title": "Vad blev det av?", "back": "Tillbaka till agendan", "other_language": "English",
        "intro": "Svara för varje behov ni pratade om. Bara arrangören ser era svar.",
        "until": "Ni kan ändra svaren till", "with": "Ni pratade med",
        "bid": "Lämnade ni anbud?", "awarded": "Fick ni uppdraget?", "procured": "Hur köptes det?",
        "bids": {"yes": "Ja", "no": "Nej", "unknown": "Vet inte än"},
        "awards": {"yes": "Ja", "no": "Nej", "pending": "Inte avgjort än"},
        "ways": {"direct_award": "Direktupphandling", "tender": "Annonserad upphandling", "cancelled": "Avbrutet",
                 "not_yet": "Inte än"},
        "comment": "Kommentar (valfri, visas bara för arrangören)", "send": "Spara svaren",
        "saved": "Tack! Era svar är sparade.", "not_open": "Uppföljningen öppnar några månader efter dagen.",
        "closed": "Uppföljningen är stängd.", "no_needs": "Det finns inga behov att följa upp.",
        "fix": "Något behöver rättas nedan; inget sparades.", **ERRORS["sv"],
    },
    "en": {
        "title": "What came of it?", "back": "Back to the agenda", "other_language": "Svenska",
        "intro": "Answer for each need you discussed. Only the organiser sees your answers.",
        "until": "You can change them until", "with": "You discussed it with",
        "bid": "Did you bid?", "awarded": "Were you awarded?", "procured": "How was it procured?",
        "bids": {"yes": "Yes", "no": "No", "unknown": "Not known yet"},
        "awards": {"yes": "Yes", "no": "No", "pending": "Not decided yet"},
        "ways": {"direct_award": "Direct award", "tender": "Advertised tender", "cancelled": "Cancelled",
                 "not_yet": "Not yet"},
        "comment": "Comment (optional, seen by the organiser only)", "send": "Save the answers",
        "saved": "Thank you! Your answers are saved.", "not_open": "The follow-up opens some months after the day.",
        "closed": "The follow-up is closed.", "no_needs": "There are no needs to follow up.",
        "fix": "Something needs fixing below; nothing was saved.", **ERRORS["en"],
    },
}  # fmt: skip
# The questions each side answers: (field, choices, their words' key).
QUESTIONS = {"sme": (("bid", BIDS, "bids"), ("awarded", AWARDS, "awards")), "buyer": (("procured", PROCURED, "ways"),)}


def _render(
    request: web.Request, found: MyFollowUp, lang: str, *, status: int = 200, typed: dict | None = None,
    errors: dict[str, str] | None = None, saved: bool = False,
) -> web.Response:  # fmt: skip
    token = request.match_info["token"]
    needs = []
    for n in found.needs:
        key = str(n.need_id)
        given = (typed or {}).get(key) or {}
        answers = {name: given.get(name, getattr(n, name)) for name in ("bid", "awarded", "procured")}
        needs.append({**n.model_dump(), **answers, "key": key, "comment": given.get("comment", n.comment),
                      "error": (errors or {}).get(key)})  # fmt: skip
    body = environment().get_template("follow_up_link.html").render(
        lang=lang, prefix="follow-up", other_lang="en" if lang == "sv" else "sv", w=WORDS[lang],
        questions=QUESTIONS[found.side],
        needs=needs, open=found.open, not_yet=request.app[CLOCK_KEY].now() < found.opens_at,
        until=formatting.when(found.closes_at, lang), saved=saved, errors=bool(errors),
        action=f"/a/{token}/uppfoljning",
        agenda_url=f"/a/{token}.html" + ("?lang=en" if lang == "en" else ""),
    ).encode()  # fmt: skip
    return html_response(body, status)


@operation(
    "The follow-up form months after the day, by the agenda link (no login, no script)",
    tags=("feedback",),
    response_content_type="text/html",
    errors=(404,),
    description="One block per need discussed: a firm's bid and award, a buyer's way of procuring, and a "
    "comment. ?lang=en for English. 404 for an unknown link or before anything is published.",
)
async def own_follow_up(request: web.Request) -> MyFollowUp:
    """The link's own needs and answers."""
    return await own_by_link(request, my_follow_up)


async def get_follow_up_page(request: web.Request) -> web.Response:
    """The form."""
    found = await own_follow_up(request)
    return _render(request, found, lang_of(request.query.get("lang")), saved="sparat" in request.query)


@operation(
    "Save the follow-up form (form post)",
    tags=("feedback",),
    status=303,
    errors=(404, 409, 422),
    description="Fields bid-, awarded- (firms) or procured- (buyers) and comment-{need_id} per need, and lang. "
    "Answered 303 to the page with ?sparat=1; the page again with errors (422) when something is wrong.",
)
async def post_follow_up_page(request: web.Request) -> web.Response:
    """The form, posted."""
    return await post_form(
        request, load=my_follow_up, parse=_parse, save=save_follow_up, render=_render, page="uppfoljning",
        bad=lambda lang: ERRORS[lang]["bad"],
    )  # fmt: skip


def _parse(
    found: MyFollowUp, form: Mapping[str, Any], lang: str
) -> tuple[dict[str, dict[str, str | None]], dict[str, str], FollowUpIn]:
    """Each need's block: untouched is left as it is; one half answered, or a comment alone, is an error."""
    typed: dict[str, dict[str, str | None]] = {}  # per need id, what was typed in each field (None: nothing)
    errors: dict[str, str] = {}
    answers: list[FollowUpAnswerIn] = []
    questions = QUESTIONS[found.side]
    for n in found.needs:
        key = str(n.need_id)
        given = {name: str(form.get(f"{name}-{key}", "")) for name, _, _ in questions}
        comment = str(form.get(f"comment-{key}", ""))
        typed[key] = {**{k: v or None for k, v in given.items()}, "comment": comment}
        if not any(given.values()) and not comment.strip():
            continue  # not answered (yet): left as it is
        if any(given[name] not in choices for name, choices, _ in questions):
            errors[key] = ERRORS[lang]["bad"]
            continue
        try:
            # Validated from the form's fields by name: this side's questions, each answer one of its choices.
            answers.append(FollowUpAnswerIn.model_validate({"need_id": n.need_id, "comment": comment, **given}))
        except ValidationError:
            errors[key] = ERRORS[lang]["too_long"]
    return typed, errors, FollowUpIn(answers=answers)


def add_routes(app: web.Application) -> None:
    app.router.add_get(PAGE, get_follow_up_page)
    app.router.add_post(PAGE, post_follow_up_page)
