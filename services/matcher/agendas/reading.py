"""What an agenda read asks for, and how its answer is tagged: the path's format, the query (language,
version, ``since``), which version that is (:func:`resolve_version`), the ETags, and the cache headers of
private documents. Shared by the agenda handlers (:mod:`.routes`), the calendar feed, the reception file
and the venue board.
"""

from __future__ import annotations

import hashlib
from types import EllipsisType
from typing import Literal
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, Field

from shared.errors import NotFound, ProblemError

from .documents import Format
from .versions import Source, VersionRef, published_version, version_by_number

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


NO_QUERY = ParticipantAgendaQuery()  # never changed: shared by every read without a query string


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
