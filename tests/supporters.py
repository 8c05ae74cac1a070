"""Accounts, sessions and grants for the supporter tests (registry, matcher, web): straight into the database."""

from __future__ import annotations

import uuid

from shared.auth import Role


async def make_account(db, role: str, email: str | None = None) -> uuid.UUID:
    """An account of ``role`` (no usable password: the tests sign in by issuing its session token)."""
    return await db.fetchval(
        "INSERT INTO registry.accounts (email, password_hash, role, name) VALUES ($1, 'scrypt$x', $2, $3) RETURNING id",
        email or f"{role}-{uuid.uuid4().hex[:8]}@falun.se",
        role,
        f"Test {role}",
    )


async def session(make_token, role: Role, account_id: uuid.UUID) -> str:
    """A web session's token for the account (as login would issue it)."""
    return await make_token(role, account_id=account_id, label="web session: test")


async def grant(db, event_id, account_id: uuid.UUID, access: str) -> None:
    await db.execute(
        "INSERT INTO registry.event_grants (event_id, account_id, access) VALUES ($1, $2, $3) "
        "ON CONFLICT (event_id, account_id) DO UPDATE SET access = EXCLUDED.access",
        event_id,
        account_id,
        access,
    )


async def supporter_token(db, make_token, event_id, access: str) -> tuple[uuid.UUID, str]:
    """A supporter account granted ``access`` to the event, and its session token."""
    account_id = await make_account(db, "supporter")
    await grant(db, event_id, account_id, access)
    return account_id, await session(make_token, Role.SUPPORTER, account_id)
