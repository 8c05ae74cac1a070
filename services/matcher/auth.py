"""Token checks in the matcher: the registry owns tokens, so the matcher asks it (and remembers briefly)."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable

import aiohttp
from aiohttp import web

from shared.auth import Principal, hash_token
from shared.errors import ProblemError
from shared.outage import RETRY_AFTER_SECONDS, OutageLog

from .keys import HTTP_SESSION_KEY

log = logging.getLogger("services.matcher.auth")


class RegistryUnavailable(ProblemError):
    status = 503
    slug = "registry-unavailable"


class RegistryTokenVerifier:
    """Verifies tokens with the registry's ``POST /auth/introspect``, caching answers for ``ttl`` seconds.

    Caching keeps the registry off the hot path; a revoked token stops working within ``ttl``
    (``MATCHER_TOKEN_CACHE_SECONDS``, 30 by default), and so does a supporter's revoked or narrowed grant, which
    the registry's answer carries. Only token hashes are kept in memory, never tokens. ``monotonic`` is the
    cache's clock (tests move it instead of waiting).
    """

    def __init__(
        self,
        app: web.Application,
        base_url: str,
        service_token: str | None,
        *,
        ttl: float,
        max_entries: int = 10_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._app = app
        self._url = base_url.rstrip("/") + "/auth/introspect"
        self._service_token = service_token
        self._ttl = ttl
        self._max_entries = max_entries
        self._cache: OrderedDict[bytes, tuple[float, Principal | None]] = OrderedDict()
        self._outage = OutageLog("registry (token introspection)")
        self._monotonic = monotonic

    async def verify(self, token: str) -> Principal | None:
        key = hash_token(token)
        hit = self._cache.get(key)
        now = self._monotonic()
        if hit is not None and hit[0] > now:
            return hit[1]
        principal = await self._ask_registry(token)
        self._cache[key] = (now + self._ttl, principal)
        self._cache.move_to_end(key)
        while len(self._cache) > self._max_entries:
            self._cache.popitem(last=False)
        return principal

    async def _ask_registry(self, token: str) -> Principal | None:
        if self._service_token is None:
            log.error("MATCHER_SERVICE_TOKEN is not set, so no caller can be authenticated")
            raise RegistryUnavailable("The matcher is not configured to check tokens.")
        session = self._app[HTTP_SESSION_KEY]
        try:
            async with session.post(
                self._url, json={"token": token}, headers={"Authorization": f"Bearer {self._service_token}"}
            ) as response:
                if response.status == 503:
                    # The registry is there but cannot serve (its database is away): one log line per
                    # outage, and the caller is told when to try again, as the registry tells us.
                    self._outage.failed(RuntimeError(f"registry answered {response.status}"))
                    self._outage.answered()
                    retry = response.headers.get("Retry-After", str(RETRY_AFTER_SECONDS))
                    raise RegistryUnavailable(
                        "Cannot check your token right now: the registry is unavailable. Try again shortly.",
                        headers={"Retry-After": retry if retry.isdigit() else str(RETRY_AFTER_SECONDS)},
                    )
                if response.status != 200:
                    log.error("registry answered %s to token introspection", response.status)
                    raise RegistryUnavailable("Cannot check your token right now.")
                answer = await response.json()
        except (TimeoutError, aiohttp.ClientError) as error:
            self._outage.failed(error)  # logs when the registry goes away, and once when it is back
            self._outage.answered()
            raise RegistryUnavailable(
                "Cannot check your token right now: the registry is unreachable. Try again shortly.",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            ) from None
        self._outage.recovered()
        return Principal.model_validate(answer["principal"]) if answer.get("active") else None


def http_session_context(timeout: float):
    """A ``cleanup_ctx`` entry holding the client session used to talk to the registry."""

    async def context(app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
            app[HTTP_SESSION_KEY] = session
            yield

    return context
