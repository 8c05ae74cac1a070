"""The feedback e-mails, Swedish first with English below, as outbox payloads (pure).

They name ``{agenda_url}/utvardering``: the deliverer fills in the participant's own agenda link at send
time (the token is never stored), so the page opens without a login.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from shared import formatting

from ..agendas.model import AgendaHeader
from ..reminders.texts import AGENDA_URL, _payload

FEEDBACK_URL = AGENDA_URL + "/utvardering"


def feedback_mail(
    to: str,
    name: str,
    header: AgendaHeader,
    meetings: int,
    closes_at: dt.datetime,
    link_id: UUID,
    *,
    reminder: bool = False,
) -> dict[str, Any]:
    """The question after the day (or its one reminder): how did the meetings go, and the link to answer.

    Examples
    --------
    >>> from services.matcher.agendas.build import build_agendas
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> sme, buyer = snapshot.smes[0].organisation.id, snapshot.buyers[0].organisation.id
    >>> agenda = build_agendas(snapshot, [(sme, buyer, 0, 0, {})], version=1, published_at=snapshot.generated_at,
    ...                        include_contacts=False).sme(sme)
    >>> closes = dt.datetime(2025, 10, 21, 16, 0, tzinfo=dt.UTC)
    >>> mail = feedback_mail("anna@example.se", "Anna", agenda, 1, closes, UUID(int=7))
    >>> mail["subject"]
    'Hur gick mötena? Affärsträff Falun, tisdag 7 oktober 2025'
    >>> "{agenda_url}/utvardering" in mail["text"], "tisdag 21 oktober 2025 kl. 18:00 (svensk tid)" in mail["text"]
    (True, True)
    >>> feedback_mail("a@x.se", "A", agenda, 1, closes, UUID(int=7), reminder=True)["subject"][:11]
    'Påminnelse:'
    """
    count_sv = "ert möte" if meetings == 1 else f"era {meetings} möten"
    count_en = "your meeting" if meetings == 1 else f"your {meetings} meetings"
    return _round_mail(
        to, name, header, closes_at, link_id, reminder=reminder, subject="Hur gick mötena?", url=FEEDBACK_URL,
        sv=[f"Tack för att ni var med på {header.event_name} {formatting.day(header.event_date)}. Hur gick {count_sv}?",
            "Svara med några klick per möte: blev det av, och blir det något mer? Bara arrangören ser era svar."],
        en=[f"Thank you for taking part in {header.event_name} on {formatting.day(header.event_date, 'en')}. "
            f"How did {count_en} go?",
            "A few clicks per meeting: did it take place, and will anything follow? Only the organiser sees your "
            "answers."],
        until=("Ni kan ändra era svar till", "You can change your answers until"),
    )  # fmt: skip


def _round_mail(
    to: str, name: str, header: AgendaHeader, closes_at: dt.datetime, link_id: UUID, *, reminder: bool,
    subject: str, url: str, sv: list[str], en: list[str], until: tuple[str, str],
) -> dict[str, Any]:  # fmt: skip
    """A round's e-mail: the Swedish lines, the link and the closing time, then the same in English."""
    zone = header.time_zone
    local_sv, local_en = formatting.when(closes_at, "sv", zone), formatting.when(closes_at, "en", zone)
    zone_sv, zone_en = formatting.zone_name(zone, "sv"), formatting.zone_name(zone, "en")
    lines = [
        f"Hej {name}!", "", *sv, "", f"Svara här (ingen inloggning): {url}", f"{until[0]} {local_sv} ({zone_sv}).", "",
        "---", *en, "", f"Answer here (no login): {url}?lang=en", f"{until[1]} {local_en} ({zone_en}).", "",
    ]  # fmt: skip
    full = f"{subject} {header.event_name}, {formatting.day(header.event_date)}"
    return _payload(to, ("Påminnelse: " + full) if reminder else full, lines, link_id)


FOLLOW_UP_URL = AGENDA_URL + "/uppfoljning"


def follow_up_mail(
    to: str,
    name: str,
    header: AgendaHeader,
    meetings: int,
    closes_at: dt.datetime,
    link_id: UUID,
    *,
    reminder: bool = False,
) -> dict[str, Any]:
    """The second round's question, months later: what came of the needs discussed (or its one reminder).

    Examples
    --------
    >>> header = AgendaHeader(event_id=UUID(int=1), event_name="Affärsträff Falun", event_date=dt.date(2025, 10, 7),
    ...                       venue="", time_zone="Europe/Stockholm", version=1,
    ...                       published_at=dt.datetime(2025, 10, 1, tzinfo=dt.UTC))
    >>> mail = follow_up_mail("a@x.se", "A", header, 2, dt.datetime(2026, 5, 7, 8, tzinfo=dt.UTC), UUID(int=7))
    >>> mail["subject"], "{agenda_url}/uppfoljning" in mail["text"], "torsdag 7 maj 2026 kl. 10:00" in mail["text"]
    ('Vad blev det av? Affärsträff Falun, tisdag 7 oktober 2025', True, True)
    """
    return _round_mail(
        to, name, header, closes_at, link_id, reminder=reminder, subject="Vad blev det av?", url=FOLLOW_UP_URL,
        sv=[f"För några månader sedan var ni med på {header.event_name} {formatting.day(header.event_date)}.",
            "Vad blev det av behoven ni pratade om? Har ni lämnat anbud, fått uppdraget, eller hur köptes det?",
            "Några klick per behov; bara arrangören ser era svar."],
        en=[f"A few months ago you took part in {header.event_name} on {formatting.day(header.event_date, 'en')}.",
            "What came of the needs you discussed? Did you bid, win the contract, or how was it procured?",
            "A few clicks per need; only the organiser sees your answers."],
        until=("Ni kan svara till", "You can answer until"),
    )  # fmt: skip
