"""Serving agendas over HTTP: a participant's day or the organiser's grid in the format and language asked
for, what changed since the participant last looked, and the notice of a registration cancelled since.
The handlers in :mod:`.routes` parse the path and the caller and hand over to these; :mod:`.reading`
says which version a read gets and tags the answer.

Who reads decides what they get: organisers read any version, drafts included (a preview without
contacts), and their reads are not recorded; a participant (its own token or its agenda link) reads the
published version or an earlier published one, and its JSON reads say what changed since the version it
last opened, then record this one. Agendas and rendered files come from the app's cache
(``app[AGENDA_CACHE_KEY]``, :mod:`.cache`).
"""

from __future__ import annotations

from types import EllipsisType
from uuid import UUID

from aiohttp import web

from shared.conditional import not_modified, not_modified_response
from shared.db import POOL_KEY
from shared.errors import FieldError, NotFound, ProblemError, ValidationProblem
from shared.security_headers import document_policy
from shared.web import json_response, read_query

from ..keys import AGENDA_CACHE_KEY, LINK_CACHE_KEY, SEEN_KEY, SETTINGS_KEY
from ..link_cache import read_through
from ..onsite.arrivals import arrived_counterparts
from ..sql import privacy as privacy_sql
from .cache import AgendaCache
from .cancelled import cancelled_html, cancelled_ics
from .days import Kind, Participant, changes_between, day_meetings, day_of, last_seen_version, participant_kind
from .documents import (
    CONTENT_TYPES,
    Format,
    buyer_document,
    filename,
    grid_document,
    render_day,
    render_grid,
    sme_document,
)
from .link_store import organisation_link_url
from .live import LivePage
from .model import AgendaMeeting, SmeAgenda, TableAgenda
from .reading import (
    NO_QUERY,
    TOKEN_READ_HEADERS,
    AgendaQuery,
    ParticipantAgendaQuery,
    agenda_format,
    etag,
    remembered_etag,
    resolve_version,
)
from .seen import SeenMarkers
from .versions import Source, VersionRef, released_before, version_by_number


async def _since_version(
    source: Source,
    markers: SeenMarkers,
    ref: VersionRef,
    organisation_id: UUID,
    query: ParticipantAgendaQuery,
    *,
    organiser: bool,
) -> VersionRef | None:
    """The earlier version to report changes against, or None (first look, same or later version).

    What the participant last opened comes from this process's markers; the database is asked only
    when they know of no version as recent as ``ref`` (another process may have recorded one).
    """
    since = query.since
    if since is None:
        if organiser:
            return None
        known = markers.known(ref.event_id, organisation_id)
        if known is None or known < ref.number:
            markers.learn(ref.event_id, organisation_id, await last_seen_version(source, ref.event_id, organisation_id))
        since = markers.known(ref.event_id, organisation_id)
    if since is None or since >= ref.number:
        return None
    found = await version_by_number(source, ref.event_id, since)
    if found is None or (found.status == "draft" and not organiser):
        if query.since is not None:
            raise ValidationProblem(
                [FieldError(parameter="since", code="unknown_version", detail=f"No published version {since}.")]
            )
        return None
    return found


def _json_key(
    ref: VersionRef, organisation_id: UUID, kind: Kind | None, table_index: int | None, since: VersionRef | None
) -> tuple:
    """What a JSON agenda depends on: its rendered bytes are cached under this, and its ETag made of it."""
    return ("json", ref.cache_key, organisation_id, kind, table_index, since.cache_key if since else "-")


def _json_answer(request: web.Request, key: tuple, body: bytes, headers: dict[str, str]) -> web.Response:
    """200 with ``body``, or 304 when the client holds it already."""
    tag = remembered_etag(key)
    response_headers = {**headers, "ETag": tag}
    if not_modified(request, tag):
        return not_modified_response(tag, response_headers)
    return web.Response(body=body, content_type="application/json", headers=response_headers)


