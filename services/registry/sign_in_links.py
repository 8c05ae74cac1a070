"""Sign-in links for SMEs: no password to forget, just a link mailed to a contact address of the firm.

The web front end (holding the service token) asks for links for an address and mails them; the
registry never sends mail itself. There is one link per SME the address is a contact of, each good
once and for 20 minutes. Redeeming a link gives an SME API token for 12 hours. The link's token is
kept only as its SHA-256 hash, as API tokens are (it has full entropy, so a fast hash suffices).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated
from uuid import UUID

import asyncpg
from aiohttp import web
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field

from shared.auth import Role, hash_token, require
from shared.db import POOL_KEY
from shared.errors import Unauthorized
from shared.openapi import operation
from shared.web import json_response, read_json

from . import ratelimit
from .accounts import WebSession, email_bucket, session_expiry
from .sql import accounts as sql
from .tokens import issue_token
from .unit_of_work import Audited, Outcome, write

LINK_PREFIX = "atl_"
LINK_LIFETIME_SECONDS = 20 * 60
LINK_REQUEST_LIMIT = 5
LINK_REQUEST_WINDOW_SECONDS = 15 * 60
SESSION_LABEL = "web session (sign-in link)"
LINK_INVALID = "The sign-in link is unknown, already used or expired."


def new_link_token() -> str:
    """A new sign-in link token (mailed once, stored only as its hash).

    Examples
    --------
    >>> token = new_link_token()
    >>> token.startswith("atl_") and len(token) > 40 and token != new_link_token()
    True
    """
    return LINK_PREFIX + secrets.token_urlsafe(32)


class SignInLinkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Annotated[EmailStr, Field(max_length=320), AfterValidator(str.lower)] = Field(
        description="The address a user typed; matched against SME contacts whatever its case"
    )


class SignInLink(BaseModel):
    """A link's token for one organisation: the web front end mails it (e.g. /sign-in/<token>)."""

    token: str = Field(description="Single use. Shown only now; mail it, never log it.")
    organisation_id: UUID
    organisation_name: str
    expires_at: datetime


class SignInLinks(BaseModel):
    links: list[SignInLink] = Field(description="One per SME having a contact with that address; empty when none")


class RedeemRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=200)


@operation(
    "Make sign-in links for an e-mail address (one per SME it is a contact of), for the web front end to mail",
    tags=("auth",),
    body=SignInLinkRequest,
    response=SignInLinks,
    errors=(429,),
    description=(
        "Only the service role. Links are good once, for 20 minutes. An address that is no SME's contact gets "
        f"an empty list. At most {LINK_REQUEST_LIMIT} requests per address per "
        f"{LINK_REQUEST_WINDOW_SECONDS // 60} minutes; beyond that 429 with Retry-After."
    ),
)
@require(Role.SERVICE, superusers=frozenset())
async def create_sign_in_links(request: web.Request) -> web.Response:
    """Make sign-in links."""
    body = await read_json(request, SignInLinkRequest)
    pool = request.app[POOL_KEY]
    # Counted whether or not the address matches: the limit guards inboxes and slows probing alike.
    await ratelimit.hit(
        pool,
        email_bucket("sign-in-link", body.email),
        limit=LINK_REQUEST_LIMIT,
        window_seconds=LINK_REQUEST_WINDOW_SECONDS,
        subject="for this e-mail address",
    )

    async def make_links(conn: asyncpg.Connection) -> Outcome:
        organisations = await conn.fetch(sql.SELECT_SME_ORGANISATIONS_OF_CONTACT, body.email)
        if not organisations:  # the usual 200, with no links: nothing made, nothing to audit
            return Outcome(json_response(SignInLinks(links=[])))
        tokens = [new_link_token() for _ in organisations]
        rows = await conn.fetch(
            sql.INSERT_SIGN_IN_LINKS,
            [hash_token(token) for token in tokens],
            [organisation["id"] for organisation in organisations],
            body.email,
            float(LINK_LIFETIME_SECONDS),
        )
        await conn.execute(sql.PURGE_OLD_SIGN_IN_LINKS)
        stored = {row["organisation_id"]: row for row in rows}
        links = [
            SignInLink(
                token=token,
                organisation_id=organisation["id"],
                organisation_name=organisation["name"],
                expires_at=stored[organisation["id"]]["expires_at"],
            )
            for token, organisation in zip(tokens, organisations, strict=True)
        ]
        # One entry per link made, in the order the links were stored.
        entries = [Audited("sign_in_link", row["id"], organisation_id=row["organisation_id"]) for row in rows]
        return Outcome(json_response(SignInLinks(links=links)), entries)

    return await write(request, make_links, action="sign_in_link.created")


@operation(
    "Redeem a sign-in link: get an SME API token for 12 hours",
    tags=("auth",),
    body=RedeemRequest,
    response=WebSession,
    errors=(401,),
    description="No token needed. Each link works once; unknown, used and expired links all answer the same 401.",
)
async def redeem_sign_in_link(request: web.Request) -> web.Response:
    """Redeem a sign-in link."""
    body = await read_json(request, RedeemRequest)

    async def redeem(conn: asyncpg.Connection) -> Outcome:
        link = await conn.fetchrow(sql.REDEEM_SIGN_IN_LINK, hash_token(body.token))
        if link is None:
            raise Unauthorized(LINK_INVALID)
        token, token_row = await issue_token(
            conn, Role.SME, organisation_id=link["organisation_id"], label=SESSION_LABEL, expires_at=session_expiry()
        )
        session = WebSession(
            token=token,
            expires_at=token_row["expires_at"],
            role=Role.SME,
            organisation_id=link["organisation_id"],
            name=link["name"],
        )
        changes = {"token_id": str(token_row["id"])}
        entry = Audited("sign_in_link", link["id"], organisation_id=link["organisation_id"], changes=changes)
        return Outcome(json_response(session), entry)

    return await write(request, redeem, action="sign_in_link.redeemed")
