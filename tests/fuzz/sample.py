"""A published sample event for the fuzzer, so that requests reach past "no such event" into the code behind.

The Dalarna sample (:func:`deploy.sample_data.generate_sample`, seeded) is loaded through the registry's API,
scheduled by the matcher's worker, published, and given agenda links, as the matcher benchmark does; the ids
go into a schemathesis configuration that fixes those path parameters, so generated requests name an event,
an SME, a buyer, a version and an agenda link that exist.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from benchmarks.matcher_service import load_event, measure_jobs, publish_and_link
from benchmarks.stack import Stack
from deploy.sample_data import generate_sample

SAMPLE_SMES = 12


async def published_sample(stack: Stack) -> dict[str, str]:
    """Load, schedule and publish a small sample event; the path parameters that name its parts."""
    registry, matcher = stack.url("registry"), stack.url("matcher")
    headers = {"Authorization": f"Bearer {stack.organiser_token}"}
    async with aiohttp.ClientSession(headers=headers, timeout=aiohttp.ClientTimeout(total=120)) as session:
        event = await load_event(session, registry, stack.organiser_token, generate_sample(smes=SAMPLE_SMES))
        _, number = await measure_jobs(session, matcher, event["id"], "fuzz sample", 1)
        links = await publish_and_link(session, matcher, event["id"], number)
        async with session.get(f"{registry}/events/{event['id']}/registrations", params={"limit": "100"}) as response:
            registrations = (await response.json())["items"]
    buyer = next(r for r in registrations if r["kind"] == "buyer")
    sme = links[0]
    return {
        "event_id": event["id"],
        "organisation_id": sme["organisation_id"],
        "sme_id": sme["organisation_id"],
        "buyer_id": buyer["organisation_id"],
        "registration_id": buyer["id"],
        "number": str(number),
        "other": str(number),
        "token": urlsplit(sme["url"]).path.removeprefix("/a/"),
    }


def write_config(path: Path, parameters: dict[str, str]) -> Path:
    """A ``schemathesis.toml`` fixing these path parameters (TOML strings are JSON strings)."""
    lines = ["[parameters]", *(f'"path.{name}" = {json.dumps(value)}' for name, value in parameters.items())]
    path.write_text("\n".join(lines) + "\n")
    return path
