"""Reading the matcher's audit log: organisers, newest first, filtered like the registry's ``GET /audit``."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Annotated
from uuid import UUID

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from shared.audit import AuditEntry
from shared.auth import Role, require
from shared.db import POOL_KEY
from shared.errors import FieldError, ValidationProblem
from shared.openapi import operation
from shared.web import json_response, read_query

from .sql import audit as sql

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class AuditQuery(BaseModel):
    """Filters of the matcher's audit log, and paging."""

    model_config = ConfigDict(extra="forbid")

    event_id: UUID | None = None
    entity: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")] | None = Field(
        default=None, description="schedule_version, schedule_rule, schedule_job, webhook, agenda_link"
    )
    entity_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    action: Annotated[str, StringConstraints(pattern=r"^[a-z_.]{1,60}$")] | None = Field(
        default=None, description="e.g. schedule.publish, schedule_rule.lock, webhook.create"
    )
    organisation_id: UUID | None = Field(default=None, description="Entries about this organisation")
    since: AwareDatetime | None = Field(default=None, description="Entries at or after this time (with offset)")
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page")
    cursor: str | None = Field(default=None, max_length=100, description="`next_cursor` of the previous page")


class AuditPage(BaseModel):
    """A page of audit entries, newest first; follow ``next_cursor`` for older ones."""

    items: list[AuditEntry]
    next_cursor: str | None = Field(default=None, description="Absent on the last page")


def encode_cursor(entry_id: int) -> str:
    """The opaque cursor after entry ``entry_id``.

    Examples
    --------
    >>> decode_cursor(encode_cursor(41))
    41
    """
    return base64.urlsafe_b64encode(f"audit:{entry_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The entry id in a cursor, or 422 on the ``cursor`` parameter."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix == "audit" and number.isdigit() and 0 < int(number) < 2**63:
            return int(number)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        pass
    raise ValidationProblem(
        [FieldError(parameter="cursor", code="invalid_cursor", detail="Not a cursor this list gave out.")]
    )


def audit_statement(query: AuditQuery) -> tuple[str, list[object]]:
    """The SQL and arguments of one page (one row more than the limit, to know whether more follow)."""
    filters: Sequence[tuple[str, object | None]] = (
        (sql.FILTER_EVENT, query.event_id),
        (sql.FILTER_ENTITY, query.entity),
        (sql.FILTER_ENTITY_ID, query.entity_id),
        (sql.FILTER_ACTION, query.action),
        (sql.FILTER_ORGANISATION, query.organisation_id),
        (sql.FILTER_SINCE, query.since),
        (sql.FILTER_BEFORE, decode_cursor(query.cursor) if query.cursor is not None else None),
    )
    parts, args = [sql.AUDIT_BASE], []
    for fragment, value in filters:
        if value is not None:
            args.append(value)
            parts.append(fragment.format(len(args)))
    args.append(query.limit + 1)
    return "\nAND ".join(parts) + "\n" + sql.AUDIT_ORDER.format(len(args)), args


@operation(
    "Read the matcher's audit log (newest first)",
    tags=("audit",),
    query=AuditQuery,
    response=AuditPage,
    description="Publishing, lock and forbid rules, schedule requests (fresh plans and re-plans), webhooks "
    "added and removed, agenda links revoked: who (token, role, organisation), what, when. The registry's "
    "`GET /audit` has the rest.",
)
@require(Role.ORGANISER)
async def list_audit(request: web.Request) -> web.Response:
    """The matcher's audit entries, filtered."""
    query = read_query(request, AuditQuery)
    statement, args = audit_statement(query)
    rows = await request.app[POOL_KEY].fetch(statement, *args)
    kept = rows[: query.limit]
    next_cursor = encode_cursor(kept[-1]["id"]) if len(rows) > query.limit else None
    return json_response(AuditPage(items=[AuditEntry(**dict(row)) for row in kept], next_cursor=next_cursor))
