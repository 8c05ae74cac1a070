""" "Bjud in företag": the organiser invites a segment of firms to an event by e-mail (issue 14).

``/arrangor/evenemang/{id}/bjud-in`` shows the segment form (home municipality by name, CPV division by
its label, "deltog tidigare"); choosing and pressing "Visa antal" (a plain GET, no JavaScript needed) asks
the matcher for a dry run and shows how many firms match, how many are signed up or invited already, with
a confirmation box and the send button (a POST). Below, the invitations sent so far. The matcher reads the
firms from the registry, queues one e-mail each and never invites a firm twice to one event.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from shared.auth import Role
from shared.reference.cpv import cpv_label

from ..backend import BackendError
from ..forms import errors_by_field
from ..i18n import gettext as _
from ..pages_common import load_event, page_language, path_uuid
from ..places import municipality_groups
from ..render import backend, redirect, render, require_user

CRITERIA = ("municipality", "cpv_division", "took_part_before")


@functools.cache
def cpv_divisions(language: str) -> tuple[tuple[str, str], ...]:
    """Every CPV 2008 division (two digits) with its label in ``language``.

    Examples
    --------
    >>> dict(cpv_divisions("sv"))["45"], dict(cpv_divisions("en"))["45"]
    ('Anläggningsarbete', 'Construction work')
    """
    found = []
    for division in range(100):
        try:
            found.append((f"{division:02d}", cpv_label(f"{division:02d}000000", "en" if language == "en" else "sv")))
        except ValueError:
            continue
    return tuple(found)


def criteria_of(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The matcher's criteria from the form's values, and the errors found before asking it.

    Examples
    --------
    >>> criteria_of({"municipality": "2085", "cpv_division": "", "took_part_before": "1"})
    ({'municipality': '2085', 'took_part_before': True}, {})
    >>> criteria_of({"municipality": "", "cpv_division": ""})[1]["_form"][:10]
    'Välj minst'
    """
    criteria: dict[str, Any] = {}
    for name in ("municipality", "cpv_division"):
        if value := str(values.get(name) or "").strip():
            criteria[name] = value
    if values.get("took_part_before"):
        criteria["took_part_before"] = True
    errors = {} if criteria else {"_form": _("Välj minst en av kommun, CPV-område och deltog tidigare.")}
    return criteria, errors


def preview_line(outcome: Mapping[str, Any]) -> str:
    """ "142 företag matchar, 12 redan anmälda, 3 redan inbjudna" (and those without an address)."""
    left = outcome["left_out"]
    line = _(
        "%(matched)s företag matchar, %(signed_up)s redan anmälda, %(invited)s redan inbjudna",
        matched=outcome["matched"],
        signed_up=left["signed_up"],
        invited=left["already_invited"],
    )
    if left["no_contact"] or left["erased"]:
        line += ", " + _("%(n)s utan e-postadress", n=left["no_contact"] + left["erased"])
    return line


def sent_line(queued: str | None) -> str | None:
    """What the page says after sending (``?skickade=N``).

    Examples
    --------
    >>> sent_line("3"), sent_line(None)
    ('3 inbjudningar är köade och skickas inom kort.', None)
    """
    if queued is None or not queued.isdigit():
        return None
    if queued == "0":
        return _("Inga nya inbjudningar: alla som matchar är redan anmälda eller inbjudna.")
    return _("%(n)s inbjudningar är köade och skickas inom kort.", n=queued)


async def _page(
    request: web.Request, event: Mapping[str, Any], context: dict[str, Any], status: int = 200
) -> web.Response:
    invitations = await backend(request).get("matcher", f"/events/{event['id']}/invitations")
    # All of Sweden grouped by county, the event's region first: a firm may sit outside the county it serves.
    municipalities = municipality_groups(event.get("region"), context.get("form", {}).get("municipality"))
    divisions = [("", _("Alla områden"))] + [
        (code, f"{code} {label}") for code, label in cpv_divisions(page_language())
    ]
    base = {"event": event, "invitations": invitations, "municipalities": municipalities, "divisions": divisions}
    context = base | {"form": {}, "errors": {}, "preview": None, "outcome": None} | context
    return render(request, "organiser/invitations.html", context, status=status)


async def _ask(request: web.Request, event_id: str, criteria: dict[str, Any], dry_run: bool) -> dict[str, Any]:
    return await backend(request).post("matcher", f"/events/{event_id}/invitations", {**criteria, "dry_run": dry_run})


def _refusal(error: BackendError) -> dict[str, str]:
    if error.status == 409:
        return {"_form": _("Anmälan till evenemanget är inte öppen (eller har stängt): inbjudningar kan inte skickas.")}
    return errors_by_field(error.field_errors) or {"_form": _("Urvalet kunde inte läsas.")}


async def invitations_page(request: web.Request) -> web.Response:
    """GET: the form, the preview when criteria are given (``?visa=1``), and the invitations sent."""
    require_user(request, Role.ORGANISER)
    event = await load_event(request, path_uuid(request))
    form = {name: request.query.get(name, "") for name in CRITERIA}
    context: dict[str, Any] = {"form": form, "outcome": sent_line(request.query.get("skickade"))}
    if request.query.get("visa"):
        criteria, errors = criteria_of(form)
        if not errors:
            try:
                context["preview"] = await _ask(request, event["id"], criteria, dry_run=True)
                context["preview_line"] = preview_line(context["preview"])
            except BackendError as error:
                if error.status not in (409, 422):
                    raise
                errors = _refusal(error)
        context["errors"] = errors
    return await _page(request, event, context, status=422 if context.get("errors") else 200)


async def send_invitations(request: web.Request) -> web.Response:
    """POST: with the confirmation ticked, the matcher queues the invitations; back to the page."""
    require_user(request, Role.ORGANISER)
    event = await load_event(request, path_uuid(request))
    post = await request.post()
    form = {name: str(post.get(name, "")) for name in CRITERIA}
    criteria, errors = criteria_of(form)
    if not errors and not post.get("confirm"):
        errors = {"confirm": _("Bekräfta att inbjudningarna ska skickas.")}
    if not errors:
        try:
            outcome = await _ask(request, event["id"], criteria, dry_run=False)
        except BackendError as error:
            if error.status not in (409, 422):
                raise
            errors = _refusal(error)
        else:
            raise redirect(f"/arrangor/evenemang/{event['id']}/bjud-in?skickade={outcome['queued']}")
    return await _page(request, event, {"form": form, "errors": errors}, status=409 if "_form" in errors else 422)


def add_routes(app: web.Application) -> None:
    """The page and its POST (one call from :func:`services.web.routes.setup_routes`)."""
    app.router.add_get("/arrangor/evenemang/{event_id}/bjud-in", invitations_page)
    app.router.add_post("/arrangor/evenemang/{event_id}/bjud-in", send_invitations)
