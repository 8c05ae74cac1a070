"""The organiser's schedule overview and its runs: the versions and the last job, running the matcher,
following its job.

The matcher does the work; these pages call its API with the organiser's token. A job is followed
without JavaScript by reloading the job page, and with JavaScript (``static/js/job-progress.js``) by
long polls on a same-origin proxy of ``GET /jobs/{id}`` — the browser holds a session cookie, not the
bearer token the matcher wants. Inspecting and ruling on a version is :mod:`services.web.schedule.versions`,
publishing it and the printouts :mod:`services.web.schedule.publishing`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp
from aiohttp import web

from shared.auth import Role
from shared.conditional import not_modified_response

from ..backend import BackendError
from ..event_status_words import status_label
from ..i18n import N_
from ..i18n import gettext as _
from ..keys import HTTP_SESSION_KEY
from ..organiser.event_form import REPEAT_PAIRS, repeat_pairs_setting
from ..pages_common import load_event, num, path_uuid
from ..render import backend, redirect, render, require_user, settings_of
from .common import changed_since, load_registrations, phase_text, read_time, schedule_url, version_status_text

ACTIVE = ("queued", "running")
# The longest a status.json request waits for the job to change (the web's backend timeout is 30 s).
LONG_POLL_SECONDS = 15.0
_STATUS_TEXTS = {
    "queued": N_("I kö"),
    "running": N_("Pågår"),
    "done": N_("Klar"),
    "failed": N_("Misslyckades"),
    "infeasible": N_("Gick inte att schemalägga"),
}
# The matcher's and registry's refusals by problem type, in words for the organiser.
_REFUSALS = {
    "urn:affarstraff:problem:event-not-open": N_(
        "Evenemanget är ett utkast. Öppna det för anmälan, låt företag och köpare anmäla sig och stäng "
        "sedan anmälan innan du kör matchningen."
    ),
}


def job_view(job: Mapping[str, Any], event_id: str) -> dict[str, Any]:
    """What the job page and status.json show of a matcher job."""
    status = str(job["status"])
    version = job.get("result_version")
    return {
        "id": str(job["id"]),
        "status": status,
        "status_text": _(_STATUS_TEXTS.get(status, status)),
        "active": status in ACTIVE,
        "progress": int(job.get("progress") or 0),
        "phase": _phase_of(job, status),
        "failure_reason": job.get("failure_reason") if status in ("failed", "infeasible") else None,
        "result_version": version,
        "result_url": schedule_url(event_id, version) if version else None,
        "created_at": job.get("created_at"),
        "finished_at": job.get("finished_at"),
    }


def _phase_of(job: Mapping[str, Any], status: str) -> str:
    """What the job is doing; once it has ended, how it ended (its last phase is history by then)."""
    if status == "done":
        return _("Den nya versionen är klar.")
    phase = phase_text(str(job.get("phase") or "")) if status in ACTIVE else ""
    return phase or _(_STATUS_TEXTS.get(status, status))


def refusal_text(error: BackendError) -> str:
    """A refusal of the matcher or the registry in words: ours for known kinds, else a plain one (the
    problem's detail is written for API clients, in English: not shown on the page)."""
    known = _REFUSALS.get(str(error.problem.get("type", "")))
    return _(known) if known else _("Det gick inte just nu.")


async def overview_context(request: web.Request, event_id: str) -> dict[str, Any]:
    matcher = backend(request)
    event = await load_event(request, event_id)
    versions = (await matcher.get("matcher", f"/events/{event_id}/schedules"))["items"]
    jobs = (await matcher.get("matcher", f"/events/{event_id}/jobs"))["items"]
    published = next((v for v in versions if v["status"] == "published"), None)
    changes: list[Mapping[str, Any]] = []
    if published is not None:
        changes = changed_since(await load_registrations(request, event_id), read_time(published, jobs))
    for version in versions:
        version["status_text"] = version_status_text(version["status"])
        version["url"] = schedule_url(event_id, version["number"])
    return {
        "event": event,
        "event_id": event_id,
        "num": num,
        "event_status_text": status_label(event["status"]),
        "versions": versions,
        "job": job_view(jobs[0], event_id) if jobs else None,
        "job_url": schedule_url(event_id, "jobb", jobs[0]["id"]) if jobs else None,
        "published": published,
        "latest": versions[0] if versions else None,
        "changes": changes,
        "newer_draft": bool(published and versions and versions[0]["number"] > published["number"]),
        "refusal": None,
    }


async def overview(request: web.Request) -> web.Response:
    """The schedule versions of an event, the last job, and the button that runs the matcher."""
    require_user(request, Role.ORGANISER)
    event_id = path_uuid(request)
    return render(request, "organiser/schedule.html", await overview_context(request, event_id))


async def run(request: web.Request) -> web.Response:
    """Queue a matcher job (a re-plan from the published version when there is one) and follow it."""
    require_user(request, Role.ORGANISER)
    event_id = path_uuid(request)
    form = await request.post()
    # "auto" re-plans from the published version, keeping the meetings still valid; else plans afresh.
    body: dict[str, str | bool] = {"mode": "fresh" if form.get("mode") == "fresh" else "auto"}
    body[REPEAT_PAIRS] = await repeat_pairs_setting(backend(request), event_id)  # the event form's setting
    try:
        job = await backend(request).post("matcher", f"/events/{event_id}/schedules", body)
    except BackendError as error:
        if error.status not in (409, 422):
            raise
        context = await overview_context(request, event_id)
        context["refusal"] = refusal_text(error)
        return render(request, "organiser/schedule.html", context, status=error.status)
    raise redirect(schedule_url(event_id, "jobb", job["id"]))


async def job_page(request: web.Request) -> web.Response:
    """A job's progress, rendered by the server (reloaded without JavaScript, followed live with it)."""
    require_user(request, Role.ORGANISER)
    event_id, job_id = path_uuid(request), path_uuid(request, "job_id")
    job = await backend(request).get("matcher", f"/jobs/{job_id}")
    if str(job["event_id"]) != event_id:
        raise web.HTTPNotFound()
    event = await load_event(request, event_id)
    context = {
        "event": event,
        "event_id": event_id,
        "num": num,
        "job": job_view(job, event_id),
        "status_url": schedule_url(event_id, "jobb", job_id, "status.json"),
        "page_url": schedule_url(event_id, "jobb", job_id),
    }
    return render(request, "organiser/schedule_job.html", context)


async def job_status(request: web.Request) -> web.Response:
    """The job as JSON for job-progress.js: a long poll on the matcher's job, passed through.

    The browser sends the ETag it last saw in ``If-None-Match``; the matcher answers when the job
    changes or after ``LONG_POLL_SECONDS`` (304, the browser asks again).
    """
    require_user(request, Role.ORGANISER)
    event_id, job_id = path_uuid(request), path_uuid(request, "job_id")
    seen = request.headers.get("If-None-Match")
    wait = LONG_POLL_SECONDS if seen and request.query.get("wait") != "0" else 0
    status, tag, job = await _poll_job(request, job_id, seen, wait)
    if status == 304:
        return not_modified_response(tag or "")
    if str(job["event_id"]) != event_id:
        raise web.HTTPNotFound()
    view = job_view(job, event_id)
    for name in ("created_at", "finished_at"):
        view[name] = str(view[name]) if view[name] else None
    return web.json_response(view, headers={"ETag": tag or ""})


async def _poll_job(
    request: web.Request, job_id: str, seen: str | None, wait: float
) -> tuple[int, str | None, dict[str, Any]]:
    """GET /jobs/{id} on the matcher with If-None-Match and ?wait= (the backend client hides headers)."""
    settings = settings_of(request)
    token = backend(request).token
    headers = {"Accept": "application/json", "Authorization": f"Bearer {token}"}
    if seen:
        headers["If-None-Match"] = seen
    url = f"{str(settings.matcher_url).rstrip('/')}/jobs/{job_id}"
    try:
        async with request.app[HTTP_SESSION_KEY].get(
            url, params={"wait": str(wait)} if wait else {}, headers=headers
        ) as response:
            tag = response.headers.get("ETag")
            if response.status == 304:
                return 304, tag, {}
            body = await response.json(content_type=None)
            if response.status >= 400:
                raise BackendError(response.status, body if isinstance(body, dict) else None)
            return response.status, tag, body
    except (TimeoutError, aiohttp.ClientError, ValueError):
        raise BackendError(503) from None
