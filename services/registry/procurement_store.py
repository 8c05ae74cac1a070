"""A need's procurement in the database: load the stored state, fold releases into it, write what changed.

The folding is pure (:mod:`services.registry.procurement`); this module reads and writes the tables of
migration 0011 inside the importer's transaction. A stage that moves, or an award that changes, is written
to the change feed (``need.stage``, ids and the stage only) and audited in that same transaction (the entry
is handed back for the importer's unit of work to write); a release that changes nothing writes nothing, so
importing the same package twice leaves no trace of the second time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from .procurement import Award, Contract, ProcurementState, ReleaseFacts, Supplier, Tender, merge
from .sql import procurement as sql
from .unit_of_work import Audited


@dataclass(frozen=True)
class Applied:
    """What folding a need's releases changed: the ``stage`` for the change feed when it moved or the awards
    changed (else None), and the ``audited`` entry (None when nothing changed)."""

    stage: str | None = None
    audited: Audited | None = None


async def load_state(conn: asyncpg.Connection, need_id: UUID) -> ProcurementState:
    """The stored procurement of a need, locked to the end of the transaction (empty when none)."""
    row = await conn.fetchrow(sql.SELECT_STATE, need_id)
    if row is None:
        return ProcurementState()
    awards = {
        a["award_id"]: Award(
            id=a["award_id"],
            status=a["status"],
            date=a["award_date"],
            value_sek=a["value_sek"],
            suppliers=tuple(Supplier(orgnr=s["orgnr"], name=s["name"]) for s in a["suppliers"]),
            release_date=a["release_date"],
        )
        for a in await conn.fetch(sql.SELECT_AWARDS, need_id)
    }
    contracts = {
        c["contract_id"]: Contract(
            id=c["contract_id"],
            status=c["status"],
            award_id=c["award_id"],
            period_start=c["period_start"],
            period_end=c["period_end"],
            value_sek=c["value_sek"],
            date_signed=c["date_signed"],
            release_date=c["release_date"],
        )
        for c in await conn.fetch(sql.SELECT_CONTRACTS, need_id)
    }
    tender = Tender(row["tender_status"], row["tender_published"], row["tender_start"], row["tender_end"])
    return ProcurementState(row["stage"], row["stage_date"], tender, row["tender_date"], awards, contracts)


async def _write(conn: asyncpg.Connection, need_id: UUID, old: ProcurementState, new: ProcurementState) -> None:
    t = new.tender
    await conn.execute(
        sql.UPSERT_STATE, need_id, new.stage, new.stage_date, t.status, t.published, t.start, t.end, new.tender_date
    )
    for award in new.awards.values():
        if old.awards.get(award.id) == award:
            continue
        await conn.execute(
            sql.UPSERT_AWARD, need_id, award.id, award.status, award.date, award.value_sek, award.release_date
        )
        await conn.execute(sql.DELETE_AWARD_SUPPLIERS, need_id, award.id)
        await conn.executemany(
            sql.INSERT_AWARD_SUPPLIER,
            [(need_id, award.id, k, s.orgnr, s.name) for k, s in enumerate(award.suppliers)],
        )
    for c in new.contracts.values():
        if old.contracts.get(c.id) != c:
            await conn.execute(
                sql.UPSERT_CONTRACT, need_id, c.id, c.award_id, c.status, c.period_start, c.period_end,
                c.value_sek, c.date_signed, c.release_date,
            )  # fmt: skip


def _summary(old: ProcurementState, new: ProcurementState) -> dict[str, object]:
    """What the audit entry says (ids and stages only: supplier names may name a sole trader)."""
    return {
        "stage": new.stage,
        "from_stage": old.stage,
        "awards": sorted(a for a, award in new.awards.items() if old.awards.get(a) != award),
        "contracts": sorted(c for c, contract in new.contracts.items() if old.contracts.get(c) != contract),
        "tender_status": new.tender.status,
    }


async def apply_releases(
    conn: asyncpg.Connection,
    need_id: UUID,
    buyer_id: UUID,
    releases: Iterable[ReleaseFacts],
    *,
    bump_version: bool,
) -> Applied:
    """Fold a need's releases (oldest first) into its stored procurement; the stage when it moved or its
    awards changed (the matcher mirrors the awards from the feed entry this makes), and the audit entry.

    ``bump_version`` moves the need's version (its ETag) when something changed and the importer did not
    just write the need itself. The caller writes the moved stage to the change feed, late in its
    transaction (:func:`services.registry.changes.record_stage_change`), and the audit entry with its
    other ones (:func:`services.registry.unit_of_work.write`).
    """
    old = await load_state(conn, need_id)
    new = old
    for facts in releases:
        new = merge(new, facts)
    if new == old:
        return Applied()
    await _write(conn, need_id, old, new)
    if bump_version:
        await conn.execute(sql.BUMP_NEED_VERSION, need_id)
    action = "need.stage" if new.stage != old.stage else "need.procurement"
    entry = Audited("need", need_id, organisation_id=buyer_id, changes=_summary(old, new), action=action)
    return Applied(new.stage if new.stage != old.stage or new.awards != old.awards else None, entry)
