"""A job's issue time: stamped at the hand-over, inside the signature, and how old it may run."""

from __future__ import annotations

import json
import threading

from bot.jobs.dispatch import JOB_EVENT_KEY, LambdaDispatcher, ThreadDispatcher
from bot.jobs.freshness import (
    ASYNC_MAX_EVENT_AGE_S,
    REPLAYABLE_S,
    RETRY_WINDOW_S,
    replayed,
    stamped,
    why_refused,
)
from bot.jobs.signing import JOB_HMAC_KEY, JobSigner

NOW = 1_800_000_000.0
JOB = {"kind": "reply", "user_id": "U1", "event_key": "event:Ev1"}


def test_a_job_runs_within_lambdas_retry_window_and_not_after():
    assert why_refused(stamped(JOB, NOW - ASYNC_MAX_EVENT_AGE_S + 1), NOW) is None
    assert why_refused(stamped(JOB, NOW - RETRY_WINDOW_S - 1), NOW) == (
        "older than Lambda's retry window"
    )


def test_a_replay_runs_an_old_job_within_the_failure_queues_life_only():
    old = stamped(JOB, NOW - 13 * 24 * 3600)
    assert why_refused(replayed(old, NOW), NOW) is None
    # The replay itself is retried by Lambda like any invocation, within the same window.
    assert why_refused(replayed(old, NOW - RETRY_WINDOW_S - 1), NOW) is not None
    ancient = stamped(JOB, NOW - REPLAYABLE_S - 1)
    assert why_refused(replayed(ancient, NOW), NOW) == "older than the failure queue keeps jobs"


def test_a_job_without_a_usable_issue_time_is_refused():
    for job in (
        JOB,
        {**JOB, "issued_at": "yesterday"},
        {**JOB, "issued_at": True},
        {**JOB, "issued_at": float("nan")},
    ):
        assert why_refused(job, NOW) == "no issue time"
    assert why_refused({**stamped(JOB, NOW), "replayed_at": "now"}, NOW) == "malformed replay time"


def test_the_thread_dispatcher_stamps_each_job_as_it_is_handed_over():
    ran: list[dict] = []
    done = threading.Event()

    def run(job: dict) -> None:
        ran.append(job)
        done.set()

    dispatcher = ThreadDispatcher(run, clock=lambda: NOW)
    dispatcher.submit({**JOB, "issued_at": 0})  # whatever a job says, the hand-over decides
    assert done.wait(5)
    dispatcher.shutdown()
    assert ran == [{**JOB, "issued_at": NOW}]


class _Invoker:
    def __init__(self) -> None:
        self.payloads: list[dict] = []

    def invoke(self, **call) -> None:
        self.payloads.append(json.loads(call["Payload"]))


def test_the_lambda_hand_over_signs_the_issue_time_with_the_job():
    invoker, signer = _Invoker(), JobSigner("signing-secret")
    dispatcher = LambdaDispatcher(lambda: invoker, signer, clock=lambda: NOW)
    dispatcher.function_arn = "arn:aws:lambda:us-east-1:123456789012:function:memory-bot"
    dispatcher.submit(JOB)
    (event,) = invoker.payloads
    job, signature = event[JOB_EVENT_KEY], event[JOB_HMAC_KEY]
    assert job["issued_at"] == NOW and signer.verify(job, signature)
    # Made younger, or marked as a replay, by anyone without the key: the signature breaks.
    assert not signer.verify({**job, "issued_at": NOW + 3600}, signature)
    assert not signer.verify(replayed(job, NOW + 3600), signature)
