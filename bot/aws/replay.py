"""`bot replay-failed`: run again the jobs that failed on AWS, once the cause is fixed.

Lambda sends an async invocation that failed every retry to the stack's failure queue (SQS), as
an invocation record whose `requestPayload` is the original event. Replaying invokes the function
again with that event's job marked as replayed, re-signed, and deletes the record. The mark is
what lets the worker run a job older than Lambda's retry window, and only a holder of the
signing key can make it. Only signed jobs whose signature still holds are replayed: the queue is
no way to smuggle in a job the function would refuse anyway. The worker then skips a replayed
job issued before the person's last erasure (bot/jobs/worker.py), and their words are not here
to replay in the first place: erasing a person purges their records (bot/aws/failure_queue.py).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.aws.failure_queue import request_payload
from bot.jobs.dispatch import JOB_EVENT_KEY, TASK_EVENT_KEY
from bot.jobs.freshness import REPLAYABLE_S, issued_at, replayed
from bot.jobs.signing import JOB_HMAC_KEY, JobSigner

log = logging.getLogger(__name__)

_BATCH = 10  # SQS hands out at most 10 messages per receive


@dataclass
class Replayed:
    replayed: int = 0
    skipped: list[str] = field(default_factory=list)  # why each skipped record stays queued


def replay_failed(
    sqs: Any,
    lambda_client: Any,
    *,
    queue_url: str,
    function_name: str,
    signer: JobSigner,
    limit: int = 100,
    dry_run: bool = False,
    clock: Callable[[], float] = time.time,
) -> Replayed:
    result = Replayed()
    seen: set[str] = set()
    while result.replayed + len(result.skipped) < limit:
        messages = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=min(_BATCH, limit - result.replayed - len(result.skipped)),
            WaitTimeSeconds=0,
            # Skipped records become visible again soon for another look, not at once.
            VisibilityTimeout=60,
        ).get("Messages", [])
        fresh = [m for m in messages if m["MessageId"] not in seen]
        if not fresh:
            break
        for message in fresh:
            seen.add(message["MessageId"])
            payload, problem = _replay_event(message.get("Body", ""), signer, clock())
            if problem:
                result.skipped.append(f"{message['MessageId']}: {problem}")
                continue
            if dry_run:
                result.replayed += 1
                continue
            lambda_client.invoke(
                FunctionName=function_name,
                InvocationType="Event",
                Payload=json.dumps(payload).encode(),
            )
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            result.replayed += 1
    return result


def _replay_event(body: str, signer: JobSigner, now: float) -> tuple[dict[str, Any], str | None]:
    """What to invoke the function with for one record, or why it stays in the queue."""
    payload, problem = request_payload(body)
    if payload is None:
        return {}, problem
    if TASK_EVENT_KEY in payload:
        return payload, None
    job = payload.get(JOB_EVENT_KEY)
    if not isinstance(job, dict):
        # Slack's own HTTP requests are acked or not at the time; replaying them is Slack's job.
        return {}, "not a job"
    if not signer.verify(job, payload.get(JOB_HMAC_KEY)):
        return {}, "signature does not hold (forged, or the signing secret changed)"
    issued = issued_at(job)
    if issued is None:
        return {}, "no issue time (handed over by an older version), so no erasure can be checked"
    if now - issued > REPLAYABLE_S:
        return {}, "older than the failure queue keeps jobs"
    again = replayed(job, now)
    return {JOB_EVENT_KEY: again, JOB_HMAC_KEY: signer.sign(again)}, None
