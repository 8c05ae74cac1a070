"""The firm's own pages: register without an account, the start page, and the profile.

Registration is anonymous: the registry creates the SME and answers with its first token, which
becomes the session, so the firm is signed in straight away (later visits sign in with an e-mailed
link). Event pages (needs, sign-up, agenda) are in :mod:`services.web.sme_signup_pages`.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any
from uuid import UUID

from aiohttp import web

from shared.auth import Role
from shared.reference.cpv import cpv_label, normalise_cpv
from shared.reference.municipalities import get_county

from . import places
from .backend import BackendError
from .forms import errors_by_field, listed
from .i18n import gettext as _
from .pages_common import cpv_codes_of, if_match, page_language, require_own_organisation
from .reference_pages import check_orgnr
from .render import backend, redirect, render, settings_of
from .session import set_session

EMPLOYEES_BANDS = ("0", "1-9", "10-49", "50-249", "250+")
# Registry field names → the form's (a prefix also covers its sub-fields, e.g. /cpv_codes/2).
ALIASES = {
    "areas_served": "municipalities",
    "contacts.0.email": "contact_email",
    "contacts.0.name": "contact_name",
    "contacts.0.phone": "contact_phone",
    "contacts": "contact_name",
    "employees_band": "employees_band",
}
VISIBLE_EVENT_STATUSES = ("open", "closed", "scheduled", "published")


def require_sme(request: web.Request) -> dict[str, Any]:
    """The signed-in firm; others are refused (organisers too: these pages show one firm's own data)."""
    return require_own_organisation(request, Role.SME)


def municipality_options() -> list[tuple[str, str]]:
    """Every Swedish municipality as (code, name): firms may sit and deliver anywhere (issue 15)."""
    return places.municipality_options()


def county_name(code: str) -> str:
    """A county's name for "Hela …", else the code as stored.

    Examples
    --------
    >>> county_name("12"), county_name("11")
    ('Skåne län', '11')
    """
    try:
        return get_county(code).name
    except ValueError:
        return code


def band_options() -> list[tuple[str, str]]:
    return [("", _("Välj antal anställda")), *((band, band) for band in EMPLOYEES_BANDS)]


def picked_cpv(codes: list[str]) -> list[dict[str, str]]:
    """The valid codes among ``codes`` with their label, for the picker's chips."""
    lang = page_language()
    picked = []
    for code in codes:
        try:
            picked.append({"code": normalise_cpv(code), "label": cpv_label(code, lang)})
        except ValueError:
            continue
    return picked


def profile_form(organisation: dict[str, Any]) -> dict[str, Any]:
    """A stored organisation as the profile form shows it."""
    contact = (organisation.get("contacts") or [{}])[0]
    areas = organisation["areas_served"]
    return {
        "orgnr": organisation.get("orgnr") or "",
        "name": organisation["name"],
        "municipality_code": organisation["municipality_code"],
        "description": organisation["description"],
        "cpv_codes": ", ".join(organisation["cpv_codes"]),
        "employees_band": organisation.get("employees_band") or "",
        "whole_country": areas["whole_country"],
        "counties": list(areas["counties"]),
        "municipalities": list(areas["municipalities"]),
        "contact_name": contact.get("name", ""),
        "contact_email": contact.get("email", ""),
        "contact_phone": contact.get("phone") or "",
        "website": organisation.get("website") or "",
        "version": organisation["version"],
    }


def typed_form(form: Any) -> dict[str, Any]:
    """What was posted, as the template shows it again."""
    values: dict[str, str | bool | list[str]] = {
        name: str(form.get(name, "")).strip()
        for name in (
            "orgnr", "name", "municipality_code", "description", "cpv_codes", "employees_band",
            "contact_name", "contact_email", "contact_phone", "website", "version",
        )
    }  # fmt: skip
    values["whole_country"] = form.get("whole_country") == "on"
    values["counties"] = listed(form, "counties")
    values["municipalities"] = listed(form, "municipalities")
    return values


def profile_body(values: dict[str, Any]) -> dict[str, Any]:
    """The registry's body for the profile fields (shared by create and update)."""
    contact: dict[str, Any] = {"name": values["contact_name"], "email": values["contact_email"]}
    if values["contact_phone"]:
        contact["phone"] = values["contact_phone"]
    body: dict[str, Any] = {
        "name": values["name"],
        "municipality_code": values["municipality_code"],
        "description": values["description"],
        "cpv_codes": cpv_codes_of(values["cpv_codes"]),
        "areas_served": {
            "whole_country": values["whole_country"],
            "counties": values["counties"],
            "municipalities": values["municipalities"],
        },
        "employees_band": values["employees_band"] or None,
        "contacts": [contact],
    }
    if values["website"]:
        body["website"] = values["website"]
    return body


def local_errors(values: dict[str, Any], *, check_orgnr_field: bool) -> dict[str, str]:
    """What must be filled in before the registry is asked (it would accept a firm without a contact)."""
    errors: dict[str, str] = {}
    if check_orgnr_field:
        normalised, message = check_orgnr(values["orgnr"])
        if normalised is None:
            errors["orgnr"] = message
    if not values["name"]:
        errors["name"] = _("Fyll i företagets namn.")
    if not values["municipality_code"]:
        errors["municipality_code"] = _("Välj kommunen där företaget har sitt säte.")
    codes = cpv_codes_of(values["cpv_codes"])
    if not codes:
        errors["cpv_codes"] = _("Välj minst en CPV-kod för det ni säljer.")
    else:
        for code in codes:
            try:
                normalise_cpv(code)
            except ValueError:
                errors["cpv_codes"] = _("%(code)s är ingen CPV-kod. Sök bland koderna.", code=code)
                break
    if not values["contact_name"]:
        errors["contact_name"] = _("Fyll i namnet på en kontaktperson.")
    if not values["contact_email"]:
        errors["contact_email"] = _("Fyll i en e-postadress. Dit skickar vi inloggningslänkar.")
    return errors


def api_errors(error: BackendError) -> dict[str, str]:
    """The registry's field errors by form field, with clearer words for a taken org.nr."""
    errors = errors_by_field(error.field_errors, ALIASES)
    if error.status == 409 and "orgnr" in errors:
        errors["orgnr"] = _("Företaget är redan registrerat. Logga in med en länk till kontaktpersonens e-post.")
    if not errors:
        errors["_form"] = _("Det gick inte att spara. Kontrollera uppgifterna och försök igen.")
    return errors


def form_context(values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    region = places.home_county(values.get("municipality_code"))
    return {
        "form": values,
        "errors": errors,
        # Grouped by county, the firm's own first (Dalarna's before it has chosen).
        "municipalities": places.municipality_groups(region, values.get("municipality_code")),
        "folds": places.county_folds(region),
        "bands": band_options(),
        "picked": picked_cpv(cpv_codes_of(values.get("cpv_codes"))),
    }


# --- register ---------------------------------------------------------------------------------------


async def register_form(request: web.Request) -> web.Response:
    empty = {"municipalities": [], "whole_country": False, "counties": [], "municipality_code": ""}
    return render(request, "sme/register.html", form_context(empty, {}))


async def register(request: web.Request) -> web.Response:
    """Create the firm in the registry and sign it in with the token the registry gives back."""
    values = typed_form(await request.post())
    errors = local_errors(values, check_orgnr_field=True)
    if not errors:
        body = {"kind": "sme", "orgnr": values["orgnr"], **profile_body(values)}
        try:
            created = await backend(request).post("registry", "/organisations", body, anonymous=True)
        except BackendError as error:
            if error.status == 429:
                errors = {"_form": _("För många registreringar från samma adress. Försök igen om en timme.")}
            elif error.status in (409, 422):
                errors = api_errors(error)
            else:
                raise
        else:
            response = web.HTTPSeeOther("/foretag?registrerad=1")
            set_session(response, settings_of(request), created["token"])
            raise response
    return render(request, "sme/register.html", form_context(values, errors), status=422)


# --- start page ---------------------------------------------------------------------------------------


async def _registration_of(request: web.Request, event_id: str) -> dict[str, Any] | None:
    listing = await backend(request).get("registry", f"/events/{event_id}/registrations")
    return next(iter(listing["items"]), None)


async def start(request: web.Request) -> web.Response:
    """The firm's start page: its profile in brief, the events it can sign up for, its sign-ups."""
    person = require_sme(request)
    api = backend(request)
    organisation, events = await asyncio.gather(
        api.get("registry", f"/organisations/{person['organisation_id']}"),
        api.get(
            "registry",
            "/events",
            params={"status": list(VISIBLE_EVENT_STATUSES), "from": date.today().isoformat(), "limit": 50},
        ),
    )
    items = events["items"]
    registrations = await asyncio.gather(*(_registration_of(request, event["id"]) for event in items))
    municipalities = dict(municipality_options())
    context = {
        "organisation": organisation,
        "municipality": municipalities.get(organisation["municipality_code"], organisation["municipality_code"]),
        "served": [municipalities.get(code, code) for code in organisation["areas_served"]["municipalities"]],
        "whole_counties": [county_name(code) for code in organisation["areas_served"]["counties"]],
        "picked": picked_cpv(organisation["cpv_codes"]),
        "events": [{"event": event, "registration": reg} for event, reg in zip(items, registrations, strict=True)],
        "just_registered": "registrerad" in request.query,
        "cancelled": "avanmald" in request.query,
        "saved": "sparad" in request.query,
    }
    return render(request, "sme/start.html", context)


# --- profile ------------------------------------------------------------------------------------------


def _organisation_path(person: dict[str, Any]) -> str:
    return f"/organisations/{UUID(str(person['organisation_id']))}"


async def profile_form_page(request: web.Request) -> web.Response:
    person = require_sme(request)
    organisation = await backend(request).get("registry", _organisation_path(person))
    return render(request, "sme/profile.html", form_context(profile_form(organisation), {}))


async def update_profile(request: web.Request) -> web.Response:
    """PATCH the profile; ``If-Match`` with the version the form showed, so nobody's edit is lost."""
    person = require_sme(request)
    values = typed_form(await request.post())
    errors = local_errors(values, check_orgnr_field=False)
    stale_message = _("Någon annan ändrade profilen under tiden. Kontrollera uppgifterna och spara igen.")
    if not errors:
        try:
            await backend(request).patch(
                "registry", _organisation_path(person), profile_body(values), headers=if_match(values["version"])
            )
        except BackendError as error:
            if error.status == 412:
                errors = {"_form": stale_message}
            elif error.status in (409, 422):
                errors = api_errors(error)
            else:
                raise
        else:
            raise redirect("/foretag?sparad=1")
    current = await backend(request).get("registry", _organisation_path(person))
    values["orgnr"] = current.get("orgnr") or ""
    if errors.get("_form") == stale_message:
        values["version"] = str(current["version"])  # saving again applies what is typed over the newer version
    return render(request, "sme/profile.html", form_context(values, errors), status=422)
