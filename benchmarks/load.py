"""A burst of DMs from many people, through the two ways the bot runs: every message answered
exactly once, no connection-pool timeout, time to first token, and peak database connections.

    python -m benchmarks.load                     # 200 DMs from 50 people within 10 s, ~2 min
    python -m benchmarks.load --messages 40 --people 10 --window 2 --containers 4

1. Socket Mode: `bot serve` itself, a subprocess started as `make run` starts it (its own
   wiring, thread pool and database pool), connected to the loopback Socket Mode fake
   (tests/fakes/socket_mode_fake.py), which hands it the DMs as Slack would.
2. Lambda: N worker containers, each a fresh process running `bot.lambda_handler.handler` as
   one Lambda container does, one job at a time, with its own pool; they take the reply jobs
   (signed as the ack path signs them) from one queue, as Lambda hands async invocations to
   whichever container is free. N stays within the connection budget of infra's
   connection_budget.py.

The model takes `--model-s` (1 s) for every answer and every extraction (the loopback
FakeOpenAI waits before replying); Slack and embeddings answer at once; the database is the
embedded PostgreSQL 16 + pgvector. Peak connections are sampled from pg_stat_activity every
20 ms (the sampler's own connection not counted). Time to first token runs from the moment a
DM is handed over (the Socket Mode envelope sent, the Lambda job queued) to the first Slack call
carrying its answer's text, all on this process's clock, since the fakes run here.

Floors: every DM answered exactly once; no pool timeout and no failed job in the logs; peak
connections within the pools' sizes, and for Lambda within the connection budget.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from benchmarks import harness
from bot.cli.serve import SERVE_WORKERS as SERVE_JOBS
from bot.db.storage import pool_size
from bot.jobs.dispatch import job_event
from bot.jobs.freshness import stamped
from bot.jobs.signing import JobSigner
from tests.fakes import FakeOpenAI, FakeSlack
from tests.fakes.socket_mode_fake import FakeSocketMode
from tests.support import slack_requests as sr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "infra"))  # infra/ is the CDK app's directory, not a package

from connection_budget import (  # noqa: E402
    CONNECTIONS_PER_CONTAINER,
    bot_concurrency,
    max_connections,
)

TEAM = "T1"
SECRET = "load-signing-secret"
# The stack's Aurora maximum capacity (infra/memory_bot_stack.py).
MAX_ACU = 2
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:memory-bot"
POOL_TIMEOUT_MARKS = ("PoolTimeout", "couldn't get a connection")
# What people say: each names technologies, so learning writes under the person's lock.
SAYINGS = [
    "I run Kubernetes on AWS, what should I read about cost?",
    "Rust or Go for a small CLI tool?",
    "We moved from Redis to PostgreSQL for the job queue.",
    "Any tips for testing React components?",
    "How do people deploy LangChain agents on Docker?",
]


@dataclass(frozen=True)
class Message:
    number: int
    user: str
    at_s: float  # when it is sent, from the burst's start
    text: str

    @property
    def mark(self) -> str:
        """What the fake model's answer to it starts with ("Answer: " + the text)."""
        return f"Answer: #{self.number:03d}"

    @property
    def channel(self) -> str:
        return "D" + self.user.removeprefix("U")


def burst(messages: int, people: int, window_s: float) -> list[Message]:
    """`messages` DMs from `people` people, evenly spread over `window_s` seconds."""
    step = window_s / max(1, messages - 1) if messages > 1 else 0.0
    return [
        Message(
            number=n,
            user=f"U{n % people:03d}",
            at_s=n * step,
            text=f"#{n:03d} {SAYINGS[n % len(SAYINGS)]}",
        )
        for n in range(messages)
    ]


@dataclass
class Outcome:
    path: str
    messages: list[Message]
    sent: dict[int, float] = field(default_factory=dict)  # number -> monotonic time handed over
    first_token: dict[int, float] = field(default_factory=dict)
    answers: dict[int, int] = field(default_factory=dict)  # number -> finished answers seen
    elapsed_s: float = 0.0
    peak_connections: int = 0
    connection_limit: int = 0
    pool_timeouts: int = 0
    failed_jobs: int = 0
    bot_cpu_s: float = 0.0  # the bot's processes
    fakes_cpu_s: float = 0.0  # this process: the fakes, the sampler, the driver

    @property
    def ttft_ms(self) -> list[float]:
        return [
            (self.first_token[n] - self.sent[n]) * 1000 for n in self.first_token if n in self.sent
        ]

    @property
    def exactly_once(self) -> int:
        return sum(1 for m in self.messages if self.answers.get(m.number) == 1)


