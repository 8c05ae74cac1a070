"""The e-mail telling a firm that a need moved, Swedish first with English below (pure: data in, payload out).

A firm that met the buyer hears that the procurement they talked about is advertised ("Upphandlingen ni
pratade om är nu annonserad"); a firm following the need hears of each move. The tender period is shown in
Swedish time (Europe/Stockholm), whatever offset the buyer's OCDS release gave.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from shared import formatting

STOCKHOLM = ZoneInfo("Europe/Stockholm")

# What happened, per stage: (Swedish, English), the need's title in quotes as {title}.
_MOVES = {
    "tender": ("har annonserat upphandlingen ”{title}”", "has advertised the tender “{title}”"),
    "awarded": ("har tilldelat kontraktet i upphandlingen ”{title}”", "has awarded the contract of “{title}”"),
    "contract": ("har tecknat avtal i upphandlingen ”{title}”", "has signed the contract of “{title}”"),
    "cancelled": ("har avbrutit upphandlingen ”{title}”", "has cancelled the tender “{title}”"),
    "unsuccessful": (
        "har avslutat upphandlingen ”{title}” utan tilldelning",
        "has closed the tender “{title}” without an award",
    ),
}
_SUBJECTS = {
    "tender": "är nu annonserad",
    "awarded": "har tilldelats",
    "contract": "har fått ett avtal",
    "cancelled": "har avbrutits",
    "unsuccessful": "avslutades utan tilldelning",
}
STAGES = frozenset(_MOVES)


@dataclass(frozen=True)
class NeedFacts:
    """What the e-mail says about the need (from the registry's ``GET /needs/{id}``)."""

    need_id: UUID
    title: str
    buyer_name: str
    tender_start: dt.datetime | None
    tender_end: dt.datetime | None


@dataclass(frozen=True)
class Reader:
    """Whom the e-mail is for: its first contact, and the event where it met the buyer (None: it follows)."""

    organisation_id: UUID
    contact_name: str
    email: str
    event_name: str | None = None
    event_date: dt.date | None = None


def local(moment: dt.datetime, lang: str = "sv") -> str:
    """A moment as Swedish local time (:func:`shared.formatting.when`).

    Examples
    --------
    >>> local(dt.datetime(2026, 5, 4, 21, 59, 59, tzinfo=dt.UTC))
    'måndag 4 maj 2026 kl. 23:59'
    >>> local(dt.datetime(2026, 5, 4, 21, tzinfo=dt.UTC), "en")
    'Monday 4 May 2026 at 23:00'
    """
    return formatting.when(moment, lang, STOCKHOLM)


def _period(need: NeedFacts, words: tuple[str, str, str], lang: str) -> str | None:
    """The tender period line ("Anbudstid: … – …"), or None when the release gave no dates."""
    label, since, until = words
    if need.tender_start and need.tender_end:
        return f"{label}: {local(need.tender_start, lang)} – {local(need.tender_end, lang)}"
    if need.tender_end:
        return f"{label}: {until} {local(need.tender_end, lang)}"
    if need.tender_start:
        return f"{label}: {since} {local(need.tender_start, lang)}"
    return None


def stage_notice(need: NeedFacts, stage: str, reader: Reader, link: str | None) -> dict[str, Any]:
    """The outbox payload telling ``reader`` that ``need`` moved to ``stage``.

    Examples
    --------
    >>> need = NeedFacts(UUID(int=1), "Snöröjning Falun", "Falu kommun",
    ...                  dt.datetime(2026, 3, 31, 22, tzinfo=dt.UTC), dt.datetime(2026, 5, 4, 21, 59, tzinfo=dt.UTC))
    >>> met = Reader(UUID(int=2), "Anna", "anna@example.se", "Affärsträff Falun", dt.date(2025, 10, 7))
    >>> mail = stage_notice(need, "tender", met, "https://web.example/foretag/behov/1")
    >>> mail["subject"]
    'Upphandlingen ni pratade om är nu annonserad: Snöröjning Falun'
    >>> print(*mail["text"].splitlines()[2:5], sep="\\n")  # doctest: +NORMALIZE_WHITESPACE
    Falu kommun har annonserat upphandlingen ”Snöröjning Falun”, som ni pratade om på Affärsträff Falun
    tisdag 7 oktober 2025.
    Anbudstid (svensk tid): onsdag 1 april 2026 kl. 00:00 – måndag 4 maj 2026 kl. 23:59
    Läs mer: https://web.example/foretag/behov/1
    >>> stage_notice(need, "awarded", Reader(UUID(int=3), "", "b@example.se"), None)["subject"]
    'Upphandlingen ni följer har tilldelats: Snöröjning Falun'
    """
    move_sv, move_en = _MOVES[stage]
    subject_sv = _SUBJECTS[stage]
    met = reader.event_name is not None
    when_sv = f" {formatting.day(reader.event_date)}" if reader.event_date else ""
    when_en = f" on {formatting.day(reader.event_date, 'en')}" if reader.event_date else ""
    about_sv = f", som ni pratade om på {reader.event_name}{when_sv}" if met else ", som ni följer"
    about_en = f", which you talked about at {reader.event_name}{when_en}" if met else ", which you follow"
    which = "ni pratade om" if met and stage == "tender" else "ni följer"
    period_sv = _period(need, ("Anbudstid (svensk tid)", "från", "till"), "sv")
    period_en = _period(need, ("Tender period (Swedish time)", "from", "until"), "en")
    greeting = f"Hej {reader.contact_name}!" if reader.contact_name else "Hej!"
    lines = [
        greeting,
        "",
        f"{need.buyer_name} {move_sv.format(title=need.title)}{about_sv}.",
        *([period_sv] if period_sv else []),
        *([f"Läs mer: {link}"] if link else []),
        "",
        "---",
        f"{need.buyer_name} {move_en.format(title=need.title)}{about_en}.",
        *([period_en] if period_en else []),
        *([f"Read more: {link}"] if link else []),
        "",
        "Ni får det här för att ni träffade köparen på en affärsträff eller följer upphandlingen.",
        "You get this because you met the buyer at a matchmaking event or follow the tender.",
    ]
    return {
        "to": reader.email,
        "subject": f"Upphandlingen {which} {subject_sv}: {need.title}",
        "text": "\n".join(lines),
        "html": None,
        "link_id": None,
        "attachments": [],
    }
