"""Publishing a schedule version and its printouts: the confirmation first (participants are told, the
version published before is replaced, sign-ups changed since the version was computed are listed), then
what the matcher answered: warnings, notifications queued, and the printouts (the grid and each buyer's
table sheets, the matcher's PDFs).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from shared.auth import Role

from ..pages_common import download, load_event, num, path_uuid
from ..render import backend, render, require_user
from .common import (
    changed_since,
    load_registrations,
    meeting_buyers,
    number_of,
    phase_text,
    read_time,
    schedule_url,
    version_status_text,
)


async def _publish_context(request: web.Request, event_id: str, number: int) -> dict[str, Any]:
    matcher = backend(request)
    version = await matcher.get("matcher", f"/events/{event_id}/schedules/{number}")
    jobs = (await matcher.get("matcher", f"/events/{event_id}/jobs"))["items"]
    changes = changed_since(await load_registrations(request, event_id), read_time(version, jobs))
    return {
        "event": await load_event(request, event_id),
        "event_id": event_id,
        "num": num,
        "version": version,
        "status_text": version_status_text(version["status"]),
        "changes": changes,
        "buyers": meeting_buyers(version["meetings"]),
        "urls": {
            "overview": schedule_url(event_id),
            "self": schedule_url(event_id, number),
            "publish": schedule_url(event_id, number, "publicera"),
            "run": schedule_url(event_id, "kor"),
        },
    }


async def publish_confirm(request: web.Request) -> web.Response:
    """Ask before publishing: participants are told, and the version published before is replaced."""
    require_user(request, Role.ORGANISER)
    event_id, number = path_uuid(request), number_of(request)
    context = await _publish_context(request, event_id, number)
    return render(request, "organiser/schedule_publish.html", context | {"result": None})


async def publish(request: web.Request) -> web.Response:
    """Publish the version; the page shows the matcher's answer (posting again changes nothing)."""
    require_user(request, Role.ORGANISER)
    event_id, number = path_uuid(request), number_of(request)
    result = await backend(request).post("matcher", f"/events/{event_id}/schedules/{number}/publish")
    # The matcher's warnings are "Svenska (English)", like job phases.
    result["warnings"] = [phase_text(str(warning)) for warning in result.get("warnings") or []]
    context = await _publish_context(request, event_id, number)
    return render(request, "organiser/schedule_publish.html", context | {"result": result})


async def print_grid(request: web.Request) -> web.Response:
    """The published schedule's grid (tables × slots) as the matcher's PDF."""
    require_user(request, Role.ORGANISER)
    return await download(request, "matcher", f"/events/{path_uuid(request)}/agendas/grid.pdf")


async def print_buyer(request: web.Request) -> web.Response:
    """One buyer's table sheets of the published schedule, as the matcher's PDF."""
    require_user(request, Role.ORGANISER)
    event_id, organisation = path_uuid(request), path_uuid(request, "organisation_id")
    return await download(request, "matcher", f"/events/{event_id}/agendas/buyers/{organisation}.pdf")
