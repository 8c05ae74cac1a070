"""Forgotten passwords: an e-mailed, single-use link that signs an organiser or buyer in and sets a
new password.

Built on the SMEs' sign-in links (:mod:`services.registry.sign_in_links`): the same table (a row
names an account instead of an organisation), the same 20 minutes, the same hashing, and the web
front end mails it the same way; the registry never sends mail itself. The answer for an address
without an account is an empty list, and the web page says the same either way.

Redeeming takes the new password together with the link's token (the page asks for it behind a
button, so that mail scanners opening the link spend nothing). It ends the account's other sessions
and forgets its failed logins: this is also how an owner gets in at once while someone else's wrong
guesses make password logins wait (:mod:`services.registry.login_limits`).
"""

from __future__ import annotations

from datetime import datetime

import asyncpg
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from shared.auth import Role, hash_token, require
from shared.db import POOL_KEY
from shared.errors import Unauthorized
from shared.openapi import operation
from shared.web import json_response, read_json

from . import login_limits, ratelimit
from .accounts import WebSession, email_bucket, session_expiry, session_label
from .passwords import hash_password
from .sign_in_links import (
    LINK_INVALID,
    LINK_LIFETIME_SECONDS,
    LINK_REQUEST_LIMIT,
    LINK_REQUEST_WINDOW_SECONDS,
    RedeemRequest,
    SignInLinkRequest,
    new_link_token,
)
from .sql import accounts as sql
from .tokens import issue_token
from .unit_of_work import Audited, Outcome, write


class PasswordLink(BaseModel):
    """A link's token for one account: the web front end mails it (e.g. /logga-in/glomt/<token>)."""

    token: str = Field(description="Single use. Shown only now; mail it, never log it.")
    name: str = Field(description="The account's name, for the greeting")
    expires_at: datetime


class PasswordLinks(BaseModel):
    links: list[PasswordLink] = Field(description="One when the address has an account that may sign in; else none")


class PasswordReset(RedeemRequest):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=12, max_length=200, description="The new password, 12 to 200 characters")


@operation(
    "Make a forgotten-password link for an account's e-mail address, for the web front end to mail",
    tags=("auth",),
    body=SignInLinkRequest,
    response=PasswordLinks,
    errors=(429,),
    description=(
        "Only the service role. The link is good once, for 20 minutes. An address without an account gets an "
        f"empty list. At most {LINK_REQUEST_LIMIT} requests per address per {LINK_REQUEST_WINDOW_SECONDS // 60} "
        "minutes; beyond that 429 with Retry-After."
    ),
)
@require(Role.SERVICE, superusers=frozenset())
async def create_password_links(request: web.Request) -> web.Response:
    """Make a forgotten-password link."""
    body = await read_json(request, SignInLinkRequest)
    pool = request.app[POOL_KEY]
    # Counted whether or not the address has an account: guards inboxes and slows probing alike.
    await ratelimit.hit(
        pool,
        email_bucket("password-link", body.email),
        limit=LINK_REQUEST_LIMIT,
        window_seconds=LINK_REQUEST_WINDOW_SECONDS,
        subject="for this e-mail address",
    )

    async def make_link(conn: asyncpg.Connection) -> Outcome:
        account = await conn.fetchrow(sql.SELECT_ACCOUNT_FOR_LINK, body.email)
        if account is None:  # the usual 200, with no link: nothing made, nothing to audit
            return Outcome(json_response(PasswordLinks(links=[])))
        token = new_link_token()
        row = await conn.fetchrow(
            sql.INSERT_ACCOUNT_LINK, hash_token(token), account["id"], account["email"], float(LINK_LIFETIME_SECONDS)
        )
        await conn.execute(sql.PURGE_OLD_SIGN_IN_LINKS)
        link = PasswordLink(token=token, name=account["name"], expires_at=row["expires_at"])
        entry = Audited("account", account["id"], organisation_id=account["organisation_id"])
        return Outcome(json_response(PasswordLinks(links=[link])), entry)

    return await write(request, make_link, action="password_link.created")


@operation(
    "Redeem a forgotten-password link with a new password: get a web session for 12 hours",
    tags=("auth",),
    body=PasswordReset,
    response=WebSession,
    errors=(401,),
    description=(
        "No token needed. Each link works once; unknown, used and expired links all answer the same 401. "
        "The account's other sessions end. A bad new password is a 422 and leaves the link unused."
    ),
)
async def redeem_password_link(request: web.Request) -> web.Response:
    """Set a new password by link."""
    body = await read_json(request, PasswordReset)
    password_hash = await hash_password(body.password)

    async def reset(conn: asyncpg.Connection) -> Outcome:
        link = await conn.fetchrow(sql.REDEEM_ACCOUNT_LINK, hash_token(body.token))
        if link is None:
            raise Unauthorized(LINK_INVALID)
        await conn.execute(sql.SET_PASSWORD, link["account_id"], password_hash)
        # Whoever knew the old password (or held a session) is out now.
        await conn.execute(sql.REVOKE_ACCOUNT_SESSIONS, link["account_id"])
        await login_limits.succeeded(conn, email_bucket("login", link["email"]))
        token, token_row = await issue_token(
            conn,
            Role(link["role"]),
            organisation_id=link["organisation_id"],
            label=session_label("web session (password link): ", link["name"] or link["email"]),
            expires_at=session_expiry(),
            account_id=link["account_id"],
        )
        session = WebSession(
            token=token,
            expires_at=token_row["expires_at"],
            role=Role(link["role"]),
            organisation_id=link["organisation_id"],
            name=link["name"],
        )
        entry = Audited(
            "account",
            link["account_id"],
            organisation_id=link["organisation_id"],
            changes={"password_changed": True, "token_id": str(token_row["id"])},
        )
        return Outcome(json_response(session), entry)

    return await write(request, reset, action="account.password_reset")
