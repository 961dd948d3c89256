"""/whoknows at scale: the one query over an installation's opted-in people.

    python benchmarks/who_knows.py                       # 20k memories, 2k people, ~1 min
    python benchmarks/who_knows.py --memories 100000 --users 10000

Loads the same synthetic memories as benchmarks/memory_scale.py (COPYed in PostgresStore's
layout, 10 installations, a fifth of the memories learned in public channels), opts in a number
of one installation's people, and times bot.memory.directory.Directory.who_knows (the query
only: the topic's embedding is a fixed vector, as the embedder's cache would return it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.memory_scale import (  # noqa: E402
    TEAMS,
    TOPICS,
    load,
    make_users,
    pct,
    print_table,
    query_vector,
)
from bot.db.storage import embedded_database_url, migrate, open_pool  # noqa: E402
from bot.memory.directory import Directory  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memories", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--dims", type=int, default=1536)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, default=None)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="who-knows-"))
    url = embedded_database_url(data_dir)
    pool = open_pool(url)
    migrate(pool, args.dims)
    users = make_users(args.memories, args.users, args.seed)
    print(f"loading {args.memories:,} memories of {args.users:,} people…", file=sys.stderr)
    load(url, users, args.dims, args.seed)
    scope = users[0].team_id
    in_scope = [u.user_id for u in users if u.team_id == scope]
    vector = query_vector(args.seed, 0, args.dims)
    directory = Directory(pool, lambda texts: [vector for _ in texts])
    rows = []
    for opted_in in sorted({10, 100, len(in_scope) // 2, len(in_scope)}):
        if opted_in > len(in_scope):
            continue
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DELETE FROM bot_user_prefs")
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO bot_user_prefs (team_id, user_id, findable) VALUES (%s, %s, true)",
                    [(scope, user) for user in in_scope[:opted_in]],
                )
            conn.execute("ANALYZE bot_user_prefs")
        times, found = [], []
        for n in range(args.queries + 5):
            topic = TOPICS[n % len(TOPICS)]
            started = time.perf_counter()
            result = directory.who_knows(scope, topic, asker="U-asker")
            if n >= 5:  # warm-up
                times.append((time.perf_counter() - started) * 1000)
                found.append(len(result))
        rows.append(
            {
                "people in the installation": f"{len(in_scope):,}",
                "opted in": f"{opted_in:,}",
                "p50 ms": f"{statistics.median(times):.1f}",
                "p95 ms": f"{pct(times, 95):.1f}",
                "listed (median)": f"{statistics.median(found):.0f}",
            }
        )
    pool.close()
    print(f"{args.memories:,} memories, {args.users:,} people in {TEAMS} installations")
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
