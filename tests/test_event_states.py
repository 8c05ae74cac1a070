"""shared.event_states: the one event state machine, checked pair by pair, against the database's CHECK
constraint, the snapshot contract, and through the registry's transition route."""

from __future__ import annotations

import re
from itertools import product
from typing import get_args

import pytest

from shared import event_states
from shared.event_states import Actor, EventStatus
from shared.snapshot import SnapshotEvent
from tests.test_events import PROBLEM, create_event, move

STATES = ("draft", "open", "closed", "scheduled", "published")
ORGANISER, BOTH = {"organiser"}, {"organiser", "matcher"}
# (from, to) → (who may, reason required); written out here so that a change to the table shows up as a diff.
EXPECTED = {
    ("draft", "open"): (ORGANISER, False),
    ("open", "closed"): (ORGANISER, False),
    ("closed", "open"): (ORGANISER, False),
    ("closed", "scheduled"): (BOTH, False),
    ("scheduled", "published"): (BOTH, False),
    ("scheduled", "closed"): (ORGANISER, True),
    ("published", "closed"): (ORGANISER, True),
}
REFUSED = [pair for pair in product(STATES, STATES) if pair not in EXPECTED]


def test_the_states_are_the_stored_values() -> None:
    assert [status.value for status in EventStatus] == list(STATES)
    assert set(event_states.LABELS) == set(EventStatus)


@pytest.mark.parametrize(("source", "target"), list(product(STATES, STATES)))
def test_every_pair_is_allowed_or_refused_as_the_table_says(source: str, target: str) -> None:
    move_found = event_states.find_move(EventStatus(source), EventStatus(target))
    if (source, target) not in EXPECTED:
        assert move_found is None
        assert target not in event_states.next_statuses(EventStatus(source))
        return
    who, reason = EXPECTED[(source, target)]
    assert move_found is not None
    assert {str(actor) for actor in move_found.by} == who
    assert move_found.reason_required is reason
    assert target in event_states.next_statuses(EventStatus(source))


def test_moves_are_unique_and_every_state_has_a_way_on() -> None:
    pairs = [(move.source, move.target) for move in event_states.MOVES]
    assert len(pairs) == len(set(pairs)) == len(EXPECTED)
    assert all(event_states.next_statuses(status) for status in EventStatus)


@pytest.mark.parametrize(
    ("source", "to", "steps"),
    [
        ("closed", "published", ["scheduled", "published"]),
        ("closed", "scheduled", ["scheduled"]),
        ("scheduled", "published", ["published"]),
        ("scheduled", "scheduled", []),
        ("published", "published", []),
        ("open", "published", []),  # still open for sign-up: the matcher leaves it
        ("draft", "published", []),
        ("published", "closed", []),  # re-opening is the organisers' alone
        ("closed", "open", []),
    ],
)
def test_the_matcher_steps_only_through_its_own_moves(source: str, to: str, steps: list[str]) -> None:
    path = event_states.matcher_path(EventStatus(source), EventStatus(to))
    assert [str(step) for step in path] == steps
    for before, after in zip([source, *steps], steps, strict=False):
        found = event_states.find_move(EventStatus(before), EventStatus(after))
        assert found is not None and Actor.MATCHER in found.by


def test_one_label_per_state_and_no_two_alike() -> None:
    labels = [event_states.label(state) for state in STATES]
    assert len(set(labels)) == len(STATES)
    assert event_states.label("scheduled") == "Schema klart, inte publicerat"
    assert event_states.label("archived") == "archived"


def test_the_snapshot_contract_lists_the_same_states() -> None:
    literal = SnapshotEvent.model_fields["status"].annotation
    assert set(get_args(literal)) == set(STATES)


async def test_the_database_check_constraint_allows_exactly_the_states(db) -> None:
    definitions = await db.fetch(
        """SELECT pg_get_constraintdef(c.oid) AS definition
        FROM pg_constraint AS c
        JOIN pg_class AS t ON t.oid = c.conrelid
        JOIN pg_namespace AS n ON n.oid = t.relnamespace
        JOIN pg_attribute AS a ON a.attrelid = t.oid AND a.attnum = ANY(c.conkey)
        WHERE n.nspname = 'registry' AND t.relname = 'events' AND c.contype = 'c' AND a.attname = 'status'"""
    )
    assert len(definitions) == 1, definitions
    allowed = re.findall(r"'([^']*)'::text", definitions[0]["definition"])
    assert sorted(allowed) == sorted(status.value for status in EventStatus)


async def test_a_refused_move_is_409_problem_with_the_next_states(registry, organiser_token, db) -> None:
    event = await create_event(registry, organiser_token)
    for source, target in REFUSED:
        await db.execute("UPDATE registry.events SET status = $2 WHERE id = $1", event["id"], source)
        response = await move(registry, organiser_token, event["id"], target, reason="test")
        assert response.status == 409, (source, target)
        assert response.content_type == PROBLEM
        problem = await response.json()
        assert problem["type"].endswith(":invalid-transition")
        expected = sorted(to for (start, to) in EXPECTED if start == source)
        assert sorted(problem["allowed"]) == expected, (source, target)
    assert await db.fetchval("SELECT count(*) FROM registry.event_transitions") == 0


async def test_the_service_token_makes_only_the_matchers_moves(registry, organiser_token, service_token, db) -> None:
    event = await create_event(registry, organiser_token)
    for (source, target), (who, _reason) in EXPECTED.items():
        await db.execute("UPDATE registry.events SET status = $2 WHERE id = $1", event["id"], source)
        response = await move(registry, service_token, event["id"], target, reason="test")
        assert response.status == (200 if "matcher" in who else 403), (source, target, await response.text())
    history = await db.fetch("SELECT from_status, to_status FROM registry.event_transitions ORDER BY id")
    assert [(row["from_status"], row["to_status"]) for row in history] == [
        pair for pair, (who, _reason) in EXPECTED.items() if "matcher" in who
    ]
