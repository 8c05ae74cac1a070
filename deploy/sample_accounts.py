"""Accounts for trying the pages of the local stack: one organiser and one per buyer organisation.

Passwords are made once per machine and kept with the stack's other secrets (``var/local-secrets.json``),
so the lines ``python3 dev.py up`` prints stay true across restarts.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

from deploy.load_sample import RegistryClient

ORGANISER_EMAIL = "arrangor@exempel.se"


@dataclass
class SampleAccounts:
    organiser_email: str
    organiser_password: str
    buyer_email: str | None
    buyer_name: str | None
    buyer_password: str
    sme_email: str | None
    sme_name: str | None


def buyer_account_email(orgnr: str) -> str:
    """The sample account of a buyer organisation.

    Examples
    --------
    >>> buyer_account_email("252000-0098")
    'inkop.2520000098@exempel.se'
    """
    return f"inkop.{orgnr.replace('-', '')}@exempel.se"


async def ensure_accounts(
    registry_url: str, organiser_token: str, organiser_password: str, buyer_password: str
) -> SampleAccounts:
    """Create the accounts unless they exist (409 means an earlier run made them)."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        client = RegistryClient(session, registry_url, organiser_token)
        await client.expect(
            "POST",
            "/auth/accounts",
            {"email": ORGANISER_EMAIL, "password": organiser_password, "role": "organiser", "name": "Arrangör"},
            ok=(201, 409),
        )
        buyers = await client.every("/organisations", {"kind": "buyer"})
        first_buyer: tuple[str, str] | None = None
        for buyer in buyers:
            email = buyer_account_email(buyer["orgnr"])
            await client.expect(
                "POST",
                "/auth/accounts",
                {
                    "email": email,
                    "password": buyer_password,
                    "role": "buyer",
                    "organisation_id": buyer["id"],
                    "name": f"Inköp, {buyer['name']}"[:200],
                },
                ok=(201, 409),
            )
            first_buyer = first_buyer or (email, buyer["name"])
        smes = await client.every("/organisations", {"kind": "sme"})
        sme_email = sme_name = None
        for sme in smes:
            detail = await client.expect("GET", f"/organisations/{sme['id']}")
            if detail.get("contacts"):
                sme_email, sme_name = detail["contacts"][0]["email"], sme["name"]
                break
    return SampleAccounts(
        organiser_email=ORGANISER_EMAIL,
        organiser_password=organiser_password,
        buyer_email=first_buyer[0] if first_buyer else None,
        buyer_name=first_buyer[1] if first_buyer else None,
        buyer_password=buyer_password,
        sme_email=sme_email,
        sme_name=sme_name,
    )
