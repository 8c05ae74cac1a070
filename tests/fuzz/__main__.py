"""Fuzz both services' APIs with schemathesis and fail on any 5xx or any answer the OpenAPI document does not allow.

    .venv/bin/python -m tests.fuzz                      # CI: deterministic, a few examples per operation
    .venv/bin/python -m tests.fuzz --examples 100 --seed 7 --max-time 900   # the longer run

The registry and the matcher run as processes from their real app factories on loopback ports, on a
scratch database (``DATABASE_URL``'s server when set, else the embedded PostgreSQL), as the benchmarks
start them (:mod:`benchmarks.stack`). Each service is fuzzed three times: signed in as an organiser (every
route opens to that role), anonymous (every route must turn the caller away the documented way), and as
an organiser again with the path parameters fixed to a published sample event, its SMEs, buyers, version
and an agenda link (:mod:`tests.fuzz.sample`), so requests reach the code behind "no such event".
schemathesis reads ``/openapi.json``, generates valid and invalid requests for every operation (its
examples, coverage and fuzzing phases) and checks each answer: no 5xx, a documented status code, the
documented content type and headers, a body matching the schema. The figures per run — requests, 5xx,
conformance failures — are printed at the end; the exit code is 1 when any run found a failure.

The organiser run leaves out ``POST /auth/logout``: it would end the very token the run uses (the
anonymous run covers it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.stack import Stack, scratch_stack
from tests.fuzz.sample import published_sample, write_config

# The checks that make a run fail: the server's own errors, and answers the document does not describe.
CONFORMANCE_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
SERVICES = ("registry", "matcher")
# Operations (by operationId) that end the caller's own session: left out of the signed-in runs.
ENDS_THE_SESSION = {"registry": ["post_auth_logout"]}


@dataclass
class RunFigures:
    service: str
    caller: str
    seconds: float = 0.0
    operations: int = 0
    requests: int = 0
    server_errors: int = 0
    # Operations that answered 2xx at least once: how far past validation and "not found" requests got.
    reached: set[str] = field(default_factory=set)
    failed_checks: dict[str, int] = field(default_factory=dict)
    unique_failures: list[str] = field(default_factory=list)
    exit_code: int = 0
    output: str = ""

    @property
    def conformance_failures(self) -> int:
        return sum(n for name, n in self.failed_checks.items() if name != "not_a_server_error")

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and self.server_errors == 0 and not self.failed_checks


def parse_ndjson(path: Path, figures: RunFigures) -> None:
    """Count requests, 5xx answers and failed checks from schemathesis' event stream."""
    for line in path.read_text().splitlines():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if finished is None:
            continue
        recorder = finished.get("recorder", {})
        for interaction in recorder.get("interactions", {}).values():
            response = interaction.get("response")
            figures.requests += 1
            status = response.get("status_code", 0) if response is not None else 0
            if status >= 500:
                figures.server_errors += 1
            elif 200 <= status < 300:
                figures.reached.add(recorder.get("label", ""))
        for checks in recorder.get("checks", {}).values():
            for check in checks:
                if check.get("status") == "failure":
                    figures.failed_checks[check["name"]] = figures.failed_checks.get(check["name"], 0) + 1


def schemathesis_command(
    stack: Stack, service: str, caller: str, args: argparse.Namespace, report_dir: Path, config: Path | None
) -> list[str]:
    command = [str(Path(sys.executable).with_name("st"))]
    if caller == "sample" and config is not None:
        command += ["--config-file", str(config)]
    command += [
        "run",
        stack.url(service) + "/openapi.json",
        "--checks",
        ",".join(CONFORMANCE_CHECKS) if args.checks == "conformance" else "all",
        "--max-examples",
        str(args.examples),
        "--phases",
        args.phases,
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--report",
        "json,ndjson",
        "--report-dir",
        str(report_dir),
        "--no-color",
        "--output-truncate",
        "true",
    ]
    if args.seed is not None:
        command += ["--seed", str(args.seed), "--generation-database", "none"]  # no .hypothesis/ left behind
    else:
        command += ["--generation-deterministic"]
    if args.max_time:
        command += ["--max-time", str(args.max_time)]
    if caller in ("organiser", "sample"):
        command += ["--header", f"Authorization: Bearer {stack.organiser_token}"]
        for operation_id in ENDS_THE_SESSION.get(service, []):
            command += ["--exclude-operation-id", operation_id]
    if caller == "sample":
        # The sample's parts stay for every operation to find (the other runs delete at random ids).
        command += ["--exclude-method", "DELETE"]
    return command


