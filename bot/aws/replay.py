"""`bot replay-failed`: run again the jobs that failed on AWS, once the cause is fixed.

Lambda sends an async invocation that failed every retry to the stack's failure queue (SQS), as
an invocation record whose `requestPayload` is the original event. Replaying invokes the function
again with exactly that event and deletes the record. Only signed jobs whose signature still
holds are replayed: the queue is no way to smuggle in a job the function would refuse anyway.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from bot.jobs.dispatch import JOB_EVENT_KEY, TASK_EVENT_KEY
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
            payload, problem = _payload(message.get("Body", ""), signer)
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


def _payload(body: str, signer: JobSigner) -> tuple[dict[str, Any], str | None]:
    try:
        record = json.loads(body)
    except ValueError:
        return {}, "not an invocation record"
    payload = record.get("requestPayload") if isinstance(record, dict) else None
    if not isinstance(payload, dict):
        return {}, "no request payload"
    if TASK_EVENT_KEY in payload:
        return payload, None
    job = payload.get(JOB_EVENT_KEY)
    if not isinstance(job, dict):
        # Slack's own HTTP requests are acked or not at the time; replaying them is Slack's job.
        return {}, "not a job"
    if not signer.verify(job, payload.get(JOB_HMAC_KEY)):
        return {}, "signature does not hold (forged, or the signing secret changed)"
    return payload, None
