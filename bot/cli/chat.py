"""`bot chat`: the same conversation as in Slack (recall, answer, learn), in a terminal.

A failure is told in one line and the conversation goes on; log lines only with LOG_LEVEL=DEBUG.
"""

from __future__ import annotations

import argparse
import logging
import re
from collections.abc import Callable

from bot.cli.checks import check_openai, require_tokens
from bot.cli.database import open_database, where
from bot.settings import Settings

log = logging.getLogger(__name__)

# The workspace a terminal conversation's memories are kept under, apart from any Slack one.
LOCAL_TEAM = "local"
# A name is a memory namespace label: no dots (the store joins labels with them), no spaces.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
NAME_RULE = "1 to 32 letters, digits, '-' or '_', starting with a letter or digit"

HELP = """What I understand here:
  /interests       what I remember about you
  /forget WORDS    forget the memories about WORDS
  /forget          forget everything about you
  /help            this list
  /quit            leave (Ctrl-D too)
Anything else is a message to me."""


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--user",
        required=True,
        type=chat_name,
        help=f"who you are; memories are kept per name. A name is {NAME_RULE}, e.g. alice",
    )


def chat_name(text: str) -> str:
    if not NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} can't be a name here: use {NAME_RULE}")
    return text


def run(settings: Settings, args: argparse.Namespace) -> int:
    """talk to the bot in this terminal, no Slack needed (make chat)"""
    require_tokens(settings, "OPENAI_API_KEY")
    check_openai(settings)
    from bot.wiring import build_conversation

    pool = open_database(settings)
    session = ChatSession(build_conversation(settings, pool=pool), args.user)
    print(f"Chatting as {args.user}, with memories in {where(settings)}. /help lists commands.")
    try:
        while True:
            try:
                text = input(f"{args.user}> ").strip()
            except EOFError:
                print()
                return 0
            if not session.handle(text):
                return 0
    finally:
        pool.close()


class ChatSession:
    """One person's terminal conversation: its thread so far, and what each line typed does."""

    def __init__(self, conversation, user: str) -> None:
        self._conversation = conversation
        self._user = user
        self._history: list = []
        # Each command, and what it is doing if it fails.
        self._commands: dict[str, tuple[Callable[[str], None], str]] = {
            "/interests": (self._interests, "listing memories"),
            "/forget": (self._forget, "forgetting"),
            "/help": (lambda _: print(HELP), "help"),
        }

    def handle(self, text: str) -> bool:
        """Act on one line; False once the person leaves."""
        word, _, rest = text.partition(" ")
        if word in ("/quit", "/exit"):
            return False
        if word in self._commands:
            action, step = self._commands[word]
            self._run(step, action, rest.strip())
        elif re.fullmatch(r"/[a-z]+", word):
            print(f"  (there is no {word} here; /help lists what I understand)")
        elif text:
            self._run("answering", self._turn, text)
        return True

    def _run(self, step: str, action: Callable[[str], None], text: str) -> None:
        try:
            action(text)
        except Exception as exc:  # noqa: BLE001 - told, then the next line is read
            log.debug("chat %s failed", step, exc_info=True)
            print(f"  ({step} failed: {describe_failure(exc)}; try again)")

    def _interests(self, _: str) -> None:
        memories = self._conversation.memories.list_all(LOCAL_TEAM, self._user)
        if not memories:
            print("Nothing remembered yet.")
        for memory in memories:
            level = f" {memory.interest_level}/100" if memory.interest_level is not None else ""
            category = memory.category or "-"
            print(f"- {memory.topic} [{category}]{level}: {memory.description or ''}")

    def _forget(self, words: str) -> None:
        memories = self._conversation.memories
        if words:
            found = memories.forget_matching(LOCAL_TEAM, self._user, words)
            gone = ", ".join(m.topic for m in found.forgotten)
            print(f"Forgot {len(found.forgotten)}: {gone}")
            if found.offered:
                kept = ", ".join(m.topic for m in found.offered)
                print(f"  (only mentioned in: {kept}; kept. /forget <topic> forgets one)")
        else:
            print(f"Forgot everything ({memories.forget_all(LOCAL_TEAM, self._user)}).")

    def _turn(self, text: str) -> None:
        from bot.conversation.prompt import ThreadMessage
        from bot.memory.schema import ConversationKind, Source

        conversation, user = self._conversation, self._user
        memories = conversation.recall(LOCAL_TEAM, user, text, include_private=True)
        if memories:
            print("  (remembering: " + ", ".join(m.topic for m in memories) + ")")
        print("bot> ", end="", flush=True)
        answer = ""
        try:
            for delta in conversation.answer(text, memories, self._history):
                answer += delta
                print(delta, end="", flush=True)
        finally:
            print()
        self._history += [ThreadMessage(False, text), ThreadMessage(True, answer)]
        try:
            # A terminal conversation is as private as a DM.
            learned = conversation.learn(
                LOCAL_TEAM, user, text, Source(ConversationKind.DM), memories
            )
        except Exception as exc:  # noqa: BLE001 - the answer stands; say what didn't happen
            log.debug("chat learning failed", exc_info=True)
            print(f"  (learning from that failed: {describe_failure(exc)}; try again)")
            return
        for memory in learned.saved:
            print(f"  (learned: {memory.topic} — {memory.description or ''})")


def describe_failure(exc: BaseException) -> str:
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
