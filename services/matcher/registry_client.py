"""The matcher's calls to the registry: the event snapshot, the event itself, its publication, and needs.

Every call carries the service token and the session's timeout, and is tried a few times with a short
pause before giving up: a registry that is down delays a job (:class:`RegistryDown`, retried with
back-off by the job queue); an answer that will not change by asking again is :class:`RegistryRefused`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from uuid import UUID

import aiohttp

from shared.backoff import backoff_seconds
from shared.privacy import ChangeFeed
from shared.snapshot import EventSnapshot

log = logging.getLogger("services.matcher.registry_client")
# Between tries of one call: 0.5 s doubling (the calls make three tries, so 0.5 s and 1 s), at most this.
RETRY_CAP_SECONDS = 8.0

_HASH = re.compile(r'^"?([0-9a-f]{64})"?$')


class RegistryDown(Exception):
    """The registry could not be reached or answered 5xx; try again later."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RegistryRefused(Exception):
    """The registry answered with a client error (the event is gone, the token is not a service token …)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class Snapshot:
    """An event snapshot as the registry sent it, and its content hash (the registry's ETag).

    ``document`` is kept as sent (a version stores it so); :attr:`model` is its parsed contract.
    """

    document: dict[str, Any]
    content_hash: str

    @cached_property
    def model(self) -> EventSnapshot:
        """The document parsed into :class:`~shared.snapshot.EventSnapshot`, on first use and only once.

        On first use, not on arrival: callers that only look up a few ids in ``document`` pay nothing.
        """
        return EventSnapshot.model_validate(self.document)


@dataclass(frozen=True)
class Publication:
    """The registry's answer to a publication: the event's status, and whether its sign-ups changed."""

    status: str
    snapshot_unchanged: bool


class RegistryClient:
    """Calls to one registry with one service token."""

    def __init__(
        self, session: aiohttp.ClientSession, base_url: str, service_token: str | None, *, tries: int = 3
    ) -> None:
        self._session = session
        self._base = base_url.rstrip("/")
        self._token = service_token
        self._tries = tries

    async def _call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Mapping[str, str], Any]:
        if self._token is None:
            raise RegistryRefused(401, "MATCHER_SERVICE_TOKEN is not set: the matcher cannot call the registry")
        headers = {"Authorization": f"Bearer {self._token}", **kwargs.pop("headers", {})}
        last = ""
        for attempt in range(1, self._tries + 1):
            try:
                async with self._session.request(method, self._base + path, headers=headers, **kwargs) as response:
                    if response.status >= 500:
                        last = f"the registry answered {response.status}"
                    else:
                        body = await response.json() if response.content_type.endswith("json") else None
                        return response.status, response.headers.copy(), body
            except (TimeoutError, aiohttp.ClientError) as error:
                last = f"the registry is unreachable ({type(error).__name__})"
            # Per try at info: the caller reports the outcome (a background poll once per outage).
            log.info("%s %s: %s (try %d of %d)", method, path, last, attempt, self._tries)
            if attempt < self._tries:
                await asyncio.sleep(backoff_seconds(attempt, base=0.5, cap=RETRY_CAP_SECONDS))
        raise RegistryDown(f"Registret svarar inte just nu ({last}); schemaläggningen försöker igen.")

    @staticmethod
    def _refused(status: int, body: Any, what: str) -> RegistryRefused:
        detail = body.get("detail", "") if isinstance(body, dict) else ""
        return RegistryRefused(status, f"{what}: the registry answered {status} {detail}".strip())

    async def snapshot(self, event_id: UUID) -> Snapshot:
        """The event's snapshot (``GET /events/{id}/snapshot``)."""
        status, headers, body = await self._call("GET", f"/events/{event_id}/snapshot")
        if status != 200 or not isinstance(body, dict):
            raise self._refused(status, body, f"snapshot of event {event_id}")
        match = _HASH.match(headers.get("ETag", ""))
        if match is None:
            raise RegistryRefused(status, "the registry's snapshot has no content-hash ETag")
        return Snapshot(body, match.group(1))

    async def snapshot_unchanged(self, event_id: UUID, content_hash: str) -> bool:
        """Whether the event's sign-ups are still what ``content_hash`` was computed from (a 304 costs little)."""
        status, _, _ = await self._call(
            "GET", f"/events/{event_id}/snapshot", headers={"If-None-Match": f'"{content_hash}"'}
        )
        return status == 304

    async def event(self, event_id: UUID) -> dict[str, Any]:
        """The event as the registry shows it (venue, status …)."""
        status, _, body = await self._call("GET", f"/events/{event_id}")
        if status != 200 or not isinstance(body, dict):
            raise self._refused(status, body, f"event {event_id}")
        return body

    async def organisation_ids_by_orgnr(self, orgnr: str) -> list[UUID]:
        """The organisations registered with this organisationsnummer (``GET /organisations?orgnr=``)."""
        status, _, body = await self._call("GET", "/organisations", params={"orgnr": orgnr})
        if status != 200 or not isinstance(body, dict):
            raise self._refused(status, body, "organisations by org.nr")
        return [UUID(item["id"]) for item in body.get("items", [])]

    async def record_publication(self, event_id: UUID, snapshot_hash: str) -> Publication:
        """Tell the registry a version computed from ``snapshot_hash`` is published (one call).

        The registry answers whether the sign-ups are still what that hash was computed from, and moves
        the event to ``published`` by the matcher's own moves (through ``scheduled``); an event already
        published stays, one still open for sign-up is left as it is.
        """
        status, _, body = await self._call(
            "POST", f"/events/{event_id}/publication", json={"snapshot_hash": snapshot_hash}
        )
        if status != 200 or not isinstance(body, dict):
            raise self._refused(status, body, f"publication of event {event_id}")
        return Publication(status=str(body["status"]), snapshot_unchanged=bool(body["snapshot_unchanged"]))

    async def changes(self, after: int, *, limit: int = 100) -> ChangeFeed:
        """The registry's change feed after the cursor ``after`` (``GET /changes``), oldest first."""
        status, _, body = await self._call("GET", "/changes", params={"after": str(after), "limit": str(limit)})
        if status != 200 or not isinstance(body, dict):
            raise self._refused(status, body, "the change feed")
        try:
            return ChangeFeed.model_validate(body)
        except ValueError as error:
            raise RegistryRefused(status, f"the change feed is malformed: {error}") from None

    async def need(self, need_id: UUID) -> dict[str, Any]:
        """A need as the registry shows it (``GET /needs/{id}``: title, buyer, procurement)."""
        status, _, body = await self._call("GET", f"/needs/{need_id}")
        if status != 200 or not isinstance(body, dict):
            raise self._refused(status, body, f"need {need_id}")
        return body

    async def account(self, account_id: UUID) -> dict[str, Any] | None:
        """A web account (``GET /auth/accounts/{id}``: role, name, disabled_at), None when there is none."""
        status, _, body = await self._call("GET", f"/auth/accounts/{account_id}")
        if status == 404:
            return None
        if status != 200 or not isinstance(body, dict):
            raise self._refused(status, body, f"account {account_id}")
        return body

    async def need_followers(self, need_id: UUID) -> list[dict[str, Any]]:
        """The firms following a need or its CPV division, each with its first contact (``GET …/followers``)."""
        status, _, body = await self._call("GET", f"/needs/{need_id}/followers")
        if status != 200 or not isinstance(body, dict):
            raise self._refused(status, body, f"followers of need {need_id}")
        return list(body.get("items") or [])

    async def segment_firms(self, criteria: Mapping[str, str]) -> tuple[list[dict[str, Any]], int | None]:
        """Every firm of a segment, all pages (``GET /segments/firms``), and how many of it are signed up."""
        items: list[dict[str, Any]] = []
        params, signed_up = {**criteria, "limit": "200"}, None
        while True:
            status, _, body = await self._call("GET", "/segments/firms", params=params)
            if status != 200 or not isinstance(body, dict):
                raise self._refused(status, body, "the segment of firms")
            items += body.get("items") or []
            signed_up = body.get("signed_up") if "cursor" not in params else signed_up  # counted on the first page
            if not body.get("next_cursor"):
                return items, signed_up
            params["cursor"] = body["next_cursor"]

    async def open_needs(self, buyer_id: UUID, *, limit: int = 200) -> list[dict[str, Any]]:
        """A buyer's planned and published needs, the first ``limit`` of them (``GET /needs?buyer_id=``)."""
        params = [("buyer_id", str(buyer_id)), ("status", "planned"), ("status", "published"), ("limit", str(limit))]
        status, _, body = await self._call("GET", "/needs", params=params)
        if status != 200 or not isinstance(body, dict):
            raise self._refused(status, body, f"needs of buyer {buyer_id}")
        return list(body.get("items") or [])

    async def organisation(self, organisation_id: UUID) -> dict[str, Any] | None:
        """An organisation as the registry shows it (``GET /organisations/{id}``); None when it has none."""
        status, _, body = await self._call("GET", f"/organisations/{organisation_id}")
        if status == 404:
            return None
        if status != 200 or not isinstance(body, dict):
            raise self._refused(status, body, f"organisation {organisation_id}")
        return body
