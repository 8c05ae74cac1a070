"""The matcher service end to end: schedule job latency and published agenda read throughput.

    python -m benchmarks.matcher_service                                   # sample event of 60 SMEs, 3 runs
    python -m benchmarks.matcher_service --large                           # and an L-sized event
    python -m benchmarks.matcher_service --smes 20 --runs 1 --clients 2 --seconds 1   # quick (CI)

Starts the registry and the matcher (``MATCHER_WORKERS=1``: one job worker in the matcher process, its
solves in one solver process) as their own processes on loopback ports, on a temporary database of the
embedded PostgreSQL (or of the server in ``DATABASE_URL``, which must allow ``CREATE DATABASE``). Then:

1. loads the Dalarna sample event (:func:`deploy.sample_data.generate_sample` with ``--smes`` SMEs)
   through the registry's API, closes sign-up, and ``--runs`` times queues a fresh schedule
   (``POST /events/{id}/schedules``, mode fresh, seed 1, 2, …) and follows the job by long poll until it
   is done: queue → done as the job records it (``finished_at − created_at``) and as the client sees it
   (from sending the POST to reading the finished job);
2. with ``--large``, the same for an event of the L size of ``benchmarks.matching`` (2,000 SMEs × 300
   buyers × 16 slots), made from the sample (see :func:`large_sample`);
3. publishes the sample event's last version, makes the agenda links, and for each format (JSON, .ics,
   .pdf), read with the organiser token and through the SMEs' ``/a/{token}`` links, fetches every SME's
   agenda once (the first pass: the matcher renders each file then and keeps it, for both ways in) and
   then measures ``--clients`` concurrent clients taking the SMEs in turn for ``--seconds``, ``--runs``
   times: requests per second and p50/p99 latency.

Every run is printed, then a table of medians. Figures only; nothing is asserted. Request logs are turned
down (LOG_LEVEL=WARNING) so that the figures measure the services, not the terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp

from benchmarks.registry import ReadFigures
from benchmarks.stack import scratch_stack
from deploy.load_sample import load_sample
from deploy.sample_data import SampleData, generate_sample
from services.matcher.engine.generator import SIZES
from shared.reference.orgnr import orgnr_from_serial

FORMATS = {"json": "", "ics": ".ics", "pdf": ".pdf"}
JOB_TIMEOUT = 900.0
COPY_SERIAL_BASE = 1_000  # organisation numbers of the L event's extra buyers, far from the sample's


@dataclass
class JobRun:
    """One schedule job: seconds queue → done as recorded by the job and as seen by the client."""

    recorded: float
    observed: float
    meetings: int
    # Seconds per phase: queue (created → started), the job's own timings (fetch, solver process and
    # its parts, transfer to and from it), and store (the rest up to finished: storing and completing).
    phases: dict[str, float] = field(default_factory=dict)
    # What the schedule is worth (from the version's quality report), so that speed is never bought with it.
    quality: str = ""


def quality_line(quality: dict[str, Any]) -> str:
    """Relevance against the certified bound, SMEs without a meeting against the proven minimum, breaks.

    Examples
    --------
    >>> quality_line({"relevance": 99.0, "bound": 100.0, "gap_percent": 1.0, "zero_meeting_smes": 3,
    ...     "min_zero_meeting_smes": 3, "meetings_per_sme": {"min": 0, "jain": 0.8561},
    ...     "breaks_all": {"total": 5, "max": 1, "share_without": 0.95}})
    'relevance 99.0000 of bound 100.0000 (gap 1.0000 %), SMEs without a meeting 3 (proven min 3), jain 0.8561, breaks 5 (max 1, 95.0 % without)'
    """  # noqa: E501
    if not quality:
        return ""
    breaks, per_sme = quality.get("breaks_all") or {}, quality.get("meetings_per_sme") or {}
    return (
        f"relevance {quality['relevance']:.4f} of bound {quality['bound']:.4f} (gap {quality['gap_percent']:.4f} %), "
        f"SMEs without a meeting {quality['zero_meeting_smes']} (proven min {quality['min_zero_meeting_smes']}), "
        f"jain {per_sme.get('jain', 0.0):.4f}, breaks {breaks.get('total', 0)} (max {breaks.get('max', 0)}, "
        f"{100 * breaks.get('share_without', 0.0):.1f} % without)"
    )


def large_sample(smes: int, buyers: int, seed: int = 2027) -> SampleData:
    """The sample with ``smes`` SMEs and its signed-up buyers copied until ``buyers`` buyers sign up.

    The Dalarna sample has only Dalarna's ~17 public buyers, so ``generate_sample(smes=2000)`` alone is
    2,000 SMEs around ~20 tables: far smaller for the solver than L. Each copy is a new organisation (its
    own organisation number, the template's name with a unit number) bringing copies of the template's
    needs and staffing as many tables. The event is renamed so that it loads beside the sample event.

    Examples
    --------
    >>> sample = large_sample(30, 40, seed=1)
    >>> sum(r["kind"] == "buyer" for r in sample.registrations), sample.event["name"].endswith(" (L)")
    (40, True)
    >>> len({b["orgnr"] for b in sample.buyers}) == len(sample.buyers)
    True
    """
    sample = generate_sample(seed=seed, smes=smes)
    templates = [r for r in sample.registrations if r["kind"] == "buyer"]
    bodies = {b["orgnr"]: b for b in sample.buyers}
    for copy in range(max(0, buyers - len(templates))):
        template = templates[copy % len(templates)]
        unit = copy // len(templates) + 2
        orgnr = orgnr_from_serial(COPY_SERIAL_BASE + copy, group=2)
        original = bodies[template["orgnr"]]
        sample.buyers.append({**original, "orgnr": orgnr, "name": f"{original['name']}, enhet {unit}"})
        references = {}
        for need in [n for n in sample.needs if n["buyer_orgnr"] == template["orgnr"]]:
            references[need["reference"]] = f"{need['reference']}-E{unit}"
            sample.needs.append({**need, "buyer_orgnr": orgnr, "reference": references[need["reference"]]})
        body = dict(template["body"], brought_needs=[references[r] for r in template["body"]["brought_needs"]])
        sample.registrations.append({"orgnr": orgnr, "kind": "buyer", "body": body})
    tables = sum(r["body"]["tables"] for r in sample.registrations if r["kind"] == "buyer")
    sample.event = {**sample.event, "name": f"{sample.event['name']} (L)", "tables": tables}
    return sample


def seconds_between(job: dict[str, Any], start_key: str, end_key: str) -> float:
    return (datetime.fromisoformat(job[end_key]) - datetime.fromisoformat(job[start_key])).total_seconds()


async def follow_job(session: aiohttp.ClientSession, matcher_url: str, job: dict[str, Any]) -> dict[str, Any]:
    """Long-poll ``GET /jobs/{id}`` (If-None-Match, ?wait=20) until the job ends."""
    tag, deadline = None, time.monotonic() + JOB_TIMEOUT
    while job["status"] in ("queued", "running"):
        if time.monotonic() > deadline:
            raise SystemExit(f"the schedule job {job['id']} did not end within {JOB_TIMEOUT:g} s")
        headers = {"If-None-Match": tag} if tag else {}
        async with session.get(f"{matcher_url}/jobs/{job['id']}", params={"wait": "20"}, headers=headers) as response:
            if response.status == 304:
                continue
            if response.status != 200:
                raise SystemExit(f"GET /jobs/{job['id']} → {response.status}: {await response.text()}")
            tag, job = response.headers.get("ETag"), await response.json()
    return job


async def measure_jobs(
    session: aiohttp.ClientSession, matcher_url: str, event_id: str, name: str, runs: int
) -> tuple[list[JobRun], int]:
    """``runs`` fresh schedules of the event one after another (seed 1, 2, …); the last version's number."""
    results, number = [], 0
    for run in range(runs):
        sent = time.perf_counter()
        body = {"mode": "fresh", "seed": run + 1}
        async with session.post(f"{matcher_url}/events/{event_id}/schedules", json=body) as response:
            job = await response.json()
            if response.status != 202:  # 200 would be a job still running from before: not a new one
                raise SystemExit(f"POST /events/{event_id}/schedules → {response.status}: {job}")
        job = await follow_job(session, matcher_url, job)
        observed = time.perf_counter() - sent
        if job["status"] != "done":
            raise SystemExit(f"the schedule job ended {job['status']}: {job.get('failure_reason')}")
        number = job["result_version"]
        async with session.get(f"{matcher_url}{job['links']['result']}") as response:
            version = await response.json()
        running = seconds_between(job, "started_at", "finished_at")
        quality = version.get("quality") or {}
        timings = dict(quality.get("job_seconds") or {})
        engine = {f"plan.{name}": seconds for name, seconds in (quality.get("phase_seconds") or {}).items()}
        phases = {"queue": seconds_between(job, "created_at", "started_at"), **timings, **engine}
        phases["store"] = running - timings.get("fetch", 0.0) - timings.get("solver_process", 0.0)
        result = JobRun(
            seconds_between(job, "created_at", "finished_at"),
            observed,
            version["meeting_count"],
            phases,
            quality_line(quality),
        )
        print(
            f"{name} job {run + 1}: queue → done {result.recorded:.2f} s (running {running:.2f} s), "
            f"client {result.observed:.2f} s; {result.meetings} meetings; phases: {phase_line(phases)}; "
            f"{result.quality}",
            flush=True,
        )
        results.append(result)
    return results, number


def phase_line(phases: dict[str, float]) -> str:
    """The phases in the job's order, in seconds: the solver process's parts in brackets, the engine's
    own phases (``plan.select`` …) in square brackets after ``plan``.

    Examples
    --------
    >>> phase_line({"queue": 0.01, "fetch": 0.2, "solver_process": 1.0, "plan": 0.9, "transfer": 0.1,
    ...             "plan.select": 0.5, "plan.polish": 0.4, "store": 0.3})
    'queue 0.01, fetch 0.20, solver process 1.00 (plan 0.90 [select 0.50, polish 0.40], transfer 0.10), store 0.30'
    """
    outer = ("queue", "fetch", "solver_process", "store")
    engine = ", ".join(f"{n.removeprefix('plan.')} {v:.2f}" for n, v in phases.items() if n.startswith("plan."))
    inner = [
        f"{name} {seconds:.2f}" + (f" [{engine}]" if name == "plan" and engine else "")
        for name, seconds in phases.items()
        if name not in outer and not name.startswith("plan.")
    ]
    parts = []
    for name in outer:
        if name in phases:
            detail = f" ({', '.join(inner)})" if name == "solver_process" and inner else ""
            parts.append(f"{name.replace('_', ' ')} {phases[name]:.2f}{detail}")
    return ", ".join(parts)


async def load_event(session: aiohttp.ClientSession, registry_url: str, token: str, sample: SampleData) -> dict:
    """Load ``sample`` through the registry's API and close sign-up; the event as the registry shows it."""
    started = time.perf_counter()
    loaded = await load_sample(registry_url, token, sample)
    path = f"{registry_url}/events/{loaded.event_id}"
    async with session.post(f"{path}/transitions", json={"to": "closed"}) as response:
        if response.status != 200:
            raise SystemExit(f"closing sign-up failed ({response.status}): {await response.text()}")
    async with session.get(path) as response:
        event = await response.json()
    print(f"{describe_event(event)} loaded through the API in {time.perf_counter() - started:.1f} s", flush=True)
    return event


def describe_event(event: dict[str, Any]) -> str:
    return (
        f"{event['sme_registrations']} SMEs × {event['buyer_registrations']} buyers "
        f"({event['tables']} tables) × {len(event['slots'])} slots"
    )


def job_cells(runs: list[JobRun]) -> list[str]:
    def spread(values: list[float]) -> str:
        return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"

    return [spread([r.recorded for r in runs]), spread([r.observed for r in runs]), f"{runs[-1].meetings}"]


async def read_load(urls: list[str], headers: dict[str, str], clients: int, seconds: float) -> ReadFigures:
    """``clients`` loops of GET for ``seconds``, taking the URLs in turn: requests/s and p50/p99 latency."""
    latencies: list[float] = []
    failures = 0
    turn = itertools.cycle(urls)
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, headers=headers) as session:
        started = time.perf_counter()
        deadline = started + seconds

        async def client() -> None:
            nonlocal failures
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                async with session.get(next(turn)) as response:
                    await response.read()
                    failures += response.status != 200
                latencies.append(time.perf_counter() - sent)

        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return ReadFigures(len(latencies), failures, elapsed, cuts[49] * 1000, cuts[98] * 1000)


