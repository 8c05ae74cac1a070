"""Durable schedule jobs: the queue in PostgreSQL (:mod:`.queue`) and the worker that runs them (:mod:`.worker`)."""

from .queue import Job, claim, complete, enqueue, fail, get_job, heartbeat, release
from .worker import Infeasible, JobHandler, ProgressReporter, Retryable, run_worker

__all__ = [
    "Infeasible",
    "Job",
    "JobHandler",
    "ProgressReporter",
    "Retryable",
    "claim",
    "complete",
    "enqueue",
    "fail",
    "get_job",
    "heartbeat",
    "release",
    "run_worker",
]
