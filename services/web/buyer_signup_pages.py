"""A buyer and one event: signing up (tables, availability, people at the tables, needs brought, SMEs
to meet), changing or cancelling the sign-up, and the table agenda with its .ics and PDF.

SMEs a buyer would like to meet are the firms signed up for the event, best fit for the buyer first (the
matcher's ``GET /events/{id}/relevance?buyer_id=``, each with a short reason), then firms found in
``GET /organisations?kind=sme`` (the registry lets any signed-in caller list organisations, never with
contacts; an event's registrations list no SMEs to other participants). Each SME gets a rank box: SMEs
with a number are wanted, sent best first; two with one number are refused rather than renumbered. The
filter box hides rows as one types (``static/js/list-filter.js``); without JavaScript its button sends
the form back, saving nothing and keeping everything typed, and also searches the registry.
"""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from aiohttp import web

from . import day_pages
from .backend import BackendError
from .buyer_pages import (
    EVENT_STATUS,
    NEED_STATUS,
    current_version,
    field_errors,
    own_needs,
    own_registration,
    require_buyer,
    rows_of,
    signup_open,
    words,
)
from .forms import listed, text
from .i18n import N_
from .i18n import gettext as _
from .pages_common import download, if_match, page_language, path_uuid
from .relevance_lists import duplicate_ranks, firm_rows
from .render import backend, redirect, render

LANGUAGES = {"sv": N_("Svenska"), "en": N_("Engelska")}
SME_CHOICES = 100
NOTE_LENGTH = 2000  # the registry's limit of a registration's note


def signup_form(event: dict[str, Any], registration: dict[str, Any] | None) -> dict[str, Any]:
    """A registration (or a new one) as the form shows it; all slots ticked means all day."""
    every_slot = [str(slot["index"]) for slot in event["slots"]]
    if registration is None or registration["status"] != "active":
        return {"tables": "1", "slots": every_slot, "representatives": [], "brought_needs": [], "ranks": {},
                "languages": ["sv"], "note": "", "version": "", "q": ""}  # fmt: skip
    slots = registration["available_slots"]
    return {
        "tables": str(registration["tables"] or 1),
        "slots": every_slot if slots is None else [str(index) for index in slots],
        "representatives": [
            {"name": person["name"], "title": person.get("title", "")} for person in registration["representatives"]
        ],
        "brought_needs": [str(need) for need in registration["brought_needs"]],
        "ranks": {str(sme): str(rank) for rank, sme in enumerate(registration["wanted_smes"], start=1)},
        "languages": list(registration["languages"]),
        "note": registration["note"],
        "version": str(registration["version"]),
        "q": "",
    }


def typed_signup(form: Any) -> dict[str, Any]:
    """What was posted (representative rows left empty dropped, rank boxes by SME id)."""
    representatives = rows_of(form, "representatives", "representative_rows", ("name", "title"))
    ranks = {}
    for key, value in form.items():
        if key.startswith("rank.") and str(value).strip():
            try:
                ranks[str(UUID(key.removeprefix("rank.")))] = str(value).strip()
            except ValueError:
                continue
    return {
        "tables": str(form.get("tables", "")).strip(),
        "slots": listed(form, "slots"),
        "representatives": representatives,
        "brought_needs": listed(form, "brought_needs"),
        "ranks": ranks,
        "languages": listed(form, "languages"),
        "note": str(form.get("note", "")).strip(),
        "version": str(form.get("version", "")).strip(),
        "q": str(form.get("q", "")).strip()[:200],
    }


