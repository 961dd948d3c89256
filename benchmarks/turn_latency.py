"""How long a person waits before the model starts on their answer, with real network delays.

    python benchmarks/turn_latency.py
    python benchmarks/turn_latency.py --turns 100 --slack-ms 150 --embedding-ms 200

The whole bot runs in-process as tests/support/harness.py wires it: an embedded PostgreSQL 16 +
pgvector
in a temporary directory, the real Bolt app and Worker, and the loopback FakeSlack / FakeOpenAI,
which here wait before every reply as the real services' round trips would (`latency`): the
Slack Web API 150 ms per call, embeddings 200 ms per call, the database as it is.

Timed per turn: from the moment the job enters Worker.run to the moment the Responses request
arrives at the fake, i.e. the request leaving the bot. Before it the turn shows it is working
(a reaction), then claims the event, resolves what to remember (settings, the conversation kind:
conversations.info the first time per channel, one embedding + the pgvector lookup) and reads the
thread (conversations.replies). Three kinds of turn, each by a person holding 200 memories:

- a DM;
- a mention in a channel thread the bot has not seen before (conversations.info + replies);
- a mention in a thread of a channel it already knows (replies only).

"in sequence" is what the same steps cost one after another (the sum of their delays), as the
worker did before the parallel start; "slowest step" is the longest single one. Each request's
arrival relative to the job's start is also printed (medians), which shows what overlaps.
"""

from __future__ import annotations

import argparse
import atexit
import logging
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from langgraph.store.base import PutOp  # noqa: E402

from bot.db.storage import StoreBuilder, embedded_database_url, migrate, open_pool  # noqa: E402
from bot.jobs.worker import Worker  # noqa: E402
from bot.memory.service import ConversationKind, Memory, Source, namespace, new_key  # noqa: E402
from tests.fakes import FakeOpenAI, FakeSlack  # noqa: E402
from tests.fakes._http import Request  # noqa: E402
from tests.fakes.openai_fake import TECH_TERMS, fake_embedding  # noqa: E402
from tests.support.harness import Bot, bot_settings, wire_bot  # noqa: E402

TEAM = "T1"
USER = "U1"
MEMORIES = 200  # MEMORY_MAX_PER_PERSON's default: the lookup at its slowest
FLOOR_MS = 40.0
WORKING = "show working (reactions.add)"
PLACEHOLDER = "placeholder (chat.postMessage)"
# Requests whose arrival the timeline shows, in the order a turn makes them.
TIMELINE = [
    ("reactions.add", "slack"),
    ("auth.test", "slack"),
    ("conversations.info", "slack"),
    ("conversations.replies", "slack"),
    ("chat.postMessage", "slack"),
    ("/v1/embeddings", "openai"),
    ("/v1/responses", "openai"),
]


@dataclass(frozen=True)
class Scenario:
    name: str
    mention: bool
    new_channel: bool  # a channel the bot has not looked up yet: conversations.info runs


SCENARIOS = [
    Scenario("DM", mention=False, new_channel=False),
    Scenario("mention, thread, new channel", mention=True, new_channel=True),
    Scenario("mention, thread, known channel", mention=True, new_channel=False),
]


@dataclass
class Result:
    scenario: Scenario
    to_request_ms: list[float] = field(default_factory=list)  # job start -> Responses request
    at_once_ms: list[float] = field(
        default_factory=list
    )  # reaction answered -> next sequential request
    arrivals: dict[str, list[float]] = field(default_factory=dict)  # request -> ms after start


def record_job_starts() -> list[tuple[str, float]]:
    """(job kind, monotonic time) each time a job enters Worker.run, in this process."""
    starts: list[tuple[str, float]] = []
    run = Worker.run

    def timed(self: Worker, job: dict, deadline=None) -> None:
        starts.append((job.get("kind", ""), time.monotonic()))
        run(self, job, deadline)

    Worker.run = timed  # wire_bot hands the dispatcher the bound method, so wrap the class
    return starts


def preload(pool, dims: int) -> None:
    """The person's memories, written as the bot writes them (public, so every turn may use
    them), embedded with the fake's own function so the load makes no HTTP calls."""
    store = StoreBuilder(lambda texts: [fake_embedding(t, dims) for t in texts], dims).on(pool)
    ops = []
    for i in range(MEMORIES):
        topic, category, _ = TECH_TERMS[i % len(TECH_TERMS)]
        memory = Memory(
            key=new_key(),
            topic=f"{topic} #{i}",
            category=category,
            interest_level=40 + i % 60,
            description=f"Uses {topic} in production and asked about its trade-offs ({i}).",
            private=False,
            sources=(Source(ConversationKind.PUBLIC_CHANNEL, "C0", f"1690000000.{i:06d}"),),
        )
        ops.append(PutOp(namespace(TEAM, USER), memory.key, memory.value()))
    store.batch(ops)


