"""Durable schedule jobs: the queue in PostgreSQL (:mod:`.queue`) and the worker that runs them (:mod:`.worker`)."""

from .queue import Job, claim, complete, complete_with, enqueue, fail, get_job, heartbeat, release
from .worker import Infeasible, JobHandler, ProgressReporter, ResultWriter, Retryable, run_worker

__all__ = [
    "Infeasible",
    "Job",
    "JobHandler",
    "ProgressReporter",
    "ResultWriter",
    "Retryable",
    "claim",
    "complete",
    "complete_with",
    "enqueue",
    "fail",
    "get_job",
    "heartbeat",
    "release",
    "run_worker",
]
