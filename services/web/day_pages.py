"""The event day on the participants' and the organiser's pages: the buyer's one-tap "Genomfört" / "Uteblev"
per started meeting (and "Ångra" to take its mark back), the firm's "Kan inte" per meeting and "Upptagen" per
slot (with a reason), and the organiser's day summary and day settings.

Everything goes through the matcher's API with the signed-in person's token (``/events/{id}/day``,
``…/organisations/{org}/day``, ``…/meetings/{sme}/{buyer}/status``, ``…/declines``, ``…/busy``,
``…/day-settings``); whether a meeting has started is the matcher's clock's answer. Every form works
without JavaScript; after a POST the page is shown again (303) with a word on what happened.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from shared import labels
from shared.auth import Role

from .backend import BackendError
from .i18n import N_
from .i18n import gettext as _
from .pages_common import page_language, path_uuid
from .render import backend, redirect, require_user

STATE_WORDS = {"pending": N_("väntar på arrangören"), "applied": N_("genomfört"), "dismissed": N_("avslaget")}
CAUSE_WORDS = {"no_show": N_("uteblev"), "decline": N_("kan inte"), "cancellation": N_("inställt")}
FREED_WORDS = {
    "open": N_("väntar på ersättare"),
    "filled": N_("fylld"),
    "expired": N_("hann inte fyllas"),
    "withdrawn": N_("togs tillbaka (markeringen ångrades eller företaget kom)"),
}
# The marks the buyer makes at its table, and so may take back ("Ångra").
UNDOABLE = ("held", "no_show_sme")
# ?dag= after a POST: what the page says.
OUTCOMES = {
    "markerat": N_("Mötet är markerat."),
    "angrat": N_("Markeringen är ångrad: mötet är planerat igen."),
    "gatt-vidare": N_("Tiden har redan gått till ett annat företag, så markeringen kan inte ångras."),
    "avbojt": N_("Tack, vi har tagit emot att ni inte kan. Arrangören ser det."),
    "upptagen": N_("Tack, passet är markerat som upptaget."),
    "sparat": N_("Inställningarna för dagen är sparade."),
    "inte-borjat": N_("Mötet har inte börjat än, så det kan inte markeras ännu."),
    "har-borjat": N_("Mötet har redan börjat och kan inte avböjas."),
    "over": N_("Evenemanget är redan över."),
    "andrat": N_("Inställningarna ändrades av någon annan under tiden. Se dem nedan och försök igen."),
    "fel": N_("Det gick inte. Ladda om sidan och försök igen."),
    "borta": N_("Dagens uppgifter kan inte visas just nu. Försök igen om en stund."),
}
SLUGS = {
    "meeting-not-started": "inte-borjat",
    "meeting-started": "har-borjat",
    "event-over": "over",
    "freed-slot-filled": "gatt-vidare",
}


def words(table: dict[str, str]) -> dict[str, str]:
    return {key: _(text) for key, text in table.items()}


def outcome(request: web.Request) -> str | None:
    """The word for ``?dag=`` after a POST (None when there is none)."""
    key = request.query.get("dag", "")
    return _(OUTCOMES[key]) if key in OUTCOMES else None


def _failed(error: BackendError) -> str:
    """The ``?dag=`` code of a refused change (unexpected failures go to the error page)."""
    if error.status not in (403, 404, 409, 412, 422):
        raise error
    slug = str(error.problem.get("type", "")).rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return SLUGS.get(slug, "andrat" if error.status == 412 else "fel")


async def participant_day(request: web.Request, event_id: str, organisation_id: str) -> dict[str, Any] | None:
    """What the agenda pages show of the day: marks by pair, declines, busy slots; None before publication."""
    try:
        day = await backend(request).get("matcher", f"/events/{event_id}/organisations/{organisation_id}/day")
    except BackendError as error:
        if error.status != 404:
            raise
        return None
    return {
        "phase": day["phase"],
        "marks": {f"{m['sme_id']}/{m['buyer_id']}": m for m in day["meetings"]},
        "declined": {u["counterpart_id"]: u for u in day["unavailability"] if u["kind"] == "decline"},
        "busy": {u["slot"]: u for u in day["unavailability"] if u["kind"] == "busy"},
        "status_words": labels.labels("meeting_status", page_language()),  # as on the matcher's day page
        "undoable": UNDOABLE,
        "state_words": words(STATE_WORDS),
        "outcome": outcome(request),
    }


async def mark_meeting(request: web.Request) -> web.Response:
    """POST /kopare/evenemang/{id}/agenda/status: the buyer's tap on Genomfört or Uteblev, or on Ångra
    (``status=planned``: the mark is taken back)."""
    person = require_user(request, Role.BUYER)
    event_id = path_uuid(request, "event_id")
    form = await request.post()
    sme_id, status = str(form.get("sme_id", "")), str(form.get("status", ""))
    done = "angrat" if status == "planned" else "markerat"
    try:
        path = f"/events/{event_id}/meetings/{sme_id}/{person['organisation_id']}/status"
        if status == "planned":
            await backend(request).delete("matcher", path)
        else:
            await backend(request).put("matcher", path, {"status": status})
    except BackendError as error:
        done = _failed(error)
    raise redirect(f"/kopare/evenemang/{event_id}/agenda?dag={done}#day-{sme_id}")


async def _declare(request: web.Request, kind: str) -> web.Response:
    person = require_user(request, Role.SME)
    event_id = path_uuid(request)
    form = await request.post()
    reason = str(form.get("reason", ""))[:1000]
    if kind == "declines":
        body: dict[str, Any] = {"counterpart_id": str(form.get("counterpart_id", "")), "reason": reason}
        done = "avbojt"
    else:
        slot = str(form.get("slot", ""))
        body, done = {"slot": int(slot) if slot.isdigit() and len(slot) < 6 else -1, "reason": reason}, "upptagen"
    try:
        await backend(request).post(
            "matcher", f"/events/{event_id}/organisations/{person['organisation_id']}/{kind}", body
        )
    except BackendError as error:
        done = _failed(error)
    raise redirect(f"/foretag/evenemang/{event_id}/agenda?dag={done}#day")


async def decline_meeting(request: web.Request) -> web.Response:
    """POST /foretag/evenemang/{id}/agenda/kan-inte: the firm cannot come to one meeting."""
    return await _declare(request, "declines")


async def busy_slot(request: web.Request) -> web.Response:
    """POST /foretag/evenemang/{id}/agenda/upptagen: the firm is busy in one slot."""
    return await _declare(request, "busy")


# --- the organiser ---------------------------------------------------------------------------------------


async def organiser_day(request: web.Request, event_id: str) -> dict[str, Any]:
    """The event page's day section: the summary (once published) and the day settings with their ETag.

    The event page does not depend on the matcher: while it cannot be asked, the section says so.
    """
    api = backend(request)
    summary, settings, pending = None, None, []
    try:
        try:
            summary = await api.get("matcher", f"/events/{event_id}/day")
        except BackendError as error:
            if error.status != 404:
                raise
        settings = await api.get("matcher", f"/events/{event_id}/day-settings")
        if summary is not None and summary["declines_pending"]:
            pending = (await api.get("matcher", f"/events/{event_id}/declines", params={"state": "pending"}))["items"]
    except BackendError:
        return {"day": None, "day_settings": None, "day_pending": [], "day_outcome": _(OUTCOMES["borta"])}
    return {
        "day": summary,
        "day_settings": settings,
        "day_pending": pending,
        "day_outcome": outcome(request),
        "cause_words": words(CAUSE_WORDS),
        "freed_words": words(FREED_WORDS),
    }


def _settings_body(form: Any) -> dict[str, Any]:
    def number(name: str) -> int | None:
        value = str(form.get(name, "")).strip()
        return int(value) if value.isdigit() and len(value) < 6 else None

    return {
        "frozen_horizon_minutes": number("frozen_horizon_minutes")
        if number("frozen_horizon_minutes") is not None
        else 10,
        "live_mode": form.get("live_mode") == "on",
        "declines_before_day": "replan" if form.get("declines_before_day") == "replan" else "review",
        "remind_signup_days_before": number("remind_signup_days_before"),
        "remind_agenda_day_before": form.get("remind_agenda_day_before") == "on",
        "remind_minutes_before": number("remind_minutes_before"),
    }


async def save_day_settings(request: web.Request) -> web.Response:
    """POST /arrangor/evenemang/{id}/dagen: PUT the day settings with If-Match of the version the form showed."""
    require_user(request, Role.ORGANISER)
    event_id = path_uuid(request)
    form = await request.post()
    etag = str(form.get("etag", ""))
    headers = {"If-Match": etag} if etag.startswith('"') and etag.endswith('"') and len(etag) < 80 else {}
    done = "sparat"
    try:
        await backend(request).put("matcher", f"/events/{event_id}/day-settings", _settings_body(form), headers=headers)
    except BackendError as error:
        done = _failed(error)
    raise redirect(f"/arrangor/evenemang/{event_id}?dag={done}#day")


async def review_decline(request: web.Request) -> web.Response:
    """POST /arrangor/evenemang/{id}/dagen/avbokning: apply or dismiss a decline waiting for review."""
    require_user(request, Role.ORGANISER)
    event_id = path_uuid(request)
    form = await request.post()
    decline_id, state = str(form.get("decline_id", "")), str(form.get("state", ""))
    done = "sparat"
    try:
        if not decline_id.isdigit() or len(decline_id) > 18:
            raise BackendError(404)
        await backend(request).patch("matcher", f"/events/{event_id}/declines/{decline_id}", {"state": state})
    except BackendError as error:
        done = _failed(error)
    raise redirect(f"/arrangor/evenemang/{event_id}?dag={done}#day")
