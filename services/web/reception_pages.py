"""The reception on the event's day: find a participant (name, org.nr or the QR-scanned agenda link) and
check it in with one tap, undo a mistake, register a firm that came unannounced, keep the stand-by list,
and let the organiser hand helpers (värdar) a sign-in link for this event's reception only.

Every change goes through the matcher's and the registry's APIs as the signed-in organiser or host; the
services decide whether it is the event's day. Works without JavaScript and on a phone.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web

from shared.auth import Role

from .backend import Backend, BackendError
from .forms import errors_by_field, text
from .i18n import gettext as _
from .pages_common import cpv_codes_of, load_event, page_language, path_uuid
from .reference_pages import check_orgnr
from .render import backend, redirect, render, require_user, settings_of, user
from .session import set_session
from .sme_pages import picked_cpv

# A scanned QR code is the check-in address (…/incheckning/<token>) or, on older prints, the agenda link
# URL (…/a/<token>); the token is 43 URL-safe characters.
_LINK = re.compile(r"(?:^|/a/|/incheckning/)([A-Za-z0-9_-]{43})(?:[./?#]|$)")
HOW = {"qr", "name", "orgnr", "walk_in"}


def link_token_in(value: str | None) -> str | None:
    """The agenda link token a scanned or pasted text holds, or None (then it is a search).

    Examples
    --------
    >>> token = "A" * 43
    >>> link_token_in(f"https://agenda.example/a/{token}.html"), link_token_in(token) == token
    ('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', True)
    >>> link_token_in(f"https://affarstraff.example/incheckning/{token}") == token
    True
    >>> link_token_in("Falu Städ") is None
    True
    """
    found = _LINK.search((value or "").strip())
    return found.group(1) if found else None


def reception_user(request: web.Request, event_id: str) -> dict[str, Any]:
    """The organiser, the host of this very event, or a supporter granted it; others are refused."""
    person = require_user(request, Role.HOST, Role.SUPPORTER)
    if person["role"] == Role.HOST.value and person.get("event_id") != event_id:
        raise BackendError(403)
    if person["role"] == Role.SUPPORTER.value and event_id not in (person.get("event_access") or {}):
        raise BackendError(403)  # the matcher would refuse it too; a read-only grant sees, its check-ins are refused
    return person


def _back(event_id: str, **query: str | None) -> str:
    kept = {key: value for key, value in query.items() if value}
    path = f"/arrangor/evenemang/{event_id}/reception"
    return path + ("?" + urlencode(kept) if kept else "")


def _problem_text(error: BackendError) -> str:
    codes = {item.get("code") for item in error.field_errors}
    if "not_event_day" in codes:
        return _("Incheckning går bara på evenemangsdagen.")
    if "other_event" in codes:
        return _("Agendalänken hör till ett annat evenemang.")
    if "unknown_link" in codes:
        return _("Agendalänken finns inte eller är återkallad.")
    if codes & {"not_participant", "not_signed_up"}:
        return _("Organisationen är inte anmäld till evenemanget. Registrera den på plats.")
    if "cancelled" in codes:
        return _("Anmälan är avbokad. Registrera firman på plats i stället.")
    if "no_free_time" in codes:
        return _("Företaget har redan så många möten som det kan ta.")
    if "not_arrived" in codes:
        return _("Checka in företaget först.")
    if error.status == 404:
        return _("Schemat är inte publicerat än.")
    return _("Det gick inte. Försök igen.")


async def reception_page(request: web.Request) -> web.Response:
    """GET …/reception: search, counts and one big "Anländ" button per participant."""
    event_id = path_uuid(request)
    person = reception_user(request, event_id)
    q = (request.query.get("q") or "").strip()[:200]
    scanned = link_token_in(q)
    event = await load_event(request, event_id)
    params = {"q": q} if q and scanned is None else {}
    try:
        found = await backend(request).get("matcher", f"/events/{event_id}/reception", params=params)
    except BackendError as error:
        if error.status != 404:
            raise
        found = None
    context = {
        "event": event,
        "q": q,
        "scanned": scanned,
        "found": found,
        "is_organiser": person["role"] == Role.ORGANISER.value,
        "done": request.query.get("klart"),
        "problem": request.query.get("fel"),
        "host_link": None,
    }
    return render(request, "organiser/reception.html", context)


async def check_in(request: web.Request) -> web.Response:
    """POST …/reception/incheckning: check in by organisation id or by a scanned link."""
    event_id = path_uuid(request)
    reception_user(request, event_id)
    form = await request.post()
    q = text(form, "q")
    token = link_token_in(text(form, "link_token"))
    how = text(form, "how") if text(form, "how") in HOW else None
    body: dict[str, Any] = {"link_token": token} if token else {"organisation_id": text(form, "organisation_id")}
    if how:
        body["how"] = how
    try:
        arrival = await backend(request).post("matcher", f"/events/{event_id}/arrivals", body)
    except BackendError as error:
        if error.status not in (404, 409, 422):
            raise
        raise redirect(_back(event_id, q=q, fel=_problem_text(error))) from None
    done = _("%(name)s är incheckad.", name=arrival.get("name") or _("Deltagaren"))
    back = arrival.get("restored") or 0  # a firm marked absent that came after all: what it got back
    if back:
        done += " " + (_("1 möte återställt.") if back == 1 else _("%(n)s möten återställda.", n=back))
    raise redirect(_back(event_id, q=None if token else q, klart=done))


async def undo_check_in(request: web.Request) -> web.Response:
    """POST …/reception/{organisation_id}/angra: take back a mistaken check-in."""
    event_id = path_uuid(request)
    organisation_id = path_uuid(request, "organisation_id")
    reception_user(request, event_id)
    q = text(await request.post(), "q")
    try:
        await backend(request).delete("matcher", f"/events/{event_id}/arrivals/{organisation_id}")
    except BackendError as error:
        if error.status != 404:
            raise
    raise redirect(_back(event_id, q=q, klart=_("Incheckningen är ångrad.")))


async def standby(request: web.Request) -> web.Response:
    """POST …/reception/{organisation_id}/reserv: on (or, with ``leave``, off) the stand-by list."""
    event_id = path_uuid(request)
    organisation_id = path_uuid(request, "organisation_id")
    reception_user(request, event_id)
    form = await request.post()
    q = text(form, "q")
    path = f"/events/{event_id}/standby/{organisation_id}"
    try:
        if text(form, "leave"):
            await backend(request).delete("matcher", path)
            done = _("Företaget är borttaget från reservlistan.")
        else:
            await backend(request).post("matcher", path)
            done = _("Företaget står på reservlistan.")
    except BackendError as error:
        if error.status not in (404, 409, 422):
            raise
        raise redirect(_back(event_id, q=q, fel=_problem_text(error))) from None
    raise redirect(_back(event_id, q=q, klart=done))


# --- walk-ins -------------------------------------------------------------------------------------------

WALK_IN_ALIASES = {"contact": "contact_name", "contact.name": "contact_name", "contact.email": "contact_email"}


def _walk_in_values(form: Any) -> dict[str, str]:
    names = ("orgnr", "name", "contact_name", "contact_email", "contact_phone", "cpv_codes")
    return {name: text(form, name) or "" for name in names}


def _walk_in_errors(values: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    normalised, message = check_orgnr(values["orgnr"])
    if normalised is None:
        errors["orgnr"] = message
    if not values["name"]:
        errors["name"] = _("Fyll i företagets namn.")
    if not values["contact_name"]:
        errors["contact_name"] = _("Fyll i namnet på en kontaktperson.")
    if "@" not in values["contact_email"]:
        errors["contact_email"] = _("Fyll i en e-postadress.")
    if not cpv_codes_of(values["cpv_codes"]):
        errors["cpv_codes"] = _("Välj minst en CPV-kod för det ni säljer.")
    return errors


def _walk_in_context(event: dict[str, Any], values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    try:
        picked = picked_cpv(cpv_codes_of(values.get("cpv_codes")))
    except ValueError:
        picked = []
    return {"event": event, "form": values, "errors": errors, "picked": picked}


async def walk_in_form(request: web.Request) -> web.Response:
    """GET …/reception/ny: the short form for a firm that came unannounced."""
    event_id = path_uuid(request)
    reception_user(request, event_id)
    event = await load_event(request, event_id)
    return render(request, "organiser/walk_in.html", _walk_in_context(event, {}, {}))


async def register_walk_in(request: web.Request) -> web.Response:
    """POST …/reception/ny: register the firm for the event in the registry, then check it in."""
    event_id = path_uuid(request)
    reception_user(request, event_id)
    values = _walk_in_values(await request.post())
    errors = _walk_in_errors(values)
    if not errors:
        contact = {"name": values["contact_name"], "email": values["contact_email"]}
        if values["contact_phone"]:
            contact["phone"] = values["contact_phone"]
        body = {
            "orgnr": values["orgnr"],
            "name": values["name"],
            "contact": contact,
            "cpv_codes": cpv_codes_of(values["cpv_codes"]),
        }
        try:
            made = await backend(request).post("registry", f"/events/{event_id}/walk-ins", body)
        except BackendError as error:
            if error.status not in (409, 422):
                raise
            codes = {item.get("code") for item in error.field_errors}
            if "not_event_day" in codes:
                errors = {"_form": _("Firmor registreras på plats bara på evenemangsdagen.")}
            elif "already_registered" in codes:
                errors = {"orgnr": _("Företaget är redan anmält. Sök upp det och checka in det.")}
            else:
                errors = errors_by_field(error.field_errors, WALK_IN_ALIASES) or {
                    "_form": _("Det gick inte att spara. Kontrollera uppgifterna och försök igen.")
                }
        else:
            arrival = {"organisation_id": made["organisation_id"], "how": "walk_in"}
            try:
                await backend(request).post("matcher", f"/events/{event_id}/arrivals", arrival)
            except BackendError as error:
                if error.status not in (404, 409, 422):
                    raise
                raise redirect(_back(event_id, fel=_problem_text(error))) from None
            done = _("%(name)s är registrerad, incheckad och står på reservlistan.", name=made["name"])
            raise redirect(_back(event_id, klart=done))
    event = await load_event(request, event_id)
    return render(request, "organiser/walk_in.html", _walk_in_context(event, values, errors), status=422)


# --- hosts (värdar) -------------------------------------------------------------------------------------


def _end_of_day(event: dict[str, Any]) -> str:
    """When a host's token stops working: midnight after the event's day, where it is held."""
    zone = ZoneInfo(event.get("time_zone") or "Europe/Stockholm")
    day = datetime.fromisoformat(event["event_date"]).date()
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).isoformat()


async def create_host_link(request: web.Request) -> web.Response:
    """POST …/reception/vardar (organisers): a sign-in link for a helper, for this event's reception only."""
    person = require_user(request, Role.ORGANISER)
    if person["role"] != Role.ORGANISER.value:
        raise BackendError(403)
    event_id = path_uuid(request)
    label = (text(await request.post(), "label") or _("Värd"))[:100]
    event = await load_event(request, event_id)
    issued = await backend(request).post(
        "registry",
        "/auth/tokens",
        {"role": "host", "event_id": event_id, "label": label, "expires_at": _end_of_day(event)},
    )
    url = f"{str(settings_of(request).public_url).rstrip('/')}/logga-in/vard/{issued['token']}"
    context = {"event": event, "label": label, "url": url}
    return render(request, "organiser/host_link.html", context, status=201)


