"""How old a job may be when it runs: the issue time it carries, and the windows it must fit.

A job is stamped with its issue time when the ack path hands it over, inside what its
signature covers. Lambda retries a failed async invocation for up to ASYNC_MAX_EVENT_AGE_S (the
stack sets the function's maximum event age from this constant); past that a job is either
a record in the failure queue or a captured payload someone is trying again, so the worker
refuses it. `bot replay-failed` may still run a record, by re-signing it with a replay time:
only a holder of the signing key can. Everything a job writes is then checked against the
person's erasure and settings watermarks (bot/memory/watermarks.py) by its issue time.

Cheap to import: the ack path stamps every job it hands over.
"""

from __future__ import annotations

import math

from bot.jobs.types import Job

# Where the times travel in the job, so the signature covers them.
ISSUED_AT = "issued_at"
REPLAYED_AT = "replayed_at"

# Lambda's own ceiling for retrying an async event (six hours); infra sets it explicitly.
ASYNC_MAX_EVENT_AGE_S = 6 * 60 * 60
# The failure queue keeps a record this long (the SQS maximum); infra sets it from here.
FAILURE_RETENTION_DAYS = 14
# The ack path's clock and the worker's are different machines' clocks.
CLOCK_SKEW_S = 60

RETRY_WINDOW_S = ASYNC_MAX_EVENT_AGE_S + CLOCK_SKEW_S
# The oldest job that can run at all: a failure-queue record on its last day, replayed, then
# retried by Lambda. Watermarks older than this can guard nothing and are pruned.
REPLAYABLE_S = FAILURE_RETENTION_DAYS * 24 * 60 * 60 + RETRY_WINDOW_S


def stamped(job: Job, now: float) -> Job:
    """The job as handed over at `now` (epoch seconds)."""
    return {**job, ISSUED_AT: round(now, 3)}


def replayed(job: Job, now: float) -> Job:
    """The job as `bot replay-failed` hands it over again at `now`; its issue time stays."""
    return {**job, REPLAYED_AT: round(now, 3)}


def issued_at(job: Job) -> float | None:
    value = job.get(ISSUED_AT)
    return float(value) if _is_time(value) else None


def is_replay(job: Job) -> bool:
    return REPLAYED_AT in job


def why_refused(job: Job, now: float) -> str | None:
    """Why a job is too old to run at `now`, or None when it may."""
    issued = issued_at(job)
    if issued is None:
        return "no issue time"
    if not is_replay(job):
        return "older than Lambda's retry window" if now - issued > RETRY_WINDOW_S else None
    replay = job[REPLAYED_AT]
    if not _is_time(replay):
        return "malformed replay time"
    if now - replay > RETRY_WINDOW_S:
        return "replayed longer ago than Lambda's retry window"
    if now - issued > REPLAYABLE_S:
        return "older than the failure queue keeps jobs"
    return None


def _is_time(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
