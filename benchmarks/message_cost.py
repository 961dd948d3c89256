"""The cost of one message: model calls, embeddings and tokens per user turn.

    python -m benchmarks.message_cost
    python -m benchmarks.message_cost --memories 0,20,200,1000 --thread 30 --dims 1536

The whole bot runs in-process (benchmarks.local_bot): an embedded PostgreSQL 16 + pgvector in a
temporary directory, the real Bolt app and Worker, and the loopback FakeOpenAI / FakeSlack
servers, which record every request. Nothing is mocked inside bot/, so every count below is what
the production code sends.

For each cell (a person with N memories, talking in a DM or @-mentioning the bot in a long
channel thread) one message naming two tech terms is sent and only that turn's requests are
counted. Memories are pre-loaded with real PostgresStore puts (bot.db.storage.StoreBuilder) whose
embed function is the fake's own hashed bag-of-words, so the load costs no HTTP calls and
the vectors match what the fake returns at query time. They were learned in a public channel,
so the channel thread may use them as the DM does.

Tokens are the API's `usage`, as the fake reports it (tests.fakes.tokens: OpenAI's tokenizer and
chat framing, function schemas included): the reply's input tokens as the bot read them from the
stream and wrote to its answer log, the extraction request's prompt tokens as the fake answers
them, split into its tool schema, the existing memories it was given and the rest (LangMem's
instructions and the person's message).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks import harness
from benchmarks.local_bot import (
    TEAM,
    local_bot,
    mention_in_thread,
    public_memory,
    remember,
    thread_messages,
)
from bot.conversation import prompt
from bot.memory.service import Memory, namespace
from bot.settings import Settings
from tests.fakes import tokens
from tests.fakes.openai_fake import default_reply
from tests.support.harness import Bot

CHANNEL = "C1"
BUDGET_TOKENS = prompt.PROMPT_BUDGET_CHARS // 4

# The turn being measured. Two terms, so extraction has work to do in every cell: for people
# who already have memories "Rust" is one of them (an update, trustcall's PatchDoc) and "Kafka"
# is new (an insert); for a newcomer both are inserts.
MESSAGE = (
    "I'm rewriting our Kafka consumers in Rust and want memory to stay flat under load. "
    "How would you structure backpressure between the consumer loop and the database writes?"
)

# What a preloaded person is interested in. The first is "Rust" on purpose (see MESSAGE); the
# others are combined with aspects so 200+ memories still have distinct, plausible topics.
TOPICS = [
    ("Rust", "programming language"), ("Kubernetes", "infrastructure"),
    ("PostgreSQL", "database"), ("TypeScript", "programming language"), ("React", "frontend"),
    ("Terraform", "infrastructure"), ("Redis", "database"), ("GraphQL", "API"),
    ("Docker", "infrastructure"), ("Python", "programming language"), ("AWS", "cloud"),
    ("LangGraph", "AI"), ("WebAssembly", "web platform"), ("Elixir", "programming language"),
    ("GCP", "cloud"), ("MongoDB", "database"), ("Linux", "infrastructure"), ("Vue", "frontend"),
    ("Kotlin", "programming language"), ("LLMs", "AI"),
]  # fmt: skip
ASPECTS = ["", "performance", "testing", "security", "tooling", "observability", "migrations",
           "internals", "deployment", "cost control"]  # fmt: skip
PHRASES = [
    "uses it daily in production services and cares about predictable latency under load",
    "is evaluating it for a new internal platform and asked about trade-offs versus the status quo",
    "maintains a team library around it and wants idiomatic patterns, not clever tricks",
    "is learning it on weekends and prefers worked examples with short explanations",
    "hit painful incidents with it last quarter and now reads post-mortems about it closely",
]

# A busy channel thread: three colleagues and the bot discussing a migration. Each message is
# a few of these sentences, which lands it in the realistic 200-400 character range.
THREAD_SENTENCES = [
    "We should settle the retry policy before the migration window opens next Tuesday.",
    "The staging cluster dropped about two percent of events during yesterday's load test.",
    "I traced the lag spikes to the batch writer holding a transaction open for too long.",
    "If we move the dedupe step upstream, the database only ever sees idempotent writes.",
    "Dashboards show p99 latency doubling whenever the nightly compaction job kicks in.",
    "Can someone own the runbook update? The on-call rotation changes at the end of the week.",
    "My vote is to ship behind a feature flag and ramp traffic over three days.",
    "Schema changes need a backfill plan; the old readers must keep working meanwhile.",
    "The vendor quote came back higher than expected, so self-hosting is on the table again.",
    "Let's write down the failure modes first and only then pick the tooling for each one.",
    "I'd rather measure than guess; a one-hour soak test with production-like data is cheap.",
    "Alerting thresholds are too noisy right now, people have started muting the channel.",
]
THREAD_USERS = ["U5", "U6", "U7"]


EXTRACTION_LIMIT = 2_500  # extraction input tokens allowed at 200 stored memories
EMBED_CALLS = 2  # per turn: the message (recall, reused by extraction) + one batched write
LEGEND = [
    "reply tok    = input tokens of the Responses request (usage, from the bot's answer log)",
    "extract tok  = prompt tokens of the extraction request (usage): = tools + existing + rest",
    "  tools      = its function schemas; existing = the memories handed in as existing ones",
    "  rest       = LangMem's instructions, framing and the person's message",
    "existing     = memories given to the extraction (the reply's recall, reused)",
    "embed calls / texts / tok = embedding requests, texts in them, their usage tokens",
    "+rows        = net change of the person's memories (at the cap of 200 a new one evicts one)",
    "s            = wall time of the turn (the first: + imports)",
]
_EXISTING_RE = re.compile(r"<instance id=\S+ [^>]*>\n.*?\n</instance>", re.S)


@dataclass
class Cell:
    """What one user turn cost, read back from the fakes' request logs and the answer log."""

    place: str
    memories: int
    responses_calls: int
    chat_calls: int
    embedding_calls: int
    texts_embedded: int
    embedding_tokens: int
    message_embeds: int  # embedded texts that contain the whole user message
    reply_tokens: int  # usage.input_tokens of the answer, as the bot logged it
    reply_tokens_fake: int  # the same counted from the recorded request
    extraction_tokens: int  # usage.prompt_tokens of the extraction request(s)
    extraction_tool_tokens: int  # ...of which the function schemas
    extraction_existing_tokens: int  # ...of which the existing memories
    existing_given: int
    memories_injected: int
    thread_included: int
    new_rows: int
    duplicate_topics: list[str]  # topics stored twice after the turn
    seconds: float

    @property
    def extraction_rest_tokens(self) -> int:
        return (
            self.extraction_tokens - self.extraction_tool_tokens - self.extraction_existing_tokens
        )


