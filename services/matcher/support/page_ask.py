"""A firm asks for the individual support in its after-day feedback form (``/a/{token}/utvardering``).

The form (:mod:`services.matcher.feedback.page`) shows firms, never buyers, a checkbox "Vi vill gärna ha
individuellt stöd efter träffen" with a note; once the firm has asked, the form says so instead. Saving the
form with the box ticked makes the request (source ``feedback``) in the answers' transaction; asking again,
or having asked at sign-up, changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg
from pydantic import BaseModel, TypeAdapter, ValidationError

from ..agendas.link_store import StoredLink
from ..audit import Actor
from ..feedback.model import MyFeedback
from ..sql import support as sql
from .model import Note
from .store import request_support

SUPPORT_WORDS = {
    "sv": {
        "support_legend": "Individuellt stöd",
        "support_box": "Vi vill gärna ha individuellt stöd efter träffen",
        "support_about": "Subventionerat och tidsbegränsat; arrangören hör av sig.",
        "support_note": "Vad vill ni ha hjälp med? (valfritt)",
        "support_asked": "Ni har bett om individuellt stöd efter träffen; arrangören hör av sig.",
        "support_too_long": "Texten får vara högst 2000 tecken.",
    },
    "en": {
        "support_legend": "Individual support",
        "support_box": "We would like individual support after the event",
        "support_about": "Subsidised and limited in time; the organiser will be in touch.",
        "support_note": "What would you like help with? (optional)",
        "support_asked": "You have asked for individual support after the event; the organiser will be in touch.",
        "support_too_long": "The text can be at most 2000 characters.",
    },
}
_NOTE = TypeAdapter(Note)


class SupportState(BaseModel):
    """What the form shows of the firm's support request."""

    asked: bool
    note: str = ""


class FeedbackPage(MyFeedback):
    """The feedback form's document: the meetings to rate and, for a firm, its support request (None: a buyer)."""

    support: SupportState | None = None


async def with_support(conn: asyncpg.Connection, link: StoredLink, found: MyFeedback) -> FeedbackPage:
    """The feedback with the firm's support request as it stands (buyers are not offered the support)."""
    is_firm = any(m.sme_id == link.organisation_id for m in found.meetings)
    support = None
    if is_firm:
        row = await conn.fetchrow(sql.SELECT_REQUEST, link.event_id, link.organisation_id)
        support = SupportState(asked=row is not None, note=row["note"] if row is not None else "")
    return FeedbackPage(**found.model_dump(), support=support)


@dataclass(frozen=True)
class SupportAsk:
    """The ticked box and its note, to make the request with the answers."""

    note: str

    @classmethod
    def parse(
        cls, found: FeedbackPage, form: Mapping[str, Any], lang: str, typed: dict, errors: dict[str, str]
    ) -> SupportAsk | None:
        """The box as posted (None: not ticked, already asked, or not a firm); an error in ``errors``."""
        if found.support is None or found.support.asked or not form.get("support"):
            return None
        note = str(form.get("support-note", ""))
        typed["support"] = note
        try:
            return cls(note=_NOTE.validate_python(note))
        except ValidationError:
            errors["support"] = SUPPORT_WORDS[lang]["support_too_long"]
            return None

    async def make(self, conn: asyncpg.Connection, link: StoredLink, now: dt.datetime) -> None:
        # The link's firm acts (no token): the audit names its organisation.
        actor = Actor(None, "sme", link.organisation_id)
        await request_support(conn, link.event_id, link.organisation_id, "feedback", self.note, now, actor)
