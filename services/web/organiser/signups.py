"""Who comes to an event, for the organiser: the list of sign-ups and the CSV files for the venue (every
participant with a contact; every meeting of the published schedule).

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

from ..backend import BackendError
from ..event_status_words import status_label
from ..i18n import gettext as _
from ..pages_common import all_pages, load_event, path_uuid
from ..render import backend, render, require_user

KINDS = ("sme", "buyer")
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
