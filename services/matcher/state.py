"""Process-wide resources of the matcher app that several resources share (typed app keys)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from shared.settings import secret_value

from .keys import HTTP_SESSION_KEY, REGISTRY_KEY
from .registry_client import RegistryClient
from .settings import MatcherSettings


def registry_client_context(settings: MatcherSettings):
    """A ``cleanup_ctx`` entry (after the HTTP session's): the client the matcher calls the registry with."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        app[REGISTRY_KEY] = RegistryClient(
            app[HTTP_SESSION_KEY], str(settings.registry_url), secret_value(settings.service_token)
        )
        yield

    return context
