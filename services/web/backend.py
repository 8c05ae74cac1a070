"""Calls to the registry and the matcher with the signed-in person's token.

Pages never touch a database: they call the same HTTP APIs any client would. A failed call becomes
:class:`BackendError` carrying the service's problem document, which pages turn into messages next
to form fields (:mod:`services.web.forms`) or an error page (:mod:`services.web.render`).
"""

from __future__ import annotations

import json as json_codec
from collections.abc import AsyncIterator, Mapping
from typing import Any, Literal

import aiohttp
from aiohttp import web

from shared.proxies import PROXY_TOKEN_HEADER
from shared.settings import secret_value

from .keys import HTTP_SESSION_KEY
from .settings import WebSettings

Service = Literal["registry", "matcher"]


class BackendError(Exception):
    """A service answered with an error (``status`` ≥ 400) or could not be reached (``status`` 503)."""

    def __init__(self, status: int, problem: Mapping[str, Any] | None = None, retry_after: str | None = None) -> None:
        self.status = status
        self.problem: Mapping[str, Any] = problem or {}
        self.retry_after = retry_after  # the service's Retry-After (a 503 or 429), passed on to the browser
        super().__init__(f"{status}: {self.problem.get('detail') or self.problem.get('title') or ''}")

    @property
    def field_errors(self) -> list[Mapping[str, Any]]:
        return list(self.problem.get("errors") or [])


def http_session_context(settings: WebSettings):
    async def context(app: web.Application) -> AsyncIterator[None]:
        timeout = aiohttp.ClientTimeout(total=settings.backend_timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            app[HTTP_SESSION_KEY] = session
            yield

    return context


class Backend:
    """One request's view of the services, acting as ``token`` (or anonymously when None)."""

    def __init__(
        self,
        app: web.Application,
        settings: WebSettings,
        token: str | None,
        request_id: str | None,
        client_address: str | None = None,
    ) -> None:
        self._session = app[HTTP_SESSION_KEY]
        self._bases = {
            "registry": str(settings.registry_url).rstrip("/"),
            "matcher": str(settings.matcher_url).rstrip("/"),
        }
        self._settings = settings
        self.token = token
        self._request_id = request_id
        self._client_address = client_address

    def _headers(self, service: Service, token: str | None, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if self._request_id:
            headers["X-Request-ID"] = self._request_id
        if self._client_address and service == "registry":
            # The registry rate-limits anonymous sign-ups and logins per person, not per front end. It
            # believes this header only from a proven proxy: our service token says we are the front end
            # (an address could not: any local process can use any loopback address; see shared/proxies.py),
            # or else our address in REGISTRY_TRUSTED_PROXIES.
            headers["X-Forwarded-For"] = self._client_address
            proof = secret_value(self._settings.service_token)
            if proof:
                headers[PROXY_TOKEN_HEADER] = proof
        headers.update(extra or {})
        return headers

    async def call(
        self,
        method: str,
        service: Service,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        as_service: bool = False,
        anonymous: bool = False,
    ) -> Any:
        """Call ``service`` and return the decoded JSON body (None for 204); raise BackendError otherwise."""
        token = secret_value(self._settings.service_token) if as_service else (None if anonymous else self.token)
        url = self._bases[service] + path
        query = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        try:
            async with self._session.request(
                method, url, json=json, params=query, headers=self._headers(service, token, headers)
            ) as response:
                if response.status == 204:
                    return None
                body = await response.json(content_type=None) if response.content_length != 0 else None
                if response.status >= 400:
                    problem = body if isinstance(body, dict) else None
                    raise BackendError(response.status, problem, response.headers.get("Retry-After"))
                return body
        except (TimeoutError, aiohttp.ClientError, ValueError) as error:
            if isinstance(error, aiohttp.ClientResponseError):
                raise BackendError(error.status) from None
            raise BackendError(503, {"title": "Service Unavailable", "detail": type(error).__name__}) from None

    async def get(self, service: Service, path: str, **kwargs: Any) -> Any:
        return await self.call("GET", service, path, **kwargs)

    async def post(self, service: Service, path: str, body: Any = None, **kwargs: Any) -> Any:
        return await self.call("POST", service, path, json=body, **kwargs)

    async def patch(self, service: Service, path: str, body: Any = None, **kwargs: Any) -> Any:
        return await self.call("PATCH", service, path, json=body, **kwargs)

    async def put(self, service: Service, path: str, body: Any = None, **kwargs: Any) -> Any:
        return await self.call("PUT", service, path, json=body, **kwargs)

    async def delete(self, service: Service, path: str, **kwargs: Any) -> Any:
        return await self.call("DELETE", service, path, **kwargs)

    async def relevance(self, event_id: str, **party: str) -> dict[str, dict[str, Any]]:
        """The matcher's relevance list (``sme_id=`` or ``buyer_id=``) by counterpart key, best first.

        Keys are need ids for a firm's list and firm ids for a buyer's. The sign-up pages only order by
        it: a matcher that cannot answer leaves the list in its plain order, the form works as before.
        """
        try:
            body = await self.get("matcher", f"/events/{event_id}/relevance", params=party)
        except BackendError:
            return {}
        key = "need_id" if "sme_id" in party else "organisation_id"
        return {str(item[key]): item for item in body.get("items") or [] if item.get(key)}

    async def download(self, service: Service, path: str, params: Mapping[str, Any] | None = None) -> web.Response:
        """A file from a service (an agenda's .ics or PDF, a CSV) passed on to the browser as it came."""
        url = self._bases[service] + path
        try:
            async with self._session.get(
                url, params=params or {}, headers=self._headers(service, self.token, None)
            ) as response:
                body = await response.read()
                if response.status >= 400:
                    problem = None
                    if "json" in response.content_type:
                        try:
                            problem = json_codec.loads(body)
                        except ValueError:
                            problem = None
                    raise BackendError(response.status, problem, response.headers.get("Retry-After"))
                headers = {
                    name: response.headers[name]
                    for name in ("Content-Type", "Content-Disposition")
                    if name in response.headers
                }
                headers["Cache-Control"] = "private, no-store"
                return web.Response(body=body, status=200, headers=headers)
        except (TimeoutError, aiohttp.ClientError) as error:
            raise BackendError(503, {"title": "Service Unavailable", "detail": type(error).__name__}) from None
