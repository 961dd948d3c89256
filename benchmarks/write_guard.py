"""What keeping erasures final costs a write: the watermark check every memory and settings write
makes under the person's lock, and the one read a reply adds before recording and learning.

    python benchmarks/write_guard.py [--rounds 2000] [--people 100000]

Times, on the embedded PostgreSQL 16, one transaction each (p50 / p95 / p99, ms):
- `person_lock` alone: what every write took before (the per-person advisory lock);
- `hold_for_write`: the three advisory locks and the watermark lookup that replace it;
- `Watermarks.erased_since`: the reply's check before its answer record and learning;
with an empty watermark table and with one row for each of `--people` people erased.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.db.storage import embedded_database_url, migrate, open_pool  # noqa: E402
from bot.memory.schema import person_lock  # noqa: E402
from bot.memory.watermarks import Watermarks, hold_for_write  # noqa: E402

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


def _row(name: str, times: list[float]) -> str:
    q = statistics.quantiles(times, n=100)
    return f"| {name} | {statistics.median(times):.2f} | {q[94]:.2f} | {q[98]:.2f} |"


def run(rounds: int, people: int) -> bool:
    with tempfile.TemporaryDirectory() as data:
        pool = open_pool(embedded_database_url(Path(data)), max_size=2)
        try:
            migrate(pool, 8)
            marks = Watermarks(pool)
            now = time.time()
            guard_p50: list[float] = []

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
            print(f"| step, {rounds} rounds | p50 ms | p95 ms | p99 ms |")
            print("|---|---|---|---|")
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
                    _timed(rounds // 10, step)  # warm up
                    times = _timed(rounds, step)
                    print(_row(f"{name}, {label}", times))
                    if name.startswith("hold_for_write"):
                        guard_p50.append(statistics.median(times))
        finally:
            pool.close()
    ok = max(guard_p50) <= GUARD_FLOOR_MS
    print(
        f"{'PASS' if ok else 'FAIL'}: hold_for_write p50 {max(guard_p50):.2f} ms "
        f"(floor {GUARD_FLOOR_MS} ms)"
    )
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--people", type=int, default=100_000)
    args = parser.parse_args(argv)
    return 0 if run(max(100, args.rounds), max(1, args.people)) else 1


if __name__ == "__main__":
    sys.exit(main())
