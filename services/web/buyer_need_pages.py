"""A buyer's needs (kommande upphandlingar): create, edit, change status, delete (importing them from OCDS is
:mod:`services.web.buyer_need_import`).

A new need is visible to firms unless the buyer keeps it as a draft: needs are there to be seen, and
a draft brought to a träff would be hidden from the very firms meant to see it. The signup page links
here with ``?traff=<event id>`` and the buyer comes back to the signup after saving.

The registry validates a need as a whole and answers with field errors (JSON Pointers); the form shows
each next to its field and keeps what was typed. CPV codes are one text box of codes separated by
commas (the first is the main code); ``data-cpv-picker`` lets a script enhance it, the form works
without. An estimated value that is not a whole number is sent as typed, so the registry's own
message lands next to the field in the same round as every other error.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from aiohttp import web

from .backend import BackendError
from .buyer_pages import NEED_STATUS, current_version, field_errors, require_buyer, words
from .forms import text
from .i18n import N_
from .i18n import gettext as _
from .pages_common import cpv_codes_of, if_match, path_uuid
from .places import home_county, municipality_groups
from .render import backend, redirect, render
from .sme_pages import picked_cpv

PROCEDURES = {
    "other": N_("Inte bestämt / annat"),
    "direct_award": N_("Direktupphandling"),
    "simplified": N_("Förenklat förfarande"),
    "open": N_("Öppet förfarande"),
}
# Who sees a new need: the create form's two choices, the default first. (The registry's own default,
# "planning", stays as it was for API callers; an already advertised need is moved on after saving.)
VISIBILITY = {"planned": N_("Synlig för företagen"), "planning": N_("Utkast – syns bara för er")}
DEFAULT_VISIBILITY = "planned"
# The registry's status machine, for offering only the moves it allows.
NEXT_STATUSES = {"planning": ("planned", "cancelled"), "planned": ("published", "cancelled")}
STATUS_ACTIONS = {
    "planned": N_("Synlig för företagen: visa behovet för dem"),
    "published": N_("Publicerad: upphandlingen är annonserad"),
    "cancelled": N_("Avbruten: blir inte av"),
}
NEED_FIELDS = (
    "title", "description", "cpv", "estimated_value_sek", "procedure", "planned_tender_date", "contract_start",
    "contract_end", "delivery_municipality", "reference", "status", "contact_name", "contact_email",
    "contact_phone", "version", "for_event",
)  # fmt: skip
# Registry fields → form fields; specific names before the prefixes that would also match them.
ALIASES = {
    "cpv_main": "cpv",
    "cpv_additional": "cpv",
    "contact.name": "contact_name",
    "contact.email": "contact_email",
    "contact.phone": "contact_phone",
    "contact": "contact_name",
}
REQUIRED_FIELDS = ("title", "cpv")


def need_url(need_id: Any, *parts: str) -> str:
    return "/".join([f"/kopare/behov/{need_id}", *parts])


def stored_form(need: dict[str, Any]) -> dict[str, Any]:
    """A stored need as the form shows it."""
    contact = need.get("contact") or {}
    value = need.get("estimated_value_sek")
    return {
        "title": need["title"],
        "description": need["description"],
        "cpv": ", ".join([need["cpv_main"], *need["cpv_additional"]]),
        "estimated_value_sek": "" if value is None else str(value),
        "procedure": need["procedure"],
        "planned_tender_date": need.get("planned_tender_date") or "",
        "contract_start": need.get("contract_start") or "",
        "contract_end": need.get("contract_end") or "",
        "delivery_municipality": need.get("delivery_municipality") or "",
        "reference": need.get("reference") or "",
        "status": need["status"],
        "suitable_for_smes": need["suitable_for_smes"],
        "contact_name": contact.get("name", ""),
        "contact_email": contact.get("email", ""),
        "contact_phone": contact.get("phone") or "",
        "version": str(need["version"]),
        "for_event": "",
    }


def typed_form(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in NEED_FIELDS}
    values["suitable_for_smes"] = form.get("suitable_for_smes") == "on"
    return values


def whole_number(value: str) -> int | str | None:
    """A typed amount of kronor: spaces and "kr" allowed; what does not parse is returned as typed.

    Examples
    --------
    >>> whole_number("1 200 000 kr"), whole_number(""), whole_number("många")
    (1200000, None, 'många')
    """
    cleaned = value.replace("\u00a0", "").replace(" ", "").removesuffix("kr").removesuffix("SEK").strip()
    if not cleaned:
        return None
    return int(cleaned) if cleaned.isdigit() else value


def need_body(values: dict[str, Any], *, create: bool) -> dict[str, Any]:
    """The registry's body: every field of the form (an emptied optional field is cleared)."""
    codes = cpv_codes_of(values["cpv"])
    contact = None
    if values["contact_name"] or values["contact_email"] or values["contact_phone"]:
        contact = {"name": values["contact_name"], "email": values["contact_email"],
                   "phone": values["contact_phone"] or None}  # fmt: skip
    body = {
        "title": values["title"],
        "description": values["description"],
        "cpv_main": codes[0] if codes else "",
        "cpv_additional": codes[1:],
        "estimated_value_sek": whole_number(values["estimated_value_sek"]),
        "procedure": values["procedure"] or "other",
        "planned_tender_date": values["planned_tender_date"] or None,
        "contract_start": values["contract_start"] or None,
        "contract_end": values["contract_end"] or None,
        "delivery_municipality": values["delivery_municipality"] or None,
        "suitable_for_smes": values["suitable_for_smes"],
        "reference": values["reference"] or None,
        "contact": contact,
    }
    if create:
        # "published" is still taken from a form of old that offered it.
        chosen = values["status"]
        body["status"] = chosen if chosen in ("planning", "planned", "published") else DEFAULT_VISIBILITY
    return body


