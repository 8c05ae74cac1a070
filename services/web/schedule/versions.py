"""A schedule version for the organiser: inspect it, lock and forbid, compare it with another.

A version page shows the matcher's quality report as numbers and charts, the grid of tables × slots
with a small form per meeting (lock it, forbid the pair), why each meeting was chosen, and how it
differs from another version. Publishing it is :mod:`services.web.schedule.publishing`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from aiohttp import web

from shared.auth import Role

from ..backend import BackendError
from ..i18n import N_, current_language
from ..i18n import gettext as _
from ..pages_common import load_event, num, path_uuid
from ..render import backend, redirect, render, require_user
from . import charts
from .common import load_registrations, meeting_buyers, number_of, schedule_url, version_status_text

# What a rule form did, by the code the redirect carries (no names in the address bar).
RULE_NOTICES = {
    "last": N_("Mötet är låst. Det behåller sin tid nästa gång du kör matchningen."),
    "forbjuden": N_("Paret får inte mötas nästa gång du kör matchningen."),
    "borttagen": N_("Regeln är borttagen."),
    "saknas": N_("Det finns ingen sådan regel längre."),
    "fel": N_("Regeln kunde inte sparas. Mötet finns inte i den senaste versionen."),
}


# A meeting is a *weak fit* when its relevance is less than this above the event's minimum relevance: with
# the default floor of 0.20 that is under 0.35, the weakest few percent of pairs that fit at all on the
# sample event (its pairs with a fit start at 0.27, 5th percentile 0.36). Shown in words on the page.
WEAK_MARGIN = 0.15


def fit_flag(relevance: float, floor: float) -> str | None:
    """``"under"`` for a meeting under the event's minimum relevance (only a lock or "must meet" puts one
    there), ``"weak"`` for one less than :data:`WEAK_MARGIN` above it, else None.

    Examples
    --------
    >>> [fit_flag(r, 0.2) for r in (0.0, 0.3, 0.35, 0.9)]
    ['under', 'weak', None, None]
    """
    if relevance < floor:
        return "under"
    if relevance < floor + WEAK_MARGIN - 1e-9:
        return "weak"
    return None


def _uuid(value: object) -> str | None:
    try:
        return str(UUID(str(value)))
    except ValueError:
        return None


def _why(meeting: Mapping[str, Any]) -> str:
    return str(meeting["why_en"] if current_language.get() == "en" else meeting["why_sv"])


async def _rules(request: web.Request, event_id: str, names: dict[str, str]) -> list[dict[str, Any]]:
    rules = (await backend(request).get("matcher", f"/events/{event_id}/schedule-rules"))["items"]
    if any(str(r["sme_id"]) not in names or str(r["buyer_id"]) not in names for r in rules):
        names.update(
            {str(r["organisation_id"]): r["organisation_name"] for r in await load_registrations(request, event_id)}
        )
    for rule in rules:
        rule["sme_name"] = names.get(str(rule["sme_id"]), str(rule["sme_id"]))
        rule["buyer_name"] = names.get(str(rule["buyer_id"]), str(rule["buyer_id"]))
    return rules


async def _comparison(request: web.Request, event_id: str, number: int, other: int) -> dict[str, Any] | None:
    try:
        return await backend(request).get("matcher", f"/events/{event_id}/schedules/{other}/compare/{number}")
    except BackendError as error:
        if error.status == 404:
            return None
        raise


def _quality(version: Mapping[str, Any]) -> dict[str, Any]:
    """The figures and charts of the quality report (a report without figures shows none)."""
    quality = version.get("quality") or {}
    if "meetings" not in quality:
        return {}
    meetings = version["meetings"]
    per_sme = charts.meetings_per_sme(meetings, int(quality.get("zero_meeting_smes", 0)))
    floor = float(quality.get("min_relevance", 0.0))
    weak = sorted((m for m in meetings if m.get("fit")), key=lambda m: (m["relevance"], m["start"]))
    sme_breaks = charts.breaks_per_person(meetings)
    return {
        "report": quality,
        "relevance_percent": charts.percent(float(quality["relevance"]), float(quality["bound"])),
        "per_sme": per_sme,
        "per_sme_chart": charts.bar_chart(per_sme),
        "sme_breaks": sme_breaks,
        "sme_breaks_chart": charts.bar_chart(sme_breaks),
        "utilisation_percent": round(100 * float(quality.get("table_utilisation", 0)), 1),
        "floor_percent": round(100 * floor),
        "weak_below_percent": round(100 * (floor + WEAK_MARGIN)),
        "weak": weak,
    }


async def version_page(request: web.Request) -> web.Response:
    """One version: quality report, grid with lock/forbid, why, comparison, and publishing."""
    require_user(request, Role.ORGANISER)
    event_id, number = path_uuid(request), number_of(request)
    matcher = backend(request)
    event = await load_event(request, event_id)
    version = await matcher.get("matcher", f"/events/{event_id}/schedules/{number}")
    versions = (await matcher.get("matcher", f"/events/{event_id}/schedules"))["items"]
    meetings = version["meetings"]
    floor = float((version.get("quality") or {}).get("min_relevance", 0.0))
    for meeting in meetings:
        meeting["why"] = _why(meeting)
        meeting["fit"] = fit_flag(float(meeting["relevance"]), floor)
        meeting["relevance_percent"] = round(100 * float(meeting["relevance"]))
    names = {str(m["sme_id"]): m["sme_name"] for m in meetings} | {
        str(m["buyer_id"]): m["buyer_name"] for m in meetings
    }
    rules = await _rules(request, event_id, names)
    locked = {(str(r["sme_id"]), str(r["buyer_id"])) for r in rules if r["rule"] == "lock"}
    for meeting in meetings:
        meeting["lock_rule"] = (str(meeting["sme_id"]), str(meeting["buyer_id"])) in locked

    compare_to = request.query.get("jamfor", "")
    comparison, compare_missing = None, False
    if compare_to.isdigit() and int(compare_to) != number:
        comparison = await _comparison(request, event_id, number, int(compare_to))
        compare_missing = comparison is None
    published = next((v for v in versions if v["status"] == "published"), None)
    notice = request.query.get("regel", "")
    grid = charts.build_grid(event.get("slots") or [], meetings)
    context = {
        "event": event,
        "event_id": event_id,
        "num": num,
        "slots": {slot["index"]: slot for slot in grid.slots},
        "version": version,
        "status_text": version_status_text(version["status"]),
        "versions": [v for v in versions if v["number"] != number],
        "grid": grid,
        "quality": _quality(version),
        "rules": rules,
        "rule_notice": _(RULE_NOTICES[notice]) if notice in RULE_NOTICES else None,
        "comparison": comparison,
        "compare_to": compare_to,
        "compare_missing": compare_missing,
        "published": published,
        "buyers": meeting_buyers(meetings),
        "urls": {
            "overview": schedule_url(event_id),
            "self": schedule_url(event_id, number),
            "rules": schedule_url(event_id, "regler"),
            "publish": schedule_url(event_id, number, "publicera"),
            "run": schedule_url(event_id, "kor"),
        },
    }
    return render(request, "organiser/schedule_version.html", context)


async def rule(request: web.Request) -> web.Response:
    """Lock a meeting in its slot, forbid a pair, or remove the pair's rule; then back to the version."""
    require_user(request, Role.ORGANISER)
    event_id = path_uuid(request)
    form = await request.post()
    sme, buyer = _uuid(form.get("sme")), _uuid(form.get("buyer"))
    kind = str(form.get("rule", ""))
    back = str(form.get("version", ""))
    if sme is None or buyer is None or kind not in ("lock", "forbid", "remove"):
        raise web.HTTPBadRequest()
    path = f"/events/{event_id}/schedule-rules/{sme}/{buyer}"
    notice = {"lock": "last", "forbid": "forbjuden", "remove": "borttagen"}[kind]
    try:
        if kind == "remove":
            await backend(request).delete("matcher", path)
        else:
            body: dict[str, Any] = {"rule": kind}
            slot = str(form.get("slot", ""))
            if kind == "lock" and slot.isdigit():
                body["slot"] = int(slot)  # where this version has it, whichever version is the latest
            await backend(request).put("matcher", path, body)
    except BackendError as error:
        if error.status == 404 and kind == "remove":
            notice = "saknas"
        elif error.status == 422:
            notice = "fel"
        else:
            raise
    target = schedule_url(event_id, back) if back.isdigit() else schedule_url(event_id)
    raise redirect(f"{target}?regel={notice}#regler")
