"""Buyer (köpare) pages: the organisation's start page and profile, signing up for an event, the table agenda.

Every page acts for the signed-in buyer's own organisation (the token's ``organisation_id``) through the
registry's and matcher's APIs with the buyer's token; what the API refuses, the page refuses. Needs
(create, edit, status, delete, OCDS import) are in :mod:`services.web.buyer_need_pages`.

SMEs a buyer would like to meet are picked from ``GET /organisations?kind=sme`` (the registry lets any
signed-in caller list organisations, never with contacts; an event's registrations list no SMEs to
other participants). Each SME gets a rank box: SMEs with a number are wanted, sent best first.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from aiohttp import web

from shared.auth import Role

from .backend import BackendError
from .forms import errors_by_field, listed, text
from .i18n import N_, current_language
from .i18n import gettext as _
from .render import backend, redirect, render, require_user

BUYER_CATEGORIES = {
    "municipality": N_("Kommun"),
    "region": N_("Region"),
    "county_board": N_("Länsstyrelse"),
    "municipal_company": N_("Kommunalt bolag"),
    "state_agency": N_("Statlig myndighet"),
    "other": N_("Annan offentlig organisation"),
}
EVENT_STATUS = {
    "open": N_("Öppen för anmälan"),
    "closed": N_("Anmälan stängd"),
    "scheduled": N_("Schemat planeras"),
    "published": N_("Schemat är publicerat"),
}
NEED_STATUS = {
    "planning": N_("Planeras (syns bara för er)"),
    "planned": N_("Planerad"),
    "published": N_("Publicerad"),
    "cancelled": N_("Avbruten"),
}
LANGUAGES = {"sv": N_("Svenska"), "en": N_("Engelska")}
REQUIRED = N_("Fyll i det här fältet.")
STALE = N_("Någon annan har ändrat uppgifterna under tiden. Kontrollera dem och spara igen.")
NOT_SAVED = N_("Det gick inte att spara. Kontrollera uppgifterna och försök igen.")
_CODE_SPLIT = re.compile(r"[\s,;]+")
# Events further back than this are not listed on the start page.
PAST_EVENTS_SHOWN = timedelta(days=60)
SME_CHOICES = 100
PROFILE_FIELDS = ("name", "municipality_code", "description", "buyer_category", "website", "keywords", "cpv_codes")
CONTACT_FIELDS = ("name", "title", "email", "phone")


# --- shared by the buyer pages ----------------------------------------------------------------------


def require_buyer(request: web.Request) -> str:
    """The signed-in buyer's organisation id; others are refused (organisers too: these pages show one
    organisation's own data, and an organiser has none)."""
    person = require_user(request, Role.BUYER)
    if person["role"] != Role.BUYER.value or not person.get("organisation_id"):
        raise BackendError(403)
    return str(person["organisation_id"])


def path_id(request: web.Request, name: str) -> str:
    """An id of the path; one that is not a UUID is a page that does not exist."""
    try:
        return str(UUID(request.match_info[name]))
    except ValueError:
        raise web.HTTPNotFound() from None


def codes_of(value: str | None) -> list[str]:
    """CPV codes as typed, separated by commas or spaces.

    Examples
    --------
    >>> codes_of(" 90910000-9, 45000000;;90911200 ")
    ['90910000-9', '45000000', '90911200']
    """
    return [code for code in _CODE_SPLIT.split(value or "") if code]


def words(texts: dict[str, str]) -> dict[str, str]:
    """A table of marked texts in the page language."""
    return {key: _(value) for key, value in texts.items()}


def if_match(version: Any) -> dict[str, str]:
    """The If-Match header for a version the form was filled in from (none when unknown)."""
    value = str(version or "").strip()
    return {"If-Match": f'"{value}"'} if value.isdigit() else {}


def field_errors(
    error: BackendError, values: dict[str, Any], aliases: dict[str, str] | None = None, required: tuple[str, ...] = ()
) -> dict[str, str]:
    """The registry's refusal by form field; a required field left empty says so plainly."""
    errors = errors_by_field(error.field_errors, aliases)
    for name in required:
        if name in errors and not values.get(name):
            errors[name] = _(REQUIRED)
    if error.status == 412:
        errors["_form"] = _(STALE)
    elif not errors:
        errors["_form"] = _(NOT_SAVED)
    return errors


def current_version(error: BackendError, fallback: Any) -> Any:
    """After a 412, the version now stored (so saving again knowingly overwrites it)."""
    return error.problem.get("current_version", fallback) if error.status == 412 else fallback


def rows_of(form: Any, prefix: str, count_field: str, names: tuple[str, ...]) -> list[dict[str, str]]:
    """Repeated rows posted as ``prefix.N.name``; rows left wholly empty are dropped, so the positions
    the registry names in its errors are those of the rows shown again."""
    count = str(form.get(count_field, ""))
    rows = []
    for index in range(min(int(count), 50) if count.isdigit() else 0):
        row = {name: str(form.get(f"{prefix}.{index}.{name}", "")).strip() for name in names}
        if any(row.values()):
            rows.append(row)
    return rows


