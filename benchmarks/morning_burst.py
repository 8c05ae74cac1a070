"""The morning burst: every participant opens its agenda link within minutes, and keeps polling it.

    python -m benchmarks.morning_burst                                  # 60 SMEs, 1 and 2 processes
    python -m benchmarks.morning_burst --processes 2 --clients 64 --seconds 10
    python -m benchmarks.morning_burst --smes 20 --processes 1 --seconds 1 --runs 1   # quick (CI)

For each ``--processes`` count it starts the registry and the matcher (``MATCHER_PROCESSES`` matcher
processes on one port, by SO_REUSEPORT) on a scratch database as :mod:`benchmarks.stack` does, loads
the Dalarna sample event (``--smes`` SMEs) through the registry's API, schedules it once, publishes the
version, makes every participant's agenda link (SMEs and buyers) and ``--screens`` venue board links.
Then every link's JSON is read once (each participant's first look: "changes since" and the "seen"
marker), and a load generator in a separate process (aiohttp client, keep-alive, ``--clients``
concurrent loops taking the URLs in turn) reads agenda link JSON and board JSON (``/b/{token}.json``)
for ``--seconds``, ``--runs`` times: requests per second and p50/p99 latency, in all and per kind, and
the CPU time the matcher processes and their PostgreSQL backends spent per request (the reads come from
each process's link cache, :mod:`services.matcher.link_cache`: PostgreSQL's share is near nothing).
Last, correctness: one agenda link is revoked through the API and read on new connections (spread
over the processes by the kernel) until 20 in a row answer 404; reads still answering 200 after the
revoke's answer are counted (each process forgets the link when the revoke's NOTIFY arrives).

The service processes are pinned to CPUs 0 and 1 (``os.sched_setaffinity``, as ``taskset -c 0,1``);
the load generator gets the other CPUs when the machine has more than two, else it shares those two
with the services and PostgreSQL (the line "cpus:" says which). Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from benchmarks.matcher_service import load_event, measure_jobs, print_table
from benchmarks.registry import ReadFigures
from benchmarks.stack import scratch_stack
from deploy.sample_data import generate_sample

SERVICE_CPUS = {0, 1}


def cpu_plan() -> tuple[set[int] | None, set[int] | None]:
    """CPUs for the services and for the load generator (None: no pinning on this platform)."""
    if not hasattr(os, "sched_getaffinity"):
        return None, None
    available = os.sched_getaffinity(0)
    services = SERVICE_CPUS & available or available
    rest = available - services
    return services, rest or available


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (Linux /proc; empty elsewhere)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            todo.extend(int(child) for child in task.read_text().split())
    return found if Path(f"/proc/{pid}").exists() else []


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by ``pids`` (those still running)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


async def settle(pid: int, timeout: float = 180.0) -> float:
    """Wait until ``pid`` and its descendants are quiet (under 5 % of a CPU for a second): seconds waited.

    The readiness check answers once the first process listens; the others (and every process's solver
    process, planning its warm-up example) may still be starting, which would be measured as load.
    """
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        pids = process_tree(pid)
        before = cpu_seconds(pids)
        await asyncio.sleep(1.0)
        if cpu_seconds(pids) - before < 0.05:
            break
    return time.perf_counter() - started


async def backend_pids(database_url: str) -> list[int]:
    """The PostgreSQL server processes serving the services' connections to the benchmark's database."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
    return [row["pid"] for row in rows]


def generator(urls: list[str], clients: int, seconds: float, cpus: set[int] | None, out: Any) -> None:
    """The load generator's process: ``clients`` keep-alive loops of GET; sends (latencies, failures, elapsed)."""
    if cpus is not None:
        os.sched_setaffinity(0, cpus)
    out.send(asyncio.run(_hammer(urls, clients, seconds)))
    out.close()


async def _hammer(urls: list[str], clients: int, seconds: float) -> tuple[list[tuple[str, float]], int, float]:
    latencies: list[tuple[str, float]] = []
    failures = 0
    turn = itertools.cycle(urls)
    connector = aiohttp.TCPConnector(limit=clients, force_close=False)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:
        started = time.perf_counter()
        deadline = started + seconds

        async def client() -> None:
            nonlocal failures
            while (sent := time.perf_counter()) < deadline:
                url = next(turn)
                async with session.get(url) as response:
                    await response.read()
                    failures += response.status != 200
                latencies.append((kind_of(url), time.perf_counter() - sent))

        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return latencies, failures, elapsed


