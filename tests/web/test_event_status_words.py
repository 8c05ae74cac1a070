"""An event's status has one label per state on every page (organisers', firms', buyers'), in Swedish from
shared.event_states and in English from the catalogue; the organiser's buttons are the organisers' moves."""

from __future__ import annotations

import pytest

from services.web import i18n
from services.web.buyer_pages import EVENT_STATUS, words
from services.web.event_status_words import BUTTON_LABELS, BUTTON_MOVES, buttons, status_label
from services.web.render import template_environment
from shared import event_states
from shared.event_states import Actor, EventStatus

STATES = [str(status) for status in EventStatus]


@pytest.fixture(params=["sv", "en"])
def language(request: pytest.FixtureRequest):
    token = i18n.current_language.set(request.param)
    yield request.param
    i18n.current_language.reset(token)


def test_every_label_has_its_own_english_in_the_catalogue() -> None:
    # The catalogue test extracts texts from services/web only; these are defined in shared/.
    english = i18n.entries("en")
    translated = [english.get((event_states.LABEL_CONTEXT, event_states.label(state))) for state in STATES]
    assert all(translated), dict(zip(STATES, translated, strict=True))
    assert len(set(translated)) == len(STATES)


def test_status_label_is_the_shared_label_in_the_page_language(language: str) -> None:
    english = i18n.entries("en")
    for state in STATES:
        swedish = event_states.label(state)
        expected = english[(event_states.LABEL_CONTEXT, swedish)] if language == "en" else swedish
        assert status_label(state) == expected
    assert status_label("archived") == "archived"


def test_buyer_and_firm_pages_use_the_same_label(language: str) -> None:
    assert set(EVENT_STATUS) == set(STATES) - {"draft"}  # buyers never see drafts
    assert words(EVENT_STATUS) == {state: status_label(state) for state in EVENT_STATUS}
    macro = template_environment().from_string(
        '{% from "sme/_status.html" import event_status %}{{ event_status(status) }}'
    )
    for state in STATES:
        badge = macro.render(status=state)
        assert f">{status_label(state)}</span>" in badge, badge
        assert ("badge ok" in badge) is (state in ("open", "published"))


def test_the_organisers_buttons_are_the_organisers_own_moves(language: str) -> None:
    expected = {
        (str(move.source), str(move.target))
        for move in event_states.MOVES
        if Actor.ORGANISER in move.by and Actor.MATCHER not in move.by
    }
    assert set(BUTTON_LABELS) == expected == {(str(m.source), str(m.target)) for m in BUTTON_MOVES}
    assert [b["to"] for b in buttons("closed")] == ["open"]  # scheduling is the matcher's, on publishing
    assert [(b["to"], b["reason"]) for b in buttons("published")] == [("closed", True)]
    assert buttons("draft")[0]["label"] == i18n.gettext("Öppna anmälan")
    if language == "en":
        assert buttons("draft")[0]["label"] != "Öppna anmälan"
