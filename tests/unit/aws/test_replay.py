"""`bot replay-failed`: what Lambda parked in the failure queue runs again, forged records don't."""

from __future__ import annotations

import json

import boto3
import pytest

from bot.aws.replay import replay_failed
from bot.jobs.dispatch import job_event
from bot.jobs.signing import JobSigner
from tests.support.lambda_events import FUNCTION_ARN, CapturedInvokes

SECRET = "signing-secret"


@pytest.fixture
def queue(aws):
    sqs = boto3.client("sqs", region_name="us-east-1")
    return sqs, sqs.create_queue(QueueName="memory-bot-failures")["QueueUrl"]


def _park(sqs, url: str, payload: object) -> None:
    """An async invocation record, as Lambda's on-failure destination sends it."""
    record = {
        "version": "1.0",
        "timestamp": "2026-11-25T10:00:00.000Z",
        "requestContext": {
            "requestId": "r1",
            "functionArn": f"{FUNCTION_ARN}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3,
        },
        "requestPayload": payload,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
        "responsePayload": {"errorMessage": "boom", "errorType": "RuntimeError"},
    }
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(record))


def test_failed_jobs_are_invoked_again_and_leave_the_queue(queue):
    sqs, url = queue
    signer = JobSigner(SECRET)
    job = {"kind": "interests", "user_id": "U1", "event_key": "interests:t1"}
    _park(sqs, url, job_event(job, signer))
    _park(sqs, url, {"memory_bot_task": "sweep"})
    invokes = CapturedInvokes()

    result = replay_failed(
        sqs, invokes.client(), queue_url=url, function_name="memory-bot", signer=signer
    )

    assert result.replayed == 2 and result.skipped == []
    assert {call["FunctionName"] for call in invokes.calls} == {"memory-bot"}
    payloads = invokes.take_payloads()
    assert job_event(job, signer) in payloads and {"memory_bot_task": "sweep"} in payloads
    left = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert left["Attributes"]["ApproximateNumberOfMessages"] == "0"


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
    _park(sqs, url, job_event({"kind": "home", "user_id": "U1"}, signer))
    invokes = CapturedInvokes()
    result = replay_failed(
        sqs,
        invokes.client(),
        queue_url=url,
        function_name="memory-bot",
        signer=signer,
        dry_run=True,
    )
    assert result.replayed == 1 and invokes.calls == []