async def host_sign_in_form(request: web.Request) -> web.Response:
    """GET /logga-in/vard/{token}: a button (mail and chat previews must not spend anything)."""
    return render(request, "host_sign_in.html", {"token": request.match_info["token"]})


async def host_sign_in(request: web.Request) -> web.Response:
    """POST /logga-in/vard/{token}: the host's session is the token itself."""
    token = request.match_info["token"]
    settings = settings_of(request)
    try:
        principal = await Backend(request.app, settings, token, None).get("registry", "/auth/whoami")
    except BackendError as error:
        if error.status != 401:
            raise
        principal = None
    if principal is None or principal.get("role") != Role.HOST.value:
        return render(request, "host_sign_in.html", {"token": None, "expired": True}, status=410)
    response = web.HTTPSeeOther(f"/arrangor/evenemang/{principal['event_id']}/reception")
    set_session(response, settings, token)
    raise response


# --- a QR code scanned with the phone's camera -----------------------------------------------------------


async def scanned_link(request: web.Request) -> web.Response:
    """GET /incheckning/{token}: the address a participant's QR code holds, opened by a phone's camera.

    A signed-in organiser, or the host of the link's event, gets the one-tap check-in (or is told that the
    participant has arrived, and when). Anyone else (the participant scanning its own code, a host of
    another event, no session) is sent on to the participant's agenda page on the matcher: the code is the
    agenda link's token, as secret as the link. The answer depends on the session, so it is never cached.
    """
    token = link_token_in(request.match_info["token"])
    if token is None:
        raise web.HTTPNotFound()
    private = {"Cache-Control": "private, no-store", "Vary": "Cookie"}
    person = user(request)
    scan, problem = None, None
    if person is not None and person["role"] in {Role.HOST.value, Role.ORGANISER.value}:
        try:
            scan = await backend(request).post("matcher", "/reception/scans", {"link_token": token})
        except BackendError as error:
            if error.status not in (403, 404):
                raise
            if error.status == 404:
                problem = _("Agendalänken finns inte eller är återkallad, eller deltagaren är inte med i schemat.")
    if scan is None and problem is None:
        settings = settings_of(request)
        matcher = str(settings.matcher_public_url or settings.matcher_url).rstrip("/")
        language = "?lang=en" if page_language() == "en" else ""
        raise web.HTTPSeeOther(f"{matcher}/a/{token}.html{language}", headers=private)
    event = await load_event(request, scan["event_id"]) if scan else None
    home = f"/arrangor/evenemang/{person['event_id']}/reception" if person and person.get("event_id") else "/arrangor"
    context = {"token": token, "scan": scan, "event": event, "problem": problem, "home": home}
    response = render(request, "checkin_link.html", context, status=200 if scan else 404)
    response.headers.update(private)
    return response
