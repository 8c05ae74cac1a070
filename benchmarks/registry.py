"""Registry throughput: CSV bulk import, the event snapshot and a filtered organisation search.

    python -m benchmarks.registry                                        # 10 000 SMEs, 8 clients, 5 s, 3 runs
    python -m benchmarks.registry --smes 300 --clients 4 --seconds 2 --runs 1   # quick (CI)

Starts the registry as its own process (``python -m services.registry``) on a temporary database of
the embedded PostgreSQL (or of the server in ``DATABASE_URL``, which must allow ``CREATE DATABASE``),
so that the load generator in this process does not share the server's event loop. Then:

1. imports ``--smes`` generated SME rows through ``POST /organisations/import`` (new rows each run) and
   prints profiles per second (the first run also starts the validation worker processes);
2. loads the sample event (:func:`deploy.sample_data.generate_sample` with ``--event-smes`` SMEs, 300
   by default, a large Affärsträff) through the API, and, after a short warm-up, ``--runs`` times for
   ``--seconds`` each with ``--clients`` concurrent clients on loopback, measures
   ``GET /events/{id}/snapshot`` and ``GET /organisations?cpv=…&municipality=…&q=…``: requests per
   second and p50/p99 latency;
3. imports ``--export-needs`` needs of one buyer as OCDS releases, every other one awarded, and measures
   ``GET /needs/export/ocds`` (all of them with their procurement) with one client.

Every run is printed, then a summary with the median of the runs of each figure. Figures only; nothing
is asserted. Request logs are turned down (LOG_LEVEL=WARNING) so that the figures
measure the service, not the terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import csv
import datetime as dt
import io
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncpg

from deploy import readiness
from deploy.load_sample import load_sample
from deploy.past_event import award_release
from deploy.sample_data import generate_sample, sme_profile
from services.registry.bulk import COLUMNS
from services.registry.ocds import EXAMPLE_RELEASE
from shared.auth import generate_token
from shared.embedded import start_embedded_server, with_database
from shared.reference.municipalities import dalarna_municipalities
from shared.reference.orgnr import orgnr_from_serial
from shared.settings import CommonSettings, load_settings

ROOT = Path(__file__).resolve().parent.parent
IMPORT_SERIAL_BASE = 1_000_000  # far from the sample event's organisation numbers
SEARCH = {"cpv": "909", "municipality": "2080", "q": "städ"}
NEEDS_PER_PACKAGE = 300  # OCDS releases of a package stay under the registry's 1 MiB body limit


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sme_csv(count: int, first_serial: int, seed: int) -> bytes:
    """``count`` generated SMEs as a semicolon CSV file (as Swedish Excel writes it)."""
    rng = random.Random(seed)  # noqa: S311 - test data
    codes = [m.code for m in dalarna_municipalities()]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(COLUMNS)
    for serial in range(first_serial, first_serial + count):
        body = sme_profile(rng, serial, codes[serial % len(codes)])
        areas = body["areas_served"]
        contact = body["contacts"][0]
        cells = {
            **{k: v for k, v in body.items() if isinstance(v, str | int) and k in COLUMNS},
            "cpv_codes": " ".join(body["cpv_codes"]),
            "keywords": "|".join(body["keywords"]),
            "certificates": "|".join(body["certificates"]),
            "languages": " ".join(body["languages"]),
            "serves": "SE" if areas["whole_country"] else " ".join(areas["counties"] + areas["municipalities"]),
            **{f"contact_{k}": v for k, v in contact.items()},
        }
        writer.writerow([cells.get(column, "") for column in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode()


def start_registry(env: dict[str, str], log_path: Path) -> subprocess.Popen:
    """The registry in its own process, its output in ``log_path``."""
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "services.registry"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )


async def wait_ready(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    try:
        await readiness.wait_ready(url, process, name="the registry", timeout=timeout)
    except readiness.NotReady as error:
        raise SystemExit(f"{error} (run it by hand to see why)") from None


async def measure_import(url: str, token: str, smes: int, runs: int) -> list[float]:
    rates = []
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600)) as session:
        for run in range(runs):
            body = sme_csv(smes, IMPORT_SERIAL_BASE + run * smes, seed=run)
            started = time.perf_counter()
            async with session.post(url + "/organisations/import", data=body, headers=headers) as response:
                result = await response.json()
            elapsed = time.perf_counter() - started
            if response.status != 200 or result["created"] != smes:
                raise SystemExit(f"import failed ({response.status}): {str(result)[:500]}")
            rates.append(smes / elapsed)
            print(
                f"import run {run + 1}: {smes} SMEs in {elapsed:.2f} s = {smes / elapsed:,.0f} profiles/s", flush=True
            )
    return rates


@dataclass(frozen=True)
class ReadFigures:
    """One read measurement: throughput and latency."""

    requests: int
    failures: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def line(self) -> str:
        return (
            f"{self.per_second:,.0f} req/s, p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms "
            f"({self.requests} requests, {self.failures} not 200, {self.seconds:.1f} s)"
        )


def median_figures(runs: list[ReadFigures]) -> str:
    """Median requests/s, p50 and p99 over runs (each taken separately)."""
    return (
        f"median {statistics.median(r.per_second for r in runs):,.0f} req/s, "
        f"p50 {statistics.median(r.p50_ms for r in runs):.1f} ms, "
        f"p99 {statistics.median(r.p99_ms for r in runs):.1f} ms over {len(runs)} runs"
    )


async def hammer(url: str, token: str, path: str, params: dict[str, str], clients: int, seconds: float) -> ReadFigures:
    """``clients`` loops of GET for ``seconds``: requests/s and p50/p99 latency."""
    latencies: list[float] = []
    failures = 0
    headers = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
        started = time.perf_counter()
        deadline = started + seconds

        async def client() -> None:
            nonlocal failures
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                async with session.get(url + path, params=params, headers=headers) as response:
                    await response.read()
                    if response.status != 200:
                        failures += 1
                latencies.append(time.perf_counter() - sent)

        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return ReadFigures(len(latencies), failures, elapsed, cuts[49] * 1000, cuts[98] * 1000)


async def load_procured_needs(url: str, token: str, buyer: dict, count: int) -> float:
    """``count`` needs of ``buyer`` through ``POST /needs/import/ocds`` (planning releases, every other need
    also awarded to a firm), :data:`NEEDS_PER_PACKAGE` a package; the seconds it took."""
    headers = {"Authorization": f"Bearer {token}"}
    firm = {"orgnr": orgnr_from_serial(IMPORT_SERIAL_BASE), "name": "Anbudsgivaren AB"}
    party = {"id": f"SE-BLV-{buyer['orgnr'].replace('-', '')}", "name": buyer["name"]}
    started = time.perf_counter()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600)) as session:
        for first in range(0, count, NEEDS_PER_PACKAGE):
            releases = []
            for n in range(first, min(count, first + NEEDS_PER_PACKAGE)):
                planning = copy.deepcopy(EXAMPLE_RELEASE)
                ocid = f"ocds-bench-{n:06d}"
                planning.update(ocid=ocid, id=f"{ocid}-planning", buyer=party)
                planning["parties"][0].update(party, identifier={"scheme": "SE-BLV", "id": buyer["orgnr"]})
                planning["tender"]["title"] = f"Behov {n}"
                releases.append(planning)
                if n % 2 == 0:
                    need = {"ocid": ocid, "estimated_value_sek": 1_000_000 + n}
                    releases.append(award_release(need, buyer, firm, dt.date(2026, 6, 1)))
            document = {"uri": "https://example.org/bench.json", "version": "1.1", "releases": releases}
            async with session.post(url + "/needs/import/ocds", json=document, headers=headers) as response:
                if response.status != 200:
                    raise SystemExit(f"OCDS import failed ({response.status}): {(await response.text())[:500]}")
    return time.perf_counter() - started


async def measure_reads(
    url: str, token: str, name: str, path: str, params: dict[str, str], args: argparse.Namespace
) -> str:
    """``--runs`` measurements of one read (after a short warm-up), each printed; the median line returned."""
    await hammer(url, token, path, params, min(args.clients, 2), min(args.seconds, 0.5))  # warm caches, pools
    runs = []
    for run in range(args.runs):
        figures = await hammer(url, token, path, params, args.clients, args.seconds)
        print(f"{name} run {run + 1}: {figures.line()}", flush=True)
        runs.append(figures)
    return median_figures(runs)


async def bench(args: argparse.Namespace) -> None:
    settings = load_settings(CommonSettings)
    with tempfile.TemporaryDirectory(prefix="affarstraff-bench-") as scratch:
        if settings.database_url is not None:
            server = str(settings.database_url)
        else:
            server = await asyncio.to_thread(start_embedded_server, settings.embedded_pg_dir)
        name = f"bench_{uuid.uuid4().hex[:12]}"
        admin = await asyncpg.connect(server)
        await admin.execute(f'CREATE DATABASE "{name}"')
        token = generate_token()
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        env.update(
            DATABASE_URL=with_database(server, name),
            REGISTRY_PORT=str(port),
            ORGANISER_BOOTSTRAP_TOKEN=token,
            LOG_LEVEL="WARNING",
        )
        process = start_registry(env, Path(scratch) / "registry.log")
        try:
            await wait_ready(url, process)
            rates = await measure_import(url, token, args.smes, args.runs)
            summary = {
                "import": f"median {statistics.median(rates):,.0f} profiles/s "
                f"({args.smes / statistics.median(rates):.2f} s) over {len(rates)} runs"
            }

            event_smes = args.event_smes or min(args.smes, 300)
            started = time.perf_counter()
            loaded = await load_sample(url, token, generate_sample(seed=2027, smes=event_smes))
            print(
                f"sample event with {event_smes} SMEs loaded through the API in {time.perf_counter() - started:.1f} s"
            )
            snapshot = f"/events/{loaded.event_id}/snapshot"
            summary["snapshot"] = await measure_reads(url, token, "snapshot", snapshot, {}, args)
            summary["search"] = await measure_reads(url, token, "search", "/organisations", SEARCH, args)
            export_needs = args.export_needs if args.export_needs is not None else min(args.smes, 10_000)
            if export_needs:
                buyer = generate_sample(seed=2027, smes=event_smes).buyers[0]
                seconds = await load_procured_needs(url, token, buyer, export_needs)
                print(f"{export_needs} needs (half awarded) imported as OCDS in {seconds:.1f} s", flush=True)
                one_client = argparse.Namespace(**{**vars(args), "clients": 1})  # one export at a time
                summary["export"] = await measure_reads(url, token, "export", "/needs/export/ocds", {}, one_client)
            print(f"\n== registry benchmark ({args.clients} clients, {args.seconds:g} s per run, loopback) ==")
            print(f"bulk import of {args.smes} SMEs: {summary['import']}")
            print(f"GET /events/{{id}}/snapshot ({event_smes} SMEs): {summary['snapshot']}")
            query = "&".join(f"{k}={v}" for k, v in SEARCH.items())
            print(f"GET /organisations?{query}: {summary['search']}", flush=True)
            if "export" in summary:
                print(f"GET /needs/export/ocds ({export_needs} needs and the sample's, 1 client): {summary['export']}")
        finally:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smes", type=int, default=10_000, help="SME rows per import run")
    parser.add_argument("--event-smes", type=int, default=0, help="SMEs in the sample event (default min(smes, 300))")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients for the read measurements")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per read measurement")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (median reported)")
    parser.add_argument(
        "--export-needs", type=int, default=None, help="needs for the OCDS export (default min(smes, 10000); 0: none)"
    )
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
