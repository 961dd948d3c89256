"""An operator's commands: migrate, sweep, digest, forget-user, stats, replay-failed. Each
prints what it did in a sentence; none needs more than it uses (the sweep, say, needs only the
database)."""

from __future__ import annotations

import argparse
import os
import re
import sys

from bot.cli.database import open_database
from bot.settings import ConfigError, Settings

# Slack user IDs: U (or W, for Enterprise Grid) and capital letters and digits, e.g. U012AB3CD.
SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]+")
MAX_STATS_DAYS = 3650


def migrate(settings: Settings, args: argparse.Namespace) -> int:
    """create or upgrade the database schema (idempotent)"""
    from bot.cli.checks import require_tokens

    if settings.slack_bot_token:
        require_tokens(settings, "SLACK_BOT_TOKEN")
    pool = open_database(settings)
    try:
        print("Database schema is up to date.")
        if settings.slack_bot_token:
            _adopt_old_memories(settings, pool)
    finally:
        pool.close()
    return 0


def _adopt_old_memories(settings: Settings, pool) -> None:
    """Move memories kept under older per-workspace IDs into this installation; the bot's first
    job does the same, so without Slack this step only waits for it."""
    from slack_sdk import WebClient

    from bot.cli.checks import CHECK_TIMEOUT_S, SlackUnreachable, slack_call
    from bot.memory.adoption import register_and_adopt
    from bot.memory.installation import InstallationResolver

    slack = WebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=CHECK_TIMEOUT_S
    )
    try:
        installation = slack_call(InstallationResolver(slack).get, "SLACK_BOT_TOKEN", settings)
    except SlackUnreachable:
        print(
            f"Slack can't be reached at {settings.slack_api_url}: the installation step (moving "
            "memories kept under older per-workspace IDs into it) runs at the bot's first job."
        )
        return
    moved = register_and_adopt(pool, installation, ttl_minutes=settings.memory_ttl_minutes)
    print(
        f"Installation {installation.scope_id}: moved {moved} memories kept under older "
        "per-workspace IDs into it."
    )


def sweep(settings: Settings, args: argparse.Namespace) -> int:
    """delete memories past MEMORY_TTL_DAYS"""
    from bot.db.storage import StoreBuilder
    from bot.memory.service import MemoryService

    pool = open_database(settings)
    try:
        memories = MemoryService(
            StoreBuilder.without_embeddings(settings.embedding_dims),
            pool,
            ttl_minutes=settings.memory_ttl_minutes,
        )
        swept = memories.sweep_expired()
    finally:
        pool.close()
    print(f"Deleted {swept} expired memories.")
    return 0


def forget_user_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "user_id",
        type=slack_user_id,
        help="their Slack user ID: U or W then capital letters and digits, e.g. U012AB3CD "
        "(in Slack: their profile, ⋮, Copy member ID)",
    )


def slack_user_id(text: str) -> str:
    if not SLACK_USER_ID.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a Slack user ID: U or W then capital letters and digits, "
            "e.g. U012AB3CD"
        )
    return text


# Digests `bot digest` writes at once: the workers of its pool, nothing else runs beside them.
DIGEST_WORKERS = 4
_DIGEST_OUTCOMES = (
    ("sent", "sent"),
    ("note", "notes instead (learning off or nothing remembered)"),
    ("skipped", "skipped"),
    ("failed", "failed (see the log)"),
)


