"""Wait until a service process answers ``GET /readyz`` with 200, or say why it never will.

One loop for everything that starts the services as processes: the local runner (``dev.py up``), the
benchmarks and the tests that run real processes on loopback ports. It waits on a condition (the
answer), not on a fixed time, and stops early when the process has exited, with the tail of its log.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp

POLL_SECONDS = 0.05


class NotReady(RuntimeError):
    """The service exited at start, or did not answer ready in time (the message says which, with its log)."""


def log_tail(path: Path, characters: int = 3000) -> Callable[[], str]:
    """A reader of the last ``characters`` of a log file, for :func:`wait_ready`'s messages."""
    return lambda: path.read_text(errors="replace")[-characters:] if path.exists() else ""


async def wait_ready(
    url: str,
    process: subprocess.Popen,
    *,
    name: str | None = None,
    timeout: float = 60,
    tail: Callable[[], str] = lambda: "",
) -> None:
    """Poll ``{url}/readyz`` until it answers 200 while ``process`` runs.

    Raises :class:`NotReady` at once when the process exits, or after ``timeout`` seconds; the message
    names the service (``name``, else the URL) and ends with ``tail()``, e.g. :func:`log_tail`.

    Examples
    --------
    >>> import sys
    >>> exited = subprocess.Popen([sys.executable, "-c", "pass"])
    >>> _ = exited.wait()
    >>> asyncio.run(wait_ready("http://127.0.0.1:9", exited, name="registry", tail=lambda: "bad setting"))
    Traceback (most recent call last):
    ...
    deploy.readiness.NotReady: registry exited at start (code 0):
    bad setting
    """
    label = name or url
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        while True:
            code = process.poll()
            if code is not None:
                raise NotReady(f"{label} exited at start (code {code}):\n{tail()}")
            try:
                async with session.get(url + "/readyz") as response:
                    if response.status == 200:
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass  # not listening yet
            if time.monotonic() > deadline:
                raise NotReady(f"{label} was not ready within {timeout:g} s:\n{tail()}")
            await asyncio.sleep(POLL_SECONDS)
