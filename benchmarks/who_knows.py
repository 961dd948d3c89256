"""/whoknows at scale: the one query over an installation's opted-in people.

    python -m benchmarks.who_knows                       # 20k memories, 2k people, ~10 s
    python -m benchmarks.who_knows --memories 100000 --users 10000

Loads the same synthetic memories as benchmarks/memory_scale.py (COPYed in PostgresStore's
layout, 10 installations, a fifth of the memories learned in public channels), opts in a number
of one installation's people, and times bot.memory.directory.Directory.who_knows (the query
only: the topic's embedding is a fixed vector, as the embedder's cache would return it).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks import harness
from benchmarks.memory_scale import TEAMS, TOPICS, load, make_users, print_table, query_vector
from bot.db.storage import open_pool
from bot.memory.directory import Directory

WARMUP = 5  # untimed queries first at each opt-in count


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memories", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--queries", type=int, default=50, help="timed queries per row")
    parser.add_argument("--dims", type=int, default=1536)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, default=None, help="keep the embedded server")
    return parser.parse_args(argv)


def opt_in(pool, scope: str, people: Sequence[str]) -> None:
    """Exactly `people` findable in `scope`, as `/whoknows` opt-ins leave them."""
    with pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
        cur.execute("DELETE FROM bot_user_prefs")
        cur.executemany(
            "INSERT INTO bot_user_prefs (team_id, user_id, findable) VALUES (%s, %s, true)",
            [(scope, user) for user in people],
        )
    with pool.connection() as conn:
        conn.execute("ANALYZE bot_user_prefs")


def run(args: argparse.Namespace) -> list[dict[str, str]]:
    database = harness.embedded_database(args.dims, args.data_dir)
    users = make_users(args.memories, args.users, args.seed)
    harness.progress(f"loading {args.memories:,} memories of {args.users:,} people")
    load(database.url, users, args.dims, args.seed)
    scope = users[0].team_id
    in_scope = [u.user_id for u in users if u.team_id == scope]
    vector = query_vector(args.seed, 0, args.dims)
    rows = []
    pool = open_pool(database.url, max_size=2)
    try:
        directory = Directory(pool, lambda texts: [vector for _ in texts])
        for opted_in in sorted({10, 100, len(in_scope) // 2, len(in_scope)}):
            if opted_in > len(in_scope):
                continue
            opt_in(pool, scope, in_scope[:opted_in])
            times, found = [], []
            for n in range(WARMUP + args.queries):
                topic = TOPICS[n % len(TOPICS)]
                started = time.perf_counter()
                result = directory.who_knows(scope, topic, asker="U-asker")
                if n >= WARMUP:
                    times.append((time.perf_counter() - started) * 1000)
                    found.append(len(result))
            p50, p95 = harness.percentiles(times, (50, 95))
            rows.append(
                {
                    "people in the installation": f"{len(in_scope):,}",
                    "opted in": f"{opted_in:,}",
                    "p50 ms": f"{p50:.1f}",
                    "p95 ms": f"{p95:.1f}",
                    "listed (median)": f"{statistics.median(found):.0f}",
                }
            )
            harness.progress(f"{opted_in:,} opted in: done")
    finally:
        pool.close()
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    title = (
        f"who_knows: {args.memories:,} memories, {args.users:,} people in {TEAMS} installations, "
        f"{args.queries} queries a row"
    )
    with harness.session(title):  # no floors: it shows how the query grows with the opt-ins
        print_table(run(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