async def first_pass(urls: list[str], headers: dict[str, str], clients: int) -> tuple[float, int]:
    """Every URL once, ``clients`` at a time (the matcher renders and keeps each file): seconds, failures."""
    gate = asyncio.Semaphore(clients)
    failures = 0
    async with aiohttp.ClientSession(headers=headers, timeout=aiohttp.ClientTimeout(total=300)) as session:

        async def fetch(url: str) -> None:
            nonlocal failures
            async with gate, session.get(url) as response:
                await response.read()
                failures += response.status != 200

        started = time.perf_counter()
        await asyncio.gather(*(fetch(url) for url in urls))
    return time.perf_counter() - started, failures


async def measure_reads(
    matcher_url: str, token: str, event_id: str, links: list[dict[str, Any]], args: argparse.Namespace
) -> list[tuple[str, str, str, list[ReadFigures]]]:
    """Per format and way in: (format, via, first pass, runs)."""
    results = []
    base = f"{matcher_url}/events/{event_id}/agendas/smes"
    ways = {
        "organiser": ({"Authorization": f"Bearer {token}"}, [f"{base}/{link['organisation_id']}" for link in links]),
        "link": ({}, [link["url"] for link in links]),
    }
    for fmt, suffix in FORMATS.items():
        for via, (headers, prefixes) in ways.items():
            urls = [prefix + suffix for prefix in prefixes]
            seconds, failures = await first_pass(urls, headers, args.clients)
            first = f"{seconds:.2f} s" + (f" ({failures} not 200)" if failures else "")
            print(f"agenda {fmt} via {via}: first pass over {len(urls)} SMEs {first}", flush=True)
            runs = []
            for run in range(args.runs):
                figures = await read_load(urls, headers, args.clients, args.seconds)
                print(f"agenda {fmt} via {via} run {run + 1}: {figures.line()}", flush=True)
                runs.append(figures)
            results.append((fmt, via, first, runs))
    return results


