"""Buyer (köpare) pages: the organisation's start page and profile, and what every buyer page shares.

Every page acts for the signed-in buyer's own organisation (the token's ``organisation_id``) through the
registry's and matcher's APIs with the buyer's token; what the API refuses, the page refuses. Needs
(create, edit, status, delete, OCDS import) are in :mod:`services.web.buyer_need_pages`; signing up for
an event and the table agenda in :mod:`services.web.buyer_signup_pages`.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from shared.auth import Role
from shared.event_states import EventStatus

from .backend import BackendError
from .event_status_words import marked_labels
from .forms import errors_by_field
from .i18n import N_, NP_
from .i18n import gettext as _
from .pages_common import cpv_codes_of, if_match, require_own_organisation
from .places import home_county, municipality_groups
from .render import backend, redirect, render

BUYER_CATEGORIES = {
    "municipality": N_("Kommun"),
    "region": N_("Region"),
    "county_board": N_("Länsstyrelse"),
    "municipal_company": N_("Kommunalt bolag"),
    "state_agency": N_("Statlig myndighet"),
    "other": N_("Annan offentlig organisation"),
}
# The events a buyer sees (not drafts), each with the one label of its status.
EVENT_STATUS = marked_labels(status for status in EventStatus if status != EventStatus.DRAFT)
# Who sees the need, in words a buyer cannot misread ("planning" and "planned" once read alike).
NEED_STATUS = {
    "planning": N_("Utkast – syns bara för er"),
    "planned": N_("Synlig för företagen"),
    "published": NP_("need status", "Publicerad"),
    "cancelled": N_("Avbruten"),
}
REQUIRED = N_("Fyll i det här fältet.")
STALE = N_("Någon annan har ändrat uppgifterna under tiden. Kontrollera dem och spara igen.")
NOT_SAVED = N_("Det gick inte att spara. Kontrollera uppgifterna och försök igen.")
# Events further back than this are not listed on the start page.
PAST_EVENTS_SHOWN = timedelta(days=60)
PROFILE_FIELDS = ("name", "municipality_code", "description", "buyer_category", "website", "keywords", "cpv_codes")
CONTACT_FIELDS = ("name", "title", "email", "phone")


# --- shared by the buyer pages ----------------------------------------------------------------------


def require_buyer(request: web.Request) -> str:
    """The signed-in buyer's organisation id; others are refused (organisers too: these pages show one
    organisation's own data, and an organiser has none)."""
    return str(require_own_organisation(request, Role.BUYER)["organisation_id"])


def words(texts: dict[str, str]) -> dict[str, str]:
    """A table of marked texts in the page language."""
    return {key: _(value) for key, value in texts.items()}


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


def own_registration(listing: dict[str, Any], organisation_id: str) -> dict[str, Any] | None:
    """The buyer's own registration in an event's listing (the listing shows every buyer's)."""
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
        {"event": event, "registration": own_registration(listing, organisation_id), "open": signup_open(event)}
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
        "cpv_codes": cpv_codes_of(values["cpv_codes"]),
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
        {
            "organisation": organisation,
            "form": values,
            "errors": errors,
            "categories": categories,
            # All of Sweden's municipalities by county, the buyer's own first (Dalarna's before it has one).
            "municipalities": municipality_groups(
                home_county(values["municipality_code"]), values["municipality_code"]
            ),
        },
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


def signup_open(event: dict[str, Any]) -> bool:
    """Whether the buyer itself may sign up or change its sign-up now (the registry decides for real)."""
    deadline = datetime.fromisoformat(str(event["signup_deadline"]))
    return event["status"] == "open" and datetime.now(UTC) < deadline
