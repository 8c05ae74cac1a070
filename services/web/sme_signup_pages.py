"""A firm and one event: the buyers' upcoming needs, signing up (availability, ranked interests),
changing or cancelling the sign-up, and the published agenda with its .ics and PDF.

Every page acts for the signed-in firm only: the registration is found through the firm's own token
(the registry lists only the caller's own), never taken from the form, so no firm can touch another's.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import Any, NotRequired, TypedDict
from uuid import UUID

from aiohttp import web

from shared.clock import CLOCK_KEY
from shared.reference.cpv import cpv_label

from . import day_pages, public_event_pages
from .backend import BackendError
from .forms import errors_by_field, listed, text
from .i18n import gettext as _
from .pages_common import download, if_match, load_event, money, page_language, path_uuid
from .relevance_lists import duplicate_ranks, need_rows
from .render import backend, redirect, render
from .sme_pages import require_sme

RANK_PREFIX = "rank-"
MAX_RANK = 50
NOTE_LENGTH = 2000  # the registry's limit of a registration's note and support note
NEED_PAGE = 200
_CPV_PREFIX = re.compile(r"^[0-9]{2,8}$")
SHOWN_STATUSES = {"planned": ("planned",), "published": ("published",), "": ("planned", "published")}


class SignupForm(TypedDict):
    """The sign-up form's values as the page shows them: stored, or as typed when posted."""

    slots: list[str]  # the slot indexes ticked
    max_meetings: str
    note: str
    support: bool  # individual support after the day asked for
    support_note: str
    ranks: dict[str, str]  # need id → rank as typed
    version: NotRequired[str]  # the registration's version the form shows (If-Match); none for a new one
    q: NotRequired[str]  # the needs' filter
    searched: NotRequired[bool]  # the page again for the filter, nothing saved


