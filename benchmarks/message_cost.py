"""The cost of one message: model calls, embeddings and prompt sizes per user turn.

    python benchmarks/message_cost.py
    python benchmarks/message_cost.py --memories 0,20,200,1000 --thread 30 --dims 1536

The whole bot runs in-process exactly as tests/conftest.py wires it: an embedded PostgreSQL 16 +
pgvector in a temporary directory (bot.storage.embedded_database_url + migrate), the real Bolt
app and Worker, and the loopback FakeOpenAI / FakeSlack servers, which record every request.
Nothing is mocked inside bot/, so every count below is what the production code sends.

For each cell (a person with N memories, talking in a DM or @-mentioning the bot in a long
channel thread) one message naming two tech terms is sent and only that turn's requests are
counted. Memories are pre-loaded with real PostgresStore puts (bot.storage.build_store) whose
embed function is the fake's own hashed bag-of-words, so the load costs no HTTP calls and
the vectors match what the fake returns at query time.

Prompt sizes use the fake's estimate (characters / 4, tests.fakes.openai_fake.estimate_tokens),
the same number it reports as usage, so they compare directly with bot.prompt's budget.
"""

from __future__ import annotations

import argparse
import atexit
import json
import logging
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from langgraph.store.base import PutOp  # noqa: E402

from bot import prompt  # noqa: E402
from bot.memory import UserTechInterest, namespace  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.storage import build_store, embedded_database_url, migrate, open_pool  # noqa: E402
from tests.fakes import FakeOpenAI, FakeSlack  # noqa: E402
from tests.fakes.openai_fake import (  # noqa: E402
    default_reply,
    estimate_tokens,
    fake_embedding,
)
from tests.harness import Bot, bot_settings, wire_bot  # noqa: E402

TEAM = "T1"
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


LEGEND = [
    "reply tok    = (instructions + input) of the Responses request / 4 (the fake's usage)",
    "extract tok  = the extraction's chat messages / 4; +tools tok = its tool schemas / 4",
    "               (billed as input too, but not in extract tok)",
    "msg embedded = embedded texts containing the whole message; msg repeats = identical ones",
    "               embedded again in the same turn",
    "+rows        = memories the turn added; s = wall time of the turn (first: + imports)",
]


@dataclass
class Cell:
    """What one user turn cost, read back from the fakes' request logs."""

    place: str
    memories: int
    responses_calls: int
    chat_calls: int
    embedding_calls: int
    texts_embedded: int
    message_embeds: int  # texts embedded that contain the whole user message
    extractor_query_embeds: int  # ...of which LangMem's formatted search query
    message_repeats: int  # ...embedded again, identical, within the same turn
    write_embed_calls: int  # calls embedding memories being stored, not a search query
    reply_tokens: int
    extraction_tokens: int  # the chat messages, as the brief's "extraction prompt"
    extraction_tool_tokens: int  # the tool schemas sent alongside, also billed as input
    memories_injected: int
    thread_included: int
    thread_limit: int | None  # `limit` the bot passed to conversations.replies
    new_rows: int
    duplicate_topics: list[str]  # topics stored twice after the turn
    seconds: float


# ----------------------------------------------------------------------------- synthetic data


