"""How long a person waits before the model starts on their answer, with real network delays.

    python -m benchmarks.turn_latency
    python -m benchmarks.turn_latency --turns 100 --slack-ms 150 --embedding-ms 200

The whole bot runs in-process (benchmarks.local_bot): an embedded PostgreSQL 16 + pgvector in a
temporary directory, the real Bolt app and Worker, and the loopback FakeSlack / FakeOpenAI,
which here wait before every reply as the real services' round trips would (`latency`): the
Slack Web API 150 ms per call, embeddings 200 ms per call, the database as it is. They do so
until the turn's Responses request arrives; what follows it (the streamed answer, extraction,
the Home tab) is outside the measure and answered at once, so a turn takes ~0.3 s, not ~1.3 s.

Timed per turn: from the moment Slack's request reaches the app (its ack, about a millisecond,
included) to the moment the Responses request arrives at the fake, i.e. the request leaving the
bot. Before it the turn shows it is working
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
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from benchmarks import harness
from benchmarks.local_bot import (
    local_bot,
    mention_in_thread,
    public_memory,
    remember,
    thread_messages,
)
from bot.memory.service import Memory, new_key
from tests.fakes._http import Request
from tests.fakes.openai_fake import TECH_TERMS
from tests.support.harness import Bot

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
    to_request_ms: list[float] = field(default_factory=list)  # request -> Responses request
    at_once_ms: list[float] = field(
        default_factory=list
    )  # reaction answered -> next sequential request
    arrivals: dict[str, list[float]] = field(default_factory=dict)  # request -> ms after start


class RoundTrips:
    """The fakes' reply delays: Slack's and the embeddings' round trips, until the turn's
    Responses request arrives. Each reply's delay is decided as its request arrives, so a call
    already on its way when the Responses request comes still takes its full round trip."""

    def __init__(self, slack_ms: float, embedding_ms: float) -> None:
        self.slack_s, self.embedding_s = slack_ms / 1000, embedding_ms / 1000
        self.measuring = False

    def start_turn(self) -> None:
        self.measuring = True

    def slack(self, request: Request) -> float:
        return self.slack_s if self.measuring else 0.0

    def openai(self, request: Request) -> float:
        # The Responses request's own round trip comes after the instant timed here.
        if request.path == "/v1/responses":
            self.measuring = False
        return self.embedding_s if self.measuring and request.path == "/v1/embeddings" else 0.0


def memories() -> list[Memory]:
    """The person's memories, public so every turn may use them."""
    found = []
    for i in range(MEMORIES):
        topic, category, _ = TECH_TERMS[i % len(TECH_TERMS)]
        description = f"Uses {topic} in production and asked about its trade-offs ({i})."
        found.append(
            public_memory(i, f"{topic} #{i}", category, 40 + i % 60, description, new_key())
        )
    return found


def one_turn(bot: Bot, scenario: Scenario, n: int, round_trips: RoundTrips) -> Result:
    # Unique text: the embedder remembers recent texts, real messages don't repeat.
    text = f"Turn {n}: how should I size Kafka consumers written in Rust for steady latency?"
    round_trips.start_turn()
    start = time.monotonic()  # the clock FakeSlack and FakeOpenAI stamp requests with
    if scenario.mention:
        channel = f"C{n:06d}" if scenario.new_channel else "CKNOWN"
        thread_ts = f"1700001{n:03d}.000001"
        texts = [f"Earlier point {i} about the rollout." for i in range(30)]
        earlier = thread_messages(thread_ts, texts, ["U5"])
        mention_in_thread(bot, USER, text, channel=channel, thread_ts=thread_ts, earlier=earlier)
    else:
        bot.dm(USER, text)
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
    answered = arrivals["reactions.add"] + round_trips.slack_s
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


def report(
    results: Sequence[Result], slack_ms: float, embedding_ms: float, floors: harness.Floors
) -> None:
    rows = []
    for r in results:
        delays = steps(r.scenario, slack_ms, embedding_ms)
        slowest = max(delays.values())
        at_once = max(v for k, v in delays.items() if k not in (WORKING, PLACEHOLDER))
        p50, p95 = harness.percentiles(r.to_request_ms, (50, 95))
        once50, once95 = harness.percentiles(r.at_once_ms, (50, 95))
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
        floors.check(
            p95 - slowest <= FLOOR_MS,
            f"{r.scenario.name}: Slack's request -> Responses request p95 {p95:.0f} ms, "
            f"slowest step {slowest:.0f} ms: {p95 - slowest:+.0f} ms (floor +{FLOOR_MS:.0f})",
        )
        floors.check(
            once95 - at_once <= FLOOR_MS,
            f"{r.scenario.name}: the steps run at once p95 {once95:.0f} ms, slowest of them "
            f"{at_once:.0f} ms: {once95 - at_once:+.0f} ms (floor +{FLOOR_MS:.0f})",
        )
    headers = ["turn", "n", "request->Responses p50/p95 ms", "in sequence", "slowest step",
               "margin p50/p95", "at once p50/p95", "margin p95"]  # fmt: skip
    print(harness.table(headers, rows))
    print(
        "\nin sequence = sum of the steps' delays (the worker before the parallel start); "
        "slowest step = the longest one;\nat once = the steps between the reaction's answer and "
        "the next request made after them (the placeholder in a DM, else the Responses\n"
        "request): claim, settings, conversation kind, recall, thread; margin against the "
        "slowest of those."
    )
    print("\nRequests arriving, median ms after Slack's request reached the app:\n")
    names = [name for name, _ in TIMELINE]
    arrivals = [
        [r.scenario.name]
        + [f"{statistics.median(r.arrivals[n]):.0f}" if n in r.arrivals else "-" for n in names]
        for r in results
    ]
    print(harness.table(["turn", *names], arrivals))
    print()
    floors.print()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--turns", type=int, default=30, help="timed turns per kind of turn")
    p.add_argument("--warmup", type=int, default=2, help="untimed turns first (imports, auth.test)")
    p.add_argument("--slack-ms", type=float, default=150.0, help="delay of every Slack API call")
    p.add_argument("--embedding-ms", type=float, default=200.0, help="delay of every embedding")
    p.add_argument("--dims", type=int, default=1536, help="EMBEDDING_DIMS")
    return p.parse_args(argv)


def run(args: argparse.Namespace) -> list[Result]:
    round_trips = RoundTrips(args.slack_ms, args.embedding_ms)
    results = []
    with local_bot(harness.embedded_database(args.dims)) as bot:
        remember(bot, args.dims, USER, memories())
        bot.slack.latency, bot.openai.latency = round_trips.slack, round_trips.openai
        n = 0
        for scenario in SCENARIOS:
            timed = []
            for i in range(args.warmup + args.turns):
                n += 1
                result = one_turn(bot, scenario, n, round_trips)
                if i >= args.warmup:
                    timed.append(result)
            results.append(merge(timed))
            harness.progress(f"{scenario.name}: done")
    return results


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    title = (
        f"turn_latency: {args.turns} turns per kind, Slack API {args.slack_ms:.0f} ms/call, "
        f"embeddings {args.embedding_ms:.0f} ms/call, database as is, {MEMORIES} memories"
    )
    with harness.session(title) as floors:
        results = run(args)
        print()
        report(results, args.slack_ms, args.embedding_ms, floors)
    return floors.exit_code


if __name__ == "__main__":
    sys.exit(main())
