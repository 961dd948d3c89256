"""Whether 10,000 people's tech digests go out within the hour, through the bot's own code.

    python benchmarks/digest_fanout.py
    python benchmarks/digest_fanout.py --people 500 --workers 43 --model-ms 6000 --slack-ms 150

Everything runs in this process as tests/support/harness.py wires it: an embedded PostgreSQL
16 + pgvector in a temporary directory, the real Worker (build_worker) and its digest fan-out
(bot/jobs/digest_schedule.py), and the loopback FakeSlack / FakeOpenAI, which wait before each
reply as the real services would (`latency`): every Slack Web API call `--slack-ms`, every
Responses request (the digest, with its web search) `--model-ms`.

Three measurements:

1. A sample of `--people` opted-in people, each with three memories, every one due, handed
   out as fast as the fan-out can (no rate limit) to `--workers` workers (a ThreadDispatcher of
   that size; on Lambda, the worker's reserved concurrency, 43 at Aurora's 2 ACU): wall time,
   digests a minute, each job's time. Every person must get exactly one DM.
2. `--paced` more people through the fan-out at `--per-minute` (DIGEST_PER_MINUTE): the rate
   it really keeps.
3. The fan-out alone for `--fanout-people` (10,000) opted-in people: the due query, and the
   claims and in-flight checks it makes for each (the hand-over itself is a list here; on
   Lambda it is one async invoke, well inside the pacing interval).

Then the projection for `--target` people: the slower of what the workers manage (1.) and the
rate limit (2.), against the hour.
"""

from __future__ import annotations

import argparse
import atexit
import json
import logging
import math
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.conversation.llm import openai_client  # noqa: E402
from bot.db.storage import embedded_database_url, migrate, open_pool  # noqa: E402
from bot.jobs.deadlines import FUNCTION_TIMEOUT_S  # noqa: E402
from bot.jobs.digest_schedule import STOP_BEFORE_DEADLINE_S, DigestFanOut, DigestSchedule  # noqa: E402
from bot.jobs.dispatch import ThreadDispatcher  # noqa: E402
from bot.memory.installation import Installation  # noqa: E402
from bot.memory.schema import ConversationKind, Memory, Source, new_key, prefix  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.wiring import build_worker, slack_client  # noqa: E402
from tests.fakes import FakeOpenAI, FakeSlack  # noqa: E402
from tests.fakes._http import Request  # noqa: E402
from tests.support.harness import bot_settings  # noqa: E402

TEAM = "T1"
DIMS = 256  # nothing is embedded: the digest reads memories, it doesn't search them
TOPICS = [("Rust", "language"), ("Kubernetes", "infrastructure"), ("PostgreSQL", "database")]
TIME_ZONES = ["Asia/Tokyo", "Europe/Berlin", "America/New_York", "UTC", "Asia/Kolkata"]
HOUR_S = 3600


def digest_reply(body: dict) -> str:
    return "\n\n".join(f"**{topic}**: a new release this week." for topic, _ in TOPICS)


def latency(slack_s: float, model_s: float) -> tuple[Callable, Callable]:
    def slack(request: Request) -> float:
        return slack_s if request.path.startswith("/api/") else 0.0

    def openai(request: Request) -> float:
        return model_s if request.path == "/v1/responses" else 0.0

    return slack, openai


def seed(pool, users: Sequence[str], *, memories: bool) -> None:
    """Opted in (daily, the kept profile fresh) as `/interests digest daily` leaves them, and
    with three memories each, in the store's own layout."""
    with pool.connection() as conn, conn.transaction(), conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO bot_user_prefs (team_id, user_id, digest, digest_since, digest_tz, "
            "digest_locale, digest_channel, digest_profile_at) "
            "VALUES (%s, %s, 'daily', now(), %s, 'en-US', %s, now())",
            [
                (TEAM, user, TIME_ZONES[n % len(TIME_ZONES)], "D" + user[1:])
                for n, user in enumerate(users)
            ],
        )
        if not memories:
            return
        rows = []
        for user in users:
            for n, (topic, category) in enumerate(TOPICS):
                memory = Memory(
                    key=new_key(),
                    topic=topic,
                    category=category,
                    interest_level=90 - 10 * n,
                    description=f"Uses {topic} at work.",
                    sources=(Source(ConversationKind.DM, "D" + user[1:], "1700000000.000001"),),
                )
                rows.append((prefix(TEAM, user), memory.key, json.dumps(memory.value())))
        cursor.executemany(
            "INSERT INTO store (prefix, key, value, created_at, updated_at) "
            "VALUES (%s, %s, %s::jsonb, now(), now())",
            rows,
        )


