"""Run the whole stack on this machine: PostgreSQL (embedded unless DATABASE_URL is set), migrations,
the registry and the matcher on localhost. Prints where to look; Ctrl-C stops everything cleanly.

    python -m deploy.local            # run until Ctrl-C
    python -m deploy.local --check    # start, verify, print, stop (used by tests and CI)
    MATCHER_PROCESSES=2 python -m deploy.local   # the matcher as two processes on its one port
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from secrets import token_urlsafe

import aiohttp
import asyncpg

from deploy import readiness
from deploy.first_run import SampleEvent, first_run, pages_summary, registry_facts
from deploy.load_sample import LoadError, load_sample
from deploy.open_event import generate_open_event, load_open_event
from deploy.past_event import STOCKHOLM, load_past_event
from deploy.sample_accounts import ensure_accounts
from deploy.sample_data import generate_sample
from deploy.schedule_sample import schedule_sample
from services.matcher.reminders import tick
from services.matcher.settings import MatcherSettings
from services.registry.settings import RegistrySettings
from services.web.settings import WebSettings
from shared.auth import generate_token
from shared.clock import ManualClock, clock_for, write_clock_file
from shared.db import DatabaseUnavailable, init_connection, resolve_database_url
from shared.settings import PROJECT_ROOT, CommonSettings, ConfigurationError, load_settings

VAR = PROJECT_ROOT / "var"
READY_TIMEOUT = 60.0
# Addresses whose X-Forwarded-For the local registry believes: none (see run()).
REGISTRY_TRUSTED_PROXIES = ""
# The services' clock while the sample's past event is played (deploy/past_event.py); absent: the real time.
SAMPLE_CLOCK = VAR / "sample-clock"


@dataclass
class Service:
    name: str
    module: str
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return VAR / "logs" / f"{self.name}.log"


def local_secrets() -> dict[str, str]:
    """Tokens for this machine's stack, made once and kept (readable by the owner only) in var/."""
    path = VAR / "local-secrets.json"
    secrets = json.loads(path.read_text()) if path.exists() else {}
    wanted = {
        "organiser_token": generate_token,
        "service_token": generate_token,
        # Added with the web pages: a stack made before them gains these on its next start.
        "web_secret": lambda: token_urlsafe(32),
        "organiser_password": lambda: token_urlsafe(12),
        "buyer_password": lambda: token_urlsafe(12),
    }
    missing = {name: make() for name, make in wanted.items() if name not in secrets}
    if missing:
        secrets.update(missing)
        VAR.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            json.dump(secrets, file)
        os.replace(partial, path)  # never half a file, even if the process dies here
    return secrets


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def start(service: Service, env: dict[str, str]) -> None:
    service.log_path.parent.mkdir(parents=True, exist_ok=True)
    log = service.log_path.open("ab")
    service.process = subprocess.Popen(
        [sys.executable, "-m", service.module],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=PROJECT_ROOT,
        # Own process group: Ctrl-C in the terminal reaches only the runner, which then stops the
        # services in order with SIGTERM (a double signal would cut their graceful shutdown short).
        start_new_session=True,
    )
    log.close()


async def wait_ready(services: list[Service]) -> None:
    """Wait until every service answers ready, all within ``READY_TIMEOUT`` (:mod:`deploy.readiness`)."""
    deadline = time.monotonic() + READY_TIMEOUT
    for service in services:
        assert service.process is not None
        path = service.log_path

        def last_lines(path: Path = path) -> str:
            lines = path.read_text(errors="replace").strip().splitlines()[-5:] if path.exists() else []
            return "  " + "\n  ".join(lines) + f"\n  (whole log: {path})"

        remaining = max(deadline - time.monotonic(), 0.1)
        await readiness.wait_ready(service.url, service.process, name=service.name, timeout=remaining, tail=last_lines)


def stop(services: list[Service], timeout: float = 30.0) -> None:
    """SIGTERM each service (in-flight requests finish), then wait; kill only what hangs."""
    for service in services:
        if service.process is not None and service.process.poll() is None:
            service.process.send_signal(signal.SIGTERM)
    for service in services:
        if service.process is None:
            continue
        try:
            service.process.wait(timeout)
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait()


