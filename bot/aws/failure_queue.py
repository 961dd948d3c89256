"""The failure queue (SQS `FailedJobs`): Lambda's records of async jobs that failed every retry,
read back for `bot replay-failed`, and purged of an erased person's.

A record's `requestPayload` is the whole event, job text included, for 14 days. Erasing a
person therefore takes their records out: every record is received (hidden for the scan), the
person's are deleted and the rest made visible again at once. Purging rather than keeping no
text there (a reply job must carry the message, an editor job the memory typed) or encrypting
job text per person (the public function that builds jobs has no database to keep keys in).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from bot.jobs.dispatch import JOB_EVENT_KEY
from bot.jobs.types import Job

log = logging.getLogger(__name__)

_BATCH = 10  # SQS hands out, deletes and re-shows at most 10 messages per call
# Long enough to look at every record before any comes round again.
_SCAN_VISIBILITY_S = 120
# Long polling asks every SQS server, so an empty answer means an empty queue (short polling
# samples a few and may answer "nothing" while records wait).
_WAIT_S = 1
# A failure queue is normally empty and alarmed; this bounds a purge of one gone wild.
MAX_SCANNED = 2_000


def request_payload(body: str) -> tuple[dict[str, Any] | None, str | None]:
    """The original event of an invocation record, or why there is none."""
    try:
        record = json.loads(body)
    except ValueError:
        return None, "not an invocation record"
    payload = record.get("requestPayload") if isinstance(record, dict) else None
    if not isinstance(payload, dict):
        return None, "no request payload"
    return payload, None


def job_of(body: str) -> Job | None:
    payload, _ = request_payload(body)
    job = payload.get(JOB_EVENT_KEY) if payload else None
    return job if isinstance(job, dict) else None


class FailureQueue:
    def __init__(self, queue_url: str, client_factory: Callable[[], Any]) -> None:
        self._url = queue_url
        self._client_factory = client_factory
        self._client: Any = None

    def purge(self, doomed: Callable[[Job], bool]) -> int:
        """Delete every job record `doomed` names; returns how many went."""
        sqs = self._sqs()
        counts = sqs.get_queue_attributes(
            QueueUrl=self._url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        if not any(int(n) for n in counts.values()):
            return 0  # the usual case: one call, no wait
        seen: set[str] = set()
        kept: list[dict[str, Any]] = []
        removed = 0
        try:
            while len(seen) < MAX_SCANNED:
                messages = sqs.receive_message(
                    QueueUrl=self._url,
                    MaxNumberOfMessages=_BATCH,
                    WaitTimeSeconds=_WAIT_S,
                    VisibilityTimeout=_SCAN_VISIBILITY_S,
                ).get("Messages", [])
                fresh = [m for m in messages if m["MessageId"] not in seen]
                if not fresh:
                    break
                seen |= {m["MessageId"] for m in fresh}
                try:
                    gone = [m for m in fresh if _names(doomed, m)]
                except Exception:
                    kept += fresh  # shown again, not hidden for the scan's length
                    raise
                kept += [m for m in fresh if m not in gone]
                removed += self._delete(sqs, gone)
        finally:
            self._show_again(sqs, kept)
        return removed

    def _delete(self, sqs: Any, messages: list[dict[str, Any]]) -> int:
        if not messages:
            return 0
        failed = sqs.delete_message_batch(QueueUrl=self._url, Entries=_entries(messages)).get(
            "Failed", []
        )
        if failed:
            log.warning("failure-queue records not deleted", extra={"failed": len(failed)})
        return len(messages) - len(failed)

    def _show_again(self, sqs: Any, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), _BATCH):
            batch = messages[start : start + _BATCH]
            sqs.change_message_visibility_batch(
                QueueUrl=self._url,
                Entries=[{**entry, "VisibilityTimeout": 0} for entry in _entries(batch)],
            )

    def _sqs(self) -> Any:
        if self._client is None:
            self._client = self._client_factory()
        return self._client


def _names(doomed: Callable[[Job], bool], message: dict[str, Any]) -> bool:
    job = job_of(message.get("Body", ""))
    return job is not None and doomed(job)


def _entries(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]


def sqs_client() -> Any:
    """boto3's SQS client, as the AWS SDKs configure it (region, endpoints, credentials)."""
    import boto3  # the worker and the CLI only; never the ack path

    return boto3.client("sqs")
