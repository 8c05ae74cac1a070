"""The audit entry both services answer ``GET /audit`` with: who did what, when, without personal data."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel


class AuditEntry(BaseModel):
    """Who did what, and when (values of personal fields are never logged, only that they changed)."""

    id: int
    at: datetime
    actor_token_id: UUID | None
    actor_role: str | None
    actor_organisation_id: UUID | None
    action: str
    entity: str
    entity_id: str | None
    organisation_id: UUID | None
    event_id: UUID | None
    changes: dict[str, Any]
    request_id: str | None