async def _event_and_listing(request: web.Request, event_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The event (404 for drafts) and the firm's own registration listing with the buyers attending."""
    return await asyncio.gather(
        load_event(request, event_id), backend(request).get("registry", f"/events/{event_id}/registrations")
    )


def _own(listing: dict[str, Any]) -> dict[str, Any] | None:
    return next(iter(listing["items"]), None)


# --- the event's needs --------------------------------------------------------------------------------


async def event_needs(request: web.Request) -> web.Response:
    """The attending buyers' upcoming needs, filtered by a GET form that works without JavaScript."""
    require_sme(request)
    event_id = path_uuid(request)
    event, listing = await _event_and_listing(request, event_id)
    buyers = listing.get("attending_buyers") or []
    buyer_ids = {buyer["organisation_id"] for buyer in buyers}
    brought = {need["id"] for buyer in buyers for need in buyer["brought_needs"]}
    filters = {name: request.query.get(name, "").strip() for name in ("q", "buyer", "cpv", "status")}
    errors: dict[str, str] = {}
    if filters["cpv"] and not _CPV_PREFIX.match(filters["cpv"]):
        errors["cpv"] = _("Skriv 2–8 siffror från början av en CPV-kod, t.ex. 9091.")
    if filters["buyer"] and filters["buyer"] not in buyer_ids:
        errors["buyer"] = _("Välj en av köparna i listan.")
    if filters["status"] not in SHOWN_STATUSES:
        errors["status"] = _("Välj ett av alternativen.")
    needs: list[dict[str, Any]] = []
    if buyers and not errors:
        params = {
            "q": filters["q"] or None,
            "buyer_id": filters["buyer"] or None,
            "cpv": filters["cpv"] or None,
            "status": list(SHOWN_STATUSES[filters["status"]]),
            "limit": NEED_PAGE,
        }
        try:
            found = await backend(request).get("registry", "/needs", params=params)
        except BackendError as error:
            if error.status != 422:
                raise
            errors = errors_by_field(error.field_errors, {"buyer_id": "buyer"})
        else:
            needs = [need for need in found["items"] if need["buyer"]["id"] in buyer_ids]
    lang = page_language()
    for need in needs:
        need["cpv_text"] = cpv_label(need["cpv_main"], lang)
        need["value_text"] = money(need.get("estimated_value_sek"))
        need["brought"] = need["id"] in brought
    context = {
        "event": event,
        "registration": _own(listing),
        "buyers": buyers,
        "buyer_options": [(buyer["organisation_id"], buyer["name"]) for buyer in buyers],
        "needs": needs,
        "filters": filters,
        "errors": errors,
        "form": filters,
    }
    return render(request, "sme/event_needs.html", context, status=422 if errors else 200)


# --- sign up ------------------------------------------------------------------------------------------


async def _interest_rows(
    request: web.Request, listing: dict[str, Any], registration: dict[str, Any] | None, extra: list[str]
) -> list[dict[str, Any]]:
    """The needs the firm may rank: those the attending buyers bring, those it ranked before, and ones
    it picked on the needs page (``?behov=``), each once."""
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for buyer in listing.get("attending_buyers") or []:
        for need in buyer["brought_needs"]:
            if need["id"] not in seen:
                seen.add(need["id"])
                rows.append({"id": need["id"], "title": need["title"], "buyer": buyer["name"]})
    wanted = [str(need_id) for need_id in (registration or {}).get("wanted_needs") or []]
    missing = [need_id for need_id in dict.fromkeys([*wanted, *extra]) if need_id not in seen]
    for need_id in missing:
        try:
            UUID(need_id)
            need = await backend(request).get("registry", f"/needs/{need_id}")
        except (ValueError, BackendError):
            continue  # withdrawn or never visible: nothing to rank
        seen.add(need_id)
        rows.append({"id": need["id"], "title": need["title"], "buyer": need["buyer"]["name"]})
    return rows


def _registration_form(event: dict[str, Any], registration: dict[str, Any] | None) -> SignupForm:
    """The sign-up form's values: the stored registration, or everything available for a new one."""
    every_slot = [str(slot["index"]) for slot in event["slots"]]
    if registration is None or registration["status"] != "active":
        return {"slots": every_slot, "max_meetings": str(event["default_meetings_per_sme"]), "note": "", "ranks": {},
                "support": False, "support_note": ""}  # fmt: skip
    slots = registration["available_slots"]
    return {
        "slots": every_slot if slots is None else [str(index) for index in slots],
        "max_meetings": str(registration["max_meetings"] or ""),
        "note": registration["note"],
        "support": registration.get("support_requested", False),
        "support_note": registration.get("support_note", ""),
        "ranks": {str(need_id): str(rank) for rank, need_id in enumerate(registration["wanted_needs"], start=1)},
        "version": str(registration["version"]),
    }


async def _signup_context(
    request: web.Request, event_id: str, extra: list[str] | None = None, query: str = ""
) -> tuple[dict[str, Any], dict[str, Any] | None, list[dict[str, Any]]]:
    """The event, the firm's registration and the needs to rank, best fit for the firm first (the matcher's
    relevance; ``query`` marks the rows the filter box hides)."""
    person = require_sme(request)
    (event, listing), relevance = await asyncio.gather(
        _event_and_listing(request, event_id),
        backend(request).relevance(event_id, sme_id=str(person["organisation_id"])),
    )
    registration = _own(listing)
    rows = await _interest_rows(request, listing, registration, extra or [])
    return event, registration, need_rows(rows, relevance, page_language(), query)


def _render_signup(
    request: web.Request,
    event: dict[str, Any],
    registration: dict[str, Any] | None,
    rows: list[dict[str, Any]],
    form: SignupForm,
    errors: dict[str, str],
    *,
    status: int = 200,
) -> web.Response:
    active = registration is not None and registration["status"] == "active"
    now = request.app[CLOCK_KEY].now()
    context = {
        "event": event,
        "registration": registration,
        "active": active,
        "interests": rows,
        "form": form,
        "errors": errors,
        "saved": "sparad" in request.query,
        # Open by the web's clock too: after the deadline a firm sees when it closed and whom to ask, not a
        # form whose sending could only fail.
        "open": public_event_pages.signup_open(event, now),
        "closed": {
            "deadline_passed": now >= datetime.fromisoformat(str(event["signup_deadline"])),
            "closes": public_event_pages.day_and_month(event["signup_deadline"], event["time_zone"]),
            "contact": public_event_pages.contact_of(event),
        },
        "next_steps": public_event_pages.next_steps(event, registration),
    }
    return render(request, "sme/signup.html", context, status=status)


async def signup_form(request: web.Request) -> web.Response:
    require_sme(request)
    event_id = path_uuid(request)
    query = request.query.get("q", "").strip()[:200]
    event, registration, rows = await _signup_context(request, event_id, request.query.getall("behov", []), query)
    form: SignupForm = {**_registration_form(event, registration), "q": query}
    return _render_signup(request, event, registration, rows, form, {})


def parse_ranks(form: Any, rows: list[dict[str, Any]]) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """Needs in the order the firm ranked them (1 = most wanted; two with one rank are an error).

    Returns the ranked ids, the ranks as typed (to show again) and errors by field.
    """
    typed: dict[str, str] = {}
    errors: dict[str, str] = {}
    ranked: list[tuple[int, int, str]] = []
    for position, row in enumerate(rows):
        name = RANK_PREFIX + row["id"]
        value = str(form.get(name, "")).strip()
        typed[row["id"]] = value
        if not value:
            continue
        if not value.isdigit() or not 1 <= int(value) <= MAX_RANK:
            errors[name] = _("Skriv ett heltal från 1 till %(max)s, eller lämna tomt.", max=MAX_RANK)
            continue
        ranked.append((int(value), position, row["id"]))
    # Two needs with one rank are refused, not renumbered: only the firm knows which comes first.
    duplicates = duplicate_ranks({RANK_PREFIX + need_id: value for need_id, value in typed.items()})
    errors.update({name: message for name, message in duplicates.items() if name not in errors})
    return [need_id for _rank, _position, need_id in sorted(ranked)], typed, errors


async def signup(request: web.Request) -> web.Response:
    """Sign up, or change the sign-up (``If-Match`` with the version the form showed)."""
    require_sme(request)
    event_id = path_uuid(request)
    posted = await request.post()
    query = str(posted.get("q", "")).strip()[:200]
    event, registration, rows = await _signup_context(request, event_id, query=query)
    slots = listed(posted, "slot")
    wanted, typed_ranks, errors = parse_ranks(posted, rows)
    form: SignupForm = {
        "slots": slots,
        "max_meetings": text(posted, "max_meetings") or "",
        "note": str(posted.get("note", "")).strip(),
        # The individual support after the day (issue 14): asked for here, given by an adviser afterwards.
        "support": bool(posted.get("support")),
        "support_note": str(posted.get("support_note", "")).strip(),
        "ranks": typed_ranks,
        "version": text(posted, "version") or "",
        "q": query,
    }
    if posted.get("action") == "search":  # the filter without JavaScript: the page again, nothing saved
        return _render_signup(request, event, registration, rows, {**form, "searched": True}, {})
    # Everything the form can tell is checked here, so that every mistake is named in one round (the
    # registry is asked only once these pass, and names what is left, such as a need withdrawn meanwhile).
    errors.update(_local_errors(form, event))
    if not errors:
        every_slot = {str(slot["index"]) for slot in event["slots"]}
        body: dict[str, Any] = {
            # Every slot ticked means "all day", which also survives later changes to the grid.
            "available_slots": None if set(slots) >= every_slot else sorted({int(s) for s in slots if s.isdigit()}),
            "wanted_needs": wanted,
            "note": form["note"],
            "support_requested": form["support"],
            "support_note": form["support_note"] if form["support"] else "",
        }
        if form["max_meetings"]:
            body["max_meetings"] = int(form["max_meetings"])
        api = backend(request)
        try:
            if registration is not None and registration["status"] == "active":
                version = form["version"] if form["version"].isdigit() else registration["version"]
                await api.patch("registry", f"/registrations/{registration['id']}", body, headers=if_match(version))
            else:
                await api.post("registry", f"/events/{event_id}/registrations", body)
        except BackendError as error:
            errors = _signup_errors(error, wanted)
        else:
            raise redirect(f"/foretag/evenemang/{event_id}/anmalan?sparad=1")
    return _render_signup(request, event, registration, rows, form, errors, status=422)


def _local_errors(form: SignupForm, event: dict[str, Any]) -> dict[str, str]:
    """What is wrong with the typed sign-up that the page can tell (the registry's limits, checked here)."""
    errors: dict[str, str] = {}
    if not form["slots"]:
        errors["slots"] = _("Välj minst ett tidspass då ni kan vara med.")
    top = event["max_meetings_per_sme"]
    if form["max_meetings"] and not form["max_meetings"].isdigit():
        errors["max_meetings"] = _("Skriv ett heltal.")
    elif form["max_meetings"] and not 1 <= int(form["max_meetings"]) <= top:
        errors["max_meetings"] = _("Skriv ett heltal från 1 till %(max)s.", max=top)
    for name, typed in (("note", form["note"]), ("support_note", form["support_note"])):
        if len(typed) > NOTE_LENGTH:
            errors[name] = _("Texten är för lång: högst %(max)s tecken.", max=NOTE_LENGTH)
    return errors


def _signup_errors(error: BackendError, wanted: list[str]) -> dict[str, str]:
    """The registry's answer by form field; a closed sign-up or someone else's edit in words."""
    if error.status == 412:
        return {"_form": _("Anmälan ändrades under tiden. Ladda om sidan och gör om ändringen.")}
    if error.status == 409:
        codes = {item.get("code") for item in error.field_errors}
        if "already_registered" in codes:
            return {"_form": _("Ni är redan anmälda. Ladda om sidan för att ändra anmälan.")}
        return {"_form": _("Anmälan är stängd för den här affärsträffen. Kontakta arrangören.")}
    if error.status != 422:
        raise error
    aliases = {f"wanted_needs.{position}": RANK_PREFIX + need_id for position, need_id in enumerate(wanted)}
    aliases.update({"available_slots": "slots", "wanted_needs": "interests"})
    return errors_by_field(error.field_errors, aliases)


# --- cancel -------------------------------------------------------------------------------------------


async def cancel_form(request: web.Request) -> web.Response:
    """Ask before cancelling: a page with one button, no script needed."""
    require_sme(request)
    event_id = path_uuid(request)
    event, listing = await _event_and_listing(request, event_id)
    registration = _own(listing)
    if registration is None or registration["status"] != "active":
        raise redirect(f"/foretag/evenemang/{event_id}/anmalan")
    return render(request, "sme/cancel.html", {"event": event, "registration": registration})


async def cancel(request: web.Request) -> web.Response:
    require_sme(request)
    event_id = path_uuid(request)
    posted = await request.post()
    _event, listing = await _event_and_listing(request, event_id)
    registration = _own(listing)
    if registration is not None and registration["status"] == "active":
        reason = str(posted.get("reason", "")).strip()[:1000]
        await backend(request).post("registry", f"/registrations/{registration['id']}/cancel", {"reason": reason})
    raise redirect("/foretag?avanmald=1")


# --- agenda -------------------------------------------------------------------------------------------


def _agenda_path(event_id: str, organisation_id: Any, suffix: str = "") -> str:
    return f"/events/{event_id}/agendas/smes/{UUID(str(organisation_id))}{suffix}"


async def agenda(request: web.Request) -> web.Response:
    """The firm's published agenda: when, which table, whom, about what, and why."""
    person = require_sme(request)
    event_id = path_uuid(request)
    event, listing = await _event_and_listing(request, event_id)
    lang = page_language()
    document = None
    state = "published"
    try:
        document = await backend(request).get(
            "matcher", _agenda_path(event_id, person["organisation_id"]), params={"lang": lang}
        )
    except BackendError as error:
        if error.status != 404:
            raise
        state = "not_published" if str(error.problem.get("type", "")).endswith("not-published") else "no_meetings"
    if document is not None:
        for meeting in document["meetings"]:
            meeting["why"] = meeting["why_en"] if lang == "en" else meeting["why_sv"]
            for need in meeting["needs"]:
                need["cpv_label"] = need["cpv_label_en"] if lang == "en" else need["cpv_label_sv"]
    day = await day_pages.participant_day(request, event_id, person["organisation_id"]) if document else None
    context = {"event": event, "registration": _own(listing), "agenda": document, "state": state, "day": day}
    return render(request, "sme/agenda.html", context)


async def _agenda_file(request: web.Request, suffix: str) -> web.Response:
    person = require_sme(request)
    return await download(request, "matcher", _agenda_path(path_uuid(request), person["organisation_id"], suffix))


async def agenda_ics(request: web.Request) -> web.Response:
    """The agenda as a calendar file (passed on from the matcher as it came)."""
    return await _agenda_file(request, ".ics")


async def agenda_pdf(request: web.Request) -> web.Response:
    """The agenda as a PDF to print (passed on from the matcher as it came)."""
    return await _agenda_file(request, ".pdf")