# --- what the fakes saw ----------------------------------------------------------------------


def read_answers(slack: FakeSlack, outcome: Outcome) -> None:
    """Finished answers per DM (their messages as they stand), and each one's first token."""
    outcome.answers = {}
    for message in outcome.messages:
        texts = [m.get("text") or "" for m in slack.messages(message.channel)]
        outcome.answers[message.number] = sum(t.startswith(message.mark) for t in texts)
    marks = {m.mark: m.number for m in outcome.messages}
    for call in slack.calls:
        if not call.method.startswith("chat."):
            continue
        text = json.dumps(call.params, ensure_ascii=False)
        start = text.find("Answer: #")
        if start < 0:
            continue
        number = marks.get(text[start : start + len("Answer: #000")])
        if number is not None and number not in outcome.first_token:
            outcome.first_token[number] = call.time


def all_answered(slack: FakeSlack, openai: FakeOpenAI, outcome: Outcome) -> bool:
    """Every DM has its answer and its extraction call (learning comes after the answer)."""
    if len(openai.bodies("chat")) < len(outcome.messages):
        return False
    read_answers(slack, outcome)
    return all(outcome.answers.get(m.number) for m in outcome.messages)


def wait_until_done(slack: FakeSlack, openai: FakeOpenAI, outcome: Outcome, timeout_s: float):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not all_answered(slack, openai, outcome):
        time.sleep(0.2)
    time.sleep(1.0)  # the Home tab and the answer log follow each extraction
    read_answers(slack, outcome)


def slow_model(openai: FakeOpenAI, seconds: float, calls: int) -> None:
    openai.reset()
    for kind in ("responses", "chat"):
        openai.fail_next(kind, status=None, count=calls, delay=seconds)


class ConnectionSampler:
    """The database's client connections, every 20 ms; `peak` is the most seen at once."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._stop = threading.Event()
        self.peak = 0
        self._thread = threading.Thread(target=self._run, name="pg-sampler", daemon=True)

    def __enter__(self) -> ConnectionSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        with psycopg.connect(self._url, autocommit=True) as conn:
            while not self._stop.wait(0.02):
                (count,) = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
                ).fetchone()
                self.peak = max(self.peak, count)


def clean(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "TRUNCATE store, store_vectors, bot_memory_exclusions, bot_processed_events, "
            "bot_user_prefs, bot_memory_evictions, bot_answers, bot_watermarks"
        )


def scan_logs(text: str, outcome: Outcome) -> None:
    outcome.pool_timeouts += sum(text.count(mark) for mark in POOL_TIMEOUT_MARKS)
    outcome.failed_jobs += text.count('"job failed"') + text.count('"job could not start"')


@contextmanager
def cpu_time(outcome: Outcome) -> Iterator[None]:
    """CPU seconds spent by the bot's processes (children, once waited for) and by this one."""
    before_children = _cpu(resource.RUSAGE_CHILDREN)
    before_self = _cpu(resource.RUSAGE_SELF)
    yield
    outcome.bot_cpu_s = _cpu(resource.RUSAGE_CHILDREN) - before_children
    outcome.fakes_cpu_s = _cpu(resource.RUSAGE_SELF) - before_self


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def send_on_schedule(messages: Sequence[Message], send) -> dict[int, float]:
    started = time.monotonic()
    sent = {}
    for message in messages:
        delay = started + message.at_s - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sent[message.number] = time.monotonic()
        send(message)
    return sent


# --- 1. Socket Mode: `bot serve` ---------------------------------------------------------------


def bot_env(db: harness.Database, slack: FakeSlack, openai: FakeOpenAI) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(db.data_dir),
        "SLACK_BOT_TOKEN": "xoxb-load",
        "SLACK_APP_TOKEN": "xapp-load",
        "SLACK_SIGNING_SECRET": SECRET,
        "OPENAI_API_KEY": "sk-load",
        "SLACK_API_URL": slack.base_url,
        "OPENAI_BASE_URL": openai.base_url,
        "DATABASE_URL": db.url,
        "BOT_DATA_DIR": str(db.data_dir),
        "EMBEDDING_DIMS": str(db.dims),
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",  # `bot serve` says it is connected on a pipe, at once
    }