@dataclass
class Sample:
    people: int
    wall_s: float
    job_s: list[float]
    submitted_at: list[float]
    dms: int

    @property
    def per_minute(self) -> float:
        return self.people / self.wall_s * 60

    @property
    def kept_per_minute(self) -> float:
        """The rate the fan-out handed jobs out at, first to last."""
        span = self.submitted_at[-1] - self.submitted_at[0]
        return (len(self.submitted_at) - 1) / span * 60 if span > 0 else math.inf


def run_sample(settings: Settings, pool, slack_fake: FakeSlack, users: list[str], workers: int):
    """Every person in `users` due at once, through build_worker's fan-out and worker."""
    worker = build_worker(
        settings, slack=slack_client(settings), pool=pool, openai=openai_client(settings)
    )
    job_s: list[float] = []
    lock = threading.Lock()

    def timed(job: dict) -> None:
        started = time.perf_counter()
        worker.run(job)
        with lock:
            job_s.append(time.perf_counter() - started)

    dispatcher = ThreadDispatcher(timed, max_workers=workers)
    submitted_at: list[float] = []

    def submit(job: dict) -> None:
        submitted_at.append(time.perf_counter())
        dispatcher.submit(job)

    before = len(slack_fake.calls_to("chat.postMessage"))
    started = time.perf_counter()
    run = worker.digest(submit, concurrency=workers)
    dispatcher.drain(timeout=24 * HOUR_S)
    wall = time.perf_counter() - started
    dispatcher.shutdown()
    dms = len(slack_fake.calls_to("chat.postMessage")) - before
    assert run.due == len(users) and len(run.submitted) == len(users), run
    return Sample(len(users), wall, job_s, submitted_at, dms)


def fan_out_only(pool, people: int) -> tuple[float, float]:
    """(due query s, whole fan-out s) for `people` opted in, the hand-over a list."""
    users = [f"UF{n:06d}" for n in range(people)]
    seed(pool, users, memories=False)
    schedule = DigestSchedule(pool)
    installation = Installation(TEAM, TEAM, None, "UBOT", "BBOT")
    started = time.perf_counter()
    due = schedule.due(TEAM, datetime.now(UTC))
    due_s = time.perf_counter() - started
    assert len(due) == people, len(due)
    fan_out = DigestFanOut(schedule, lambda: installation, per_minute=10**9, concurrency=10**9)
    handed: list[dict] = []

    def finish_at_once(job: dict) -> None:
        # As if each job were done the moment it was handed over: what is in flight stays
        # what the workers hold, as in a real run, instead of piling up 10,000 queued claims.
        handed.append(job)
        with pool.connection() as conn:
            conn.execute(
                "UPDATE bot_digest_claims SET status = 'sent' WHERE token = %s", (job["claim"],)
            )

    started = time.perf_counter()
    fan_out.run(finish_at_once)
    whole_s = time.perf_counter() - started
    assert len(handed) == people
    return due_s, whole_s


def pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) + " |")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--people", type=int, default=500, help="the measured sample (1.)")
    p.add_argument("--workers", type=int, default=43, help="digests written at once (Lambda: 43)")
    p.add_argument("--model-ms", type=float, default=6000.0, help="each Responses request")
    p.add_argument("--slack-ms", type=float, default=150.0, help="each Slack Web API call")
    p.add_argument(
        "--per-minute", type=int, default=Settings.digest_per_minute, help="DIGEST_PER_MINUTE"
    )
    p.add_argument("--paced", type=int, default=40, help="people through the paced fan-out (2.)")
    p.add_argument("--fanout-people", type=int, default=10_000, help="the fan-out alone (3.)")
    p.add_argument("--target", type=int, default=10_000, help="people the projection is for")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)  # the bot logs every job at INFO
    data_dir = Path(tempfile.mkdtemp(prefix="digest_fanout_"))
    atexit.register(shutil.rmtree, data_dir, True)  # before the server: atexit is LIFO
    url = embedded_database_url(data_dir)
    # On Lambda each of the workers is a container with its own pool; here they share one.
    pool = open_pool(url, max_size=args.workers + 4)
    migrate(pool, DIMS)
    with FakeOpenAI(digest_reply) as fake_openai, FakeSlack(TEAM, "UBOT", "BBOT") as fake_slack:
        fake_slack.latency, fake_openai.latency = latency(
            args.slack_ms / 1000, args.model_ms / 1000
        )
        fake_openai.search_finds(("https://example.com/release-notes", "Release notes"))
        base = replace(
            bot_settings(fake_openai, fake_slack, url, data_dir, DIMS),
            openai_timeout=max(60.0, args.model_ms / 1000 * 3),
            digest_concurrency=args.workers,
        )
        try:
            # Untimed: the first jobs build the model clients and resolve the installation.
            warm_users = [f"UW{n:06d}" for n in range(args.workers)]
            seed(pool, warm_users, memories=True)
            print(f"  warming up with {args.workers}", file=sys.stderr, flush=True)
            run_sample(
                replace(base, digest_per_minute=10**9), pool, fake_slack, warm_users, args.workers
            )
            sample_users = [f"US{n:06d}" for n in range(args.people)]
            seed(pool, sample_users, memories=True)
            print(f"  sample of {args.people}: running", file=sys.stderr, flush=True)
            sample = run_sample(
                replace(base, digest_per_minute=10**9), pool, fake_slack, sample_users, args.workers
            )
            paced_users = [f"UP{n:06d}" for n in range(args.paced)]
            seed(pool, paced_users, memories=True)
            print(f"  paced {args.paced}: running", file=sys.stderr, flush=True)
            paced = run_sample(
                replace(base, digest_per_minute=args.per_minute),
                pool,
                fake_slack,
                paced_users,
                args.workers,
            )
            print(f"  fan-out of {args.fanout_people}: running", file=sys.stderr, flush=True)
            due_s, fan_out_s = fan_out_only(pool, args.fanout_people)
        finally:
            pool.close()

    return 0 if report(args, sample, paced, due_s, fan_out_s) else 1


