"""Individual support after the day: the organiser's page of an event's requests (``/arrangor/evenemang/{id}/stod``)
and the adviser's own page (``/radgivare``).

The organiser sees every firm that asked (at sign-up, in its feedback, or recorded by an organiser) with its
status, adviser and hours used and left, sets the event's allowance, assigns an adviser account (a select of
the registry's enabled advisers), declines or closes a request. An adviser lands on ``/radgivare`` after
signing in: the firms assigned to it across events (name, contact, event, what they asked for, hours used and
left) and a form per firm to record hours (date, hours, note). The matcher decides and refuses: hours beyond
the allowance come back as its problem, which the page shows with the hours left.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from shared.auth import Role

from .backend import BackendError
from .i18n import N_
from .i18n import gettext as _
from .pages_common import load_event, path_uuid
from .render import backend, redirect, render, require_user

SOURCES = {"signup": N_("Vid anmälan"), "feedback": N_("I utvärderingen"), "organiser": N_("Av arrangören")}
STATUSES = {"requested": N_("Önskat"), "assigned": N_("Har rådgivare"), "closed": N_("Avslutat"),
            "declined": N_("Avböjt")}  # fmt: skip
OUTCOMES = {
    "sparat": N_("Sparat."),
    "fel": N_("Det gick inte: kontrollera uppgifterna och försök igen."),
    "avslutat": N_("Begäran är redan avslutad eller avböjd."),
}


def hours_value(text: str) -> str | None:
    """Hours as typed (a comma or a point, tenths at most), as the matcher's decimal; None when unreadable.

    Examples
    --------
    >>> hours_value("1,5"), hours_value(" 2 "), hours_value("0.25"), hours_value("x"), hours_value("")
    ('1.5', '2', None, None, None)
    """
    value = text.strip().replace(",", ".")
    whole, _, tenth = value.partition(".")
    if not whole.isdigit() or len(whole) > 3 or (tenth and (not tenth.isdigit() or len(tenth) > 1)):
        return None
    return value


def _shown(item: Mapping[str, Any], advisers: Mapping[str, str]) -> dict[str, Any]:
    return {
        **item,
        "source_label": _(SOURCES[item["source"]]),
        "status_label": _(STATUSES[item["status"]]),
        "adviser_name": advisers.get(item["adviser_account_id"] or "", ""),
    }


async def support_page(request: web.Request) -> web.Response:
    """GET /arrangor/evenemang/{id}/stod: the event's requests, the allowance and the advisers to assign."""
    require_user(request, Role.ORGANISER)
    event_id = path_uuid(request)
    event = await load_event(request, event_id)
    found = await backend(request).get("matcher", f"/events/{event_id}/support-requests")
    accounts = (await backend(request).get("registry", "/auth/accounts"))["items"]
    own = [a for a in accounts if a["role"] == Role.ADVISER.value]
    advisers = {a["id"]: a["name"] or a["email"] for a in own}
    enabled = [(a["id"], advisers[a["id"]]) for a in own if not a["disabled_at"]]
    outcome = OUTCOMES.get(request.query.get("utfall", ""))
    context = {
        "event": event,
        "allowance": found["allowance_hours"],
        "items": [_shown(item, advisers) for item in found["items"]],
        "adviser_options": [("", _("Välj rådgivare")), *sorted(enabled, key=lambda option: option[1].casefold())],
        "outcome": _(outcome) if outcome else None,
    }
    return render(request, "organiser/support.html", context)


async def _act(request: web.Request, call, path: str, body: dict[str, Any]) -> str:
    """One change in the matcher; the outcome word for the page."""
    try:
        await call("matcher", path, body)
    except BackendError as error:
        if error.status == 409:
            return "avslutat"
        if error.status != 422:
            raise
        return "fel"
    return "sparat"


async def save_allowance(request: web.Request) -> web.Response:
    """POST /arrangor/evenemang/{id}/stod/installningar: the hours each new request gets."""
    require_user(request, Role.ORGANISER)
    event_id = path_uuid(request)
    value = hours_value(str((await request.post()).get("allowance_hours", "")))
    done = "fel"
    if value is not None:
        body = {"allowance_hours": value}
        done = await _act(request, backend(request).put, f"/events/{event_id}/support-settings", body)
    raise redirect(f"/arrangor/evenemang/{event_id}/stod?utfall={done}")


