"""The feedback routes: the participant's own answers by its agenda link (JSON, and the form page of
:mod:`.page`), and the organisers' summary and settings. Participants never read others' answers: the
link's organisation is the only one whose answers a link reads or writes."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel

from shared.auth import Role, path_event, require
from shared.clock import CLOCK_KEY
from shared.db import POOL_KEY
from shared.errors import ProblemError
from shared.openapi import operation
from shared.paths import path_uuid_or_404
from shared.web import json_response, read_json

from ..audit import actor_of
from ..keys import AGENDA_CACHE_KEY
from ..onsite import day_access as access
from ..onsite.day_settings import if_match
from . import follow_up_page, page
from .follow_up import follow_up_figures, save_follow_up
from .link_form import Save
from .model import (
    EventFeedback,
    FeedbackIn,
    FeedbackSettingsIn,
    FeedbackSettingsOut,
    FollowUpIn,
    MyFeedback,
    MyFollowUp,
)
from .store import event_feedback, load_settings, save_answers, save_settings

LINK_PATH = "/a/{token}/feedback"
FOLLOW_UP_PATH = "/a/{token}/follow-up"


@operation(
    "The participant's meetings to rate after the day, with its answers so far (by its agenda link)",
    tags=("feedback",),
    response=MyFeedback,
    errors=(404,),
    description="No login: the link's secret is the credential. 404 for an unknown link or before a round exists.",
)
async def get_link_feedback(request: web.Request) -> web.Response:
    """The link's own feedback."""
    return json_response(await page.own_feedback(request), headers=access.LINK_HEADERS)


@operation(
    "Rate meetings after the day (by its agenda link); answers can be changed until the round closes",
    tags=("feedback",),
    body=FeedbackIn,
    response=MyFeedback,
    errors=(400, 404, 409, 415, 422),
    description="All or nothing: a meeting the participant did not have is a 422 naming the answer, and nothing "
    "is stored. 409 before the round opens (the evening of the day) or after it closed.",
)
async def put_link_feedback(request: web.Request) -> web.Response:
    """Store the link's own answers."""
    return await _save_by_link(request, FeedbackIn, save_answers)


async def _save_by_link(request: web.Request, model: type[BaseModel], save: Save) -> web.Response:
    """Read the body and store it as the link's own answers (errors as private as the agenda)."""
    try:
        link = await access.link_of(request)
        body = await read_json(request, model)
        async with request.app[POOL_KEY].acquire() as conn:
            found = await save(conn, link, body, request.app[CLOCK_KEY].now(), cache=request.app[AGENDA_CACHE_KEY])
    except ProblemError as error:
        raise access.private(error) from None
    return json_response(found, headers=access.LINK_HEADERS)


@operation(
    "The participant's needs discussed at the event, to answer months later, with its answers (by its agenda link)",
    tags=("feedback",),
    response=MyFollowUp,
    errors=(404,),
    description="No login: the link's secret is the credential. 404 for an unknown link or before anything is "
    "published. A firm answers per need whether it bid and was awarded; a buyer how the need was procured.",
)
async def get_link_follow_up(request: web.Request) -> web.Response:
    """The link's own follow-up."""
    return json_response(await follow_up_page.own_follow_up(request), headers=access.LINK_HEADERS)


@operation(
    "Answer the follow-up months later (by its agenda link): per need discussed, bid and award, or procured how",
    tags=("feedback",),
    body=FollowUpIn,
    response=MyFollowUp,
    errors=(400, 404, 409, 415, 422),
    description="All or nothing: a need not discussed, a missing answer or one for the other side is a 422 at "
    "its pointer, and nothing is stored. 409 before the round opens (months after the day) or after it closed.",
)
async def put_link_follow_up(request: web.Request) -> web.Response:
    """Store the link's own follow-up answers."""
    return await _save_by_link(request, FollowUpIn, save_follow_up)


@operation(
    "The event's feedback after the day: response rates, answers per rating, every answer with its comment",
    tags=("feedback",),
    response=EventFeedback,
    errors=(404,),
    description="Organisers only (participants never see others' answers).",
)
@require(Role.ORGANISER, event=path_event, access="read")
async def get_event_feedback(request: web.Request) -> web.Response:
    """The organisers' summary."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    async with request.app[POOL_KEY].acquire() as conn:
        cache = request.app[AGENDA_CACHE_KEY]
        found = await event_feedback(conn, event_id, cache)
        found.follow_up = await follow_up_figures(conn, event_id, cache)
    return json_response(found, headers={"Cache-Control": "private, no-store"})


@operation(
    "The event's feedback settings (defaults until stored)",
    tags=("feedback",),
    response=FeedbackSettingsOut,
    errors=(404,),
    description="Organisers.",
)
@require(Role.ORGANISER, event=path_event, access="read")
async def get_feedback_settings(request: web.Request) -> web.Response:
    event_id = path_uuid_or_404(request, "event_id", "event")
    found = await load_settings(request.app[POOL_KEY], event_id)
    return json_response(found, headers={"ETag": found.etag})


@operation(
    "Change the event's feedback settings (when the question goes out, the reminder, how long answers stay open)",
    tags=("feedback",),
    body=FeedbackSettingsIn,
    response=FeedbackSettingsOut,
    errors=(400, 404, 412, 415, 422),
    description="Organisers. A field left out takes its default; the next scheduler round plans again. With "
    "If-Match (the ETag read), 412 when someone else changed them meanwhile. Each change is in the audit log.",
)
@require(Role.ORGANISER, event=path_event)
async def put_feedback_settings(request: web.Request) -> web.Response:
    event_id = path_uuid_or_404(request, "event_id", "event")
    expected = if_match(request)
    body = await read_json(request, FeedbackSettingsIn)
    async with request.app[POOL_KEY].acquire() as conn:
        saved = await save_settings(
            conn, event_id, body, request.app[CLOCK_KEY].now(), expected=expected, actor=actor_of(request)
        )
    return json_response(saved, headers={"ETag": saved.etag})


def setup_feedback(app: web.Application) -> None:
    """Register the feedback routes (one call from the matcher's setup_routes)."""
    app.router.add_get(LINK_PATH, get_link_feedback)
    app.router.add_put(LINK_PATH, put_link_feedback)
    app.router.add_get(FOLLOW_UP_PATH, get_link_follow_up)
    app.router.add_put(FOLLOW_UP_PATH, put_link_follow_up)
    app.router.add_get("/events/{event_id}/feedback", get_event_feedback)
    app.router.add_get("/events/{event_id}/feedback-settings", get_feedback_settings)
    app.router.add_put("/events/{event_id}/feedback-settings", put_feedback_settings)
    page.add_routes(app)
    follow_up_page.add_routes(app)