def local_errors(values: dict[str, Any]) -> dict[str, str]:
    """What the registry refuses without naming a field: a contract that ends before it starts."""
    start, end = values["contract_start"], values["contract_end"]
    try:
        if start and end and date.fromisoformat(end) < date.fromisoformat(start):
            return {"contract_end": _("Avtalet kan inte sluta innan det börjar.")}
    except ValueError:
        pass  # the registry names the date that does not parse
    return {}


def need_errors(error: BackendError, values: dict[str, Any]) -> dict[str, str]:
    """The registry's refusal by field, naming the CPV code that is wrong."""
    errors = field_errors(error, values, ALIASES, REQUIRED_FIELDS)
    codes = cpv_codes_of(values["cpv"])
    wrong: list[str] = []  # every code the registry refused, not only the first
    for problem in error.field_errors:
        pointer = str(problem.get("pointer") or "")
        position = 0 if pointer == "/cpv_main" else None
        if pointer.startswith("/cpv_additional/") and pointer.rsplit("/", 1)[1].isdigit():
            position = int(pointer.rsplit("/", 1)[1]) + 1
        if position is not None and position < len(codes) and codes[position] not in wrong:
            wrong.append(codes[position])
    if len(wrong) == 1:
        errors["cpv"] = _("%(code)s är ingen CPV-kod. Skriv åtta siffror, t.ex. 90620000.", code=wrong[0])
    elif wrong:
        errors["cpv"] = _("%(codes)s är inga CPV-koder. Skriv åtta siffror, t.ex. 90620000.", codes=", ".join(wrong))
    if error.status == 409 and "_form" in errors and not error.field_errors:
        errors["_form"] = _("Behovet går inte att ändra: det är avbrutet, eller referensen används redan.")
    return errors


def all_errors(error: BackendError, values: dict[str, Any]) -> dict[str, str]:
    """The registry's errors and the page's own, in one round: the registry is asked even when the page has
    found a mistake (it refuses a contract that ends before it starts too, so nothing is stored meanwhile),
    and its field-less word for that mistake gives way to the page's message next to the field."""
    local = local_errors(values)
    errors = need_errors(error, values)
    if local:
        errors.pop("_form", None)
    return {**errors, **local}


async def buyer_county(request: web.Request, organisation_id: str) -> str:
    """The county of the buyer's own municipality (its seat): the delivery picker lists that county first."""
    organisation = await backend(request).get("registry", f"/organisations/{organisation_id}")
    return home_county(organisation.get("municipality_code"))


def _form_context(values: dict[str, Any], errors: dict[str, str], region: str, **extra: Any) -> dict[str, Any]:
    """The form's context; ``region``: the county whose municipalities the delivery picker lists first."""
    return {
        "form": values,
        "errors": errors,
        "procedures": list(words(PROCEDURES).items()),
        # All of Sweden grouped by county, the buyer's own first; an odd stored code is kept, not lost.
        "municipalities": municipality_groups(region, values["delivery_municipality"]),
        "need_status": words(NEED_STATUS),
        "visibility": list(words(VISIBILITY).items()),
        "picked": picked_cpv(cpv_codes_of(values["cpv"])),  # the CPV picker's chips
        **extra,
    }


def valid_uuid(value: Any) -> str | None:
    """``value`` as a UUID, else None: an id that goes into a path is checked first.

    Examples
    --------
    >>> valid_uuid("9b2c8a6e-0f5e-4f0e-9a51-3c5d9f1b2a77"), valid_uuid("../ta-bort"), valid_uuid(None)
    ('9b2c8a6e-0f5e-4f0e-9a51-3c5d9f1b2a77', None, None)
    """
    try:
        return str(UUID(str(value))) if value else None
    except ValueError:
        return None


