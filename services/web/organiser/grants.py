""" "Behörigheter": the organiser grants a supporter account (e.g. a municipality's business office) one event.

The page lists the event's grants and offers a form: a supporter account's e-mail address and what it may
do ("Läsa", or "Läsa och ändra"), and a button per grant to revoke it. The registry decides who may change
an event's grants (its owner, or any organiser when it has none; see :mod:`services.registry.event_grants`)
and the page says so when it refuses. A supporter never sees this page: it may not manage grants.

What a supporter sees elsewhere follows from the services: the event list holds only its granted events,
and :func:`may_edit` (a template global, ``may_edit(user, event.id)``) tells templates whether to show an
event's editing controls.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from shared.auth import Role

from ..backend import BackendError
from ..i18n import gettext as _
from ..pages_common import load_event, path_uuid
from ..render import backend, redirect, render, require_user

ACCESS_VALUES = ("read", "edit")


def may_edit(person: Mapping[str, Any] | None, event_id: str) -> bool:
    """Whether the signed-in person may change the event: organisers any, a supporter with an 'edit' grant.

    Examples
    --------
    >>> may_edit({"role": "organiser"}, "e1"), may_edit({"role": "supporter", "event_access": {"e1": "read"}}, "e1")
    (True, False)
    >>> may_edit({"role": "supporter", "event_access": {"e1": "edit"}}, "e1"), may_edit(None, "e1")
    (True, False)
    """
    if person is None:
        return False
    if person["role"] == Role.ORGANISER.value:
        return True
    return person["role"] == Role.SUPPORTER.value and (person.get("event_access") or {}).get(event_id) == "edit"


def access_options() -> list[tuple[str, str]]:
    return [("read", _("Läsa")), ("edit", _("Läsa och ändra"))]


def _require_organiser(request: web.Request) -> None:
    # Supporters pass the organiser pages' check (their grants decide there); grants are never theirs.
    if require_user(request, Role.ORGANISER)["role"] != Role.ORGANISER.value:
        raise BackendError(403)


async def _page(
    request: web.Request, event_id: str, form: Mapping[str, str], errors: Mapping[str, str], status: int = 200
) -> web.Response:
    event = await load_event(request, event_id)
    try:
        grants = (await backend(request).get("registry", f"/events/{event_id}/grants"))["items"]
        manages = True
    except BackendError as error:
        if error.status != 403:
            raise
        grants, manages = [], False
    context = {
        "event": event,
        "grants": grants,
        "manages": manages,
        "form": form,
        "errors": errors,
        "access_options": access_options(),
        "access_names": dict(access_options()),
    }
    return render(request, "organiser/grants.html", context, status=status)


async def grants_page(request: web.Request) -> web.Response:
    """GET /arrangor/evenemang/{id}/behorigheter: the event's grants and the form to add one."""
    _require_organiser(request)
    return await _page(request, path_uuid(request), {"email": "", "access": "read"}, {})


async def _supporter_by_email(request: web.Request, email: str) -> dict[str, Any] | None:
    accounts = (await backend(request).get("registry", "/auth/accounts"))["items"]
    return next((a for a in accounts if a["role"] == Role.SUPPORTER.value and a["email"] == email), None)


async def save_grant(request: web.Request) -> web.Response:
    """POST of the form: the supporter account with that address gets the chosen access."""
    _require_organiser(request)
    event_id = path_uuid(request)
    post = await request.post()
    form = {"email": str(post.get("email", "")).strip().lower(), "access": str(post.get("access", ""))}
    errors: dict[str, str] = {}
    if form["access"] not in ACCESS_VALUES:
        errors["access"] = _("Välj vad kontot får göra.")
    account = await _supporter_by_email(request, form["email"]) if form["email"] else None
    if account is None:
        errors["email"] = _("Det finns inget stödkonto med den adressen. Skapa det först under Konton.")
    if errors:
        return await _page(request, event_id, form, errors, status=422)
    assert account is not None  # no such account is one of the errors answered just above
    try:
        await backend(request).put("registry", f"/events/{event_id}/grants/{account['id']}", {"access": form["access"]})
    except BackendError as error:
        if error.status != 403:
            raise
        errors["_form"] = _("Bara arrangören som skapade evenemanget kan ge behörigheter till det.")
        return await _page(request, event_id, form, errors, status=403)
    raise redirect(f"/arrangor/evenemang/{event_id}/behorigheter")


async def revoke_grant(request: web.Request) -> web.Response:
    """POST /arrangor/evenemang/{id}/behorigheter/{account_id}/aterkalla: the grant is gone at once."""
    _require_organiser(request)
    event_id, account_id = path_uuid(request), path_uuid(request, "account_id")
    try:
        await backend(request).delete("registry", f"/events/{event_id}/grants/{account_id}")
    except BackendError as error:
        if error.status != 404:  # revoked already (another tab): the list shows it gone
            raise
    raise redirect(f"/arrangor/evenemang/{event_id}/behorigheter")


def add_routes(app: web.Application) -> None:
    """The page, its form and the revoke buttons (one call from :func:`services.web.routes.setup_routes`)."""
    app.router.add_get("/arrangor/evenemang/{event_id}/behorigheter", grants_page)
    app.router.add_post("/arrangor/evenemang/{event_id}/behorigheter", save_grant)
    app.router.add_post("/arrangor/evenemang/{event_id}/behorigheter/{account_id}/aterkalla", revoke_grant)
