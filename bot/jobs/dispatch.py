"""Handing a job from the ack path to the worker: a thread here, a Lambda async invoke there."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from bot.jobs.signing import JOB_HMAC_KEY, JobSigner
from bot.jobs.types import Job

log = logging.getLogger(__name__)

# The key that marks a Lambda event as a job for the worker rather than an HTTP request.
JOB_EVENT_KEY = "memory_bot_job"
# The key that marks a scheduled maintenance invocation, e.g. {"memory_bot_task": "sweep"}.
TASK_EVENT_KEY = "memory_bot_task"


class ThreadDispatcher:
    """Runs jobs in this process (Socket Mode, `bot chat`, tests)."""

    def __init__(self, run: Callable[[Job], None], *, max_workers: int = 4) -> None:
        self._run = run
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="job")
        self._pending: set[Future] = set()
        self._lock = threading.Lock()

    def submit(self, job: Job) -> None:
        future = self._executor.submit(self._run, job)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future) -> None:
        with self._lock:
            self._pending.discard(future)

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until every job submitted so far (and any it submitted) has finished."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = list(self._pending)
            if not pending:
                return
            for future in pending:
                future.result(timeout=max(0.0, deadline - time.monotonic()))

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)


class LambdaDispatcher:
    """Invokes the worker function (or this same one) asynchronously with the job; the ack
    returns meanwhile.

    Nothing may run after a Lambda's HTTP response is returned (the sandbox freezes), so the
    work must travel as a new invocation, which may land in another container.
    """

    def __init__(self, client_factory: Callable[[], Any], signer: JobSigner) -> None:
        self._client_factory = client_factory
        self._signer = signer
        self._client: Any = None
        self.function_arn: str | None = None

    def submit(self, job: Job) -> None:
        self._invoke(job_event(job, self._signer))

    def submit_task(self, name: str) -> None:
        """Continue a scheduled task in a new invocation (a digest run that ran out of time)."""
        self._invoke({TASK_EVENT_KEY: name})

    def _invoke(self, event: dict[str, Any]) -> None:
        if not self.function_arn:
            raise RuntimeError("LambdaDispatcher.function_arn is set by the handler per invocation")
        if self._client is None:
            self._client = self._client_factory()
        self._client.invoke(
            FunctionName=self.function_arn,
            InvocationType="Event",
            Payload=json.dumps(event).encode(),
        )


def job_event(job: Job, signer: JobSigner) -> dict[str, Any]:
    """The async invoke's event: the job and its signature, checked before the job runs."""
    return {JOB_EVENT_KEY: job, JOB_HMAC_KEY: signer.sign(job)}
