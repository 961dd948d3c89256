"""What keeping erasures final costs a write: the watermark check every memory and settings write
makes under the person's lock, and the one read a reply adds before recording and learning.

    .venv/bin/python -m benchmarks.write_guard [--rounds 2000] [--people 100000]

Times, on the embedded PostgreSQL 16, one transaction each (p50 / p95 / p99, ms):
- `person_lock` alone: what every write took before (the per-person advisory lock);
- `hold_for_write`: the three advisory locks and the watermark lookup that replace it;
- `Watermarks.erased_since`: the reply's check before its answer record and learning;
with an empty watermark table and with one row for each of `--people` people erased.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence

from benchmarks import harness
from bot.db.storage import open_pool
from bot.memory.schema import person_lock
from bot.memory.watermarks import Watermarks, hold_for_write

SCOPE = "T1"
# A write's guard must stay a rounding error beside the write itself (an embedding call).
GUARD_FLOOR_MS = 2.0  # hold_for_write p50, at any watermark count


def _timed(rounds: int, step: Callable[[int], None]) -> list[float]:
    times = []
    for n in range(rounds):
        started = time.perf_counter()
        step(n)
        times.append((time.perf_counter() - started) * 1000)
    return times


def run(rounds: int, people: int, floors: harness.Floors) -> None:
    database = harness.embedded_database(dims=8)
    pool = open_pool(database.url, max_size=2)
    try:
        marks = Watermarks(pool)
        now = time.time()

        def in_transaction(body: Callable[..., None]) -> Callable[[int], None]:
            def step(n: int) -> None:
                with pool.connection() as conn, conn.transaction():
                    body(conn, f"U{n % 5000}")

            return step

        steps = {
            "person_lock (before)": in_transaction(
                lambda conn, user: person_lock(conn, SCOPE, user)
            ),
            "hold_for_write (now)": in_transaction(
                lambda conn, user: hold_for_write(conn, SCOPE, user, now)
            ),
            "Watermarks.erased_since": lambda n: marks.erased_since(SCOPE, f"U{n % 5000}", now),
        }
        rows, guard_p50 = [], []
        for label, fill in (("no watermarks", 0), (f"{people:,} erased people", people)):
            if fill:
                with pool.connection() as conn:
                    conn.execute(
                        "INSERT INTO bot_watermarks (scope_id, user_id, erased_at) "
                        "SELECT %s, 'U' || n, now() - interval '1 hour' "
                        "FROM generate_series(0, %s) AS n",
                        (SCOPE, fill - 1),
                    )
                    conn.execute("ANALYZE bot_watermarks")
            for name, step in steps.items():
                _timed(max(1, rounds // 10), step)  # warm up
                p50, p95, p99 = harness.percentiles(_timed(rounds, step))
                rows.append([f"{name}, {label}", f"{p50:.2f}", f"{p95:.2f}", f"{p99:.2f}"])
                if name.startswith("hold_for_write"):
                    guard_p50.append(p50)
            harness.progress(label)
    finally:
        pool.close()
    print(harness.table([f"one transaction, {rounds} rounds", "p50 ms", "p95 ms", "p99 ms"], rows))
    worst = max(guard_p50)
    floors.check(
        worst <= GUARD_FLOOR_MS, f"hold_for_write p50 {worst:.2f} ms <= {GUARD_FLOOR_MS} ms"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--people", type=int, default=100_000)
    args = parser.parse_args(argv)
    with harness.session("write_guard: the cost of keeping erasures final") as floors:
        run(max(10, args.rounds), max(1, args.people), floors)
        floors.print()
    return floors.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