def signup_body(values: dict[str, Any], event: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The registration body, and every mistake the page can tell (empty boxes, ranks, the event's limits),
    so that they are all named in one round; the registry names what is left once these pass."""
    errors: dict[str, str] = {}
    every_slot = {slot["index"] for slot in event["slots"]}
    slots = sorted({int(index) for index in values["slots"] if index.isdigit()})
    tables = values["tables"]
    if tables and (not tables.isdigit() or not 1 <= int(tables) <= event["tables"]):
        errors["tables"] = _("Skriv ett heltal från 1 till %(max)s.", max=event["tables"])
    if not slots:
        errors["slots"] = _("Välj minst ett tidspass.")
    if len(values["note"]) > NOTE_LENGTH:
        errors["note"] = _("Texten är för lång: högst %(max)s tecken.", max=NOTE_LENGTH)
    ranked: list[tuple[int, str]] = []
    for sme, rank in values["ranks"].items():
        if not rank.isdigit() or int(rank) < 1:
            errors[f"rank.{sme}"] = _("Skriv ett heltal från 1 (helst) och uppåt, eller lämna tomt.")
        else:
            ranked.append((int(rank), sme))
    # Two firms with one rank are refused, not renumbered: only the buyer knows which comes first.
    duplicates = duplicate_ranks({f"rank.{sme}": rank for sme, rank in values["ranks"].items()})
    errors.update({name: message for name, message in duplicates.items() if name not in errors})
    body: dict[str, Any] = {
        # A number that does not parse is sent as typed: the registry names the field.
        "tables": int(values["tables"]) if values["tables"].isdigit() else values["tables"] or None,
        "available_slots": None if set(slots) >= every_slot else slots,
        "representatives": values["representatives"],
        "brought_needs": values["brought_needs"],
        "wanted_smes": [sme for _, sme in sorted(ranked)],
        "note": values["note"],
    }
    if body["tables"] is None:
        del body["tables"]
    if values["languages"]:
        body["languages"] = values["languages"]
    return body, errors


SIGNUP_ALIASES = {"available_slots": "slots", "wanted_smes": "smes", "brought_needs": "brought_needs"}
CLOSED = N_(
    "Anmälan går inte att göra eller ändra nu: evenemanget är inte öppet för anmälan eller sista "
    "anmälningsdagen har passerat. Kontakta arrangören."
)


async def _sme_choices(
    request: web.Request, event_id: str, organisation_id: str, query: str, wanted: list[str]
) -> list[dict[str, Any]]:
    """SMEs to rank, as rows: the event's firms best fit first, then the wanted ones and those the registry's
    search finds, by name. Rows the filter does not match are marked hidden (they stay in the form)."""
    api = backend(request)
    params = {"kind": "sme", "q": query, "limit": SME_CHOICES}
    found, relevance = await asyncio.gather(
        api.get("registry", "/organisations", params=params), api.relevance(event_id, buyer_id=organisation_id)
    )

    async def named(sme_id: str) -> dict[str, Any] | None:
        try:
            return await api.get("registry", f"/organisations/{sme_id}")
        except BackendError as error:
            if error.status == 404:
                return None
            raise

    chosen = [org for org in await asyncio.gather(*(named(sme) for sme in wanted)) if org is not None]
    listed_firms = [org for org in found["items"] if not org["erased"]]
    at_event = [{**item, "id": item["organisation_id"]} for item in relevance.values()]
    rows = firm_rows([*chosen, *listed_firms, *at_event], relevance, page_language(), query)
    # Firms of the same name are told apart by org.nr: read it for those known only from the matcher.
    unknown = [row for row in rows if row["same_name"] and not row["orgnr"]]
    for row, org in zip(unknown, await asyncio.gather(*(named(row["id"]) for row in unknown)), strict=True):
        if org is not None and org.get("orgnr"):
            row["orgnr"] = org["orgnr"]
            row["search"] += " " + org["orgnr"].casefold()
    return rows


async def _signup_page(
    request: web.Request,
    event_id: str,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    organisation_id = require_buyer(request)
    api = backend(request)
    event, listing, needs = await asyncio.gather(
        api.get("registry", f"/events/{event_id}"),
        api.get("registry", f"/events/{event_id}/registrations"),
        own_needs(request, organisation_id),
    )
    registration = own_registration(listing, organisation_id)
    if values is None:
        values = signup_form(event, registration)
    query = values.get("q") or (request.query.get("q") or "").strip()[:200]
    ranks = values["ranks"]
    wanted = sorted(ranks, key=lambda sme: (int(ranks[sme]) if ranks[sme].isdigit() else 10**6, sme))
    smes = await _sme_choices(request, event_id, organisation_id, query, wanted)
    tables = int(values["tables"]) if values["tables"].isdigit() else 1
    languages = dict(words(LANGUAGES))
    languages.update({code: code for code in values["languages"] if code not in languages})
    return render(
        request,
        "buyer/signup.html",
        {
            "event": event,
            "registration": registration if registration and registration["status"] == "active" else None,
            "cancelled": registration is not None and registration["status"] == "cancelled",
            "open": signup_open(event),
            "form": values,
            "errors": errors or {},
            "needs": [need for need in needs if need["status"] != "cancelled"],
            "need_options": [
                (str(need["id"]), f"{need['title']} ({_(NEED_STATUS[need['status']])})")
                for need in needs
                if need["status"] != "cancelled"
            ],
            "slot_options": [(str(slot["index"]), slot["label"]) for slot in event["slots"]],
            "smes": smes,
            "query": query,
            "languages": list(languages.items()),
            "event_status": words(EVENT_STATUS),
            "saved": "sparad" in request.query,
            "was_cancelled": "avbokad" in request.query,
            # A row per table (at least the rows already filled in).
            "representative_rows": max(min(tables, event["tables"]), 1, len(values["representatives"])),
        },
        status=status,
    )


async def signup_form_page(request: web.Request) -> web.Response:
    return await _signup_page(request, path_uuid(request, "event_id"))


async def save_signup(request: web.Request) -> web.Response:
    """Sign up (POST …/registrations) or change the active sign-up (PATCH /registrations/{id}, If-Match)."""
    organisation_id = require_buyer(request)
    event_id = path_uuid(request, "event_id")
    posted = await request.post()
    values = typed_signup(posted)
    if posted.get("action") == "search":  # the filter without JavaScript: the page again, nothing saved
        return await _signup_page(request, event_id, {**values, "searched": True})
    api = backend(request)
    event, listing = await asyncio.gather(
        api.get("registry", f"/events/{event_id}"), api.get("registry", f"/events/{event_id}/registrations")
    )
    body, errors = signup_body(values, event)
    if errors:
        return await _signup_page(request, event_id, values, errors, 422)
    registration = own_registration(listing, organisation_id)
    try:
        if registration is not None and registration["status"] == "active":
            await api.patch(
                "registry", f"/registrations/{registration['id']}", body, headers=if_match(values["version"])
            )
        else:
            await api.post("registry", f"/events/{event_id}/registrations", body)
    except BackendError as error:
        if error.status not in (409, 412, 422):
            raise
        errors = field_errors(error, values, SIGNUP_ALIASES)
        if error.status == 409 and not error.field_errors:
            errors = {"_form": _(CLOSED)}
        values["version"] = str(current_version(error, values["version"]))
        return await _signup_page(request, event_id, values, errors, 422 if error.status == 422 else error.status)
    raise redirect(f"/kopare/evenemang/{event_id}/anmalan?sparad=1")


async def cancel_form(request: web.Request) -> web.Response:
    organisation_id = require_buyer(request)
    event_id = path_uuid(request, "event_id")
    api = backend(request)
    event, listing = await asyncio.gather(
        api.get("registry", f"/events/{event_id}"), api.get("registry", f"/events/{event_id}/registrations")
    )
    registration = own_registration(listing, organisation_id)
    if registration is None or registration["status"] != "active":
        raise web.HTTPNotFound()
    return render(request, "buyer/cancel.html", {"event": event, "registration": registration})


async def cancel_signup(request: web.Request) -> web.Response:
    """POST /registrations/{id}/cancel (any time; after publication the matcher plans around the gap)."""
    organisation_id = require_buyer(request)
    event_id = path_uuid(request, "event_id")
    form = await request.post()
    listing = await backend(request).get("registry", f"/events/{event_id}/registrations")
    registration = own_registration(listing, organisation_id)
    if registration is not None and registration["status"] == "active":
        reason = text(form, "reason") or ""
        await backend(request).post("registry", f"/registrations/{registration['id']}/cancel", {"reason": reason})
    raise redirect(f"/kopare/evenemang/{event_id}/anmalan?avbokad=1")


# --- the table agenda -------------------------------------------------------------------------------


def _agenda_path(event_id: str, organisation_id: str, suffix: str = "") -> str:
    return f"/events/{event_id}/agendas/buyers/{organisation_id}{suffix}"


async def agenda(request: web.Request) -> web.Response:
    """The buyer's table sheets of the published schedule, or a word that it is not published yet."""
    organisation_id = require_buyer(request)
    event_id = path_uuid(request, "event_id")
    api = backend(request)
    document, reason = None, None
    try:
        document = await api.get("matcher", _agenda_path(event_id, organisation_id))
    except BackendError as error:
        if error.status != 404:
            raise
        reason = "not_published" if str(error.problem.get("type", "")).endswith(":not-published") else "no_meetings"
    event = None
    try:
        event = await api.get("registry", f"/events/{event_id}")
    except BackendError as error:
        if error.status != 404 or document is None:
            raise
    english = page_language() == "en"
    day = await day_pages.participant_day(request, event_id, organisation_id) if document else None
    return render(
        request,
        "buyer/agenda.html",
        {"agenda": document, "event": event, "reason": reason, "english": english, "event_id": event_id, "day": day},
    )


async def _agenda_file(request: web.Request, suffix: str) -> web.Response:
    organisation_id = require_buyer(request)
    return await download(request, "matcher", _agenda_path(path_uuid(request, "event_id"), organisation_id, suffix))


async def agenda_pdf(request: web.Request) -> web.Response:
    return await _agenda_file(request, ".pdf")


async def agenda_ics(request: web.Request) -> web.Response:
    return await _agenda_file(request, ".ics")
