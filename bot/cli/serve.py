"""`bot serve`: the bot in Slack over Socket Mode, after every token has been checked."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Callable

from bot.cli.checks import check_openai, check_slack, require_tokens, slack_call
from bot.cli.database import open_database, where
from bot.settings import Settings

log = logging.getLogger(__name__)

SWEEP_INTERVAL_S = 24 * 60 * 60
DIGEST_INTERVAL_S = 60 * 60
# Jobs `bot serve` runs at once. They mostly wait on Slack and the model, so threads are cheap;
# the database pool is sized from this (bot.db.storage.pool_size). See benchmarks/load.py.
SERVE_WORKERS = 16


def run(settings: Settings, args: argparse.Namespace) -> int:
    """run the bot in Slack over Socket Mode (make run)"""
    require_tokens(settings, "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "OPENAI_API_KEY")
    # Every token is tried before the (slow, the first time) database start, so a wrong one is
    # named at once.
    check_slack(settings)
    check_openai(settings)

    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot import logs
    from bot.jobs.dispatch import ThreadDispatcher
    from bot.wiring import build_app, build_worker, slack_client

    # The sweep and the digest run's scheduling go beside the jobs: two more at once.
    pool = open_database(settings, concurrent_jobs=SERVE_WORKERS + 2)
    slack = slack_client(settings)
    worker = build_worker(settings, slack=slack, pool=pool, warm=True)
    dispatcher = ThreadDispatcher(worker.run, max_workers=SERVE_WORKERS)
    app = build_app(settings, client=slack, submit=dispatcher.submit, socket_mode=True)
    socket_mode = SocketModeHandler(app, settings.slack_app_token)
    stop_sweeping = every(SWEEP_INTERVAL_S, worker.sweep, "memory sweep")
    stop_digests = every(
        DIGEST_INTERVAL_S,
        # One worker stays free for answers while digests are written.
        lambda: worker.digest(dispatcher.submit, concurrency=SERVE_WORKERS - 1),
        "digest run",
        at_start=True,
    )
    try:
        slack_call(socket_mode.connect, "SLACK_APP_TOKEN", settings)
        # Up and running: from here on the logs tell what the bot does.
        logs.configure(settings.log_level, json_format=not sys.stderr.isatty())
        print(
            "Connected to Slack over Socket Mode. DM the bot or @mention it. Ctrl-C stops. "
            f"Memories are kept in {where(settings)}."
        )
        threading.Event().wait()  # Socket Mode's own threads serve; this one waits for Ctrl-C
    finally:
        stop_sweeping.set()
        stop_digests.set()
        socket_mode.close()
        dispatcher.shutdown()
        pool.close()
    return 0


def every(
    interval_s: float, task: Callable[[], object], name: str, *, at_start: bool = False
) -> threading.Event:
    """Run `task` every `interval_s` while serving (AWS runs the same on EventBridge schedules:
    the daily sweep, the hourly digest run); set the event to stop."""
    stop = threading.Event()

    def loop() -> None:
        if at_start:
            _run_quietly(task, name)
        while not stop.wait(interval_s):
            _run_quietly(task, name)

    threading.Thread(target=loop, name=name, daemon=True).start()
    return stop


def _run_quietly(task: Callable[[], object], name: str) -> None:
    try:
        task()
    except Exception:  # noqa: BLE001 - the next run catches up
        log.exception("%s failed", name)