async def _qr_url(
    request: web.Request, ref: VersionRef, organisation_id: UUID, fmt: Format, own_link: str | None
) -> str | None:
    """The agenda link an HTML or PDF agenda shows as a QR code: the reader's own (``own_link``, a read by
    link), else the organisation's active whole-agenda link, else none. A draft preview gets none: the link
    shows the published version, not the draft on the page."""
    if fmt not in ("html", "pdf") or ref.status == "draft":
        return None
    if own_link is not None:
        return own_link
    return await organisation_link_url(request.app[POOL_KEY], request.app[SETTINGS_KEY], ref.event_id, organisation_id)


async def _arrived(
    request: web.Request, source: Source, ref: VersionRef, organisation_id: UUID, kind: Kind | None
) -> tuple[UUID, ...]:
    """A buyer's SMEs of the version that have checked in at the reception (none for SMEs: no query);
    kept in the link cache, which a check-in's notification clears."""
    if kind == "sme" or ref.status != "published":
        return ()
    cache = request.app[AGENDA_CACHE_KEY]

    async def load() -> tuple[UUID, ...]:
        if kind is None and participant_kind(await cache.agendas(source, ref), organisation_id) != "buyer":
            return ()
        return tuple(await arrived_counterparts(source, ref.event_id, ref.id, organisation_id, ref.status))

    key = ("arrived", ref.event_id, ref.id, organisation_id)
    return await read_through(request.app.get(LINK_CACHE_KEY), key, load, lambda _: ref.event_id)


