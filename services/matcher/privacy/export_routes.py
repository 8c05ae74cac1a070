"""``GET /privacy/organisations/{id}``: what the matcher holds about one organisation, for its data export.

The registry's ``GET /organisations/{id}/export`` asks this with the caller's own token and puts the answer
into the export, so the organisation gets one document covering both services. It lists the organisation's
meetings in every schedule version that names it (drafts too), the agenda links issued to it (never their
tokens), what it last opened, cancellations recorded, and the notifications sent to its people with their
delivery status.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, Field

from shared.auth import Role, require
from shared.db import POOL_KEY
from shared.openapi import operation
from shared.paths import path_uuid, path_uuid_or_404
from shared.web import json_response

from ..agendas.days import Participant, day_meetings, day_of, participant_kind
from ..agendas.model import AgendaMeeting
from ..agendas.versions import VersionRef
from ..feedback.privacy import (
    ExportedFeedbackAnswer,
    ExportedFeedbackRequest,
    ExportedFollowUpAnswer,
    export_feedback,
    export_follow_up,
)
from ..keys import AGENDA_CACHE_KEY
from ..onsite.declines_privacy import ExportedMeetingStatus, ExportedUnavailability, export_day
from ..reminders.plan import Kind as ReminderKind
from ..sql import onsite_arrivals as onsite_sql
from ..sql import privacy as sql
from ..sql import reminders as reminders_sql
from ..support.privacy import ExportedSupportHours, ExportedSupportRequest, export_support


class ExportedVersion(BaseModel):
    event_id: UUID
    version: int = Field(description="Schedule version number")
    status: Literal["draft", "published", "superseded"]
    published_at: dt.datetime | None
    kind: Literal["sme", "buyer"] = Field(description="How the organisation takes part")
    cancelled: bool = Field(description="Its sign-up was cancelled after this version was published")
    meetings: list[AgendaMeeting] = Field(description="Its meetings in this version, as published")


class ExportedLink(BaseModel):
    id: UUID
    event_id: UUID
    table: int | None = Field(description="For a link to one of a buyer's tables: which (1-based)")
    created_at: dt.datetime
    revoked_at: dt.datetime | None


class ExportedView(BaseModel):
    event_id: UUID
    last_seen_version: int
    seen_at: dt.datetime


class ExportedCancellation(BaseModel):
    event_id: UUID
    up_to_version: int = Field(description="The published version whose meetings it called off")
    cancelled_at: dt.datetime
    applied_at: dt.datetime


class ExportedNotification(BaseModel):
    id: UUID
    event_id: UUID | None = Field(description="Null for a need.stage notice to a firm that only follows the need")
    kind: str = Field(description="schedule.published, schedule.changed or registration.cancelled")
    channel: Literal["email"]
    destination: str = Field(description="The address it was sent to")
    subject: str | None
    status: Literal["delivered", "pending", "given_up"]
    attempts: int
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    last_error: str | None


class ExportedReminder(BaseModel):
    event_id: UUID
    kind: ReminderKind = Field(
        description="Sign-up deadline, agenda the day before, before one meeting, feedback after the day, follow-up"
    )
    counterpart_id: UUID | None = Field(description="For a meeting reminder: the organisation met")
    slot: int | None = Field(description="For a meeting reminder: the meeting's slot")
    version: int | None = Field(description="The published version it was planned from")
    due_at: dt.datetime
    state: Literal["planned", "sent", "cancelled", "expired", "skipped"]
    settled_at: dt.datetime | None


class ExportedArrival(BaseModel):
    event_id: UUID
    arrived_at: dt.datetime
    how: Literal["qr", "name", "orgnr", "walk_in"] = Field(description="How the reception found it")
    by_role: str | None = Field(description="Who checked it in: organiser or host")


class ExportedStandby(BaseModel):
    event_id: UUID
    source: Literal["walk_in", "arrived"]
    since: dt.datetime
    left_at: dt.datetime | None


class MatcherExport(BaseModel):
    """Everything the matcher holds about one organisation."""

    organisation_id: UUID
    versions: list[ExportedVersion] = Field(description="Every schedule version it takes part in, by event")
    agenda_links: list[ExportedLink] = Field(description="Agenda links issued to it (never the tokens)")
    agenda_views: list[ExportedView] = Field(description="The version it last opened, per event")
    cancellations: list[ExportedCancellation] = Field(description="Cancellations after publication, as applied")
    notifications: list[ExportedNotification] = Field(description="E-mails to its people and their status")
    arrivals: list[ExportedArrival] = Field(default_factory=list, description="Check-ins at events' receptions")
    standby: list[ExportedStandby] = Field(default_factory=list, description="Times on events' stand-by lists")
    reminders: list[ExportedReminder] = Field(default_factory=list, description="Reminders planned or sent to it")
    unavailability: list[ExportedUnavailability] = Field(
        default_factory=list, description="Its declines ('kan inte') and busy slots, with its reasons"
    )
    meeting_status: list[ExportedMeetingStatus] = Field(
        default_factory=list, description="Its meetings as marked on the day (held, no-show, cancelled)"
    )
    feedback_requests: list[ExportedFeedbackRequest] = Field(
        default_factory=list, description="Feedback questions sent to it after events"
    )
    feedback_answers: list[ExportedFeedbackAnswer] = Field(
        default_factory=list, description="Its ratings of meetings after events, with its comments"
    )
    follow_up_answers: list[ExportedFollowUpAnswer] = Field(
        default_factory=list, description="Its answers months after events (bids, awards, procured how), with comments"
    )
    support_requests: list[ExportedSupportRequest] = Field(
        default_factory=list, description="Its requests for individual support after events, with its notes"
    )
    support_hours: list[ExportedSupportHours] = Field(
        default_factory=list, description="The hours of support given to it, with the advisers' notes"
    )


async def path_organisation(request: web.Request) -> UUID | None:
    """The organisation the path names (the ownership check of SME and buyer tokens)."""
    return path_uuid(request, "organisation_id")


def _status(row) -> Literal["delivered", "pending", "given_up"]:
    if row["delivered_at"] is not None:
        return "delivered"
    return "given_up" if row["given_up"] else "pending"


@operation(
    "What the matcher holds about an organisation (for its GDPR data export)",
    tags=("privacy",),
    response=MatcherExport,
    errors=(404,),
    description="The organisation itself or organisers. The registry's export includes this document.",
)
@require(Role.SME, Role.BUYER, owner=path_organisation)
async def export_organisation(request: web.Request) -> web.Response:
    """Meetings in every version, agenda links, views, cancellations and notifications of one organisation."""
    organisation_id = path_uuid_or_404(request, "organisation_id", "organisation")
    pool, cache = request.app[POOL_KEY], request.app[AGENDA_CACHE_KEY]
    versions: list[ExportedVersion] = []
    addresses: set[str] = set()
    for row in await pool.fetch(sql.SELECT_VERSION_HEADS_NAMING, str(organisation_id)):
        ref = VersionRef.from_row(row)
        # As published: a cancellation afterwards calls the meetings off but they were its meetings.
        agendas = await cache.agendas(pool, ref.as_published())
        kind = participant_kind(agendas, organisation_id)
        addresses.update(str(email).lower() for email in row["emails"] or ())
        if kind is None:
            continue
        meetings = day_meetings(day_of(agendas, Participant(organisation_id, kind)))
        versions.append(
            ExportedVersion(
                event_id=ref.event_id,
                version=ref.number,
                status=ref.status,
                published_at=ref.published_at,
                kind=kind,
                cancelled=organisation_id in ref.cancelled,
                meetings=meetings,
            )
        )
    links = [
        ExportedLink(
            id=r["id"],
            event_id=r["event_id"],
            table=None if r["table_index"] is None else r["table_index"] + 1,
            created_at=r["created_at"],
            revoked_at=r["revoked_at"],
        )
        for r in await pool.fetch(sql.EXPORT_LINKS, organisation_id)
    ]
    views = [ExportedView(**dict(r)) for r in await pool.fetch(sql.EXPORT_VIEWS, organisation_id)]
    cancellations = [
        ExportedCancellation(**dict(r)) for r in await pool.fetch(sql.EXPORT_CANCELLATIONS, organisation_id)
    ]
    notifications = [
        ExportedNotification(
            **{k: r[k] for k in ("id", "event_id", "kind", "channel", "destination", "subject", "attempts")},
            status=_status(r),
            created_at=r["created_at"],
            delivered_at=r["delivered_at"],
            last_error=r["last_error"],
        )
        for r in await pool.fetch(sql.EXPORT_NOTIFICATIONS, sorted(addresses), organisation_id)
    ]
    reminders = [ExportedReminder(**dict(r)) for r in await pool.fetch(reminders_sql.EXPORT_REMINDERS, organisation_id)]
    arrivals = [
        ExportedArrival(**{k: r[k] for k in ("event_id", "arrived_at", "how", "by_role")})
        for r in await pool.fetch(onsite_sql.SELECT_ORGANISATION_ARRIVALS, organisation_id)
    ]
    standby = [
        ExportedStandby(**{k: r[k] for k in ("event_id", "source", "since", "left_at")})
        for r in await pool.fetch(onsite_sql.SELECT_ORGANISATION_STANDBY, organisation_id)
    ]
    unavailability, marks = await export_day(pool, organisation_id)
    feedback_requests, feedback_answers = await export_feedback(pool, organisation_id)
    support_requests, support_hours = await export_support(pool, organisation_id)
    document = MatcherExport(
        organisation_id=organisation_id,
        versions=versions,
        agenda_links=links,
        agenda_views=views,
        cancellations=cancellations,
        notifications=notifications,
        arrivals=arrivals,
        standby=standby,
        reminders=reminders,
        unavailability=unavailability,
        meeting_status=marks,
        feedback_requests=feedback_requests,
        feedback_answers=feedback_answers,
        follow_up_answers=await export_follow_up(pool, organisation_id),
        support_requests=support_requests,
        support_hours=support_hours,
    )
    return json_response(document, headers={"Cache-Control": "private, no-store"})
