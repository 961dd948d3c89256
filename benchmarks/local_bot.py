"""The whole bot in this process, with memories preloaded and channel threads to mention it in.

As tests/support/harness.py wires it: the real Bolt app and Worker, jobs on threads (as Socket
Mode runs them), the loopback FakeSlack / FakeOpenAI, which record every request, and the
embedded database. Nothing inside bot/ is replaced, so what the fakes count is what production
code sends.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from langgraph.store.base import PutOp

from benchmarks.harness import Database
from bot.db.storage import StoreBuilder, open_pool
from bot.memory.service import ConversationKind, Memory, Source, namespace
from tests.fakes import FakeOpenAI, FakeSlack
from tests.fakes.openai_fake import fake_embedding
from tests.support.harness import Bot, bot_settings, wire_bot

TEAM = "T1"
BOT_USER = "UBOT"
BOT_ID = "BBOT"


@contextmanager
def local_bot(db: Database) -> Iterator[Bot]:
    pool = open_pool(db.url)
    with FakeOpenAI() as openai, FakeSlack(TEAM, BOT_USER, BOT_ID) as slack:
        settings = bot_settings(openai, slack, db.url, db.data_dir, db.dims)
        bot = wire_bot(settings, pool, slack, openai)
        try:
            yield bot
        finally:
            bot.close()
            pool.close()


def public_memory(
    i: int, topic: str, category: str, interest_level: int, description: str, key: str
) -> Memory:
    """A memory as the bot stores it, learned in a public channel: every turn may use it."""
    return Memory(
        key=key,
        topic=topic,
        category=category,
        interest_level=interest_level,
        description=description,
        private=False,
        sources=(Source(ConversationKind.PUBLIC_CHANNEL, "C0", f"1690000000.{i:06d}"),),
    )


def remember(bot: Bot, dims: int, user: str, memories: Sequence[Memory]) -> None:
    """Real PostgresStore puts in one batch, embedded with the fake's own function: the same
    vectors the fake returns at query time, and no HTTP calls to count."""
    if not memories:
        return
    store = StoreBuilder(lambda texts: [fake_embedding(t, dims) for t in texts], dims)
    ops = [PutOp(namespace(TEAM, user), m.key, m.value()) for m in memories]
    store.on(bot.pool).batch(ops)


def thread_ts_at(thread_ts: str, i: int) -> str:
    """The timestamp of the thread's i-th message (0: the parent)."""
    return f"{thread_ts[:-6]}{int(thread_ts[-6:]) + i:06d}"


def thread_messages(thread_ts: str, texts: Sequence[str], users: Sequence[str]) -> list[dict]:
    """A channel thread's earlier messages, parent first, every 4th from the bot, the others
    from `users` in turn."""
    messages = []
    for i, text in enumerate(texts):
        message = {"type": "message", "ts": thread_ts_at(thread_ts, i), "text": text}
        if i % 4 == 3:
            message.update(user=BOT_USER, bot_id=BOT_ID)
        else:
            message["user"] = users[i % len(users)]
        if i:
            message["thread_ts"] = thread_ts
        messages.append(message)
    return messages


def mention_in_thread(
    bot: Bot, user: str, text: str, *, channel: str, thread_ts: str, earlier: Sequence[dict]
) -> None:
    """@-mention the bot after `earlier` in a channel thread, and wait for the turn to end."""
    ts = thread_ts_at(thread_ts, len(earlier))
    # Slack's conversations.replies includes the mention itself; the worker must drop it.
    this = {"type": "message", "ts": ts, "thread_ts": thread_ts, "user": user,
            "text": f"<@{BOT_USER}> {text}"}  # fmt: skip
    bot.slack.set_replies(channel, thread_ts, [*earlier, this])
    bot.mention(user, text, channel=channel, thread_ts=thread_ts, ts=ts)
