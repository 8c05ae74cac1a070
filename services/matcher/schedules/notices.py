"""What a publish tells people: an e-mail per participant whose agenda is new or changed, and the webhooks.

Pure: agendas in, outbox rows out (``(channel, destination, payload)`` as the outbox contract describes).
E-mails are Swedish first with English below, carry the participant's calendar file (.ics: a changed
meeting keeps its UID so calendars update it; a dropped one comes as CANCELLED) and a link placeholder
``{agenda_url}`` that the deliverer fills in with the participant's own agenda link.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from ..agendas import AgendaMeeting, Agendas, SmeAgenda, TableAgenda, agenda_ics, removed_meetings

OutboxRow = tuple[str, str, dict[str, Any]]


def _placement(meetings: Sequence[AgendaMeeting]) -> set[tuple[UUID, UUID, int, int]]:
    return {(m.sme_id, m.buyer_id, m.slot, m.table) for m in meetings}


def _lines(meetings: Sequence[AgendaMeeting], table_word: str) -> list[str]:
    lines = []
    for meeting in meetings:
        need = f" — {meeting.needs[0].title}" if meeting.needs else ""
        lines.append(f"  {meeting.local_time}  {table_word} {meeting.table}  {meeting.counterpart_name}{need}")
    return lines or ["  –"]


def _text(name: str, header: SmeAgenda | TableAgenda, meetings: list[AgendaMeeting], changed: bool) -> str:
    where = f", {header.venue}" if header.venue else ""
    sv_intro = "Ditt schema har ändrats" if changed else "Schemat är publicerat"
    en_intro = "Your schedule has changed" if changed else "The schedule is published"
    return "\n".join(
        [
            f"Hej {name}!",
            "",
            f"{sv_intro}: {header.event_name}, {header.event_date:%Y-%m-%d}{where} (version {header.version}).",
            "Dina möten (svensk tid):",
            *_lines(meetings, "bord"),
            "",
            "Din agenda, med kalenderfil och utskrivbar PDF: {agenda_url}",
            "Kalenderfilen i detta brev uppdaterar mötena i din kalender.",
            "",
            "---",
            f"{en_intro}: {header.event_name}, {header.event_date:%Y-%m-%d}{where} (version {header.version}).",
            "Your meetings (Swedish time):",
            *_lines(meetings, "table"),
            "",
            "Your agenda, with a calendar file and a printable PDF: {agenda_url}",
            "",
        ]
    )


def _email(
    address: str,
    name: str,
    header: SmeAgenda | TableAgenda,
    meetings: list[AgendaMeeting],
    changed: bool,
    link_id: UUID | None,
    attachments: list[dict[str, str]],
) -> OutboxRow:
    subject = ("Ändrat schema" if changed else "Ditt schema") + f": {header.event_name} (version {header.version})"
    payload = {
        "to": address,
        "subject": subject,
        "text": _text(name, header, meetings, changed),
        "html": None,
        "link_id": str(link_id) if link_id else None,
        "attachments": attachments,
    }
    return "email", address, payload


def _ics(filename: str, agenda: SmeAgenda | TableAgenda, cancelled: list[AgendaMeeting]) -> dict[str, str]:
    return {
        "filename": filename,
        "content_type": "text/calendar; method=PUBLISH",
        "content": agenda_ics(agenda, cancelled=cancelled).decode(),
    }


def participant_emails(
    agendas: Agendas,
    previous: Agendas | None,
    contacts: Mapping[UUID, tuple[str, str]],
    links: Mapping[UUID, UUID],
) -> list[OutboxRow]:
    """One e-mail per participant with a contact whose agenda is new (first publish) or changed since ``previous``.

    ``contacts`` maps organisation id → (name, e-mail) of its primary contact; ``links`` organisation id →
    its agenda link id.
    """
    rows: list[OutboxRow] = []
    for agenda in agendas.smes:
        before = _find_sme(previous, agenda.sme_id)
        cancelled = removed_meetings(before, agenda) if before else []
        changed = before is not None and _placement(before.meetings) != _placement(agenda.meetings)
        if agenda.sme_id not in contacts or (previous is not None and not changed and before is not None):
            continue
        name, address = contacts[agenda.sme_id]
        attachment = _ics("agenda.ics", agenda, cancelled)
        rows.append(_email(address, name, agenda, agenda.meetings, changed, links.get(agenda.sme_id), [attachment]))
    buyer_ids = list(dict.fromkeys(sheet.buyer_id for sheet in agendas.tables))
    for buyer_id in buyer_ids:
        sheets = agendas.buyer_tables(buyer_id)
        before_sheets = previous.buyer_tables(buyer_id) if previous else []
        before_all = [m for sheet in before_sheets for m in sheet.meetings]
        now_all = [m for sheet in sheets for m in sheet.meetings]
        changed = bool(before_sheets) and _placement(before_all) != _placement(now_all)
        if buyer_id not in contacts or (previous is not None and before_sheets and not changed):
            continue
        name, address = contacts[buyer_id]
        attachments = []
        for sheet in sheets:
            gone = [m for m in before_all if m.pair not in {n.pair for n in now_all}]
            attachments.append(_ics(f"bord-{sheet.table}.ics", sheet, gone if sheet is sheets[0] else []))
        meetings = sorted(now_all, key=lambda m: (m.start, m.table))
        rows.append(_email(address, name, sheets[0], meetings, changed, links.get(buyer_id), attachments))
    return rows


def _find_sme(agendas: Agendas | None, sme_id: UUID) -> SmeAgenda | None:
    if agendas is None:
        return None
    try:
        return agendas.sme(sme_id)
    except KeyError:
        return None


def webhook_payload(
    *,
    event_id: UUID,
    version: int,
    previous_version: int | None,
    published_at: datetime,
    meetings: int,
    changes: Mapping[str, int],
) -> dict[str, Any]:
    """The JSON body POSTed to an event's webhooks when a version is published."""
    return {
        "type": "schedule.changed" if previous_version else "schedule.published",
        "event_id": str(event_id),
        "version": version,
        "previous_version": previous_version,
        "published_at": published_at.isoformat(),
        "meetings": meetings,
        "changes": dict(changes),
        "links": {
            "schedule": f"/events/{event_id}/schedules/{version}",
            "grid": f"/events/{event_id}/agendas/grid.html",
        },
    }
