"""``/readyz`` of the web front end: ready when the services it shows can be reached."""

from __future__ import annotations

from aiohttp import web

from .backend import BackendError
from .render import backend


async def readyz(request: web.Request) -> web.Response:
    """200 when the registry and the matcher answer their liveness checks, else 503 naming the one that does not."""
    for service in ("registry", "matcher"):
        try:
            await backend(request).get(service, "/healthz", anonymous=True)
        except BackendError:
            return web.json_response({"status": "not ready", "unreachable": service}, status=503)
    return web.json_response({"status": "ready", "service": "web"})