async def participant_agenda(
    request: web.Request,
    event_id: UUID,
    organisation_id: UUID,
    *,
    kind: Kind | None,
    organiser: bool,
    table_index: int | None = None,
    headers: dict[str, str] | None = None,
    cancelled_notice: bool = False,
    qr_url: str | None = None,
    published: VersionRef | EllipsisType | None = ...,
) -> web.StreamResponse:
    """A participant's agenda in the requested format; ``kind`` None: whatever the organisation is in the version.

    Meetings with a party that cancelled after publication are off: on nobody's agenda, and cancelled in
    the .ics. ``cancelled_notice`` (agenda links): the cancelled party itself gets a page saying so (410),
    and a calendar file that cancels its meetings. The HTML and PDF carry a QR code of an agenda link
    (:func:`_qr_url`; ``qr_url``: the link this read came by).
    """
    fmt = agenda_format(request)
    # The morning's polls carry no query string: the defaults, without validating an empty one each time.
    query = read_query(request, ParticipantAgendaQuery) if request.query_string else NO_QUERY
    pool, markers, cache = request.app[POOL_KEY], request.app[SEEN_KEY], request.app[AGENDA_CACHE_KEY]
    ref = await resolve_version(pool, event_id, query.version, organiser=organiser, published=published)
    # The morning's polling: JSON of a version already rendered for this reader, answered from memory.
    polled = fmt == "json" and query.since is None and organisation_id not in ref.cancelled
    since = await _since_version(pool, markers, ref, organisation_id, query, organiser=organiser) if polled else None
    # On the day a buyer's JSON says which of its SMEs have checked in, so they are part of what it depends on.
    arrived = await _arrived(request, pool, ref, organisation_id, kind) if fmt == "json" else ()
    if polled:
        key = _json_key(ref, organisation_id, kind, table_index, since) + arrived
        body = cache.cached_file(key)
        if body is not None:
            if not organiser:
                markers.saw(event_id, organisation_id, ref.number)
            return _json_answer(request, key, body, headers or TOKEN_READ_HEADERS)
    requested_kind = kind
    agendas = await cache.agendas(pool, ref)
    kind = kind or participant_kind(agendas, organisation_id)
    participant = Participant(organisation_id, kind, table_index) if kind else None
    day = day_of(agendas, participant) if participant else None
    if (participant is None or day is None) and cancelled_notice:
        # Not in this version because it cancelled after an earlier one was published: say so, not 404.
        notice = await _cancelled_since(pool, cache, event_id, organisation_id, table_index, fmt, query.lang, headers)
        if notice is not None:
            return notice
    if participant is None or day is None:
        raise NotFound(
            f"Organisationen har ingen agenda i version {ref.number}. / "
            f"The organisation has no agenda in version {ref.number}."
        )
    withdrawn: list[AgendaMeeting] = []
    if ref.cancelled:
        # The meetings as published, for what is now off (cancelled in calendars, listed on the notice page).
        as_published = day_meetings(day_of(await cache.agendas(pool, ref.as_published()), participant))
        still = {meeting.pair for meeting in day_meetings(day)}
        withdrawn = [meeting for meeting in as_published if meeting.pair not in still]
    if cancelled_notice and organisation_id in ref.cancelled:
        return _cancelled_response(day, withdrawn, fmt, query.lang, ref, headers or TOKEN_READ_HEADERS)
    if fmt == "json":
        if not polled:
            since = await _since_version(pool, markers, ref, organisation_id, query, organiser=organiser)
        key = _json_key(ref, organisation_id, requested_kind, table_index, since) + arrived
        if not organiser:
            markers.saw(event_id, organisation_id, ref.number)
        tag = remembered_etag(key)
        if not_modified(request, tag):
            return not_modified_response(tag, headers or TOKEN_READ_HEADERS)
        changes = None
        if since is not None:
            before = day_of(await cache.agendas(pool, since), participant)
            changes = changes_between(before, day, since_version=since.number)
        document = (
            sme_document(day, ref.status, changes)
            if isinstance(day, SmeAgenda)
            else buyer_document(day, ref.status, changes, arrived)
        )
        body = await cache.file(key, lambda: document.model_dump_json(by_alias=True).encode())
        return _json_answer(request, key, body, headers or TOKEN_READ_HEADERS)
    earlier = await released_before(pool, ref) if fmt == "ics" else []
    # The .ics also depends on the earlier versions (their dropped meetings are sent as cancelled).
    live = _live_page(request, ref, fmt, query, by_link=qr_url is not None)
    qr_url = await _qr_url(request, ref, organisation_id, fmt, qr_url)
    web_url = request.app[SETTINGS_KEY].web_url if qr_url else None  # the code holds the web's check-in address
    tag = etag(ref.cache_key, fmt, query.lang, participant, qr_url, web_url, live, *(old.cache_key for old in earlier))
    response_headers = {**(headers or TOKEN_READ_HEADERS), "ETag": tag}
    if not_modified(request, tag):
        response: web.StreamResponse = not_modified_response(tag, response_headers)
    else:
        key = (
            "day",
            ref.cache_key,
            participant,
            fmt,
            query.lang,
            tuple(old.cache_key for old in earlier),
            qr_url,
            web_url,
            live,
        )
        body = cache.cached_file(key)
        if body is None:
            # Meetings earlier versions had and this one drops go into the calendar as cancelled.
            cancelled: dict[tuple[UUID, UUID], AgendaMeeting] = {}
            for old in earlier:
                old_day = day_of(await cache.agendas(pool, old), participant)
                cancelled.update((meeting.pair, meeting) for meeting in day_meetings(old_day))
            body = await cache.file(
                key,
                lambda: render_day(
                    day,
                    fmt,
                    query.lang,
                    cancelled=list(cancelled.values()),
                    withdrawn=withdrawn,
                    qr_url=qr_url,
                    web_url=web_url,
                    live=live,
                ),
            )
        owner = day.sme_name if isinstance(day, SmeAgenda) else day[0].buyer_name
        if live is not None:  # its script may run and ask this service (never inline script)
            response_headers["Content-Security-Policy"] = document_policy(body, script=True)
        response = _file_response(body, fmt, filename(owner, ref.number, fmt), response_headers)
    return response


def _live_page(
    request: web.Request, ref: VersionRef, fmt: Format, query: ParticipantAgendaQuery, *, by_link: bool
) -> LivePage | None:
    """An HTML agenda read by its link follows re-plans (:mod:`.live`): the published version as
    it stands, not an earlier one asked for by ``?version=``, nor a draft, nor a read by token."""
    if not by_link or fmt != "html" or ref.status != "published" or query.version is not None:
        return None
    return LivePage(version=ref.number, seconds=request.app[SETTINGS_KEY].agenda_refresh_seconds)


