"""Start-up time of the whole local stack: embedded PostgreSQL, migrations, both services ready.

    python -m benchmarks.startup --runs 5          # median of 5 warm starts (existing data directory)
    python -m benchmarks.startup --runs 5 --cold   # each run on a new, empty data directory (initdb)

Each run is ``python -m deploy.local --check`` in a fresh process: start, wait for every /readyz,
stop. Prints each wall time and the median.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def one_run(data_dir: Path) -> tuple[float, float]:
    """(seconds until every service was ready, seconds for the whole start-ready-stop cycle)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(EMBEDDED_PG_DIR=str(data_dir), REGISTRY_PORT=str(free_port()), MATCHER_PORT=str(free_port()))
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "deploy.local", "--check"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"the stack did not start:\n{result.stderr}")
    ready = re.search(r"the stack is up \((\d+\.\d+) s\)", result.stdout)
    return (float(ready.group(1)) if ready else float("nan")), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cold", action="store_true", help="a new data directory for every run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="affarstraff-bench-") as scratch:
        ready_times, cycle_times = [], []
        for run in range(args.runs):
            data_dir = Path(scratch) / (f"pg{run}" if args.cold else "pg")
            if not args.cold and run == 0:
                one_run(data_dir)  # initialise once so that warm runs measure a restart
            ready, cycle = one_run(data_dir)
            ready_times.append(ready)
            cycle_times.append(cycle)
            print(f"run {run + 1}: ready after {ready:.2f} s; start-ready-stop {cycle:.2f} s", flush=True)
    kind = "cold (initdb each time)" if args.cold else "warm (existing data)"
    print(
        f"stack start-up, {kind}: median ready after {statistics.median(ready_times):.2f} s, "
        f"start-ready-stop {statistics.median(cycle_times):.2f} s, over {len(ready_times)} runs"
    )


if __name__ == "__main__":
    main()
