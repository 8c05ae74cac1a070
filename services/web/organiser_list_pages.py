"""The organiser's lists: who signed up for an event, the CSV exports for the venue, and web accounts.

The CSV files are for Swedish Excel: semicolons between fields and UTF-8 with a byte order mark, so
that å, ä and ö open right with a double click. A cell that starts like a formula gets a leading
apostrophe, so a firm's name can never run as a formula on the venue's computer.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from aiohttp import web

from shared.auth import Role
from shared.reference.municipalities import municipality_name

from .backend import BackendError
from .forms import errors_by_field, text
from .i18n import N_
from .i18n import gettext as _
from .organiser_event_pages import status_label
from .pages_common import all_pages, load_event, path_uuid
from .render import backend, redirect, render, require_user

KINDS = ("sme", "buyer")
# A supporter ("stödroll") is granted single events on their "Behörigheter" page.
ROLE_LABELS = {
    "organiser": N_("Arrangör"),
    "buyer": N_("Köpare"),
    "supporter": N_("Stödroll"),
    "adviser": N_("Rådgivare"),  # gives firms the individual support after the day (support_pages.py)
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PHONE = re.compile(r"^\+?[0-9 ()-]+$")
_LOOKUPS = 8  # organisations read from the registry at a time for an export


def spreadsheet_safe(value: Any) -> str:
    """A cell Excel shows as text, never runs as a formula (phone numbers like +46 stay as they are).

    Examples
    --------
    >>> spreadsheet_safe("=HYPERLINK(1)"), spreadsheet_safe("+46 23 100 00"), spreadsheet_safe(None)
    ("'=HYPERLINK(1)", '+46 23 100 00', '')
    """
    cell = "" if value is None else str(value)
    if cell.startswith(_FORMULA_START) and not _PHONE.match(cell):
        return "'" + cell
    return cell


def csv_response(header: Sequence[str], rows: Iterable[Sequence[Any]], filename: str) -> web.Response:
    """A CSV download for Swedish Excel (semicolons, UTF-8 with BOM, CRLF)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    return web.Response(
        body=("\ufeff" + buffer.getvalue()).encode("utf-8"),
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


def kind_label(kind: str) -> str:
    return _("Företag") if kind == "sme" else _("Köpare")


async def signups(request: web.Request) -> web.Response:
    """GET /arrangor/evenemang/{id}/anmalningar[?typ=sme|buyer]: SMEs and buyers in two tables."""
    require_user(request, Role.ORGANISER)
    event = await load_event(request, path_uuid(request))
    kind = request.query.get("typ", "")
    kind = kind if kind in KINDS else ""
    registrations = await all_pages(request, f"/events/{event['id']}/registrations", {"kind": kind or None})
    slot_count = len(event["slots"])
    for registration in registrations:
        slots = registration["available_slots"]
        registration["availability"] = slot_count if slots is None else len(set(slots))
    registrations.sort(key=lambda r: (r["status"] != "active", r["organisation_name"].casefold()))
    groups = [
        {
            "kind": group,
            "items": [r for r in registrations if r["kind"] == group],
        }
        for group in KINDS
        if kind in ("", group)
    ]
    context = {"event": event, "status_label": status_label(event["status"]), "groups": groups, "kind": kind}
    return render(request, "organiser/signups.html", context | {"slot_count": slot_count})


async def _organisations(request: web.Request, ids: Iterable[str]) -> dict[str, Mapping[str, Any]]:
    """The registry's organisations by id (with contacts: organisers see them), a few calls at a time."""
    gate = asyncio.Semaphore(_LOOKUPS)

    async def one(organisation_id: str) -> tuple[str, Mapping[str, Any]]:
        async with gate:
            return organisation_id, await backend(request).get("registry", f"/organisations/{organisation_id}")

    return dict(await asyncio.gather(*(one(i) for i in dict.fromkeys(ids))))


async def export_signups(request: web.Request) -> web.Response:
    """GET …/export/anmalningar.csv: every active participant with a contact, for the venue."""
    require_user(request, Role.ORGANISER)
    event = await load_event(request, path_uuid(request))
    registrations = await all_pages(request, f"/events/{event['id']}/registrations", {"status": "active"})
    organisations = await _organisations(request, (r["organisation_id"] for r in registrations))
    rows = []
    for registration in sorted(registrations, key=lambda r: (r["kind"] != "buyer", r["organisation_name"].casefold())):
        organisation = organisations[registration["organisation_id"]]
        contact = (organisation.get("contacts") or [{}])[0]
        rows.append(
            [
                organisation["name"],
                organisation.get("orgnr") or "",
                kind_label(registration["kind"]),
                contact.get("name", ""),
                contact.get("email", ""),
                contact.get("phone") or "",
                municipality_name(organisation.get("municipality_code")),
                registration["tables"] or "",
            ]
        )
    header = [
        _("Organisation"),
        _("Organisationsnummer"),
        _("Typ"),
        _("Kontaktperson"),
        _("E-post"),
        _("Telefon"),
        _("Kommun"),
        _("Bord"),
    ]
    return csv_response(header, rows, f"anmalningar-{event['event_date']}.csv")


async def export_meetings(request: web.Request) -> web.Response:
    """GET …/export/moten.csv: every meeting of the published schedule (time, table, buyer, SME)."""
    require_user(request, Role.ORGANISER)
    try:
        grid = await backend(request).get("matcher", f"/events/{path_uuid(request)}/agendas/grid")
    except BackendError as error:
        if error.status != 404:
            raise
        context = {
            "title": _("Inget publicerat schema"),
            "message": _("Möteslistan kan hämtas när ett schema för evenemanget har publicerats."),
            "status": 404,
            "request_id": None,
        }
        return render(request, "error.html", context, status=404)
    rows = []
    for slot, cells in zip(grid["slots"], grid["cells"], strict=False):
        for table, cell in zip(grid["tables"], cells, strict=False):
            if cell is not None:
                rows.append([slot["local_time"], table["table"], table["buyer_name"], cell["sme_name"]])
    header = [_("Tid"), _("Bord"), _("Köpare"), _("Företag")]
    return csv_response(header, rows, f"moten-{grid['event_date']}.csv")


# --- accounts -----------------------------------------------------------------------------------

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
