"""AWS Lambda entry point: Slack's HTTP requests through Mangum, jobs from async self-invokes.

One container serves both: the Function URL request acks and hands its job to a new async
invocation of this same function, which runs the job (possibly in another container). Scheduled
rules invoke it with a task: the daily sweep, and the hourly digest run, which hands one job per
person over the same way. Heavy parts (openai, LangChain, LangMem, the
database pool) load only on the job path.

Nothing raises out of `handler`: a raised HTTP request shows a traceback to no one but the logs,
and a raised async invocation is retried by Lambda, repeating or re-failing the work.
"""

from __future__ import annotations

import logging
import os
import time
from typing import TYPE_CHECKING, Any

from bot.aws import http_guard
from bot.jobs import deadlines
from bot.jobs.deadlines import Deadline
from bot.jobs.dispatch import JOB_EVENT_KEY, TASK_EVENT_KEY, LambdaDispatcher
from bot.jobs.signing import JOB_HMAC_KEY, JobSigner
from bot.logs import job_ids, loggable
from bot.slack.urls import is_slack_response_url

if TYPE_CHECKING:
    from bot.jobs.worker import Worker
    from bot.settings import Settings

log = logging.getLogger(__name__)

# Aurora Serverless v2 takes 15-30 s to resume from auto-pause: 0.5+1+2+4+8+8+8+8 s of backoff
# spans that; the job's deadline (deadlines.DATABASE_RESUME_S) cuts it shorter when it must.
DATABASE_RESUME_ATTEMPTS = 9