def travel_to(moment: datetime | None) -> None:
    """Move every service's clock (their ``CLOCK_FILE``) to ``moment``; None: back to the real time."""
    if moment is None:
        SAMPLE_CLOCK.unlink(missing_ok=True)
    else:
        SAMPLE_CLOCK.parent.mkdir(parents=True, exist_ok=True)
        write_clock_file(SAMPLE_CLOCK, moment)


def scheduler_round(database_url: str) -> Callable[[datetime], Awaitable[None]]:
    """One round of the matcher's reminder scheduler at a moment, on the stack's database."""

    async def round_at(moment: datetime) -> None:
        pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2, init=init_connection)
        try:
            await tick(pool, ManualClock(moment))
        finally:
            await pool.close()

    return round_at


def summary(services: dict[str, Service], secrets: dict[str, str], database: str, seconds: float) -> str:
    registry, matcher = services["registry"], services["matcher"]
    return "\n".join(
        [
            "",
            f"Affärsträff är igång / the stack is up ({seconds:.1f} s)",
            f"  Registry: {registry.url}   API-dokumentation: {registry.url}/docs",
            f"  Matcher:  {matcher.url}   API-dokumentation: {matcher.url}/docs",
            f"  Webbsidor / web pages: {services['web'].url}",
            f"  Databas / database: {database}",
            f"  Loggar / logs: {registry.log_path.parent}",
            f"  Arrangörstoken / organiser token: {secrets['organiser_token']}",
            f"  Prova / try: curl -H 'Authorization: Bearer {secrets['organiser_token']}' "
            f"'{registry.url}/needs?cpv=909&limit=5'",
            "",
        ]
    )