def digest(settings: Settings, args: argparse.Namespace) -> int:
    """send the personal tech digests that are due now"""
    from bot.cli.checks import require_tokens
    from bot.jobs.digest_schedule import DigestSchedule
    from bot.jobs.dispatch import ThreadDispatcher
    from bot.wiring import build_worker, slack_client

    require_tokens(settings, "SLACK_BOT_TOKEN", "OPENAI_API_KEY")
    user = args.user
    pool = open_database(settings)
    try:
        worker = build_worker(settings, slack=slack_client(settings), pool=pool)
        dispatcher = ThreadDispatcher(worker.run, max_workers=DIGEST_WORKERS)
        try:
            run = worker.digest(
                dispatcher.submit, user_id=user, ignore_due=args.now, concurrency=DIGEST_WORKERS
            )
            dispatcher.drain(timeout=24 * 60 * 60)
        finally:
            dispatcher.shutdown()
        outcomes = DigestSchedule(pool).outcomes([job["claim"] for job in run.submitted])
    finally:
        pool.close()
    if not run.due:
        who = user or "anyone"
        if args.now:
            print(f"No digest for {who}: nobody opted in (/interests digest daily).")
        else:
            print(f"No digest due for {who}: none opted in, or this period's was sent (--now).")
        return 0
    counts = ", ".join(f"{outcomes.get(status, 0)} {label}" for status, label in _DIGEST_OUTCOMES)
    print(f"Digests: {counts} (of {run.due} due).")
    return 0


def digest_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--user", type=slack_user_id, help="only this person, by Slack user ID (e.g. U012AB3CD)"
    )
    parser.add_argument(
        "--now", action="store_true", help="send to everyone opted in (or --user) even if not due"
    )


def forget_user(settings: Settings, args: argparse.Namespace) -> int:
    """erase everything kept about one person (e.g. who left)"""
    from bot.memory.erasure import forget_user_everywhere

    pool = open_database(settings)
    try:
        erased = forget_user_everywhere(pool, args.user_id)
    finally:
        pool.close()
    print(
        f"Erased everything about {args.user_id}: {erased.memories} memories and "
        f"{erased.other_rows} other rows (settings, answer log, what the memory cap let go)."
    )
    return 0


def stats_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--days",
        type=whole_number(1, MAX_STATS_DAYS),
        default=7,
        help=f"how many days back, 1 to {MAX_STATS_DAYS} (default 7)",
    )


def whole_number(low: int, high: int):
    """An argparse type: a whole number from `low` to `high`, or a message saying so."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from {low} to {high}")
        return value

    return parse


def stats(settings: Settings, args: argparse.Namespace) -> int:
    """answers, time to first token, tokens and feedback per day"""
    from bot.db.answer_log import run_stats

    pool = open_database(settings)
    try:
        return run_stats(pool, args.days, sys.stdout)
    finally:
        pool.close()


def replay_failed_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--queue-url",
        help="the failure queue (default: FAILURE_QUEUE_URL; the stack's FailureQueueUrl output)",
    )
    parser.add_argument(
        "--function",
        help="the bot's function (default: BOT_FUNCTION_NAME; the stack's BotFunctionName output)",
    )
    parser.add_argument(
        "--max",
        type=whole_number(1, 10_000),
        default=100,
        help="at most this many, 1 to 10000 (default 100)",
    )
    parser.add_argument("--dry-run", action="store_true", help="only count what would be re-run")


def replay_failed(settings: Settings, args: argparse.Namespace) -> int:
    """on AWS: re-run the jobs that landed in the failure queue"""
    import boto3

    from bot.aws.replay import replay_failed as replay
    from bot.jobs.signing import JobSigner

    settings.require("SLACK_SIGNING_SECRET")
    # Read now, not as argparse defaults: .env is loaded after the arguments are parsed.
    queue_url = args.queue_url or os.environ.get("FAILURE_QUEUE_URL")
    function = args.function or os.environ.get("BOT_FUNCTION_NAME")
    if not queue_url or not function:
        raise ConfigError(
            "Name the failure queue and the function: --queue-url and --function, or "
            "FAILURE_QUEUE_URL and BOT_FUNCTION_NAME (the stack's outputs)."
        )
    result = replay(
        boto3.client("sqs"),
        boto3.client("lambda"),
        queue_url=queue_url,
        function_name=function,
        signer=JobSigner(settings.slack_signing_secret or ""),
        limit=args.max,
        dry_run=args.dry_run,
    )
    verb = "Would re-run" if args.dry_run else "Re-ran"
    print(f"{verb} {result.replayed} failed jobs.")
    for reason in result.skipped:
        print(f"  left in the queue: {reason}")
    return 0
