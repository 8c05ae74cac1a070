"""Invitations in an erasure: the erased firm's invitations and their e-mails go.

The address an invitation went to came from the registry's segment, not from any schedule snapshot, so the
general erasure (which drops e-mails to the addresses the snapshots name) would not find it: the outbox row
is found by its kind and the firm's id. The e-mails are in the export with the other notifications
(:data:`services.matcher.sql.privacy.EXPORT_NOTIFICATIONS`); the invitation rows hold ids and codes only.
"""

from __future__ import annotations

from uuid import UUID

import asyncpg

from ..sql import invitations as sql


async def erase_invitations(conn: asyncpg.Connection, organisation_id: UUID) -> int:
    """Delete the organisation's invitation e-mails (sent or not) and rows; how many e-mails went."""
    status = await conn.execute(sql.DELETE_ORGANISATION_INVITATION_EMAILS, organisation_id)
    await conn.execute(sql.DELETE_ORGANISATION_INVITATIONS, organisation_id)
    return int(status.split()[-1])
