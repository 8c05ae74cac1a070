"""The registry's one call to the matcher: what the matcher holds about an organisation, for its data export.

The export must be complete or not given at all: a matcher that cannot be reached, times out or answers
anything but 200 makes the export a 503 (:class:`MatcherUnavailable`), never a partial document. The call
carries the caller's own bearer token, so the matcher applies its own access rules (the organisation
itself, or an organiser) and the registry needs no credential of its own for it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Any
from uuid import UUID

import aiohttp
from aiohttp import web

from shared.errors import ProblemError

from .keys import MATCHER_SESSION_KEY
from .settings import RegistrySettings

log = logging.getLogger("services.registry.matcher_client")


class MatcherUnavailable(ProblemError):
    status = 503
    slug = "matcher-unavailable"

    def __init__(self) -> None:
        super().__init__(
            "Schemaläggningstjänsten svarar inte, så exporten skulle bli ofullständig; försök igen om en stund. / "
            "The scheduling service does not answer, so the export would be incomplete; try again shortly.",
            title="Exporten kan inte göras just nu / The export cannot be made right now",
            headers={"Retry-After": "30"},
        )


def matcher_session_context(settings: RegistrySettings) -> Callable[[web.Application], AsyncIterator[None]]:
    """A ``cleanup_ctx`` entry: the HTTP client session the registry calls the matcher with."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        timeout = aiohttp.ClientTimeout(total=settings.matcher_timeout)
        async with aiohttp.ClientSession(timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()) as session:
            app[MATCHER_SESSION_KEY] = session
            yield

    return context


async def matcher_export(request: web.Request, settings: RegistrySettings, organisation_id: UUID) -> dict[str, Any]:
    """The matcher's ``GET /privacy/organisations/{id}`` document, asked with the caller's token; else 503."""
    url = f"{str(settings.matcher_url).rstrip('/')}/privacy/organisations/{organisation_id}"
    headers = {"Authorization": request.headers.get("Authorization", "")}
    try:
        async with request.app[MATCHER_SESSION_KEY].get(url, headers=headers) as response:
            if response.status == 200 and response.content_type == "application/json":
                body = await response.json()
                if isinstance(body, dict):
                    return body
            log.warning("the matcher answered %s to the export of %s", response.status, organisation_id)
    except (TimeoutError, aiohttp.ClientError, ValueError) as error:
        log.warning("the matcher cannot be reached for an export: %s", type(error).__name__)
    raise MatcherUnavailable()
