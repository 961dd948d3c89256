"""`bot migrate`, `bot serve` (Socket Mode) and `bot chat` (a terminal conversation)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from collections.abc import Sequence

from bot.settings import ConfigError, Settings

LOCAL_TEAM = "local"
# Jobs `bot serve` runs at once. They mostly wait on Slack and the model, so threads are cheap;
# the database pool is sized from this (bot.db.storage.pool_size). See benchmarks/load.py.
SERVE_JOBS = 16


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "migrate",
        help="create or upgrade the database schema (idempotent); with SLACK_BOT_TOKEN set, "
        "also move memories kept under old per-workspace IDs into this installation",
    )
    commands.add_parser("serve", help="run the Slack bot over Socket Mode")
    commands.add_parser("sweep", help="delete memories not mentioned for MEMORY_TTL_DAYS")
    forget_user = commands.add_parser(
        "forget-user", help="erase everything the bot keeps about a person (e.g. who left)"
    )
    forget_user.add_argument("user_id", help="their Slack user ID, e.g. U012AB3CD")
    replay = commands.add_parser(
        "replay-failed", help="on AWS: re-run the jobs that landed in the failure queue"
    )
    replay.add_argument(
        "--queue-url",
        default=os.environ.get("FAILURE_QUEUE_URL"),
        help="the failure queue (default: FAILURE_QUEUE_URL; the stack's FailureQueueUrl output)",
    )
    replay.add_argument(
        "--function",
        default=os.environ.get("BOT_FUNCTION_NAME"),
        help="the bot's function (default: BOT_FUNCTION_NAME; the stack's BotFunctionName output)",
    )
    replay.add_argument("--max", type=int, default=100, help="at most this many (default 100)")
    replay.add_argument("--dry-run", action="store_true", help="only count what would be re-run")
    stats = commands.add_parser(
        "stats", help="answers, time to first token, tokens and feedback of the last days"
    )
    stats.add_argument("--days", type=int, default=7, help="how many days back (default 7)")
    chat = commands.add_parser("chat", help="talk to the bot in this terminal, no Slack needed")
    chat.add_argument("--user", required=True, help="who you are; memories are kept per name")
    args = parser.parse_args(argv)

    try:
        settings = _load_settings()
        from bot import logs

        logs.configure(settings.log_level, json_format=not sys.stderr.isatty())
        run = {
            "migrate": _migrate,
            "serve": _serve,
            "chat": _chat,
            "sweep": _sweep,
            "forget-user": _forget_user,
            "stats": _stats,
            "replay-failed": _replay_failed,
        }[args.command]
        return run(settings, args)
    except ConfigError as exc:
        print(f"bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _load_settings() -> Settings:
    from dotenv import load_dotenv

    from bot.aws.secrets_manager import environment_with_secrets

    load_dotenv(override=False)  # the environment wins over .env
    return Settings.from_env(environment_with_secrets(os.environ))


def _open_database(settings: Settings, *, concurrent_jobs: int = 1):
    from bot.db.storage import (
        database_url_or_embedded,
        migrate,
        open_pool,
        pool_size,
        wait_until_ready,
    )

    pool = open_pool(database_url_or_embedded(settings), max_size=pool_size(concurrent_jobs))
    if not wait_until_ready(pool, attempts=3):
        pool.close()
        raise ConfigError(
            "Could not connect to the database. Check DATABASE_URL, or unset it to use the "
            "embedded PostgreSQL."
        )
    migrate(pool, settings.embedding_dims)
    return pool


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    pool = _open_database(settings)
    try:
        print("Database schema is up to date.")
        if settings.slack_bot_token:
            from bot.memory.adoption import register_and_adopt
            from bot.memory.installation import InstallationResolver
            from bot.wiring import slack_client

            installation = InstallationResolver(slack_client(settings)).get()
            moved = register_and_adopt(pool, installation, ttl_minutes=settings.memory_ttl_minutes)
            print(
                f"Installation {installation.scope_id}: moved {moved} memories kept under "
                "older per-workspace IDs into it."
            )
    finally:
        pool.close()
    return 0


def _sweep(settings: Settings, args: argparse.Namespace) -> int:
    from bot.wiring import build_conversation

    pool = _open_database(settings)
    try:
        swept = build_conversation(settings, pool=pool).memories.sweep_expired()
    finally:
        pool.close()
    print(f"Deleted {swept} expired memories.")
    return 0


def _replay_failed(settings: Settings, args: argparse.Namespace) -> int:
    import boto3

    from bot.aws.replay import replay_failed
    from bot.jobs.signing import JobSigner

    settings.require("SLACK_SIGNING_SECRET")
    if not args.queue_url or not args.function:
        raise ConfigError(
            "Name the failure queue and the function: --queue-url and --function, or "
            "FAILURE_QUEUE_URL and BOT_FUNCTION_NAME (the stack's outputs)."
        )
    result = replay_failed(
        boto3.client("sqs"),
        boto3.client("lambda"),
        queue_url=args.queue_url,
        function_name=args.function,
        signer=JobSigner(settings.slack_signing_secret or ""),
        limit=max(1, args.max),
        dry_run=args.dry_run,
    )
    verb = "Would re-run" if args.dry_run else "Re-ran"
    print(f"{verb} {result.replayed} failed jobs.")
    for reason in result.skipped:
        print(f"  left in the queue: {reason}")
    return 0


def _stats(settings: Settings, args: argparse.Namespace) -> int:
    from bot.db.answer_log import run_stats

    pool = _open_database(settings)
    try:
        return run_stats(pool, max(1, args.days), sys.stdout)
    finally:
        pool.close()


def _forget_user(settings: Settings, args: argparse.Namespace) -> int:
    from bot.memory.erasure import forget_user_everywhere

    user = args.user_id.strip()
    if not user or "." in user or "%" in user:
        raise ConfigError(f"{user!r} doesn't look like a Slack user ID (e.g. U012AB3CD).")
    pool = _open_database(settings)
    try:
        erased = forget_user_everywhere(pool, user)
    finally:
        pool.close()
    print(
        f"Erased everything about {user}: {erased.memories} memories and {erased.other_rows} "
        "other rows (settings, answer log, what the memory cap let go)."
    )
    return 0


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    settings.require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "OPENAI_API_KEY")
    _check_token_shape("SLACK_BOT_TOKEN", settings.slack_bot_token, "xoxb-")
    _check_token_shape("SLACK_APP_TOKEN", settings.slack_app_token, "xapp-")

    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.jobs.dispatch import ThreadDispatcher
    from bot.wiring import build_app, build_worker, slack_client

    slack = slack_client(settings)
    # Every token is tried before the (slow, first time) database start, so a wrong one is
    # named at once.
    _check_slack(slack, settings)
    _check_openai(settings)
    # The daily sweep runs beside the jobs: one more at once.
    pool = _open_database(settings, concurrent_jobs=SERVE_JOBS + 1)
    worker = build_worker(settings, slack=slack, pool=pool, warm=True)
    dispatcher = ThreadDispatcher(worker.run, max_workers=SERVE_JOBS)
    app = build_app(settings, client=slack, submit=dispatcher.submit, socket_mode=True)
    socket_mode = SocketModeHandler(app, settings.slack_app_token)
    stop_sweeping = _sweep_daily(worker.sweep)
    try:
        _slack_check(socket_mode.connect, "SLACK_APP_TOKEN", settings)
        print("Connected to Slack over Socket Mode. DM the bot or @mention it. Ctrl-C stops.")
        threading.Event().wait()  # Socket Mode's own threads serve; this one waits for Ctrl-C
    finally:
        stop_sweeping.set()
        socket_mode.close()
        dispatcher.shutdown()
        pool.close()
    return 0


SWEEP_INTERVAL_S = 24 * 60 * 60


def _sweep_daily(sweep) -> threading.Event:
    """Expire old memories once a day while serving (AWS runs the same sweep on a schedule)."""
    import logging

    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(SWEEP_INTERVAL_S):
            try:
                sweep()
            except Exception:  # noqa: BLE001 - tomorrow's sweep catches up
                logging.getLogger(__name__).exception("memory sweep failed")

    threading.Thread(target=loop, name="sweep", daemon=True).start()
    return stop


def _check_token_shape(name: str, value: str | None, prefix: str) -> None:
    if value and not value.startswith(prefix):
        raise ConfigError(f"{name} should start with '{prefix}'. Check that it's the right token.")


# What to do when Slack rejects a token, by variable.
_SLACK_TOKEN_FIX = {
    "SLACK_BOT_TOKEN": "Copy the Bot User OAuth Token again from your app's 'OAuth & Permissions' "
    "page.",
    "SLACK_APP_TOKEN": "At https://api.slack.com/apps, open your app's 'Basic Information' > "
    "'App-Level Tokens', create one with the connections:write scope, and check that Socket Mode "
    "is enabled.",
}


def _check_slack(slack, settings: Settings) -> None:
    _slack_check(slack.auth_test, "SLACK_BOT_TOKEN", settings)
    if settings.slack_app_token:
        # Socket Mode's own first call; the URL it hands out is single-use and simply expires.
        _slack_check(
            lambda: slack.apps_connections_open(app_token=settings.slack_app_token),
            "SLACK_APP_TOKEN",
            settings,
        )


def _slack_check(call, name: str, settings: Settings) -> None:
    """Run a Slack call that proves the token `name` works; explain it if it doesn't."""
    from slack_sdk.errors import SlackApiError

    try:
        call()
    except SlackApiError as exc:
        raise ConfigError(
            f"Slack rejected {name} ({exc.response.get('error')}). {_SLACK_TOKEN_FIX[name]}"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"Could not reach Slack at {settings.slack_api_url} ({type(exc).__name__}). "
            "Check your network connection."
        ) from None


