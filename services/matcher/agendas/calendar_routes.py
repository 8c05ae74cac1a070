"""A participant's calendar subscription: ``GET /a/{token}/calendar.ics``, the feed its ``webcal://`` link names.

Always the current published version of the participant's agenda, with the UIDs and SEQUENCE rules of
:mod:`.agendas.ics`: a calendar polling the feed updates a moved meeting in place (same UID, higher
SEQUENCE), and a meeting an earlier version had and this one drops comes as STATUS:CANCELLED, so it
disappears. A participant whose sign-up was cancelled after publication gets a feed cancelling its
meetings. Each entry links to the live agenda page (URL) and the calendar says where to refresh (SOURCE).

Caching: an ETag naming everything the file depends on (the version and its revision, the earlier
versions, the link and language) answers ``If-None-Match`` with 304, so polling costs one small query;
``private, no-cache`` lets the participant's own calendar keep it but check back, and no shared cache
keep it at all (the link is a secret).
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, Field

from shared.conditional import not_modified, not_modified_response
from shared.db import POOL_KEY
from shared.errors import NotFound, ProblemError
from shared.openapi import operation
from shared.web import read_query

from ..agendas import reading
from ..agendas.days import Participant, day_meetings, day_of, participant_kind
from ..agendas.ics import agenda_feed
from ..agendas.link_store import StoredLink, link_for_token
from ..agendas.model import AgendaMeeting, SmeAgenda, TableAgenda
from ..agendas.routes import LINK_NOT_FOUND
from ..agendas.versions import released_before
from ..keys import AGENDA_CACHE_KEY, SETTINGS_KEY
from ..links import LinkSecretMissing, agenda_link_url, link_key
from ..settings import MatcherSettings

FEED_PATH = "/a/{token:" + reading.SEGMENT + "}/calendar.ics"
FEED_HEADERS = {"Cache-Control": "private, no-cache", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


class FeedQuery(BaseModel):
    lang: Literal["sv", "en"] = Field(default="sv", description="Language of the entries: sv or en")


def feed_url(settings: MatcherSettings, link_id: UUID) -> str:
    """The https address of a link's calendar feed.

    Examples
    --------
    >>> settings = MatcherSettings(link_secret="k" * 32, public_url="https://matcher.example")
    >>> feed_url(settings, UUID(int=1)).startswith("https://matcher.example/a/"), feed_url(settings, UUID(int=1))[-13:]
    (True, '/calendar.ics')
    """
    return agenda_link_url(settings, link_id) + "/calendar.ics"


def webcal_url(https_url: str) -> str:
    """The ``webcal://`` form of a feed address (calendar apps open it as a subscription).

    Examples
    --------
    >>> webcal_url("https://matcher.example/a/abc/calendar.ics")
    'webcal://matcher.example/a/abc/calendar.ics'
    >>> webcal_url("http://127.0.0.1:8082/a/abc/calendar.ics")
    'webcal://127.0.0.1:8082/a/abc/calendar.ics'
    """
    return "webcal://" + https_url.split("://", 1)[1]


def _whole_day(day: SmeAgenda | list[TableAgenda], meetings: list[AgendaMeeting]) -> SmeAgenda | TableAgenda:
    """One calendar for the day (a buyer's tables together) holding ``meetings``."""
    header = day if isinstance(day, SmeAgenda) else day[0]
    return header.model_copy(update={"meetings": meetings})


async def _feed(request: web.Request, link: StoredLink, lang: str) -> web.Response:
    pool, settings, cache = request.app[POOL_KEY], request.app[SETTINGS_KEY], request.app[AGENDA_CACHE_KEY]
    ref = await reading.resolve_version(pool, link.event_id, None, organiser=False)
    # As published (meetings with a party that cancelled since are withdrawn), as it stands, and before.
    published = await cache.agendas(pool, ref.as_published())
    now_on = await cache.agendas(pool, ref)
    earlier = await released_before(pool, ref)
    before = [await cache.agendas(pool, old) for old in earlier]
    kinds = (participant_kind(agendas, link.organisation_id) for agendas in (published, *reversed(before)))
    kind = next((found for found in kinds if found is not None), None)
    participant = Participant(link.organisation_id, kind or "sme", link.table_index)
    days = [day_of(agendas, participant) for agendas in (published, *reversed(before))] if kind else []
    shape = next((day for day in days if day), None)
    if shape is None:
        raise NotFound(
            f"Organisationen har ingen agenda i version {ref.number}. / "
            f"The organisation has no agenda in version {ref.number}."
        )
    current = day_meetings(day_of(now_on, participant))
    still = {meeting.pair for meeting in current}
    withdrawn = [meeting for meeting in day_meetings(days[0]) if meeting.pair not in still]
    cancelled: dict[tuple[UUID, UUID], AgendaMeeting] = {}
    for old_day in days[1:]:
        cancelled.update((meeting.pair, meeting) for meeting in day_meetings(old_day))
    tag = reading.etag(ref.cache_key, "feed", lang, participant, link.id, *(old.cache_key for old in earlier))
    headers = {**FEED_HEADERS, "ETag": tag}
    if not_modified(request, tag):
        return not_modified_response(tag, headers)
    agenda_url, source = agenda_link_url(settings, link.id) + ".html", feed_url(settings, link.id)
    key = ("feed", ref.cache_key, participant, lang, link.id, tuple(old.cache_key for old in earlier))
    body = await cache.file(
        key,
        lambda: agenda_feed(
            _whole_day(shape, current),
            lang=lang,
            cancelled=list(cancelled.values()),
            withdrawn=withdrawn,
            url=agenda_url,
            source=source,
        ),
    )
    headers["Content-Disposition"] = 'inline; filename="agenda.ics"'
    return web.Response(body=body, content_type="text/calendar", charset="utf-8", headers=headers)


@operation(
    "A participant's calendar subscription by its personal link (webcal)",
    tags=("agendas",),
    query=FeedQuery,
    errors=(404,),
    response_content_type="text/calendar",
    extra_responses={304: "Not modified: If-None-Match names the current ETag"},
    description="text/calendar of the published version: the participant's meetings, each with an alarm and "
    "a URL to the live agenda, and earlier versions' meetings that no longer take place as cancelled, so a "
    "subscribed calendar follows every re-plan (stable UIDs, SEQUENCE = version). The agenda pages link it "
    "as webcal://. An unknown, revoked or forged link is one and the same 404.",
)
async def get_calendar_feed(request: web.Request) -> web.Response:
    """The calendar feed an agenda link stands for."""
    try:
        query = read_query(request, FeedQuery)
        try:
            key = link_key(request.app[SETTINGS_KEY])
        except LinkSecretMissing:
            raise NotFound(LINK_NOT_FOUND) from None
        link = await link_for_token(request.app[POOL_KEY], key, request.match_info["token"])
        if link is None:
            raise NotFound(LINK_NOT_FOUND)
        return await _feed(request, link, query.lang)
    except ProblemError as error:
        error.headers = {**FEED_HEADERS, "Cache-Control": "private, no-store", **error.headers}
        raise