def thread(channel: str, thread_ts: str, count: int) -> list[dict]:
    """A channel thread's earlier messages, parent first, every 4th from the bot."""
    messages = []
    for i in range(count):
        ts = f"{thread_ts[:-6]}{int(thread_ts[-6:]) + i:06d}"
        message = {"type": "message", "ts": ts, "text": f"Earlier point {i} about the rollout."}
        message.update({"user": "UBOT", "bot_id": "BBOT"} if i % 4 == 3 else {"user": "U5"})
        if i:
            message["thread_ts"] = thread_ts
        messages.append(message)
    return messages


def one_turn(bot: Bot, scenario: Scenario, n: int, starts: list[tuple[str, float]]) -> Result:
    # Unique text: the embedder remembers recent texts, real messages don't repeat.
    text = f"Turn {n}: how should I size Kafka consumers written in Rust for steady latency?"
    if scenario.mention:
        channel = f"C{n:06d}" if scenario.new_channel else "CKNOWN"
        thread_ts = f"1700001{n:03d}.000001"
        earlier = thread(channel, thread_ts, 30)
        mention_ts = f"{thread_ts[:-6]}{31:06d}"
        this = {"type": "message", "ts": mention_ts, "thread_ts": thread_ts, "user": USER,
                "text": f"<@UBOT> {text}"}  # fmt: skip
        bot.slack.set_replies(channel, thread_ts, [*earlier, this])
        bot.mention(USER, text, channel=channel, thread_ts=thread_ts, ts=mention_ts)
    else:
        bot.dm(USER, text)
    start = next(t for kind, t in reversed(starts) if kind == "reply")
    result = Result(scenario)
    arrivals: dict[str, float] = {}
    for call in bot.slack.calls:
        if call.time >= start:
            arrivals.setdefault(call.method, call.time)
    for request in bot.openai.requests:
        if request.time >= start:
            arrivals.setdefault(request.path, request.time)
    for name, _ in TIMELINE:
        if name in arrivals:
            result.arrivals[name] = [(arrivals[name] - start) * 1000]
    request = arrivals["/v1/responses"]
    result.to_request_ms.append((request - start) * 1000)
    # The steps that run at once: from the reaction's answer (one Slack round trip after it
    # arrived) to whatever comes next, the placeholder in a DM, else the request itself.
    answered = arrivals["reactions.add"] + bot.slack.latency
    after = min(request, arrivals.get("chat.postMessage", request))
    result.at_once_ms.append((after - answered) * 1000)
    return result


def merge(results: Sequence[Result]) -> Result:
    merged = Result(results[0].scenario)
    for r in results:
        merged.to_request_ms += r.to_request_ms
        merged.at_once_ms += r.at_once_ms
        for name, values in r.arrivals.items():
            merged.arrivals.setdefault(name, []).extend(values)
    return merged


def steps(scenario: Scenario, slack_ms: float, embedding_ms: float) -> dict[str, float]:
    """The injected delay of each step on the way to the model request, in the order they run
    (the database adds its own): first the reaction, then the ones that run at once, then, in a
    DM outside a thread, the placeholder message the answer will grow in."""
    found = {WORKING: slack_ms, "recall (embedding + lookup)": embedding_ms}
    if scenario.new_channel:
        found["conversation kind (conversations.info)"] = slack_ms
    if scenario.mention:
        found["thread (conversations.replies)"] = slack_ms
    else:
        found[PLACEHOLDER] = slack_ms
    return found


def pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) + " |")