async def run(check_only: bool, with_sample: bool = True) -> int:
    started = time.perf_counter()
    try:
        settings = load_settings(CommonSettings)
        registry_port = load_settings(RegistrySettings).port
        matcher_port = load_settings(MatcherSettings).port
        web_port = (
            WebSettings.model_fields["port"].default if "WEB_PORT" not in os.environ else int(os.environ["WEB_PORT"])
        )
    except ConfigurationError as error:
        print(error.message, file=sys.stderr)
        return 2
    services = {
        "registry": Service("registry", "services.registry", registry_port),
        "matcher": Service("matcher", "services.matcher", matcher_port),
        "web": Service("web", "services.web", web_port),
    }
    for service in services.values():
        if not port_is_free(service.port):
            print(
                f"Port {service.port} ({service.name}) is taken; stop what uses it or set {service.name.upper()}_PORT.",
                file=sys.stderr,
            )
            return 1
    try:
        # This process holds the embedded server while it runs and stops it at exit.
        database_url = await resolve_database_url(settings)
    except DatabaseUnavailable as error:
        print(error, file=sys.stderr)
        return 1
    secrets = local_secrets()
    # The sample's past event moves the services' clock; a rehearsal's own CLOCK_FILE is left alone.
    own_clock = "CLOCK_FILE" not in os.environ
    if own_clock:
        travel_to(None)  # a run stopped while playing the past event must not leave the stack in the past
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ORGANISER_BOOTSTRAP_TOKEN": secrets["organiser_token"],
        "SERVICE_BOOTSTRAP_TOKEN": secrets["service_token"],
        "MATCHER_SERVICE_TOKEN": secrets["service_token"],
        "REGISTRY_URL": services["registry"].url,
        "REGISTRY_PORT": str(registry_port),
        "MATCHER_PORT": str(matcher_port),
        "MATCHER_PUBLIC_URL": os.environ.get("MATCHER_PUBLIC_URL", services["matcher"].url),
        "MATCHER_WEB_URL": os.environ.get("MATCHER_WEB_URL", services["web"].url),
        # The web pages call the registry for every visitor and forward the visitor's address (per-person
        # sign-up and login limits). The registry trusts no address for that, not even 127.0.0.1 (any
        # local program could claim to forward someone): the front end proves itself with its service
        # token (X-Proxy-Token, shared/proxies.py). Binding it to a loopback address of its own, e.g.
        # 127.0.0.2, would not do: every local process may use all of 127/8 on Linux, and macOS has
        # only 127.0.0.1.
        "REGISTRY_TRUSTED_PROXIES": os.environ.get("REGISTRY_TRUSTED_PROXIES", REGISTRY_TRUSTED_PROXIES),
        # Data exports ask the matcher what it holds about the organisation.
        "REGISTRY_MATCHER_URL": services["matcher"].url,
        "WEB_PORT": str(web_port),
        "WEB_SECRET": secrets["web_secret"],
        "WEB_SERVICE_TOKEN": secrets["service_token"],
        "WEB_REGISTRY_URL": services["registry"].url,
        "WEB_MATCHER_URL": services["matcher"].url,
        "WEB_PUBLIC_URL": os.environ.get("WEB_PUBLIC_URL", services["web"].url),
        # No mail server on a developer's machine: sign-in links are shown on the page instead.
        "WEB_DEV_SHOW_SIGN_IN_LINKS": os.environ.get("WEB_DEV_SHOW_SIGN_IN_LINKS", "true"),
        "CLOCK_FILE": os.environ.get("CLOCK_FILE", str(SAMPLE_CLOCK)),
    }
    running = list(services.values())
    try:
        for service in running:
            start(service, env)
        await wait_ready(running)
        print(summary(services, secrets, settings.describe_database(), time.perf_counter() - started), flush=True)
        if with_sample:
            try:
                sample = generate_sample()
                registry_url, token = services["registry"].url, secrets["organiser_token"]
                loaded = await load_sample(registry_url, token, sample)
                print(f"  {loaded.describe()}", flush=True)
                scheduled = await schedule_sample(registry_url, services["matcher"].url, token, loaded.event_id)
                print("  " + "\n  ".join(scheduled.describe()), flush=True)
                # The open event's day lies ahead of the services' clock (a rehearsal's own, or the real time).
                today = clock_for(Path(env["CLOCK_FILE"])).now().astimezone(STOCKHOLM).date()
                opened = await load_open_event(registry_url, token, sample=sample, today=today)
                print(f"  {opened.describe()}", flush=True)
                if own_clock:
                    past = await load_past_event(
                        registry_url, services["matcher"].url, token,
                        sample=sample, travel=travel_to, tick=scheduler_round(database_url),
                    )  # fmt: skip
                    print(f"  {past.describe()}", flush=True)
                else:
                    print("  Tidigare träff hoppas över (CLOCK_FILE satt) / past event skipped (CLOCK_FILE set)")
                accounts = await ensure_accounts(
                    registry_url, token, secrets["organiser_password"], secrets["buyer_password"]
                )
                met, signed_up = await registry_facts(registry_url, token, scheduled.met_sme_ids, opened.event_id)
                stored = SampleEvent(opened.event_id, opened.name, opened.status)
                run = first_run(
                    sample, SampleEvent(loaded.event_id, loaded.event_name), accounts, met,
                    open_event=(stored, generate_open_event(sample, today), signed_up),
                )  # fmt: skip
                print(pages_summary(services["web"].url, run), flush=True)
            except (LoadError, aiohttp.ClientError) as error:
                print(f"Exempeldata kunde inte laddas / could not load the sample: {error}", file=sys.stderr)
                if check_only:
                    return 1
        if check_only:
            return 0
        print("Tryck Ctrl-C för att stoppa / press Ctrl-C to stop.", flush=True)
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stopped.set)
        while not stopped.is_set():
            for service in running:
                assert service.process is not None
                if service.process.poll() is not None:
                    print(f"{service.name} stopped unexpectedly; see {service.log_path}", file=sys.stderr)
                    return 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopped.wait(), timeout=1.0)
        return 0
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        print("Stoppar / stopping …", flush=True)
        await asyncio.to_thread(stop, running, settings.shutdown_timeout + 5)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.local", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="start, verify readiness, print, then stop")
    parser.add_argument("--no-sample", action="store_true", help="do not load the sample event (deploy/sample_data.py)")
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args.check, with_sample=not args.no_sample)))


if __name__ == "__main__":
    main()
