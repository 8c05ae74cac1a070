"""Load the sample data (:mod:`deploy.sample_data`) into a running registry through its HTTP API.

    python -m deploy.load_sample --registry http://127.0.0.1:8081 --token atr_…

Everything goes through the public API, as an organiser would do it by hand: organisations, needs, the
event (created, then opened), registrations and pair rules. Loading is idempotent: when an event with
the sample's name exists nothing is done; organisations and needs already there (by orgnr, by buyer and
reference) are reused, and every create carries an ``Idempotency-Key`` derived from what it creates, so
a load that was interrupted can simply be run again.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import aiohttp

from deploy.sample_data import SampleData, ascii_slug, generate_sample

PAGE_LIMIT = 200
PARALLEL_REQUESTS = 8


class LoadError(RuntimeError):
    """The registry refused part of the sample; the message names the request and the problem."""


@dataclass
class LoadSummary:
    event_id: str
    event_name: str
    already_loaded: bool = False
    organisations_created: int = 0
    needs_created: int = 0
    registrations: int = 0
    pair_rules: int = 0

    def describe(self) -> str:
        """One line for people (Swedish first)."""
        if self.already_loaded:
            return f"Exempeldata fanns redan / sample already loaded: {self.event_name} ({self.event_id})"
        return (
            f"Exempeldata / sample loaded: {self.event_name} ({self.event_id}), "
            f"{self.organisations_created} organisationer, {self.needs_created} behov, "
            f"{self.registrations} anmälningar, {self.pair_rules} parregler"
        )


class RegistryClient:
    """Thin JSON client of the registry for an organiser token."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str) -> None:
        self._session = session
        self._base = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}

    async def call(
        self, method: str, path: str, body: Any = None, *, key: str | None = None, params: Any = None
    ) -> tuple[int, Any]:
        headers = dict(self._headers)
        if key is not None:
            headers["Idempotency-Key"] = key
        async with self._session.request(
            method, self._base + path, json=body, params=params, headers=headers
        ) as response:
            data = await response.json(content_type=None) if response.status != 204 else None
            return response.status, data

    async def expect(
        self, method: str, path: str, body: Any = None, *, ok: Iterable[int] = (200, 201), **kw: Any
    ) -> Any:
        status, data = await self.call(method, path, body, **kw)
        if status not in tuple(ok):
            errors = "; ".join(
                f"{e.get('pointer') or e.get('parameter')}: {e.get('detail')}" for e in data.get("errors") or []
            )
            raise LoadError(f"{method} {path} → {status}: {data.get('detail') if data else ''} {errors}".strip())
        return data

    async def every(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """All items of a paged list."""
        items: list[dict[str, Any]] = []
        query = {**(params or {}), "limit": PAGE_LIMIT}
        while True:
            page = await self.expect("GET", path, params=query)
            items.extend(page["items"])
            if not page.get("next_cursor"):
                return items
            query["cursor"] = page["next_cursor"]


async def _bounded(tasks: Iterable[Callable[[], Awaitable[Any]]]) -> list[Any]:
    """Run the calls with at most :data:`PARALLEL_REQUESTS` in flight, results in order."""
    gate = asyncio.Semaphore(PARALLEL_REQUESTS)

    async def run(task: Callable[[], Awaitable[Any]]) -> Any:
        async with gate:
            return await task()

    return await asyncio.gather(*(run(task) for task in tasks))


async def _load_organisations(client: RegistryClient, bodies: list[dict[str, Any]]) -> tuple[dict[str, str], int]:
    ids = {org["orgnr"]: org["id"] for org in await client.every("/organisations") if org.get("orgnr")}
    missing = [body for body in bodies if body["orgnr"] not in ids]

    async def create(body: dict[str, Any]) -> None:
        created = await client.expect("POST", "/organisations", body, key=f"sample-organisation-{body['orgnr']}")
        ids[body["orgnr"]] = created["id"]

    await _bounded([lambda body=body: create(body) for body in missing])
    return ids, len(missing)


async def _load_needs(
    client: RegistryClient, needs: list[dict[str, Any]], org_ids: dict[str, str]
) -> tuple[dict[str, str], int]:
    buyers = sorted({need["buyer_orgnr"] for need in needs})
    existing = await _bounded([lambda b=buyer: client.every("/needs", {"buyer_id": org_ids[b]}) for buyer in buyers])
    ids = {need["reference"]: need["id"] for found in existing for need in found if need.get("reference")}
    missing = [need for need in needs if need["reference"] not in ids]

    async def create(need: dict[str, Any]) -> None:
        body = {key: value for key, value in need.items() if key != "buyer_orgnr"}
        body["buyer_id"] = org_ids[need["buyer_orgnr"]]
        created = await client.expect("POST", "/needs", body, key=f"sample-need-{need['reference']}")
        ids[need["reference"]] = created["id"]

    await _bounded([lambda need=need: create(need) for need in missing])
    return ids, len(missing)


def registration_body(entry: dict[str, Any], org_ids: dict[str, str], need_ids: dict[str, str]) -> dict[str, Any]:
    """A sample registration with orgnrs and need references replaced by the registry's ids."""
    body = dict(entry["body"], organisation_id=org_ids[entry["orgnr"]])
    for field in ("wanted_needs", "brought_needs"):
        if field in body:
            body[field] = [need_ids[reference] for reference in body[field]]
    if "wanted_smes" in body:
        body["wanted_smes"] = [org_ids[orgnr] for orgnr in body["wanted_smes"]]
    return body


async def load_sample(registry_url: str, organiser_token: str, sample: SampleData | None = None) -> LoadSummary:
    """Load ``sample`` (default: :func:`generate_sample`) through the registry's API; skip if already there."""
    sample = sample or generate_sample()
    name = sample.event["name"]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        client = RegistryClient(session, registry_url, organiser_token)
        existing = [event for event in await client.every("/events") if event["name"] == name]
        if existing and existing[0]["status"] != "draft":
            return LoadSummary(event_id=existing[0]["id"], event_name=name, already_loaded=True)

        org_ids, orgs_created = await _load_organisations(client, [*sample.buyers, *sample.smes])
        need_ids, needs_created = await _load_needs(client, sample.needs, org_ids)
        if existing:  # an earlier load stopped before opening the event: go on with it
            event_id = existing[0]["id"]
        else:
            key = f"sample-event-{ascii_slug(name)}-{sample.event['event_date']}"
            event_id = (await client.expect("POST", "/events", sample.event, key=key))["id"]
        await client.expect("POST", f"/events/{event_id}/transitions", {"to": "open", "reason": "Exempeldata"})

        await _bounded(
            [
                lambda entry=entry: client.expect(
                    "POST",
                    f"/events/{event_id}/registrations",
                    registration_body(entry, org_ids, need_ids),
                    key=f"sample-registration-{event_id}-{entry['orgnr']}",
                    ok=(200, 201, 409),  # 409: signed up by an earlier, interrupted load
                )
                for entry in sample.registrations
            ]
        )
        for rule in sample.pair_rules:
            path = f"/events/{event_id}/pair-rules/{org_ids[rule['sme_orgnr']]}/{org_ids[rule['buyer_orgnr']]}"
            await client.expect("PUT", path, {"rule": rule["rule"], "reason": rule["reason"]})
        return LoadSummary(
            event_id=event_id,
            event_name=name,
            organisations_created=orgs_created,
            needs_created=needs_created,
            registrations=len(sample.registrations),
            pair_rules=len(sample.pair_rules),
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.load_sample", description=__doc__.split("\n\n")[0])
    parser.add_argument("--registry", default=os.environ.get("REGISTRY_URL", "http://127.0.0.1:8081"))
    parser.add_argument("--token", default=os.environ.get("ORGANISER_TOKEN"), help="organiser token")
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--smes", type=int, default=60)
    args = parser.parse_args()
    if not args.token:
        parser.error("give --token or set ORGANISER_TOKEN")
    try:
        summary = asyncio.run(load_sample(args.registry, args.token, generate_sample(args.seed, args.smes)))
    except (LoadError, aiohttp.ClientError) as error:
        print(f"could not load the sample: {error}", file=sys.stderr)
        sys.exit(1)
    print(summary.describe())


if __name__ == "__main__":
    main()
