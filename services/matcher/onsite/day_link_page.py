"""The participant's day by its agenda link, as a page for phones without a login (``/a/{token}/dagen.html``).

Linked from the agenda page the link opens. A firm (or buyer) says "Kan inte" for one meeting or
"Upptagen" for one slot, with a reason; the buyer at its table taps "Genomfört" or "Uteblev" once a
meeting has started, and "Ångra" to take such a mark back. Plain HTML forms (no script), posted back here
and answered 303 to the page with a word on what happened; each does what the JSON routes of the link do
(``/a/{token}/declines``, ``…/busy``, ``…/meetings/{sme}/status``). The link's secret in the path is the
credential, as for the agenda itself. Swedish first, ``?lang=en`` English.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any
from uuid import UUID

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import TypeAdapter, ValidationError

from shared import labels
from shared.clock import CLOCK_KEY
from shared.db import POOL_KEY
from shared.errors import ProblemError
from shared.openapi import operation
from shared.security_headers import document_policy
from shared.text import Reason
from shared.web import read_form

from ..agendas.live import LivePage
from ..agendas.words import words as agenda_words
from ..keys import SETTINGS_KEY
from ..sql import onsite_day as sql
from . import day_access as access
from . import declines, mark_undo, meeting_status
from .day_version import published_day

WORDS = {
    "sv": {
        "title": "Er dag", "back": "Tillbaka till agendan", "other_language": "English",
        "declined": "Ni har meddelat att ni inte kan.", "held": "Genomfört", "no_show": "Uteblev", "undo": "Ångra",
        "cannot": "Kan inte", "reason": "Varför? (visas för arrangören)", "send_cannot": "Meddela att vi inte kan",
        "no_meetings": "Ni har inga möten i schemat.", "busy_heading": "Upptagen en stund?", "slot": "Pass",
        "busy": "upptagen", "send_busy": "Markera passet som upptaget",
        "statuses": labels.labels("meeting_status", "sv"),  # the same words as the web's day pages
    },
    "en": {
        "title": "Your day", "back": "Back to the agenda", "other_language": "Svenska",
        "declined": "You have said you can't make it.", "held": "Held", "no_show": "No-show", "undo": "Undo",
        "cannot": "Can't make it", "reason": "Why? (shown to the organiser)",
        "send_cannot": "Tell them we can't make it",
        "no_meetings": "You have no meetings in the schedule.", "busy_heading": "Busy for a while?", "slot": "Slot",
        "busy": "busy", "send_busy": "Mark the slot as busy",
        "statuses": labels.labels("meeting_status", "en"),
    },
}  # fmt: skip
# What the page says after a form was sent (?dag=…, the outcome's slug).
OUTCOMES: dict[str, dict[str, str]] = {
    "sv": {"markerat": "Mötet är markerat.", "angrat": "Markeringen är ångrad: mötet är planerat igen.",
           "gatt-vidare": "Tiden har redan gått till ett annat företag, så markeringen kan inte ångras.",
           "avbojt": "Tack, arrangören ser att ni inte kan.",
           "upptagen": "Tack, passet är markerat som upptaget.",
           "inte-borjat": "Mötet har inte börjat än, så det kan inte markeras ännu.",
           "har-borjat": "Mötet har redan börjat och kan inte avböjas.",
           "over": "Evenemanget är redan över.", "fel": "Det gick inte. Ladda om sidan och försök igen."},
    "en": {"markerat": "The meeting is marked.",
           "angrat": "The mark is undone: the meeting is planned again.",
           "gatt-vidare": "The time has already gone to another firm, so the mark cannot be undone.",
           "avbojt": "Thank you, the organiser can see you can't make it.",
           "upptagen": "Thank you, the slot is marked as busy.",
           "inte-borjat": "The meeting has not started yet, so it cannot be marked yet.",
           "har-borjat": "The meeting has already started and cannot be declined.",
           "over": "The event is already over.", "fel": "That did not work. Reload the page and try again."},
}  # fmt: skip
SLUGS = {
    "meeting-not-started": "inte-borjat",
    "meeting-started": "har-borjat",
    "event-over": "over",
    "freed-slot-filled": "gatt-vidare",
}
DAY_PAGE = "/a/{token}/dagen.html"
_REASON = TypeAdapter(Reason)
_FORM = (
    " A form post (application/x-www-form-urlencoded, with `lang`), answered 303 to the day page with `?dag=` "
    "saying what happened. 404 for an unknown link."
)


@functools.cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(Path(__file__).with_name("templates")), autoescape=True, undefined=StrictUndefined
    )


def _lang(value: Any) -> str:
    return "en" if value == "en" else "sv"


async def _page_context(request: web.Request, lang: str) -> dict[str, Any]:
    link = await access.link_of(request)
    async with request.app[POOL_KEY].acquire() as conn:
        day = await published_day(conn, link.event_id)
        names = {r["id"]: r["name"] for r in await conn.fetch(sql.SELECT_PARTICIPANT_NAMES, day.id)}
    from .day_routes import participant_day  # the JSON day view, which registers this page's routes

    mine = await participant_day(request, link.event_id, link.organisation_id)
    buyer = any(m.buyer_id == link.organisation_id for m in mine.meetings)
    declined = {u.counterpart_id for u in mine.unavailability if u.kind == "decline"}
    busy = {u.slot for u in mine.unavailability if u.kind == "busy"}
    meetings = []
    for m in mine.meetings:
        other = m.sme_id if buyer else m.buyer_id
        meetings.append(
            {"counterpart_id": other, "counterpart_name": names.get(other, "–"), "time": m.time,
             "status": m.status, "started": m.started, "declined": other in declined}
        )  # fmt: skip
    w = WORDS[lang]
    token = request.match_info["token"]
    return {
        "lang": lang,
        "other_lang": "en" if lang == "sv" else "sv",
        "w": w,
        "name": names.get(link.organisation_id, ""),
        "phase": mine.phase,
        "buyer": buyer,
        "meetings": meetings,
        "slots": [{"index": s.index, "label": s.label, "busy": s.index in busy} for s in day.slots.values()],
        "outcome": OUTCOMES[lang].get(request.query.get("dag", "")),
        "base": f"/a/{token}/dagen",
        "agenda_url": f"/a/{token}.html" + ("?lang=en" if lang == "en" else ""),
        # The page follows re-plans like the agenda page (agendas/live.py): a live fill reaches the table's phone.
        "live": LivePage(version=day.number, seconds=request.app[SETTINGS_KEY].agenda_refresh_seconds),
        "live_words": agenda_words(lang),
    }


@operation(
    "The participant's day by its agenda link, as a page with forms (Kan inte, Upptagen, Genomfört / Uteblev)",
    tags=("event day",),
    response_content_type="text/html",
    errors=(404,),
    description="For phones without a login; ?lang=en for English. 404 for an unknown link or before publication.",
)
async def get_day_page(request: web.Request) -> web.Response:
    """The no-login day page."""
    try:
        context = await _page_context(request, _lang(request.query.get("lang")))
    except ProblemError as error:
        raise access.private(error) from None
    body = _environment().get_template("day_link.html").render(**context).encode()
    # The agenda pages' policy (its script file and fetches back here), with forms allowed to post back here.
    policy = document_policy(body, script=True).replace("form-action 'none'", "form-action 'self'")
    return web.Response(
        body=body, content_type="text/html", charset="utf-8",
        headers={**access.LINK_HEADERS, "Content-Security-Policy": policy},
    )  # fmt: skip


def _back(request: web.Request, lang: str, outcome: str) -> web.HTTPSeeOther:
    query = f"?dag={outcome}" + ("&lang=en" if lang == "en" else "")
    return web.HTTPSeeOther(f"/a/{request.match_info['token']}/dagen.html{query}", headers=access.LINK_HEADERS)


def _outcome_of(error: ProblemError) -> str:
    if error.status >= 500 or (error.status == 404 and error.slug not in ("no-such-meeting",)):
        raise access.private(error)
    return SLUGS.get(error.slug or "", "fel")


def _form_uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


def _form_reason(value: Any) -> str:
    try:
        return _REASON.validate_python(str(value or ""))
    except ValidationError:
        return ""


async def _declare_by_form(request: web.Request, kind: str) -> web.Response:
    link = await access.link_of(request)
    form = await read_form(request)
    lang = _lang(form.get("lang"))
    counterpart = _form_uuid(form.get("counterpart_id")) if kind == "decline" else None
    slot_text = str(form.get("slot", ""))
    slot = int(slot_text) if kind == "busy" and slot_text.isdigit() and len(slot_text) < 6 else None
    if (kind == "decline" and counterpart is None) or (kind == "busy" and slot is None):
        raise _back(request, lang, "fel")
    try:
        async with request.app[POOL_KEY].acquire() as conn:
            await declines.declare(
                conn, event_id=link.event_id, organisation_id=link.organisation_id, kind=kind,
                counterpart_id=counterpart, slot=slot, reason=_form_reason(form.get("reason")),
                actor=access.link_actor(request, link), now=request.app[CLOCK_KEY].now(),
            )  # fmt: skip
    except ProblemError as error:
        raise _back(request, lang, _outcome_of(error)) from None
    raise _back(request, lang, "avbojt" if kind == "decline" else "upptagen")


@operation(
    "Decline one meeting from the no-login day page (form)",
    tags=("event day",),
    status=303,
    errors=(404,),
    description="Form fields counterpart_id and reason." + _FORM,
)
async def post_day_decline(request: web.Request) -> web.Response:
    """Kan inte, by form."""
    return await _declare_by_form(request, "decline")


@operation(
    "Mark a slot busy from the no-login day page (form)",
    tags=("event day",),
    status=303,
    errors=(404,),
    description="Form fields slot and reason." + _FORM,
)
async def post_day_busy(request: web.Request) -> web.Response:
    """Upptagen, by form."""
    return await _declare_by_form(request, "busy")


@operation(
    "Mark a meeting held or missed from the buyer's no-login day page (form)",
    tags=("event day",),
    status=303,
    errors=(404,),
    description="Form fields sme_id and status (held or no_show_sme; planned takes such a mark back, as "
    "DELETE …/meetings/{sme_id}/status does); the buyer's own link only." + _FORM,
)
async def post_day_mark(request: web.Request) -> web.Response:
    """Genomfört / Uteblev / Ångra, by form."""
    link = await access.link_of(request)
    form = await read_form(request)
    lang = _lang(form.get("lang"))
    sme_id, status = _form_uuid(form.get("sme_id")), str(form.get("status", ""))
    if sme_id is None or (status not in meeting_status.BUYER_STATUSES and status != "planned"):
        raise _back(request, lang, "fel")
    ids = {"event_id": link.event_id, "sme_id": sme_id, "buyer_id": link.organisation_id}
    actor, now = access.link_actor(request, link), request.app[CLOCK_KEY].now()
    try:
        async with request.app[POOL_KEY].acquire() as conn:
            settings = request.app[SETTINGS_KEY]
            if status == "planned":
                await mark_undo.undo_mark(conn, settings, **ids, actor=actor, now=now, at_table=True)
            else:
                await meeting_status.mark_meeting(conn, **ids, status=status, actor=actor, now=now, settings=settings)
    except ProblemError as error:
        raise _back(request, lang, _outcome_of(error)) from None
    raise _back(request, lang, "angrat" if status == "planned" else "markerat")


def add_routes(app: web.Application) -> None:
    app.router.add_get(DAY_PAGE, get_day_page)
    app.router.add_post("/a/{token}/dagen/kan-inte", post_day_decline)
    app.router.add_post("/a/{token}/dagen/upptagen", post_day_busy)
    app.router.add_post("/a/{token}/dagen/markera", post_day_mark)
