"""Schedule and publish the sample event through the matcher's API, as an organiser would.

Closes sign-up, asks the matcher for a schedule, follows the job until it ends, publishes the version,
makes the participants' agenda links and describes the result. An event that already has a published
version is only described.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from deploy.load_sample import LoadError
from deploy.load_sample import RegistryClient as ApiClient

JOB_TIMEOUT = 600.0


@dataclass
class ScheduleSummary:
    event_id: str
    matcher_url: str
    version: dict[str, Any]
    smes: int
    job_seconds: float | None = None
    links: list[dict[str, Any]] = field(default_factory=list)

    @staticmethod
    def _floor_lines(quality: dict[str, Any]) -> list[str]:
        """Firms the event's minimum relevance left without a meeting: said, not hidden in the count."""
        due = quality.get("zero_meeting_smes_due_to_floor", 0)
        if not due:
            return []
        floor = round(100 * quality.get("min_relevance", 0))
        return [
            f"  {due} företag utan möte på grund av lägsta relevansen {floor} % (inget möte utan passform) / "
            f"{due} firms without a meeting because of the minimum relevance (no meeting without a fit)"
        ]

    @property
    def met_sme_ids(self) -> set[str]:
        """The firms with at least one meeting in the published version."""
        return {str(meeting["sme_id"]) for meeting in self.version.get("meetings") or ()}

    def describe(self) -> list[str]:
        """Lines for people (Swedish first)."""
        quality = self.version.get("summary") or {}
        met = self.smes - quality.get("zero_meeting_smes", 0)
        base = f"{self.matcher_url}/events/{self.event_id}"
        timing = f" på {self.job_seconds:.1f} s" if self.job_seconds is not None else ""
        lines = [
            f"Schema / schedule: version {self.version['number']} publicerad{timing}: "
            f"{quality.get('meetings', self.version['meeting_count'])} möten, {met} av {self.smes} företag får möten",
            f"  Relevans / relevance: {100 - quality.get('gap_percent', 0):.1f} % av bästa möjliga "
            f"(of the best possible); {100 * quality.get('smes_without_break_share', 1):.0f} % av företagen utan "
            "väntetid mellan möten (without a gap)",
            *self._floor_lines(quality),
            f"  Arrangörens rutnät / organiser's grid: {base}/agendas/grid.html (arrangörstoken / organiser token)",
            f"  Bordslistor för lokalen / venue table sheets (PDF): {base}/agendas/grid.pdf",
        ]
        sme_link = next((link for link in self.links if link.get("kind") == "sme"), None)
        if sme_link:
            lines.append(
                f"  Agenda för {sme_link['organisation_name']} (länk utan inloggning / link without login): "
                f"{sme_link['url']}.html  (.ics, .pdf)"
            )
        if self.links:
            lines.append(f"  Alla {len(self.links)} deltagarlänkar / all participant links: GET {base}/agenda-links")
        return lines


async def _follow(matcher: ApiClient, job: dict[str, Any]) -> dict[str, Any]:
    deadline = time.monotonic() + JOB_TIMEOUT
    while job["status"] in ("queued", "running"):
        if time.monotonic() > deadline:
            raise LoadError(f"the schedule job {job['id']} did not end within {JOB_TIMEOUT:g} s")
        status, data = await matcher.call("GET", f"/jobs/{job['id']}", params={"wait": "20"})
        if status == 200:
            job = data
        elif status != 304:
            raise LoadError(f"GET /jobs/{job['id']} → {status}")
    return job


async def schedule_sample(registry_url: str, matcher_url: str, organiser_token: str, event_id: str) -> ScheduleSummary:
    """Schedule and publish ``event_id`` unless a version is already published; describe the result."""
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        registry = ApiClient(session, registry_url, organiser_token)
        matcher = ApiClient(session, matcher_url, organiser_token)
        event = await registry.expect("GET", f"/events/{event_id}")
        smes = event["sme_registrations"]
        versions = (await matcher.expect("GET", f"/events/{event_id}/schedules"))["items"]
        published = next((v for v in versions if v["status"] == "published"), None)
        seconds = None
        if published is not None:  # the list leaves the meetings out; who met whom is wanted (met_sme_ids)
            published = await matcher.expect("GET", f"/events/{event_id}/schedules/{published['number']}")
        if published is None:
            if event["status"] == "open":
                await registry.expect("POST", f"/events/{event_id}/transitions", {"to": "closed"})
            started = time.perf_counter()
            job = await matcher.expect("POST", f"/events/{event_id}/schedules", {}, ok=(200, 202))
            job = await _follow(matcher, job)
            if job["status"] != "done":
                raise LoadError(f"the schedule job ended {job['status']}: {job.get('failure_reason')}")
            seconds = time.perf_counter() - started
            await matcher.expect("POST", f"/events/{event_id}/schedules/{job['result_version']}/publish")
            published = await matcher.expect("GET", f"/events/{event_id}/schedules/{job['result_version']}")
        await matcher.expect("POST", f"/events/{event_id}/agenda-links", {}, ok=(200, 201))
        links = (await matcher.expect("GET", f"/events/{event_id}/agenda-links"))["items"]
        return ScheduleSummary(event_id, matcher_url, published, smes, seconds, links)
