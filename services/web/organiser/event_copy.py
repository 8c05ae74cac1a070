""" "Kopiera som mall": the organiser copies an event (its grid, tables and settings) to a new date.

The registry's ``POST /events/{id}/copy`` makes the new draft with the source's slot grid and every
setting it holds, and nobody signed up. The matcher keeps two more sets of settings per event (the day's:
frozen horizon, live mode, reminders; and the feedback rounds'): this page copies those by reading the
source's and writing them to the new event, since the registry calls no other service. Settings the
source never changed stay the defaults on the copy too (nothing is written for them).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from aiohttp import web

from shared.auth import Role

from ..backend import BackendError
from ..forms import errors_by_field
from ..i18n import gettext as _
from ..pages_common import load_event, path_uuid
from ..render import backend, redirect, render, require_user
from .event_form import parse_local_datetime

log = logging.getLogger(__name__)

# The matcher's per-event settings: its path, and the fields its PUT takes (the rest of a GET is metadata).
MATCHER_SETTINGS = (
    (
        "day-settings",
        (
            "frozen_horizon_minutes",
            "live_mode",
            "declines_before_day",
            "remind_signup_days_before",
            "remind_agenda_day_before",
            "remind_minutes_before",
            "avoid_repeat_pairs",
        ),
    ),
    ("feedback-settings", ("after_day_time", "reminder_days", "open_days", "follow_up_months")),
)
DEFAULTS_ETAG = '"defaults"'  # what the matcher answers for settings never stored


def copy_body(form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The registry's copy body for the typed form, and the errors found before asking it.

    An empty deadline is left out: the registry then keeps the source's lead time before the day.

    Examples
    --------
    >>> copy_body({"name": "Vår 2031", "event_date": "2031-03-11", "signup_deadline": "", "venue": ""})
    ({'name': 'Vår 2031', 'event_date': '2031-03-11'}, {})
    >>> sorted(copy_body({"name": "", "event_date": "x", "signup_deadline": "y", "venue": ""})[1])
    ['event_date', 'name', 'signup_deadline']
    """
    body: dict[str, Any] = {"name": form["name"], "event_date": form["event_date"]}
    errors: dict[str, str] = {}
    if not form["name"]:
        errors["name"] = _("Skriv evenemangets namn.")
    try:
        date.fromisoformat(form["event_date"])
    except ValueError:
        errors["event_date"] = _("Skriv datumet som ÅÅÅÅ-MM-DD, t.ex. 2026-03-12.")
    if form["signup_deadline"]:
        deadline = parse_local_datetime(form["signup_deadline"])
        if deadline is None:
            errors["signup_deadline"] = _("Skriv datum och tid som ÅÅÅÅ-MM-DD TT:MM.")
        else:
            body["signup_deadline"] = deadline.isoformat()
    if form["venue"]:
        body["venue"] = form["venue"]
    return body, errors


async def copy_matcher_settings(request: web.Request, source_id: str, copy_id: str) -> None:
    """Write the source's stored day and feedback settings to the copy (defaults are left as they are).

    The copy exists already: should the matcher refuse, the copy keeps the defaults and the log says so
    rather than the page failing after the event was made.
    """
    api = backend(request)
    for path, fields in MATCHER_SETTINGS:
        try:
            found = await api.get("matcher", f"/events/{source_id}/{path}")
            if found.get("etag") == DEFAULTS_ETAG or found.get("updated_at", True) is None:
                continue
            await api.put("matcher", f"/events/{copy_id}/{path}", {name: found[name] for name in fields})
        except BackendError as error:
            log.warning("copying %s of event %s to %s failed: %s", path, source_id, copy_id, error.status)


def _page(
    request: web.Request, event: Mapping[str, Any], form: Mapping[str, str], errors: Mapping[str, str], status: int
) -> web.Response:
    return render(request, "organiser/event_copy.html", {"event": event, "form": form, "errors": errors}, status=status)


async def copy_form(request: web.Request) -> web.Response:
    """GET /arrangor/evenemang/{id}/kopiera: name, date, deadline and venue of the copy."""
    require_user(request, Role.ORGANISER)
    event = await load_event(request, path_uuid(request))
    form = {"name": event["name"], "event_date": "", "signup_deadline": "", "venue": event.get("venue") or ""}
    return _page(request, event, form, {}, 200)


async def copy_event(request: web.Request) -> web.Response:
    """POST of the form: the registry makes the copy, the matcher's settings follow, then the copy's page."""
    require_user(request, Role.ORGANISER)
    source_id = path_uuid(request)
    event = await load_event(request, source_id)
    post = await request.post()
    form = {name: str(post.get(name, "")).strip() for name in ("name", "event_date", "signup_deadline", "venue")}
    body, errors = copy_body(form)
    if errors:
        return _page(request, event, form, errors, 422)
    try:
        copied = await backend(request).post("registry", f"/events/{source_id}/copy", body)
    except BackendError as error:
        if error.status != 422:
            raise
        return _page(
            request, event, form, errors_by_field(error.field_errors) or {"_form": _("Kopian kunde inte sparas.")}, 422
        )
    await copy_matcher_settings(request, source_id, copied["id"])
    raise redirect(f"/arrangor/evenemang/{copied['id']}")


def add_routes(app: web.Application) -> None:
    """The form and its POST (one call from :func:`services.web.routes.setup_routes`)."""
    app.router.add_get("/arrangor/evenemang/{event_id}/kopiera", copy_form)
    app.router.add_post("/arrangor/evenemang/{event_id}/kopiera", copy_event)
