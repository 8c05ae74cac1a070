"""What a publish tells people: an e-mail per participant whose agenda is new or changed, and the webhooks.

Pure: agendas in, outbox rows out (``(channel, destination, payload, participant)``, as the outbox holds them).
E-mails are Swedish first with English below, carry the participant's calendar file (.ics: a changed
meeting keeps its UID so calendars update it; a dropped one comes as CANCELLED) and a link placeholder
``{agenda_url}`` that the deliverer fills in with the participant's own agenda link.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from shared import formatting

from ..agendas import AgendaMeeting, Agendas, SmeAgenda, TableAgenda, agenda_ics

# (channel, destination, payload, participant): the organisation an e-mail is for; None for webhooks.
OutboxRow = tuple[str, str, dict[str, Any], UUID | None]


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
            f"{sv_intro}: {header.event_name}, {formatting.day(header.event_date)}{where} (version {header.version}).",
            "Dina möten (svensk tid):",
            *_lines(meetings, "bord"),
            "",
            "Din agenda, med kalenderfil och utskrivbar PDF: {agenda_url}",
            "Kalenderfilen i detta brev uppdaterar mötena i din kalender.",
            "",
            "---",
            f"{en_intro}: {header.event_name}, {formatting.day(header.event_date, 'en')}{where} "
            f"(version {header.version}).",
            "Your meetings (Swedish time):",
            *_lines(meetings, "table"),
            "",
            "Your agenda, with a calendar file and a printable PDF: {agenda_url}",
            "",
        ]
    )


def _email(
    participant: UUID,
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
    return "email", address, payload, participant


def _ics(filename: str, agenda: SmeAgenda | TableAgenda, cancelled: list[AgendaMeeting]) -> dict[str, str]:
    return {
        "filename": filename,
        "content_type": "text/calendar; method=PUBLISH",
        "content": agenda_ics(agenda, cancelled=cancelled).decode(),
    }


@dataclass(frozen=True)
class Told:
    """What a participant may already hold: the version last delivered to it and any still on the way.

    ``baseline`` is the agendas of the newest version whose notice reached it (None: never told);
    ``pending`` those of older notices queued or being sent, which may still arrive. The next notice is
    measured against ``baseline`` and cancels in calendars every meeting that any of them announced.
    """

    baseline: Agendas | None = None
    pending: Sequence[Agendas] = ()

    @property
    def known(self) -> list[Agendas]:
        return [*([self.baseline] if self.baseline is not None else []), *self.pending]


def participant_emails(
    agendas: Agendas,
    told: Mapping[UUID, Told],
    contacts: Mapping[UUID, tuple[str, str]],
    links: Mapping[UUID, UUID],
) -> list[OutboxRow]:
    """One e-mail per participant with a contact whose agenda is new to it or changed since it was last told.

    ``told`` maps organisation id → what it was told (missing: nothing yet); ``contacts`` organisation id →
    (name, e-mail) of its primary contact; ``links`` organisation id → its agenda link id. A participant
    with an older notice still queued gets one now as well, describing this version (the queued one is
    then superseded, so after an outage everyone reads one message about the current schedule).
    """
    rows: list[OutboxRow] = []
    for agenda in agendas.smes:
        state = told.get(agenda.sme_id, Told())
        before = _find_sme(state.baseline, agenda.sme_id)
        changed = before is not None and _placement(before.meetings) != _placement(agenda.meetings)
        if agenda.sme_id not in contacts or (before is not None and not changed and not state.pending):
            continue
        cancelled = _gone(
            [m for known in state.known if (sme := _find_sme(known, agenda.sme_id)) for m in sme.meetings],
            agenda.meetings,
        )
        name, address = contacts[agenda.sme_id]
        attachment = _ics("agenda.ics", agenda, cancelled)
        # Told before about an agenda: this is a change to it (also when only a queued notice differed).
        rows.append(
            _email(
                agenda.sme_id,
                address,
                name,
                agenda,
                agenda.meetings,
                before is not None,
                links.get(agenda.sme_id),
                [attachment],
            )
        )
    buyer_ids = list(dict.fromkeys(sheet.buyer_id for sheet in agendas.tables))
    for buyer_id in buyer_ids:
        state = told.get(buyer_id, Told())
        sheets = agendas.buyer_tables(buyer_id)
        before_sheets = state.baseline.buyer_tables(buyer_id) if state.baseline else []
        before_all = [m for sheet in before_sheets for m in sheet.meetings]
        now_all = [m for sheet in sheets for m in sheet.meetings]
        changed = bool(before_sheets) and _placement(before_all) != _placement(now_all)
        if buyer_id not in contacts or (before_sheets and not changed and not state.pending):
            continue
        name, address = contacts[buyer_id]
        known_all = [m for known in state.known for sheet in known.buyer_tables(buyer_id) for m in sheet.meetings]
        gone = _gone(known_all, now_all)
        attachments = [_ics(f"bord-{sheet.table}.ics", sheet, gone if sheet is sheets[0] else []) for sheet in sheets]
        meetings = sorted(now_all, key=lambda m: (m.start, m.table))
        rows.append(
            _email(buyer_id, address, name, sheets[0], meetings, bool(before_sheets), links.get(buyer_id), attachments)
        )
    return rows


def _gone(announced: Sequence[AgendaMeeting], current: Sequence[AgendaMeeting]) -> list[AgendaMeeting]:
    """Meetings some notice announced whose pair no longer meets: one each, to cancel in calendars."""
    still = {meeting.pair for meeting in current}
    gone: dict[Any, AgendaMeeting] = {}
    for meeting in announced:
        if meeting.pair not in still:
            gone.setdefault(meeting.pair, meeting)
    return list(gone.values())


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