async def publish_and_link(session: aiohttp.ClientSession, matcher_url: str, event_id: str, number: int) -> list:
    """Publish version ``number``; the SMEs' agenda links (made for every participant)."""
    async with session.post(f"{matcher_url}/events/{event_id}/schedules/{number}/publish") as response:
        if response.status != 200:
            raise SystemExit(f"publishing failed ({response.status}): {await response.text()}")
    async with session.post(f"{matcher_url}/events/{event_id}/agenda-links") as response:
        if response.status not in (200, 201):
            raise SystemExit(f"making agenda links failed ({response.status}): {await response.text()}")
        return [link for link in (await response.json())["items"] if link["kind"] == "sme"]


def print_table(rows: list[list[str]]) -> None:
    """Left-aligned columns, the first row as the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def print_summary(jobs: list[tuple[str, list[JobRun]]], reads: list, args: argparse.Namespace, smes: int) -> None:
    print("\n== matcher service benchmark (loopback; registry and matcher processes, MATCHER_WORKERS=1) ==")
    print(f"schedule jobs, median (min–max) of {args.runs} run(s):")
    header = ["event", "queue → done (job)", "client-observed", "meetings"]
    print_table([header, *([label, *job_cells(runs)] for label, runs in jobs)])
    print("\nwhere a job's time goes, median seconds per phase:")
    for label, runs in jobs:
        names = list(dict.fromkeys(name for run in runs for name in run.phases))
        medians = {name: statistics.median(run.phases.get(name, 0.0) for run in runs) for name in names}
        print(f"  {label.split(',')[0]}: {phase_line(medians)}")
    print("\nwhat each job's schedule is worth (seeds 1, 2, …):")
    for label, runs in jobs:
        for number, run in enumerate(runs, 1):
            print(f"  {label.split(',')[0]} seed {number}: {run.quality}")
    print(f"\npublished SME agendas ({smes} SMEs), {args.clients} clients, {args.seconds:g} s, median of {args.runs}:")
    rows = [["format", "via", "req/s", "p50 ms", "p99 ms", "not 200", "first pass"]]
    for fmt, via, first, runs in reads:
        rows.append(
            [
                fmt,
                via,
                f"{statistics.median(r.per_second for r in runs):,.0f}",
                f"{statistics.median(r.p50_ms for r in runs):.1f}",
                f"{statistics.median(r.p99_ms for r in runs):.1f}",
                f"{sum(r.failures for r in runs)}",
                first,
            ]
        )
    print_table(rows)
    print(flush=True)


async def bench(args: argparse.Namespace) -> None:
    async with scratch_stack() as stack:
        registry, matcher, organiser = stack.url("registry"), stack.url("matcher"), stack.organiser_token
        timeout = aiohttp.ClientTimeout(total=120)
        headers = {"Authorization": f"Bearer {organiser}"}
        async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:
            event = await load_event(session, registry, organiser, generate_sample(smes=args.smes))
            sample_runs, number = await measure_jobs(session, matcher, event["id"], "sample", args.runs)
            jobs = [(f"sample, {describe_event(event)}", sample_runs)]
            if args.large:
                smes, buyers, slots = SIZES["L"]
                print(f"L of benchmarks.matching is {smes:,} SMEs × {buyers} buyers × {slots} slots", flush=True)
                large = await load_event(session, registry, organiser, large_sample(smes, buyers))
                large_runs, _ = await measure_jobs(session, matcher, large["id"], "L", args.runs)
                jobs.append((f"L-sized, {describe_event(large)}", large_runs))
            links = await publish_and_link(session, matcher, event["id"], number)
        reads = await measure_reads(matcher, organiser, event["id"], links, args)
        print_summary(jobs, reads, args, len(links))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smes", type=int, default=60, help="SMEs in the sample event (the README's sample: 60)")
    parser.add_argument("--large", action="store_true", help="also schedule an event of the engine benchmark's L size")
    parser.add_argument("--runs", type=int, default=3, help="schedule jobs per event, and runs of each read")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients reading agendas")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per read measurement")
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
