"""`bot replay-failed`: what Lambda parked in the failure queue runs again, forged records don't."""

from __future__ import annotations

import boto3
import pytest

from bot.aws.replay import replay_failed
from bot.jobs.dispatch import job_event
from bot.jobs.freshness import REPLAYABLE_S, stamped
from bot.jobs.signing import JobSigner
from tests.support.lambda_events import CapturedInvokes, failure_record

SECRET = "signing-secret"
NOW = 1_800_000_000.0
DAY = 24 * 60 * 60


@pytest.fixture
def queue(aws):
    sqs = boto3.client("sqs", region_name="us-east-1")
    return sqs, sqs.create_queue(QueueName="memory-bot-failures")["QueueUrl"]


def _park(sqs, url: str, payload: object) -> None:
    sqs.send_message(QueueUrl=url, MessageBody=failure_record(payload))


def test_failed_jobs_are_invoked_again_marked_as_replays_and_leave_the_queue(queue):
    sqs, url = queue
    signer = JobSigner(SECRET)
    job = stamped({"kind": "interests", "user_id": "U1", "event_key": "interests:t1"}, NOW - DAY)
    _park(sqs, url, job_event(job, signer))
    _park(sqs, url, {"memory_bot_task": "sweep"})
    invokes = CapturedInvokes()

    result = replay_failed(
        sqs,
        invokes.client(),
        queue_url=url,
        function_name="memory-bot",
        signer=signer,
        clock=lambda: NOW,
    )

    assert result.replayed == 2 and result.skipped == []
    assert {call["FunctionName"] for call in invokes.calls} == {"memory-bot"}
    payloads = invokes.take_payloads()
    # Re-signed with the replay time, which only a holder of the signing key can add; the
    # issue time stays the original's.
    again = {**job, "replayed_at": NOW}
    assert job_event(again, signer) in payloads and {"memory_bot_task": "sweep"} in payloads
    left = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert left["Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_records_with_no_issue_time_or_past_the_queues_life_stay_and_are_not_invoked(queue):
    sqs, url = queue
    signer = JobSigner(SECRET)
    _park(sqs, url, job_event({"kind": "home", "user_id": "U1"}, signer))  # an older version's
    ancient = stamped({"kind": "home", "user_id": "U1"}, NOW - REPLAYABLE_S - 1)
    _park(sqs, url, job_event(ancient, signer))
    invokes = CapturedInvokes()

    result = replay_failed(
        sqs,
        invokes.client(),
        queue_url=url,
        function_name="memory-bot",
        signer=signer,
        clock=lambda: NOW,
    )

    assert result.replayed == 0 and invokes.calls == []
    assert sorted(reason.split(": ", 1)[1][:16] for reason in result.skipped) == [
        "no issue time (h",
        "older than the f",
    ]


def test_forged_or_foreign_records_stay_in_the_queue_and_are_not_invoked(queue):
    sqs, url = queue
    forged = job_event({"kind": "forget_all", "user_id": "U1"}, JobSigner("not-our-secret"))
    _park(sqs, url, forged)
    _park(sqs, url, {"version": "2.0", "body": "a Slack HTTP request"})
    sqs.send_message(QueueUrl=url, MessageBody="not json")
    invokes = CapturedInvokes()

    result = replay_failed(
        sqs, invokes.client(), queue_url=url, function_name="memory-bot", signer=JobSigner(SECRET)
    )

    assert result.replayed == 0 and len(result.skipped) == 3
    assert any("signature" in reason for reason in result.skipped)
    assert invokes.calls == []


def test_a_dry_run_counts_and_changes_nothing(queue):
    sqs, url = queue
    signer = JobSigner(SECRET)
    _park(sqs, url, job_event(stamped({"kind": "home", "user_id": "U1"}, NOW), signer))
    invokes = CapturedInvokes()
    result = replay_failed(
        sqs,
        invokes.client(),
        queue_url=url,
        function_name="memory-bot",
        signer=signer,
        dry_run=True,
        clock=lambda: NOW,
    )
    assert result.replayed == 1 and invokes.calls == []
