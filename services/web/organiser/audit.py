"""The organiser's log of an event's schedule: who published, locked, forbade, re-planned, added webhooks or
revoked links, and when (the matcher's ``GET /audit``, newest first). The registry's log of what people
typed in is its own (``GET /audit`` there) and not repeated here."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from shared.auth import Role

from ..i18n import N_
from ..i18n import gettext as _
from ..pages_common import load_event, path_uuid
from ..render import backend, render, require_user

PAGE_SIZE = 100
ACTIONS = {
    "schedule.publish": N_("Publicerade schemat"),
    "schedule.plan": N_("Bad om ett nytt schema"),
    "schedule.replan": N_("Bad om en omplanering"),
    "schedule_rule.lock": N_("Låste ett möte"),
    "schedule_rule.forbid": N_("Förbjöd ett par"),
    "schedule_rule.delete": N_("Tog bort en regel"),
    "webhook.create": N_("Lade till en webhook"),
    "webhook.delete": N_("Tog bort en webhook"),
    "agenda_link.revoke": N_("Återkallade en agendalänk"),
    "board_link.create": N_("Skapade en länk till en skärm i lokalen"),
    "board_link.revoke": N_("Återkallade en länk till en skärm i lokalen"),
    "arrival.check_in": N_("Checkade in en deltagare"),
    "arrival.undo": N_("Ångrade en incheckning"),
    "standby.join": N_("Satte ett företag på reservlistan"),
    "standby.leave": N_("Tog bort ett företag från reservlistan"),
    "meeting.mark": N_("Markerade ett möte på dagen"),
    "unavailability.decline": N_("Meddelade att ett möte inte går (kan inte)"),
    "unavailability.busy": N_("Markerade ett pass som upptaget"),
    "unavailability.apply": N_("Genomförde en avbokning i schemat"),
    "unavailability.dismiss": N_("Avslog en avbokning"),
    "day_settings.update": N_("Ändrade inställningarna för dagen"),
    "schedule.live_fill": N_("Fyllde lediga mötestider med företag från reservlistan"),
}
ROLES = {
    "organiser": N_("Arrangör"),
    "host": N_("Värd"),
    "agenda_link": N_("Deltagaren via sin agendalänk"),
    "sme": N_("Företaget"),
    "service": N_("Tjänsten själv"),
    "anonymous": N_("Okänd"),
}


def _detail(entry: dict[str, Any]) -> str:
    changes = entry.get("changes") or {}
    if entry["action"] == "schedule.publish" and changes.get("number") is not None:
        return _("Version %(number)s", number=changes["number"])
    if entry["action"].startswith("webhook.") and changes.get("host"):
        return str(changes["host"])
    if entry["action"] == "schedule_rule.lock" and changes.get("slot") is not None:
        return _("Pass %(slot)s", slot=int(changes["slot"]) + 1)
    return ""


def _row(entry: dict[str, Any]) -> dict[str, Any]:
    token = entry.get("actor_token_id") or ""
    return {
        "at": entry["at"],
        "action": _(ACTIONS[entry["action"]]) if entry["action"] in ACTIONS else entry["action"],
        "who": _(ROLES.get(entry.get("actor_role") or "anonymous", N_("Okänd"))),
        "token": token[:8],
        "detail": _detail(entry),
    }


async def audit_page(request: web.Request) -> web.Response:
    """GET /arrangor/evenemang/{id}/logg: the event's schedule actions, newest first."""
    require_user(request, Role.ORGANISER)
    event_id = path_uuid(request)
    event = await load_event(request, event_id)
    found = await backend(request).get("matcher", "/audit", params={"event_id": event_id, "limit": PAGE_SIZE})
    rows = [_row(entry) for entry in found["items"]]
    return render(
        request, "organiser/audit.html", {"event": event, "rows": rows, "more": bool(found.get("next_cursor"))}
    )
