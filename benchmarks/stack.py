"""The services as processes on a scratch database, for benchmarks that measure them over loopback.

:func:`scratch_stack` makes a temporary database (on the embedded PostgreSQL, or on the server in
``DATABASE_URL``, which must allow ``CREATE DATABASE``), starts the named services with tokens made for
the run and request logs turned down (LOG_LEVEL=WARNING, so the figures measure the services, not the
terminal), waits until they are ready, and on leaving stops them and drops the database.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from benchmarks.registry import free_port
from deploy.local import Service, start, stop, wait_ready
from shared.auth import generate_token
from shared.embedded import start_embedded_server, with_database
from shared.settings import CommonSettings, load_settings


@dataclass
class ScratchService(Service):
    """A service whose log goes to the benchmark's temporary directory instead of var/logs."""

    log_dir: Path = field(default_factory=Path)

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.name}.log"


@dataclass
class Stack:
    services: dict[str, ScratchService]
    organiser_token: str
    service_token: str
    database_url: str = ""

    def url(self, name: str) -> str:
        return self.services[name].url


def _environment(stack: Stack, database_url: str) -> dict[str, str]:
    """Every service's settings for this run (those of services not started are simply unused)."""
    registry, matcher = stack.services["registry"], stack.services["matcher"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REGISTRY_", "MATCHER_", "WEB_", "DATABASE_"))}
    env.update(
        DATABASE_URL=database_url,
        LOG_LEVEL="WARNING",
        ORGANISER_BOOTSTRAP_TOKEN=stack.organiser_token,
        SERVICE_BOOTSTRAP_TOKEN=stack.service_token,
        MATCHER_SERVICE_TOKEN=stack.service_token,
        REGISTRY_URL=registry.url,
        REGISTRY_MATCHER_URL=matcher.url,  # a data export asks the matcher what it holds
        REGISTRY_PORT=str(registry.port),
        # The pages call the registry from this machine for every visitor (as deploy.local runs them).
        REGISTRY_TRUSTED_PROXIES="127.0.0.1",
        MATCHER_PORT=str(matcher.port),
        MATCHER_PUBLIC_URL=matcher.url,  # agenda links point back at this matcher
        MATCHER_WORKERS="1",
    )
    if "web" in stack.services:
        web = stack.services["web"]
        env.update(
            WEB_PORT=str(web.port),
            WEB_SECRET=generate_token(),
            WEB_SERVICE_TOKEN=stack.service_token,
            WEB_REGISTRY_URL=registry.url,
            WEB_MATCHER_URL=matcher.url,
            WEB_PUBLIC_URL=web.url,
            WEB_COOKIE_SECURE="false",  # the benchmark's client sends the session cookie over plain http
        )
    return env


@asynccontextmanager
async def scratch_stack(
    *names: str, extra_env: dict[str, str] | None = None, cpus: set[int] | None = None
) -> AsyncIterator[Stack]:
    """Start ``names`` (from registry, matcher, web; the registry and matcher always) and yield them ready.

    ``extra_env`` adds or overrides settings (e.g. ``MATCHER_PROCESSES``); ``cpus`` pins the services'
    processes (and the processes they start) to those CPUs, as ``taskset -c`` would.
    """
    settings = load_settings(CommonSettings)
    with tempfile.TemporaryDirectory(prefix="affarstraff-bench-") as scratch:
        if settings.database_url is not None:
            server = str(settings.database_url)
        else:
            server = await asyncio.to_thread(start_embedded_server, settings.embedded_pg_dir)
        database = f"bench_{uuid.uuid4().hex[:12]}"
        admin = await asyncpg.connect(server)
        await admin.execute(f'CREATE DATABASE "{database}"')
        wanted = dict.fromkeys(("registry", "matcher", *names))
        services = {
            name: ScratchService(name, f"services.{name}", free_port(), log_dir=Path(scratch)) for name in wanted
        }
        stack = Stack(services, generate_token(), generate_token())
        stack.database_url = with_database(server, database)
        env = {**_environment(stack, stack.database_url), **(extra_env or {})}
        try:
            for service in services.values():
                start(service, env)
                if cpus and service.process is not None:
                    os.sched_setaffinity(service.process.pid, cpus)
            started = time.perf_counter()
            await wait_ready(list(services.values()))
            print(f"{', '.join(services)} ready in {time.perf_counter() - started:.1f} s", flush=True)
            yield stack
        except RuntimeError as error:  # a service did not start: deploy.local says which and shows its log
            raise SystemExit(str(error)) from None
        finally:
            await asyncio.to_thread(stop, list(services.values()))
            await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            await admin.close()