@contextmanager
def served_bot(env: dict[str, str], logs: Path) -> Iterator[subprocess.Popen]:
    with logs.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        try:
            line = process.stdout.readline()  # "Connected to Slack over Socket Mode. ..."
            if not line.startswith("Connected"):
                raise RuntimeError(f"bot serve did not connect: {line!r}\n{logs.read_text()}")
            yield process
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def run_socket_mode(
    db: harness.Database, slack: FakeSlack, openai: FakeOpenAI, args: argparse.Namespace
) -> Outcome:
    messages = burst(args.messages, args.people, args.window)
    outcome = Outcome("Socket Mode (bot serve)", messages)
    outcome.connection_limit = pool_size(SERVE_JOBS + 1)
    slack.reset()
    slow_model(openai, args.model_s, 4 * args.messages)
    logs = db.data_dir / "serve.log"
    with (
        cpu_time(outcome),
        FakeSocketMode() as socket_mode,
        ConnectionSampler(db.url) as sampler,
    ):
        slack.socket_mode_url = socket_mode.url
        with served_bot(bot_env(db, slack, openai), logs):
            harness.progress("bot serve connected; sending the burst")

            def send(message: Message) -> None:
                event = sr.dm_event(
                    message.user, message.text, team_id=TEAM, channel=message.channel
                )
                socket_mode.send("events_api", json.loads(sr.event_body(event, team_id=TEAM)))

            started = time.monotonic()
            outcome.sent = send_on_schedule(messages, send)
            wait_until_done(slack, openai, outcome, args.timeout)
            outcome.elapsed_s = time.monotonic() - started
        outcome.peak_connections = sampler.peak
    scan_logs(logs.read_text(), outcome)
    return outcome


# --- 2. Lambda: N worker containers ------------------------------------------------------------


def _container(env: dict[str, str], logs: str, jobs: multiprocessing.Queue) -> None:
    """One Lambda container: its own process, runtime and pool, one job at a time."""
    os.environ.update(env)
    # Logs and metric lines, as Lambda sends both to CloudWatch; open until the process ends.
    sys.stdout = sys.stderr = open(logs, "w")  # noqa: SIM115
    import bot.lambda_handler as lambda_handler

    class Context:
        invoked_function_arn = FUNCTION_ARN
        function_name = "memory-bot"
        aws_request_id = "load"

        def get_remaining_time_in_millis(self) -> int:
            return 120_000

    while (event := jobs.get()) is not None:
        lambda_handler.handler(event, Context())
    sys.stdout.flush()


def reply_job(message: Message) -> dict:
    """The job the ack path hands the worker for this DM (bot/slack/job_builders.py)."""
    ts = f"1700100000.{message.number:06d}"
    return {
        "kind": "reply",
        "event_key": f"event:load-{message.number}",
        "team_id": TEAM,
        "user_id": message.user,
        "channel": message.channel,
        "channel_type": "im",
        "message_ts": ts,
        "thread_ts": None,
        "reply_thread_ts": None,
        "in_dm": True,
        "text": message.text,
        "files": [],
        "bot_user_id": "UBOT",
    }


def run_lambda(
    db: harness.Database, slack: FakeSlack, openai: FakeOpenAI, args: argparse.Namespace
) -> Outcome:
    messages = burst(args.messages, args.people, args.window)
    outcome = Outcome(f"Lambda, {args.containers} containers", messages)
    outcome.connection_limit = args.containers * CONNECTIONS_PER_CONTAINER
    slack.reset()
    slow_model(openai, args.model_s, 4 * args.messages)
    signer = JobSigner(SECRET)
    env = bot_env(db, slack, openai) | {"AWS_LAMBDA_FUNCTION_NAME": "memory-bot"}
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter, as a container is
    jobs = spawn.Queue()
    logs = [db.data_dir / f"container{i}.log" for i in range(args.containers)]
    with cpu_time(outcome), ConnectionSampler(db.url) as sampler:
        containers = [
            spawn.Process(target=_container, args=(env, str(path), jobs), daemon=True)
            for path in logs
        ]
        for container in containers:
            container.start()
        harness.progress(f"{args.containers} containers started; queueing the burst")
        started = time.monotonic()
        outcome.sent = send_on_schedule(
            messages,
            lambda message: jobs.put(job_event(stamped(reply_job(message), time.time()), signer)),
        )
        wait_until_done(slack, openai, outcome, args.timeout)
        outcome.elapsed_s = time.monotonic() - started
        for _ in containers:
            jobs.put(None)
        for container in containers:
            container.join(timeout=30)
            if container.is_alive():
                container.kill()
        outcome.peak_connections = sampler.peak
    for path in logs:
        scan_logs(path.read_text() if path.exists() else "", outcome)
    return outcome


