"""A schedule job's parameters, typed: made from the request that queues the job, read back by the worker.

The queue itself keeps parameters as JSON (``matcher.jobs.params``, any kind of job); a schedule job's
are parsed into :class:`JobParameters` once where the job is made (the API body, a decline's re-plan)
and once where the worker reads the stored job, and the model is what the planning code gets.

The stored JSON is what it has always been, so jobs queued before this model read the same: the time
limit is stored as ``time_limit`` (the API body's ``time_limit_seconds``), and a parameter holding its
default is left out except ``mode`` and ``seed``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class JobParameters(BaseModel):
    """How a schedule job plans: its mode, where a re-plan starts, the solve's seed and time, repeat pairs.

    Examples
    --------
    >>> JobParameters.model_validate({}).stored()  # a job stored with no parameters: every default
    {'mode': 'auto', 'seed': 0}
    >>> stored = JobParameters(mode="replan", time_limit_seconds=30, avoid_repeat_pairs=False).stored()
    >>> stored
    {'mode': 'replan', 'seed': 0, 'time_limit': 30.0, 'avoid_repeat_pairs': False}
    >>> JobParameters.model_validate(stored).time_limit_seconds
    30.0
    """

    # Not forbid: the worker must read every job stored so far, whatever else its JSON held.
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    mode: Literal["auto", "fresh", "replan"] = "auto"
    from_version: int | None = Field(default=None, description="Version number to re-plan from")
    # validation_alias, not alias: only reading the stored JSON needs the other name (stored() writes it), and
    # the type checker takes an alias for the constructor's keyword, which is time_limit_seconds.
    time_limit_seconds: float | None = Field(
        default=None, validation_alias="time_limit", description="Seconds for the solve (None: the service's default)"
    )
    seed: int = Field(default=0, description="Seed of the randomised phases")
    avoid_repeat_pairs: bool = Field(default=True, description="Keep pairs who met at an earlier event apart")

    def time_limit(self, default: float) -> float:
        """Seconds for this job's solve: its own limit, else ``default`` (the service's setting).

        Examples
        --------
        >>> JobParameters().time_limit(60.0), JobParameters(time_limit_seconds=5).time_limit(60.0)
        (60.0, 5.0)
        """
        return float(self.time_limit_seconds or default)

    def stored(self) -> dict[str, Any]:
        """The JSON kept in ``matcher.jobs.params`` (and shown as a job's ``params``)."""
        params: dict[str, Any] = {"mode": self.mode, "seed": self.seed}
        if self.from_version is not None:
            params["from_version"] = self.from_version
        if self.time_limit_seconds is not None:
            params["time_limit"] = self.time_limit_seconds
        if not self.avoid_repeat_pairs:  # the default is left out, so earlier jobs' params read the same
            params["avoid_repeat_pairs"] = False
        return params