def memory_values(count: int, rng: random.Random) -> list[dict]:
    """`count` LangMem-shaped memories ({"kind", "content"}), as the extractor stores them."""
    values = []
    for i in range(count):
        base, category = TOPICS[i % len(TOPICS)]
        aspect = ASPECTS[(i // len(TOPICS)) % len(ASPECTS)]
        topic = f"{base} {aspect}".strip() if i < len(TOPICS) * len(ASPECTS) else f"{base} #{i}"
        # ~150 characters, the length the extraction model tends to write.
        phrase = rng.choice(PHRASES).capitalize()
        description = f"{phrase}. Came up in a team discussion about {topic} last week."
        content = UserTechInterest(
            topic=topic,
            category=category,
            interest_level=rng.randrange(40, 100),
            description=description[:150],
        )
        values.append({"kind": "UserTechInterest", "content": content.model_dump(mode="json")})
    return values


def preload(store, user: str, count: int, seed: int) -> None:
    """Real PostgresStore puts, one batch: the store embeds topic + description per memory."""
    if not count:
        return
    rng = random.Random(f"{seed}:{user}")
    ns = namespace(TEAM, user)
    store.batch([PutOp(ns, f"m{i:05d}", v) for i, v in enumerate(memory_values(count, rng))])


def thread_messages(count: int, thread_ts: str, seed: int) -> list[dict]:
    """`count` earlier messages of a channel thread (parent first), every 4th from the bot."""
    rng = random.Random(f"{seed}:thread")
    messages = []
    for i in range(count):
        text = ""
        while len(text) < rng.randrange(200, 330):  # stops between ~200 and ~400 chars
            text += rng.choice(THREAD_SENTENCES) + " "
        ts = thread_ts if i == 0 else f"{thread_ts[:-6]}{int(thread_ts[-6:]) + i:06d}"
        message = {"type": "message", "ts": ts, "text": text.strip()}
        if i % 4 == 3:
            message.update(user="UBOT", bot_id="BBOT")
        else:
            message["user"] = THREAD_USERS[i % len(THREAD_USERS)]
        if i:
            message["thread_ts"] = thread_ts
        messages.append(message)
    return messages


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
        mention_ts = f"1700000001.{thread + 1:06d}"
        earlier = thread_messages(thread, thread_ts, seed)
        # Slack's conversations.replies includes the mention itself; the worker must drop it.
        this = {"type": "message", "ts": mention_ts, "thread_ts": thread_ts, "user": user,
                "text": f"<@UBOT> {message}"}  # fmt: skip
        bot.slack.set_replies(CHANNEL, thread_ts, [*earlier, this])
        bot.mention(user, message, channel=CHANNEL, thread_ts=thread_ts, ts=mention_ts)
    seconds = time.perf_counter() - started

    replies, chats, embeds = (bot.openai.bodies(k) for k in ("responses", "chat", "embeddings"))
    texts = [t for body in embeds for t in _inputs(body)]
    with_message = [t for t in texts if isinstance(t, str) and message in t]
    thread_calls = bot.slack.calls_to("conversations.replies")
    instructions = replies[0].get("instructions", "") if replies else ""
    reply_input = replies[0].get("input", []) if replies else []
    return Cell(
        place=place,
        memories=memories,
        responses_calls=len(replies),
        chat_calls=len(chats),
        embedding_calls=len(embeds),
        texts_embedded=len(texts),
        message_embeds=len(with_message),
        # LangMem searches with get_conversation(), which prefixes the "=== Human Message ==="
        # banner; the bot's own recall embeds the bare text.
        extractor_query_embeds=sum("Human Message" in t for t in with_message),
        message_repeats=len(with_message) - len(set(with_message)),
        write_embed_calls=sum(
            not any(isinstance(t, str) and message in t for t in _inputs(body)) for body in embeds
        ),
        # Sums over every call, so an extra call would show up as a bigger prompt too.
        reply_tokens=sum(estimate_tokens(body) for body in replies),
        extraction_tokens=sum(estimate_tokens(body) for body in chats),
        extraction_tool_tokens=sum(len(json.dumps(body.get("tools", []))) // 4 for body in chats),
        memories_injected=sum(line.startswith("- ") for line in instructions.splitlines()),
        thread_included=max(0, len(reply_input) - 1),  # everything but the message itself
        thread_limit=int(thread_calls[0].params["limit"]) if thread_calls else None,
        new_rows=bot.rows(TEAM, user)[0] - rows_before,
        duplicate_topics=duplicate_topics(bot, user),
        seconds=seconds,
    )


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
    data_dir = Path(tempfile.mkdtemp(prefix="message_cost_"))
    # Registered before the server starts, so (atexit being LIFO) PostgreSQL stops first.
    atexit.register(shutil.rmtree, data_dir, True)
    url = embedded_database_url(data_dir)
    pool = open_pool(url)
    migrate(pool, args.dims)
    # Preloading embeds with the fake's function directly: same vectors, no HTTP calls to count.
    embed = lambda texts: [fake_embedding(t, args.dims) for t in texts]  # noqa: E731
    store = build_store(pool, embed, args.dims)

    cells = []
    with FakeOpenAI() as fake_openai, FakeSlack(TEAM, "UBOT", "BBOT") as fake_slack:
        settings = bot_settings(fake_openai, fake_slack, url, data_dir, args.dims)
        bot = wire_bot(settings, pool, fake_slack, fake_openai)
        try:
            for count in args.memories:
                for place in ("DM", "thread"):
                    user = f"U{place.upper()}{count}"  # a fresh person per cell
                    preload(store, user, count, args.seed)
                    cells.append(measure(bot, user, count, place, args.thread, args.seed))
        finally:
            bot.close()
            pool.close()
    return cells


# ----------------------------------------------------------------------------- report


def print_table(cells: Sequence[Cell]) -> None:
    header = ["place", "memories", "Responses", "chat", "embed calls", "texts embedded",
              "msg embedded", "msg repeats", "reply tok", "extract tok", "+tools tok",
              "mem injected", "thread msgs", "+rows", "s"]  # fmt: skip
    rows = [
        [c.place, c.memories, c.responses_calls, c.chat_calls, c.embedding_calls,
         c.texts_embedded, f"{c.message_embeds}x", c.message_repeats, c.reply_tokens,
         c.extraction_tokens, c.extraction_tool_tokens, c.memories_injected, c.thread_included,
         c.new_rows, f"{c.seconds:.2f}"]
        for c in cells
    ]  # fmt: skip
    widths = [max(len(str(v)) for v in col) for col in zip(header, *rows, strict=True)]
    for line in (header, ["-" * w for w in widths], *rows):
        print("| " + " | ".join(str(v).rjust(w) for v, w in zip(line, widths, strict=True)) + " |")
    print()
    for line in LEGEND:
        print(line)


def span(values) -> str:
    """ "5" when every cell agrees, "3-7" when they don't."""
    values = sorted(set(values))
    return str(values[0]) if len(values) == 1 else f"{values[0]}-{values[-1]}"


def checks(cells: Sequence[Cell]) -> list[tuple[bool, str]]:
    results = []
    for c in cells:
        name = f"{c.place}, {c.memories} memories"
        results += [
            (c.responses_calls == 1, f"{name}: exactly one Responses call ({c.responses_calls})"),
            (
                c.reply_tokens < BUDGET_TOKENS,
                f"{name}: reply prompt {c.reply_tokens} tok < budget {BUDGET_TOKENS} tok",
            ),
            (c.chat_calls <= 1, f"{name}: at most one extraction call ({c.chat_calls})"),
        ]
    return results


def waste(cells: Sequence[Cell], thread: int) -> list[str]:
    """Spend the table shows that a turn does not need, each with where it comes from."""
    notes = []
    worst = max(cells, key=lambda c: c.message_embeds)
    if worst.message_embeds > 1:
        notes.append(
            f"the message is embedded {worst.message_embeds}x per turn: once bare for the reply's "
            f"recall (bot.assistant.Assistant.recall), {worst.extractor_query_embeds}x as "
            f"LangMem's search query (bot.memory.MemoryService.extract -> "
            f"MemoryStoreManager.invoke), {worst.message_repeats} of them a byte-identical "
            f"repeat (langmem runs its store.search list serially, then resubmits the same "
            f"searches to an executor and keeps only the second results)"
        )
    searches = worst.message_embeds
    puts = [c.write_embed_calls for c in cells]
    if max(puts) > 1:
        notes.append(
            f"each memory the extractor writes is its own embedding call of 2 texts (topic + "
            f"description): {span(puts)} calls per turn where one store.batch would "
            f"make one (langmem submits store.put per memory); an update re-embeds the unchanged "
            f"topic too"
        )
    empty = [c for c in cells if c.memories == 0]
    if empty and empty[0].message_embeds:
        notes.append(
            f"with 0 memories the {searches} search embeddings still run against an empty namespace"
        )
    for c in cells:
        if c.duplicate_topics:
            notes.append(
                f"{c.place}, {c.memories} memories: extraction inserted {c.duplicate_topics} again "
                f"although it was remembered - LangMem shows the extractor only the 5 existing "
                f"memories nearest the message (query_limit), and this one was not among them "
                f"(with the fake's bag-of-words vectors; real embeddings rank differently)"
            )
    limited = [c for c in cells if c.thread_limit is not None and thread >= c.thread_limit]
    if limited:
        c = limited[0]
        notes.append(
            f"not cost but context: conversations.replies is asked for limit={c.thread_limit} "
            f"of a {thread + 1}-message thread; FakeSlack ignores `limit`, but Slack returns the "
            f"first page oldest-first, so live the bot would see the parent and earliest "
            f"replies, not the latest {prompt.MAX_THREAD_MESSAGES} (bot.worker.Worker._thread)"
        )
    return notes


def reading(cells: Sequence[Cell], thread: int) -> str:
    """One paragraph that interprets the table from the measured numbers, not from hopes."""
    dm = [c for c in cells if c.place == "DM"]
    th = [c for c in cells if c.place == "thread"]
    most = max(cells, key=lambda c: c.memories)

    return (
        f"Every turn makes {span(c.responses_calls for c in cells)} Responses call and "
        f"{span(c.chat_calls for c in cells)} extraction chat call whatever the memory count, "
        f"so model calls do not grow with memory. The reply prompt grows with memories only "
        f"until recall saturates at {max(c.memories_injected for c in cells)} injected lines "
        f"(MEMORY_LIMIT, MAX_MEMORY_CHARS={prompt.MAX_MEMORY_CHARS}): DM prompts are "
        f"{span(c.reply_tokens for c in dm)} tokens and thread prompts "
        f"{span(c.reply_tokens for c in th)}, because the {thread}-message thread adds "
        f"{max(c.thread_included for c in th)} of its messages (MAX_THREAD_MESSAGES) - all far "
        f"below the {BUDGET_TOKENS}-token budget, which the worst case (20 x 300-char memory "
        f"lines, 20 long thread messages, an 8,000-char message) is sized for. Extraction sees "
        f"the message plus at most MEMORY_LIMIT similar existing memories (query_limit), so its "
        f"messages stay at {span(c.extraction_tokens for c in cells)} tokens even at "
        f"{most.memories} memories, plus {span(c.extraction_tool_tokens for c in cells)} "
        f"tokens of tool schemas. Embeddings are where a turn is loose: "
        f"{span(c.embedding_calls for c in cells)} calls embedding "
        f"{span(c.texts_embedded for c in cells)} texts, for what needs one query embedding "
        f"plus one batched write."
    )


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
    # The bot logs every job at INFO; the table is the output here.
    logging.basicConfig(level=logging.WARNING)
    started = time.perf_counter()
    cells = run(args)
    print(f"# message_cost: one message per cell, EMBEDDING_DIMS={args.dims}, "
          f"MEMORY_LIMIT={Settings.memory_limit}, thread of {args.thread} messages")  # fmt: skip
    print(f'message ({len(MESSAGE)} chars, prefixed per cell with the user): "{MESSAGE}"\n')
    print_table(cells)
    print()
    results = checks(cells)
    for ok, text in results:
        print(("PASS " if ok else "FAIL ") + text)
    for note in waste(cells, args.thread):
        print("NOTE " + note)
    print()
    print(reading(cells, args.thread))
    print(f"\n({time.perf_counter() - started:.1f} s including PostgreSQL start-up)")
    return 0 if all(ok for ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
