"""Run a service process: logging, the HTTP server, graceful shutdown, clear start-up failures."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from aiohttp import web

from shared.db import DatabaseUnavailable
from shared.logs import configure_logging
from shared.migrations import MigrationError
from shared.settings import CommonSettings, ConfigurationError

log = logging.getLogger("shared.serve")


def fail(message: str, code: int = 1) -> None:
    """Stop the process with one line on stderr (no traceback: the line says it all)."""
    print(message, file=sys.stderr, flush=True)
    raise SystemExit(code)


def serve(
    service: str,
    load: Callable[[], CommonSettings],
    create_app: Callable[[CommonSettings], web.Application],
    host_port: Callable[[CommonSettings], tuple[str, int]],
) -> None:
    """Load settings, build the app and serve it until SIGINT/SIGTERM.

    On SIGTERM the listening socket closes at once, in-flight requests get ``SHUTDOWN_TIMEOUT``
    seconds to finish, then the ``cleanup_ctx`` resources (the database pool) close.
    """
    try:
        settings = load()
    except ConfigurationError as error:
        fail(f"{service}: {error.message}", 2)
        return
    configure_logging(service, settings.log_level, settings.log_format)
    host, port = host_port(settings)
    try:
        web.run_app(
            create_app(settings),
            host=host,
            port=port,
            shutdown_timeout=settings.shutdown_timeout,
            access_log=None,  # the request middleware writes one structured line per request
            print=lambda _: log.info("%s listening on http://%s:%s", service, host, port),
        )
    except (DatabaseUnavailable, MigrationError) as error:
        fail(f"{service}: {error}")
    except OSError as error:
        fail(f"{service}: cannot listen on {host}:{port}: {error.strerror or error}")
