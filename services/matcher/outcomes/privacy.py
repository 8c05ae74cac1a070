"""Erasure of the need notices: the erased firm's rows and e-mails go; notices about its needs are scrubbed.

A follower's address comes from the registry, not from any schedule snapshot, so the general erasure
(which drops e-mails to the addresses the snapshots name) would not find it: the notices find it by id.
"""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

import asyncpg

from ..privacy.redact import scrub
from ..sql import outcomes as sql


async def erase_need_notices(conn: asyncpg.Connection, organisation_id: UUID, needles: Mapping[str, str]) -> int:
    """Delete the organisation's notices and their e-mails, scrub notices about its needs; e-mails dropped."""
    status = await conn.execute(sql.DELETE_ORGANISATION_NOTICE_EMAILS, organisation_id)
    await conn.execute(sql.DELETE_ORGANISATION_NOTICES, organisation_id)
    for row in await conn.fetch(sql.SELECT_BUYER_NOTICE_EMAILS, organisation_id):
        payload = scrub(row["payload"], needles)
        if payload != row["payload"]:
            await conn.execute(sql.UPDATE_NOTICE_PAYLOAD, row["id"], payload)
    return int(status.split()[-1])