async def own_needs(request: web.Request, organisation_id: str) -> list[dict[str, Any]]:
    """The organisation's needs, newest last (the registry lists at most 200 a page)."""
    listing = await backend(request).get("registry", "/needs", params={"buyer_id": organisation_id, "limit": 200})
    return listing["items"]


# --- start page -------------------------------------------------------------------------------------


def _own(listing: dict[str, Any], organisation_id: str) -> dict[str, Any] | None:
    return next((item for item in listing["items"] if str(item["organisation_id"]) == organisation_id), None)


async def start(request: web.Request) -> web.Response:
    """The organisation, its needs, the events it can sign up for and its registrations."""
    organisation_id = require_buyer(request)
    api = backend(request)
    since = (datetime.now(UTC).date() - PAST_EVENTS_SHOWN).isoformat()
    organisation, needs, events = await asyncio.gather(
        api.get("registry", f"/organisations/{organisation_id}"),
        own_needs(request, organisation_id),
        api.get("registry", "/events", params={"from": since, "limit": 100}),
    )
    shown = [event for event in events["items"] if event["status"] in EVENT_STATUS]
    listings = await asyncio.gather(*(api.get("registry", f"/events/{e['id']}/registrations") for e in shown))
    rows = [
        {"event": event, "registration": _own(listing, organisation_id), "open": signup_open(event)}
        for event, listing in zip(shown, listings, strict=True)
    ]
    return render(
        request,
        "buyer/start.html",
        {
            "organisation": organisation,
            "needs": needs,
            "events": rows,
            "need_status": words(NEED_STATUS),
            "event_status": words(EVENT_STATUS),
            "categories": words(BUYER_CATEGORIES),
            "saved": "sparad" in request.query,
            "removed": "borttaget" in request.query,
        },
    )


# --- the organisation's profile ---------------------------------------------------------------------


def profile_form(organisation: dict[str, Any]) -> dict[str, Any]:
    """A stored organisation as the form shows it (its contacts and one empty row for a new one)."""
    return {
        "name": organisation["name"],
        "municipality_code": organisation["municipality_code"],
        "description": organisation["description"],
        "buyer_category": organisation.get("buyer_category") or "",
        "website": organisation.get("website") or "",
        "keywords": ", ".join(organisation["keywords"]),
        "cpv_codes": ", ".join(organisation["cpv_codes"]),
        "contacts": [
            {name: contact.get(name) or "" for name in CONTACT_FIELDS} for contact in organisation.get("contacts") or []
        ],
        "version": organisation["version"],
    }


def typed_profile(form: Any) -> dict[str, Any]:
    """What was posted; contact rows left wholly empty are dropped (so error positions match the rows)."""
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in (*PROFILE_FIELDS, "version")}
    values["contacts"] = rows_of(form, "contacts", "contact_rows", CONTACT_FIELDS)
    return values


def profile_body(values: dict[str, Any]) -> dict[str, Any]:
    """The PATCH body: every field of the form (contacts replace the stored list)."""
    return {
        "name": values["name"],
        "municipality_code": values["municipality_code"],
        "description": values["description"],
        "buyer_category": values["buyer_category"] or None,
        "website": values["website"] or None,
        "keywords": [word.strip() for word in values["keywords"].split(",") if word.strip()],
        "cpv_codes": codes_of(values["cpv_codes"]),
        "contacts": [
            {**{name: row[name] for name in ("name", "title", "email")}, "phone": row["phone"] or None}
            for row in values["contacts"]
        ],
    }


def _profile_page(
    request: web.Request, organisation: dict[str, Any], values: dict[str, Any], errors: dict[str, str], status: int
) -> web.Response:
    categories = [("", _("Välj typ av organisation")), *words(BUYER_CATEGORIES).items()]
    return render(
        request,
        "buyer/organisation.html",
        {"organisation": organisation, "form": values, "errors": errors, "categories": categories},
        status=status,
    )


async def organisation_form(request: web.Request) -> web.Response:
    organisation_id = require_buyer(request)
    organisation = await backend(request).get("registry", f"/organisations/{organisation_id}")
    return _profile_page(request, organisation, profile_form(organisation), {}, 200)


async def save_organisation(request: web.Request) -> web.Response:
    """PATCH /organisations/{own id} with If-Match: a change made meanwhile is not silently overwritten."""
    organisation_id = require_buyer(request)
    values = typed_profile(await request.post())
    api = backend(request)
    try:
        await api.patch(
            "registry", f"/organisations/{organisation_id}", profile_body(values), headers=if_match(values["version"])
        )
    except BackendError as error:
        if error.status not in (409, 412, 422):
            raise
        errors = field_errors(error, values, required=("name", "municipality_code"))
        values["version"] = current_version(error, values["version"])
        organisation = await api.get("registry", f"/organisations/{organisation_id}")
        return _profile_page(request, organisation, values, errors, 422 if error.status == 422 else error.status)
    raise redirect("/kopare?sparad=1")


