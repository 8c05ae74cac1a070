"""Request and response bodies of schedule jobs, versions, comparisons and the organiser's rules."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.integers import Int32
from shared.text import Reason

from ..jobs.parameters import JobParameters


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScheduleRequest(_Body):
    """Ask for a new schedule version of an event."""

    mode: Literal["auto", "fresh", "replan"] = Field(
        default="auto",
        description="auto: re-plan from the published version if there is one, else plan afresh; fresh: ignore "
        "earlier versions (organiser locks still hold); replan: keep every still-valid meeting of `from_version` "
        "(default: the published, else the latest version) and fill the time changes freed.",
    )
    from_version: Int32 | None = Field(default=None, ge=1, description="Version number to re-plan from")
    time_limit_seconds: float | None = Field(
        default=None, gt=0, le=600, description="Seconds for the solve (default: MATCHER_SOLVE_TIME_LIMIT)"
    )
    seed: int = Field(default=0, ge=0, le=2**31 - 1, description="Seed of the randomised phases")
    avoid_repeat_pairs: bool = Field(
        default=True,
        description="Pairs who met at an earlier event (its published schedule) are no candidates unless one of "
        "them asked (a wish, a ranked need, 'must meet' or a lock); the report counts repeat_pairs_avoided",
    )

    @model_validator(mode="after")
    def _from_only_when_replanning(self) -> ScheduleRequest:
        if self.from_version is not None and self.mode == "fresh":
            raise ValueError("from_version applies to mode replan or auto, not fresh")
        return self

    def parameters(self) -> JobParameters:
        """The job's parameters, as the queue stores them and the worker plans with them."""
        return JobParameters(
            mode=self.mode,
            from_version=self.from_version,
            time_limit_seconds=self.time_limit_seconds,
            seed=self.seed,
            avoid_repeat_pairs=self.avoid_repeat_pairs,
        )


class JobOut(BaseModel):
    """A schedule job: where it is, and where its result is once done."""

    id: UUID
    event_id: UUID
    status: Literal["queued", "running", "done", "failed", "infeasible"]
    progress: int = Field(description="0–100")
    phase: str = Field(description="What it is doing now, in Swedish (English in brackets)")
    attempts: int
    max_attempts: int
    failure_reason: str | None = Field(description="Why it failed, is infeasible, or why the last try failed")
    params: dict[str, Any]
    run_after: dt.datetime = Field(description="Not started before this time (back-off after a failure)")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    result_version: int | None = Field(description="The schedule version number it produced")
    links: dict[str, str] = Field(description="self, events (server-sent events), result")


class JobList(BaseModel):
    items: list[JobOut]


class QualitySummary(BaseModel):
    """The quality figures people look at first."""

    meetings: int
    relevance: float
    bound: float
    gap_percent: float
    zero_meeting_smes: int
    min_zero_meeting_smes: int
    smes_without_break_share: float
    min_relevance: float = Field(default=0.0, description="The event's minimum relevance for a meeting (0–1)")
    meetings_below_floor: int = Field(default=0, description="Meetings under it (only locked or must-meet ones)")
    zero_meeting_smes_due_to_floor: int = Field(
        default=0, description="Firms without a meeting because of the floor (proven minimum with it − without it)"
    )


class VersionOut(BaseModel):
    """A schedule version (without its meetings)."""

    number: int
    status: Literal["draft", "published", "superseded"]
    mode: Literal["fresh", "replan"]
    based_on: int | None = Field(description="The version it re-planned from")
    job_id: UUID | None
    snapshot_hash: str = Field(description="SHA-256 of the registry snapshot it was computed from")
    created_at: dt.datetime
    published_at: dt.datetime | None
    meeting_count: int
    summary: QualitySummary | None
    changes: dict[str, Any] = Field(description="After a re-plan: kept, added, moved, removed, reasons")
    links: dict[str, str]


class VersionList(BaseModel):
    items: list[VersionOut]


class MeetingOut(BaseModel):
    """One meeting of a version, with names and times for people."""

    sme_id: UUID
    sme_name: str
    buyer_id: UUID
    buyer_name: str
    slot: int
    start: dt.datetime
    end: dt.datetime
    local_time: str
    table: int = Field(description="Table number in the room (1-based)")
    buyer_table: int = Field(description="Which of the buyer's tables (1-based)")
    relevance: float
    locked: bool
    need_id: UUID | None
    why_sv: str
    why_en: str


class VersionDetail(VersionOut):
    quality: dict[str, Any] = Field(description="The engine's full quality report")
    meetings: list[MeetingOut]


class MovedMeeting(BaseModel):
    before: MeetingOut
    after: MeetingOut


class ComparisonOut(BaseModel):
    """How version `to` differs from version `from`."""

    from_version: int
    to_version: int
    added: list[MeetingOut]
    removed: list[MeetingOut]
    moved: list[MovedMeeting]
    unchanged: int


class PublishOut(VersionOut):
    previous_published: int | None = Field(description="The version that was published before (now superseded)")
    notifications: int = Field(description="Notifications queued (webhooks and e-mails)")
    registry_status: str | None = Field(description="The event's status in the registry afterwards")
    warnings: list[str]


class RuleIn(_Body):
    """Lock a meeting (keep it in `slot`) or forbid a pair, for the next run."""

    rule: Literal["lock", "forbid"]
    slot: Int32 | None = Field(
        default=None, ge=0, description="lock: the slot to keep it in (default: where the latest version has it)"
    )
    reason: Reason = ""

    @model_validator(mode="after")
    def _slot_only_for_locks(self) -> RuleIn:
        if self.rule == "forbid" and self.slot is not None:
            raise ValueError("slot applies to lock rules only")
        return self


class RuleOut(BaseModel):
    sme_id: UUID
    buyer_id: UUID
    rule: Literal["lock", "forbid"]
    slot: int | None
    reason: str
    created_at: dt.datetime


class RuleList(BaseModel):
    items: list[RuleOut]