def run_one(
    stack: Stack, service: str, caller: str, args: argparse.Namespace, scratch: Path, config: Path | None
) -> RunFigures:
    figures = RunFigures(service, caller)
    report_dir = scratch / f"{service}-{caller}"
    started = time.perf_counter()
    command = schemathesis_command(stack, service, caller, args, report_dir, config)
    # In the scratch directory: schemathesis keeps its crash cache (.schemathesis/) where it runs.
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=scratch)
    figures.seconds = time.perf_counter() - started
    figures.exit_code = done.returncode
    figures.output = done.stdout + done.stderr
    for path in report_dir.glob("ndjson-*.ndjson"):
        parse_ndjson(path, figures)
    for path in report_dir.glob("json-*.json"):
        report = json.loads(path.read_text())
        figures.operations = report.get("operations", {}).get("tested", 0)
        figures.unique_failures = [
            f"{item['code']} {item['title']} ×{item['count']}: {', '.join(item['operations'])}"
            for item in report.get("failures", [])
        ]
    return figures


def failure_details(output: str) -> str:
    """The FAILURES section of schemathesis' output (what failed and how to reproduce it)."""
    start = output.find("FAILURES")
    end = output.find("WARNINGS", start) if start >= 0 else -1
    if start < 0:
        return output[-4000:]
    return output[start : end if end > 0 else None]


def service_errors(stack: Stack, service: str) -> list[str]:
    """ERROR lines (with tracebacks) from a service's log, to find the cause of a 5xx."""
    path = stack.services[service].log_path
    lines = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("level") == "ERROR":
            lines.append(f"{record.get('message')}\n{record.get('exc_info', '')}")
    return lines


def is_malformed_http(entry: str) -> bool:
    """aiohttp's own log of a request it could not parse (answered 400 before any handler ran)."""
    return "aiohttp.http_exceptions.BadHttpMessage" in entry


def print_table(runs: list[RunFigures]) -> None:
    print(
        f"{'service':<9} {'caller':<10} {'ops':>4} {'ops 2xx':>8} {'requests':>9} {'5xx':>5} {'conformance':>12} "
        f"{'seconds':>8}"
    )
    for run in runs:
        print(
            f"{run.service:<9} {run.caller:<10} {run.operations:>4} {len(run.reached):>8} {run.requests:>9} "
            f"{run.server_errors:>5} {run.conformance_failures:>12} {run.seconds:>8.1f}"
        )
    print(
        f"{'all':<20} {sum(r.operations for r in runs):>4} {sum(len(r.reached) for r in runs):>8} "
        f"{sum(r.requests for r in runs):>9} {sum(r.server_errors for r in runs):>5} "
        f"{sum(r.conformance_failures for r in runs):>12} {sum(r.seconds for r in runs):>8.1f}"
    )


async def fuzz(args: argparse.Namespace) -> int:
    runs: list[RunFigures] = []
    async with scratch_stack() as stack:
        with tempfile.TemporaryDirectory(prefix="affarstraff-fuzz-") as scratch:
            config = None
            callers = ["organiser", "anonymous"]
            if args.sample:
                config = write_config(Path(scratch) / "schemathesis.toml", await published_sample(stack))
                callers.append("sample")
            for service in args.services.split(","):
                for caller in callers:
                    figures = await asyncio.to_thread(run_one, stack, service, caller, args, Path(scratch), config)
                    runs.append(figures)
                    verdict = "ok" if figures.ok else "FAILED"
                    print(
                        f"{service} as {caller}: {figures.requests} requests, {figures.server_errors} × 5xx, "
                        f"{figures.conformance_failures} conformance failures in {figures.seconds:.1f} s: {verdict}",
                        flush=True,
                    )
                    if not figures.ok:
                        for line in figures.unique_failures:
                            print("  " + line)
                        print(failure_details(figures.output))
            for service in args.services.split(","):
                errors = service_errors(stack, service)
                malformed = sum(map(is_malformed_http, errors))
                if malformed:
                    print(f"{service}: aiohttp logged {malformed} request(s) it could not parse as HTTP (answered 400)")
                for entry in errors:
                    if not is_malformed_http(entry):
                        print(f"{service} logged: {entry}")
    print_table(runs)
    failed = [run for run in runs if not run.ok]
    print(f"fuzz: {len(runs) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=5, help="most test cases per operation and phase (5)")
    parser.add_argument(
        "--seed", type=int, default=None, help="random seed (default: schemathesis' deterministic mode, for CI)"
    )
    parser.add_argument("--phases", default="examples,coverage,fuzzing", help="schemathesis phases to run")
    parser.add_argument("--max-time", type=int, default=0, help="seconds per run: repeat fuzzing until spent")
    parser.add_argument(
        "--checks", choices=("conformance", "all"), default="conformance", help="which schemathesis checks"
    )
    parser.add_argument("--services", default=",".join(SERVICES), help="registry,matcher")
    parser.add_argument(
        "--no-sample",
        dest="sample",
        action="store_false",
        help="skip the third run per service, as organiser on a published sample event",
    )
    args = parser.parse_args(argv)
    return asyncio.run(fuzz(args))


if __name__ == "__main__":
    sys.exit(main())
