"""The organiser's page of web accounts (``/arrangor/konton``): every account with its role and buyer
organisation, a form for a new one, and per account a new password or disabling and enabling it.

The registry keeps the accounts (``/auth/accounts``) and ends a person's sessions when its password changes or
it is disabled; a password is never shown again once set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from shared.auth import Role

from ..backend import BackendError
from ..forms import errors_by_field, text
from ..i18n import N_
from ..i18n import gettext as _
from ..pages_common import all_pages, path_uuid
from ..render import backend, redirect, render, require_user

# A supporter ("stödroll") is granted single events on their "Behörigheter" page.
ROLE_LABELS = {
    "organiser": N_("Arrangör"),
    "buyer": N_("Köpare"),
    "supporter": N_("Stödroll"),
    "adviser": N_("Rådgivare"),  # gives firms the individual support after the day (support_pages.py)
}
ACCOUNT_FIELDS = ("email", "role", "organisation_id", "name")


async def _accounts_page(
    request: web.Request,
    form: Mapping[str, Any],
    errors: Mapping[str, str],
    status: int = 200,
    row_errors: Mapping[str, str] | None = None,
) -> web.Response:
    accounts = (await backend(request).get("registry", "/auth/accounts"))["items"]
    buyers = await all_pages(request, "/organisations", {"kind": "buyer"})
    names = {buyer["id"]: buyer["name"] for buyer in buyers}
    for account in accounts:
        account["role_label"] = _(ROLE_LABELS.get(account["role"], account["role"]))
        account["organisation_name"] = names.get(account["organisation_id"] or "", "")
    context = {
        "accounts": accounts,
        "buyer_options": [
            ("", _("Välj köparorganisation")),
            *sorted(((b["id"], b["name"]) for b in buyers), key=lambda option: option[1].casefold()),
        ],
        "role_options": [(role, _(label)) for role, label in ROLE_LABELS.items()],
        "form": form,
        "errors": errors,
        "created": request.query.get("skapat") == "1",
        "changed": request.query.get("andrat") == "1",
        "row_errors": row_errors or {},
    }
    return render(request, "organiser/accounts.html", context, status=status)


async def accounts(request: web.Request) -> web.Response:
    """GET /arrangor/konton: the accounts and a form for a new one."""
    require_user(request, Role.ORGANISER)
    return await _accounts_page(request, {"role": "buyer"}, {})


async def create_account(request: web.Request) -> web.Response:
    """POST /arrangor/konton: a new organiser or buyer account. The password is never shown again."""
    require_user(request, Role.ORGANISER)
    post = await request.post()
    form = {name: text(post, name) or "" for name in ACCOUNT_FIELDS}
    password = str(post.get("password", ""))
    errors: dict[str, str] = {}
    if "@" not in form["email"]:
        errors["email"] = _("Skriv en giltig e-postadress.")
    if len(password) < 12:
        errors["password"] = _("Lösenordet måste ha minst 12 tecken.")
    if form["role"] not in ROLE_LABELS:
        errors["role"] = _("Välj arrangör, köpare eller stödroll.")
    if form["role"] == "buyer" and not form["organisation_id"]:
        errors["organisation_id"] = _("Välj vilken köparorganisation kontot hör till.")
    if not errors:
        body = {"email": form["email"], "password": password, "role": form["role"], "name": form["name"]}
        if form["role"] == "buyer":
            body["organisation_id"] = form["organisation_id"]
        try:
            await backend(request).post("registry", "/auth/accounts", body)
        except BackendError as error:
            if error.status not in (409, 422):
                raise
            errors = errors_by_field(error.field_errors)
            if error.status == 409:
                errors = {"email": _("Det finns redan ett konto med den e-postadressen.")}
            if "password" in errors:
                errors["password"] = _("Lösenordet måste ha minst 12 tecken.")
            if "organisation_id" in errors:
                errors["organisation_id"] = _("Välj en köparorganisation i listan.")
            if not errors:
                errors["_form"] = _("Kontot kunde inte skapas.")
        else:
            raise redirect("/arrangor/konton?skapat=1")
    return await _accounts_page(request, form, errors, status=422)


async def change_password(request: web.Request) -> web.Response:
    """POST /arrangor/konton/{account_id}/losenord: a new password (the person's sessions end)."""
    require_user(request, Role.ORGANISER)
    account_id = str(path_uuid(request, "account_id"))
    password = str((await request.post()).get("password", ""))
    if len(password) >= 12:
        try:
            await backend(request).patch("registry", f"/auth/accounts/{account_id}", {"password": password})
        except BackendError as error:
            if error.status != 422:
                raise
        else:
            raise redirect("/arrangor/konton?andrat=1")
    row_errors = {account_id: _("Lösenordet måste ha minst 12 tecken.")}
    return await _accounts_page(request, {"role": "buyer"}, {}, status=422, row_errors=row_errors)


async def change_account_status(request: web.Request) -> web.Response:
    """POST /arrangor/konton/{account_id}/status: disable (its sessions end) or enable an account."""
    require_user(request, Role.ORGANISER)
    account_id = path_uuid(request, "account_id")
    disabled = (await request.post()).get("disabled") == "1"
    await backend(request).patch("registry", f"/auth/accounts/{account_id}", {"disabled": disabled})
    raise redirect("/arrangor/konton?andrat=1")
