"""Run a service process: logging, the HTTP server, graceful shutdown, clear start-up failures.

A service whose settings ask for several ``processes`` (``MATCHER_PROCESSES``) serves one port from
that many processes: each binds it with SO_REUSEPORT and the kernel spreads new connections over them.
The first process starts the others (spawned, so each builds its own app, pool and caches), and on
SIGTERM or Ctrl-C stops them the same graceful way once its own server has stopped.
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
from collections.abc import Callable
from typing import TypeVar

from aiohttp import web

from shared.db import DatabaseUnavailable
from shared.logs import configure_logging
from shared.migrations import MigrationError
from shared.settings import CommonSettings, ConfigurationError

log = logging.getLogger("shared.serve")
# The service's own settings class: what load returns, create_app and host_port take.
SettingsT = TypeVar("SettingsT", bound=CommonSettings)

# Seconds a sibling process gets beyond the shutdown timeout before it is killed.
SIBLING_GRACE = 5.0


def fail(message: str, code: int = 1) -> None:
    """Stop the process with one line on stderr (no traceback: the line says it all)."""
    print(message, file=sys.stderr, flush=True)
    raise SystemExit(code)


def serve(
    service: str,
    load: Callable[[], SettingsT],
    create_app: Callable[[SettingsT], web.Application],
    host_port: Callable[[SettingsT], tuple[str, int]],
    processes: Callable[[SettingsT], int] | None = None,
) -> None:
    """Load settings, build the app and serve it until SIGINT/SIGTERM.

    On SIGTERM the listening socket closes at once, in-flight requests get ``SHUTDOWN_TIMEOUT``
    seconds to finish, then the ``cleanup_ctx`` resources (the database pool) close. ``load`` and
    ``create_app`` must be module-level functions when the settings ask for several processes;
    ``processes`` reads how many from them (none: one, the services without such a setting).
    """
    try:
        settings = load()
    except ConfigurationError as error:
        fail(f"{service}: {error.message}", 2)
        return
    configure_logging(service, settings.log_level, settings.log_format)
    host, port = host_port(settings)
    count = processes(settings) if processes is not None else 1
    siblings = [_start_sibling(service, load, create_app, host, port, number) for number in range(2, count + 1)]
    try:
        _run(service, settings, create_app(settings), host, port, reuse_port=count > 1, number=1 if siblings else 0)
    finally:
        _stop_siblings(siblings, settings.shutdown_timeout + SIBLING_GRACE)


def _run(
    service: str,
    settings: CommonSettings,
    app: web.Application,
    host: str,
    port: int,
    *,
    reuse_port: bool,
    number: int,
) -> None:
    which = f" (process {number})" if number else ""
    try:
        web.run_app(
            app,
            host=host,
            port=port,
            reuse_port=reuse_port or None,
            shutdown_timeout=settings.shutdown_timeout,
            access_log=None,  # the request middleware writes one structured line per request
            print=lambda _: log.info("%s listening on http://%s:%s%s", service, host, port, which),
        )
    except (DatabaseUnavailable, MigrationError) as error:
        fail(f"{service}: {error}")
    except OSError as error:
        fail(f"{service}: cannot listen on {host}:{port}: {error.strerror or error}")


def _sibling(
    service: str,
    load: Callable[[], SettingsT],
    create_app: Callable[[SettingsT], web.Application],
    host: str,
    port: int,
    number: int,
) -> None:
    """A further process serving the same port (the target of :func:`_start_sibling`)."""
    settings = load()
    configure_logging(service, settings.log_level, settings.log_format)
    _run(service, settings, create_app(settings), host, port, reuse_port=True, number=number)


def _start_sibling(
    service: str,
    load: Callable[[], SettingsT],
    create_app: Callable[[SettingsT], web.Application],
    host: str,
    port: int,
    number: int,
) -> multiprocessing.process.BaseProcess:
    # Not a daemon: a matcher process starts solver processes of its own.
    process = multiprocessing.get_context("spawn").Process(
        target=_sibling, args=(service, load, create_app, host, port, number), name=f"{service}-{number}"
    )
    process.start()
    return process


def _stop_siblings(siblings: list[multiprocessing.process.BaseProcess], timeout: float) -> None:
    """SIGTERM each sibling (its in-flight requests finish), wait, and kill only what hangs."""
    for process in siblings:
        if process.pid is not None and process.is_alive():
            process.terminate()  # SIGTERM: aiohttp's graceful shutdown
    for process in siblings:
        process.join(timeout)
        if process.is_alive():
            process.kill()
            process.join()
