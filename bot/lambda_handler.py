"""AWS Lambda entry point: Slack's HTTP requests through Mangum, jobs from async self-invokes.

One container serves both: the Function URL request acks and hands its job to a new async
invocation of this same function, which runs the job (possibly in another container).
Heavy parts (openai, LangChain, LangMem, the database pool) load only on the job path.
"""

from __future__ import annotations

import logging
import os
import time
from typing import TYPE_CHECKING, Any

from bot.dispatch import JOB_EVENT_KEY, LambdaDispatcher

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.worker import Worker

log = logging.getLogger(__name__)

# Aurora Serverless v2 takes 15-30 s to resume from auto-pause: 0.5+1+2+4+8+8+8+8 s of backoff
# (plus each attempt's connect timeout) spans that within the function's 120 s timeout.
DATABASE_RESUME_ATTEMPTS = 9


class _Runtime:
    """Everything built once per container and reused while it stays warm."""

    def __init__(self) -> None:
        from slack_bolt.adapter.asgi import SlackRequestHandler

        from bot import logs
        from bot.app import build_app, slack_client
        from bot.secrets import environment_with_secrets
        from bot.settings import Settings

        # Read once per cold start. The database secret waits for the first job: acks never
        # touch the database, and each secret read is a network round trip.
        self.settings: Settings = Settings.from_env(
            environment_with_secrets(os.environ, database=False)
        )
        logs.configure(self.settings.log_level)
        self.settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
        self.slack = slack_client(self.settings)
        self.dispatcher = LambdaDispatcher(_lambda_client)
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
            from bot.app import build_worker
            from bot.secrets import database_url
            from bot.settings import ConfigError
            from bot.storage import open_pool, wait_until_ready

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
                database_ready=lambda: wait_until_ready(pool, attempts=DATABASE_RESUME_ATTEMPTS),
            )
        return self._worker


_runtime: _Runtime | None = None


def _get_runtime() -> _Runtime:
    global _runtime
    if _runtime is None:
        _runtime = _Runtime()
    return _runtime


def _lambda_client():
    import boto3

    return boto3.client("lambda")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    started = time.perf_counter()
    is_job = isinstance(event, dict) and JOB_EVENT_KEY in event
    try:
        runtime = _get_runtime()
    except Exception as exc:  # noqa: BLE001 - e.g. the app secret not filled in yet
        # Logged, not raised: a raise would make Lambda retry a job that can't run either.
        logging.basicConfig()
        log.error("the bot cannot start: %s", exc)
        return {"ok": False} if is_job else {"statusCode": 500, "body": "not configured"}
    if is_job:
        return _run_job(runtime, event[JOB_EVENT_KEY], started)
    response = runtime.http(event, context)
    log.info(
        "slack request",
        extra={
            "status": response.get("statusCode"),
            "retry_num": (event.get("headers") or {}).get("x-slack-retry-num"),
            "ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )
    return response


def _run_job(runtime: _Runtime, job: dict[str, Any], started: float) -> dict[str, Any]:
    # Never raise from here: Lambda would retry the async invocation and repeat the work.
    try:
        runtime.worker().run(job)
    except Exception:  # noqa: BLE001
        log.exception("job could not start", extra={"job_kind": job.get("kind")})
        from bot.notices import apologise

        apologise(runtime.slack, job)
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def migrate_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run at deploy time (a CDK trigger): create or upgrade the schema, waiting out a resume."""
    from bot import logs
    from bot.secrets import environment_with_secrets
    from bot.settings import Settings
    from bot.storage import migrate, open_pool, wait_until_ready

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
