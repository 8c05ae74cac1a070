"""The web front end end to end: how fast its pages answer, and what a page adds to the API call under it.

    python -m benchmarks.web_pages                                          # sample event of 60 SMEs, 3 runs
    python -m benchmarks.web_pages --smes 20 --runs 1 --clients 2 --seconds 1   # quick (CI)

Starts the registry, the matcher (``MATCHER_WORKERS=1``) and the web front end as their own processes on
loopback ports, on a temporary database of the embedded PostgreSQL (or of the server in ``DATABASE_URL``,
which must allow ``CREATE DATABASE``), as :mod:`benchmarks.matcher_service` does. Then:

1. loads the Dalarna sample event (:func:`deploy.sample_data.generate_sample` with ``--smes`` SMEs)
   through the registry's API, closes sign-up, schedules it once, publishes the version and makes the
   agenda links; issues an API token for every signed-up SME and buyer (``POST /auth/tokens``);
2. signed in as those people (the session cookie ``atr_session`` holds an API token; the front end runs
   with ``WEB_COOKIE_SECURE=false`` so the cookie has no ``__Host-`` prefix over plain http), fetches
   every page once (the first pass, which also checks that each answers 200 itself, not after a redirect
   to the sign-in page), then ``--runs`` times measures ``--clients`` concurrent clients for ``--seconds``:
   requests per second and p50/p99 latency of

   - the SME pages, the SMEs taken in turn: the event's needs (``/foretag/evenemang/{id}``), the
     sign-up form (``…/anmalan``) and the published agenda (``…/agenda``);
   - the buyers' start page (``/kopare``), the buyers taken in turn;
   - the organiser's pages: the sign-ups (``/arrangor/evenemang/{id}/anmalningar``), the schedule
     version with its grid and charts (``…/schema/{n}``) and the sign-ups as CSV
     (``…/export/anmalningar.csv``);
   - for comparison, the API call under the agenda page (the matcher's
     ``GET /events/{id}/agendas/smes/{org}?lang=sv`` with the SME's own bearer token), so that the
     summary can say what the page adds to it (the ratio of the p50s).

Every run is printed, then a table of medians. Every request should answer 200 (redirects are not
followed, so a lost session counts as a failure); the others are counted and printed by status. Figures
only; nothing is asserted. Request logs are turned down (LOG_LEVEL=WARNING) so that the figures measure
the services, not the terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import time
from collections import Counter
from dataclasses import dataclass

import aiohttp

from benchmarks.matcher_service import load_event, measure_jobs, print_table, publish_and_link
from benchmarks.registry import ReadFigures
from benchmarks.stack import scratch_stack
from deploy.sample_data import generate_sample

SESSION_COOKIE = "atr_session"  # services.web.session's name when WEB_COOKIE_SECURE=false (no __Host- prefix)
Target = tuple[str, dict[str, str]]  # a URL and the headers that sign the request in


@dataclass
class Page:
    """One page (or API call) to measure: its label and the requests taken in turn."""

    label: str
    targets: list[Target]
    first: str = ""
    runs: list[ReadFigures] | None = None
    statuses: Counter[str] | None = None


def cookie(token: str) -> dict[str, str]:
    return {"Cookie": f"{SESSION_COOKIE}={token}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def issue_tokens(
    session: aiohttp.ClientSession, registry_url: str, role: str, organisation_ids: list[str]
) -> list[tuple[str, str]]:
    """One API token per organisation, issued with the organiser token: (organisation id, token)."""
    issued = []
    for organisation_id in organisation_ids:
        body = {"role": role, "organisation_id": organisation_id, "label": f"benchmark {role}"}
        async with session.post(f"{registry_url}/auth/tokens", json=body) as response:
            if response.status != 201:
                raise SystemExit(f"POST /auth/tokens ({role}) → {response.status}: {await response.text()}")
            issued.append((organisation_id, (await response.json())["token"]))
    return issued


async def signed_up_buyers(session: aiohttp.ClientSession, registry_url: str, event_id: str) -> list[str]:
    """Organisation ids of the buyers with an active registration for the event."""
    params = {"kind": "buyer", "status": "active", "limit": "200"}
    async with session.get(f"{registry_url}/events/{event_id}/registrations", params=params) as response:
        if response.status != 200:
            raise SystemExit(f"listing the buyers' sign-ups failed ({response.status}): {await response.text()}")
        return [item["organisation_id"] for item in (await response.json())["items"]]


async def fetch(session: aiohttp.ClientSession, target: Target) -> int:
    """GET one target without following redirects (a redirect to the sign-in page is a failure)."""
    url, headers = target
    async with session.get(url, headers=headers, allow_redirects=False) as response:
        await response.read()
        return response.status


def client_session(clients: int, timeout: float) -> aiohttp.ClientSession:
    # A jar that keeps nothing: every request is signed in only by the headers given with it.
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=clients),
        timeout=aiohttp.ClientTimeout(total=timeout),
        cookie_jar=aiohttp.DummyCookieJar(),
    )


async def first_pass(targets: list[Target], clients: int) -> tuple[float, Counter[str]]:
    """Every target once, ``clients`` at a time: seconds, and the answers that were not 200 by status."""
    gate = asyncio.Semaphore(clients)
    statuses: Counter[str] = Counter()
    async with client_session(clients, 300) as session:

        async def one(target: Target) -> None:
            async with gate:
                status = await fetch(session, target)
            if status != 200:
                statuses[str(status)] += 1

        started = time.perf_counter()
        await asyncio.gather(*(one(target) for target in targets))
    return time.perf_counter() - started, statuses


async def read_as(targets: list[Target], clients: int, seconds: float, statuses: Counter[str]) -> ReadFigures:
    """``clients`` loops of GET for ``seconds``, taking the targets in turn: requests/s and p50/p99 latency.

    :func:`benchmarks.matcher_service.read_load` with one set of headers per request (each SME or buyer
    signs in as itself) and no redirects followed; answers other than 200 are added to ``statuses``.
    """
    latencies: list[float] = []
    failures = 0
    turn = itertools.cycle(targets)
    async with client_session(clients, 60) as session:
        started = time.perf_counter()
        deadline = started + seconds

        async def client() -> None:
            nonlocal failures
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                status = await fetch(session, next(turn))
                latencies.append(time.perf_counter() - sent)
                if status != 200:
                    failures += 1
                    statuses[str(status)] += 1

        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return ReadFigures(len(latencies), failures, elapsed, cuts[49] * 1000, cuts[98] * 1000)


def pages_to_measure(
    web_url: str,
    matcher_url: str,
    event_id: str,
    number: int,
    organiser: str,
    smes: list[tuple[str, str]],
    buyers: list[tuple[str, str]],
) -> list[Page]:
    sme_base = f"{web_url}/foretag/evenemang/{event_id}"
    organiser_base = f"{web_url}/arrangor/evenemang/{event_id}"
    agendas = f"{matcher_url}/events/{event_id}/agendas/smes"
    return [
        Page("SME: event needs", [(sme_base, cookie(token)) for _, token in smes]),
        Page("SME: sign-up form", [(f"{sme_base}/anmalan", cookie(token)) for _, token in smes]),
        Page("SME: agenda page", [(f"{sme_base}/agenda", cookie(token)) for _, token in smes]),
        Page("buyer: start page", [(f"{web_url}/kopare", cookie(token)) for _, token in buyers]),
        Page("organiser: sign-ups", [(f"{organiser_base}/anmalningar", cookie(organiser))]),
        Page(f"organiser: schedule version {number}", [(f"{organiser_base}/schema/{number}", cookie(organiser))]),
        Page("organiser: sign-ups CSV", [(f"{organiser_base}/export/anmalningar.csv", cookie(organiser))]),
        # The page asks the matcher for the agenda in the page's language (sv by default).
        Page("API: agenda JSON (matcher)", [(f"{agendas}/{org}?lang=sv", bearer(token)) for org, token in smes]),
    ]


def describe_statuses(statuses: Counter[str]) -> str:
    return ", ".join(f"{count} × {status}" for status, count in sorted(statuses.items()))


async def measure_pages(pages: list[Page], args: argparse.Namespace) -> None:
    for page in pages:
        seconds, statuses = await first_pass(page.targets, args.clients)
        page.first = f"{seconds:.2f} s" + (f" ({describe_statuses(statuses)})" if statuses else "")
        print(f"{page.label}: first pass over {len(page.targets)} request(s) {page.first}", flush=True)
        page.statuses, page.runs = Counter(), []
        for run in range(args.runs):
            figures = await read_as(page.targets, args.clients, args.seconds, page.statuses)
            print(f"{page.label} run {run + 1}: {figures.line()}", flush=True)
            page.runs.append(figures)
        if page.statuses:
            print(f"{page.label}: not 200: {describe_statuses(page.statuses)}", flush=True)


def median(runs: list[ReadFigures], key: str) -> float:
    return statistics.median(getattr(run, key) for run in runs)


def print_summary(pages: list[Page], args: argparse.Namespace, smes: int, buyers: int) -> None:
    print("\n== web pages benchmark (loopback; registry, matcher and web processes, MATCHER_WORKERS=1) ==")
    print(
        f"{smes} SMEs and {buyers} buyers in turn, {args.clients} clients, {args.seconds:g} s, "
        f"median of {args.runs} run(s):"
    )
    rows = [["page", "req/s", "p50 ms", "p99 ms", "not 200", "first pass"]]
    for page in pages:
        assert page.runs is not None
        rows.append(
            [
                page.label,
                f"{median(page.runs, 'per_second'):,.0f}",
                f"{median(page.runs, 'p50_ms'):.1f}",
                f"{median(page.runs, 'p99_ms'):.1f}",
                f"{sum(r.failures for r in page.runs)}",
                page.first,
            ]
        )
    print_table(rows)
    by_label = {page.label: page.runs for page in pages}
    page_p50 = median(by_label["SME: agenda page"] or [], "p50_ms")
    api_p50 = median(by_label["API: agenda JSON (matcher)"] or [], "p50_ms")
    print(
        f"\nagenda page vs the API call under it: p50 {page_p50:.1f} ms vs {api_p50:.1f} ms, "
        f"{page_p50 / api_p50:.1f}× (the page adds {page_p50 - api_p50:.1f} ms: the registry's whoami, "
        "event and registrations, and rendering)",
        flush=True,
    )
    print(flush=True)


async def bench(args: argparse.Namespace) -> None:
    async with scratch_stack("web") as stack:
        registry, matcher, organiser = stack.url("registry"), stack.url("matcher"), stack.organiser_token
        timeout = aiohttp.ClientTimeout(total=120)
        async with aiohttp.ClientSession(timeout=timeout, headers=bearer(organiser)) as session:
            event = await load_event(session, registry, organiser, generate_sample(smes=args.smes))
            _, number = await measure_jobs(session, matcher, event["id"], "sample", 1)
            links = await publish_and_link(session, matcher, event["id"], number)
            smes = await issue_tokens(session, registry, "sme", [link["organisation_id"] for link in links])
            buyer_ids = await signed_up_buyers(session, registry, event["id"])
            buyers = await issue_tokens(session, registry, "buyer", buyer_ids)
        pages = pages_to_measure(stack.url("web"), matcher, event["id"], number, organiser, smes, buyers)
        await measure_pages(pages, args)
        print_summary(pages, args, len(smes), len(buyers))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smes", type=int, default=60, help="SMEs in the sample event (the README's sample: 60)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each page's measurement")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients reading pages")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per measurement")
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
