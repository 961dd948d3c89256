"""Purging the failure queue: the records a predicate names go, every other one stays and is
visible again at once; an empty queue costs one call."""

from __future__ import annotations

import json

import boto3
import pytest

from bot.aws.failure_queue import FailureQueue, job_of

NOW = 1_800_000_000.0


@pytest.fixture
def sqs(aws):
    client = boto3.client("sqs", region_name="us-east-1")
    calls: list[str] = []
    client.meta.events.register("before-call.sqs.*", lambda model, **_: calls.append(model.name))
    client.calls = calls  # type: ignore[attr-defined]
    return client


@pytest.fixture
def queue_url(sqs) -> str:
    return sqs.create_queue(QueueName="FailedJobs")["QueueUrl"]


def _record(payload: dict) -> str:
    return json.dumps({"version": "1.0", "requestPayload": payload, "responsePayload": None})


def _job(user: str, n: int) -> dict:
    return {"kind": "reply", "user_id": user, "text": f"message {n}", "issued_at": NOW + n}


def _visible(sqs, url: str) -> list[str]:
    bodies, seen = [], set()
    while messages := [
        m
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if m["MessageId"] not in seen
    ]:
        seen |= {m["MessageId"] for m in messages}
        bodies += [m["Body"] for m in messages]
    return bodies


def test_only_the_named_records_go_and_the_rest_are_visible_again_at_once(sqs, queue_url):
    for n in range(23):  # more than two receives' worth
        sqs.send_message(
            QueueUrl=queue_url,
            MessageBody=_record({"memory_bot_job": _job("U1" if n % 2 else "U2", n)}),
        )
    sqs.send_message(QueueUrl=queue_url, MessageBody=_record({"memory_bot_task": "sweep"}))
    sqs.send_message(QueueUrl=queue_url, MessageBody="not a record")

    removed = FailureQueue(queue_url, lambda: sqs).purge(lambda job: job["user_id"] == "U1")

    assert removed == 11
    left = _visible(sqs, queue_url)
    assert len(left) == 14
    assert not [body for body in left if (job_of(body) or {}).get("user_id") == "U1"]


def test_an_empty_queue_is_one_call_and_no_wait(sqs, queue_url):
    sqs.calls.clear()
    assert FailureQueue(queue_url, lambda: sqs).purge(lambda job: True) == 0
    assert sqs.calls == ["GetQueueAttributes"]


def test_records_stay_visible_when_the_predicate_fails_midway(sqs, queue_url):
    for n in range(3):
        sqs.send_message(QueueUrl=queue_url, MessageBody=_record({"memory_bot_job": _job("U1", n)}))

    def broken(job: dict) -> bool:
        raise ConnectionError("database gone")

    with pytest.raises(ConnectionError):
        FailureQueue(queue_url, lambda: sqs).purge(broken)
    assert len(_visible(sqs, queue_url)) == 3