def kind_of(url: str) -> str:
    """``board`` for a venue screen's JSON, ``link`` for an agenda link's."""
    return "board" if "/b/" in url else "link"


def figures_of(latencies: list[float], failures: int, elapsed: float) -> ReadFigures:
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return ReadFigures(len(latencies), failures, elapsed, cuts[49] * 1000, cuts[98] * 1000)


def burst(urls: list[str], clients: int, seconds: float, cpus: set[int] | None) -> dict[str, ReadFigures]:
    """One measurement by a load generator in its own process: figures of all reads, and per kind."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=generator, args=(urls, clients, seconds, cpus, send))
    process.start()
    timed, failures, elapsed = receive.recv()
    process.join()
    figures = {"all": figures_of([seconds for _, seconds in timed], failures, elapsed)}
    for kind in sorted({kind for kind, _ in timed}):
        figures[kind] = figures_of([seconds for k, seconds in timed if k == kind], 0, elapsed)
    return figures


async def published_links(
    session: aiohttp.ClientSession, matcher: str, event_id: str, number: int, screens: int
) -> list[str]:
    """Publish version ``number``, make every participant's link and ``screens`` board links: their JSON URLs.

    Each screen's board is read as often as a participant's agenda (the list takes them in turn).
    """
    async with session.post(f"{matcher}/events/{event_id}/schedules/{number}/publish") as response:
        if response.status != 200:
            raise SystemExit(f"publishing failed ({response.status}): {await response.text()}")
    async with session.post(f"{matcher}/events/{event_id}/agenda-links") as response:
        if response.status not in (200, 201):
            raise SystemExit(f"making agenda links failed ({response.status}): {await response.text()}")
        urls = [f"{link['url']}.json" for link in (await response.json())["items"]]
    for _ in range(screens):
        async with session.post(f"{matcher}/events/{event_id}/board-links") as response:
            if response.status != 201:
                raise SystemExit(f"making a board link failed ({response.status}): {await response.text()}")
            urls.append(f"{(await response.json())['url']}.json")
    return urls


async def first_looks(urls: list[str], clients: int) -> tuple[float, int]:
    """Every link once, ``clients`` at a time: seconds, and how many did not answer 200."""
    gate = asyncio.Semaphore(clients)
    failures = 0
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:

        async def look(url: str) -> None:
            nonlocal failures
            async with gate, session.get(url) as response:
                await response.read()
                failures += response.status != 200

        started = time.perf_counter()
        await asyncio.gather(*(look(url) for url in urls))
    return time.perf_counter() - started, failures


async def revoke_check(session: aiohttp.ClientSession, matcher: str, event_id: str, in_a_row: int = 20) -> str:
    """Revoke the event's first agenda link, then read it on new connections until ``in_a_row`` reads in a
    row are 404: how many answered 200 after the revoke was answered, and when the last of them came."""
    async with session.get(f"{matcher}/events/{event_id}/agenda-links") as response:
        link = (await response.json())["items"][0]
    url = f"{link['url']}.json"
    async with session.delete(f"{matcher}/events/{event_id}/agenda-links/{link['id']}") as response:
        if response.status != 204:
            raise SystemExit(f"revoking a link failed ({response.status}): {await response.text()}")
    revoked, stale, last_stale, gone = time.perf_counter(), 0, 0.0, 0
    fresh = aiohttp.TCPConnector(force_close=True)  # a new connection a read: any process may answer
    async with aiohttp.ClientSession(connector=fresh, timeout=aiohttp.ClientTimeout(total=30)) as reader:
        while gone < in_a_row and time.perf_counter() - revoked < 30:
            async with reader.get(url) as response:
                await response.read()
                if response.status == 404:
                    gone += 1
                else:
                    stale, gone, last_stale = stale + 1, 0, time.perf_counter() - revoked
    if gone < in_a_row:
        return f"still answered after 30 s ({stale} reads 200)"
    if not stale:
        return f"404 at once ({in_a_row} reads on new connections in a row, none 200)"
    return f"{stale} read(s) 200 after the revoke, the last {1000 * last_stale:.1f} ms after; then {in_a_row} 404"


@dataclass
class CpuUse:
    """CPU milliseconds per request: a figure that the other work on a shared machine hardly disturbs."""

    matcher_ms: float
    postgres_ms: float


async def one_stack(
    processes: int, args: argparse.Namespace
) -> tuple[str, list[tuple[dict[str, ReadFigures], CpuUse]]]:
    """Start the stack with ``processes`` matcher processes and measure it: (first look, runs)."""
    services_cpus, generator_cpus = cpu_plan()
    async with scratch_stack(extra_env={"MATCHER_PROCESSES": str(processes)}, cpus=services_cpus) as stack:
        matcher, token = stack.url("matcher"), stack.organiser_token
        headers = {"Authorization": f"Bearer {token}"}
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120), headers=headers) as session:
            event = await load_event(session, stack.url("registry"), token, generate_sample(smes=args.smes))
            _, number = await measure_jobs(session, matcher, event["id"], "sample", 1)
            urls = await published_links(session, matcher, event["id"], number, args.screens)
        waited = await settle(stack.services["matcher"].process.pid)  # type: ignore[union-attr]
        print(f"{processes} process(es): all started and quiet after {waited:.1f} s more", flush=True)
        seconds, failures = await first_looks(urls, args.clients)
        first = f"{seconds:.2f} s" + (f" ({failures} not 200)" if failures else "")
        print(f"{processes} process(es): first look at {len(urls)} links ({args.screens} boards) {first}", flush=True)
        runs = []
        for run in range(args.runs):
            matcher_pids = process_tree(stack.services["matcher"].process.pid)  # type: ignore[union-attr]
            postgres_pids = await backend_pids(stack.database_url)
            before = cpu_seconds(matcher_pids), cpu_seconds(postgres_pids)
            figures = await asyncio.to_thread(burst, urls, args.clients, args.seconds, generator_cpus)
            used = cpu_seconds(matcher_pids) - before[0], cpu_seconds(postgres_pids) - before[1]
            cpu = CpuUse(*(1000 * seconds / max(1, figures["all"].requests) for seconds in used))
            print(
                f"{processes} process(es), run {run + 1}: {figures['all'].line()}; CPU per request: "
                f"matcher {cpu.matcher_ms:.3f} ms, PostgreSQL {cpu.postgres_ms:.3f} ms",
                flush=True,
            )
            for kind in sorted(set(figures) - {"all"}):
                print(f"  {kind} JSON: {figures[kind].line()}", flush=True)
            runs.append((figures, cpu))
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120), headers=headers) as session:
            print(f"{processes} process(es): revoked link: {await revoke_check(session, matcher, event['id'])}")
        return first, runs


async def bench(args: argparse.Namespace) -> None:
    services_cpus, generator_cpus = cpu_plan()
    print(
        f"cpus: {os.cpu_count()} on the machine; services and PostgreSQL's clients pinned to "
        f"{sorted(services_cpus) if services_cpus else 'any'}, load generator on "
        f"{sorted(generator_cpus) if generator_cpus else 'any'}",
        flush=True,
    )
    results = [(processes, *await one_stack(processes, args)) for processes in args.processes]
    print(
        f"\n== morning burst: agenda link JSON and {args.screens} venue boards' JSON, {args.clients} clients, "
        f"{args.seconds:g} s, median of {args.runs} =="
    )
    header = ["processes", "reads", "req/s", "p50 ms", "p99 ms", "not 200", "CPU ms/req matcher", "PostgreSQL"]
    rows = [[*header, "first look"]]
    for processes, first, measured in results:
        cpu = [use for _, use in measured]
        for kind in measured[0][0]:
            runs = [figures[kind] for figures, _ in measured]
            everything = kind == "all"
            rows.append(
                [
                    str(processes) if everything else "",
                    kind,
                    f"{statistics.median(r.per_second for r in runs):,.0f}",
                    f"{statistics.median(r.p50_ms for r in runs):.1f}",
                    f"{statistics.median(r.p99_ms for r in runs):.1f}",
                    f"{sum(r.failures for r in runs)}" if everything else "",
                    f"{statistics.median(c.matcher_ms for c in cpu):.3f}" if everything else "",
                    f"{statistics.median(c.postgres_ms for c in cpu):.3f}" if everything else "",
                    first if everything else "",
                ]
            )
    print_table(rows)
    print(flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smes", type=int, default=60, help="SMEs in the sample event (the README's sample: 60)")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2], help="matcher process counts to measure")
    parser.add_argument("--clients", type=int, default=32, help="concurrent keep-alive clients of the load generator")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--runs", type=int, default=3, help="measurements per process count")
    parser.add_argument("--screens", type=int, default=4, help="venue boards (/b/{token}.json) read with the links")
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
