"""Web accounts of organisers and buyers: create, list, log in (e-mail and password), log out.

Logging in gives an ordinary API token (role and organisation from the account, valid 12 hours), so
the web front end calls every other route like any client does. Failed logins answer one and the same
401 whether the address is unknown, the password wrong or the account disabled, and take about as
long (an unknown address is checked against a dummy hash), so the form does not tell which addresses
have accounts. Failures are limited hard per client address and softly per account
(:mod:`services.registry.login_limits`), so that guessing is slowed without shutting the owner out;
SMEs sign in by link (:mod:`services.registry.sign_in_links`), and so may account holders who forgot
their password (:mod:`services.registry.password_links`).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal
from uuid import UUID

import asyncpg
from aiohttp import web
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from shared.auth import PRINCIPAL_KEY, Role, require
from shared.db import POOL_KEY
from shared.errors import Conflict, FieldError, NotFound, Unauthorized, ValidationProblem
from shared.openapi import operation
from shared.paths import path_uuid_or_404
from shared.text import single_line
from shared.web import json_response, read_json

from . import login_limits
from .passwords import hash_password, needs_rehash, verify_against_dummy, verify_password
from .sql import accounts as sql
from .tokens import issue_token
from .unit_of_work import Audited, Outcome, write

SESSION_LIFETIME = timedelta(hours=12)
LOGIN_FAILED = "The e-mail address or the password is wrong, or the account is disabled."
LABEL_MAX = 200

# An adviser ("rådgivare") gives firms their individual support after the day; it acts for no organisation.
# A supporter ("stödroll") reaches the events organisers grant it (services.registry.event_grants); no organisation.
AccountRole = Literal["organiser", "buyer", "adviser", "supporter"]
AccountEmail = Annotated[EmailStr, Field(max_length=320), AfterValidator(str.lower)]
AccountName = Annotated[str, *single_line(200)]  # a person's name; empty for SME sign-ins
LoginEmail = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=320)]


class AccountCreate(BaseModel):
    """A web account to create (organisers create them for organisers, buyers, advisers and supporters)."""

    model_config = ConfigDict(extra="forbid")

    email: AccountEmail = Field(description="Stored lower-cased; one account per address")
    password: str = Field(min_length=12, max_length=200, description="12 to 200 characters")
    role: AccountRole
    organisation_id: UUID | None = Field(
        default=None,
        validate_default=True,
        description="The buyer organisation a buyer account acts for; absent for organisers",
    )
    name: AccountName = Field(default="", description="The person's name, e.g. 'Anna Berg'")

    @field_validator("organisation_id")
    @classmethod
    def organisation_fits_role(cls, value: UUID | None, info: ValidationInfo) -> UUID | None:
        # A field validator (not a model one) so the error points at /organisation_id.
        role = info.data.get("role")
        if role == "buyer" and value is None:
            raise ValueError("a buyer account must name its organisation_id")
        if role != "buyer" and value is not None:
            raise ValueError(f"an {role} account acts for no single organisation; leave organisation_id out")
        return value


class Account(BaseModel):
    """A web account (never its password or hash)."""

    id: UUID
    email: str
    role: AccountRole
    organisation_id: UUID | None
    name: str
    created_at: datetime
    disabled_at: datetime | None = Field(default=None, description="Set while the account may not sign in")


class AccountUpdate(BaseModel):
    """What an organiser changes on an account: a new password, the name, or whether it may sign in."""

    model_config = ConfigDict(extra="forbid")

    password: str | None = Field(default=None, min_length=12, max_length=200, description="A new password")
    name: AccountName | None = None
    disabled: bool | None = Field(default=None, description="true: may not sign in (its sessions end); false: may")


class AccountList(BaseModel):
    items: list[Account]


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: LoginEmail
    password: str = Field(min_length=1, max_length=200)


class WebSession(BaseModel):
    """A signed-in web session: an API token for the web front end to send as ``Authorization: Bearer``."""

    token: str = Field(description="An API token. Shown only now: keep it server-side (e.g. in the session).")
    expires_at: datetime
    role: Role
    organisation_id: UUID | None
    name: str = Field(description="Who signed in: the account's name (SMEs: the organisation's name)")


def _email_taken() -> Conflict:
    return Conflict(
        "An account with this e-mail address already exists.",
        errors=[FieldError(pointer="/email", code="duplicate", detail="This address already has an account.")],
    )


EMAIL_TAKEN = {sql.ACCOUNT_EMAIL_UNIQUE: _email_taken}


def session_expiry() -> datetime:
    return datetime.now(UTC) + SESSION_LIFETIME


def session_label(prefix: str, who: str) -> str:
    """A token label within the column's 200 characters.

    Examples
    --------
    >>> session_label("web session: ", "Anna Berg")
    'web session: Anna Berg'
    >>> len(session_label("web session: ", "x" * 300))
    200
    """
    return (prefix + who)[:LABEL_MAX]


def email_bucket(kind: str, email: str) -> str:
    """A rate-limit bucket per e-mail address, named by the address's hash (no personal data in counters).

    Examples
    --------
    >>> email_bucket("login", "anna@falun.se") == email_bucket("login", "anna@falun.se")
    True
    >>> email_bucket("login", "anna@falun.se").startswith("login:")
    True
    """
    return f"{kind}:{hashlib.sha256(email.encode()).hexdigest()}"


async def _check_buyer_organisation(conn: asyncpg.Connection, organisation_id: UUID) -> None:
    """422 on /organisation_id unless it names an existing, unerased buyer (locked until the insert)."""
    row = await conn.fetchrow(sql.SELECT_ORGANISATION_FOR_ACCOUNT, organisation_id)
    if row is None or row["erased_at"] is not None:
        error = FieldError(
            pointer="/organisation_id", code="unknown_organisation", detail="No organisation with that id."
        )
    elif row["kind"] != "buyer":
        error = FieldError(
            pointer="/organisation_id", code="not_a_buyer", detail="Buyer accounts act for a buyer organisation."
        )
    else:
        return
    raise ValidationProblem([error])


@operation(
    "Create a web account for an organiser or a buyer",
    tags=("auth",),
    body=AccountCreate,
    response=Account,
    status=201,
    errors=(409,),
)
@require(Role.ORGANISER)
async def create_account(request: web.Request) -> web.Response:
    """Create an account."""
    body = await read_json(request, AccountCreate)
    password_hash = await hash_password(body.password)

    async def insert(conn: asyncpg.Connection) -> Outcome:
        if body.organisation_id is not None:
            await _check_buyer_organisation(conn, body.organisation_id)
        row = await conn.fetchrow(
            sql.INSERT_ACCOUNT, body.email, password_hash, body.role, body.organisation_id, body.name
        )
        entry = Audited(
            "account",
            row["id"],
            organisation_id=body.organisation_id,
            # The address is personal data: the log names the field, not its value.
            changes={
                "email": body.email,
                "role": body.role,
                "organisation_id": str(body.organisation_id) if body.organisation_id else None,
            },
        )
        return Outcome(json_response(Account(**dict(row)), status=201), entry)

    return await write(request, insert, action="account.created", violations=EMAIL_TAKEN)


@operation("List web accounts", tags=("auth",), response=AccountList)
@require(Role.ORGANISER)
async def list_accounts(request: web.Request) -> web.Response:
    """List accounts."""
    rows = await request.app[POOL_KEY].fetch(sql.LIST_ACCOUNTS)
    return json_response(AccountList(items=[Account(**dict(row)) for row in rows]))


@operation(
    "One web account",
    tags=("auth",),
    response=Account,
    errors=(404,),
    description="Organisers, and services: the matcher checks that an adviser it is asked to assign exists and "
    "has the role adviser.",
)
@require(Role.ORGANISER, Role.SERVICE)
async def get_account(request: web.Request) -> web.Response:
    """Read one account."""
    account_id = path_uuid_or_404(request, "account_id", "account")
    row = await request.app[POOL_KEY].fetchrow(sql.SELECT_ACCOUNT, account_id)
    if row is None:
        raise NotFound("No account with that id.")
    return json_response(Account(**dict(row)))


@operation(
    "Change a web account: new password, name, disabled (a new password or disabling ends its sessions)",
    tags=("auth",),
    body=AccountUpdate,
    response=Account,
    errors=(404,),
)
@require(Role.ORGANISER)
async def update_account(request: web.Request) -> web.Response:
    """Change an account."""
    account_id = path_uuid_or_404(request, "account_id", "account")
    body = await read_json(request, AccountUpdate)
    password_hash = await hash_password(body.password) if body.password is not None else None

    async def change(conn: asyncpg.Connection) -> Outcome:
        current = await conn.fetchrow(sql.LOCK_ACCOUNT, account_id)
        if current is None:
            raise NotFound("No account with that id.")
        row = await conn.fetchrow(
            sql.UPDATE_ACCOUNT, account_id, password_hash, body.name, body.disabled is not None, bool(body.disabled)
        )
        if password_hash is not None or body.disabled:
            await conn.execute(sql.REVOKE_ACCOUNT_SESSIONS, account_id)
        entry = Audited(
            "account",
            account_id,
            organisation_id=current["organisation_id"],
            # Never the password: only that it changed.
            changes={"password_changed": password_hash is not None, "name": body.name, "disabled": body.disabled},
        )
        return Outcome(json_response(Account(**dict(row))), entry)

    return await write(request, change, action="account.updated")


@operation(
    "Log in with e-mail and password: get an API token for 12 hours",
    tags=("auth",),
    body=LoginRequest,
    response=WebSession,
    errors=(401, 429),
    description=(
        "No token needed. Unknown address, wrong password and disabled account all answer the same 401. "
        f"After {login_limits.ADDRESS_FAILURE_LIMIT} failed logins from one client address within "
        f"{login_limits.ADDRESS_WINDOW_SECONDS // 60} minutes that address gets 429 until the window ends. "
        f"After {login_limits.ACCOUNT_FREE_FAILURES} failures for one e-mail address each further try waits a "
        f"doubling pause of at most {login_limits.ACCOUNT_MAX_PAUSE_SECONDS} seconds (429 with Retry-After "
        "meanwhile); an e-mailed link (`POST /auth/password-links`) signs the owner in regardless."
    ),
)
async def login(request: web.Request) -> web.Response:
    """Log in."""
    body = await read_json(request, LoginRequest)
    pool = request.app[POOL_KEY]
    bucket = email_bucket("login", body.email)
    # Looked at before the password is checked: during a pause even the right password waits (briefly).
    await login_limits.check(pool, request, bucket)
    account = await pool.fetchrow(sql.SELECT_ACCOUNT_FOR_LOGIN, body.email)
    if account is None:
        matches = await verify_against_dummy(body.password)
    else:
        matches = await verify_password(body.password, account["password_hash"])
    if not (matches and account["active"]):
        await login_limits.failed(pool, request, bucket)
        raise Unauthorized(LOGIN_FAILED)
    expires_at = session_expiry()

    async def sign_in(conn: asyncpg.Connection) -> Outcome:
        token, token_row = await issue_token(
            conn,
            Role(account["role"]),
            organisation_id=account["organisation_id"],
            label=session_label("web session: ", account["name"] or account["email"]),
            expires_at=expires_at,
            account_id=account["id"],
        )
        await conn.execute(sql.SET_LAST_LOGIN, account["id"])
        await login_limits.succeeded(conn, bucket)
        if needs_rehash(account["password_hash"]):
            # The only moment the password is known: an old scrypt hash becomes Argon2id now (unless an
            # organiser set a new password meanwhile, which the compare-and-set leaves alone).
            await conn.execute(
                sql.REHASH_PASSWORD, account["id"], account["password_hash"], await hash_password(body.password)
            )
        session = WebSession(
            token=token,
            expires_at=token_row["expires_at"],
            role=Role(account["role"]),
            organisation_id=account["organisation_id"],
            name=account["name"],
        )
        entry = Audited(
            "account",
            account["id"],
            organisation_id=account["organisation_id"],
            changes={"token_id": str(token_row["id"])},
        )
        return Outcome(json_response(session), entry)

    # Only the sign-in is a unit of work: a failure is counted above on the pool, outside any transaction,
    # so that it stays counted though the login answers 401.
    return await write(request, sign_in, action="account.logged_in")


@operation("Log out: revoke the token this request is sent with", tags=("auth",), status=204)
@require()
async def logout(request: web.Request) -> web.Response:
    """Revoke the caller's own token."""
    principal = request[PRINCIPAL_KEY]

    async def revoke(conn: asyncpg.Connection) -> Outcome:
        await conn.execute(sql.REVOKE_OWN_TOKEN, principal.token_id)
        entry = Audited("api_token", principal.token_id, organisation_id=principal.organisation_id)
        return Outcome(json_response(None, status=204), entry)

    return await write(request, revoke, action="token.revoked")