# The start-up check is one small request; a slow answer means a network problem, not a busy model.
OPENAI_CHECK_TIMEOUT_S = 10


def _check_openai(settings: Settings) -> None:
    """One cheap call (the chat model's metadata) proves the key works before anything starts."""
    import openai

    from bot.conversation.llm import openai_client

    where = settings.openai_base_url or "api.openai.com"
    client = openai_client(settings).with_options(timeout=OPENAI_CHECK_TIMEOUT_S, max_retries=0)
    try:
        client.models.retrieve(settings.chat_model)
    except openai.AuthenticationError:
        raise ConfigError(
            "OpenAI rejected OPENAI_API_KEY (401). Create a key at "
            "https://platform.openai.com/api-keys and set it again."
        ) from None
    except openai.PermissionDeniedError:
        raise ConfigError(
            "OPENAI_API_KEY is not allowed to use the models (403). Check the key's project and "
            "permissions at https://platform.openai.com/api-keys."
        ) from None
    except openai.NotFoundError:
        raise ConfigError(
            f"OpenAI has no model '{settings.chat_model}' for this key. Check CHAT_MODEL."
        ) from None
    except openai.APIConnectionError:  # timeouts included
        raise ConfigError(
            f"Could not reach OpenAI at {where}. Check your network connection"
            + (" and OPENAI_BASE_URL." if settings.openai_base_url else ".")
        ) from None
    except openai.APIStatusError as exc:  # e.g. 429 or 5xx: the key may be fine; say it, go on
        note = f"bot: OpenAI answered {exc.status_code} to the OPENAI_API_KEY check; going on."
        print(note, file=sys.stderr)