class _Runtime:
    """Everything built once per container and reused while it stays warm."""

    def __init__(self) -> None:
        from slack_bolt.adapter.asgi import SlackRequestHandler

        from bot import logs
        from bot.aws.secrets_manager import environment_with_secrets
        from bot.settings import Settings
        from bot.wiring import build_app, slack_client

        # Read once per cold start. The database secret waits for the first job: acks never
        # touch the database, and each secret read is a network round trip.
        self.settings: Settings = Settings.from_env(
            environment_with_secrets(os.environ, database=False)
        )
        logs.configure(self.settings.log_level)
        self.settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
        self.slack = slack_client(self.settings)
        self.signer = JobSigner(self.settings.slack_signing_secret or "")
        self.dispatcher = LambdaDispatcher(_lambda_client, self.signer)
        app = build_app(self.settings, client=self.slack, submit=self.dispatcher.submit)
        self._asgi = SlackRequestHandler(app)
        self._http = None
        self._worker: Worker | None = None
        self.pool = None

    def http(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        if self._http is None:
            from mangum import Mangum

            self._http = Mangum(self._asgi, lifespan="off")
        self.dispatcher.function_arn = context.invoked_function_arn
        return self._http(event, context)

    def worker(self) -> Worker:
        if self._worker is None:
            from bot.aws.secrets_manager import database_url
            from bot.db.storage import open_pool, wait_until_ready
            from bot.settings import ConfigError
            from bot.wiring import build_worker

            self.settings.require("OPENAI_API_KEY")
            url = self.settings.database_url or database_url(os.environ)
            if not url:
                raise ConfigError("Set DATABASE_SECRET_ID (or DATABASE_URL) for the worker.")
            pool = self.pool = open_pool(url)
            self._worker = build_worker(
                self.settings,
                slack=self.slack,
                pool=pool,
                # Waits out an Aurora resume, after the person already sees the bot working.
                database_ready=lambda on_wait=None: wait_until_ready(
                    pool,
                    attempts=DATABASE_RESUME_ATTEMPTS,
                    within=deadlines.current().allow(deadlines.DATABASE_RESUME_S),
                    on_wait=on_wait,
                ),
            )
        return self._worker

    def run_task(self, name: object, context: Any) -> bool:
        """Run a scheduled task; False (logged) for a name this bot doesn't know."""
        if name == "sweep":
            self.worker().sweep()
            return True
        if name == "digest":
            self.dispatcher.function_arn = context.invoked_function_arn
            run = self.worker().digest(
                self.dispatcher.submit, until=Deadline.from_lambda_context(context)
            )
            if run.more:
                self.dispatcher.submit_task("digest")  # the rest in a fresh invocation
            return True
        log.warning("unknown task dropped", extra={"task": loggable(name)})
        return False


_runtime: _Runtime | None = None


def _get_runtime() -> _Runtime:
    global _runtime
    if _runtime is None:
        _runtime = _Runtime()
    return _runtime


def _lambda_client():
    # Not boto3: a client costs a cold ack ~220 ms of imports and model loading (lambda_invoke).
    from bot.aws.lambda_invoke import AsyncInvoker

    return AsyncInvoker()


def handler(event: Any, context: Any) -> dict[str, Any]:
    started = time.perf_counter()
    route = _route(event)
    request = None
    if route == "http":
        try:
            # Before the runtime: junk never costs a cold start's secret read and Bolt import.
            request = http_guard.read_request(event)
        except http_guard.Rejected as rejected:
            return _rejected(rejected, started)
    try:
        runtime = _get_runtime()
    except Exception as exc:  # noqa: BLE001 - e.g. the app secret not filled in yet
        # Logged, not raised: a raise would make Lambda retry a job that can't run either.
        logging.basicConfig()
        log.error("the bot cannot start: %s", exc)
        return {"statusCode": 500, "body": "not configured"} if request else {"ok": False}
    if route == "job":
        return _run_job(runtime, event, context, started)
    if route == "task":
        return _run_task(runtime, event[TASK_EVENT_KEY], context, started)
    return _serve_http(runtime, request, event, context, started)


def _route(event: Any) -> str:
    if isinstance(event, dict) and JOB_EVENT_KEY in event:
        return "job"
    if isinstance(event, dict) and TASK_EVENT_KEY in event:
        return "task"
    return "http"


def _serve_http(
    runtime: _Runtime,
    request: http_guard.HttpRequest,
    event: dict[str, Any],
    context: Any,
    started: float,
) -> dict[str, Any]:
    try:
        http_guard.check_signed(request, runtime.settings.slack_signing_secret or "")
    except http_guard.Rejected as rejected:
        return _rejected(rejected, started)
    try:
        response = runtime.http(event, context)
    except Exception:  # noqa: BLE001 - a signed request Mangum or Bolt could not handle
        log.exception("slack request failed")
        response = {"statusCode": 500, "body": "Internal Server Error"}
    log.info(
        "slack request",
        extra={
            "status": response.get("statusCode"),
            "retry_num": request.headers.get("x-slack-retry-num"),
            "ms": _ms(started),
        },
    )
    return response


def _rejected(rejected: http_guard.Rejected, started: float) -> dict[str, Any]:
    # One line, no body, no traceback: the caller may be anyone on the internet.
    log.warning(
        "request rejected",
        extra={"status": rejected.status, "reason": rejected.reason, "ms": _ms(started)},
    )
    return rejected.response()


def _run_job(
    runtime: _Runtime, event: dict[str, Any], context: Any, started: float
) -> dict[str, Any]:
    job = event[JOB_EVENT_KEY]
    problem = _job_problem(runtime, job, event.get(JOB_HMAC_KEY))
    if problem:
        log.warning("job dropped", extra={"reason": problem, **job_ids(job)})
        return {"ok": False, "dropped": problem}
    try:
        runtime.worker().run(job, Deadline.from_lambda_context(context))
    except Exception:  # noqa: BLE001
        log.exception("job could not start", extra=job_ids(job))
        from bot.slack.notices import apologise

        apologise(runtime.slack, job)
    return {"ok": True, "ms": _ms(started)}


def _job_problem(runtime: _Runtime, job: object, signature: object) -> str | None:
    """Why a job must not run, checked before anything else is done with it."""
    if not isinstance(job, dict) or not isinstance(job.get("kind"), str):
        return "malformed job"
    if not runtime.signer.verify(job, signature):
        return "missing or wrong signature"
    url = job.get("response_url")
    # Checked even on a signed job: the response_url came from the request body, and the
    # person's memories are posted to it.
    if url and not is_slack_response_url(url, runtime.settings.slack_api_url):
        return "response_url is not Slack's"
    return None


def _run_task(runtime: _Runtime, name: object, context: Any, started: float) -> dict[str, Any]:
    try:
        ran = runtime.run_task(name, context)
    except Exception:  # noqa: BLE001 - the next scheduled run tries again
        log.exception("task failed", extra={"task": loggable(name)})
        return {"ok": False}
    return {"ok": ran, "ms": _ms(started)}


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def migrate_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run at deploy time (a CDK trigger): create or upgrade the schema, waiting out a resume."""
    from bot import logs
    from bot.aws.secrets_manager import environment_with_secrets
    from bot.db.storage import migrate, open_pool, wait_until_ready
    from bot.settings import Settings

    settings = Settings.from_env(environment_with_secrets(os.environ))
    logs.configure(settings.log_level)
    settings.require("DATABASE_URL")
    pool = open_pool(settings.database_url or "", open_timeout=30)
    try:
        if not wait_until_ready(pool, attempts=DATABASE_RESUME_ATTEMPTS + 3):
            raise RuntimeError("database did not become reachable; migration not applied")
        migrate(pool, settings.embedding_dims)
    finally:
        pool.close()
    log.info("migration applied")
    return {"ok": True}