async def grid(request: web.Request, event_id: UUID) -> web.StreamResponse:
    """The organiser's grid (JSON, HTML) or the venue's table sheets (PDF)."""
    fmt = agenda_format(request)
    query = read_query(request, AgendaQuery)
    pool, cache = request.app[POOL_KEY], request.app[AGENDA_CACHE_KEY]
    ref = await resolve_version(pool, event_id, query.version, organiser=True)
    tag = etag(ref.cache_key, fmt, query.lang, "grid")
    headers = {**TOKEN_READ_HEADERS, "ETag": tag}
    if not_modified(request, tag):
        return not_modified_response(tag, headers)
    agendas = await cache.agendas(pool, ref)
    if fmt == "json":
        return json_response(grid_document(agendas.grid, ref.status), headers=headers)
    key = ("grid", ref.cache_key, fmt, query.lang)
    body = await cache.file(key, lambda: render_grid(agendas, fmt, query.lang))
    return _file_response(body, fmt, filename(agendas.grid.event_name, ref.number, fmt), headers)


class RegistrationCancelled(ProblemError):
    status = 410
    slug = "registration-cancelled"

    def __init__(self) -> None:
        super().__init__(
            "Anmälan är avbokad och alla möten är inställda. / The registration is cancelled and every meeting is off.",
            title="Anmälan är avbokad / The registration is cancelled",
        )


def _cancelled_response(
    day: SmeAgenda | list[TableAgenda],
    meetings: list[AgendaMeeting],
    fmt: Format,
    lang: str,
    ref: VersionRef,
    headers: dict[str, str],
) -> web.Response:
    """For a participant that cancelled: a page saying so (410), or a calendar file cancelling its meetings."""
    owner = day.sme_name if isinstance(day, SmeAgenda) else day[0].buyer_name
    if fmt == "html":
        page = cancelled_html(day, meetings, lang=lang).encode()
        content_type, charset = CONTENT_TYPES["html"]
        return web.Response(body=page, status=410, content_type=content_type, charset=charset, headers=headers)
    if fmt == "ics":
        # Calendars that subscribed to the link remove the meetings instead of showing an error.
        return _file_response(cancelled_ics(day, meetings, lang=lang), fmt, filename(owner, ref.number, fmt), headers)
    raise RegistrationCancelled()


async def _cancelled_since(
    pool: Source,
    cache: AgendaCache,
    event_id: UUID,
    organisation_id: UUID,
    table_index: int | None,
    fmt: Format,
    lang: str,
    headers: dict[str, str] | None,
) -> web.Response | None:
    """The cancellation notice from the version the participant cancelled in, or None if it never cancelled."""
    number = await pool.fetchval(privacy_sql.SELECT_CANCELLED_VERSION, event_id, organisation_id)
    ref = await version_by_number(pool, event_id, number) if number is not None else None
    if ref is None:
        return None
    agendas = await cache.agendas(pool, ref.as_published())
    kind = participant_kind(agendas, organisation_id)
    day = day_of(agendas, Participant(organisation_id, kind, table_index)) if kind else None
    if day is None:
        return None
    return _cancelled_response(day, day_meetings(day), fmt, lang, ref, headers or TOKEN_READ_HEADERS)


def _file_response(body: bytes, fmt: Format, name: str, headers: dict[str, str]) -> web.Response:
    content_type, charset = CONTENT_TYPES[fmt]
    if fmt != "html":
        # Calendars are saved (or subscribed to); PDFs open in the browser with a sensible name to save.
        disposition = "attachment" if fmt == "ics" else "inline"
        headers = {**headers, "Content-Disposition": f'{disposition}; filename="{name}"'}
    return web.Response(body=body, content_type=content_type, charset=charset, headers=headers)