def report(args, sample: Sample, paced: Sample, due_s: float, fan_out_s: float) -> bool:
    print(
        f"# digest_fanout: Slack {args.slack_ms:.0f} ms a call, model (Responses + web search) "
        f"{args.model_ms:,.0f} ms, {args.workers} workers, DIGEST_PER_MINUTE {args.per_minute}\n"
    )
    print_table(
        ["measured", "people", "wall s", "digests/min", "job p50 / p95 s", "DMs"],
        [
            [
                "1. sample, unpaced",
                f"{sample.people:,}",
                f"{sample.wall_s:.1f}",
                f"{sample.per_minute:,.0f}",
                f"{statistics.median(sample.job_s):.2f} / {pct(sample.job_s, 95):.2f}",
                f"{sample.dms:,}",
            ],
            [
                f"2. paced at {args.per_minute}/min",
                f"{paced.people:,}",
                f"{paced.wall_s:.1f}",
                f"{paced.kept_per_minute:,.0f} (kept)",
                f"{statistics.median(paced.job_s):.2f} / {pct(paced.job_s, 95):.2f}",
                f"{paced.dms:,}",
            ],
        ],
    )
    per_person_ms = fan_out_s / args.fanout_people * 1000
    print(
        f"\n3. fan-out alone, {args.fanout_people:,} opted in: due query {due_s * 1000:,.0f} ms, "
        f"the whole run {fan_out_s:.1f} s ({per_person_ms:.2f} ms a person: claim + in-flight "
        f"check), against a pacing interval of {60_000 / args.per_minute:,.0f} ms"
    )
    rate = min(sample.per_minute, args.per_minute)
    minutes = args.target / rate
    limit = "the rate limit" if args.per_minute <= sample.per_minute else "the workers"
    slice_s = FUNCTION_TIMEOUT_S - STOP_BEFORE_DEADLINE_S
    invocations = math.ceil(args.target / (rate * slice_s / 60))
    print(
        f"\nProjected for {args.target:,} people: {rate:,.0f} digests a minute ({limit}: the "
        f"workers manage {sample.per_minute:,.0f}, DIGEST_PER_MINUTE allows {args.per_minute}) "
        f"-> {minutes:.1f} min.\nOn Lambda the run hands out {slice_s:.0f} s at a time and "
        f"continues in a new invocation: {invocations} chained invocations of the hourly task."
    )
    checks = [
        (sample.dms == sample.people, f"sample: {sample.dms} DMs for {sample.people} people"),
        (paced.dms == paced.people, f"paced: {paced.dms} DMs for {paced.people} people"),
        (
            paced.kept_per_minute <= args.per_minute * 1.05,
            f"the fan-out kept {paced.kept_per_minute:,.0f}/min under {args.per_minute}/min",
        ),
        (minutes < 60, f"{args.target:,} people in {minutes:.1f} min (< 60)"),
    ]
    print()
    for ok, text in checks:
        print(("PASS " if ok else "FAIL ") + text)
    return all(ok for ok, _ in checks)


if __name__ == "__main__":
    sys.exit(main())
