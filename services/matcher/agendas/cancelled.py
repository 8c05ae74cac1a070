"""What a participant whose sign-up was cancelled after publication gets for its agenda: a page saying so, and a
calendar file that cancels its meetings (METHOD:CANCEL, the UIDs its calendar already has)."""

from __future__ import annotations

from collections.abc import Sequence

from .html import _render
from .ics import agenda_ics
from .model import AgendaMeeting, SmeAgenda, TableAgenda


def _header(day: SmeAgenda | Sequence[TableAgenda]) -> SmeAgenda | TableAgenda:
    return day if isinstance(day, SmeAgenda) else day[0]


def cancelled_html(
    day: SmeAgenda | Sequence[TableAgenda], meetings: Sequence[AgendaMeeting], *, lang: str = "sv"
) -> str:
    """The page an agenda link shows once its participant's sign-up is cancelled.

    Examples
    --------
    >>> from services.matcher.agendas.build import build_agendas
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> sme, buyer = snapshot.smes[0].organisation.id, snapshot.buyers[0].organisation.id
    >>> agendas = build_agendas(snapshot, [(sme, buyer, 0, 0, {})], version=1, published_at=snapshot.generated_at,
    ...                         include_contacts=False)
    >>> page = cancelled_html(agendas.sme(sme), agendas.sme(sme).meetings)
    >>> "<h1>Anmälan är avbokad</h1>" in page, "Falu kommun" in page
    (True, True)
    """
    header = _header(day)
    return _render("cancelled.html", header, lang, owner=header.owner_name, meetings=list(meetings))


def cancelled_ics(
    day: SmeAgenda | Sequence[TableAgenda], meetings: Sequence[AgendaMeeting], *, lang: str = "sv"
) -> bytes:
    """A calendar file cancelling ``meetings`` (METHOD:CANCEL, SEQUENCE above the version's)."""
    empty = _header(day).model_copy(update={"meetings": []})
    return agenda_ics(empty, lang=lang, withdrawn=meetings, method="CANCEL")
