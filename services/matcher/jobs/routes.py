"""Schedule jobs: queue one, read it, wait for it to change (long poll), follow it (server-sent events)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, Field

from shared.auth import PRINCIPAL_KEY, Role, path_event, require
from shared.conditional import not_modified_response
from shared.db import POOL_KEY
from shared.errors import Conflict, NotFound
from shared.openapi import operation
from shared.paths import path_uuid, path_uuid_or_404
from shared.web import json_response, read_json, read_query

from ..audit import actor_of, record
from ..auth import RegistryUnavailable
from ..jobs import queue
from ..jobs.queue import Job
from ..keys import REGISTRY_KEY, WATCH_KEY
from ..registry_client import RegistryDown, RegistryRefused
from ..schedules.models import JobList, JobOut, ScheduleRequest
from ..sql import schedules as sql

SSE_KEEPALIVE_SECONDS = 15.0
log = logging.getLogger("services.matcher.jobs.routes")


class WaitQuery(BaseModel):
    wait: float = Field(default=0, ge=0, le=60, description="With If-None-Match: wait up to this many seconds")


async def _job_out(request: web.Request, job: Job) -> JobOut:
    number = None
    if job.result_version_id is not None:
        async with request.app[POOL_KEY].acquire() as conn:
            number = await conn.fetchval(
                "SELECT number FROM matcher.schedule_versions WHERE id = $1", job.result_version_id
            )
    links = {"self": f"/jobs/{job.id}", "events": f"/jobs/{job.id}/events"}
    if number is not None:
        links["result"] = f"/events/{job.event_id}/schedules/{number}"
    return JobOut(
        id=job.id,
        event_id=job.event_id,
        status=job.status,  # type: ignore[arg-type]
        progress=job.progress,
        phase=job.phase,
        attempts=job.attempts,
        max_attempts=job.max_attempts,
        failure_reason=job.failure_reason,
        params=job.params,
        run_after=job.run_after,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        result_version=number,
        links=links,
    )


def job_etag(job: Job) -> str:
    """Changes exactly when something a watcher sees changes (not on lease renewals)."""
    seen = f"{job.status}|{job.progress}|{job.phase}|{job.attempts}|{job.result_version_id}"
    return '"' + hashlib.sha256(seen.encode()).hexdigest()[:20] + '"'


async def job_event(request: web.Request) -> UUID | None:
    """The event of the path's job (for a supporter's grants), None when there is no such job."""
    job_id = path_uuid(request, "job_id")
    if job_id is None:
        return None
    async with request.app[POOL_KEY].acquire() as conn:
        job = await queue.get_job(conn, job_id)
    return job.event_id if job is not None else None


async def _read_job(request: web.Request, job_id: UUID) -> Job:
    async with request.app[POOL_KEY].acquire() as conn:
        job = await queue.get_job(conn, job_id)
    if job is None:
        raise NotFound(f"There is no job {job_id}.")
    return job


@operation(
    "Compute a new schedule version (queued; answered at once)",
    tags=("schedules",),
    body=ScheduleRequest,
    response=JobOut,
    status=202,
    errors=(404, 409, 503),
    extra_responses={200: "The event's job already queued or running (no second one is queued)"},
    description="Queues a job and answers 202 with its URL in Location. While the event already has a queued "
    "or running job, that job is answered (200) instead of queueing a second one.",
)
@require(Role.ORGANISER, event=path_event)
async def create_schedule_job(request: web.Request) -> web.Response:
    event_id = path_uuid_or_404(request, "event_id", "event")
    body = await read_json(request, ScheduleRequest)
    params = body.parameters()
    try:
        event = await request.app[REGISTRY_KEY].event(event_id)
    except RegistryRefused as error:
        if error.status == 404:
            raise NotFound(f"There is no event {event_id}.") from None
        log.error("the registry refused to show event %s: %s", event_id, error.reason)
        raise RegistryUnavailable("The matcher cannot read the event from the registry (configuration).") from None
    except RegistryDown:
        event = None  # the job waits for the registry; nothing is lost by queueing now
    if event is not None and event["status"] == "draft":
        raise Conflict("The event is a draft: open it for sign-up before scheduling.", slug="event-not-open")
    async with request.app[POOL_KEY].acquire() as conn:
        if (
            body.from_version is not None
            and await conn.fetchval(sql.SELECT_VERSION_ID, event_id, body.from_version) is None
        ):
            raise NotFound(f"The event has no schedule version {body.from_version}.")
        async with conn.transaction():  # the job and its audit entry, or neither
            job, created = await queue.enqueue(
                conn, event_id, params=params.stored(), created_by=request[PRINCIPAL_KEY].token_id
            )
            if created:
                # As the worker decides: auto re-plans from the published version when there is one.
                replan = body.mode == "replan" or (
                    body.mode == "auto" and await conn.fetchval(sql.SELECT_PUBLISHED_ID, event_id) is not None
                )
                await record(
                    conn,
                    actor_of(request),
                    "schedule.replan" if replan else "schedule.plan",
                    "schedule_job",
                    job.id,
                    event_id=event_id,
                    details=params.stored(),
                )
    out = await _job_out(request, job)
    return json_response(out, status=202 if created else 200, headers={"Location": out.links["self"]})


@operation("An event's schedule jobs, newest first", tags=("schedules",), response=JobList, errors=(404,))
@require(Role.ORGANISER, event=path_event, access="read")
async def list_event_jobs(request: web.Request) -> web.Response:
    event_id = path_uuid_or_404(request, "event_id", "event")
    async with request.app[POOL_KEY].acquire() as conn:
        jobs = await queue.event_jobs(conn, event_id)
    return json_response(JobList(items=[await _job_out(request, job) for job in jobs]))


@operation(
    "A schedule job (long poll: If-None-Match and ?wait=N)",
    tags=("schedules",),
    query=WaitQuery,
    response=JobOut,
    errors=(404,),
    extra_responses={304: "Not modified within `wait` seconds"},
)
@require(Role.ORGANISER, event=job_event, access="read")
async def get_job(request: web.Request) -> web.Response:
    job_id = path_uuid_or_404(request, "job_id", "job")
    query = read_query(request, WaitQuery)
    # The long poll's own token (the one tag job-progress.js last saw), compared as sent rather than as a
    # cache validator list (shared.conditional): '*' would otherwise answer 304 to every poll.
    seen = request.headers.get("If-None-Match")
    with request.app[WATCH_KEY].subscribe(job_id) as changed:
        job = await _read_job(request, job_id)
        if seen == job_etag(job) and query.wait and job.active:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(query.wait):
                    await changed.wait()
            job = await _read_job(request, job_id)
    tag = job_etag(job)
    if seen == tag:
        return not_modified_response(tag)
    return json_response(await _job_out(request, job), headers={"ETag": tag, "Cache-Control": "no-cache"})


@operation(
    "Follow a schedule job as server-sent events",
    tags=("schedules",),
    errors=(404,),
    description="text/event-stream: an `event: job` with the job as JSON now and at every change; the stream "
    "ends after the job reaches done, failed or infeasible. Comment lines keep idle connections open.",
    extra_responses={200: "text/event-stream"},
)
@require(Role.ORGANISER, event=job_event, access="read")
async def job_events(request: web.Request) -> web.StreamResponse:
    job_id = path_uuid_or_404(request, "job_id", "job")
    with request.app[WATCH_KEY].subscribe(job_id) as changed:
        job = await _read_job(request, job_id)
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        )
        await response.prepare(request)
        last = None
        while True:
            tag = job_etag(job)
            if tag != last:
                data = (await _job_out(request, job)).model_dump_json()
                await response.write(f"id: {tag.strip(chr(34))}\nevent: job\ndata: {data}\n\n".encode())
                last = tag
            if not job.active:
                break
            try:
                async with asyncio.timeout(SSE_KEEPALIVE_SECONDS):
                    await changed.wait()
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
            changed.clear()
            job = await _read_job(request, job_id)
    await response.write_eof()
    return response