# --- signing up for an event ------------------------------------------------------------------------


def signup_open(event: dict[str, Any]) -> bool:
    """Whether the buyer itself may sign up or change its sign-up now (the registry decides for real)."""
    deadline = datetime.fromisoformat(str(event["signup_deadline"]))
    return event["status"] == "open" and datetime.now(UTC) < deadline


def signup_form(event: dict[str, Any], registration: dict[str, Any] | None) -> dict[str, Any]:
    """A registration (or a new one) as the form shows it; all slots ticked means all day."""
    every_slot = [str(slot["index"]) for slot in event["slots"]]
    if registration is None or registration["status"] != "active":
        return {"tables": "1", "slots": every_slot, "representatives": [], "brought_needs": [], "ranks": {},
                "languages": ["sv"], "note": "", "version": ""}  # fmt: skip
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
    }


def signup_body(values: dict[str, Any], event: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The registration body, and what is wrong that the registry cannot say (empty boxes, ranks)."""
    errors: dict[str, str] = {}
    every_slot = {slot["index"] for slot in event["slots"]}
    slots = sorted({int(index) for index in values["slots"] if index.isdigit()})
    if not slots:
        errors["slots"] = _("Välj minst ett tidspass.")
    ranked: list[tuple[int, str]] = []
    for sme, rank in values["ranks"].items():
        if not rank.isdigit() or int(rank) < 1:
            errors[f"rank.{sme}"] = _("Skriv ett heltal från 1 (helst) och uppåt, eller lämna tomt.")
        else:
            ranked.append((int(rank), sme))
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


async def _sme_choices(request: web.Request, query: str, wanted: list[str]) -> list[dict[str, Any]]:
    """SMEs to rank: the wanted ones first (whatever the filter), then those the filter finds."""
    api = backend(request)
    found = await api.get("registry", "/organisations", params={"kind": "sme", "q": query, "limit": SME_CHOICES})

    async def named(sme_id: str) -> dict[str, Any] | None:
        try:
            return await api.get("registry", f"/organisations/{sme_id}")
        except BackendError as error:
            if error.status == 404:
                return None
            raise

    chosen = [org for org in await asyncio.gather(*(named(sme) for sme in wanted)) if org is not None]
    known = {str(org["id"]) for org in chosen}
    return chosen + [org for org in found["items"] if str(org["id"]) not in known and not org["erased"]]


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
    registration = _own(listing, organisation_id)
    if values is None:
        values = signup_form(event, registration)
    query = (request.query.get("q") or "").strip()[:200]
    ranks = values["ranks"]
    wanted = sorted(ranks, key=lambda sme: (int(ranks[sme]) if ranks[sme].isdigit() else 10**6, sme))
    smes = await _sme_choices(request, query, wanted)
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
    return await _signup_page(request, path_id(request, "event_id"))


async def save_signup(request: web.Request) -> web.Response:
    """Sign up (POST …/registrations) or change the active sign-up (PATCH /registrations/{id}, If-Match)."""
    organisation_id = require_buyer(request)
    event_id = path_id(request, "event_id")
    values = typed_signup(await request.post())
    api = backend(request)
    event, listing = await asyncio.gather(
        api.get("registry", f"/events/{event_id}"), api.get("registry", f"/events/{event_id}/registrations")
    )
    body, errors = signup_body(values, event)
    if errors:
        return await _signup_page(request, event_id, values, errors, 422)
    registration = _own(listing, organisation_id)
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
    event_id = path_id(request, "event_id")
    api = backend(request)
    event, listing = await asyncio.gather(
        api.get("registry", f"/events/{event_id}"), api.get("registry", f"/events/{event_id}/registrations")
    )
    registration = _own(listing, organisation_id)
    if registration is None or registration["status"] != "active":
        raise web.HTTPNotFound()
    return render(request, "buyer/cancel.html", {"event": event, "registration": registration})


async def cancel_signup(request: web.Request) -> web.Response:
    """POST /registrations/{id}/cancel (any time; after publication the matcher plans around the gap)."""
    organisation_id = require_buyer(request)
    event_id = path_id(request, "event_id")
    form = await request.post()
    listing = await backend(request).get("registry", f"/events/{event_id}/registrations")
    registration = _own(listing, organisation_id)
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
    event_id = path_id(request, "event_id")
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
    english = current_language.get() == "en"
    return render(
        request,
        "buyer/agenda.html",
        {"agenda": document, "event": event, "reason": reason, "english": english, "event_id": event_id},
    )


async def _agenda_file(request: web.Request, suffix: str) -> web.Response:
    organisation_id = require_buyer(request)
    event_id = path_id(request, "event_id")
    return await backend(request).download(
        "matcher", _agenda_path(event_id, organisation_id, suffix), params={"lang": current_language.get()}
    )


async def agenda_pdf(request: web.Request) -> web.Response:
    return await _agenda_file(request, ".pdf")


async def agenda_ics(request: web.Request) -> web.Response:
    return await _agenda_file(request, ".ics")
