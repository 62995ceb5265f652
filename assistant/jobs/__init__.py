"""Background jobs: a queue in the relational store (`queue.py`); `assistant worker`
(`worker.py`) runs them, so one process writes the indexes."""

from assistant.jobs.queue import DONE, FAILED, QUEUED, RUNNING, Job, JobQueue

__all__ = ["DONE", "FAILED", "QUEUED", "RUNNING", "Job", "JobQueue"]
