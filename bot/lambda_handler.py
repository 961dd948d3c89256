"""AWS Lambda entry point: Slack's HTTP requests through Mangum, jobs from async invokes.

The one zip serves two functions. The public one (behind the Function URL) holds only the
signing secret: it checks each Slack request, acks it and hands its job to the worker
(BOT_WORKER_FUNCTION) as an async invocation. The worker holds the tokens and the database and
runs the job. Scheduled rules invoke the worker with a task: the daily sweep, and the hourly
digest run, which hands one job per person to the worker the same way. With BOT_WORKER_FUNCTION
unset, one function does both and invokes itself. Heavy parts (openai, LangChain, LangMem, the
database pool) load only on the job path; under SnapStart they load before the snapshot.

Nothing raises out of `handler`: a raised HTTP request shows a traceback to no one but the logs,
and a raised async invocation is retried by Lambda, repeating or re-failing the work.
"""

from __future__ import annotations

import gc
import logging
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.aws import http_guard, snapstart
from bot.jobs import deadlines
from bot.jobs.deadlines import Deadline
from bot.jobs.dispatch import JOB_EVENT_KEY, TASK_EVENT_KEY, LambdaDispatcher
from bot.jobs.signing import JOB_HMAC_KEY, JobSigner
from bot.logs import job_ids, loggable
from bot.settings import ConfigError
from bot.slack.urls import is_slack_response_url

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool
    from slack_sdk import WebClient

    from bot.jobs.worker import Worker
    from bot.settings import Settings

log = logging.getLogger(__name__)

# Aurora Serverless v2 takes 15-30 s to resume from auto-pause: 0.5+1+2+4+8+8+8+8 s of backoff
# spans that; the job's deadline (deadlines.DATABASE_RESUME_S) cuts it shorter when it must.
DATABASE_RESUME_ATTEMPTS = 9


class _Runtime:
    """Everything built once per container and reused while it stays warm: the settings, then
    the Slack front door or the worker, each on the first event that needs it."""

    def __init__(self) -> None:
        from bot import logs
        from bot.aws.secrets_manager import environment_with_secrets
        from bot.settings import Settings

        # Read once per cold start. The database secret waits for the first job: acks never
        # touch the database, and each secret read is a network round trip.
        self.settings: Settings = Settings.from_env(
            environment_with_secrets(os.environ, database=False)
        )
        logs.configure(self.settings.log_level)
        # Both sides need it: Slack's requests are checked with it, jobs signed with a key from it.
        self.settings.require("SLACK_SIGNING_SECRET")
        self.signer = JobSigner(self.settings.slack_signing_secret or "")
        self.dispatcher: LambdaDispatcher | None = None
        self._http: Callable[[dict[str, Any], Any], dict[str, Any]] | None = None
        self._slack: WebClient | None = None
        self._worker: Worker | None = None
        self.pool: ConnectionPool | None = None

    def front_door(self) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
        """The Bolt app behind Mangum, handing jobs to the worker; built once. The invoker is
        built with it, not on the first message: a region or endpoint setting it can't use stops
        the start, clearly, instead of turning every message into an apology."""
        if self._http is None:
            from mangum import Mangum
            from slack_bolt.adapter.asgi import SlackRequestHandler

            from bot.wiring import build_app, slack_client

            invoker = _lambda_client()
            self.dispatcher = LambdaDispatcher(lambda: invoker, self.signer)
            self.dispatcher.function_arn = self.settings.worker_function
            # No bot token on the public function: Bolt needs none to ack, and a command whose
            # hand-over fails is told so through its response_url.
            app = build_app(
                self.settings, client=slack_client(self.settings), submit=self.dispatcher.submit
            )
            self._http = Mangum(SlackRequestHandler(app), lifespan="off")
        return self._http

    def job_dispatcher(self, context: Any) -> LambdaDispatcher:
        """Where a task's jobs go: the worker (BOT_WORKER_FUNCTION), else this function as
        invoked (a scheduled task runs on the worker, which hands the jobs to itself)."""
        if self.dispatcher is None:
            invoker = _lambda_client()
            self.dispatcher = LambdaDispatcher(lambda: invoker, self.signer)
        self.dispatcher.function_arn = self.settings.worker_function or context.invoked_function_arn
        return self.dispatcher

    def http(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        serve = self.front_door()
        if self.dispatcher and not self.settings.worker_function:
            # Itself, as invoked: a published version or alias hands jobs to that same one.
            self.dispatcher.function_arn = context.invoked_function_arn
        return serve(event, context)

    def slack(self) -> WebClient:
        if self._slack is None:
            from bot.wiring import slack_client

            self._slack = slack_client(self.settings)
        return self._slack

    def worker(self) -> Worker:
        if self._worker is None:
            from bot.aws.secrets_manager import database_url
            from bot.db.storage import open_pool, wait_until_ready
            from bot.wiring import build_worker

            self.settings.require("SLACK_BOT_TOKEN", "OPENAI_API_KEY")
            url = self.settings.database_url or database_url(os.environ)
            if not url:
                raise ConfigError("Set DATABASE_SECRET_ID (or DATABASE_URL) for the worker.")
            pool = self.pool = open_pool(url)
            self._worker = build_worker(
                self.settings,
                slack=self.slack(),
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
            dispatcher = self.job_dispatcher(context)
            run = self.worker().digest(
                dispatcher.submit, until=Deadline.from_lambda_context(context)
            )
            if run.more:
                dispatcher.submit_task("digest")  # the rest in a fresh invocation
            return True
        log.warning("unknown task dropped", extra={"task": loggable(name)})
        return False

    def close(self) -> None:
        """Close the pool's connections; the rest goes with the object."""
        if self.pool is not None:
            self.pool.close()


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
        if request:
            runtime.front_door()
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
    except Exception as exc:  # noqa: BLE001
        if isinstance(exc, ConfigError):  # says what to set; a traceback would add nothing
            log.error("job could not start: %s", exc, extra=job_ids(job))
        else:
            log.exception("job could not start", extra=job_ids(job))
        if runtime.settings.slack_bot_token:  # else there is nothing to tell them with
            from bot.slack.notices import apologise

            apologise(runtime.slack(), job)
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


# --- SnapStart (the worker): what the snapshot holds and what each copy renews -----------------


def _before_snapshot() -> None:
    """Nothing one of a kind goes into the snapshot: a runtime built before it (its pool's
    connections, its clients, the secrets it read) is closed and dropped, and the first job of
    each copy builds its own."""
    global _runtime
    if _runtime is not None:
        _runtime.close()
        _runtime = None
    # Dropped clients close their sockets when collected: here, once, not in every copy.
    gc.collect()


def _after_restore() -> None:
    snapstart.renew_randomness()


def _prepare_snapshot() -> None:
    from bot import logs
    from bot.settings import Settings

    started = time.perf_counter()
    # The runtime that configures logging is built after the restore; this line is logged now.
    logs.configure(Settings.from_env().log_level)
    snapstart.prime()
    registered = snapstart.register(_before_snapshot, _after_restore)
    log.info("primed for the snapshot", extra={"hooks": registered, "ms": _ms(started)})


# The snapshot is taken after this module's import, so priming happens here or not at all. Only
# under SnapStart's init: elsewhere (the public function, `bot serve`) nothing of this runs.
if snapstart.initialising_for_a_snapshot(os.environ):
    _prepare_snapshot()
