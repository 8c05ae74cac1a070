"""Serving agendas over HTTP: which version a reader gets, in which format and language, what changed since
the participant last looked, ETags, and the headers of private documents. The handlers in
:mod:`.agendas_routes` parse the path and the caller and hand over to these.

Who reads decides what they get: organisers read any version, drafts included (a preview without
contacts), and their reads are not recorded; a participant (its own token or its agenda link) reads the
published version or an earlier published one, and its JSON reads say what changed since the version it
last opened, then record this one.
"""

from __future__ import annotations

import hashlib
from types import EllipsisType
from typing import Literal
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, Field

from shared.conditional import not_modified, not_modified_response
from shared.db import POOL_KEY
from shared.errors import FieldError, NotFound, ProblemError, ValidationProblem
from shared.security_headers import document_policy
from shared.web import json_response, read_query

from .agendas.cancelled import cancelled_html, cancelled_ics
from .agendas.documents import (
    CONTENT_TYPES,
    AgendaLink,
    AgendaLinkList,
    Format,
    buyer_document,
    filename,
    grid_document,
    render_day,
    render_grid,
    sme_document,
)
from .agendas.link_store import StoredLink, configured_key, link_and_published, organisation_link_url
from .agendas.live import LivePage
from .agendas.model import AgendaMeeting, SmeAgenda, TableAgenda
from .agendas.seen import SeenMarkers
from .agendas.store import (
    AGENDA_CACHE,
    Kind,
    Participant,
    Source,
    VersionRef,
    changes_between,
    day_meetings,
    day_of,
    last_seen_version,
    participant_kind,
    published_version,
    released_before,
    version_by_number,
)
from .keys import LINK_CACHE_KEY, READS_KEY, SEEN_KEY, SETTINGS_KEY
from .link_cache import read_through
from .links import agenda_link_url, token_hash
from .onsite.arrivals import arrived_counterparts
from .sql import privacy as privacy_sql

# Path suffixes choosing the format (none: JSON).
DAY_EXTENSIONS = r"(?:\.(?:json|ics|html|pdf))?"
GRID_EXTENSIONS = r"(?:\.(?:json|html|pdf))?"
# Ids and tokens end before a format suffix (neither contains a dot).
SEGMENT = r"[^{}/.]+"

# Authenticated reads: the caller's own browser may keep them but must check back (ETag makes that cheap).
TOKEN_READ_HEADERS = {"Cache-Control": "private, no-cache"}
# Agenda links are bearer secrets in the URL: kept nowhere, sent on to no one, indexed by nobody.
LINK_HEADERS = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}

_MAX_VERSION = 2**31 - 1


class AgendaQuery(BaseModel):
    lang: Literal["sv", "en"] = Field(default="sv", description="Language of the .ics, HTML and PDF: sv or en")
    version: int | None = Field(
        default=None,
        ge=1,
        le=_MAX_VERSION,
        description="Read this version instead of the published one: an earlier published (superseded) "
        "version; organisers also drafts (a preview without contacts)",
    )


class ParticipantAgendaQuery(AgendaQuery):
    since: int | None = Field(
        default=None,
        ge=1,
        le=_MAX_VERSION,
        description="JSON: report changes since this published version instead of the one last opened",
    )


_NO_QUERY = ParticipantAgendaQuery()  # never changed: shared by every read without a query string


class NotPublished(ProblemError):
    status = 404
    slug = "not-published"

    def __init__(self) -> None:
        super().__init__(
            "Inget schema är publicerat för evenemanget än. / No schedule is published for the event yet.",
            title="Schemat är inte publicerat än / The schedule is not published yet",
        )


def agenda_format(request: web.Request) -> Format:
    """The format the path's suffix asks for (``.ics`` …; none or ``.json``: JSON)."""
    ext = request.match_info.get("ext", "")
    return ext[1:] if ext else "json"  # type: ignore[return-value]


async def resolve_version(
    source: Source,
    event_id: UUID,
    number: int | None,
    *,
    organiser: bool,
    published: VersionRef | EllipsisType | None = ...,
) -> VersionRef:
    """The version to read: the published one, or ``number`` (drafts only for organisers); else 404.

    ``published``: the published version's head when the caller has read it already (None: there is none).
    """
    if number is None:
        ref = await published_version(source, event_id) if published is ... else published
        if ref is None:
            raise NotPublished()
        return ref
    ref = await version_by_number(source, event_id, number)
    if ref is None or (ref.status == "draft" and not organiser):
        raise NotFound(
            f"Version {number} av schemat finns inte eller är inte publicerad. / "
            f"Version {number} of the schedule does not exist or is not published."
        )
    return ref


