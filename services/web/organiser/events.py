"""The organiser's events: the list, the create/edit form, the event page and its status buttons.

What the form's fields mean and how they become the registry's event body are in
:mod:`services.web.organiser.event_form`; the preview of the slot grid in :mod:`services.web.organiser.event_preview`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from shared.auth import Role

from .. import day_pages, public_event_pages
from ..backend import BackendError
from ..event_status_words import buttons, status_label
from ..forms import errors_by_field
from ..i18n import gettext as _
from ..pages_common import all_pages, if_match, load_event, path_uuid
from ..render import backend, redirect, render, require_user
from .event_form import (
    NEW_EVENT_BREAKS,
    NEW_EVENT_DEFAULTS,
    NUMBER_FIELDS,
    REPEAT_PAIRS,
    TEXT_FIELDS,
    api_errors,
    break_rows,
    event_body,
    form_choices,
    form_from_event,
    municipality_options,
    opening_refusal,
    repeat_pairs_setting,
    save_repeat_pairs_setting,
    typed_form,
)
from .event_preview import event_preview, preview

# --- handlers ---------------------------------------------------------------------------------


async def events_list(request: web.Request) -> web.Response:
    """GET /arrangor: every event, newest date last, with its status and sign-ups."""
    require_user(request, Role.ORGANISER)
    events = await all_pages(request, "/events")
    for event in events:
        event["status_label"] = status_label(event["status"])
    return render(request, "organiser/events.html", {"events": events})


def _form_page(
    request: web.Request,
    form: Mapping[str, Any],
    errors: Mapping[str, str],
    event: Mapping[str, Any] | None,
    status: int,
) -> web.Response:
    body, _errors, _rows = event_body({**form, "breaks": form.get("breaks", [])})
    rows = break_rows(form)
    return render(
        request,
        "organiser/event_form.html",
        {
            "form": form,
            "errors": errors,
            "event": event,
            "breaks": rows,
            "break_labels": {
                f"breaks.{index}{part}": _("Paus %(n)s", n=index + 1) + suffix
                for index in range(len(rows))
                for part, suffix in (("", ""), (".start", ", " + _("början")), (".end", ", " + _("slut")))
            },
            **form_choices(form),
            "preview": preview(body),
            "action": f"/arrangor/evenemang/{event['id']}/andra" if event else "/arrangor/evenemang/ny",
        },
        status=status,
    )


async def new_event_form(request: web.Request) -> web.Response:
    """GET /arrangor/evenemang/ny."""
    require_user(request, Role.ORGANISER)
    # Every field as text, except the breaks: a row (start, end, label) each.
    form: dict[str, str | list[dict[str, str]]] = {
        name: NEW_EVENT_DEFAULTS.get(name, "") for name in (*TEXT_FIELDS, *NUMBER_FIELDS)
    }
    form.update(event_date="", day_start="09:00", day_end="16:00", signup_deadline="", breaks=NEW_EVENT_BREAKS)
    form[REPEAT_PAIRS] = "on"
    return _form_page(request, form, {}, None, 200)


async def edit_event_form(request: web.Request) -> web.Response:
    """GET /arrangor/evenemang/{id}/andra."""
    require_user(request, Role.ORGANISER)
    event = await load_event(request, path_uuid(request))
    form = form_from_event(event) | {"version": str(event["version"])}
    form[REPEAT_PAIRS] = "on" if await repeat_pairs_setting(backend(request), event["id"]) else ""
    return _form_page(request, form, {}, event, 200)


async def save_event(request: web.Request) -> web.Response:
    """POST of the form: create (no id) or change (PATCH) the event; or only show the preview."""
    require_user(request, Role.ORGANISER)
    event_id = path_uuid(request) if "event_id" in request.match_info else None
    event = await load_event(request, event_id) if event_id else None
    post = await request.post()
    form = typed_form(post)
    body, errors, rows = event_body(form)
    if post.get("action") == "preview":
        return _form_page(request, form, errors, event, 200)
    if errors:
        return _form_page(request, form, errors, event, 422)
    try:
        if event is None:
            saved = await backend(request).post("registry", "/events", body)
        else:
            saved = await backend(request).patch(
                "registry", f"/events/{event_id}", body, headers=if_match(form["version"])
            )
    except BackendError as error:
        if error.status == 422:
            return _form_page(request, form, api_errors(error, rows), event, 422)
        if error.status == 409:
            message = _("Schemat är redan lagt: dag, tider, pauser och bord kan ändras först när schemat har släppts.")
            return _form_page(request, form, {"_form": message}, event, 409)
        if error.status == 412:
            message = _("Någon annan har ändrat evenemanget under tiden. Öppna det igen och gör om ändringen.")
            return _form_page(request, form, {"_form": message}, event, 409)
        raise
    await save_repeat_pairs_setting(backend(request), saved["id"], form[REPEAT_PAIRS] == "on")
    raise redirect(f"/arrangor/evenemang/{saved['id']}")


def _event_context(event: Mapping[str, Any]) -> dict[str, Any]:
    status = event["status"]
    return {
        "event": event,
        "status_label": status_label(status),
        "transitions": buttons(status),
        "preview": event_preview(event),
        "municipality": dict(municipality_options(event["municipality_code"])).get(event["municipality_code"]),
    }


async def event_page(request: web.Request) -> web.Response:
    """GET /arrangor/evenemang/{id}: facts, status with its buttons, sign-up counts, links onwards."""
    require_user(request, Role.ORGANISER)
    event = await load_event(request, path_uuid(request))
    day = await day_pages.organiser_day(request, event["id"])
    public_url = public_event_pages.public_link(request, event["id"])
    return render(request, "organiser/event.html", _event_context(event) | day | {"public_url": public_url})


async def change_status(request: web.Request) -> web.Response:
    """POST /arrangor/evenemang/{id}/status: one of the buttons (``to``, and ``reason`` when re-opening)."""
    require_user(request, Role.ORGANISER)
    event_id = path_uuid(request)
    post = await request.post()
    target, reason = str(post.get("to", "")), str(post.get("reason", "")).strip()
    try:
        await backend(request).post("registry", f"/events/{event_id}/transitions", {"to": target, "reason": reason})
    except BackendError as error:
        if error.status not in (409, 422):
            raise
        event = await load_event(request, event_id)
        errors = errors_by_field(error.field_errors) if error.status == 422 else {}
        if "reason" in errors:
            errors["reason"] = _("Skriv varför schemat öppnas igen; det sparas i evenemangets historik.")
        if refusal := opening_refusal(error):
            errors = {"_form": refusal}
        if not errors:
            errors["_form"] = _("Statusen kunde inte ändras: evenemanget har ändrats under tiden. Försök igen.")
        context = _event_context(event) | {"errors": errors, "form": {"reason": reason}}
        return render(request, "organiser/event.html", context, status=error.status)
    raise redirect(f"/arrangor/evenemang/{event_id}")