def signup_url(event_id: str) -> str:
    """The buyer's signup for a träff, at the list of needs to bring."""
    return f"/kopare/evenemang/{event_id}/anmalan#f-brought_needs"


# --- create ------------------------------------------------------------------------------------------


async def new_need_form(request: web.Request) -> web.Response:
    region = await buyer_county(request, require_buyer(request))
    values = typed_form({})
    values.update(procedure="other", status=DEFAULT_VISIBILITY, suitable_for_smes=True)
    values["for_event"] = valid_uuid(request.query.get("traff")) or ""
    return render(request, "buyer/need_form.html", _form_context(values, {}, region, need=None))


async def create_need(request: web.Request) -> web.Response:
    organisation_id = require_buyer(request)
    values = typed_form(await request.post())
    values["for_event"] = valid_uuid(values["for_event"]) or ""
    # The registry is asked even when the page found a mistake, so that every error is named in one round
    # (it refuses a contract ending before it starts too, so nothing is stored while one is shown).
    try:
        created = await backend(request).post("registry", "/needs", need_body(values, create=True))
    except BackendError as error:
        if error.status not in (409, 422):
            raise
        errors = all_errors(error, values)
    else:
        raise redirect(
            signup_url(values["for_event"]) if values["for_event"] else need_url(created["id"]) + "?sparad=1"
        )
    region = await buyer_county(request, organisation_id)
    return render(request, "buyer/need_form.html", _form_context(values, errors, region, need=None), status=422)


# --- edit, status, delete ------------------------------------------------------------------------------


async def _own_need(request: web.Request) -> dict[str, Any]:
    """The need of the path; another buyer's need is refused (the registry would refuse changes too)."""
    organisation_id = require_buyer(request)
    need = await backend(request).get("registry", f"/needs/{path_uuid(request, 'need_id')}")
    if str(need["buyer"]["id"]) != organisation_id:
        raise BackendError(403)
    return need


async def _edit_page(
    request: web.Request, need: dict[str, Any], values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> web.Response:
    moves = [(target, _(STATUS_ACTIONS[target])) for target in NEXT_STATUSES.get(need["status"], ())]
    context = _form_context(
        values,
        errors,
        await buyer_county(request, str(need["buyer"]["id"])),
        need=need,
        moves=moves,
        saved="sparad" in request.query,
        status_error=errors.pop("_status", None),
    )
    return render(request, "buyer/need_form.html", context, status=status)


async def edit_need_form(request: web.Request) -> web.Response:
    need = await _own_need(request)
    return await _edit_page(request, need, stored_form(need), {})


async def save_need(request: web.Request) -> web.Response:
    """PATCH /needs/{id} with If-Match; the status changes only through its own form."""
    need = await _own_need(request)
    values = typed_form(await request.post())
    values["status"] = need["status"]
    try:
        await backend(request).patch(
            "registry", f"/needs/{need['id']}", need_body(values, create=False), headers=if_match(values["version"])
        )
    except BackendError as error:
        if error.status not in (409, 412, 422):
            raise
        errors = all_errors(error, values)
        values["version"] = str(current_version(error, values["version"]))
    else:
        raise redirect(need_url(need["id"]) + "?sparad=1")
    return await _edit_page(request, need, values, errors, status=422)


async def change_status(request: web.Request) -> web.Response:
    need = await _own_need(request)
    form = await request.post()
    target = text(form, "status") or ""
    if target not in NEXT_STATUSES.get(need["status"], ()):
        return await _edit_page(request, need, stored_form(need), {"_status": _("Välj en ny status.")}, status=422)
    body = {"status": target, "reason": text(form, "reason") or ""}
    try:
        await backend(request).post(
            "registry", f"/needs/{need['id']}/status", body, headers=if_match(form.get("version"))
        )
    except BackendError as error:
        if error.status not in (409, 412, 422):
            raise
        message = _("Någon annan har ändrat behovet under tiden. Försök igen.")
        if error.status != 412:
            message = _("Behovet kan inte få den statusen nu.")
        need = await backend(request).get("registry", f"/needs/{need['id']}")
        return await _edit_page(request, need, stored_form(need), {"_status": message}, status=error.status)
    raise redirect(need_url(need["id"]) + "?sparad=1")


async def delete_form(request: web.Request) -> web.Response:
    need = await _own_need(request)
    return render(request, "buyer/need_delete.html", {"need": need, "in_use": False})


async def delete_need(request: web.Request) -> web.Response:
    need = await _own_need(request)
    try:
        await backend(request).delete("registry", f"/needs/{need['id']}")
    except BackendError as error:
        if error.status != 409:
            raise
        events = list(error.problem.get("events") or [])
        return render(request, "buyer/need_delete.html", {"need": need, "in_use": True, "events": events}, status=409)
    raise redirect("/kopare?borttaget=1")