def etag(*parts: object) -> str:
    """A strong ETag naming everything a response depends on.

    Examples
    --------
    >>> etag("v1", "published", "ics", "sv") == etag("v1", "published", "ics", "sv") != etag("v1", "published", "pdf")
    True
    """
    return '"' + hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32] + '"'


# ETags of the answers polled most (the morning: each participant's JSON and each screen's, over and over).
_TAGS: dict[tuple, str] = {}
_TAGS_MAX = 100_000


def remembered_etag(key: tuple) -> str:
    """``etag(*key)``, remembered: a polled read would otherwise hash the same key's text each time.

    Examples
    --------
    >>> remembered_etag(("json", 1)) == etag("json", 1)
    True
    """
    tag = _TAGS.get(key)
    if tag is None:
        if len(_TAGS) >= _TAGS_MAX:
            _TAGS.clear()
        tag = _TAGS[key] = etag(*key)
    return tag


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


async def read_link(request: web.Request, key: bytes, token: str) -> tuple[StoredLink, VersionRef | None] | None:
    """The live link ``token`` stands for and its event's published version (:func:`link_and_published`),
    from this process's link cache while it holds them (:mod:`.link_cache`)."""

    async def load() -> tuple[StoredLink, VersionRef | None] | None:
        return await link_and_published(request.app[READS_KEY], key, token)

    # Kept by the token's hash: a hit is the token already checked (signature, row) when it was read.
    return await read_through(request.app.get(LINK_CACHE_KEY), ("link", token_hash(token)), load, _kept_under)


def _kept_under(found: tuple[StoredLink, VersionRef | None] | None) -> UUID | None:
    """The event a link read is kept under: none for an unknown link, nor before the first publication
    (readers poll for the moment that changes; those reads go to the database)."""
    return found[0].event_id if found is not None and found[1] is not None else None


