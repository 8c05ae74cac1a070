"""What the organiser's schedule pages share: their paths, statuses and job phases in the page language, the
version number from the path, the buyers of a version's meetings, and which sign-ups changed since a
version's sign-ups were read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from aiohttp import web

from ..i18n import N_, current_language
from ..i18n import gettext as _
from ..pages_common import all_pages

_PHASE = re.compile(r"^(?P<sv>.*?)\s*\((?P<en>[^()]*)\)\s*$")
_VERSION_STATUS_TEXTS = {"draft": N_("Utkast"), "published": N_("Publicerad"), "superseded": N_("Ersatt")}


def schedule_url(event_id: str, *parts: object) -> str:
    """A schedule page's path: ``schedule_url(e, 3)`` → ``/arrangor/evenemang/e/schema/3``."""
    return "/".join([f"/arrangor/evenemang/{event_id}/schema", *(str(part) for part in parts)])


def phase_text(phase: str) -> str:
    """The job's phase in the page language (the matcher writes "Svenska (English)").

    Examples
    --------
    >>> phase_text("Beräknar mötesschemat (computing the schedule)")
    'Beräknar mötesschemat'
    """
    found = _PHASE.match(phase or "")
    if not found:
        return phase or ""
    return found.group("en") if current_language.get() == "en" else found.group("sv")


def version_status_text(status: str) -> str:
    """A version's status (draft, published, superseded) in the page language."""
    return _(_VERSION_STATUS_TEXTS.get(status, status))


def number_of(request: web.Request, name: str = "number") -> int:
    """The version number in the path (404 for one no version can have)."""
    text = request.match_info[name]
    if not text.isdigit() or not 1 <= int(text) < 2**31:
        raise web.HTTPNotFound()
    return int(text)


def meeting_buyers(meetings: list[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The buyers of a version's meetings, by name (for the print links)."""
    buyers = {str(m["buyer_id"]): str(m["buyer_name"]) for m in meetings}
    return [{"id": key, "name": name} for key, name in sorted(buyers.items(), key=lambda item: item[1])]


async def load_registrations(request: web.Request, event_id: str) -> list[dict[str, Any]]:
    """Every registration of the event (active and cancelled), following the pages."""
    return await all_pages(request, f"/events/{event_id}/registrations")


def changed_since(registrations: Sequence[Mapping[str, Any]], moment: str | datetime | None) -> list[Mapping[str, Any]]:
    """Registrations made, changed or cancelled after ``moment`` (when a version's sign-ups were read)."""
    if moment is None:
        return []
    since = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return [r for r in registrations if datetime.fromisoformat(str(r["updated_at"])) > since]


def read_time(version: Mapping[str, Any], jobs: list[Mapping[str, Any]]) -> str | None:
    """When the sign-ups of ``version`` were read: its job's start, else the version's creation."""
    for job in jobs:
        if str(job["id"]) == str(version.get("job_id")) and job.get("started_at"):
            return str(job["started_at"])
    return version.get("created_at")