def _chat(settings: Settings, args: argparse.Namespace) -> int:
    settings.require("OPENAI_API_KEY")
    from bot import logs

    debug = settings.log_level == "DEBUG"
    # A terminal conversation: the bot's own one-line notes say what failed; log lines (with
    # tracebacks) only when LOG_LEVEL=DEBUG asks for them.
    logs.configure(settings.log_level if debug else "CRITICAL", json_format=False, tracebacks=debug)
    _check_openai(settings)
    from bot.conversation.prompt import ThreadMessage
    from bot.wiring import build_conversation

    pool = _open_database(settings)
    conversation = build_conversation(settings, pool=pool)
    user = args.user
    history: list[ThreadMessage] = []
    print(f"Chatting as {user}. Commands: /interests, /forget [words], /quit")
    try:
        while True:
            try:
                text = input(f"{user}> ").strip()
            except EOFError:
                print()
                return 0
            if text in ("/quit", "/exit"):
                return 0
            if text:
                _chat_turn(conversation, user, text, history)
    finally:
        pool.close()


def _chat_turn(conversation, user: str, text: str, history: list) -> None:
    """One line typed in `bot chat`. A failure is told in one line and the conversation goes on."""
    from bot.conversation.prompt import ThreadMessage
    from bot.memory.schema import ConversationKind, Source

    step = "that"
    try:
        if text.startswith("/interests"):
            step = "listing memories"
            _print_memories(conversation.memories.list_all(LOCAL_TEAM, user))
            return
        if text.startswith("/forget"):
            step = "forgetting"
            words = text.removeprefix("/forget").strip()
            if words:
                found = conversation.memories.forget_matching(LOCAL_TEAM, user, words)
                gone = ", ".join(m.topic for m in found.forgotten)
                print(f"Forgot {len(found.forgotten)}: {gone}")
                if found.offered:
                    kept = ", ".join(m.topic for m in found.offered)
                    print(f"  (only mentioned in: {kept}; kept. /forget <topic> forgets one)")
            else:
                count = conversation.memories.forget_all(LOCAL_TEAM, user)
                print(f"Forgot everything ({count}).")
            return
        memories = conversation.recall(LOCAL_TEAM, user, text, include_private=True)
        if memories:
            print("  (remembering: " + ", ".join(m.topic for m in memories) + ")")
        print("bot> ", end="", flush=True)
        step = "answering"
        answer = ""
        try:
            for delta in conversation.answer(text, memories, history):
                answer += delta
                print(delta, end="", flush=True)
        finally:
            print()
        history += [ThreadMessage(False, text), ThreadMessage(True, answer)]
        step = "learning from that"
        # A terminal conversation is as private as a DM.
        learned = conversation.learn(LOCAL_TEAM, user, text, Source(ConversationKind.DM), memories)
        for memory in learned.saved:
            print(f"  (learned: {memory.topic} — {memory.description or ''})")
    except Exception as exc:  # noqa: BLE001 - told, then the next line is read
        logging.getLogger(__name__).debug("chat turn failed", exc_info=True)
        print(f"  ({step} failed: {_describe_failure(exc)}; try again)")


def _describe_failure(exc: BaseException) -> str:
    """What went wrong, in words: the first cause in the chain that names a service."""
    import openai
    import psycopg

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, openai.APIConnectionError):
            return "OpenAI can't be reached"
        if isinstance(seen, openai.AuthenticationError):
            return "OpenAI rejected OPENAI_API_KEY"
        if isinstance(seen, openai.APIStatusError):
            return f"OpenAI answered {seen.status_code}"
        if isinstance(seen, psycopg.OperationalError):
            return "the database can't be reached"
        seen = seen.__cause__ or seen.__context__
    return type(exc).__name__


def _print_memories(memories) -> None:
    if not memories:
        print("Nothing remembered yet.")
    for memory in memories:
        level = f" {memory.interest_level}/100" if memory.interest_level is not None else ""
        print(f"- {memory.topic} [{memory.category or '-'}]{level}: {memory.description or ''}")


if __name__ == "__main__":
    sys.exit(main())