# ----------------------------------------------------------------------------- synthetic data


def memories(count: int, rng: random.Random) -> list[Memory]:
    """`count` memories as the bot stores them, learned in a public channel."""
    found = []
    for i in range(count):
        base, category = TOPICS[i % len(TOPICS)]
        aspect = ASPECTS[(i // len(TOPICS)) % len(ASPECTS)]
        topic = f"{base} {aspect}".strip() if i < len(TOPICS) * len(ASPECTS) else f"{base} #{i}"
        # ~150 characters, the length the extraction model tends to write.
        phrase = rng.choice(PHRASES).capitalize()
        description = f"{phrase}. Came up in a team discussion about {topic} last week."
        level = rng.randrange(40, 100)
        found.append(public_memory(i, topic, category, level, description[:150], key=f"m{i:05d}"))
    return found


def thread_texts(count: int, seed: int) -> list[str]:
    """`count` messages of a busy channel thread, each a few sentences."""
    rng = random.Random(f"{seed}:thread")
    texts = []
    for _ in range(count):
        text = ""
        while len(text) < rng.randrange(200, 330):  # stops between ~200 and ~400 chars
            text += rng.choice(THREAD_SENTENCES) + " "
        texts.append(text.strip())
    return texts


# ----------------------------------------------------------------------------- the bot


def message_for(user: str) -> str:
    # Unique per cell: the embedder remembers recent texts, and real messages don't repeat.
    return MESSAGE.replace("I'm rewriting", f"As {user}, I'm rewriting")


def measure(bot: Bot, user: str, memories: int, place: str, thread: int, seed: int) -> Cell:
    """Send one message as `user` and count what that turn alone asked of OpenAI."""
    message = message_for(user)
    bot.openai.reset()  # the preload and earlier cells must not leak into this turn's counts
    bot.openai.reply_text = default_reply
    bot.slack.reset()
    rows_before = bot.rows(TEAM, user)[0]
    started = time.perf_counter()
    if place == "DM":
        bot.dm(user, message)
    else:
        thread_ts = "1700000001.000001"
        earlier = thread_messages(thread_ts, thread_texts(thread, seed), THREAD_USERS)
        mention_in_thread(bot, user, message, channel=CHANNEL, thread_ts=thread_ts, earlier=earlier)
    seconds = time.perf_counter() - started

    replies, chats, embeds = (bot.openai.bodies(k) for k in ("responses", "chat", "embeddings"))
    texts = [t for body in embeds for t in _inputs(body)]
    instructions = replies[0].get("instructions", "") if replies else ""
    reply_input = replies[0].get("input", []) if replies else []
    system = [m for body in chats for m in body.get("messages", []) if m.get("role") == "system"]
    existing = [x for m in system for x in _EXISTING_RE.findall(str(m.get("content") or ""))]
    return Cell(
        place=place,
        memories=memories,
        responses_calls=len(replies),
        chat_calls=len(chats),
        embedding_calls=len(embeds),
        texts_embedded=len(texts),
        embedding_tokens=sum(
            tokens.embedding_tokens(_inputs(body), body.get("model", "")) for body in embeds
        ),
        message_embeds=sum(isinstance(t, str) and message in t for t in texts),
        reply_tokens=logged_input_tokens(bot, user),
        # Sums over every call, so an extra call would show up as a bigger prompt too.
        reply_tokens_fake=sum(tokens.input_tokens(body) for body in replies),
        extraction_tokens=sum(tokens.input_tokens(body) for body in chats),
        extraction_tool_tokens=sum(
            tokens.input_tokens(body) - tokens.input_tokens({**body, "tools": []}) for body in chats
        ),
        # Each block is counted apart; where they sit together the BPE would merge a few
        # tokens across their boundaries, no more.
        extraction_existing_tokens=sum(tokens.count(x) for x in existing),
        existing_given=len(existing),
        memories_injected=sum(line.startswith("- ") for line in instructions.splitlines()),
        thread_included=max(0, len(reply_input) - 1),  # everything but the message itself
        new_rows=bot.rows(TEAM, user)[0] - rows_before,
        duplicate_topics=duplicate_topics(bot, user),
        seconds=seconds,
    )


def logged_input_tokens(bot: Bot, user: str) -> int:
    """The answer's input tokens as the bot read them from the API's usage."""
    with bot.pool.connection() as conn:
        row = conn.execute(
            "SELECT input_tokens FROM bot_answers WHERE team_id = %s AND user_id = %s "
            "ORDER BY id DESC LIMIT 1",
            (TEAM, user),
        ).fetchone()
    return row["input_tokens"] if row and row["input_tokens"] is not None else -1


def duplicate_topics(bot: Bot, user: str) -> list[str]:
    """Preloaded topics are distinct, so a repeat means extraction inserted what it knew."""
    with bot.pool.connection() as conn:
        rows = conn.execute(
            "SELECT value->'content'->>'topic' AS topic FROM store WHERE prefix = %s",
            (".".join(namespace(TEAM, user)),),
        ).fetchall()
    return sorted(t for t, n in Counter(r["topic"] for r in rows).items() if n > 1)


def _inputs(body: dict) -> list:
    inputs = body.get("input", [])
    return [inputs] if isinstance(inputs, str) else list(inputs)


def run(args: argparse.Namespace) -> list[Cell]:
    cells = []
    with local_bot(harness.embedded_database(args.dims)) as bot:
        for count in args.memories:
            for place in ("DM", "thread"):
                user = f"U{place.upper()}{count}"  # a fresh person per cell
                remember(
                    bot, args.dims, user, memories(count, random.Random(f"{args.seed}:{user}"))
                )
                cells.append(measure(bot, user, count, place, args.thread, args.seed))
    return cells


# ----------------------------------------------------------------------------- report


def print_table(cells: Sequence[Cell]) -> None:
    header = ["place", "memories", "Responses", "chat", "embed calls", "texts", "embed tok",
              "reply tok", "extract tok", "tools", "existing", "rest", "existing given",
              "mem injected", "thread msgs", "+rows", "s"]  # fmt: skip
    rows = [
        [c.place, c.memories, c.responses_calls, c.chat_calls, c.embedding_calls,
         c.texts_embedded, c.embedding_tokens, c.reply_tokens, c.extraction_tokens,
         c.extraction_tool_tokens, c.extraction_existing_tokens, c.extraction_rest_tokens,
         c.existing_given, c.memories_injected, c.thread_included, c.new_rows,
         f"{c.seconds:.2f}"]
        for c in cells
    ]  # fmt: skip
    print(harness.table(header, rows))
    print()
    for line in LEGEND:
        print(line)


def check(cells: Sequence[Cell], floors: harness.Floors) -> None:
    for c in cells:
        name = f"{c.place}, {c.memories} memories"
        floors.check(
            c.responses_calls == 1, f"{name}: exactly one Responses call ({c.responses_calls})"
        )
        floors.check(c.chat_calls <= 1, f"{name}: at most one extraction call ({c.chat_calls})")
        floors.check(
            c.embedding_calls == EMBED_CALLS,
            f"{name}: {EMBED_CALLS} embedding calls per turn ({c.embedding_calls})",
        )
        floors.check(
            c.reply_tokens == c.reply_tokens_fake,
            f"{name}: the answer log's input tokens ({c.reply_tokens}) are the usage the "
            f"fake reported ({c.reply_tokens_fake})",
        )
        floors.check(
            c.reply_tokens < BUDGET_TOKENS,
            f"{name}: reply input {c.reply_tokens} tok < budget {BUDGET_TOKENS} tok",
        )
        if c.memories == 200:
            floors.check(
                c.extraction_tokens <= EXTRACTION_LIMIT,
                f"{name}: extraction input {c.extraction_tokens} tok <= {EXTRACTION_LIMIT} "
                f"(tools {c.extraction_tool_tokens}, existing {c.existing_given} memories "
                f"{c.extraction_existing_tokens}, rest {c.extraction_rest_tokens})",
            )


def notes(cells: Sequence[Cell]) -> list[str]:
    """What the table shows beyond the checks, each with where it comes from."""
    found = []
    for c in cells:
        if c.message_embeds > 1:
            found.append(
                f"{c.place}, {c.memories} memories: the message was embedded "
                f"{c.message_embeds}x in one turn (the reply's recall should serve extraction)"
            )
        if c.duplicate_topics:
            found.append(
                f"{c.place}, {c.memories} memories: extraction stored {c.duplicate_topics} twice"
            )
    return found


def reading(cells: Sequence[Cell]) -> str:
    """One paragraph that interprets the table from the measured numbers."""
    most = max(cells, key=lambda c: (c.memories, c.extraction_tokens))
    return (
        f"Every turn makes {span(c.responses_calls for c in cells)} Responses call, "
        f"{span(c.chat_calls for c in cells)} extraction call and "
        f"{span(c.embedding_calls for c in cells)} embedding calls "
        f"({span(c.texts_embedded for c in cells)} texts) whatever the memory count. The reply "
        f"input is {span(c.reply_tokens for c in cells)} tokens. Extraction input is "
        f"{span(c.extraction_tokens for c in cells)} tokens: at {most.memories} memories "
        f"({most.place}) {most.extraction_tool_tokens} are the tool schemas, "
        f"{most.extraction_existing_tokens} the {most.existing_given} existing memories "
        f"(MEMORY_LIMIT={Settings.memory_limit}, the reply's recall) and "
        f"{most.extraction_rest_tokens} LangMem's instructions with the message."
    )


def span(values) -> str:
    """ "5" when every cell agrees, "3-7" when they don't."""
    values = sorted(set(values))
    return str(values[0]) if len(values) == 1 else f"{values[0]}-{values[-1]}"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--memories",
        type=lambda s: [int(n) for n in s.split(",")],
        default=[0, 20, 200],
        help="comma-separated memory counts, one person per count and place (default 0,20,200)",
    )
    p.add_argument("--thread", type=int, default=30, help="earlier messages in the channel thread")
    p.add_argument("--dims", type=int, default=1536, help="EMBEDDING_DIMS")
    p.add_argument("--seed", type=int, default=1)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    title = (
        f"message_cost: one message per cell, EMBEDDING_DIMS={args.dims}, "
        f"MEMORY_LIMIT={Settings.memory_limit}, thread of {args.thread} messages"
    )
    with harness.session(title) as floors:
        print(f'message ({len(MESSAGE)} chars, prefixed per cell with the user): "{MESSAGE}"\n')
        cells = run(args)
        print_table(cells)
        print()
        check(cells, floors)
        floors.print()
        for note in notes(cells):
            print("NOTE " + note)
        print()
        print(reading(cells))
    return floors.exit_code


if __name__ == "__main__":
    sys.exit(main())