async def _request_change(request: web.Request, tail: str, body: dict[str, Any] | None) -> web.Response:
    """PUT ``body`` to the firm's request's ``tail`` in the matcher (None: the form was not readable)."""
    require_user(request, Role.ORGANISER)
    event_id, organisation_id = path_uuid(request), path_uuid(request, "organisation_id")
    path = f"/events/{event_id}/support-requests/{organisation_id}/{tail}"
    done = await _act(request, backend(request).put, path, body) if body is not None else "fel"
    raise redirect(f"/arrangor/evenemang/{event_id}/stod?utfall={done}")


async def assign_adviser(request: web.Request) -> web.Response:
    """POST /arrangor/evenemang/{id}/stod/{organisation_id}/radgivare: give the firm's request to an adviser."""
    require_user(request, Role.ORGANISER)
    adviser = str((await request.post()).get("adviser_account_id", ""))
    return await _request_change(request, "adviser", {"adviser_account_id": adviser} if adviser else None)


async def change_status(request: web.Request) -> web.Response:
    """POST /arrangor/evenemang/{id}/stod/{organisation_id}/status: decline or close the request."""
    require_user(request, Role.ORGANISER)
    status = str((await request.post()).get("status", ""))
    return await _request_change(request, "status", {"status": status} if status in ("declined", "closed") else None)


async def _adviser_page(
    request: web.Request, errors: Mapping[str, str] | None = None, status: int = 200
) -> web.Response:
    found = await backend(request).get("matcher", "/support/assigned")
    context = {
        "items": [_shown(item, {}) for item in found["items"]],
        "errors": errors or {},
        "saved": request.query.get("sparat") == "1",
    }
    return render(request, "adviser.html", context, status=status)


async def adviser_page(request: web.Request) -> web.Response:
    """GET /radgivare: the adviser's own firms and a form each to record hours."""
    require_user(request, Role.ADVISER)
    return await _adviser_page(request)


async def record_hours(request: web.Request) -> web.Response:
    """POST /radgivare/{event_id}/{organisation_id}/timmar: hours given, against the firm's allowance."""
    require_user(request, Role.ADVISER)
    event_id, organisation_id = path_uuid(request), path_uuid(request, "organisation_id")
    form = await request.post()
    hours = hours_value(str(form.get("hours", "")))
    body = {"worked_on": str(form.get("worked_on", "")), "hours": hours, "note": str(form.get("note", ""))}
    key = f"{event_id}/{organisation_id}"
    if hours is None:
        return await _adviser_page(request, {key: _("Skriv antalet timmar, till exempel 1,5.")}, status=422)
    try:
        await backend(request).post("matcher", f"/events/{event_id}/support-requests/{organisation_id}/hours", body)
    except BackendError as error:
        if error.status == 409 and "hours_left" in error.problem:
            left = str(error.problem["hours_left"]).replace(".", ",")
            message = _("Det finns bara %(hours)s timmar kvar av stödet; inget sparades.", hours=left)
        elif error.status in (409, 422):
            message = _("Timmarna sparades inte: kontrollera datum, timmar och att stödet inte är avslutat.")
        else:
            raise
        return await _adviser_page(request, {key: message}, status=error.status)
    raise redirect("/radgivare?sparat=1")


def add_routes(app: web.Application) -> None:
    """The organiser's support page and the adviser's page (one call from services.web.routes)."""
    page = "/arrangor/evenemang/{event_id}/stod"
    app.router.add_get(page, support_page)
    app.router.add_post(page + "/installningar", save_allowance)
    app.router.add_post(page + "/{organisation_id}/radgivare", assign_adviser)
    app.router.add_post(page + "/{organisation_id}/status", change_status)
    app.router.add_get("/radgivare", adviser_page)
    app.router.add_post("/radgivare/{event_id}/{organisation_id}/timmar", record_hours)