async def _arrived(
    request: web.Request, source: Source, ref: VersionRef, organisation_id: UUID, kind: Kind | None
) -> tuple[UUID, ...]:
    """A buyer's SMEs of the version that have checked in at the reception (none for SMEs: no query);
    kept in the link cache, which a check-in's notification clears."""
    if kind == "sme" or ref.status != "published":
        return ()

    async def load() -> tuple[UUID, ...]:
        if kind is None and participant_kind(await AGENDA_CACHE.agendas(source, ref), organisation_id) != "buyer":
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
    query = read_query(request, ParticipantAgendaQuery) if request.query_string else _NO_QUERY
    pool, markers = request.app[POOL_KEY], request.app[SEEN_KEY]
    ref = await resolve_version(pool, event_id, query.version, organiser=organiser, published=published)
    # The morning's polling: JSON of a version already rendered for this reader, answered from memory.
    polled = fmt == "json" and query.since is None and organisation_id not in ref.cancelled
    since = await _since_version(pool, markers, ref, organisation_id, query, organiser=organiser) if polled else None
    # On the day a buyer's JSON says which of its SMEs have checked in, so they are part of what it depends on.
    arrived = await _arrived(request, pool, ref, organisation_id, kind) if fmt == "json" else ()
    if polled:
        key = _json_key(ref, organisation_id, kind, table_index, since) + arrived
        body = AGENDA_CACHE.cached_file(key)
        if body is not None:
            if not organiser:
                markers.saw(event_id, organisation_id, ref.number)
            return _json_answer(request, key, body, headers or TOKEN_READ_HEADERS)
    requested_kind = kind
    agendas = await AGENDA_CACHE.agendas(pool, ref)
    kind = kind or participant_kind(agendas, organisation_id)
    participant = Participant(organisation_id, kind, table_index) if kind else None
    day = day_of(agendas, participant) if participant else None
    if (participant is None or day is None) and cancelled_notice:
        # Not in this version because it cancelled after an earlier one was published: say so, not 404.
        notice = await _cancelled_since(pool, event_id, organisation_id, table_index, fmt, query.lang, headers)
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
        as_published = day_meetings(day_of(await AGENDA_CACHE.agendas(pool, ref.as_published()), participant))
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
            before = day_of(await AGENDA_CACHE.agendas(pool, since), participant)
            changes = changes_between(before, day, since_version=since.number)
        document = (
            sme_document(day, ref.status, changes)
            if isinstance(day, SmeAgenda)
            else buyer_document(day, ref.status, changes, arrived)
        )
        body = await AGENDA_CACHE.file(key, lambda: document.model_dump_json(by_alias=True).encode())
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
        body = AGENDA_CACHE.cached_file(key)
        if body is None:
            # Meetings earlier versions had and this one drops go into the calendar as cancelled.
            cancelled: dict[tuple[UUID, UUID], AgendaMeeting] = {}
            for old in earlier:
                old_day = day_of(await AGENDA_CACHE.agendas(pool, old), participant)
                cancelled.update((meeting.pair, meeting) for meeting in day_meetings(old_day))
            body = await AGENDA_CACHE.file(
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
    """An HTML agenda read by its link follows re-plans (:mod:`.agendas.live`): the published version as
    it stands, not an earlier one asked for by ``?version=``, nor a draft, nor a read by token."""
    if not by_link or fmt != "html" or ref.status != "published" or query.version is not None:
        return None
    return LivePage(version=ref.number, seconds=request.app[SETTINGS_KEY].agenda_refresh_seconds)


async def grid(request: web.Request, event_id: UUID) -> web.StreamResponse:
    """The organiser's grid (JSON, HTML) or the venue's table sheets (PDF)."""
    fmt = agenda_format(request)
    query = read_query(request, AgendaQuery)
    pool = request.app[POOL_KEY]
    ref = await resolve_version(pool, event_id, query.version, organiser=True)
    tag = etag(ref.cache_key, fmt, query.lang, "grid")
    headers = {**TOKEN_READ_HEADERS, "ETag": tag}
    if not_modified(request, tag):
        return not_modified_response(tag, headers)
    agendas = await AGENDA_CACHE.agendas(pool, ref)
    if fmt == "json":
        return json_response(grid_document(agendas.grid, ref.status), headers=headers)
    key = ("grid", ref.cache_key, fmt, query.lang)
    body = await AGENDA_CACHE.file(key, lambda: render_grid(agendas, fmt, query.lang))
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
    agendas = await AGENDA_CACHE.agendas(pool, ref.as_published())
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


async def link_list(request: web.Request, event_id: UUID, links: list[StoredLink]) -> AgendaLinkList:
    """The links with their URLs and, from the published version, whose they are."""
    settings = request.app[SETTINGS_KEY]
    configured_key(settings)  # 503 when links cannot be made or checked
    pool = request.app[POOL_KEY]
    ref = await published_version(pool, event_id)
    who: dict[UUID, tuple[str, Kind]] = {}
    if ref is not None:
        agendas = await AGENDA_CACHE.agendas(pool, ref)
        who.update((sheet.buyer_id, (sheet.buyer_name, "buyer")) for sheet in agendas.tables)
        who.update((agenda.sme_id, (agenda.sme_name, "sme")) for agenda in agendas.smes)
    items = [
        AgendaLink(
            id=link.id,
            organisation_id=link.organisation_id,
            organisation_name=who.get(link.organisation_id, (None, None))[0],
            kind=who.get(link.organisation_id, (None, None))[1],
            table=None if link.table_index is None else link.table_index + 1,
            url=agenda_link_url(settings, link.id),  # type: ignore[arg-type]
            created_at=link.created_at,
        )
        for link in links
    ]
    order = {"sme": 0, "buyer": 1, None: 2}
    items.sort(key=lambda item: (order[item.kind], item.organisation_name or "", item.table or 0, item.created_at))
    return AgendaLinkList(items=items)


async def link_participants(request: web.Request, event_id: UUID) -> list[UUID]:
    """Every participant of the published version (SMEs, then buyers); 404 before anything is published."""
    pool = request.app[POOL_KEY]
    ref = await resolve_version(pool, event_id, None, organiser=True)
    agendas = await AGENDA_CACHE.agendas(pool, ref)
    return [agenda.sme_id for agenda in agendas.smes] + list(dict.fromkeys(t.buyer_id for t in agendas.tables))
