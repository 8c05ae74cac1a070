"""A schedule job's typed parameters (issue 17): the API body and a decline make them, the queue stores the
same JSON as before the model, and every job stored so far reads back with the meaning it had."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.matcher.engine.examples import example_snapshot
from services.matcher.jobs.parameters import JobParameters
from services.matcher.onsite.declines import REPLAN
from services.matcher.schedules.models import ScheduleRequest
from services.matcher.schedules.runner import job_request
from services.matcher.schedules.store import Rules


def test_the_api_body_is_stored_as_the_same_json_as_before():
    assert ScheduleRequest().parameters().stored() == {"mode": "auto", "seed": 0}
    body = ScheduleRequest.model_validate(
        {"mode": "replan", "from_version": 2, "time_limit_seconds": 12.5, "seed": 7, "avoid_repeat_pairs": False}
    )
    assert body.parameters().stored() == {
        "mode": "replan",
        "seed": 7,
        "from_version": 2,
        "time_limit": 12.5,
        "avoid_repeat_pairs": False,
    }
    assert REPLAN.stored() == {"mode": "replan", "seed": 0}  # a decline's re-plan


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ({}, JobParameters()),
        ({"mode": "replan", "seed": 0}, JobParameters(mode="replan")),
        ({"mode": "auto", "seed": 3, "time_limit": 10}, JobParameters(seed=3, time_limit_seconds=10.0)),
        (
            {"mode": "fresh", "seed": 0, "avoid_repeat_pairs": False},
            JobParameters(mode="fresh", avoid_repeat_pairs=False),
        ),
        (
            {"mode": "replan", "seed": 0, "from_version": 4, "cause": "old"},
            JobParameters(mode="replan", from_version=4),
        ),
    ],
)
def test_jobs_stored_before_read_with_their_meaning(stored: dict, expected: JobParameters):
    parsed = JobParameters.model_validate(stored)
    assert parsed == expected
    assert JobParameters.model_validate(parsed.stored()) == parsed  # what is stored reads back the same


def test_a_stored_job_that_is_not_a_schedule_job_is_refused():
    with pytest.raises(ValidationError) as raised:
        JobParameters.model_validate({"mode": "sometimes"})
    assert [error["loc"] for error in raised.value.errors()] == [("mode",)]


def test_the_solver_gets_the_jobs_seed_and_time_limit_else_the_services():
    document = example_snapshot()
    own = job_request(JobParameters.model_validate({"seed": 5, "time_limit": 3}), document, Rules(), None, 60.0)
    assert (own.seed, own.time_limit, own.mode) == (5, 3.0, "fresh")
    default = job_request(JobParameters(), document, Rules(), [], 60.0)
    assert (default.seed, default.time_limit, default.mode) == (0, 60.0, "replan")