def report(results: Sequence[Result], slack_ms: float, embedding_ms: float) -> bool:
    rows, checks = [], []
    for r in results:
        delays = steps(r.scenario, slack_ms, embedding_ms)
        slowest = max(delays.values())
        at_once = max(v for k, v in delays.items() if k not in (WORKING, PLACEHOLDER))
        p50, p95 = statistics.median(r.to_request_ms), pct(r.to_request_ms, 95)
        once50, once95 = statistics.median(r.at_once_ms), pct(r.at_once_ms, 95)
        rows.append(
            [
                r.scenario.name,
                str(len(r.to_request_ms)),
                f"{p50:.0f} / {p95:.0f}",
                f"{sum(delays.values()):.0f}",
                f"{slowest:.0f}",
                f"{p50 - slowest:+.0f} / {p95 - slowest:+.0f}",
                f"{once50:.0f} / {once95:.0f}",
                f"{once95 - at_once:+.0f}",
            ]
        )
        checks.append(
            (
                p95 - slowest <= FLOOR_MS,
                f"{r.scenario.name}: job start -> Responses request p95 {p95:.0f} ms, "
                f"slowest step {slowest:.0f} ms: {p95 - slowest:+.0f} ms (floor +{FLOOR_MS:.0f})",
            )
        )
        checks.append(
            (
                once95 - at_once <= FLOOR_MS,
                f"{r.scenario.name}: the steps run at once p95 {once95:.0f} ms, slowest of them "
                f"{at_once:.0f} ms: {once95 - at_once:+.0f} ms (floor +{FLOOR_MS:.0f})",
            )
        )
    print_table(
        ["turn", "n", "start->request p50/p95 ms", "in sequence", "slowest step",
         "margin p50/p95", "at once p50/p95", "margin p95"],
        rows,
    )  # fmt: skip
    print(
        "\nin sequence = sum of the steps' delays (the worker before the parallel start); "
        "slowest step = the longest one;\nat once = the steps between the reaction's answer and "
        "the next request made after them (the placeholder in a DM, else the Responses\n"
        "request): claim, settings, conversation kind, recall, thread; margin against the "
        "slowest of those."
    )
    print("\nRequests arriving, median ms after the job started:\n")
    names = [name for name, _ in TIMELINE]
    print_table(
        ["turn", *names],
        [
            [r.scenario.name]
            + [f"{statistics.median(r.arrivals[n]):.0f}" if n in r.arrivals else "-" for n in names]
            for r in results
        ],
    )
    print()
    for ok, text in checks:
        print(("PASS " if ok else "FAIL ") + text)
    return all(ok for ok, _ in checks)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--turns", type=int, default=30, help="timed turns per kind of turn")
    p.add_argument("--warmup", type=int, default=2, help="untimed turns first (imports, auth.test)")
    p.add_argument("--slack-ms", type=float, default=150.0, help="delay of every Slack API call")
    p.add_argument("--embedding-ms", type=float, default=200.0, help="delay of every embedding")
    p.add_argument("--dims", type=int, default=1536, help="EMBEDDING_DIMS")
    return p.parse_args(argv)


def openai_latency(embedding_s: float) -> Callable[[Request], float]:
    # Only embeddings: the Responses request's own round trip is after the instant timed here,
    # and extraction runs after the answer.
    return lambda request: embedding_s if request.path == "/v1/embeddings" else 0.0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)  # the bot logs every job at INFO
    started = time.perf_counter()
    data_dir = Path(tempfile.mkdtemp(prefix="turn_latency_"))
    # Registered before the server starts, so (atexit being LIFO) PostgreSQL stops first.
    atexit.register(shutil.rmtree, data_dir, True)
    url = embedded_database_url(data_dir)
    pool = open_pool(url)
    migrate(pool, args.dims)
    preload(pool, args.dims)
    starts = record_job_starts()

    results = []
    with FakeOpenAI() as fake_openai, FakeSlack(TEAM, "UBOT", "BBOT") as fake_slack:
        fake_slack.latency = args.slack_ms / 1000
        fake_openai.latency = openai_latency(args.embedding_ms / 1000)
        bot = wire_bot(
            bot_settings(fake_openai, fake_slack, url, data_dir, args.dims),
            pool,
            fake_slack,
            fake_openai,
        )
        try:
            n = 0
            for scenario in SCENARIOS:
                timed = []
                for i in range(args.warmup + args.turns):
                    n += 1
                    result = one_turn(bot, scenario, n, starts)
                    if i >= args.warmup:
                        timed.append(result)
                results.append(merge(timed))
                print(f"  {scenario.name}: done", file=sys.stderr, flush=True)
        finally:
            bot.close()
            pool.close()

    print(
        f"# turn_latency: {args.turns} turns per kind, Slack API {args.slack_ms:.0f} ms/call, "
        f"embeddings {args.embedding_ms:.0f} ms/call, database as is, {MEMORIES} memories\n"
    )
    ok = report(results, args.slack_ms, args.embedding_ms)
    print(f"\n({time.perf_counter() - started:.1f} s including PostgreSQL start-up)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
