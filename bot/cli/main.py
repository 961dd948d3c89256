"""The `bot` command: one table of subcommands, the settings they share, and how they fail.

Each command is a function `(settings, args) -> exit status` in a module of this package, whose
docstring's first line is its help, with an optional function adding its arguments: adding a
command is one row in COMMANDS. A problem the user can fix is a ConfigError, printed as one
`bot: ...` message with exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.cli import admin, chat, serve
from bot.settings import ConfigError, Settings, project_dir

Run = Callable[[Settings, argparse.Namespace], int]


@dataclass(frozen=True)
class Command:
    name: str
    run: Run  # its docstring's first line is the command's line in `bot --help`
    arguments: Callable[[argparse.ArgumentParser], None] | None = None

    @property
    def summary(self) -> str:
        return (self.run.__doc__ or "").strip().splitlines()[0]


COMMANDS = (
    Command("serve", serve.run),
    Command("chat", chat.run, chat.arguments),
    Command("migrate", admin.migrate),
    Command("sweep", admin.sweep),
    Command("digest", admin.digest, admin.digest_arguments),
    Command("forget-user", admin.forget_user, admin.forget_user_arguments),
    Command("stats", admin.stats, admin.stats_arguments),
    Command("replay-failed", admin.replay_failed, admin.replay_failed_arguments),
)

ABOUT = "Memory Bot: a Slack assistant that remembers what each person cares about in tech."
EPILOG = (
    "Settings come from the environment or from a .env file next to README.md.\n"
    "A command's own options: bot COMMAND --help"
)


def parser() -> argparse.ArgumentParser:
    width = max(len(command.name) for command in COMMANDS) + 2
    listing = "\n".join(f"  {c.name.ljust(width)}{c.summary}" for c in COMMANDS)
    root = argparse.ArgumentParser(
        prog="bot",
        usage="bot [-h] COMMAND ...",
        description=f"{ABOUT}\n\ncommands:\n{listing}",
        epilog=EPILOG,
        # The listing above is laid out by hand: one line per command, never wrapped.
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = root.add_subparsers(
        dest="command", required=True, metavar="COMMAND", help=argparse.SUPPRESS
    )
    for command in COMMANDS:
        sub = commands.add_parser(command.name, description=_sentence(command.summary))
        if command.arguments:
            command.arguments(sub)
        sub.set_defaults(run=command.run)
    return root


def _sentence(summary: str) -> str:
    return summary[0].upper() + summary[1:] + "."


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
        _quiet_unless_debugging(settings)
        return args.run(settings, args)
    except ConfigError as exc:
        print(f"bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def load_settings() -> Settings:
    """The environment, then `.env` in the project folder (the environment wins), then the
    secrets BOT_SECRET_ID names."""
    from dotenv import load_dotenv

    from bot.aws.secrets_manager import environment_with_secrets

    load_dotenv(project_dir() / ".env", override=False)
    return Settings.from_env(environment_with_secrets(os.environ))


def _quiet_unless_debugging(settings: Settings) -> None:
    """A command speaks for itself in plain sentences; log lines (library retries, warnings
    before a friendly error) only with LOG_LEVEL=DEBUG. `bot serve` turns its logs on once it
    is connected."""
    from bot import logs

    debug = settings.log_level == "DEBUG"
    logs.configure("DEBUG" if debug else "CRITICAL", json_format=False, tracebacks=debug)


if __name__ == "__main__":
    sys.exit(main())