# --- the report --------------------------------------------------------------------------------


def report(outcomes: Sequence[Outcome], args: argparse.Namespace, floors: harness.Floors) -> None:
    rows = []
    for o in outcomes:
        p50, p95, p99 = harness.percentiles(o.ttft_ms)
        missing = sum(1 for m in o.messages if not o.answers.get(m.number))
        twice = sum(1 for m in o.messages if o.answers.get(m.number, 0) > 1)
        rows.append(
            [
                o.path,
                f"{o.exactly_once}/{len(o.messages)}",
                missing,
                twice,
                f"{p50:.0f} / {p95:.0f} / {p99:.0f}",
                f"{o.elapsed_s:.1f}",
                f"{o.peak_connections} (≤ {o.connection_limit})",
                o.pool_timeouts,
                o.failed_jobs,
                f"{o.bot_cpu_s * 1000 / len(o.messages):.0f} / "
                f"{o.fakes_cpu_s * 1000 / len(o.messages):.0f}",
            ]
        )
    print(
        f"\n{args.messages} DMs from {args.people} people within {args.window:g} s; the model "
        f"takes {args.model_s:g} s per answer and per extraction"
    )
    print(
        harness.table(
            [
                "path",
                "answered once",
                "missing",
                "twice",
                "first token p50 / p95 / p99 ms",
                "all done s",
                "peak connections (pool max)",
                "pool timeouts",
                "failed jobs",
                "CPU ms per DM: bot / fakes",
            ],
            rows,
        )
    )
    budget = bot_concurrency(MAX_ACU)
    print(
        f"\nConnection budget (infra/connection_budget.py): Aurora at {MAX_ACU} ACU allows "
        f"{max_connections(MAX_ACU)} connections; after its reserved slots, the migration and "
        f"an operator, {budget} worker containers of {CONNECTIONS_PER_CONTAINER}. `bot serve` "
        f"runs {SERVE_JOBS} jobs at once with a pool of {pool_size(SERVE_JOBS + 1)}."
    )
    print()
    for o in outcomes:
        floors.check(
            o.exactly_once == len(o.messages),
            f"{o.path}: every DM answered exactly once ({o.exactly_once}/{len(o.messages)})",
        )
        floors.check(
            o.pool_timeouts == 0 and o.failed_jobs == 0,
            f"{o.path}: no pool timeout, no failed job ({o.pool_timeouts}, {o.failed_jobs})",
        )
        floors.check(
            o.peak_connections <= o.connection_limit,
            f"{o.path}: peak connections {o.peak_connections} ≤ {o.connection_limit}",
        )
    if args.containers:
        floors.check(
            args.containers <= budget,
            f"Lambda: {args.containers} containers within the budget of {budget}",
        )
    floors.print()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=200, help="DMs in the burst (200)")
    parser.add_argument("--people", type=int, default=50, help="who sends them (50)")
    parser.add_argument("--window", type=float, default=10.0, help="seconds they span (10)")
    parser.add_argument("--model-s", type=float, default=1.0, help="each model call, s (1)")
    parser.add_argument(
        "--containers", type=int, default=8, help="Lambda worker containers (8; 0 = skip)"
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="give up after, s (300)")
    parser.add_argument("--dims", type=int, default=1536, help="embedding dimensions (1536)")
    args = parser.parse_args(argv)
    if args.messages < 1 or args.people < 1 or args.window < 0 or args.containers < 0:
        parser.error("--messages and --people must be >= 1, --window and --containers >= 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    title = (
        f"load: {args.messages} DMs from {args.people} people within {args.window:g} s, "
        f"model {args.model_s:g} s"
    )
    with harness.session(title) as floors:
        db = harness.embedded_database(args.dims)
        with FakeSlack(TEAM, "UBOT", "BBOT") as slack, FakeOpenAI() as openai:
            outcomes = [run_socket_mode(db, slack, openai, args)]
            if args.containers:
                clean(db.url)
                outcomes.append(run_lambda(db, slack, openai, args))
        report(outcomes, args, floors)
    return floors.exit_code


if __name__ == "__main__":
    sys.exit(main())
