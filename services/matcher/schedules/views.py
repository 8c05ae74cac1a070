"""Stored versions and meetings as organisers read them: names, local times and room table numbers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg

from ..agendas.build import local_span
from .compute import StoredMeeting
from .models import MeetingOut, QualitySummary, VersionOut


def first_tables(buyers: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Room table number of each buyer's first table: buyers in snapshot order take consecutive numbers.

    Examples
    --------
    >>> first_tables([{"organisation": {"id": "a"}, "tables": 2}, {"organisation": {"id": "b"}, "tables": 1}])
    {'a': 1, 'b': 3}
    """
    numbers, next_number = {}, 1
    for buyer in buyers:
        numbers[str(buyer["organisation"]["id"])] = next_number
        next_number += int(buyer["tables"])
    return numbers


class SnapshotNames:
    """Names, slot times and table numbers of one stored snapshot (the JSON document, not parsed models)."""

    def __init__(self, snapshot: Mapping[str, Any]) -> None:
        self.zone = ZoneInfo(snapshot["event"]["time_zone"])
        self.names = {
            str(party["organisation"]["id"]): party["organisation"]["name"]
            for party in (*snapshot["smes"], *snapshot["buyers"])
        }
        self.slots = {int(slot["index"]): slot for slot in snapshot["event"]["slots"]}
        self.first_table = first_tables(snapshot["buyers"])

    def meeting(self, meeting: StoredMeeting) -> MeetingOut:
        slot = self.slots[meeting.slot]
        start, end = datetime.fromisoformat(slot["start"]), datetime.fromisoformat(slot["end"])
        need = meeting.explanation.get("need_id")
        return MeetingOut(
            sme_id=meeting.sme_id,
            sme_name=self.names.get(str(meeting.sme_id), str(meeting.sme_id)),
            buyer_id=meeting.buyer_id,
            buyer_name=self.names.get(str(meeting.buyer_id), str(meeting.buyer_id)),
            slot=meeting.slot,
            start=start,
            end=end,
            local_time=local_span(start, end, self.zone),
            table=self.first_table.get(str(meeting.buyer_id), 1) + meeting.table_index,
            buyer_table=meeting.table_index + 1,
            relevance=meeting.relevance,
            locked=meeting.locked,
            need_id=UUID(need) if need else None,
            why_sv=str(meeting.explanation.get("sentence_sv") or ""),
            why_en=str(meeting.explanation.get("sentence_en") or ""),
        )


def quality_summary(quality: Mapping[str, Any]) -> QualitySummary | None:
    if "meetings" not in quality:
        return None
    return QualitySummary(
        meetings=quality["meetings"],
        relevance=quality["relevance"],
        bound=quality["bound"],
        gap_percent=quality["gap_percent"],
        zero_meeting_smes=quality["zero_meeting_smes"],
        min_zero_meeting_smes=quality["min_zero_meeting_smes"],
        smes_without_break_share=quality["breaks_smes"]["share_without"],
        # Versions computed before the floor existed have none of these (no floor then).
        min_relevance=quality.get("min_relevance", 0.0),
        meetings_below_floor=quality.get("meetings_below_floor", 0),
        zero_meeting_smes_due_to_floor=quality.get("zero_meeting_smes_due_to_floor", 0),
    )


def version_out(row: asyncpg.Record | Mapping[str, Any]) -> VersionOut:
    base = f"/events/{row['event_id']}/schedules/{row['number']}"
    return VersionOut(
        number=row["number"],
        status=row["status"],
        mode=row["mode"],
        based_on=row["based_on_number"],
        job_id=row["job_id"],
        snapshot_hash=row["snapshot_hash"],
        created_at=row["created_at"],
        published_at=row["published_at"],
        meeting_count=row["meeting_count"],
        summary=quality_summary(row["quality"]),
        changes=row["changes"],
        links={"self": base, "publish": f"{base}/publish", "grid": f"/events/{row['event_id']}/agendas/grid.html"},
    )
