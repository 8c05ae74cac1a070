"""The matcher's mirror of what followed each need (``matcher.need_outcomes``, migration 0019).

The registry says on its change feed when a need's procurement moved or its awards changed (``need.stage``);
the feed asks the registry for the need (:func:`~..outcomes.notices.fetch_move`) and, in the transaction that
moves its cursor and queues the need's notices, :func:`record_outcome` writes the need's stage, when its
tender was advertised and each award with the registered organisations it names. Ids, times and amounts
only. Reading a feed entry again writes the same rows; an older entry read after a newer one changes
nothing. A need whose JSON the registry no longer has keeps what was mirrored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from shared.privacy import Change

from ..sql import statistics as sql


@dataclass(frozen=True)
class AwardedFirm:
    award_id: str
    organisation_id: UUID
    status: str
    awarded_at: dt.datetime | None
    value_sek: int | None


@dataclass(frozen=True)
class Outcome:
    stage: str
    tender_at: dt.datetime | None
    awards: tuple[AwardedFirm, ...]


def _moment(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def outcome_of(procurement: Mapping[str, Any], stage: str, at: dt.datetime) -> Outcome:
    """What to mirror of a need's ``procurement`` JSON, told by a feed entry of ``stage`` at ``at``.

    The tender was advertised at its period's start; when the release gave none, at the entry's time (the
    tender stage reached then). A supplier without a registered organisation is not credited to anyone.

    Examples
    --------
    >>> firm = "00000000-0000-0000-0000-000000000005"
    >>> procurement = {"stage": "awarded", "tender_published": True, "tender_period": {"start": None},
    ...     "awards": [{"id": "a1", "status": "active", "date": "2026-06-09T00:00:00+02:00", "value_sek": 900,
    ...                 "suppliers": [{"orgnr": "556036-0793", "organisation_id": firm}, {"orgnr": None}]}]}
    >>> seen = outcome_of(procurement, "awarded", dt.datetime(2026, 6, 10, tzinfo=dt.UTC))
    >>> seen.stage, seen.tender_at is None, [(a.award_id, str(a.organisation_id)[-1], a.value_sek) for a in seen.awards]
    ('awarded', True, [('a1', '5', 900)])
    >>> outcome_of({}, "tender", dt.datetime(2026, 4, 1, tzinfo=dt.UTC)).tender_at.month
    4
    """
    period = procurement.get("tender_period") or {}
    tender_at = _moment(period.get("start"))
    if tender_at is None and stage == "tender":
        tender_at = at
    awards = []
    for award in procurement.get("awards") or []:
        for supplier in award.get("suppliers") or []:
            if supplier.get("organisation_id"):
                awards.append(
                    AwardedFirm(
                        award_id=str(award["id"]),
                        organisation_id=UUID(str(supplier["organisation_id"])),
                        status=str(award.get("status") or "pending"),
                        awarded_at=_moment(award.get("date")),
                        value_sek=award.get("value_sek"),
                    )
                )
    return Outcome(stage=str(procurement.get("stage") or stage), tender_at=tender_at, awards=tuple(awards))


async def record_outcome(conn: asyncpg.Connection, change: Change, procurement: Mapping[str, Any]) -> bool:
    """Mirror the need of a ``need.stage`` entry (inside the feed's transaction); False when a newer one had."""
    outcome = outcome_of(procurement, str(change.stage), change.at)
    written = await conn.fetchval(
        sql.UPSERT_OUTCOME, change.need_id, change.organisation_id, outcome.stage, outcome.tender_at, change.id,
        change.at,
    )  # fmt: skip
    if written is None:
        return False
    await conn.execute(sql.DELETE_OUTCOME_AWARDS, change.need_id)
    await conn.executemany(
        sql.INSERT_OUTCOME_AWARD,
        [(change.need_id, a.award_id, a.organisation_id, a.status, a.awarded_at, a.value_sek) for a in outcome.awards],
    )
    return True
